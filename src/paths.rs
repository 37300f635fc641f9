//! Where a node keeps each setting, relative to its root (SPEC §1).

use std::collections::BTreeMap;

pub const PRESENCE: &str = "Apps/Presence/Settings/Presence.ini";
pub const CALENDAR: &str = "Apps/AttendantConsole/Settings/Calendar.ini";
pub const CREDENTIALS: &str = "Var/Secure/CloudServices.json";
pub const NODE_KEY: &str = "Var/Secure/ucsconf.key";
pub const LOG: &str = "Var/Log/w3wp/ApplicationSuite.log";
/// What ucsconf changed on the node, one JSON record per line (`journal`).
pub const JOURNAL: &str = "Var/Secure/ucsconf-journal.jsonl";

/// The standard root of the suite on a Windows node.
pub const WINDOWS_ROOT: &str = r"C:\Program Files (x86)\StonevoiceAS";

/// Per-node file locations, `/`-separated and relative to the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub presence: String,
    pub credentials: String,
    pub node_key: String,
    pub log: String,
    /// The journal of ucsconf's writes (not moved by inventories).
    pub journal: String,
    /// The form files' locations where the inventory moved them, by the
    /// file's command (`calendar`); the others are where the suite keeps them.
    pub forms: BTreeMap<String, String>,
}

impl Paths {
    /// Where the form file `command` is: moved by the inventory, else `default`.
    pub fn form<'a>(&'a self, command: &str, default: &'a str) -> &'a str {
        self.forms.get(command).map_or(default, String::as_str)
    }
}

impl Default for Paths {
    fn default() -> Self {
        Paths {
            presence: PRESENCE.into(),
            credentials: CREDENTIALS.into(),
            node_key: NODE_KEY.into(),
            log: LOG.into(),
            journal: JOURNAL.into(),
            forms: BTreeMap::new(),
        }
    }
}
