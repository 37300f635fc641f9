//! Restore: which files to put back on a node, from its journal; then, for
//! each, the file as it is now and the backup's content, checked; then the
//! write, journaled as a restore.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::fields;
use super::file::Cache;
use super::record::{FieldChange, FileKind, Record, digest};
use super::write::{FileWrite, Stamp, write};
use crate::ini::MAX_FILE_SIZE;
use crate::node::{Expected, Node, Snapshot, Written};
use crate::paths::Paths;
use crate::{Error, Result};

/// What to undo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// One change, by its id (or a unique prefix of it, resolved first).
    Change(String),
    /// Every change after this time.
    After(DateTime<Utc>),
}

/// One file to put back on a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub kind: FileKind,
    pub path: String,
    /// The change(s) undone, oldest first.
    pub changes: Vec<String>,
    /// The backup holding the content to go back to (`None`: the file did
    /// not exist then, and is removed), and its SHA-256.
    pub backup: Option<String>,
    pub content_sha: Option<String>,
    /// What the file must hold now: what the newest record wrote.
    pub now_sha: Option<String>,
}

/// Why a node cannot be restored as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error(
        "{path} was changed since, by change {later} ({when}): restore that change too (`--to` a time before both restores every change after it)"
    )]
    ChangedSince {
        path: String,
        later: String,
        when: String,
    },
    #[error("{path} was changed outside ucsconf since change {change}: nothing was written")]
    ChangedOutside { path: String, change: String },
}

/// The files to put back on a node whose journal holds `records` (oldest
/// first), and what is left alone (the node key: values sealed since depend
/// on it). Errors: a later change of the same file not selected.
pub fn plan(
    records: &[Record],
    selector: &Selector,
) -> std::result::Result<(Vec<Step>, Vec<String>), Refused> {
    let selected = |r: &Record| match selector {
        Selector::Change(id) => r.change == *id,
        Selector::After(t) => r.when() > *t,
    };
    let mut by_path: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for r in records {
        by_path.entry(&r.path).or_default().push(r);
    }
    let mut steps = Vec::new();
    let mut left = Vec::new();
    for (path, records) in by_path {
        let Some(first) = records.iter().position(|r| selected(r)) else {
            continue;
        };
        let last = records.iter().rposition(|r| selected(r)).unwrap_or(first);
        let Some(kind) = records[first].kind() else {
            continue;
        };
        if kind == FileKind::NodeKey {
            left.push(format!(
                "{path} (the node key) is kept: what was sealed since depends on it"
            ));
            continue;
        }
        if let Some(later) = records[last + 1..].iter().find(|r| !selected(r)) {
            return Err(Refused::ChangedSince {
                path: path.to_string(),
                later: later.change.clone(),
                when: later.time.clone(),
            });
        }
        let newest = records.last().unwrap_or(&records[last]);
        let mut changes: Vec<String> = Vec::new();
        for r in &records[first..=last] {
            if selected(r) && !changes.contains(&r.change) {
                changes.push(r.change.clone());
            }
        }
        steps.push(Step {
            kind,
            path: path.to_string(),
            changes,
            backup: records[first].backup.clone(),
            content_sha: records[first].before.clone(),
            now_sha: newest.after.clone(),
        });
    }
    Ok((steps, left))
}

/// A step with what it needs, read and checked: ready to write.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub step: Step,
    pub current: Option<Snapshot>,
    /// The content to put back (`None`: remove the file).
    pub content: Option<Vec<u8>>,
    /// What the restore changes, as the journal would record it.
    pub fields: Vec<FieldChange>,
    pub more_fields: usize,
}

impl Prepared {
    /// What the restore does to the file, in words: "PATH: back to BACKUP".
    pub fn describe(&self) -> String {
        match &self.step.backup {
            Some(b) => format!("{}: back to {b}", self.step.path),
            None => format!("{}: removed (it did not exist before)", self.step.path),
        }
    }
}

/// Reads the file and its backup for `step`. Errors: the file changed
/// outside ucsconf (a conflict), the backup missing or not what the journal
/// says (nothing is written then).
pub async fn prepare(node: &dyn Node, step: Step) -> Result<Prepared> {
    let backup_path = step.backup.as_deref().map(|b| sibling(&step.path, b));
    let (current, backup) = tokio::join!(node.read(&step.path, MAX_FILE_SIZE), async {
        match &backup_path {
            Some(p) => node.read(p, MAX_FILE_SIZE).await.map(Some),
            None => Ok(None),
        }
    });
    let current = current?;
    if current.as_ref().map(|s| digest(&s.bytes)) != step.now_sha {
        let change = step.changes.last().cloned().unwrap_or_default();
        return Err(Error::Conflict(
            Refused::ChangedOutside {
                path: step.path.clone(),
                change,
            }
            .to_string(),
        ));
    }
    let content = match (backup?, &backup_path) {
        (None, None) => None,
        (Some(None), Some(p)) | (None, Some(p)) => {
            return Err(Error::Failed(format!(
                "{p}: the backup the journal names is missing; nothing was written"
            )));
        }
        (Some(Some(b)), Some(p)) => {
            if Some(digest(&b.bytes)) != step.content_sha {
                return Err(Error::Failed(format!(
                    "{p}: the backup does not hold what the journal says it does; nothing was written"
                )));
            }
            Some(b.bytes)
        }
        (Some(_), None) => unreachable!("a backup is read only when named"),
    };
    let (fields, more_fields) = fields::changes(
        step.kind,
        current.as_ref().map(|s| s.bytes.as_slice()),
        content.as_deref(),
    );
    Ok(Prepared {
        step,
        current,
        content,
        fields,
        more_fields,
    })
}

/// Writes a prepared step: conflict-checked against the file as prepared,
/// journaled as a restore.
pub async fn apply(
    node: &dyn Node,
    paths: &Paths,
    stamp: &Stamp,
    p: &Prepared,
) -> Result<Option<Written>> {
    if p.current.as_ref().map(|s| s.bytes.as_slice()) == p.content.as_deref() {
        return Ok(None);
    }
    let expected = Expected::from_snapshot(p.current.as_ref());
    let restores = p.step.changes.join(",");
    let w = FileWrite {
        kind: p.step.kind,
        path: &p.step.path,
        before: p.current.as_ref(),
        after: p.content.as_deref(),
        expected: &expected,
        restores: Some(&restores),
    };
    // The journal is read afresh: the restore was prepared from it.
    write(node, &paths.journal, stamp, w, &Cache::default())
        .await
        .map(Some)
}

/// Everything to put back on one node for `selector`, read and checked, and
/// what is left alone. A node the change was not made on has neither.
pub async fn prepare_node(
    node: &dyn Node,
    records: &[Record],
    selector: &Selector,
) -> Result<(Vec<Prepared>, Vec<String>)> {
    let (steps, left) = plan(records, selector).map_err(|e| Error::Conflict(e.to_string()))?;
    let mut prepared = Vec::new();
    for step in steps {
        prepared.push(prepare(node, step).await?);
    }
    Ok((prepared, left))
}

/// Writes a node's prepared steps in turn; per file, its path and the
/// backup of what it replaced (`None` when it held that already).
pub async fn apply_node(
    node: &dyn Node,
    paths: &Paths,
    stamp: &Stamp,
    prepared: &[Prepared],
) -> Result<Vec<(String, Option<String>)>> {
    let mut written = Vec::new();
    for p in prepared {
        let w = apply(node, paths, stamp, p).await?;
        written.push((p.step.path.clone(), w.and_then(|w| w.backup)));
    }
    Ok(written)
}

/// `name` beside the file at `path`.
fn sibling(path: &str, name: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/{name}"),
        None => name.to_string(),
    }
}

/// The one change id in `records` that `prefix` names. Errors: none, or
/// several.
pub fn resolve<'a>(
    prefix: &str,
    records: impl IntoIterator<Item = &'a Record>,
) -> std::result::Result<String, String> {
    let prefix = prefix.trim().to_ascii_lowercase();
    let mut found: Vec<&str> = records
        .into_iter()
        .map(|r| r.change.as_str())
        .filter(|c| c.starts_with(&prefix))
        .collect();
    found.sort_unstable();
    found.dedup();
    match found.as_slice() {
        [one] if !prefix.is_empty() => Ok(one.to_string()),
        [] | [_] => Err(format!(
            "no change {prefix:?} in the journals of the selected nodes (`ucsconf history` lists them)"
        )),
        many => Err(format!(
            "{prefix:?} names several changes ({}): give more of it",
            many.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::history::tests::record;

    fn with_backup(mut r: Record, backup: &str, before: &str) -> Record {
        r.backup = Some(backup.into());
        r.before = Some(digest(before.as_bytes()));
        r
    }

    #[test]
    fn a_change_is_refused_when_a_later_one_touched_the_file() {
        let records = vec![
            with_backup(
                record("aaaa0001", "2026-12-03T01:00:00Z", "presence", "k", "1"),
                "p.1.bak",
                "0",
            ),
            with_backup(
                record("bbbb0002", "2026-12-03T02:00:00Z", "presence", "k", "2"),
                "p.2.bak",
                "1",
            ),
        ];
        let err = plan(&records, &Selector::Change("aaaa0001".into())).unwrap_err();
        assert!(err.to_string().contains("by change bbbb0002"), "{err}");
        // The later one alone, or both through a time: allowed.
        let (steps, _) = plan(&records, &Selector::Change("bbbb0002".into())).unwrap();
        assert_eq!(steps[0].backup.as_deref(), Some("p.2.bak"));
        let t = DateTime::parse_from_rfc3339("2026-12-03T00:30:00Z")
            .unwrap()
            .to_utc();
        let (steps, _) = plan(&records, &Selector::After(t)).unwrap();
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].changes, ["aaaa0001", "bbbb0002"]);
        assert_eq!(steps[0].backup.as_deref(), Some("p.1.bak"));
        assert_eq!(steps[0].content_sha, Some(digest(b"0")));
        assert_eq!(steps[0].now_sha, Some(digest(b"2")));
    }

    #[test]
    fn the_node_key_is_left_alone_and_other_files_are_planned() {
        let records = vec![
            record("aaaa0001", "2026-12-03T01:00:00Z", "node-key", "key", "k"),
            record(
                "aaaa0001",
                "2026-12-03T01:00:00Z",
                "credentials",
                "client_id",
                "x",
            ),
        ];
        let (steps, left) = plan(&records, &Selector::Change("aaaa0001".into())).unwrap();
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].kind, FileKind::Credentials);
        assert_eq!(steps[0].backup, None, "it did not exist: it is removed");
        assert_eq!(left.len(), 1);
    }

    #[test]
    fn change_ids_resolve_from_a_unique_prefix() {
        let records = [
            record("ab120001", "2026-12-03T01:00:00Z", "presence", "k", "1"),
            record("ab340002", "2026-12-03T01:00:00Z", "presence", "k", "1"),
        ];
        assert_eq!(resolve("AB12", &records).unwrap(), "ab120001");
        assert!(resolve("ab", &records).unwrap_err().contains("several"));
        assert!(resolve("ff", &records).unwrap_err().contains("no change"));
        assert!(resolve("", &records).is_err());
    }
}
