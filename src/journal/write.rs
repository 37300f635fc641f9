//! A write with its journal record, as one pair ([`Node::replace_pair`]):
//! the record is in place only with the file, and a record that cannot be
//! written leaves the file unchanged or puts it back, so a save either
//! happened and is journaled, or did not happen.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};

use super::fields;
use super::file::{APPEND_ATTEMPTS, Cache, Journal};
use super::record::{FileKind, Record, VERSION, digest, format_time, hex};
use crate::node::{Expected, Follower, Node, NodeError, PairWritten, Replace, Snapshot, Written};
use crate::{Error, Result};

/// Who makes a change, and which change a write belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// Eight hex digits, the same on every node one change was made on.
    pub change: String,
    pub user: String,
    pub host: String,
}

impl Stamp {
    /// A new change, by this user on this machine.
    pub fn new() -> Stamp {
        let mut bytes = [0u8; 4];
        // A failing OS generator makes ids likelier to repeat, nothing worse.
        let _ = getrandom::fill(&mut bytes);
        // Who and where do not change while ucsconf runs.
        static WHO: OnceLock<(String, String)> = OnceLock::new();
        let (user, host) = WHO.get_or_init(|| (os_user(), host_name())).clone();
        Stamp {
            change: hex(&bytes),
            user,
            host,
        }
    }

    /// The change of this process: a command line run is one change on
    /// every node it writes.
    pub fn process() -> Stamp {
        static PROCESS: OnceLock<Stamp> = OnceLock::new();
        PROCESS.get_or_init(Stamp::new).clone()
    }
}

impl Default for Stamp {
    fn default() -> Self {
        Stamp::process()
    }
}

/// One write of a file ucsconf keeps.
pub struct FileWrite<'a> {
    pub kind: FileKind,
    pub path: &'a str,
    /// The file as read, for its fields and to put it back (`None`: it did
    /// not exist, or was not read).
    pub before: Option<&'a Snapshot>,
    /// The new content; `None` removes the file (`expected` is then its version).
    pub after: Option<&'a [u8]>,
    /// What the file must still be right before the write.
    pub expected: &'a Expected,
    /// For a restore: the change it undoes.
    pub restores: Option<&'a str>,
}

/// Writes the file and appends its record to the journal at
/// `journal_path` (starting from the journal in `cache`, if any), as one
/// change: the journal is in place only with the file (over SSH both go in
/// the round trips of one replace). Errors: the write's own; or the
/// journal's, with the file not changed or put back.
pub async fn write(
    node: &dyn Node,
    journal_path: &str,
    stamp: &Stamp,
    w: FileWrite<'_>,
    cache: &Cache,
) -> Result<Written> {
    let mut journal = match cache.take() {
        Some(journal) => journal,
        None => read(node, journal_path).await?,
    };
    for warning in std::mem::take(&mut journal.warnings) {
        tracing::warn!(node = node.name(), "{warning}");
    }
    let keep = journal.backups_of(w.path);
    let entry = Entry {
        node,
        journal_path,
        stamp,
        w: &w,
        time: Utc::now(),
        keep: &keep,
        cache,
    };
    let (bytes, expected) = match (w.after, w.expected) {
        (Some(bytes), expected) => (bytes, expected),
        (None, Expected::Version(v)) => {
            let written = node.remove_keeping(w.path, v, &keep).await?;
            return entry.journaled(journal, written).await;
        }
        (None, Expected::Absent) => {
            return Err(Error::Failed(format!("{}: nothing to remove", w.path)));
        }
    };
    for attempt in 1..=APPEND_ATTEMPTS {
        let make = |backup: Option<&str>| journal.with(entry.record(backup)).1;
        let pair = node
            .replace_pair(
                Replace {
                    path: w.path,
                    bytes,
                    expected,
                    private: w.kind.private(),
                    keep: &keep,
                },
                Follower {
                    path: journal_path,
                    expected: &journal.expected(),
                    bytes: &make,
                },
            )
            .await;
        match pair {
            PairWritten::Both { first, second } => {
                let appended = journal.with(entry.record(first.backup.as_deref()));
                journal.written(appended, second.version);
                cache.put(journal);
                return Ok(first);
            }
            PairWritten::FirstFailed(e) => {
                cache.put(journal);
                return Err(e.into());
            }
            // Another writer appended first; nothing was written: again,
            // from the journal as it is now.
            PairWritten::SecondFailed {
                first: None,
                error: NodeError::Conflict { .. } | NodeError::AlreadyExists { .. },
            } if attempt < APPEND_ATTEMPTS => journal = read(node, journal_path).await?,
            PairWritten::SecondFailed { first: None, error } => {
                return Err(Error::Failed(format!(
                    "the journal {journal_path} could not be written ({error}); {} was not changed",
                    w.path
                )));
            }
            // Written in turn, and another writer appended meanwhile.
            PairWritten::SecondFailed {
                first: Some(written),
                error: NodeError::Conflict { .. } | NodeError::AlreadyExists { .. },
            } => {
                let journal = read(node, journal_path).await?;
                return entry.journaled(journal, written).await;
            }
            PairWritten::SecondFailed {
                first: Some(written),
                error,
            } => return Err(entry.undone(&written, error).await),
            PairWritten::OnlySecond { error, second } => {
                entry.take_back(&journal, &second).await;
                return Err(error.into());
            }
        }
    }
    unreachable!("the last attempt returns")
}

/// The journal, read for a write.
async fn read(node: &dyn Node, journal_path: &str) -> Result<Journal> {
    Journal::read(node, journal_path).await.map_err(|e| {
        Error::Failed(format!(
            "the journal could not be read ({e}); nothing was written"
        ))
    })
}

/// One write's journaling: what its record is made of, and where it goes.
struct Entry<'a> {
    node: &'a dyn Node,
    journal_path: &'a str,
    stamp: &'a Stamp,
    w: &'a FileWrite<'a>,
    time: DateTime<Utc>,
    /// The backups of the file the journal names.
    keep: &'a [String],
    cache: &'a Cache,
}

impl Entry<'_> {
    /// Appends the record of a write already made; the file is put back
    /// when the record cannot be kept.
    async fn journaled(&self, mut journal: Journal, written: Written) -> Result<Written> {
        let record = self.record(written.backup.as_deref());
        match journal.append(self.node, self.journal_path, record).await {
            Ok(()) => {
                self.cache.put(journal);
                Ok(written)
            }
            Err(e) => Err(self.undone(&written, e).await),
        }
    }

    /// The error of a write whose record could not be kept, once the file
    /// was put back (or could not be).
    async fn undone(&self, written: &Written, e: NodeError) -> Error {
        let (journal_path, path) = (self.journal_path, self.w.path);
        Error::Failed(
            match put_back(self.node, self.w, written, self.keep).await {
                Ok(()) => format!(
                    "the journal {journal_path} could not be written ({e}); {path} was put back as it was: nothing changed"
                ),
                Err(again) => format!(
                    "the journal {journal_path} could not be written ({e}), and putting {path} back failed too ({again}): its previous content is in {}",
                    written
                        .backup
                        .as_deref()
                        .unwrap_or("no backup (it did not exist)")
                ),
            },
        )
    }

    /// Takes back the record of a write that did not happen after all
    /// (`journal` as it was before, `second` the journal's write).
    async fn take_back(&self, journal: &Journal, second: &Written) {
        let taken_back = match (journal.bytes(), &second.version) {
            (Some(before), Some(now)) => self
                .node
                .replace(
                    self.journal_path,
                    before,
                    &Expected::Version(now.clone()),
                    false,
                )
                .await
                .map(drop),
            _ => Err(NodeError::io(
                self.journal_path,
                std::io::Error::other("its previous content is not known"),
            )),
        };
        if let Err(again) = taken_back {
            tracing::warn!(
                node = self.node.name(),
                "{}: the record of a write that failed could not be taken back: {again}",
                self.journal_path
            );
        }
    }

    /// The record, naming `backup` (as shown).
    fn record(&self, backup: Option<&str>) -> Record {
        let (stamp, w) = (self.stamp, self.w);
        let before = w.before.map(|s| s.bytes.as_slice());
        let (fields, more_fields) = fields::changes(w.kind, before, w.after);
        Record {
            v: VERSION,
            change: stamp.change.clone(),
            time: format_time(self.time),
            user: stamp.user.clone(),
            host: stamp.host.clone(),
            file: w.kind.name().to_string(),
            path: w.path.to_string(),
            fields,
            more_fields,
            backup: backup.map(file_name),
            before: match w.expected {
                Expected::Version(v) => Some(hex(&v.sha256)),
                Expected::Absent => None,
            },
            after: w.after.map(digest),
            restores: w.restores.map(str::to_owned),
            ucsconf: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// Undoes a write whose record could not be kept.
async fn put_back(
    node: &dyn Node,
    w: &FileWrite<'_>,
    written: &Written,
    keep: &[String],
) -> std::result::Result<(), NodeError> {
    let private = w.kind.private();
    match (w.before, w.expected, &written.version) {
        (Some(before), _, now) => {
            let expected = match now {
                Some(v) => Expected::Version(v.clone()),
                None => Expected::Absent,
            };
            node.replace_keeping(w.path, &before.bytes, &expected, private, keep)
                .await
                .map(drop)
        }
        (None, Expected::Absent, Some(now)) => {
            node.remove_keeping(w.path, now, keep).await.map(drop)
        }
        (None, Expected::Absent, None) => Ok(()),
        (None, Expected::Version(_), _) => Err(NodeError::io(
            w.path,
            std::io::Error::other("its previous content was not read"),
        )),
    }
}

/// The last component of a path as a transport shows it (`/` or `\`).
pub fn file_name(shown: &str) -> String {
    shown
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(shown)
        .to_string()
}

/// The OS user running ucsconf.
fn os_user() -> String {
    crate::platform::account::user_name().unwrap_or_else(|| "unknown".into())
}

/// This machine's host name.
fn host_name() -> String {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for its length; gethostname writes
        // at most that much.
        if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0 {
            let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
            if let Ok(name) = std::str::from_utf8(&buf[..end])
                && !name.is_empty()
            {
                return name.to_string();
            }
        }
    }
    std::env::var("COMPUTERNAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::{DirEntry, FileStat, LocalNode, Transport, Version};
    use async_trait::async_trait;

    /// A local node whose pairs end as a pipelined pair can, rarely: the
    /// record renamed into place and the file's own rename failed.
    struct FileRenameFails(LocalNode);

    #[async_trait]
    impl Node for FileRenameFails {
        fn name(&self) -> &str {
            self.0.name()
        }
        fn transport(&self) -> Transport {
            self.0.transport()
        }
        fn root(&self) -> &str {
            self.0.root()
        }
        async fn read(&self, path: &str, limit: u64) -> Result<Option<Snapshot>, NodeError> {
            self.0.read(path, limit).await
        }
        async fn stat(&self, path: &str) -> Result<Option<FileStat>, NodeError> {
            self.0.stat(path).await
        }
        async fn list_dir(&self, path: &str) -> Result<Option<Vec<DirEntry>>, NodeError> {
            self.0.list_dir(path).await
        }
        async fn read_at(&self, path: &str, at: u64, len: usize) -> Result<Vec<u8>, NodeError> {
            self.0.read_at(path, at, len).await
        }
        async fn replace_keeping(
            &self,
            path: &str,
            bytes: &[u8],
            expected: &Expected,
            private: bool,
            keep: &[String],
        ) -> Result<Written, NodeError> {
            self.0
                .replace_keeping(path, bytes, expected, private, keep)
                .await
        }
        async fn remove_keeping(
            &self,
            path: &str,
            expected: &Version,
            keep: &[String],
        ) -> Result<Written, NodeError> {
            self.0.remove_keeping(path, expected, keep).await
        }
        async fn remove_backups(&self, path: &str) -> Result<Vec<String>, NodeError> {
            self.0.remove_backups(path).await
        }
        async fn replace_pair(&self, first: Replace<'_>, second: Follower<'_>) -> PairWritten {
            let bytes = (second.bytes)(Some("Presence.ini.20261204T060000Z.bak"));
            match self
                .0
                .replace(second.path, &bytes, second.expected, false)
                .await
            {
                Ok(second) => PairWritten::OnlySecond {
                    error: NodeError::io(first.path, std::io::Error::other("rename refused")),
                    second,
                },
                Err(e) => PairWritten::FirstFailed(e),
            }
        }
    }

    #[tokio::test]
    async fn a_record_put_in_place_for_a_file_that_was_not_is_taken_back() {
        let dir = tempfile::tempdir().unwrap();
        let (path, journal_path) = ("Presence.ini", "ucsconf-journal.jsonl");
        let earlier = b"{\"v\":1}\n";
        std::fs::write(dir.path().join(path), b"[A]\r\nk=1\r\n").unwrap();
        std::fs::write(dir.path().join(journal_path), earlier).unwrap();
        let node = FileRenameFails(LocalNode::new("n", dir.path()));
        let before = node.read(path, 1 << 20).await.unwrap().unwrap();
        let expected = Expected::Version(before.version.clone());
        let w = FileWrite {
            kind: FileKind::Presence,
            path,
            before: Some(&before),
            after: Some(b"[A]\r\nk=2\r\n"),
            expected: &expected,
            restores: None,
        };
        let err = write(&node, journal_path, &Stamp::new(), w, &Cache::default())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("rename refused"), "{err}");
        assert_eq!(
            std::fs::read(dir.path().join(journal_path)).unwrap(),
            earlier,
            "the record is taken back"
        );
        assert_eq!(
            std::fs::read(dir.path().join(path)).unwrap(),
            b"[A]\r\nk=1\r\n"
        );
    }

    #[test]
    fn a_process_is_one_change_and_new_ones_differ() {
        assert_eq!(Stamp::process(), Stamp::process());
        let (a, b) = (Stamp::new(), Stamp::new());
        assert_ne!(a.change, b.change);
        assert_eq!(a.change.len(), 8);
        assert!(!a.user.is_empty() && !a.host.is_empty());
    }

    #[test]
    fn backup_names_are_taken_from_either_separator() {
        assert_eq!(file_name("/srv/a/Presence.ini.1.bak"), "Presence.ini.1.bak");
        assert_eq!(file_name(r"C:\x\Presence.ini.1.bak"), "Presence.ini.1.bak");
        assert_eq!(file_name("plain"), "plain");
    }
}
