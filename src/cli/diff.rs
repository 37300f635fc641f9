//! `diff`: every setting that differs between the selected nodes.

use serde_json::{Map, Value, json};

use super::args::Cli;
use super::output::EXIT_PARTIAL;
use super::term::{self, errln};
use crate::cluster::{self, Cell, DriftRow};
use crate::ops::Target;
use crate::text::escape_untrusted;

/// Exit code when the nodes differ.
const EXIT_DRIFT: u8 = 1;

pub async fn run(cli: &Cli, targets: &[Target]) -> u8 {
    let settings: Vec<_> = cluster::for_each(targets, cli.parallel, |t| async move {
        cluster::collect(&t).await
    })
    .await
    .into_iter()
    .map(|r| cluster::NodeResult {
        result: r.result.map_err(|e| super::ssh::hinted(cli, &r.node, e)),
        node: r.node,
    })
    .collect();
    let rows = cluster::drift(&settings);
    let names: Vec<&str> = settings.iter().map(|s| s.node.as_str()).collect();
    let mut failed = 0;
    for s in &settings {
        if let Err(e) = &s.result {
            errln!("error: {}: {e}", s.node);
            failed += 1;
        }
    }
    if targets.len() < 2 {
        errln!("warning: only one node selected: nothing to compare");
    }
    if cli.json {
        print_json(&names, &rows, &settings);
    } else {
        print_table(&names, &rows);
    }
    if failed > 0 {
        EXIT_PARTIAL
    } else if rows.is_empty() {
        0
    } else {
        EXIT_DRIFT
    }
}

fn print_table(names: &[&str], rows: &[DriftRow]) {
    let mut out = term::Out::new();
    if rows.is_empty() {
        out.line(&format!("all {} nodes agree", names.len()));
        return;
    }
    // Escaped before the columns are measured, so they stay aligned.
    let shown = |text: &str| escape_untrusted(text).into_owned();
    let names: Vec<String> = names.iter().map(|n| shown(n)).collect();
    let rows: Vec<(String, Vec<String>)> = rows
        .iter()
        .map(|r| {
            (
                shown(&r.setting),
                r.cells.iter().map(|c| shown(&c.shown())).collect(),
            )
        })
        .collect();
    let first = rows
        .iter()
        .map(|(setting, _)| setting.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    let widths: Vec<usize> = (0..names.len())
        .map(|i| {
            rows.iter()
                .map(|(_, cells)| cells[i].chars().count())
                .chain([names[i].chars().count()])
                .max()
                .unwrap_or(0)
                .min(40)
        })
        .collect();
    let mut header = format!("{:<first$}", "Setting");
    for (name, w) in names.iter().zip(&widths) {
        header.push_str(&format!("  {name:<w$}"));
    }
    out.line(header.trim_end());
    for (setting, cells) in &rows {
        let mut line = format!("{setting:<first$}");
        for (cell, w) in cells.iter().zip(&widths) {
            line.push_str(&format!("  {cell:<w$}"));
        }
        out.line(line.trim_end());
    }
}

fn print_json(
    names: &[&str],
    rows: &[DriftRow],
    settings: &[cluster::NodeResult<cluster::NodeSettings>],
) {
    let drift: Vec<Value> = rows
        .iter()
        .map(|r| {
            let values: Map<String, Value> = names
                .iter()
                .zip(&r.cells)
                .map(|(n, c)| {
                    let v = match c {
                        Cell::Absent => Value::Null,
                        other => json!(other.shown()),
                    };
                    (n.to_string(), v)
                })
                .collect();
            json!({ "setting": r.setting, "values": values })
        })
        .collect();
    let errors: Map<String, Value> = settings
        .iter()
        .filter_map(|s| {
            s.result
                .as_ref()
                .err()
                .map(|e| (s.node.clone(), json!(e.to_string())))
        })
        .collect();
    let doc = json!({ "nodes": names, "drift": drift, "errors": errors });
    term::out_json(&doc);
}
