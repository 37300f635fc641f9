//! Operations on one node's settings files with the safety rules of SPEC §3:
//! load with a remembered version, save only what changed, atomically, with a
//! backup and a conflict check. Both faces (CLI and TUI) go through here.

use std::sync::Arc;

use secrecy::SecretString;

use crate::Result;
use crate::ini::Document;
use crate::node::{Node, Snapshot, Written};
use crate::paths::Paths;
use crate::settings::calendar::CalendarSettings;
use crate::settings::credentials::Store;
use crate::settings::seal::NodeKey;

/// A node together with where its settings live.
#[derive(Clone)]
pub struct Target {
    pub node: Arc<dyn Node>,
    pub paths: Paths,
}

impl Target {
    pub fn name(&self) -> &str {
        self.node.name()
    }
}

/// An INI file as read: the version it was read at (`None`: it did not exist)
/// and the parsed document.
#[derive(Debug, Clone)]
pub struct LoadedIni {
    pub path: String,
    pub snapshot: Option<Snapshot>,
    pub doc: Document,
}

/// The credential store as read.
#[derive(Debug, Clone)]
pub struct LoadedStore {
    pub path: String,
    pub snapshot: Option<Snapshot>,
    pub store: Store,
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// The bytes were the same: the file was not rewritten.
    Unchanged,
    Written(Written),
}

/// Reads and parses an INI file; a missing file gives an empty document
/// (UTF-8, CRLF) with no snapshot.
pub async fn load_ini(target: &Target, path: &str) -> Result<LoadedIni> {
    let _ = (target, path);
    todo!()
}

/// Writes `doc` over the file read in `loaded`, unless the bytes are identical.
/// Errors: a conflict when the file changed since it was read.
pub async fn save_ini(target: &Target, loaded: &LoadedIni, doc: &Document) -> Result<Saved> {
    let _ = (target, loaded, doc);
    todo!()
}

/// Like [`save_ini`], but ignores what changed on the node since `loaded`:
/// re-reads the current version and overwrites it (the TUI's "overwrite"
/// after showing the diff of a conflict).
pub async fn overwrite_ini(target: &Target, path: &str, doc: &Document) -> Result<Saved> {
    let _ = (target, path, doc);
    todo!()
}

/// The node key; created (32 random bytes, private) on first use when `create`.
/// `Ok(None)`: none exists and `create` is false.
pub async fn node_key(target: &Target, create: bool) -> Result<Option<NodeKey>> {
    let _ = (target, create);
    todo!()
}

pub async fn load_store(target: &Target) -> Result<LoadedStore> {
    let _ = target;
    todo!()
}

/// Writes the store (private); an empty store removes the file.
pub async fn save_store(target: &Target, loaded: &LoadedStore, store: &Store) -> Result<Saved> {
    let _ = (target, loaded, store);
    todo!()
}

/// Seals and saves cloud credentials on the node.
pub async fn save_credentials(
    target: &Target,
    client_id: &str,
    secret: &SecretString,
) -> Result<Saved> {
    let _ = (target, client_id, secret);
    todo!()
}

/// Removes the cloud credentials from the node.
pub async fn forget_credentials(target: &Target) -> Result<Saved> {
    let _ = target;
    todo!()
}

/// Validates and saves calendar settings: errors are `Error::Invalid` listing
/// every error, nothing written; warnings are returned.
pub async fn save_calendar(
    target: &Target,
    loaded: &LoadedIni,
    settings: &CalendarSettings,
) -> Result<(Saved, Vec<String>)> {
    let _ = (target, loaded, settings);
    todo!()
}

/// A field's new value in a calendar change.
#[derive(Debug, Clone)]
pub enum FieldValue {
    /// A text field (`None` leaves it as it is).
    Text(String),
    Toggle(bool),
    /// A newly typed password, sealed under each node's own key on save.
    Password(SecretString),
}

/// One change an admin makes, applicable to any node (and so to all of them).
#[derive(Debug, Clone)]
pub enum Change {
    PresenceSet {
        section: Option<String>,
        key: String,
        value: String,
    },
    PresenceUnset {
        section: Option<String>,
        key: String,
    },
    /// Calendar fields to set; validated on each node as it will be saved there.
    Calendar(Vec<(crate::settings::calendar::Field, FieldValue)>),
    CredentialsSave {
        client_id: String,
        secret: SecretString,
    },
    CredentialsForget,
}

/// The outcome of applying a change on one node.
#[derive(Debug, Clone)]
pub struct Applied {
    pub saved: Saved,
    /// `warning: ` lines without the prefix (calendar warnings, for instance).
    pub warnings: Vec<String>,
}

/// Applies one change on one node with every safety rule (validation,
/// conflict check, backup). Presence: a key found in several sections with no
/// section given is `Error::Invalid` listing them; a new key needs a section
/// unless it is a known key.
pub async fn apply(target: &Target, change: &Change) -> Result<Applied> {
    let _ = (target, change);
    todo!()
}
