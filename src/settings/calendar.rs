//! Calendar integration (`Apps/AttendantConsole/Settings/Calendar.ini`, section
//! `[Calendar]`): the model, its validation (errors and warnings of SPEC §4),
//! and minimal edits back into the INI document.

use secrecy::SecretString;

use super::FormId;
pub use super::form::Severity;
use super::form::{self, Form, FormFile};
use super::schema::{FieldSpec, Kind, canonical_choice, parse_number};
pub use super::schema::{FieldValue, Secret, toggle_on};
use super::seal::{NodeKey, SealError};
use super::url::parse_http_url;
use crate::paths::Paths;

/// The INI section holding every calendar key.
pub const SECTION: &str = "Calendar";

/// Exchange versions the suite accepts, spelled as it expects them.
pub const EXCHANGE_VERSIONS: &[&str] = &[
    "Exchange2007_SP1",
    "Exchange2010",
    "Exchange2010_SP1",
    "Exchange2010_SP2",
    "Exchange2013",
    "Exchange2013_SP1",
];

/// Refresh interval bounds, in seconds (one second to one day).
pub const REFRESH_SECS_RANGE: std::ops::RangeInclusive<u32> = 1..=86400;

/// The path where Exchange serves EWS.
pub const EWS_PATH: &str = "/EWS/Exchange.asmx";

pub use super::form::NOT_SET;

/// The canonical spelling of an Exchange version, matched case-insensitively.
pub fn canonical_exchange_version(text: &str) -> Option<&'static str> {
    canonical_choice(EXCHANGE_VERSIONS, text)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Exchange,
    Office365,
}

/// The providers as written in the file.
const PROVIDERS: &[&str] = &["Exchange", "Office365"];

impl Provider {
    pub const ALL: [Provider; 2] = [Provider::Exchange, Provider::Office365];

    /// Case-insensitive: `exchange`, `office365`. `None` for anything else.
    pub fn parse(text: &str) -> Option<Provider> {
        let text = text.trim();
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(text))
    }

    /// As written in the file: `Exchange`, `Office365`.
    pub fn as_str(self) -> &'static str {
        PROVIDERS[self as usize]
    }
}

/// One setting of the form, an index into [`FIELDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Provider,
    ExchangeVersion,
    EwsUrl,
    RefreshSecs,
    BasicAuth,
    Username,
    Password,
    ModernAuth,
    TenantId,
    ClientId,
}

/// Every calendar field, described once: the file's keys, the form's
/// labels, the command line's flags and the checks all come from here.
pub const FIELDS: [FieldSpec; 10] = [
    FieldSpec {
        key: "Provider",
        label: "Provider",
        noun: "provider",
        flag: "provider",
        value_name: "PROVIDER",
        kind: Kind::Choice(PROVIDERS),
        help: "exchange or office365",
    },
    FieldSpec {
        key: "ExchangeVersion",
        label: "Exchange version",
        noun: "Exchange version",
        flag: "exchange-version",
        value_name: "V",
        kind: Kind::Choice(EXCHANGE_VERSIONS),
        help: "",
    },
    FieldSpec {
        key: "EwsUrl",
        label: "EWS URL",
        noun: "EWS URL",
        flag: "ews-url",
        value_name: "URL",
        kind: Kind::Url {
            example: "https://mail.contoso.com/EWS/Exchange.asmx",
        },
        help: "",
    },
    FieldSpec {
        key: "RefreshIntervalSeconds",
        label: "Refresh interval (seconds)",
        noun: "refresh interval",
        flag: "refresh-secs",
        value_name: "N",
        kind: Kind::Number {
            range: REFRESH_SECS_RANGE,
            unit: "seconds",
        },
        help: "",
    },
    FieldSpec {
        key: "BasicAuth",
        label: "Grant Basic Authentication",
        noun: "basic authentication",
        flag: "basic-auth",
        value_name: "on|off",
        kind: Kind::Bool,
        help: "",
    },
    FieldSpec {
        key: "BasicAuth.Username",
        label: "Username",
        noun: "username",
        flag: "username",
        value_name: "U",
        kind: Kind::Text,
        help: "",
    },
    FieldSpec {
        key: "BasicAuth.Password",
        label: "Password",
        noun: "calendar password",
        flag: "password",
        value_name: "SECRET",
        kind: Kind::Secret { aad: PASSWORD_AAD },
        help: "Read the basic-authentication password from standard input",
    },
    FieldSpec {
        key: "ModernAuth",
        label: "Grant Modern Authentication",
        noun: "modern authentication",
        flag: "modern-auth",
        value_name: "on|off",
        kind: Kind::Bool,
        help: "",
    },
    FieldSpec {
        key: "ModernAuth.TenantId",
        label: "Directory (tenant) ID",
        noun: "Directory (tenant) ID",
        flag: "tenant-id",
        value_name: "ID",
        kind: Kind::GuidOrDomain {
            example: "contoso.onmicrosoft.com",
        },
        help: "",
    },
    FieldSpec {
        key: "ModernAuth.ClientId",
        label: "Application (client) ID",
        noun: "Application (client) ID",
        flag: "client-id",
        value_name: "ID",
        kind: Kind::Guid {
            note: ", as Entra ID shows it",
        },
        help: "",
    },
];

impl Field {
    pub const ALL: [Field; 10] = [
        Field::Provider,
        Field::ExchangeVersion,
        Field::EwsUrl,
        Field::RefreshSecs,
        Field::BasicAuth,
        Field::Username,
        Field::Password,
        Field::ModernAuth,
        Field::TenantId,
        Field::ClientId,
    ];

    /// The INI key: `Provider`, `ExchangeVersion`, `EwsUrl`, `RefreshIntervalSeconds`,
    /// `BasicAuth`, `BasicAuth.Username`, `BasicAuth.Password`, `ModernAuth`,
    /// `ModernAuth.TenantId`, `ModernAuth.ClientId`.
    pub fn key(self) -> &'static str {
        self.spec().key
    }

    /// A label for people ("EWS URL", "Directory (tenant) ID", ...).
    pub fn label(self) -> &'static str {
        self.spec().label
    }

    /// The field whose INI key is `key` (case-insensitive, as Windows reads it).
    pub fn from_key(key: &str) -> Option<Field> {
        let key = key.trim();
        Field::ALL
            .into_iter()
            .find(|f| f.key().eq_ignore_ascii_case(key))
    }
}

/// The stored password.
pub type Password = Secret;

/// The calendar settings: Calendar.ini's fields as read or edited.
pub type CalendarSettings = Form<Field>;
/// The calendar's errors and warnings.
pub type Report = form::Report<Field>;
pub type Finding = form::Finding<Field>;

impl FormFile for Field {
    const ID: FormId = FormId::Calendar;
    const ALL: &'static [Field] = &Field::ALL;
    const LABEL: &'static str = "Calendar.ini";
    const SECTION: &'static str = SECTION;
    const COMMAND: &'static str = "calendar";
    const ABOUT: &'static str =
        "Calendar integration (Apps/AttendantConsole/Settings/Calendar.ini)";
    const TAB: &'static str = "Calendar";
    const IF_MISSING: (&'static str, &'static str) = (
        "no calendar integration",
        "--provider ... (if operators need calendar states)",
    );

    fn path(paths: &Paths) -> &str {
        paths.form(Self::COMMAND, crate::paths::CALENDAR)
    }

    /// The provider, then only the chosen provider's fields.
    fn visible(form: &CalendarSettings) -> Vec<Field> {
        match form.provider() {
            Some(Provider::Exchange) => vec![
                Field::Provider,
                Field::ExchangeVersion,
                Field::EwsUrl,
                Field::RefreshSecs,
            ],
            Some(Provider::Office365) => vec![
                Field::Provider,
                Field::BasicAuth,
                Field::Username,
                Field::Password,
                Field::ModernAuth,
                Field::TenantId,
                Field::ClientId,
            ],
            None => vec![Field::Provider],
        }
    }

    fn shown(choice: &'static str) -> &'static str {
        match choice {
            "Office365" => "Office 365",
            other => other,
        }
    }

    fn gap_after(self) -> bool {
        matches!(self, Field::Provider | Field::Password)
    }

    /// Both authentications on: the vendor's own warning comes first.
    fn first_warning_strong(form: &CalendarSettings) -> bool {
        form.provider() == Some(Provider::Office365)
            && form.on(Field::BasicAuth)
            && form.on(Field::ModernAuth)
    }

    fn index(self) -> usize {
        self as usize
    }

    fn spec(self) -> &'static FieldSpec {
        &FIELDS[self as usize]
    }

    /// Every error and warning of SPEC §4, for the chosen provider's fields only.
    fn validate(form: &CalendarSettings) -> Report {
        let mut report = Report::default();
        match form.set_text_of(Field::Provider) {
            None if anything_but_provider_set(form) => report.error(
                Field::Provider,
                "no provider chosen: set the provider to Exchange or Office365".to_owned(),
            ),
            None => {}
            Some(_) => match form.provider() {
                None => form.check(Field::Provider, &mut report),
                Some(Provider::Exchange) => validate_exchange(form, &mut report),
                Some(Provider::Office365) => validate_office365(form, &mut report),
            },
        }
        report
    }
}

/// The vendor's own warning, shown first.
pub const BOTH_AUTH_WARNING: &str = "Both basic and modern authentication are enabled.";

impl CalendarSettings {
    /// The provider, when the text names one.
    pub fn provider(&self) -> Option<Provider> {
        self.text(Field::Provider).and_then(Provider::parse)
    }

    /// The password as stored or typed.
    pub fn password(&self) -> &Password {
        self.secret(Field::Password)
    }

    /// Seals a newly typed password (`Password::New`) so it can be written.
    pub fn seal_password(&mut self, key: &NodeKey) {
        self.seal_secrets(key);
    }

    /// The password in clear, to compare it (e.g. across nodes). `Ok(None)`: none set.
    pub fn open_password(&self, key: &NodeKey) -> Result<Option<SecretString>, SealError> {
        self.open_secret(Field::Password, key)
    }
}

fn anything_but_provider_set(form: &CalendarSettings) -> bool {
    form.on(Field::BasicAuth)
        || form.on(Field::ModernAuth)
        || form.password().is_set()
        || Field::ALL
            .into_iter()
            .filter(|f| *f != Field::Provider)
            .any(|f| form.set_text_of(f).is_some())
}

fn validate_exchange(form: &CalendarSettings, report: &mut Report) {
    form.check(Field::ExchangeVersion, report);
    let url = form.set_text_of(Field::EwsUrl);
    if let Some(text) = url {
        check_ews_url(text, report);
    }
    form.check(Field::RefreshSecs, report);
    if form.set_text_of(Field::ExchangeVersion).is_none() {
        report.warning(
            Field::ExchangeVersion,
            format!(
                "Exchange version not set yet: choose one of {}",
                EXCHANGE_VERSIONS.join(", ")
            ),
        );
    }
    if url.is_none() {
        report.warning(
            Field::EwsUrl,
            format!("EWS URL not set yet (usually https://<mail server>{EWS_PATH})"),
        );
    }
}

fn validate_office365(form: &CalendarSettings, report: &mut Report) {
    form.check(Field::RefreshSecs, report);
    let basic = form.on(Field::BasicAuth);
    let modern = form.on(Field::ModernAuth);
    if !basic && !modern {
        report.error(
            Field::ModernAuth,
            "Office 365 needs basic or modern authentication turned on (modern authentication is the one that still works)".to_owned(),
        );
    }
    if basic {
        validate_basic(form, report);
    }
    if modern {
        validate_modern(form, report);
    }
    if basic && modern {
        report.warning(
            Field::BasicAuth,
            format!("{BOTH_AUTH_WARNING} Turn basic authentication off once modern authentication works."),
        );
    }
    if basic {
        report.warning(
            Field::BasicAuth,
            "Basic authentication for Exchange Online EWS was turned off by Microsoft in October 2022: use modern authentication.".to_owned(),
        );
    }
    report.warning(
        Field::Provider,
        "Exchange Online blocks EWS from October 2026 unless the tenant allows this app, and retires it in April 2027.".to_owned(),
    );
}

fn validate_basic(form: &CalendarSettings, report: &mut Report) {
    if form.set_text_of(Field::Username).is_none() {
        report.error(
            Field::Username,
            "basic authentication needs a username (the mailbox account, e.g. svc-cal@contoso.com)"
                .to_owned(),
        );
    }
    if !form.password().is_set() {
        report.error(
            Field::Password,
            "basic authentication needs a password".to_owned(),
        );
    }
}

fn validate_modern(form: &CalendarSettings, report: &mut Report) {
    if form.set_text_of(Field::TenantId).is_none() {
        report.error(
            Field::TenantId,
            "modern authentication needs the Directory (tenant) ID: a GUID such as 1a2b3c4d-0000-4000-8000-000000000000 or a domain such as contoso.onmicrosoft.com".to_owned(),
        );
    }
    form.check(Field::TenantId, report);
    if form.set_text_of(Field::ClientId).is_none() {
        report.error(
            Field::ClientId,
            "modern authentication needs the Application (client) ID of the app registered in Entra ID: a GUID (8-4-4-4-12 hex digits)".to_owned(),
        );
    }
    form.check(Field::ClientId, report);
}

/// Associated data that binds a sealed calendar password to its use.
pub const PASSWORD_AAD: &[u8] = b"ucsconf/calendar/BasicAuth.Password/v1";

/// A whole number of seconds in [`REFRESH_SECS_RANGE`].
pub fn parse_refresh_secs(text: &str) -> Option<u32> {
    parse_number(text, &REFRESH_SECS_RANGE)
}

/// Adds the EWS URL's error, or its warnings, to `report`.
fn check_ews_url(text: &str, report: &mut Report) {
    if let Err(why) = Field::EwsUrl.spec().check(text) {
        return report.error(Field::EwsUrl, why);
    }
    let Some(url) = parse_http_url(text) else {
        return;
    };
    if !url.https {
        report.warning(
            Field::EwsUrl,
            "the EWS URL uses http://: the calendar credentials travel in clear text; use https://"
                .to_owned(),
        );
    }
    if !ends_with_ignore_case(url.path, EWS_PATH) {
        report.warning(
            Field::EwsUrl,
            format!("the EWS URL path does not end in {EWS_PATH}, where Exchange serves EWS: check the URL"),
        );
    }
}

fn ends_with_ignore_case(text: &str, suffix: &str) -> bool {
    text.len() >= suffix.len()
        && text.is_char_boundary(text.len() - suffix.len())
        && text[text.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_described_at_its_own_index() {
        for (i, field) in Field::ALL.into_iter().enumerate() {
            assert_eq!(field as usize, i);
            assert_eq!(Field::from_key(&field.key().to_lowercase()), Some(field));
        }
        let flags: std::collections::BTreeSet<_> = FIELDS.iter().map(|f| f.flag).collect();
        assert_eq!(
            flags.len(),
            FIELDS.len(),
            "each field has a flag of its own"
        );
    }

    #[test]
    fn refresh_secs_bounds() {
        assert_eq!(parse_refresh_secs("1"), Some(1));
        assert_eq!(parse_refresh_secs("000086400"), Some(86400));
        assert_eq!(parse_refresh_secs("86401"), None);
        assert_eq!(parse_refresh_secs("0000"), None);
    }

    #[test]
    fn path_suffix_ignores_case_and_survives_multibyte_text() {
        assert!(ends_with_ignore_case("/a/ews/EXCHANGE.asmx", EWS_PATH));
        assert!(!ends_with_ignore_case("/ééééééééééé", EWS_PATH));
        assert!(!ends_with_ignore_case("/x", EWS_PATH));
    }
}
