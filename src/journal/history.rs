//! History: each node's journal read together with the files it names (in
//! one round of concurrent reads), merged across nodes into changes, newest
//! first. A file that no longer matches its last record was changed
//! outside ucsconf.

use std::collections::BTreeMap;
use std::time::SystemTime;

use chrono::{DateTime, Utc};

use super::file::Journal;
use super::record::{FieldChange, FileKind, Record, digest};
use crate::ini::MAX_FILE_SIZE;
use crate::node::{Node, NodeError, Snapshot};
use crate::paths::Paths;

/// One node's journal, and the files that changed outside ucsconf.
#[derive(Debug, Clone)]
pub struct NodeJournal {
    pub records: Vec<Record>,
    pub warnings: Vec<String>,
    pub outside: Vec<Outside>,
}

/// A file that does not hold what the journal's last record of it wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outside {
    pub file: String,
    pub path: String,
    /// The last change ucsconf made to it.
    pub after_change: String,
    /// When the file was last modified, by the node's clock (`None`:
    /// unknown, or it is gone).
    pub modified: Option<SystemTime>,
}

/// Reads the journal and every file it may name, all at once.
pub async fn read(node: &dyn Node, paths: &Paths) -> Result<NodeJournal, NodeError> {
    let kinds = FileKind::all();
    let files = crate::join::all(
        kinds
            .iter()
            .map(|k| node.read(k.path(paths), MAX_FILE_SIZE)),
    );
    let (journal, files) = tokio::join!(Journal::read(node, &paths.journal), files);
    let journal = journal?;
    let mut outside = Vec::new();
    for (kind, file) in kinds.iter().zip(files) {
        let path = kind.path(paths);
        if let Some(found) = changed_outside(&journal, path, file?.as_ref()) {
            outside.push(found);
        }
    }
    Ok(NodeJournal {
        records: journal.records,
        warnings: journal.warnings,
        outside,
    })
}

/// Whether `current` (the file at `path` now) differs from the journal's
/// last record of it.
pub fn changed_outside(
    journal: &Journal,
    path: &str,
    current: Option<&Snapshot>,
) -> Option<Outside> {
    let last = journal.last_of(path)?;
    let now = current.map(|s| digest(&s.bytes));
    (now != last.after).then(|| Outside {
        file: last.file.clone(),
        path: path.to_string(),
        after_change: last.change.clone(),
        modified: current.and_then(|s| s.version.mtime),
    })
}

/// One change as history shows it: one change id and one file, on every
/// node it was made on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub change: String,
    pub file: String,
    pub path: String,
    /// The earliest of its records.
    pub time: DateTime<Utc>,
    pub user: String,
    pub host: String,
    pub restores: Option<String>,
    /// Node names, in the order given.
    pub nodes: Vec<String>,
    /// Per node, what it changed there (in the order of `nodes`).
    pub fields: Vec<(String, Vec<FieldChange>, usize)>,
}

impl Change {
    /// The fields when every node changed the same ones the same way.
    pub fn same_fields(&self) -> Option<(&[FieldChange], usize)> {
        let (_, first, more) = self.fields.first()?;
        self.fields
            .iter()
            .all(|(_, f, m)| f == first && m == more)
            .then_some((first.as_slice(), *more))
    }
}

/// A journal time as this machine's local time, to the second.
pub fn local_time(time: DateTime<Utc>) -> String {
    time.with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// What history lists: `since` and `file` filter it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    pub since: Option<DateTime<Utc>>,
    pub file: Option<FileKind>,
}

impl Filter {
    fn keeps(&self, r: &Record) -> bool {
        self.since.is_none_or(|s| r.when() >= s) && self.file.is_none_or(|f| r.file == f.name())
    }
}

/// The changes of every node's records (`(node, records)`), newest first;
/// the records of one change and file on several nodes are one change.
pub fn merge<'a>(
    nodes: impl IntoIterator<Item = (&'a str, &'a [Record])>,
    filter: Filter,
) -> Vec<Change> {
    let mut changes: BTreeMap<(String, String), Change> = BTreeMap::new();
    for (node, records) in nodes {
        for r in records.iter().filter(|r| filter.keeps(r)) {
            let key = (r.change.clone(), r.path.clone());
            let change = changes.entry(key).or_insert_with(|| Change {
                change: r.change.clone(),
                file: r.file.clone(),
                path: r.path.clone(),
                time: r.when(),
                user: r.user.clone(),
                host: r.host.clone(),
                restores: r.restores.clone(),
                nodes: Vec::new(),
                fields: Vec::new(),
            });
            change.time = change.time.min(r.when());
            if !change.nodes.iter().any(|n| n == node) {
                change.nodes.push(node.to_string());
                change
                    .fields
                    .push((node.to_string(), r.fields.clone(), r.more_fields));
            } else if let Some(entry) = change.fields.iter_mut().find(|(n, _, _)| n == node) {
                // Several writes of one file in one change: all their fields.
                entry.1.extend(r.fields.iter().cloned());
                entry.2 += r.more_fields;
            }
        }
    }
    let mut all: Vec<Change> = changes.into_values().collect();
    all.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.change.cmp(&b.change)));
    all
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::journal::record::VERSION;

    pub(crate) fn record(change: &str, time: &str, file: &str, field: &str, new: &str) -> Record {
        Record {
            v: VERSION,
            change: change.into(),
            time: time.into(),
            user: "admin".into(),
            host: "pc".into(),
            file: file.into(),
            path: FileKind::from_name(file)
                .unwrap()
                .path(&Paths::default())
                .to_string(),
            fields: vec![FieldChange {
                field: field.into(),
                old: None,
                new: Some(new.into()),
                sealed: false,
            }],
            more_fields: 0,
            backup: None,
            before: None,
            after: Some(digest(new.as_bytes())),
            restores: None,
            ucsconf: "0".into(),
        }
    }

    #[test]
    fn one_change_on_several_nodes_is_listed_once_newest_first() {
        let a = [
            record("aaaa0001", "2026-12-03T01:00:00.000Z", "presence", "k", "1"),
            record(
                "bbbb0002",
                "2026-12-03T02:00:00.000Z",
                "calendar",
                "Provider",
                "x",
            ),
        ];
        let b = [record(
            "aaaa0001",
            "2026-12-03T01:00:00.500Z",
            "presence",
            "k",
            "1",
        )];
        let c = [record(
            "aaaa0001",
            "2026-12-03T01:00:00.100Z",
            "presence",
            "k",
            "2",
        )];
        let nodes = [("ucs-a", &a[..]), ("ucs-b", &b[..]), ("ucs-c", &c[..])];
        let changes = merge(nodes, Filter::default());
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].change, "bbbb0002");
        assert_eq!(changes[1].nodes, ["ucs-a", "ucs-b", "ucs-c"]);
        assert_eq!(changes[1].time.to_rfc3339(), "2026-12-03T01:00:00+00:00");
        // ucs-c's value differs: the fields are shown per node.
        assert!(changes[1].same_fields().is_none());
        let ab = merge([("ucs-a", &a[..]), ("ucs-b", &b[..])], Filter::default());
        assert!(ab[1].same_fields().is_some());

        let since = DateTime::parse_from_rfc3339("2026-12-03T01:30:00Z")
            .unwrap()
            .to_utc();
        let recent = merge(
            nodes,
            Filter {
                since: Some(since),
                file: None,
            },
        );
        assert_eq!(recent.len(), 1);
        let presence = merge(
            nodes,
            Filter {
                since: None,
                file: FileKind::from_name("presence"),
            },
        );
        assert_eq!(presence.len(), 1);
        assert_eq!(presence[0].change, "aaaa0001");
    }
}
