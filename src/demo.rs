//! A self-contained demo cluster: two local nodes with realistic sample files,
//! one drifted setting, and a log that keeps growing while the demo runs.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use secrecy::SecretString;

use crate::inventory::Inventory;
use crate::logs::sample::SampleLog;
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
/// Returns the inventory. A demo that cannot be completed leaves nothing
/// behind: what it made is removed, and the error says what to do.
pub async fn create_or_reuse(dir: &Path) -> Result<Inventory> {
    let inventory_path = dir.join("nodes.toml");
    if inventory_path.is_file() {
        return Inventory::load(&inventory_path);
    }
    let made = Made::before(dir);
    match create(dir, &inventory_path).await {
        Ok(inventory) => Ok(inventory),
        Err(failure) => Err(failure.explained(dir, made.remove())),
    }
}

/// Why a demo could not be completed: at which step, and the error.
struct Failure {
    sealing: bool,
    error: Error,
}

impl Failure {
    fn files(error: Error) -> Failure {
        Failure {
            sealing: false,
            error,
        }
    }

    fn sealing(error: Error) -> Failure {
        Failure {
            sealing: true,
            error,
        }
    }

    /// The error an admin sees: the cause, what was left, what to do.
    fn explained(self, dir: &Path, removed: std::result::Result<(), String>) -> Error {
        let left = match removed {
            Ok(()) => "nothing was left behind".to_string(),
            Err(what) => format!("{what}: remove it by hand"),
        };
        let todo = if !self.sealing {
            "fix the cause, or give another folder with --dir, and run `ucsconf demo` again"
        } else if crate::platform::wine::under_wine() {
            "the demo seals sample credentials in a private file, and Wine keeps no Windows \
             file permissions to make one: run the demo with ucsconf for Linux instead"
        } else if cfg!(windows) {
            "the demo seals sample credentials in a file only Administrators and SYSTEM may \
             read: give --dir a folder on a local NTFS drive where this account may set \
             permissions (an elevated prompt may set them anywhere), and run `ucsconf demo` again"
        } else {
            "the demo seals sample credentials in a private file (mode 0600): give --dir a \
             folder on a local file system where this account may set file modes, and run \
             `ucsconf demo` again"
        };
        Error::Failed(format!(
            "demo: could not create the demo in {}: {}; {left}. To try again: {todo}",
            dir.display(),
            self.error
        ))
    }
}

/// What a demo about to be created may have to take away again: the
/// folder, if it did not exist, else each node folder that did not, and
/// the inventory (there was none).
struct Made {
    dir: Option<PathBuf>,
    roots: Vec<PathBuf>,
    inventory: PathBuf,
}

impl Made {
    fn before(dir: &Path) -> Made {
        let inventory = dir.join("nodes.toml");
        if !dir.exists() {
            return Made {
                dir: Some(dir.to_path_buf()),
                roots: Vec::new(),
                inventory,
            };
        }
        // Node folders already there (a demo cut short by an older
        // version) stay: the next demo completes them.
        let roots = NODES
            .iter()
            .map(|(name, _)| dir.join(name))
            .filter(|root| !root.exists())
            .collect();
        Made {
            dir: None,
            roots,
            inventory,
        }
    }

    /// Removes it all; `Err` names what could not be removed.
    fn remove(self) -> std::result::Result<(), String> {
        let mut failed = Vec::new();
        if let Err(e) = std::fs::remove_file(&self.inventory)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            failed.push(format!(
                "{} could not be removed ({e})",
                self.inventory.display()
            ));
        }
        for path in self.dir.iter().chain(&self.roots) {
            match std::fs::remove_dir_all(path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => failed.push(format!("{} could not be removed ({e})", path.display())),
            }
        }
        match failed.is_empty() {
            true => Ok(()),
            false => Err(failed.join(", ")),
        }
    }
}

async fn create(dir: &Path, inventory_path: &Path) -> std::result::Result<Inventory, Failure> {
    let failed =
        |what: &str, e: std::io::Error| Failure::files(Error::Failed(format!("{what}: {e}")));
    std::fs::create_dir_all(dir).map_err(|e| failed(&dir.display().to_string(), e))?;
    let paths = Paths::default();
    for (name, webex) in NODES {
        let root = dir.join(name);
        write_new(&root, &paths.presence, PRESENCE).map_err(Failure::files)?;
        write_new(
            &root,
            crate::settings::FormId::Calendar.path(&paths),
            CALENDAR,
        )
        .map_err(Failure::files)?;
        write_new(&root, &paths.log, history(seed_of(name)).as_bytes()).map_err(Failure::files)?;
        let target = crate::inventory::NodeSpec::local(name, &root).target();
        if webex != "0" {
            let change = ops::Change::PresenceSet {
                section: None,
                key: "WebexPresence.Enable".into(),
                value: webex.into(),
            };
            ops::apply(&target, &change).await.map_err(Failure::files)?;
        }
        if name == NODES[0].0 {
            let secret = SecretString::from(random_secret());
            ops::save_credentials(&target, CLIENT_ID, &secret, ops::KeyRule::Keep)
                .await
                .map_err(Failure::sealing)?;
        }
    }
    // Written last: a demo folder with an inventory is a complete one.
    let text = NODES
        .iter()
        .map(|(name, _)| format!("[[node]]\nname = \"{name}\"\nroot = \"{name}\"\n"))
        .collect::<Vec<_>>()
        .join("\n");
    let text = format!("# The ucsconf demo cluster: two local nodes.\n\n{text}");
    std::fs::write(inventory_path, text).map_err(|e| failed("nodes.toml", e))?;
    Inventory::load(inventory_path).map_err(Failure::files)
}

fn write_new(root: &Path, relative: &str, bytes: &[u8]) -> Result<()> {
    let path = relative
        .split('/')
        .fold(root.to_path_buf(), |p, s| p.join(s));
    let io = |e: std::io::Error| Error::Failed(format!("{}: {e}", path.display()));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(&path, bytes).map_err(io)
}

/// A different, reproducible log for each node.
fn seed_of(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// About ten minutes of log before now, so the demo opens on a full screen.
fn history(seed: u64) -> String {
    let mut log = SampleLog::new(seed);
    let now = SystemTime::now();
    (0..HISTORY_ENTRIES)
        .map(|i| log.next_entry(now - Duration::from_millis(1_500 * (HISTORY_ENTRIES - i))))
        .collect()
}

/// Entries of history written when the demo is created.
const HISTORY_ENTRIES: u64 = 400;
/// The demo log is rolled over past this size, as log4net would.
const ROTATE_AT: u64 = 4 * 1024 * 1024;

/// Appends realistic entries to every demo node's log every few hundred
/// milliseconds until the returned task is aborted; rolls a log over when it
/// grows large, as the suite does.
pub fn spawn_log_writer(inventory: &Inventory) -> tokio::task::JoinHandle<()> {
    let logs: Vec<(PathBuf, SampleLog)> = inventory
        .nodes
        .iter()
        .filter(|n| n.host.is_none())
        .map(|n| {
            let path = n
                .paths
                .log
                .split('/')
                .fold(PathBuf::from(&n.root), |p, s| p.join(s));
            let seed = seed_of(&n.name) ^ now_nanos();
            (path, SampleLog::new(seed))
        })
        .collect();
    tokio::spawn(async move {
        let mut logs = logs;
        let mut tick: u64 = now_nanos();
        loop {
            tick = tick.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            tokio::time::sleep(Duration::from_millis(150 + (tick >> 33) % 500)).await;
            let which = (tick >> 20) as usize % logs.len().max(1);
            if let Some((path, log)) = logs.get_mut(which) {
                let entry = log.next_entry(SystemTime::now());
                // The demo keeps going if a write fails (the folder was removed, say).
                let _ = append(path, entry.as_bytes());
            }
        }
    })
}

fn now_nanos() -> u64 {
    SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

fn append(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() > ROTATE_AT) {
        std::fs::rename(path, path.with_extension("log.1"))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    std::io::Write::write_all(&mut file, bytes)
}

fn random_secret() -> String {
    let mut bytes = [0u8; 18];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
