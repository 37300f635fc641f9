//! `history` and `restore`: the journal's changes across the selected
//! nodes, and putting files back as they were before one.

use std::io::IsTerminal;

use chrono::{DateTime, Local, TimeZone, Utc};
use serde_json::{Value, json};

use super::args::{Cli, HistoryArgs, RestoreArgs};
use super::output::{EXIT_PARTIAL, exit_code};
use super::term::{self, errln};
use crate::cluster::{self, NodeResult};
use crate::journal::history::{self, Change, Filter, NodeJournal, Outside};
use crate::journal::restore::{self, Prepared, Selector};
use crate::journal::{FieldChange, FileKind};
use crate::logs::when;
use crate::ops::Target;
use crate::{Error, ErrorClass, Result};

pub async fn history(cli: &Cli, args: &HistoryArgs, targets: &[Target]) -> Result<u8> {
    let filter = Filter {
        since: args
            .since
            .as_deref()
            .map(|s| moment(s, "--since"))
            .transpose()?,
        file: args.file.as_deref().map(file_kind).transpose()?,
    };
    let read = read_all(cli, targets).await;
    let mut classes = Vec::new();
    let mut journals: Vec<(&str, &NodeJournal)> = Vec::new();
    for r in &read {
        match &r.result {
            Ok(j) => {
                classes.push(None);
                for w in &j.warnings {
                    errln!("warning: {}: {w}", r.node);
                }
                journals.push((&r.node, j));
            }
            Err(e) => {
                classes.push(Some(e.class()));
                errln!("error: {}: {e}", r.node);
            }
        }
    }
    let changes = history::merge(
        journals.iter().map(|(n, j)| (*n, j.records.as_slice())),
        filter,
    );
    let outside: Vec<(&str, &Outside)> = journals
        .iter()
        .flat_map(|(n, j)| j.outside.iter().map(move |o| (*n, o)))
        .filter(|(_, o)| filter.file.is_none_or(|f| o.file == f.name()))
        .collect();
    if cli.json {
        print_json(&changes, &outside, &read);
    } else {
        print_text(&changes, &outside);
    }
    Ok(exit_code(&classes))
}

async fn read_all(cli: &Cli, targets: &[Target]) -> Vec<NodeResult<NodeJournal>> {
    cluster::for_each(targets, cli.parallel, |t| async move {
        history::read(&*t.node, &t.paths).await.map_err(Error::from)
    })
    .await
    .into_iter()
    .map(|r| NodeResult {
        result: r.result.map_err(|e| super::ssh::hinted(cli, &r.node, e)),
        node: r.node,
    })
    .collect()
}

fn print_text(changes: &[Change], outside: &[(&str, &Outside)]) {
    let mut out = term::Out::new();
    if changes.is_empty() && outside.is_empty() {
        errln!("no changes");
    }
    for (node, o) in outside {
        let modified = o
            .modified
            .map(|m| format!("; modified {}", when::format_local(m)))
            .unwrap_or_default();
        out.line(&format!(
            "{node}: {}: changed outside ucsconf (after change {}{modified})",
            o.path, o.after_change
        ));
    }
    for c in changes {
        let restores = c
            .restores
            .as_deref()
            .map(|r| format!(" (restores {r})"))
            .unwrap_or_default();
        out.line(&format!(
            "{}  {}  {}  {}@{}  on {}{restores}",
            history::local_time(c.time),
            c.change,
            c.file,
            c.user,
            c.host,
            c.nodes.join(", ")
        ));
        match c.same_fields() {
            Some((fields, more)) => field_lines(&mut out, "", fields, more),
            None => {
                for (node, fields, more) in &c.fields {
                    field_lines(&mut out, &format!("{node}: "), fields, *more);
                }
            }
        }
    }
}

fn field_lines(out: &mut term::Out, prefix: &str, fields: &[FieldChange], more: usize) {
    for f in fields {
        out.line(&format!("    {prefix}{}", f.shown()));
    }
    if more > 0 {
        out.line(&format!("    {prefix}and {more} more fields"));
    }
}

fn print_json(changes: &[Change], outside: &[(&str, &Outside)], read: &[NodeResult<NodeJournal>]) {
    let changes: Vec<Value> = changes
        .iter()
        .map(|c| {
            let fields: serde_json::Map<String, Value> = c
                .fields
                .iter()
                .map(|(n, f, more)| (n.clone(), json!({ "fields": f, "more_fields": more })))
                .collect();
            json!({
                "change": c.change,
                "time": crate::journal::record::format_time(c.time),
                "file": c.file,
                "path": c.path,
                "user": c.user,
                "host": c.host,
                "nodes": c.nodes,
                "restores": c.restores,
                "by_node": fields,
            })
        })
        .collect();
    let outside: Vec<Value> = outside
        .iter()
        .map(|(node, o)| {
            json!({
                "node": node,
                "file": o.file,
                "path": o.path,
                "after_change": o.after_change,
                "modified": o.modified.map(when::format_utc),
            })
        })
        .collect();
    let errors: serde_json::Map<String, Value> = read
        .iter()
        .filter_map(|r| {
            r.result
                .as_ref()
                .err()
                .map(|e| (r.node.clone(), json!(e.to_string())))
        })
        .collect();
    let warnings: Vec<String> = read
        .iter()
        .filter_map(|r| r.result.as_ref().ok().map(|j| (r, j)))
        .flat_map(|(r, j)| j.warnings.iter().map(move |w| format!("{}: {w}", r.node)))
        .collect();
    term::out_json(&json!({
        "changes": changes,
        "changed_outside": outside,
        "warnings": warnings,
        "errors": errors,
    }));
}

pub async fn restore(cli: &Cli, args: &RestoreArgs, targets: &[Target]) -> Result<u8> {
    let read = read_all(cli, targets).await;
    let selector = match (args.change.as_deref(), args.to.as_deref()) {
        (_, Some(to)) => Selector::After(moment(to, "--to")?),
        (Some(prefix), None) => {
            let all = read.iter().filter_map(|r| r.result.as_ref().ok());
            let records = all.flat_map(|j| j.records.iter());
            Selector::Change(restore::resolve(prefix, records).map_err(Error::Invalid)?)
        }
        (None, None) => {
            return Err(Error::invalid(
                "give a change (see `ucsconf history`) or --to TIME",
            ));
        }
    };
    // Per node: what to put back, read and checked; nodes the change was
    // not made on drop out.
    let stamp = crate::journal::Stamp::new();
    let prepared = cluster::for_each(targets, cli.parallel, |t| {
        let journal = read.iter().find(|r| r.node == t.name()).map(|r| {
            r.result
                .as_ref()
                .map(|j| j.records.clone())
                .map_err(|e| Error::Failed(e.to_string()))
        });
        let selector = selector.clone();
        async move {
            let records = journal.unwrap_or_else(|| Ok(Vec::new()))?;
            restore::prepare_node(&*t.node, &records, &selector).await
        }
    })
    .await;
    let mut preview: Vec<NodeResult<(Vec<Prepared>, Vec<String>)>> = prepared
        .into_iter()
        .filter(|r| !matches!(&r.result, Ok((steps, left)) if steps.is_empty() && left.is_empty()))
        .collect();
    if preview.is_empty() {
        return Err(Error::invalid(match &selector {
            Selector::Change(id) => format!("change {id} touched none of the selected nodes"),
            Selector::After(_) => "no changes since then on the selected nodes".to_string(),
        }));
    }
    show_preview(&preview);
    let ready = preview
        .iter()
        .any(|r| matches!(&r.result, Ok((s, _)) if !s.is_empty()));
    if ready && !args.yes && !confirmed()? {
        errln!("nothing was written");
        return Ok(0);
    }
    let outcomes = apply_all(cli, targets, &stamp, &mut preview).await;
    Ok(finish_restore(&outcomes))
}

fn show_preview(preview: &[NodeResult<(Vec<Prepared>, Vec<String>)>]) {
    let mut out = term::Out::new();
    for r in preview {
        match &r.result {
            Ok((steps, left)) => {
                for p in steps {
                    out.line(&format!("{}: {}", r.node, p.describe()));
                    field_lines(&mut out, "", &p.fields, p.more_fields);
                }
                for note in left {
                    errln!("warning: {}: {note}", r.node);
                }
            }
            Err(e) => errln!("error: {}: {e}", r.node),
        }
    }
}

/// `Restore these files? [y/N]` at a terminal; refused without one.
fn confirmed() -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::invalid(
            "restore asks before it writes: run it at a terminal, or give --yes",
        ));
    }
    term::yes_no("Restore these files? [y/N] ")
        .map_err(|e| Error::Failed(format!("reading the answer: {e}")))
}

type Outcome = NodeResult<Vec<(String, Option<String>)>>;

async fn apply_all(
    cli: &Cli,
    targets: &[Target],
    stamp: &crate::journal::Stamp,
    preview: &mut [NodeResult<(Vec<Prepared>, Vec<String>)>],
) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    let mut work = Vec::new();
    for r in preview.iter_mut() {
        match std::mem::replace(&mut r.result, Ok((Vec::new(), Vec::new()))) {
            Ok((steps, _)) => {
                if let Some(t) = targets.iter().find(|t| t.name() == r.node) {
                    work.push((t.for_change(stamp), steps));
                }
            }
            Err(e) => outcomes.push(NodeResult {
                node: r.node.clone(),
                result: Err(e),
            }),
        }
    }
    let work_targets: Vec<Target> = work.iter().map(|(t, _)| t.clone()).collect();
    let steps: Vec<Vec<Prepared>> = work.into_iter().map(|(_, s)| s).collect();
    let done = cluster::for_each(&work_targets, cli.parallel, |t| {
        let mine = work_targets
            .iter()
            .position(|w| w.name() == t.name())
            .map(|i| steps[i].clone())
            .unwrap_or_default();
        async move { restore::apply_node(&*t.node, &t.paths, &t.stamp, &mine).await }
    })
    .await;
    outcomes.extend(done);
    outcomes
}

fn finish_restore(outcomes: &[Outcome]) -> u8 {
    let mut out = term::Out::new();
    let mut classes: Vec<Option<ErrorClass>> = Vec::new();
    for o in outcomes {
        match &o.result {
            Ok(files) => {
                classes.push(None);
                for (path, backup) in files {
                    let kept = backup
                        .as_deref()
                        .map(|b| format!(" (backup {b})"))
                        .unwrap_or_default();
                    out.line(&format!("{}: {path}: restored{kept}", o.node));
                }
            }
            Err(e) => {
                classes.push(Some(e.class()));
                errln!("error: {}: {e}", o.node);
            }
        }
    }
    let code = exit_code(&classes);
    debug_assert!(code != EXIT_PARTIAL || classes.len() > 1);
    code
}

/// `--since`/`--to`: an age or a time in this machine's local time.
fn moment(text: &str, flag: &str) -> Result<DateTime<Utc>> {
    let ms =
        when::parse(text, when::now_local()).map_err(|e| Error::invalid(format!("{flag}: {e}")))?;
    let naive = DateTime::from_timestamp_millis(ms)
        .map(|t| t.naive_utc())
        .ok_or_else(|| Error::invalid(format!("{flag}: {text:?} is out of range")))?;
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| Error::invalid(format!("{flag}: {text:?} does not exist in local time")))
}

/// `--file`: a settings file's name (not the node key's).
fn file_kind(name: &str) -> Result<FileKind> {
    let settings: Vec<FileKind> = FileKind::all()
        .into_iter()
        .filter(|k| *k != FileKind::NodeKey)
        .collect();
    settings
        .iter()
        .copied()
        .find(|k| k.name().eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            let names: Vec<&str> = settings.iter().map(|k| k.name()).collect();
            Error::invalid(format!("--file {name:?}: give one of {}", names.join(", ")))
        })
}
