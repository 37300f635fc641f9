//! Calendar integration (`Apps/AttendantConsole/Settings/Calendar.ini`, section
//! `[Calendar]`): the model, its validation (errors and warnings of SPEC §4),
//! and minimal edits back into the INI document.

use secrecy::SecretString;

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
    let text = text.trim();
    EXCHANGE_VERSIONS
        .iter()
        .copied()
        .find(|v| v.eq_ignore_ascii_case(text))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Exchange,
    Office365,
}

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
        match self {
            Provider::Exchange => "Exchange",
            Provider::Office365 => "Office365",
        }
    }
}

/// One setting of the form; `key()` is its INI key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
        match self {
            Field::Provider => "Provider",
            Field::ExchangeVersion => "ExchangeVersion",
            Field::EwsUrl => "EwsUrl",
            Field::RefreshSecs => "RefreshIntervalSeconds",
            Field::BasicAuth => "BasicAuth",
            Field::Username => "BasicAuth.Username",
            Field::Password => "BasicAuth.Password",
            Field::ModernAuth => "ModernAuth",
            Field::TenantId => "ModernAuth.TenantId",
            Field::ClientId => "ModernAuth.ClientId",
        }
    }

    /// A label for people ("EWS URL", "Directory (tenant) ID", ...).
    pub fn label(self) -> &'static str {
        match self {
            Field::Provider => "Provider",
            Field::ExchangeVersion => "Exchange version",
            Field::EwsUrl => "EWS URL",
            Field::RefreshSecs => "Refresh interval (seconds)",
            Field::BasicAuth => "Basic authentication",
            Field::Username => "Username",
            Field::Password => "Password",
            Field::ModernAuth => "Modern authentication",
            Field::TenantId => "Directory (tenant) ID",
            Field::ClientId => "Application (client) ID",
        }
    }

    /// The field whose INI key is `key` (case-insensitive, as Windows reads it).
    pub fn from_key(key: &str) -> Option<Field> {
        let key = key.trim();
        Field::ALL
            .into_iter()
            .find(|f| f.key().eq_ignore_ascii_case(key))
    }
}

/// The stored password: none, sealed in the file, or newly typed (sealed on save).
#[derive(Clone, Default)]
pub enum Password {
    #[default]
    None,
    /// The sealed text as stored (`v1:...`).
    Sealed(String),
    New(SecretString),
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Password::None => "None",
            Password::Sealed(_) => "Sealed(..)",
            Password::New(_) => "New(..)",
        })
    }
}

impl Password {
    /// Whether a password is stored or typed.
    pub fn is_set(&self) -> bool {
        !matches!(self, Password::None)
    }
}

/// The calendar settings as strings from the file (so invalid values can be
/// shown and corrected), booleans for the two toggles.
#[derive(Debug, Clone, Default)]
pub struct CalendarSettings {
    /// Raw provider text (`None`: not set).
    pub provider: Option<String>,
    pub exchange_version: Option<String>,
    pub ews_url: Option<String>,
    pub refresh_secs: Option<String>,
    pub basic_auth: bool,
    pub username: Option<String>,
    pub password: Password,
    pub modern_auth: bool,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
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
        let text = |field: Field| {
            lookup(field.key())
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let toggle = |field: Field| text(field).is_some_and(|v| toggle_on(&v));
        CalendarSettings {
            provider: text(Field::Provider),
            exchange_version: text(Field::ExchangeVersion),
            ews_url: text(Field::EwsUrl),
            refresh_secs: text(Field::RefreshSecs),
            basic_auth: toggle(Field::BasicAuth),
            username: text(Field::Username),
            password: text(Field::Password).map_or(Password::None, Password::Sealed),
            modern_auth: toggle(Field::ModernAuth),
            tenant_id: text(Field::TenantId),
            client_id: text(Field::ClientId),
        }
    }

    /// The provider, when the text names one.
    pub fn provider(&self) -> Option<Provider> {
        self.provider.as_deref().and_then(Provider::parse)
    }

    /// Every error and warning of SPEC §4, for the chosen provider's fields only.
    pub fn validate(&self) -> Report {
        let mut report = Report::default();
        match set(&self.provider) {
            None if self.anything_but_provider_set() => report.error(
                Field::Provider,
                "no provider chosen: set the provider to Exchange or Office365".to_owned(),
            ),
            None => {}
            Some(text) => match Provider::parse(text) {
                None => report.error(
                    Field::Provider,
                    format!("unknown provider {text:?}: choose Exchange or Office365"),
                ),
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
                None => value.is_empty() || (is_toggle(field) && value == "0"),
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
        if field == Field::Password {
            let shown = if self.password.is_set() {
                "(set)"
            } else {
                NOT_SET
            };
            return shown.to_owned();
        }
        if let Some(on) = self.toggle(field) {
            return if on { "on" } else { "off" }.to_owned();
        }
        match self.normalized(field) {
            Some(text) => text,
            None => NOT_SET.to_owned(),
        }
    }

    fn toggle(&self, field: Field) -> Option<bool> {
        match field {
            Field::BasicAuth => Some(self.basic_auth),
            Field::ModernAuth => Some(self.modern_auth),
            _ => None,
        }
    }

    fn text(&self, field: Field) -> Option<&str> {
        let value = match field {
            Field::Provider => &self.provider,
            Field::ExchangeVersion => &self.exchange_version,
            Field::EwsUrl => &self.ews_url,
            Field::RefreshSecs => &self.refresh_secs,
            Field::Username => &self.username,
            Field::TenantId => &self.tenant_id,
            Field::ClientId => &self.client_id,
            Field::BasicAuth | Field::ModernAuth | Field::Password => return None,
        };
        value.as_deref()
    }

    /// A text field trimmed, with its canonical spelling where it has one.
    fn normalized(&self, field: Field) -> Option<String> {
        let text = self.text(field)?.trim();
        let canonical = match field {
            Field::Provider => Provider::parse(text).map(Provider::as_str),
            Field::ExchangeVersion => canonical_exchange_version(text),
            _ => None,
        };
        Some(canonical.unwrap_or(text).to_owned())
    }

    fn value_to_write(&self, field: Field) -> Result<Option<String>, crate::Error> {
        if let Some(on) = self.toggle(field) {
            return Ok(Some(if on { "1" } else { "0" }.to_owned()));
        }
        if field == Field::Password {
            return match &self.password {
                Password::None => Ok(None),
                Password::Sealed(text) => Ok(Some(text.trim().to_owned())),
                Password::New(_) => Err(crate::Error::Failed(
                    "the new calendar password must be sealed before it is written".to_owned(),
                )),
            };
        }
        Ok(self.normalized(field))
    }

    fn anything_but_provider_set(&self) -> bool {
        self.basic_auth
            || self.modern_auth
            || self.password.is_set()
            || Field::ALL
                .into_iter()
                .filter(|f| *f != Field::Provider)
                .any(|f| self.text(f).is_some_and(|t| !t.trim().is_empty()))
    }

    fn validate_exchange(&self, report: &mut Report) {
        let version = set(&self.exchange_version);
        if let Some(text) = version
            && canonical_exchange_version(text).is_none()
        {
            report.error(
                Field::ExchangeVersion,
                format!(
                    "unknown Exchange version {text:?}: choose one of {}",
                    EXCHANGE_VERSIONS.join(", ")
                ),
            );
        }
        let url = set(&self.ews_url);
        if let Some(text) = url {
            check_ews_url(text, report);
        }
        self.validate_refresh(report);
        if version.is_none() {
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
        self.validate_refresh(report);
        if !self.basic_auth && !self.modern_auth {
            report.error(
                Field::ModernAuth,
                "Office 365 needs basic or modern authentication turned on (modern authentication is the one that still works)".to_owned(),
            );
        }
        if self.basic_auth {
            self.validate_basic(report);
        }
        if self.modern_auth {
            self.validate_modern(report);
        }
        if self.basic_auth && self.modern_auth {
            report.warning(
                Field::BasicAuth,
                format!("{BOTH_AUTH_WARNING} Turn basic authentication off once modern authentication works."),
            );
        }
        if self.basic_auth {
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

    fn validate_refresh(&self, report: &mut Report) {
        if let Some(text) = set(&self.refresh_secs)
            && parse_refresh_secs(text).is_none()
        {
            report.error(
                Field::RefreshSecs,
                format!(
                    "refresh interval {text:?} must be a whole number of seconds from {} to {}",
                    REFRESH_SECS_RANGE.start(),
                    REFRESH_SECS_RANGE.end()
                ),
            );
        }
    }

    fn validate_basic(&self, report: &mut Report) {
        if set(&self.username).is_none() {
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
        match set(&self.tenant_id) {
            None => report.error(
                Field::TenantId,
                "modern authentication needs the Directory (tenant) ID: a GUID such as 1a2b3c4d-0000-4000-8000-000000000000 or a domain such as contoso.onmicrosoft.com".to_owned(),
            ),
            Some(text) if !is_guid(text) && !is_domain(text) => report.error(
                Field::TenantId,
                format!("Directory (tenant) ID {text:?} is neither a GUID (8-4-4-4-12 hex digits) nor a domain such as contoso.onmicrosoft.com"),
            ),
            Some(_) => {}
        }
        match set(&self.client_id) {
            None => report.error(
                Field::ClientId,
                "modern authentication needs the Application (client) ID of the app registered in Entra ID: a GUID (8-4-4-4-12 hex digits)".to_owned(),
            ),
            Some(text) if !is_guid(text) => report.error(
                Field::ClientId,
                format!("Application (client) ID {text:?} is not a GUID (8-4-4-4-12 hex digits, as Entra ID shows it)"),
            ),
            Some(_) => {}
        }
    }
}

/// Associated data that binds a sealed calendar password to its use.
pub const PASSWORD_AAD: &[u8] = b"ucsconf/calendar/BasicAuth.Password/v1";

/// The trimmed text of a field, `None` when absent or blank.
fn set(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn is_toggle(field: Field) -> bool {
    matches!(field, Field::BasicAuth | Field::ModernAuth)
}

/// `1` or `true` (any case), surrounding whitespace ignored.
pub fn toggle_on(text: &str) -> bool {
    let text = text.trim();
    text == "1" || text.eq_ignore_ascii_case("true")
}

/// A whole number of seconds in [`REFRESH_SECS_RANGE`].
pub fn parse_refresh_secs(text: &str) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Leading zeros are harmless; more significant digits than u32 holds are out of range anyway.
    let significant = text.trim_start_matches('0');
    let secs = match significant {
        "" => 0,
        _ if significant.len() > 9 => return None,
        _ => significant.parse::<u32>().ok()?,
    };
    REFRESH_SECS_RANGE.contains(&secs).then_some(secs)
}

fn check_ews_url(text: &str, report: &mut Report) {
    let Some(url) = parse_http_url(text) else {
        report.error(
            Field::EwsUrl,
            format!("EWS URL {text:?} is not an absolute http:// or https:// URL with a host name (e.g. https://mail.contoso.com{EWS_PATH})"),
        );
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

/// A hyphenated GUID: 8-4-4-4-12 hex digits.
pub fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A DNS domain such as `contoso.onmicrosoft.com`: at least two labels of
/// letters, digits and inner hyphens, the last one alphabetic.
pub fn is_domain(text: &str) -> bool {
    let labels: Vec<&str> = text.split('.').collect();
    let label_ok = |l: &&str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let tld_ok = labels
        .last()
        .is_some_and(|t| t.len() >= 2 && t.bytes().all(|b| b.is_ascii_alphabetic()));
    text.len() <= 253 && labels.len() >= 2 && labels.iter().all(label_ok) && tld_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_shape() {
        assert!(is_guid("00000000-0000-0000-0000-000000000000"));
        assert!(is_guid("ABCDEF01-abcd-EF01-2345-6789abcdef01"));
        assert!(!is_guid("00000000-0000-0000-0000-00000000000"));
        assert!(!is_guid("00000000-0000-0000-0000-0000000000000"));
        assert!(!is_guid("0000000-00000-0000-0000-000000000000"));
        assert!(!is_guid("00000000-0000-0000-0000-00000000000g"));
        assert!(!is_guid("00000000_0000_0000_0000_000000000000"));
    }

    #[test]
    fn domain_shape() {
        assert!(is_domain("contoso.onmicrosoft.com"));
        assert!(is_domain("a-b.c1.io"));
        assert!(!is_domain("localhost"));
        assert!(!is_domain("contoso.c0m"));
        assert!(!is_domain(&format!("{}.com", "a".repeat(64))));
        assert!(!is_domain("contosö.com"));
    }

    #[test]
    fn refresh_secs_bounds() {
        assert_eq!(parse_refresh_secs("1"), Some(1));
        assert_eq!(parse_refresh_secs("000086400"), Some(86400));
        assert_eq!(parse_refresh_secs("86401"), None);
        assert_eq!(parse_refresh_secs("0000"), None);
        assert_eq!(parse_refresh_secs("4294967296"), None);
        assert_eq!(parse_refresh_secs(""), None);
    }

    #[test]
    fn path_suffix_ignores_case_and_survives_multibyte_text() {
        assert!(ends_with_ignore_case("/a/ews/EXCHANGE.asmx", EWS_PATH));
        assert!(!ends_with_ignore_case("/ééééééééééé", EWS_PATH));
        assert!(!ends_with_ignore_case("/x", EWS_PATH));
    }
}
