//! Calendar integration (`Apps/AttendantConsole/Settings/Calendar.ini`, section
//! `[Calendar]`): the model, its validation (errors and warnings of SPEC §4),
//! and minimal edits back into the INI document.

use secrecy::SecretString;

use super::seal::NodeKey;
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Exchange,
    Office365,
}

impl Provider {
    /// Case-insensitive: `exchange`, `office365`. `None` for anything else.
    pub fn parse(text: &str) -> Option<Provider> {
        let _ = text;
        todo!()
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
        todo!()
    }

    /// A label for people ("EWS URL", "Directory (tenant) ID", ...).
    pub fn label(self) -> &'static str {
        todo!()
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

impl CalendarSettings {
    /// Reads `[Calendar]` (missing keys are `None`/off; `1` is on for the toggles).
    pub fn from_document(doc: &Document) -> CalendarSettings {
        let _ = doc;
        todo!()
    }

    /// The provider, when the text names one.
    pub fn provider(&self) -> Option<Provider> {
        self.provider.as_deref().and_then(Provider::parse)
    }

    /// Every error and warning of SPEC §4, for the chosen provider's fields only.
    pub fn validate(&self) -> Report {
        todo!()
    }

    /// Seals a newly typed password (`Password::New`) so it can be written.
    pub fn seal_password(&mut self, key: &NodeKey) {
        let _ = key;
        todo!()
    }

    /// Writes every set field into `[Calendar]` with minimal edits (provider
    /// and toggles normalized: `Exchange`/`Office365`, `0`/`1`). Fields that are
    /// `None` are left as they are in the file. Returns whether anything changed.
    /// Errors: `Password::New` not sealed yet, or text the file's encoding lacks.
    pub fn apply_to(&self, doc: &mut Document) -> Result<bool, crate::Error> {
        let _ = doc;
        todo!()
    }

    /// The value shown for a field; the password shows only whether one is set.
    pub fn display(&self, field: Field) -> String {
        let _ = field;
        todo!()
    }
}

/// Associated data that binds a sealed calendar password to its use.
pub const PASSWORD_AAD: &[u8] = b"ucsconf/calendar/BasicAuth.Password/v1";
