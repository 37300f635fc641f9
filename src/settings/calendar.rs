//! Calendar integration (`Apps/AttendantConsole/Settings/Calendar.ini`, section
//! `[Calendar]`): the model, its validation (errors and warnings of SPEC §4),
//! and minimal edits back into the INI document.

use secrecy::SecretString;

use super::schema::{FieldSpec, Kind, canonical_choice, parse_number};
pub use super::schema::{FieldValue, Secret, toggle_on};
use super::seal::{self, NodeKey, SealError, Sealed};
use super::url::parse_http_url;
use crate::ini::Document;

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

/// What [`CalendarSettings::display`] shows for a field with no value.
pub const NOT_SET: &str = "(not set)";

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
        label: "Basic authentication",
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
        noun: "password",
        flag: "password",
        value_name: "SECRET",
        kind: Kind::Secret,
        help: "Read the basic-authentication password from standard input",
    },
    FieldSpec {
        key: "ModernAuth",
        label: "Modern authentication",
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

    /// Its description in [`FIELDS`].
    pub fn spec(self) -> &'static FieldSpec {
        &FIELDS[self as usize]
    }

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

/// The calendar settings as text from the file (so invalid values can be
/// shown and corrected), one slot per field of [`FIELDS`]; the password apart.
#[derive(Debug, Clone, Default)]
pub struct CalendarSettings {
    /// Trimmed text per field (`None`: absent or blank); toggles as written.
    values: [Option<String>; FIELDS.len()],
    pub password: Password,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One validation finding, tied to the field it is about where there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub field: Option<Field>,
    pub message: String,
}

/// Errors block saving; warnings are saved anyway. Warnings come in the order
/// an admin should act on them, the "both authentications" warning first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
}

impl Report {
    /// True when nothing blocks saving.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    fn error(&mut self, field: Field, message: String) {
        self.errors.push(Finding {
            severity: Severity::Error,
            field: Some(field),
            message,
        });
    }

    fn warning(&mut self, field: Field, message: String) {
        self.warnings.push(Finding {
            severity: Severity::Warning,
            field: Some(field),
            message,
        });
    }
}

/// The vendor's own warning, shown first.
pub const BOTH_AUTH_WARNING: &str = "Both basic and modern authentication are enabled.";

impl CalendarSettings {
    /// Reads `[Calendar]` (missing keys are `None`/off; `1` is on for the toggles).
    pub fn from_document(doc: &Document) -> CalendarSettings {
        CalendarSettings::from_lookup(|key| doc.get(Some(SECTION), key).map(str::to_owned))
    }

    /// Builds the settings from a lookup of `[Calendar]` values by INI key.
    /// Values are trimmed; empty ones count as not set. Toggles are on for
    /// `1` or `true` (any case).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> CalendarSettings {
        let mut settings = CalendarSettings::default();
        for field in Field::ALL {
            let text = lookup(field.key())
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty());
            if field.spec().is_secret() {
                settings.password = text.map_or(Password::None, Password::Sealed);
            } else if field.spec().is_bool() {
                settings.set_on(field, text.is_some_and(|v| toggle_on(&v)));
            } else {
                settings.values[field as usize] = text;
            }
        }
        settings
    }

    /// A text field as read or typed (`None`: not set); `None` for the
    /// toggles and the password.
    pub fn text(&self, field: Field) -> Option<&str> {
        match field.spec().kind {
            Kind::Bool | Kind::Secret => None,
            _ => self.values[field as usize].as_deref(),
        }
    }

    /// Sets a text field (`None`: not set). Toggles and the password are
    /// set with [`set_on`](Self::set_on) and [`password`](Self::password).
    pub fn set_text(&mut self, field: Field, text: Option<String>) {
        if !matches!(field.spec().kind, Kind::Bool | Kind::Secret) {
            self.values[field as usize] = text;
        }
    }

    /// Whether a toggle is on (false for any other field).
    pub fn on(&self, field: Field) -> bool {
        field.spec().is_bool() && self.values[field as usize].as_deref() == Some("1")
    }

    pub fn set_on(&mut self, field: Field, on: bool) {
        if field.spec().is_bool() {
            self.values[field as usize] = Some(if on { "1" } else { "0" }.to_owned());
        }
    }

    /// Puts one value from a change into its field; a text value for a
    /// toggle counts as on for `1`, `on` or `true`.
    pub fn set(&mut self, field: Field, value: &FieldValue) {
        match (&field.spec().kind, value) {
            (Kind::Secret, FieldValue::Password(p)) => self.password = Password::New(p.clone()),
            (Kind::Secret, _) => {}
            (Kind::Bool, FieldValue::Toggle(on)) => self.set_on(field, *on),
            (Kind::Bool, FieldValue::Text(t)) => {
                self.set_on(field, matches!(t.trim(), "1" | "on" | "true"))
            }
            (_, FieldValue::Text(t)) => self.set_text(field, Some(t.clone())),
            (_, FieldValue::Toggle(on)) => {
                self.set_text(field, Some(if *on { "1" } else { "0" }.to_owned()))
            }
            (_, FieldValue::Password(_)) => {}
        }
    }

    /// The field's value as a change any node can take: `None` for a
    /// password that is not newly typed (only a typed one can be applied).
    pub fn value(&self, field: Field) -> Option<FieldValue> {
        match field.spec().kind {
            Kind::Secret => match &self.password {
                Password::New(secret) => Some(FieldValue::Password(secret.clone())),
                _ => None,
            },
            Kind::Bool => Some(FieldValue::Toggle(self.on(field))),
            _ => Some(FieldValue::Text(
                self.text(field).unwrap_or_default().to_owned(),
            )),
        }
    }

    /// Whether `field` differs in `other` from these settings (as read); a
    /// newly typed password always differs.
    pub fn differs(&self, other: &CalendarSettings, field: Field) -> bool {
        match field.spec().kind {
            Kind::Secret => matches!(other.password, Password::New(_)),
            Kind::Bool => self.on(field) != other.on(field),
            _ => self.text(field) != other.text(field),
        }
    }

    /// Takes `field`'s value from `from`.
    pub fn copy_field(&mut self, from: &CalendarSettings, field: Field) {
        if field.spec().is_secret() {
            self.password = from.password.clone();
        } else {
            self.values[field as usize] = from.values[field as usize].clone();
        }
    }

    /// The provider, when the text names one.
    pub fn provider(&self) -> Option<Provider> {
        self.text(Field::Provider).and_then(Provider::parse)
    }

    /// Every error and warning of SPEC §4, for the chosen provider's fields only.
    pub fn validate(&self) -> Report {
        let mut report = Report::default();
        match self.set_text_of(Field::Provider) {
            None if self.anything_but_provider_set() => report.error(
                Field::Provider,
                "no provider chosen: set the provider to Exchange or Office365".to_owned(),
            ),
            None => {}
            Some(_) => match self.provider() {
                None => self.check(Field::Provider, &mut report),
                Some(Provider::Exchange) => self.validate_exchange(&mut report),
                Some(Provider::Office365) => self.validate_office365(&mut report),
            },
        }
        report
    }

    /// Seals a newly typed password (`Password::New`) so it can be written.
    pub fn seal_password(&mut self, key: &NodeKey) {
        if let Password::New(secret) = &self.password {
            let sealed = seal::seal(key, secret, PASSWORD_AAD);
            self.password = Password::Sealed(sealed.to_text());
        }
    }

    /// The password in clear, to compare it (e.g. across nodes). `Ok(None)`: none set.
    pub fn open_password(&self, key: &NodeKey) -> Result<Option<SecretString>, SealError> {
        match &self.password {
            Password::None => Ok(None),
            Password::New(secret) => Ok(Some(secret.clone())),
            Password::Sealed(text) => {
                let sealed = Sealed::from_text(text)?;
                seal::open(key, &sealed, PASSWORD_AAD).map(Some)
            }
        }
    }

    /// Writes every set field into `[Calendar]` with minimal edits (provider
    /// and toggles normalized: `Exchange`/`Office365`, `0`/`1`). Fields that are
    /// `None` are left as they are in the file. Returns whether anything changed.
    /// Errors: `Password::New` not sealed yet, or text the file's encoding lacks;
    /// the document is left unchanged then.
    pub fn apply_to(&self, doc: &mut Document) -> Result<bool, crate::Error> {
        let changes = self.changes(|key| doc.get(Some(SECTION), key).map(str::to_owned))?;
        // Edit a copy so that a refused value leaves the document untouched.
        let mut edited = doc.clone();
        let mut changed = false;
        for (key, value) in changes {
            changed |= edited.set(Some(SECTION), key, &value)?;
        }
        *doc = edited;
        Ok(changed)
    }

    /// The `(key, value)` pairs [`apply_to`](Self::apply_to) writes, given the
    /// file's current values: only those whose text differs. Values are
    /// trimmed; provider and Exchange version take their canonical spelling
    /// when recognised; toggles are `0`/`1`, and an absent toggle that stays
    /// off is left absent (absent means off).
    pub fn changes(
        &self,
        current: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<(&'static str, String)>, crate::Error> {
        let mut changes = Vec::new();
        for field in Field::ALL {
            let Some(value) = self.value_to_write(field)? else {
                continue;
            };
            let now = current(field.key());
            let unchanged = match now.as_deref().map(str::trim) {
                Some(now) => now == value,
                None => value.is_empty() || (field.spec().is_bool() && value == "0"),
            };
            if !unchanged {
                changes.push((field.key(), value));
            }
        }
        Ok(changes)
    }

    /// The value shown for a field; the password shows only whether one is set.
    /// Unset fields show [`NOT_SET`], toggles `on`/`off`.
    pub fn display(&self, field: Field) -> String {
        match field.spec().kind {
            Kind::Secret if self.password.is_set() => "(set)".to_owned(),
            Kind::Secret => NOT_SET.to_owned(),
            Kind::Bool => if self.on(field) { "on" } else { "off" }.to_owned(),
            _ => self.normalized(field).unwrap_or_else(|| NOT_SET.to_owned()),
        }
    }

    /// A text field trimmed, with its canonical spelling where it has one.
    fn normalized(&self, field: Field) -> Option<String> {
        Some(field.spec().normalized(self.text(field)?))
    }

    fn value_to_write(&self, field: Field) -> Result<Option<String>, crate::Error> {
        match field.spec().kind {
            Kind::Bool => Ok(Some(if self.on(field) { "1" } else { "0" }.to_owned())),
            Kind::Secret => match &self.password {
                Password::None => Ok(None),
                Password::Sealed(text) => Ok(Some(text.trim().to_owned())),
                Password::New(_) => Err(crate::Error::Failed(
                    "the new calendar password must be sealed before it is written".to_owned(),
                )),
            },
            _ => Ok(self.normalized(field)),
        }
    }

    /// The trimmed text of a text field, `None` when absent or blank.
    fn set_text_of(&self, field: Field) -> Option<&str> {
        self.text(field).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Adds the field's kind check to `report`, when it is set and wrong.
    fn check(&self, field: Field, report: &mut Report) {
        if let Some(text) = self.set_text_of(field)
            && let Err(why) = field.spec().check(text)
        {
            report.error(field, why);
        }
    }

    fn anything_but_provider_set(&self) -> bool {
        self.on(Field::BasicAuth)
            || self.on(Field::ModernAuth)
            || self.password.is_set()
            || Field::ALL
                .into_iter()
                .filter(|f| *f != Field::Provider)
                .any(|f| self.set_text_of(f).is_some())
    }

    fn validate_exchange(&self, report: &mut Report) {
        self.check(Field::ExchangeVersion, report);
        let url = self.set_text_of(Field::EwsUrl);
        if let Some(text) = url {
            check_ews_url(text, report);
        }
        self.check(Field::RefreshSecs, report);
        if self.set_text_of(Field::ExchangeVersion).is_none() {
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

    fn validate_office365(&self, report: &mut Report) {
        self.check(Field::RefreshSecs, report);
        let basic = self.on(Field::BasicAuth);
        let modern = self.on(Field::ModernAuth);
        if !basic && !modern {
            report.error(
                Field::ModernAuth,
                "Office 365 needs basic or modern authentication turned on (modern authentication is the one that still works)".to_owned(),
            );
        }
        if basic {
            self.validate_basic(report);
        }
        if modern {
            self.validate_modern(report);
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

    fn validate_basic(&self, report: &mut Report) {
        if self.set_text_of(Field::Username).is_none() {
            report.error(
                Field::Username,
                "basic authentication needs a username (the mailbox account, e.g. svc-cal@contoso.com)".to_owned(),
            );
        }
        if !self.password.is_set() {
            report.error(
                Field::Password,
                "basic authentication needs a password".to_owned(),
            );
        }
    }

    fn validate_modern(&self, report: &mut Report) {
        if self.set_text_of(Field::TenantId).is_none() {
            report.error(
                Field::TenantId,
                "modern authentication needs the Directory (tenant) ID: a GUID such as 1a2b3c4d-0000-4000-8000-000000000000 or a domain such as contoso.onmicrosoft.com".to_owned(),
            );
        }
        self.check(Field::TenantId, report);
        if self.set_text_of(Field::ClientId).is_none() {
            report.error(
                Field::ClientId,
                "modern authentication needs the Application (client) ID of the app registered in Entra ID: a GUID (8-4-4-4-12 hex digits)".to_owned(),
            );
        }
        self.check(Field::ClientId, report);
    }
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
