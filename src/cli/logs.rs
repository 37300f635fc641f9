//! `logs`: the end of the application log, filtered, and followed; a
//! window of time or the entries around a moment, across rotated files;
//! the other files of the log folder.

use std::time::Duration;

use regex::Regex;

use super::args::{Cli, LogsArgs};
use super::on_each;
use super::output::Report;
use crate::logs::history::{LogHistory, Pos};
use crate::logs::{
    Entry, EntryGrouper, Follower, Level, NodeLog, Placed, display_line, folder, last_lines, when,
};
use crate::ops::Target;
use crate::{Error, Result};

/// Longest line shown; longer ones are cut with a marker.
const MAX_LINE: usize = 1 << 20;
/// How often a followed log is polled.
const POLL: Duration = Duration::from_millis(250);
/// With a filter, how many lines back to look for matching entries.
const FILTER_WINDOW: usize = 20_000;
/// Lines shown when `--lines` is not given.
const DEFAULT_LINES: usize = 10;
/// The most text one node's window holds in memory; the rest is left out,
/// with a warning (`bundle` takes any window, streamed).
const MAX_WINDOW_BYTES: usize = 64 * 1024 * 1024;

/// What part of the log to print.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// The last N lines (of matching entries), from the rotated files too
    /// when the live one has fewer.
    Tail(usize),
    /// Entries stamped in `since..=until`; `last`: only the last N lines.
    Window {
        since: i64,
        until: Option<i64>,
        last: Option<usize>,
    },
    /// The last N lines of entries at or before `until`.
    Before { until: i64, lines: usize },
    /// N entries before the moment and N from it on.
    At { at: i64, entries: usize },
}

impl Mode {
    fn parse(args: &LogsArgs) -> Result<Mode> {
        let now = when::now_local();
        let moment = |flag: &str, text: &str| {
            when::parse(text, now).map_err(|e| Error::invalid(format!("--{flag}: {e}")))
        };
        let n = args.lines.unwrap_or(DEFAULT_LINES);
        if let Some(at) = &args.at {
            return Ok(Mode::At {
                at: moment("at", at)?,
                entries: n,
            });
        }
        let until = args
            .until
            .as_deref()
            .map(|u| moment("until", u))
            .transpose()?;
        match (&args.since, until) {
            (Some(since), _) => {
                let since = moment("since", since)?;
                if until.is_some_and(|u| u < since) {
                    return Err(Error::invalid("--until is before --since"));
                }
                Ok(Mode::Window {
                    since,
                    until,
                    last: args.lines,
                })
            }
            (None, Some(until)) => Ok(Mode::Before { until, lines: n }),
            (None, None) => Ok(Mode::Tail(n)),
        }
    }
}

/// Which entries to keep.
#[derive(Clone)]
struct Filter {
    level: Option<Level>,
    grep: Option<Regex>,
}

impl Filter {
    fn parse(args: &LogsArgs) -> Result<Filter> {
        let level = match &args.level {
            None => None,
            Some(l) => Some(Level::parse(l).ok_or_else(|| {
                Error::invalid(format!(
                    "unknown level {l:?}: use trace, debug, info, warn, error or fatal"
                ))
            })?),
        };
        let grep = match &args.grep {
            None => None,
            Some(g) => {
                Some(Regex::new(g).map_err(|e| Error::invalid(format!("--grep {g:?}: {e}")))?)
            }
        };
        Ok(Filter { level, grep })
    }

    fn is_active(&self) -> bool {
        self.level.is_some() || self.grep.is_some()
    }

    fn keeps(&self, entry: &Entry) -> bool {
        let level_ok = match (self.level, entry.level) {
            (None, _) => true,
            (Some(min), Some(l)) => l >= min,
            (Some(_), None) => false,
        };
        level_ok
            && self
                .grep
                .as_ref()
                .is_none_or(|re| entry.lines.iter().any(|l| re.is_match(l)))
    }
}

pub async fn run(cli: &Cli, args: &LogsArgs, targets: &[Target]) -> Result<u8> {
    if args.list {
        return Ok(on_each(cli, targets, |t| async move { list(&t).await }).await);
    }
    let filter = Filter::parse(args)?;
    let mode = Mode::parse(args)?;
    let file = match &args.file {
        Some(name) => Some(folder::resolve(name).map_err(|e| Error::invalid(e.to_string()))?),
        None => None,
    };
    if args.follow {
        let Mode::Tail(n) = mode else {
            unreachable!("clap keeps --follow to the end of the log")
        };
        return follow(cli, n, &filter, targets, file.as_deref()).await;
    }
    Ok(on_each(cli, targets, |t| {
        let (filter, file) = (filter.clone(), file.clone());
        async move {
            let log = LogRef::new(&t, file.as_deref());
            match mode {
                Mode::Tail(n) => tail(&log, n, &filter).await.map(|(r, _)| r),
                Mode::Window { since, until, last } => {
                    window(&log, since, until, last, &filter).await
                }
                Mode::Before { until, lines } => before(&log, until, lines, &filter).await,
                Mode::At { at, entries } => around(&log, at, entries, &filter).await,
            }
        }
    })
    .await)
}

/// One node's log: the application log, or another of its log folder.
struct LogRef<'a> {
    target: &'a Target,
    path: String,
}

impl LogRef<'_> {
    fn new<'a>(target: &'a Target, file: Option<&str>) -> LogRef<'a> {
        LogRef {
            target,
            path: file.map_or_else(|| target.paths.log.clone(), str::to_string),
        }
    }

    fn source(&self) -> NodeLog {
        NodeLog {
            node: self.target.node.clone(),
            path: self.path.clone(),
        }
    }

    async fn history(&self) -> Result<LogHistory> {
        LogHistory::open(self.target.node.clone(), &self.path)
            .await
            .map_err(|e| io_error(&self.path, e))
    }
}

/// `logs --list`: every file of the log folder, with size and time.
async fn list(target: &Target) -> Result<Report> {
    let listed = folder::list(target.node.as_ref(), folder::LOG_DIR).await?;
    let Some((files, truncated)) = listed else {
        return Err(Error::Failed(format!(
            "{}: the log folder does not exist",
            folder::LOG_DIR
        )));
    };
    let mut report = Report::default();
    let width = files
        .iter()
        .map(|f| f.name.chars().count())
        .max()
        .unwrap_or(0);
    for f in &files {
        let time = f
            .mtime
            .map(when::format_local)
            .unwrap_or_else(|| "-".into());
        let name = crate::logs::escape_controls(&f.name);
        report.line(format!("{name:<width$}  {:>14}  {time}", f.len));
    }
    if files.is_empty() {
        report.line(format!("(no files in {})", folder::LOG_DIR));
    }
    if truncated {
        report.warnings.push(format!(
            "more than {} files: the first {} by name are listed",
            folder::MAX_FILES,
            folder::MAX_FILES
        ));
    }
    let json: Vec<serde_json::Value> = files
        .iter()
        .map(|f| {
            serde_json::json!({
                "name": f.name,
                "size": f.len,
                "modified": f.mtime.map(when::format_utc),
            })
        })
        .collect();
    report.field("files", json);
    Ok(report)
}

/// Entries stamped from `since` to `until`, across rotated files.
async fn window(
    log: &LogRef<'_>,
    since: i64,
    until: Option<i64>,
    last: Option<usize>,
    filter: &Filter,
) -> Result<Report> {
    let history = log.history().await?;
    let from = history
        .seek(since)
        .await
        .map_err(|e| io_error(&log.path, e))?;
    let mut entries = history.forward(from);
    let mut lines = Vec::new();
    let mut held = 0;
    let mut cut_at = None;
    while let Some(placed) = entries
        .next_entry()
        .await
        .map_err(|e| io_error(&log.path, e))?
    {
        let time = placed.entry.timestamp_ms;
        if until.is_some_and(|u| time.is_some_and(|t| t > u)) {
            break;
        }
        if !filter.keeps(&placed.entry) {
            continue;
        }
        held += placed.entry.lines.iter().map(String::len).sum::<usize>();
        if held > MAX_WINDOW_BYTES {
            cut_at = time;
            break;
        }
        lines.extend(placed.entry.lines);
    }
    if let Some(n) = last {
        lines.drain(..lines.len().saturating_sub(n));
    }
    let mut report = lines_report(lines);
    if let Some(t) = cut_at {
        report.warnings.push(format!(
            "the window holds more than {} MiB: shown up to {}; narrow it with --until, or collect it with `ucsconf bundle`",
            MAX_WINDOW_BYTES >> 20,
            when::format_ms(t)
        ));
    }
    Ok(report)
}

/// The last `n` lines of entries stamped at or before `until`.
async fn before(log: &LogRef<'_>, until: i64, n: usize, filter: &Filter) -> Result<Report> {
    let history = log.history().await?;
    let at = history
        .seek(until.saturating_add(1))
        .await
        .map_err(|e| io_error(&log.path, e))?;
    let entries = back_entries(&history, at, n, filter, |e| e.lines.len())
        .await
        .map_err(|e| io_error(&log.path, e))?;
    let mut lines: Vec<String> = entries.into_iter().flat_map(|p| p.entry.lines).collect();
    lines.drain(..lines.len().saturating_sub(n));
    Ok(lines_report(lines))
}

/// `n` matching entries before `at` and `n` from it on.
async fn around(log: &LogRef<'_>, at: i64, n: usize, filter: &Filter) -> Result<Report> {
    let history = log.history().await?;
    let fail = |e| io_error(&log.path, e);
    let pos = history.seek(at).await.map_err(fail)?;
    let earlier = back_entries(&history, pos, n, filter, |_| 1)
        .await
        .map_err(fail)?;
    let mut later = Vec::new();
    let mut scanned = 0;
    let mut entries = history.forward(pos);
    while later.len() < n && scanned < FILTER_WINDOW {
        let Some(placed) = entries.next_entry().await.map_err(fail)? else {
            break;
        };
        scanned += 1;
        if filter.keeps(&placed.entry) {
            later.push(placed);
        }
    }
    let mut warnings = Vec::new();
    if pos == history.beginning() && earlier.is_empty() {
        if let Some(first) = later.first().and_then(|p| p.entry.timestamp_ms) {
            warnings.push(format!(
                "the log starts after that moment, at {}",
                when::format_ms(first)
            ));
        }
    } else if pos == history.end()
        && let Some(last) = earlier.last().and_then(|p| p.entry.timestamp_ms)
    {
        warnings.push(format!(
            "the log ends before that moment, at {}",
            when::format_ms(last)
        ));
    }
    let at_line: usize = earlier.iter().map(|p| p.entry.lines.len()).sum();
    let lines: Vec<String> = earlier
        .into_iter()
        .chain(later)
        .flat_map(|p| p.entry.lines)
        .collect();
    let mut report = lines_report(lines);
    report.warnings = warnings;
    report
        .field("at", when::format_ms(at))
        .field("at_line", at_line);
    Ok(report)
}

/// Matching entries before `pos`, oldest first, until `enough` of them
/// (each counting `weight`) or [`FILTER_WINDOW`] entries were looked at.
async fn back_entries(
    history: &LogHistory,
    pos: Pos,
    enough: usize,
    filter: &Filter,
    weight: impl Fn(&Entry) -> usize,
) -> std::io::Result<Vec<Placed>> {
    let mut back = history.backward(pos);
    let (mut found, mut count, mut scanned) = (Vec::new(), 0, 0);
    while count < enough && scanned < FILTER_WINDOW.max(enough) {
        let Some(placed) = back.next_entry().await? else {
            break;
        };
        scanned += 1;
        if filter.keeps(&placed.entry) {
            count += weight(&placed.entry);
            found.push(placed);
        }
    }
    found.reverse();
    Ok(found)
}

fn lines_report(lines: Vec<String>) -> Report {
    let mut report = Report {
        lines,
        ..Report::default()
    };
    report.field("lines", report.lines.clone());
    report
}

/// The last `n` lines (with a filter: the last `n` lines of matching entries),
/// and the offset of the live file where a follow continues. When the live
/// file holds fewer lines, the rest comes from its rotated files.
async fn tail(log: &LogRef<'_>, n: usize, filter: &Filter) -> Result<(Report, u64)> {
    let window = if filter.is_active() {
        n.max(FILTER_WINDOW)
    } else {
        n
    };
    let (mut lines, end, whole) = match last_lines(&log.source(), window).await {
        Ok(tail) => {
            let lines: Vec<String> = tail.lines().map(|l| display_line(&l, MAX_LINE)).collect();
            (lines, tail.end, tail.start == 0 && !tail.cut)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Vec::new(), 0, true),
        Err(e) => return Err(io_error(&log.path, e)),
    };
    if whole && lines.len() < window {
        let mut older = older_lines(log, window - lines.len()).await?;
        older.append(&mut lines);
        lines = older;
    }
    if filter.is_active() {
        lines = filtered(lines, filter);
    }
    let skip = lines.len().saturating_sub(n);
    let mut report = Report {
        lines: lines.split_off(skip),
        ..Report::default()
    };
    report.field("lines", report.lines.clone());
    Ok((report, end))
}

/// Up to `n` lines from the rotated files before the live one, oldest first.
async fn older_lines(log: &LogRef<'_>, n: usize) -> Result<Vec<String>> {
    let history = log.history().await?;
    let parts = history.parts();
    let from = match parts.last() {
        Some(live) if live.live => Pos {
            part: parts.len() - 1,
            offset: 0,
        },
        _ => history.end(),
    };
    let mut back = history.backward(from);
    let mut lines = Vec::new();
    while lines.len() < n {
        match back.next().await.map_err(|e| io_error(&log.path, e))? {
            Some(line) if line.pos.part < from.part || from == history.end() => {
                lines.push(display_line(&line.text, MAX_LINE));
            }
            Some(_) => {}
            None => break,
        }
    }
    lines.reverse();
    Ok(lines)
}

fn filtered(lines: Vec<String>, filter: &Filter) -> Vec<String> {
    let mut grouper = EntryGrouper::new();
    let mut kept = Vec::new();
    for line in lines {
        if let Some(entry) = grouper.push(line) {
            keep_entry(entry, filter, &mut kept);
        }
    }
    if let Some(entry) = grouper.finish() {
        keep_entry(entry, filter, &mut kept);
    }
    kept
}

fn keep_entry(entry: Entry, filter: &Filter, into: &mut Vec<String>) {
    if filter.keeps(&entry) {
        into.extend(entry.lines);
    }
}

/// Prints the end of every node's log, then what is appended, until killed.
async fn follow(
    cli: &Cli,
    n: usize,
    filter: &Filter,
    targets: &[Target],
    file: Option<&str>,
) -> Result<u8> {
    let multi = targets.len() > 1;
    let mut tasks = tokio::task::JoinSet::new();
    for target in targets {
        let (target, filter) = (target.clone(), filter.clone());
        let file = file.map(str::to_string);
        let prefix = if multi {
            format!("{}: ", crate::text::escape_untrusted(target.name()))
        } else {
            String::new()
        };
        tasks.spawn(async move {
            let log = LogRef::new(&target, file.as_deref());
            let result = follow_one(&log, n, &filter, &prefix).await;
            (target.name().to_string(), prefix, result)
        });
    }
    // Each task only ends on an error; the command ends when every node failed.
    while let Some(done) = tasks.join_next().await {
        if let Ok((node, prefix, Err(e))) = done {
            super::term::errln!("error: {prefix}{}", super::ssh::hinted(cli, &node, e));
        }
    }
    Ok(1)
}

async fn follow_one(log: &LogRef<'_>, n: usize, filter: &Filter, prefix: &str) -> Result<()> {
    let (report, end) = tail(log, n, filter).await?;
    print_lines(prefix, &report.lines);
    let mut follower = Follower::new(log.source(), end);
    let mut grouper = EntryGrouper::new();
    loop {
        let polled = follower.poll().await.map_err(|e| io_error(&log.path, e))?;
        let lines = polled.lines.iter().map(|l| display_line(l, MAX_LINE));
        if filter.is_active() {
            let mut kept = Vec::new();
            for entry in lines.filter_map(|line| grouper.push(line)) {
                keep_entry(entry, filter, &mut kept);
            }
            print_lines(prefix, &kept);
        } else {
            print_lines(prefix, &lines.collect::<Vec<_>>());
        }
        // After a burst, read on at once.
        if !polled.more {
            tokio::time::sleep(POLL).await;
        }
    }
}

fn print_lines(prefix: &str, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    let mut out = super::term::Out::new();
    for line in lines {
        out.line(&format!("{prefix}{line}"));
    }
}

/// A node's own error (an unknown host key...) stays typed, so the face can
/// say how to fix it; other I/O errors name the log.
fn io_error(path: &str, e: std::io::Error) -> Error {
    use crate::node::NodeError;
    if e.get_ref().is_some_and(|i| i.is::<NodeError>()) {
        return match e.into_inner().map(|i| i.downcast::<NodeError>()) {
            Some(Ok(node_error)) => Error::Node(*node_error),
            _ => Error::Failed(format!("{path}: the node failed")),
        };
    }
    Error::Failed(format!("{path}: {e}"))
}
