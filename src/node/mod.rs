//! How bytes reach a node: the [`Node`] trait, implemented for the local
//! filesystem and over SSH.
//!
//! Paths given to a node are relative to its root and `/`-separated, on every
//! platform and transport; a node maps them to its own representation.

pub mod backup;
pub mod local;
pub mod logged;
pub mod pair;
pub mod ssh;

use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use crate::error_class::ErrorClass;

pub use local::LocalNode;
pub use pair::{Follower, PairWritten, Replace};
pub use ssh::SshNode;

/// What a file looked like when it was read: used to detect a concurrent change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub size: u64,
    pub mtime: Option<SystemTime>,
    pub sha256: [u8; 32],
}

impl Version {
    pub fn of(bytes: &[u8], mtime: Option<SystemTime>) -> Version {
        Version {
            size: bytes.len() as u64,
            mtime,
            sha256: Sha256::digest(bytes).into(),
        }
    }
}

/// A file's content together with the version it was read at.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub bytes: Vec<u8>,
    pub version: Version,
}

/// Size and identity of a file, cheap to ask for (no content read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStat {
    pub len: u64,
    pub mtime: Option<SystemTime>,
    /// An identity that changes when the file is replaced (inode), where known.
    pub id: Option<u64>,
}

/// One name in a directory listing ([`Node::list_dir`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub is_dir: bool,
    pub len: u64,
    pub mtime: Option<SystemTime>,
}

/// What the writer expects to find on the node right before it replaces a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// The file must not exist (creating it).
    Absent,
    /// The file must still be exactly this version.
    Version(Version),
}

impl Expected {
    pub fn from_snapshot(snapshot: Option<&Snapshot>) -> Expected {
        match snapshot {
            Some(s) => Expected::Version(s.version.clone()),
            None => Expected::Absent,
        }
    }
}

/// The outcome of a successful write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The backup of the previous content (`<file>.<UTC timestamp>.bak`), if there was one.
    pub backup: Option<String>,
    /// The version now on the node (`None` after a removal).
    pub version: Option<Version>,
}

/// Called with a file's path, as shown, at the last moment of a write:
/// after its temporary file and backup are written, right before the file
/// is looked at a final time and replaced (or removed). (A pipelined SFTP
/// replace calls it once those writes are sent, ahead of the last look in
/// the server's order, before their answers are in.) Nothing else can
/// pick that moment, so tests use it to stand in for another program that
/// saves the file just then.
#[derive(Clone)]
pub struct LastCheckHook(Arc<dyn Fn(&str) + Send + Sync>);

impl LastCheckHook {
    pub fn new(f: impl Fn(&str) + Send + Sync + 'static) -> LastCheckHook {
        LastCheckHook(Arc::new(f))
    }

    /// Runs the hook, if there is one.
    pub(crate) fn run(hook: Option<&LastCheckHook>, path: &str) {
        if let Some(hook) = hook {
            (hook.0)(path);
        }
    }
}

impl std::fmt::Debug for LastCheckHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<hook>")
    }
}

/// How a node is reached, for display ("local", "ssh admin@host:22").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    Local,
    Ssh {
        user: Option<String>,
        host: String,
        port: u16,
    },
}

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Local => f.write_str("local"),
            Transport::Ssh { user, host, port } => {
                f.write_str("ssh ")?;
                if let Some(u) = user {
                    write!(f, "{u}@")?;
                }
                write!(f, "{host}")?;
                if *port != 22 {
                    write!(f, ":{port}")?;
                }
                Ok(())
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: the file is {size} bytes, larger than the {limit} byte limit; left untouched")]
    TooLarge { path: String, size: u64, limit: u64 },
    #[error(
        "{path} changed on the node after it was read; nothing was written (reload and try again)"
    )]
    Conflict { path: String },
    #[error("{path} already exists on the node; nothing was written (reload and try again)")]
    AlreadyExists { path: String },
    #[error("{0}")]
    Unreachable(String),
    #[error(
        "the host key of {host} is not known ({key_type} {fingerprint}); nothing is done until it is trusted"
    )]
    UnknownHostKey {
        host: String,
        key_type: String,
        fingerprint: String,
    },
    #[error(
        "the host key of {host} has CHANGED (now {fingerprint}): someone may be intercepting the connection; nothing was done. If the change is expected, remove the old key ({known_hosts}) and trust the new one"
    )]
    ChangedHostKey {
        host: String,
        fingerprint: String,
        known_hosts: String,
    },
    #[error(
        "the host key of {host} is not known: it offered {key_type} {fingerprint}, but known_hosts has it with other keys ({}; {known_hosts}). Someone may be intercepting the connection; nothing was done. If the server's keys really changed, compare the fingerprint with the server's own before trusting it",
        known_types.join(", ")
    )]
    OtherHostKeyTypes {
        host: String,
        key_type: String,
        fingerprint: String,
        /// The key types known_hosts lists for the host.
        known_types: Vec<String>,
        /// Where the first of them is ("~/.ssh/known_hosts line 4").
        known_hosts: String,
    },
    #[error("{0}")]
    Auth(String),
    #[error(
        "{host}: the SFTP server does not offer posix-rename@openssh.com, so files cannot be replaced atomically; nothing was written"
    )]
    PosixRenameMissing { host: String },
}

impl NodeError {
    pub fn class(&self) -> ErrorClass {
        match self {
            NodeError::Conflict { .. } | NodeError::AlreadyExists { .. } => ErrorClass::Conflict,
            NodeError::TooLarge { .. } => ErrorClass::Invalid,
            NodeError::Io { .. }
            | NodeError::Unreachable(_)
            | NodeError::UnknownHostKey { .. }
            | NodeError::ChangedHostKey { .. }
            | NodeError::OtherHostKeyTypes { .. }
            | NodeError::Auth(_)
            | NodeError::PosixRenameMissing { .. } => ErrorClass::Failed,
        }
    }

    pub fn io(path: &str, source: std::io::Error) -> NodeError {
        NodeError::Io {
            path: path.to_string(),
            source,
        }
    }
}

/// Access to one node's files. Every write is atomic, backed up and
/// conflict-checked; paths are relative to the node's root, `/`-separated.
#[async_trait]
pub trait Node: Send + Sync {
    /// The node's name in the inventory.
    fn name(&self) -> &str;
    fn transport(&self) -> Transport;
    /// The root directory as the node spells it.
    fn root(&self) -> &str;

    /// Reads a whole file of at most `limit` bytes. `Ok(None)`: it does not exist.
    async fn read(&self, path: &str, limit: u64) -> Result<Option<Snapshot>, NodeError>;

    /// Size and identity. `Ok(None)`: it does not exist.
    async fn stat(&self, path: &str) -> Result<Option<FileStat>, NodeError>;

    /// The entries of a directory (`.` and `..` left out), in no set order.
    /// `Ok(None)`: the directory does not exist.
    async fn list_dir(&self, path: &str) -> Result<Option<Vec<DirEntry>>, NodeError>;

    /// Up to `len` bytes from `offset` (fewer at the end of the file).
    async fn read_at(&self, path: &str, offset: u64, len: usize) -> Result<Vec<u8>, NodeError>;

    /// Atomically replaces (or creates) `path` with `bytes` if the file is still
    /// as `expected`; keeps the previous content as a timestamped backup (newest
    /// five kept), which exists only if the file was replaced: a write that
    /// fails removes the backup it made. `private`: readable by the owner
    /// only (0600 on Unix).
    /// (Over SSH without posix-rename: refused, or overwritten in place
    /// after the backup and the same checks when the admin allowed it.)
    async fn replace(
        &self,
        path: &str,
        bytes: &[u8],
        expected: &Expected,
        private: bool,
    ) -> Result<Written, NodeError> {
        self.replace_keeping(path, bytes, expected, private, &[])
            .await
    }

    /// [`Node::replace`] that also keeps the backups of `path` named in
    /// `keep` (those the journal names), beyond the newest five: see
    /// [`backup::backups_to_prune`].
    async fn replace_keeping(
        &self,
        path: &str,
        bytes: &[u8],
        expected: &Expected,
        private: bool,
        keep: &[String],
    ) -> Result<Written, NodeError>;

    /// Replaces `first`, then `second` with content made from `first`'s
    /// backup, as one change: `second` is in place only if `first` is (see
    /// [`PairWritten`]). By default one after the other.
    async fn replace_pair(&self, first: Replace<'_>, second: Follower<'_>) -> PairWritten {
        pair::in_turn(self, first, second).await
    }

    /// Removes `path` if it is still at `expected`, keeping a backup (only
    /// if it was removed).
    async fn remove(&self, path: &str, expected: &Version) -> Result<Written, NodeError> {
        self.remove_keeping(path, expected, &[]).await
    }

    /// [`Node::remove`], keeping the backups named in `keep` as
    /// [`Node::replace_keeping`] does.
    async fn remove_keeping(
        &self,
        path: &str,
        expected: &Version,
        keep: &[String],
    ) -> Result<Written, NodeError>;

    /// Removes every backup of `path` and what interrupted writes of it left
    /// ([`backup::purgeable`]), keeping no copy: for a secret that must not
    /// stay recoverable on the node. Returns the names removed; the first
    /// that cannot be removed fails the call.
    async fn remove_backups(&self, path: &str) -> Result<Vec<String>, NodeError>;

    /// Who may read the file, where the transport can tell: `Some(true)` when
    /// only its owner can (Unix mode without group/other bits). `Ok(None)`:
    /// unknown, or the file does not exist.
    async fn owner_only(&self, path: &str) -> Result<Option<bool>, NodeError> {
        let _ = path;
        Ok(None)
    }

    /// Who may read the file, in words, with how to make it private on the
    /// node, and what the transport could not check.
    async fn readers(&self, path: &str) -> Result<Readers, NodeError> {
        let _ = path;
        Ok(Readers::Unchecked {
            what: "this transport cannot tell who may read it".into(),
            fix: "check the file's permissions on the node".into(),
        })
    }

    /// How long the transport took to open its last connection (`None`: it
    /// does not connect, or has not yet).
    fn connect_time(&self) -> Option<std::time::Duration> {
        None
    }

    /// Reachability: the time one request takes once connected (a
    /// transport that connects does so first). The root must exist.
    async fn round_trip(&self) -> Result<std::time::Duration, NodeError> {
        let started = std::time::Instant::now();
        match self.stat("").await? {
            Some(_) => Ok(started.elapsed()),
            None => Err(NodeError::io(
                self.root(),
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "the root folder does not exist",
                ),
            )),
        }
    }
}

/// Who may read a file, as far as the transport can tell (what `doctor`
/// asks of the node key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readers {
    /// The file does not exist.
    Absent,
    /// Only its owner (Unix: no group or other mode bits; Windows: the
    /// private access list).
    OwnerOnly,
    /// Others may read it: who, in words, and the command that fixes it.
    Others { who: String, fix: String },
    /// Not everything could be checked: what was not, and the command that
    /// makes sure.
    Unchecked { what: String, fix: String },
}

/// Splits a relative `/`-separated path into its directory and file name.
pub fn split_path(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
}
