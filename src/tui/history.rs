//! The History overlay (`h`): the journal's changes on the nodes, newest
//! first, with their field diffs. Enter previews restoring the selected
//! change on the nodes it was made on; a yes writes it, with a result per
//! node the way apply-to-all reports.

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::action::{Action, ApplyOutcome, Dialog, Effect, FileKind as TabFile, NodePlan};
use super::model::{HistoryView, PendingRestore, ResultsView, StatusKind};
use super::theme::Theme;
use super::widgets;
use crate::Error;
use crate::cluster::{self, DEFAULT_PARALLEL};
use crate::error_class::ErrorClass;
use crate::journal::FileKind;
use crate::journal::history::{self, Filter, local_time};
use crate::journal::restore::{self, Prepared, Selector};
use crate::ops::Target;
use crate::tui::sanitize;

/// The preview of a restore: a dialog naming what each node gets back
/// (`names`: the nodes' names by index), and what a yes writes. Errors:
/// nothing on any node can be restored, in words.
pub fn preview(
    names: &[&str],
    change: String,
    plans: Vec<NodePlan>,
) -> Result<(Dialog, PendingRestore), String> {
    let mut body = Vec::new();
    let mut ready = Vec::new();
    for (node, plan) in plans {
        let name = names.get(node).copied().unwrap_or("?");
        match plan {
            Ok((steps, left)) => {
                for p in &steps {
                    body.push(format!("{name}: {}", p.describe()));
                    for f in &p.fields {
                        body.push(format!("    {}", f.shown()));
                    }
                    if p.more_fields > 0 {
                        body.push(format!("    and {} more fields", p.more_fields));
                    }
                }
                body.extend(left.iter().map(|note| format!("⚠ {name}: {note}")));
                if !steps.is_empty() {
                    ready.push((node, steps));
                }
            }
            Err(e) => body.push(format!("✗ {name}: {e}")),
        }
    }
    if ready.is_empty() {
        return Err(format!(
            "Change {change}: nothing to restore. {}",
            body.join("; ")
        ));
    }
    body.push(String::new());
    body.push("Each node is checked and written on its own: one whose file changed since is refused and left as it is.".into());
    let dialog = Dialog::confirm(
        format!("Restore change {change} on {} node(s)?", ready.len()),
        body,
        "Restore",
        Action::RestoreConfirmed,
    );
    Ok((
        dialog,
        PendingRestore {
            change,
            nodes: ready,
        },
    ))
}

/// The results overlay of a restore, while it is written.
pub fn results_view(change: &str) -> ResultsView {
    ResultsView {
        title: format!("Restore change {change}"),
        pending: true,
        rows: Vec::new(),
        scroll: 0,
    }
}

/// The files each node reloads after a restore of `kinds`.
pub fn reloads(kinds: Vec<FileKind>, nodes: usize) -> Vec<Effect> {
    kinds
        .into_iter()
        .filter_map(tab_file)
        .flat_map(|file| (0..nodes).map(move |node| Effect::LoadFile { node, file }))
        .collect()
}

/// The status after a restore.
pub fn outcome(results: &[(String, ApplyOutcome)]) -> (StatusKind, String) {
    let failed = results
        .iter()
        .filter(|(_, r)| matches!(r, ApplyOutcome::Conflict(_) | ApplyOutcome::Error(_)))
        .count();
    match failed {
        0 => (StatusKind::Ok, "✓ Restored".to_string()),
        n => (StatusKind::Error, format!("Not restored on {n} node(s)")),
    }
}

/// The tab's file for a journal's kind (the node key has none).
fn tab_file(kind: FileKind) -> Option<TabFile> {
    match kind {
        FileKind::Presence => Some(TabFile::Presence),
        FileKind::Form(f) => Some(TabFile::Form(f)),
        FileKind::Credentials => Some(TabFile::Credentials),
        FileKind::NodeKey => None,
    }
}

pub fn render(frame: &mut Frame, view: &HistoryView, theme: &Theme) {
    let scope = match &view.node {
        Some(n) => format!("{} only", sanitize(n)),
        None => "every node".to_string(),
    };
    let title = format!(" History: what ucsconf changed, newest first ({scope}) ");
    let inner = widgets::full_overlay(frame, &title, theme);

    let mut head: Vec<Line> = Vec::new();
    for p in &view.problems {
        head.push(Line::from(Span::styled(
            format!("✗ {}", sanitize(p)),
            theme.bad,
        )));
    }
    for (node, o) in &view.outside {
        if view.node.as_ref().is_some_and(|n| n != node) {
            continue;
        }
        head.push(Line::from(Span::styled(
            format!(
                "⚠ {}: {}: changed outside ucsconf (after change {})",
                sanitize(node),
                sanitize(&o.path),
                sanitize(&o.after_change)
            ),
            theme.warning,
        )));
    }
    let shown = view.shown();
    if view.loading {
        head.push(Line::from(Span::styled(
            "Reading every node's journal…",
            theme.pending,
        )));
    } else if shown.is_empty() {
        head.push(Line::from(Span::styled(
            "No changes in the journal.",
            theme.dim,
        )));
    }

    // Each change: its line, then its fields; the selected one kept in view.
    let mut body: Vec<Line> = Vec::new();
    let mut selected_at = 0;
    for (i, c) in shown.iter().enumerate() {
        let selected = i == view.selected;
        if selected {
            selected_at = body.len();
        }
        let restores = c
            .restores
            .as_deref()
            .map(|r| format!(" (restores {})", sanitize(r)))
            .unwrap_or_default();
        let line = format!(
            "{} {}  {}  {:<12} {}@{}  on {}{restores}",
            if selected { "›" } else { " " },
            local_time(c.time),
            sanitize(&c.change),
            sanitize(&c.file),
            sanitize(&c.user),
            sanitize(&c.host),
            sanitize(&c.nodes.join(", "))
        );
        let style = if selected {
            theme.selection
        } else {
            theme.value
        };
        body.push(Line::from(Span::styled(line, style)));
        let fields: Vec<(String, &[crate::journal::FieldChange], usize)> = match c.same_fields() {
            Some((f, more)) => vec![(String::new(), f, more)],
            None => c
                .fields
                .iter()
                .map(|(n, f, more)| (format!("{}: ", sanitize(n)), f.as_slice(), *more))
                .collect(),
        };
        for (prefix, fields, more) in fields {
            for f in fields {
                body.push(Line::from(Span::styled(
                    format!("      {prefix}{}", sanitize(&f.shown())),
                    theme.label,
                )));
            }
            if more > 0 {
                body.push(Line::from(Span::styled(
                    format!("      {prefix}and {more} more fields"),
                    theme.dim,
                )));
            }
        }
    }
    let footer = Line::from(Span::styled(
        "↑/↓ select  Enter restore this change (preview first)  c this node / every node  Esc close",
        theme.hint_text,
    ));
    let room = (inner.height as usize).saturating_sub(head.len() + 2);
    let skip = (selected_at + 3).saturating_sub(room).min(selected_at);
    let mut lines = head;
    lines.extend(body.into_iter().skip(skip).take(room));
    let fill = (inner.height as usize).saturating_sub(lines.len() + 1);
    lines.extend(std::iter::repeat_n(Line::default(), fill));
    lines.push(footer);
    frame.render_widget(Paragraph::new(lines), inner);
}

// --- The reads and writes, run in the background ------------------------------

/// Every node's journal, merged: [`Action::History`].
pub async fn read(targets: &[Target]) -> Action {
    let read = cluster::for_each(targets, DEFAULT_PARALLEL, |t| async move {
        history::read(&*t.node, &t.paths).await.map_err(Error::from)
    })
    .await;
    let mut problems = Vec::new();
    let mut journals = Vec::new();
    for r in read {
        match r.result {
            Ok(j) => {
                problems.extend(j.warnings.iter().map(|w| format!("{}: {w}", r.node)));
                journals.push((r.node, j));
            }
            Err(e) => problems.push(format!("{}: {e}", r.node)),
        }
    }
    let changes = history::merge(
        journals
            .iter()
            .map(|(n, j)| (n.as_str(), j.records.as_slice())),
        Filter::default(),
    );
    let outside = journals
        .iter()
        .flat_map(|(n, j)| j.outside.iter().map(move |o| (n.clone(), o.clone())))
        .collect();
    Action::History {
        changes,
        outside,
        problems,
    }
}

/// What restoring `change` writes on each node it was made on, read fresh
/// and checked: [`Action::RestorePrepared`].
pub async fn prepare(targets: &[Target], change: String) -> Action {
    let selector = Selector::Change(change.clone());
    let plans = cluster::for_each(targets, DEFAULT_PARALLEL, |t| {
        let selector = selector.clone();
        async move {
            let journal = history::read(&*t.node, &t.paths).await?;
            restore::prepare_node(&*t.node, &journal.records, &selector).await
        }
    })
    .await;
    let plans = plans
        .into_iter()
        .enumerate()
        .map(|(i, r)| (i, r.result.map_err(|e| e.to_string())))
        // Nodes the change was not made on drop out.
        .filter(|(_, r)| !matches!(r, Ok((steps, left)) if steps.is_empty() && left.is_empty()))
        .collect();
    Action::RestorePrepared { change, plans }
}

/// Writes a confirmed restore on each of its nodes (`targets` carry the
/// restore's own change): [`Action::Restored`].
pub async fn apply(targets: &[Target], nodes: Vec<(usize, Vec<Prepared>)>) -> Action {
    let mut kinds: Vec<FileKind> = Vec::new();
    for (_, steps) in &nodes {
        for p in steps {
            if !kinds.contains(&p.step.kind) {
                kinds.push(p.step.kind);
            }
        }
    }
    let work: Vec<Target> = nodes
        .iter()
        .filter_map(|(i, _)| targets.get(*i).cloned())
        .collect();
    let done = cluster::for_each(&work, DEFAULT_PARALLEL, |t| {
        let steps = nodes
            .iter()
            .find(|(i, _)| targets.get(*i).is_some_and(|x| x.name() == t.name()))
            .map(|(_, s)| s.clone())
            .unwrap_or_default();
        async move { restore::apply_node(&*t.node, &t.paths, &t.stamp, &steps).await }
    })
    .await;
    let results = done
        .into_iter()
        .map(|r| {
            let outcome = match r.result {
                Ok(files) if files.iter().all(|(_, b)| b.is_none()) => ApplyOutcome::Unchanged,
                Ok(files) => ApplyOutcome::Done {
                    backup: files.into_iter().find_map(|(_, b)| b),
                    warnings: Vec::new(),
                },
                Err(e) if e.class() == ErrorClass::Conflict => {
                    ApplyOutcome::Conflict(e.to_string())
                }
                Err(e) => ApplyOutcome::Error(e.to_string()),
            };
            (r.node, outcome)
        })
        .collect();
    Action::Restored { results, kinds }
}
