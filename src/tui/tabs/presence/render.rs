//! Drawing the Presence.ini tab: the tree, the raw file, a key's detail
//! with its value on every node, and the form that adds a key.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::add::{AddForm, AddStep};
use super::{PresenceTab, Row, section_label};
use crate::ini::{Document, Entry};
use crate::tui::known::{self, ValueKind};
use crate::tui::model::Load;
use crate::tui::tabs::{RenderCx, ellipsize};
use crate::tui::widgets::{self, list};

impl PresenceTab {
    pub fn draw(&self, frame: &mut Frame, area: Rect, rcx: &RenderCx) {
        let theme = rcx.theme;
        if self.doc.is_none() {
            let text = match &self.load {
                Load::Failed(e) => Line::from(Span::styled(
                    format!(
                        " Presence.ini could not be read: {}",
                        crate::tui::sanitize(e)
                    ),
                    theme.error,
                )),
                _ => Line::from(Span::styled(" Loading Presence.ini…", theme.pending)),
            };
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), area);
            return;
        }
        if self.raw {
            self.render_raw(frame, area, rcx);
        } else {
            let [tree, detail] =
                Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                    .areas(area);
            self.render_tree(frame, tree, rcx);
            self.render_detail(frame, detail, rcx);
        }
        if let Some(form) = &self.adding {
            render_add(form, frame, area, rcx);
        }
    }

    fn render_raw(&self, frame: &mut Frame, area: Rect, rcx: &RenderCx) {
        let theme = rcx.theme;
        let text = self.doc.as_ref().map(Document::text).unwrap_or_default();
        let block = Block::default()
            .borders(Borders::TOP)
            .border_style(theme.border)
            .title(Span::styled(
                " Presence.ini (raw, with your edits) ",
                theme.title,
            ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let lines: Vec<Line> = text
            .lines()
            .enumerate()
            .skip(self.raw_scroll)
            .take(inner.height as usize)
            .map(|(i, l)| {
                Line::from(vec![
                    Span::styled(format!("{:>4} ", i + 1), theme.dim),
                    Span::styled(crate::tui::sanitize(l).into_owned(), theme.value),
                ])
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), inner);
    }

    fn render_tree(&self, frame: &mut Frame, area: Rect, rcx: &RenderCx) {
        let theme = rcx.theme;
        let block = Block::default()
            .borders(Borders::RIGHT)
            .border_style(theme.border);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [title, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        frame.render_widget(
            Line::from(Span::styled(" Sections & keys", theme.title)),
            title,
        );
        let rows = self.rows();
        let key_width = rows
            .iter()
            .filter_map(|r| match r {
                Row::Key(e) => Some(e.key.chars().count()),
                _ => None,
            })
            .max()
            .unwrap_or(0)
            .clamp(8, 28);
        let lines: Vec<Line> = rows
            .iter()
            .map(|r| self.row_line(r, key_width, rcx))
            .collect();
        let selected = Some(self.selected.min(rows.len().saturating_sub(1)));
        list::render(frame, body, lines, selected, theme);
        if let Some(editor) = &self.editor {
            let offset = list::offset(selected, body.height as usize);
            let y = body.y + (self.selected - offset) as u16;
            let x = body.x + 2 + 4 + key_width as u16 + 1;
            let width = body.right().saturating_sub(x);
            let input_width = width.min(24).max(width.min(8));
            let field = Rect::new(x, y, input_width, 1);
            frame.render_widget(Clear, field);
            editor.input.render(frame, field, theme.selection);
            if let Some(err) = &editor.error {
                let ex = x + input_width + 1;
                if ex < body.right() {
                    let area = Rect::new(ex, y, body.right() - ex, 1);
                    frame.render_widget(Clear, area);
                    frame.render_widget(
                        Line::from(Span::styled(format!("✗ {err}"), theme.error)),
                        area,
                    );
                }
            }
        }
    }

    fn row_line(&self, row: &Row, key_width: usize, rcx: &RenderCx) -> Line<'static> {
        let theme = rcx.theme;
        match row {
            Row::Section { name, folded, keys } => {
                let arrow = if *folded { "▸" } else { "▾" };
                let mut spans = vec![Span::styled(
                    format!("{arrow} {}", section_label(name.as_deref())),
                    theme.title,
                )];
                if *folded {
                    spans.push(Span::styled(format!("  {keys} keys"), theme.dim));
                }
                Line::from(spans)
            }
            Row::Key(e) => {
                let changed = self.key_changed(e.section.as_deref(), &e.key);
                let invalid = known::validate(&e.key, &e.value).is_err();
                let value_style = if changed { theme.changed } else { theme.value };
                let key = ellipsize(&e.key, key_width);
                let mut spans = vec![
                    Span::raw("    "),
                    Span::styled(format!("{key:<key_width$} "), theme.label),
                    Span::styled(crate::tui::sanitize(&e.value).into_owned(), value_style),
                ];
                if changed {
                    spans.push(Span::styled("  ●", theme.changed));
                }
                if invalid {
                    spans.push(Span::styled("  ✗ invalid", theme.error));
                }
                Line::from(spans)
            }
        }
    }

    fn render_detail(&self, frame: &mut Frame, area: Rect, rcx: &RenderCx) {
        let theme = rcx.theme;
        let inner = area.inner(ratatui::layout::Margin::new(1, 0));
        let mut lines: Vec<Line> = Vec::new();
        match self.selected_row() {
            Some(Row::Key(entry)) => {
                lines.push(Line::from(Span::styled(entry.key.clone(), theme.title)));
                match known::known_key(&entry.key) {
                    Some(k) => {
                        lines.push(Line::from(Span::styled(k.title, theme.value)));
                        lines.push(Line::from(Span::styled(k.help, theme.label)));
                        lines.push(Line::default());
                        lines.push(Line::from(vec![
                            Span::styled("Default  ", theme.label),
                            Span::styled(k.default.to_string(), theme.value),
                        ]));
                        lines.push(Line::from(vec![
                            Span::styled("Valid    ", theme.label),
                            Span::styled(valid_values(k.kind), theme.value),
                        ]));
                        lines.push(Line::from(vec![
                            Span::styled("Section  ", theme.label),
                            Span::styled(format!("[{}]", k.section), theme.value),
                        ]));
                    }
                    None => lines.push(Line::from(Span::styled(
                        "Not a key ucsconf knows: edited as plain text.",
                        theme.dim,
                    ))),
                }
                if let Some(err) = self
                    .editor
                    .as_ref()
                    .and_then(|e| e.error.clone())
                    .or_else(|| known::validate(&entry.key, &entry.value).err())
                {
                    lines.push(Line::from(Span::styled(format!("✗ {err}"), theme.error)));
                }
                lines.push(Line::default());
                lines.push(Line::from(Span::styled("On each node:", theme.label)));
                lines.extend(self.node_values(&entry, rcx));
            }
            Some(Row::Section { name, keys, .. }) => {
                lines.push(Line::from(Span::styled(
                    section_label(name.as_deref()),
                    theme.title,
                )));
                lines.push(Line::from(Span::styled(
                    format!("{keys} keys. Enter folds or unfolds; a adds a key here."),
                    theme.label,
                )));
            }
            None => lines.push(Line::from(Span::styled(
                "The file has no keys yet: press a to add one.",
                theme.dim,
            ))),
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }

    /// The selected key on every node: drift where the admin is looking.
    fn node_values(&self, entry: &Entry, rcx: &RenderCx) -> Vec<Line<'static>> {
        let theme = rcx.theme;
        let section = entry.section.as_deref();
        let width = rcx
            .peers
            .iter()
            .map(|n| n.name.chars().count())
            .max()
            .unwrap_or(0);
        let mine = entry.value.clone();
        rcx.peers
            .iter()
            .enumerate()
            .map(|(i, node)| {
                let tab = node.presence;
                let name = Span::styled(format!("  {:<width$}  ", node.name), theme.label);
                let value: Vec<Span> = match (&node.reach, &tab.load) {
                    (Load::Failed(_), _) => vec![Span::styled("unreachable", theme.bad)],
                    (_, Load::Failed(_)) => vec![Span::styled("unreadable", theme.bad)],
                    (_, Load::Loading) => vec![Span::styled("loading…", theme.pending)],
                    (_, Load::Ready(_)) => {
                        let base = tab.base_value(section, &entry.key);
                        let now = tab
                            .doc
                            .as_ref()
                            .and_then(|d| d.get(section, &entry.key))
                            .map(str::to_string);
                        let shown = |v: &Option<String>| match v {
                            Some(v) => crate::tui::sanitize(v).into_owned(),
                            None => "—".to_string(),
                        };
                        let style = if i != rcx.node && now.as_deref() != Some(mine.as_str()) {
                            theme.warning
                        } else {
                            theme.value
                        };
                        let mut spans = Vec::new();
                        if base != now {
                            spans.push(Span::styled(
                                format!("{} → {} (unsaved)", shown(&base), shown(&now)),
                                theme.changed,
                            ));
                        } else {
                            spans.push(Span::styled(shown(&now), style));
                        }
                        if i != rcx.node && now.as_deref() != Some(mine.as_str()) {
                            spans.push(Span::styled("  ≠", theme.warning));
                        }
                        spans
                    }
                };
                let mut all = vec![name];
                all.extend(value);
                Line::from(all)
            })
            .collect()
    }
}

fn valid_values(kind: ValueKind) -> String {
    match kind {
        ValueKind::Bool01 => "0 (off) or 1 (on); Enter toggles".to_string(),
        ValueKind::Integer { min, max } => format!("a whole number from {min} to {max}"),
        ValueKind::Choice(options) => format!("one of {}", options.join(", ")),
        ValueKind::Text => "any text".to_string(),
    }
}

fn render_add(form: &AddForm, frame: &mut Frame, area: Rect, rcx: &RenderCx) {
    let theme = rcx.theme;
    let rect = widgets::centered(area, 64.min(area.width), 9);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.title)
        .style(theme.dialog)
        .title(Span::styled(" Add a key ", theme.title));
    let inner = block.inner(rect).inner(ratatui::layout::Margin::new(1, 0));
    frame.render_widget(block, rect);
    let steps = [
        (AddStep::Section, "Section", form.section.as_str()),
        (AddStep::Key, "Key", form.key.as_str()),
        (AddStep::Value, "Value", ""),
    ];
    let order = |s: AddStep| steps.iter().position(|(x, _, _)| *x == s).unwrap_or(0);
    for (i, (step, name, value)) in steps.iter().enumerate() {
        let y = inner.y + i as u16;
        if y >= inner.bottom() {
            break;
        }
        let label_area = Rect::new(inner.x, y, 10.min(inner.width), 1);
        let focused = *step == form.step;
        let label_style = if focused { theme.marker } else { theme.label };
        let marker = if focused { "› " } else { "  " };
        frame.render_widget(
            Line::from(Span::styled(format!("{marker}{name}"), label_style)),
            label_area,
        );
        let field = Rect::new(inner.x + 10, y, inner.width.saturating_sub(10), 1);
        if focused {
            form.input.render(frame, field, theme.selection);
        } else if order(*step) < order(form.step) {
            frame.render_widget(
                Line::from(Span::styled(value.to_string(), theme.value)),
                field,
            );
        }
    }
    let mut lines = Vec::new();
    if let Some(err) = &form.error {
        lines.push(Line::from(Span::styled(format!("✗ {err}"), theme.error)));
    } else if form.step == AddStep::Key {
        lines.push(Line::from(Span::styled(
            "A known key may leave the section empty: its own is used.",
            theme.dim,
        )));
    }
    lines.push(Line::from(Span::styled(
        "Enter next · Esc cancel · saved with Ctrl-S",
        theme.dim,
    )));
    let y = inner.y + 4;
    if y < inner.bottom() {
        let rest = Rect::new(inner.x, y, inner.width, inner.bottom() - y);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rest);
    }
}
