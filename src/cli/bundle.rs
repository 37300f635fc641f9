//! `bundle`: the support archive, with a progress bar per node on a terminal.

use std::path::PathBuf;
use std::sync::Mutex;

use serde_json::json;

use super::args::{BundleArgs, Cli};
use super::term::{self, errln, outln};
use crate::bundle::{self, Progress, Request};
use crate::logs::when;
use crate::ops::Target;
use crate::text::escape_untrusted;
use crate::{Error, Result};

pub async fn run(cli: &Cli, args: &BundleArgs, targets: &[Target]) -> Result<u8> {
    let now = when::now_local();
    let since =
        when::parse(&args.since, now).map_err(|e| Error::invalid(format!("--since: {e}")))?;
    let until = args
        .until
        .as_deref()
        .map(|u| when::parse(u, now).map_err(|e| Error::invalid(format!("--until: {e}"))))
        .transpose()?;
    if until.is_some_and(|u| u < since) {
        return Err(Error::invalid("--until is before --since"));
    }
    let out = match &args.out {
        Some(path) => path.clone(),
        None => PathBuf::from(format!(
            "ucsconf-bundle-{}.zip",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        )),
    };
    let request = Request {
        since,
        until,
        version: super::args::VERSION.to_string(),
    };
    let names: Vec<String> = targets.iter().map(|t| t.name().to_string()).collect();
    let bars = Bars::new(names, term::stderr_is_terminal());
    let summary = bundle::write(targets, &request, &out, &|p| bars.show(p)).await?;

    let mut failed = 0;
    for node in &summary.nodes {
        if !node.errors.is_empty() {
            failed += 1;
        }
        for e in &node.errors {
            errln!("warning: {}: {e}", escape_untrusted(&node.name));
        }
    }
    let entries: u64 = summary.nodes.iter().map(|n| n.entries).sum();
    let redactions: u64 = summary.nodes.iter().map(|n| n.redactions()).sum();
    let shown = summary.path.display().to_string();
    if cli.json {
        let nodes: Vec<_> = summary
            .nodes
            .iter()
            .map(|n| {
                json!({
                    "node": n.name,
                    "ok": n.errors.is_empty(),
                    "log_entries": n.entries,
                    "log_bytes_read": n.log_bytes_read,
                    "log_window_bytes": n.window_bytes,
                    "redactions": n.redactions(),
                    "errors": n.errors,
                })
            })
            .collect();
        let doc = json!({"archive": shown, "nodes": nodes, "exit_code": exit_code(failed, summary.nodes.len())});
        term::out_json_line(&doc);
    } else {
        outln!(
            "{shown}: {} nodes, {entries} log entries, {redactions} secrets redacted",
            summary.nodes.len()
        );
    }
    Ok(exit_code(failed, summary.nodes.len()))
}

fn exit_code(failed: usize, nodes: usize) -> u8 {
    match failed {
        0 => 0,
        f if f < nodes => super::output::EXIT_PARTIAL,
        _ => 1,
    }
}

/// One progress line per node on stderr, drawn in place while its log is
/// copied (nodes are collected one after the other); nothing when stderr
/// is not a terminal.
struct Bars {
    names: Vec<String>,
    on: bool,
    /// The node whose line is being drawn.
    current: Mutex<Option<usize>>,
}

const BAR: usize = 30;

impl Bars {
    fn new(names: Vec<String>, on: bool) -> Bars {
        Bars {
            names: names
                .iter()
                .map(|n| escape_untrusted(n).into_owned())
                .collect(),
            on,
            current: Mutex::new(None),
        }
    }

    fn show(&self, p: Progress) {
        if !self.on {
            return;
        }
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if current.is_some_and(|c| c != p.node) {
            term::err_end_line();
        }
        *current = Some(p.node);
        let width = self
            .names
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(0);
        let fraction = if p.total == 0 {
            1.0
        } else {
            (p.done as f64 / p.total as f64).min(1.0)
        };
        let filled = ((fraction * BAR as f64) as usize).min(BAR);
        term::err_redraw(&format!(
            "{:<width$}  [{}{}] {:>3}%  {:.1} of {:.1} MiB",
            self.names.get(p.node).map_or("?", String::as_str),
            "#".repeat(filled),
            ".".repeat(BAR - filled),
            (fraction * 100.0) as u32,
            p.done as f64 / (1 << 20) as f64,
            p.total as f64 / (1 << 20) as f64,
        ));
        if p.finished {
            term::err_end_line();
            *current = None;
        }
    }
}
