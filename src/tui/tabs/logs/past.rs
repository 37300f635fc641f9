//! A view of the log away from its live end: the entries around a moment
//! (`t`), another file of the log folder (`o`), or an older error or match
//! found in the rotated files when the kept entries hold none (`E`, `N`).
//! It is read in the background through the same engine as `logs --at`
//! (the time bisection across rotated files) and shown in place of the live
//! view until End, `G` or `f` goes back to it.

use std::sync::atomic::{AtomicU64, Ordering};

use regex::Regex;

use crate::logs::history::{LogHistory, Placed};
use crate::logs::{Level, folder, when};
use crate::ops::Target;

/// Longest log line shown (bytes); longer ones are cut with a marker.
pub const MAX_LINE: usize = 8192;

/// Entries read on each side of a moment or a found entry.
const AROUND: usize = 500;
/// Entries read from the end of another file.
const FILE_ENTRIES: usize = 2000;
/// How far back a search for an older error or match reads before it gives up.
pub const MAX_SCAN_BYTES: u64 = 256 * 1024 * 1024;

/// What a past view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogQuery {
    /// The entries around a moment (log-scale ms).
    At(i64),
    /// The end of another file of the log folder, with its rotated files.
    File(String),
    /// The newest entry stamped before `before` that `what` wants.
    Older { before: i64, what: Wanted },
}

/// What a search back through the rotated files looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    Error,
    /// A regular expression, as typed.
    Pattern(String),
}

/// What was read, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastLines {
    /// Sanitized lines, oldest first.
    pub lines: Vec<String>,
    /// The entry to put at the bottom, marked: the first at or after this time.
    pub focus: Option<i64>,
    /// The view's heading.
    pub title: String,
}

/// A fresh request number (results of an older request are merged only
/// into the view they belong to).
pub fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Reads what `query` asks for on `target`'s node; the error in words.
pub async fn read(target: &Target, query: &LogQuery) -> Result<PastLines, String> {
    let path = match query {
        LogQuery::File(name) => folder::resolve(name).map_err(|e| e.to_string())?,
        _ => target.paths.log.clone(),
    };
    let history = LogHistory::open(target.node.clone(), &path)
        .await
        .map_err(|e| format!("{path}: {e}"))?;
    let io = |e: std::io::Error| format!("{path}: {e}");
    match query {
        LogQuery::At(at) => {
            let (before, after) = history.around(*at, AROUND, AROUND).await.map_err(io)?;
            let focus = after
                .first()
                .or(before.last())
                .and_then(|p| p.entry.timestamp_ms);
            Ok(PastLines {
                lines: lines_of(before.into_iter().chain(after)),
                focus,
                title: format!("AT {}", when::format_ms(*at)),
            })
        }
        LogQuery::File(name) => {
            let entries = history
                .backward(history.end())
                .entries(FILE_ENTRIES)
                .await
                .map_err(io)?;
            Ok(PastLines {
                lines: lines_of(entries),
                focus: None,
                title: format!("FILE {name} (not followed)"),
            })
        }
        LogQuery::Older { before, what } => older(&history, *before, what).await.map_err(io),
    }
}

/// Searches back from `before` for an entry `what` wants, then reads around it.
async fn older(history: &LogHistory, before: i64, what: &Wanted) -> std::io::Result<PastLines> {
    let regex = match what {
        Wanted::Pattern(text) => Some(Regex::new(text).map_err(std::io::Error::other)?),
        Wanted::Error => None,
    };
    let wanted = |p: &Placed| match &regex {
        Some(re) => p.entry.lines.iter().any(|l| re.is_match(l)),
        None => p.entry.level.is_some_and(|l| l >= Level::Error),
    };
    let label = match what {
        Wanted::Error => "ERROR entry".to_string(),
        Wanted::Pattern(text) => format!("match of /{text}/"),
    };
    let start = history.seek(before).await?;
    let mut back = history.backward(start);
    let first_read = history.bytes_read();
    let found = loop {
        match back.next_entry().await? {
            Some(p) if wanted(&p) => break p,
            Some(_) if history.bytes_read() - first_read > MAX_SCAN_BYTES => {
                return Err(std::io::Error::other(format!(
                    "no older {label} in the {} MiB of log before {}",
                    MAX_SCAN_BYTES >> 20,
                    when::format_ms(before)
                )));
            }
            Some(_) => {}
            None => {
                return Err(std::io::Error::other(format!(
                    "no older {label} in the log and its rotated files"
                )));
            }
        }
    };
    let earlier = history.backward(found.pos).entries(AROUND).await?;
    let later = history.forward(found.pos).entries(AROUND).await?;
    let focus = found.entry.timestamp_ms;
    let part = &history.parts()[found.pos.part].name;
    Ok(PastLines {
        lines: lines_of(earlier.into_iter().chain(later)),
        focus,
        title: format!(
            "OLDER {label} at {} in {part}",
            focus.map_or_else(|| "?".into(), when::format_ms)
        ),
    })
}

fn lines_of(entries: impl IntoIterator<Item = Placed>) -> Vec<String> {
    entries
        .into_iter()
        .flat_map(|p| p.entry.lines)
        .map(|l| {
            // The view keeps lines short; the engine already escaped controls.
            if l.len() > MAX_LINE {
                crate::logs::display_line(l.as_bytes(), MAX_LINE)
            } else {
                l
            }
        })
        .collect()
}

/// The files of the node's log folder, by name.
pub async fn list(target: &Target) -> Result<Vec<String>, String> {
    match folder::list(target.node.as_ref(), folder::LOG_DIR).await {
        Ok(Some((files, _))) => Ok(files.into_iter().map(|f| f.name).collect()),
        Ok(None) => Err(format!(
            "{}: the log folder does not exist",
            folder::LOG_DIR
        )),
        Err(e) => Err(e.to_string()),
    }
}
