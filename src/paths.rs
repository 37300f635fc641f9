//! Where a node keeps each setting, relative to its root (SPEC §1).

use serde::Deserialize;

pub const PRESENCE: &str = "Apps/Presence/Settings/Presence.ini";
pub const CALENDAR: &str = "Apps/AttendantConsole/Settings/Calendar.ini";
pub const CREDENTIALS: &str = "Var/Secure/CloudServices.json";
pub const NODE_KEY: &str = "Var/Secure/ucsconf.key";
pub const LOG: &str = "Var/Log/w3wp/ApplicationSuite.log";

/// The standard root of the suite on a Windows node.
pub const WINDOWS_ROOT: &str = r"C:\Program Files (x86)\StonevoiceAS";

/// Per-node file locations, `/`-separated and relative to the root.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Paths {
    pub presence: String,
    pub calendar: String,
    pub credentials: String,
    pub node_key: String,
    pub log: String,
}

impl Default for Paths {
    fn default() -> Self {
        Paths {
            presence: PRESENCE.into(),
            calendar: CALENDAR.into(),
            credentials: CREDENTIALS.into(),
            node_key: NODE_KEY.into(),
            log: LOG.into(),
        }
    }
}
