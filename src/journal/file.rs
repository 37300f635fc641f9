//! The journal file on a node: JSON lines, read leniently, rewritten whole
//! (atomically, conflict-checked) to append, with the oldest records
//! dropped past a bound.

use super::record::{Record, VERSION};
use std::sync::{Arc, Mutex};

use crate::node::{Expected, Node, NodeError, Snapshot, Version};

/// The journal keeps at most this many records...
pub const MAX_RECORDS: usize = 1000;
/// ... and at most this many bytes; the oldest records go first.
pub const MAX_BYTES: usize = 512 * 1024;

/// A journal larger than this is not read (it is never written so large).
const READ_LIMIT: u64 = 4 * MAX_BYTES as u64;

/// How often an append is retried when another writer appended first.
pub const APPEND_ATTEMPTS: usize = 4;

/// The journal as read from a node.
#[derive(Debug, Clone, Default)]
pub struct Journal {
    /// Oldest first, as in the file.
    pub records: Vec<Record>,
    /// Lines that could not be read (skipped, never fatal).
    pub warnings: Vec<String>,
    snapshot: Option<Snapshot>,
}

impl Journal {
    /// Reads the journal at `path`; a missing one is empty.
    pub async fn read(node: &dyn Node, path: &str) -> Result<Journal, NodeError> {
        let snapshot = node.read(path, READ_LIMIT).await?;
        let (records, warnings) = match &snapshot {
            Some(s) => parse(path, &s.bytes),
            None => (Vec::new(), Vec::new()),
        };
        Ok(Journal {
            records,
            warnings,
            snapshot,
        })
    }

    /// The backups the journal names for the file at `path` (file names).
    pub fn backups_of(&self, path: &str) -> Vec<String> {
        self.records
            .iter()
            .filter(|r| r.path == path)
            .filter_map(|r| r.backup.clone())
            .collect()
    }

    /// The newest record of the file at `path`.
    pub fn last_of(&self, path: &str) -> Option<&Record> {
        self.records.iter().rev().find(|r| r.path == path)
    }

    /// What the journal on the node must still be for a write over it.
    pub fn expected(&self) -> Expected {
        Expected::from_snapshot(self.snapshot.as_ref())
    }

    /// The journal's records and bytes with `record` appended, bounded.
    pub fn with(&self, record: Record) -> (Vec<Record>, Vec<u8>) {
        let mut records = self.records.clone();
        records.push(record);
        let bytes = bounded_bytes(&mut records);
        (records, bytes)
    }

    /// The journal now that `with`'s bytes were written, at `version`.
    pub fn written(&mut self, (records, bytes): (Vec<Record>, Vec<u8>), version: Option<Version>) {
        self.records = records;
        // Unknown: the next write reads it again first (it finds a conflict).
        self.snapshot = version.map(|version| Snapshot { bytes, version });
    }

    /// The journal's bytes as read (`None`: there was none).
    pub fn bytes(&self) -> Option<&[u8]> {
        self.snapshot.as_ref().map(|s| s.bytes.as_slice())
    }

    /// Appends `record` on the node: the whole journal rewritten, bounded;
    /// re-read and tried again when another writer appended meanwhile.
    pub async fn append(
        &mut self,
        node: &dyn Node,
        path: &str,
        record: Record,
    ) -> Result<(), NodeError> {
        for attempt in 1..=APPEND_ATTEMPTS {
            let appended = self.with(record.clone());
            // Not private: it holds no secret, only what changed and who changed it.
            match node
                .replace(path, &appended.1, &self.expected(), false)
                .await
            {
                Ok(written) => {
                    self.written(appended, written.version);
                    return Ok(());
                }
                Err(NodeError::Conflict { .. } | NodeError::AlreadyExists { .. })
                    if attempt < APPEND_ATTEMPTS =>
                {
                    let warnings = std::mem::take(&mut self.warnings);
                    *self = Journal::read(node, path).await?;
                    self.warnings.splice(0..0, warnings);
                }
                Err(e) => return Err(e),
            }
        }
        unreachable!("the last attempt returns")
    }
}

/// The journal as last read or written through one target (shared by its
/// clones): a write starts from it instead of reading the journal again.
/// One that is out of date costs a retry, never a lost record: the journal
/// is conflict-checked like any file.
#[derive(Debug, Clone, Default)]
pub struct Cache(Arc<Mutex<Option<Journal>>>);

impl Cache {
    /// The journal kept, if any (taken: a write puts back what it wrote).
    pub fn take(&self) -> Option<Journal> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    pub fn put(&self, journal: Journal) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(journal);
    }

    /// Reads the journal at `path` into the cache; one that cannot be read
    /// is left for the write to read again (and report).
    pub async fn refresh(&self, node: &dyn Node, path: &str) {
        match Journal::read(node, path).await {
            Ok(journal) => self.put(journal),
            Err(_) => drop(self.take()),
        }
    }
}

/// The records of a journal file, and a warning per line skipped.
fn parse(path: &str, bytes: &[u8]) -> (Vec<Record>, Vec<String>) {
    let mut records = Vec::new();
    let mut warnings = Vec::new();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Record>(line) {
            Ok(r) if r.v == VERSION => records.push(r),
            Ok(r) => warnings.push(format!(
                "{path} line {}: a record of format {} (this ucsconf reads {VERSION}); skipped",
                i + 1,
                r.v
            )),
            Err(_) => warnings.push(format!(
                "{path} line {}: not a journal record; skipped",
                i + 1
            )),
        }
    }
    (records, warnings)
}

/// The file's bytes for `records`, the oldest dropped until the bounds hold.
fn bounded_bytes(records: &mut Vec<Record>) -> Vec<u8> {
    let excess = records.len().saturating_sub(MAX_RECORDS);
    records.drain(..excess);
    let mut lines: Vec<String> = records.iter().map(Record::to_line).collect();
    let mut total: usize = lines.iter().map(|l| l.len() + 1).sum();
    let mut dropped = 0;
    // The newest record stays, whatever its size.
    while total > MAX_BYTES && dropped + 1 < lines.len() {
        total -= lines[dropped].len() + 1;
        dropped += 1;
    }
    records.drain(..dropped);
    lines.drain(..dropped);
    let mut bytes = lines.join("\n").into_bytes();
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::record::FieldChange;
    use crate::node::LocalNode;

    fn record(n: usize, value_len: usize) -> Record {
        Record {
            v: VERSION,
            change: format!("c{n:07}"),
            time: "2026-12-03T17:30:05.123Z".into(),
            user: "admin".into(),
            host: "pc".into(),
            file: "presence".into(),
            path: "Apps/Presence/Settings/Presence.ini".into(),
            fields: vec![FieldChange {
                field: "k".into(),
                old: None,
                new: Some("v".repeat(value_len)),
                sealed: false,
            }],
            more_fields: 0,
            backup: Some(format!("Presence.ini.{n}.bak")),
            before: None,
            after: None,
            restores: None,
            ucsconf: "0".into(),
        }
    }

    #[test]
    fn the_journal_is_bounded_by_records_and_bytes_oldest_first() {
        let mut records: Vec<Record> = (0..MAX_RECORDS + 7).map(|n| record(n, 1)).collect();
        bounded_bytes(&mut records);
        assert_eq!(records.len(), MAX_RECORDS);
        assert_eq!(records[0].change, record(7, 1).change);

        let mut big: Vec<Record> = (0..200).map(|n| record(n, 5000)).collect();
        let bytes = bounded_bytes(&mut big);
        assert!(bytes.len() <= MAX_BYTES, "{}", bytes.len());
        assert_eq!(big.last().unwrap().change, record(199, 1).change);
        let (read, warnings) = parse("j", &bytes);
        assert_eq!(read, big);
        assert!(warnings.is_empty());
    }

    #[test]
    fn a_corrupted_line_is_skipped_with_a_warning() {
        let good = record(1, 1).to_line();
        let mut newer = record(2, 1);
        newer.v = VERSION + 1;
        let text = format!("{good}\r\n{{\"half a rec\n\n{}\n{good}", newer.to_line());
        let (records, warnings) = parse("Var/Secure/ucsconf-journal.jsonl", text.as_bytes());
        assert_eq!(records.len(), 2);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].contains("line 2: not a journal record"),
            "{warnings:?}"
        );
        assert!(
            warnings[1].contains("line 4: a record of format 2"),
            "{warnings:?}"
        );
    }

    #[tokio::test]
    async fn appending_after_another_writer_keeps_both_records() {
        let dir = tempfile::tempdir().unwrap();
        let node = LocalNode::new("n", dir.path());
        let path = "Var/Secure/ucsconf-journal.jsonl";
        let mut mine = Journal::read(&node, path).await.unwrap();
        let mut theirs = Journal::read(&node, path).await.unwrap();
        theirs.append(&node, path, record(1, 1)).await.unwrap();
        mine.append(&node, path, record(2, 1)).await.unwrap();
        let read = Journal::read(&node, path).await.unwrap();
        let changes: Vec<&str> = read.records.iter().map(|r| r.change.as_str()).collect();
        assert_eq!(changes, ["c0000001", "c0000002"]);
        assert_eq!(read.backups_of(&record(0, 1).path).len(), 2);
        assert_eq!(read.last_of(&record(0, 1).path).unwrap().change, "c0000002");
    }
}
