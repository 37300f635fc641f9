//! Drawing: a pure function of the state. The frame (header with the node
//! and its transport, dirty marker and node strip; tab bar; body; status
//! line; hint line) and the overlays on top.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::action::{ApplyOutcome, TabId};
use super::keymap;
use super::state::{
    ChoiceList, DoctorView, DriftView, Load, Modal, ResultsView, State, StatusKind,
};
use super::tabs::{Peer, RenderCx, ellipsize};
use super::theme::Theme;
use super::widgets::{self, list, overlay_block};
use crate::cluster::Cell;
use crate::doctor::{self, Finding, Severity};

/// Below this size only a "terminal too small" notice is drawn.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

pub fn render(frame: &mut Frame, state: &State, theme: &Theme) {
    let area = frame.area();
    frame.render_widget(Block::default().style(theme.base), area);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return too_small(frame, area, theme);
    }
    let [header, tabs, body, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_header(frame, header, state, theme);
    render_tabs(frame, tabs, state, theme);
    render_body(frame, body, state, theme);
    render_status(frame, status, state, theme);
    render_hints(frame, hints, state, theme);
    match &state.modal {
        Some(Modal::Dialog(d)) => d.render(frame, theme),
        Some(Modal::Help { scroll }) => render_help(frame, *scroll, theme),
        Some(Modal::Drift(view)) => render_drift(frame, view, state, theme),
        Some(Modal::Doctor(view)) => render_doctor(frame, view, theme),
        Some(Modal::Results(view)) => render_results(frame, view, theme),
        Some(Modal::Choice(list)) => render_choice(frame, list, theme),
        Some(Modal::History(view)) => super::history::render(frame, view, theme),
        None => {}
    }
    if let Some(prompt) = state.prompts.front() {
        prompt.render(frame, theme);
    }
    scrub(frame.buffer_mut());
}

/// The last guard, under the escaping each screen does: ratatui drops
/// control characters, but not the bidi controls, so a cell holding one
/// that a drawing path let through shows U+FFFD instead.
fn scrub(buffer: &mut ratatui::buffer::Buffer) {
    for cell in &mut buffer.content {
        if cell.symbol().chars().any(crate::text::is_escaped) {
            cell.set_symbol("\u{fffd}");
        }
    }
}

fn too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let lines = vec![
        Line::from(Span::styled("Terminal too small", theme.title)),
        Line::from(Span::styled(
            format!(
                "{}x{} here; ucsconf needs at least {MIN_WIDTH}x{MIN_HEIGHT}.",
                area.width, area.height
            ),
            theme.label,
        )),
        Line::from(Span::styled(
            "Enlarge the window, or press q to quit.",
            theme.dim,
        )),
    ];
    let y = area.y + area.height.saturating_sub(3) / 2;
    let rect = Rect::new(area.x, y, area.width, area.height.min(3));
    frame.render_widget(
        Paragraph::new(lines).centered().wrap(Wrap { trim: true }),
        rect,
    );
}

fn render_header(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    frame.render_widget(Block::default().style(theme.header), area);
    let mut strip: Vec<Span> = vec![Span::styled("nodes:", theme.header_dim)];
    for (i, node) in state.nodes.iter().enumerate() {
        let (mark, style) = match node.reach {
            Load::Ready(()) => ("✓", theme.ok.patch(theme.header)),
            Load::Failed(_) => ("✗", theme.bad.patch(theme.header)),
            Load::Loading => ("connecting…", theme.header_dim),
        };
        let name_style = if i == state.current {
            theme
                .header
                .add_modifier(ratatui::style::Modifier::UNDERLINED)
        } else {
            theme.header_dim
        };
        strip.push(Span::raw(" "));
        strip.push(Span::styled(node.name.clone(), name_style));
        strip.push(Span::styled(
            format!(" {mark}"),
            style.bg(theme.header.bg.unwrap_or_default()),
        ));
    }
    strip.push(Span::raw(" "));
    let strip = Line::from(strip);
    let strip_width = strip.width() as u16;

    let mut left: Vec<Span> = vec![Span::styled(" ucsconf ", theme.header)];
    if let Some(title) = &state.title {
        left.push(Span::styled(format!("[{title}] "), theme.header_dim));
    }
    let unsaved = state.unsaved();
    let dirty = if unsaved > 0 {
        format!("  ● {unsaved} unsaved  ")
    } else {
        String::new()
    };
    if let Some(node) = state.nodes.get(state.current) {
        left.push(Span::styled(format!(" {}", node.name), theme.header));
        let used: usize = left.iter().map(|s| s.width()).sum::<usize>() + dirty.chars().count();
        let mut room = (area.width as usize)
            .saturating_sub(strip_width as usize + 1)
            .saturating_sub(used);
        for part in [node.transport.as_str(), node.root.as_str()] {
            if room < 8 {
                break;
            }
            let text = ellipsize(&crate::tui::sanitize(part), room - 3);
            room = room.saturating_sub(text.chars().count() + 3);
            left.push(Span::styled(format!(" · {text}"), theme.header_dim));
        }
    }
    if unsaved > 0 {
        left.push(Span::styled(dirty, theme.dirty));
    }
    frame.render_widget(Line::from(left), area);
    if strip_width < area.width {
        let x = area.right() - strip_width;
        frame.render_widget(strip, Rect::new(x, area.y, strip_width, 1));
    }
}

fn render_tabs(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    for &tab in TabId::all() {
        let active = tab == state.tab;
        let dirty = state
            .nodes
            .get(state.current)
            .is_some_and(|n| n.tab_dirty(tab));
        let text = format!(
            " {} {}{} ",
            tab.index() + 1,
            tab.title(),
            if dirty { " ●" } else { "" }
        );
        spans.push(Span::styled(
            text,
            if active { theme.tab_active } else { theme.tab },
        ));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Line::from(spans), area);
    frame.render_widget(
        Line::from(vec![
            Span::styled("?", theme.hint_key),
            Span::styled(" help ", theme.hint_text),
        ])
        .right_aligned(),
        area,
    );
}

fn render_body(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::TOP | Borders::BOTTOM)
        .border_style(theme.border);
    let mut inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(node) = state.nodes.get(state.current) else {
        frame.render_widget(
            Line::from(Span::styled(" No nodes selected.", theme.dim)),
            inner,
        );
        return;
    };
    if let Load::Failed(err) = &node.reach {
        let line = Line::from(vec![
            Span::styled(format!(" ✗ {} unreachable: ", node.name), theme.bad),
            Span::styled(crate::tui::sanitize(err).into_owned(), theme.error),
            Span::styled("  (R retries)", theme.dim),
        ]);
        // The whole error, on up to four rows.
        let rows = (line.width().div_ceil(inner.width.max(1) as usize) as u16)
            .clamp(1, 4)
            .min(inner.height);
        frame.render_widget(
            Paragraph::new(line).wrap(Wrap { trim: false }),
            Rect::new(inner.x, inner.y, inner.width, rows),
        );
        inner.y += rows;
        inner.height = inner.height.saturating_sub(rows);
    }
    let rcx = RenderCx {
        theme,
        peers: state
            .nodes
            .iter()
            .map(|n| Peer {
                name: &n.name,
                reach: &n.reach,
                presence: &n.presence,
                logs: &n.logs,
            })
            .collect(),
        node: state.current,
    };
    state.shown_tab().render(frame, inner, &rcx);
}

fn render_status(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    if let Some(status) = &state.status {
        let style = match status.kind {
            StatusKind::Info => theme.status_info,
            StatusKind::Ok => theme.status_ok,
            StatusKind::Error => theme.status_error,
        };
        let text = format!(" {}", crate::tui::sanitize(&status.text));
        frame.render_widget(Line::from(Span::styled(text, style)), area);
    }
}

fn render_hints(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mut hints = keymap::hints(&state.layers());
    let width = |h: &(String, &str)| h.0.chars().count() + h.1.chars().count() + 3;
    // The last two (help and quit, or their dialog counterparts) always show.
    let keep = 2.min(hints.len());
    while hints.iter().map(width).sum::<usize>() + 1 > area.width as usize && hints.len() > keep {
        hints.remove(hints.len() - keep - 1);
    }
    let mut spans = vec![Span::raw(" ")];
    for (keys, text) in hints {
        spans.push(Span::styled(keys, theme.hint_key));
        spans.push(Span::styled(format!(" {text}  "), theme.hint_text));
    }
    frame.render_widget(Line::from(spans), area);
}

fn render_help(frame: &mut Frame, scroll: usize, theme: &Theme) {
    let area = frame.area();
    let rect = widgets::centered(
        area,
        area.width.saturating_sub(4).min(84),
        area.height.saturating_sub(2),
    );
    let inner = widgets::overlay(frame, rect, " Keys (Esc closes) ", theme);
    let lines: Vec<Line> = keymap::help_lines()
        .into_iter()
        .skip(scroll)
        .take(inner.height as usize)
        .map(|(keys, desc)| {
            if keys.is_empty() {
                Line::from(Span::styled(desc, theme.title))
            } else {
                Line::from(vec![
                    Span::styled(format!("  {keys:<18}"), theme.hint_key),
                    Span::styled(desc, theme.value),
                ])
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Value(_) => crate::tui::sanitize(&cell.shown()).into_owned(),
        Cell::Absent => "—".to_string(),
        Cell::Unreachable => "unreachable".to_string(),
    }
}

fn render_drift(frame: &mut Frame, view: &DriftView, state: &State, theme: &Theme) {
    let inner = widgets::full_overlay(
        frame,
        " Drift: saved settings that differ between nodes ",
        theme,
    );
    let mut lines: Vec<Line> = Vec::new();
    if view.loading {
        lines.push(Line::from(Span::styled(
            "Reading every node…",
            theme.pending,
        )));
    } else {
        let names: Vec<&str> = state.nodes.iter().map(|n| n.name.as_str()).collect();
        let setting_width = view
            .rows
            .iter()
            .map(|r| crate::tui::sanitize(&r.setting).chars().count() + 2)
            .max()
            .unwrap_or(20)
            .clamp(20, 56)
            .min(inner.width as usize / 2);
        let col = ((inner.width as usize).saturating_sub(setting_width) / names.len().max(1))
            .clamp(10, 40);
        let mut head = vec![Span::styled(
            format!("{:<setting_width$}", "Setting"),
            theme.title,
        )];
        for name in &names {
            head.push(Span::styled(
                format!("{:<col$}", ellipsize(name, col - 1)),
                theme.title,
            ));
        }
        lines.push(Line::from(head));
        if view.rows.is_empty() {
            lines.push(Line::from(Span::styled(
                "✓ Every reachable node has the same settings.",
                theme.ok,
            )));
        }
        for row in view.rows.iter().skip(view.scroll) {
            let reference = row.cells.iter().find(|c| !matches!(c, Cell::Unreachable));
            let mut spans = vec![Span::styled(
                format!(
                    "{:<setting_width$}",
                    ellipsize(&crate::tui::sanitize(&row.setting), setting_width - 1)
                ),
                theme.label,
            )];
            for cell in &row.cells {
                let differs = !matches!(cell, Cell::Unreachable) && Some(cell) != reference;
                let text = ellipsize(&cell_text(cell), col - 4);
                let style = match cell {
                    Cell::Unreachable => theme.bad,
                    _ if differs => theme.warning,
                    _ => theme.value,
                };
                let mark = if differs { " ≠" } else { "" };
                spans.push(Span::styled(
                    format!("{:<col$}", format!("{text}{mark}")),
                    style,
                ));
            }
            lines.push(Line::from(spans));
        }
        for (node, error) in &view.errors {
            lines.push(Line::from(Span::styled(
                format!("✗ {node}: {}", crate::tui::sanitize(error)),
                theme.bad,
            )));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `text` broken at spaces into lines of at most `width` columns (a longer
/// word is cut), the first after `first`, the others after `rest`.
fn wrapped(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    let mut lines = vec![first.to_string()];
    let mut used = first.width();
    let mut fresh = true;
    for word in text.split_whitespace() {
        let w = word.width();
        if !fresh && used + 1 + w > width {
            lines.push(rest.to_string());
            used = rest.width();
            fresh = true;
        }
        let line = lines.last_mut().expect("never empty");
        if !fresh {
            line.push(' ');
            used += 1;
        }
        let room = width.saturating_sub(used).max(1);
        let cut = if w > room {
            ellipsize(word, room)
        } else {
            word.to_string()
        };
        used += cut.width();
        line.push_str(&cut);
        fresh = false;
    }
    lines
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A node's line: its worst mark, its name and what was found, counted.
fn doctor_node_line(
    name: &str,
    findings: &[Finding],
    name_width: usize,
    theme: &Theme,
) -> Line<'static> {
    let problems = findings
        .iter()
        .filter(|f| f.severity == Severity::Problem)
        .count();
    let warnings = findings.len() - problems;
    let (mark, style) = match (problems, warnings) {
        (0, 0) => ("✓", theme.ok),
        (0, _) => ("!", theme.warning),
        _ => ("✗", theme.bad),
    };
    let counts = match (problems, warnings) {
        (0, 0) => "nothing wrong".to_string(),
        (0, w) => plural(w, "warning"),
        (p, 0) => plural(p, "problem"),
        (p, w) => format!("{}, {}", plural(p, "problem"), plural(w, "warning")),
    };
    Line::from(vec![
        Span::styled(format!("{mark} "), style),
        Span::styled(
            format!("{:<name_width$}", ellipsize(name, name_width)),
            theme.label,
        ),
        Span::styled(format!("  {counts}"), style),
    ])
}

fn doctor_lines(view: &DoctorView, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let name_width = view
        .nodes
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(4, (width / 3).max(4));
    let mut lines = Vec::new();
    for (name, findings) in &view.nodes {
        lines.push(doctor_node_line(name, findings, name_width, theme));
        for f in findings {
            let (mark, style) = match f.severity {
                Severity::Problem => ("    ✗ ", theme.bad),
                Severity::Warning => ("    ! ", theme.warning),
            };
            for text in wrapped(&crate::tui::sanitize(&f.what), width, mark, "      ") {
                lines.push(Line::from(Span::styled(text, style)));
            }
            for text in wrapped(
                &crate::tui::sanitize(&crate::tui::remedy::editor_text(&f.fix)),
                width,
                "      fix: ",
                "           ",
            ) {
                lines.push(Line::from(Span::styled(text, theme.dim)));
            }
        }
    }
    lines
}

fn render_doctor(frame: &mut Frame, view: &DoctorView, theme: &Theme) {
    let inner = widgets::full_overlay(
        frame,
        " Health: what is wrong on each node, and how to fix it ",
        theme,
    );
    if view.loading {
        let checking = Span::styled("Checking every node…", theme.pending);
        return frame.render_widget(Paragraph::new(Line::from(checking)), inner);
    }
    let [summary, body] =
        Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(inner);
    let healthy = view
        .nodes
        .iter()
        .filter(|(_, f)| doctor::healthy(f))
        .count();
    let text = format!(
        "{healthy} of {} without problems",
        plural(view.nodes.len(), "node")
    );
    let style = if healthy == view.nodes.len() {
        theme.ok
    } else {
        theme.bad
    };
    frame.render_widget(Paragraph::new(Span::styled(text, style)), summary);
    let lines = doctor_lines(view, body.width as usize, theme);
    // The last page stays full however far the keys scrolled.
    let skip = view
        .scroll
        .min(lines.len().saturating_sub(body.height as usize));
    let shown: Vec<Line> = lines.into_iter().skip(skip).collect();
    frame.render_widget(Paragraph::new(shown), body);
}

fn outcome_spans(outcome: &ApplyOutcome, theme: &Theme) -> Vec<Span<'static>> {
    match outcome {
        ApplyOutcome::Done { backup, .. } => {
            let mut text = "✓ done".to_string();
            if let Some(b) = backup {
                let name = b.rsplit(['/', '\\']).next().unwrap_or(b);
                text.push_str(&format!(" (backup {name})"));
            }
            vec![Span::styled(text, theme.ok)]
        }
        ApplyOutcome::Unchanged => vec![Span::styled("= unchanged (already set)", theme.dim)],
        ApplyOutcome::Conflict(m) => vec![Span::styled(
            format!("✗ conflict: {}", crate::tui::sanitize(m)),
            theme.warning,
        )],
        ApplyOutcome::Error(m) => vec![Span::styled(
            format!("✗ error: {}", crate::tui::sanitize(m)),
            theme.error,
        )],
    }
}

fn render_results(frame: &mut Frame, view: &ResultsView, theme: &Theme) {
    let area = frame.area();
    let warnings: usize = view
        .rows
        .iter()
        .map(|(_, o)| match o {
            ApplyOutcome::Done { warnings, .. } => warnings.len(),
            _ => 0,
        })
        .sum();
    let height = ((view.rows.len() + warnings) as u16 + 5).min(area.height.saturating_sub(2));
    let rect = widgets::centered(area, area.width.saturating_sub(6).min(100), height.max(7));
    let inner = widgets::overlay(frame, rect, &format!(" {} ", view.title), theme);
    let mut lines: Vec<Line> = Vec::new();
    if view.pending {
        lines.push(Line::from(Span::styled(
            "Writing on each node…",
            theme.pending,
        )));
    }
    let width = view
        .rows
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0);
    for (node, outcome) in view.rows.iter().skip(view.scroll) {
        let mut spans = vec![Span::styled(format!("{node:<width$}  "), theme.label)];
        spans.extend(outcome_spans(outcome, theme));
        lines.push(Line::from(spans));
        if let ApplyOutcome::Done { warnings, .. } = outcome {
            for w in warnings {
                lines.push(Line::from(Span::styled(
                    format!("{:width$}  ⚠ {w}", ""),
                    theme.warning,
                )));
            }
        }
    }
    if !view.pending {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled("Esc closes", theme.dim)));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn render_choice(frame: &mut Frame, choice: &ChoiceList, theme: &Theme) {
    let area = frame.area();
    // Escaped before measuring: the names come from the node.
    let shown = |text: &str| crate::tui::sanitize(text).into_owned();
    let options: Vec<String> = choice.options.iter().map(|o| shown(o)).collect();
    let title = format!(" {} ", shown(&choice.title));
    let width = options
        .iter()
        .map(|o| o.chars().count())
        .max()
        .unwrap_or(10)
        .max(title.chars().count()) as u16
        + 6;
    let rect = widgets::centered(area, width, choice.options.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    let block = overlay_block(&title, theme);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let rows = options
        .into_iter()
        .map(|o| Line::from(Span::styled(o, theme.value)))
        .collect();
    list::render(frame, inner, rows, Some(choice.selected), theme);
}
