//! A self-contained demo cluster: two local nodes with realistic sample files,
//! one drifted setting, and a log that keeps growing while the demo runs.

use std::path::{Path, PathBuf};

use secrecy::SecretString;

use crate::inventory::Inventory;
use crate::ops;
use crate::paths::Paths;
use crate::{Error, Result};

/// The demo's nodes: (name, WebexPresence.Enable). They differ on purpose.
pub const NODES: [(&str, &str); 2] = [("ucs-a", "0"), ("ucs-b", "1")];

const PRESENCE: &[u8] = include_bytes!("../examples/demo/Presence.ini");
const CALENDAR: &[u8] = include_bytes!("../examples/demo/Calendar.ini");
/// A made-up client ID for the demo's saved credentials.
pub const CLIENT_ID: &str = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b";

/// Where the demo lives when no `--dir` is given.
pub fn default_dir() -> PathBuf {
    dirs::data_local_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("ucsconf")
        .join("demo")
}

/// Creates the demo under `dir`, or reuses the one already there.
/// Returns the inventory.
pub async fn create_or_reuse(dir: &Path) -> Result<Inventory> {
    let inventory_path = dir.join("nodes.toml");
    if inventory_path.is_file() {
        return Inventory::load(&inventory_path);
    }
    let failed = |what: &str, e: std::io::Error| Error::Failed(format!("demo: {what}: {e}"));
    std::fs::create_dir_all(dir).map_err(|e| failed(&dir.display().to_string(), e))?;
    let paths = Paths::default();
    for (name, webex) in NODES {
        let root = dir.join(name);
        write_new(&root, &paths.presence, PRESENCE)?;
        write_new(&root, &paths.calendar, CALENDAR)?;
        write_new(&root, &paths.log, b"")?;
        let target = crate::inventory::NodeSpec::local(name, &root).target();
        if webex != "0" {
            let change = ops::Change::PresenceSet {
                section: None,
                key: "WebexPresence.Enable".into(),
                value: webex.into(),
            };
            ops::apply(&target, &change).await?;
        }
        if name == NODES[0].0 {
            let secret = SecretString::from(random_secret());
            ops::save_credentials(&target, CLIENT_ID, &secret).await?;
        }
    }
    // Written last: a demo folder with an inventory is a complete one.
    let text = NODES
        .iter()
        .map(|(name, _)| format!("[[node]]\nname = \"{name}\"\nroot = \"{name}\"\n"))
        .collect::<Vec<_>>()
        .join("\n");
    let text = format!("# The ucsconf demo cluster: two local nodes.\n\n{text}");
    std::fs::write(&inventory_path, text).map_err(|e| failed("nodes.toml", e))?;
    Inventory::load(&inventory_path)
}

fn write_new(root: &Path, relative: &str, bytes: &[u8]) -> Result<()> {
    let path = relative
        .split('/')
        .fold(root.to_path_buf(), |p, s| p.join(s));
    let io = |e: std::io::Error| Error::Failed(format!("demo: {}: {e}", path.display()));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(&path, bytes).map_err(io)
}

fn random_secret() -> String {
    let mut bytes = [0u8; 18];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
