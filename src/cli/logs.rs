//! `logs`: the end of the application log, filtered, and followed.

use std::io::Write;
use std::time::Duration;

use regex::Regex;

use super::args::{Cli, LogsArgs};
use super::on_each;
use super::output::Report;
use crate::logs::{Entry, EntryGrouper, Follower, Level, NodeLog, display_line, last_lines};
use crate::ops::Target;
use crate::{Error, Result};

/// Longest line shown; longer ones are cut with a marker.
const MAX_LINE: usize = 1 << 20;
/// How often a followed log is polled.
const POLL: Duration = Duration::from_millis(250);
/// With a filter, how many lines back to look for matching entries.
const FILTER_WINDOW: usize = 20_000;

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
    let filter = Filter::parse(args)?;
    if !args.follow {
        let lines = args.lines;
        return Ok(on_each(cli, targets, |t| {
            let filter = filter.clone();
            async move { tail(&t, lines, &filter).await.map(|(r, _)| r) }
        })
        .await);
    }
    follow(cli, args.lines, &filter, targets).await
}

fn source(target: &Target) -> NodeLog {
    NodeLog {
        node: target.node.clone(),
        path: target.paths.log.clone(),
    }
}

/// A node's own error (an unknown host key...) stays typed, so the face can
/// say how to fix it; other I/O errors name the log.
fn io_error(target: &Target, e: std::io::Error) -> Error {
    use crate::node::NodeError;
    if e.get_ref().is_some_and(|i| i.is::<NodeError>()) {
        let path = &target.paths.log;
        return match e.into_inner().map(|i| i.downcast::<NodeError>()) {
            Some(Ok(node_error)) => Error::Node(*node_error),
            _ => Error::Failed(format!("{path}: the node failed")),
        };
    }
    Error::Failed(format!("{}: {e}", target.paths.log))
}

/// The last `n` lines (with a filter: the last `n` lines of matching entries),
/// and the offset where a follow continues.
async fn tail(target: &Target, n: usize, filter: &Filter) -> Result<(Report, u64)> {
    let window = if filter.is_active() {
        n.max(FILTER_WINDOW)
    } else {
        n
    };
    let tail = last_lines(&source(target), window)
        .await
        .map_err(|e| io_error(target, e))?;
    let mut lines: Vec<String> = tail.lines().map(|l| display_line(&l, MAX_LINE)).collect();
    if filter.is_active() {
        lines = filtered(lines, filter);
    }
    let skip = lines.len().saturating_sub(n);
    let mut report = Report {
        lines: lines.split_off(skip),
        ..Report::default()
    };
    report.field("lines", report.lines.clone());
    Ok((report, tail.end))
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
async fn follow(cli: &Cli, n: usize, filter: &Filter, targets: &[Target]) -> Result<u8> {
    let multi = targets.len() > 1;
    let mut tasks = tokio::task::JoinSet::new();
    for target in targets {
        let (target, filter) = (target.clone(), filter.clone());
        let prefix = if multi {
            format!("{}: ", target.name())
        } else {
            String::new()
        };
        tasks.spawn(async move {
            let result = follow_one(&target, n, &filter, &prefix).await;
            (target.name().to_string(), prefix, result)
        });
    }
    // Each task only ends on an error; the command ends when every node failed.
    while let Some(done) = tasks.join_next().await {
        if let Ok((node, prefix, Err(e))) = done {
            eprintln!("error: {prefix}{}", super::ssh::hinted(cli, &node, e));
        }
    }
    Ok(1)
}

async fn follow_one(target: &Target, n: usize, filter: &Filter, prefix: &str) -> Result<()> {
    let (report, end) = tail(target, n, filter).await?;
    print_lines(prefix, &report.lines);
    let mut follower = Follower::new(source(target), end);
    let mut grouper = EntryGrouper::new();
    loop {
        let polled = follower.poll().await.map_err(|e| io_error(target, e))?;
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
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in lines {
        let _ = writeln!(out, "{prefix}{line}");
    }
    let _ = out.flush();
}
