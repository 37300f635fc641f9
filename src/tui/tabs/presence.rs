//! Presence.ini: sections and keys, known keys explained with their value on
//! every node, edit in place, add, delete, raw view, diff before save.
//!
//! Edits are kept as a list replayed onto the file as read: after a reload
//! (a save, an "apply to all", a conflict) the edits still pending survive,
//! and those the file now has vanish.

use std::collections::HashSet;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{RenderCx, after_save, ellipsize, load_overwrite_base, reload};
use crate::ini::{Document, Entry};
use crate::ops::{Change, LoadedIni};
use crate::tui::action::Dialog;
use crate::tui::action::{Action, Effect, FileKind, PresenceAction};
use crate::tui::known::{self, ValueKind};
use crate::tui::model::{ChoiceList, Cx, Load, Modal, PickTarget};
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::{self, diff, list};

/// One edit the admin made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    Set {
        section: Option<String>,
        key: String,
        value: String,
    },
    Unset {
        section: Option<String>,
        key: String,
    },
}

impl Edit {
    fn apply(&self, doc: &mut Document) -> Result<bool, String> {
        match self {
            Edit::Set {
                section,
                key,
                value,
            } => doc
                .set(section.as_deref(), key, value)
                .map_err(|e| e.to_string()),
            Edit::Unset { section, key } => Ok(doc.unset(section.as_deref(), key)),
        }
    }

    fn describe(&self) -> String {
        match self {
            Edit::Set {
                section,
                key,
                value,
            } => format!("Set {} {key} = {value}", section_label(section.as_deref())),
            Edit::Unset { section, key } => {
                format!("Delete {} {key}", section_label(section.as_deref()))
            }
        }
    }

    fn to_change(&self) -> Change {
        match self.clone() {
            Edit::Set {
                section,
                key,
                value,
            } => Change::PresenceSet {
                section,
                key,
                value,
            },
            Edit::Unset { section, key } => Change::PresenceUnset { section, key },
        }
    }
}

pub fn section_label(section: Option<&str>) -> String {
    match section {
        Some(s) => format!("[{s}]"),
        None => "(no section)".to_string(),
    }
}

fn fold(section: Option<&str>) -> String {
    section.map(str::to_lowercase).unwrap_or_default()
}

fn same_section(a: Option<&str>, b: Option<&str>) -> bool {
    fold(a) == fold(b)
}

/// One row of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Section {
        name: Option<String>,
        folded: bool,
        keys: usize,
    },
    Key(Entry),
}

#[derive(Debug)]
struct Editor {
    section: Option<String>,
    key: String,
    input: TextInput,
    error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AddStep {
    Section,
    Key,
    Value,
}

#[derive(Debug)]
struct AddForm {
    step: AddStep,
    section: String,
    key: String,
    input: TextInput,
    error: Option<String>,
}

#[derive(Debug, Default)]
pub struct PresenceTab {
    pub load: Load<LoadedIni>,
    /// The file with the edits applied.
    doc: Option<Document>,
    edits: Vec<Edit>,
    dirty: bool,
    pub selected: usize,
    folded: HashSet<String>,
    pub raw: bool,
    raw_scroll: usize,
    editor: Option<Editor>,
    adding: Option<AddForm>,
    /// The file as the node has it now, after a conflict: the next write goes over it.
    overwrite_base: Option<LoadedIni>,
    /// The latest edit, kept after saving so it can be applied to all nodes.
    last_edit: Option<Edit>,
}

impl PresenceTab {
    pub fn dirty(&self) -> bool {
        self.dirty
    }

    pub fn editing(&self) -> bool {
        self.editor.is_some() || self.adding.is_some()
    }

    /// The file with the edits applied.
    pub fn doc(&self) -> Option<&Document> {
        self.doc.as_ref()
    }

    fn base(&self) -> Option<&Document> {
        self.load.ready().map(|l| &l.doc)
    }

    /// Drops every unsaved edit (before a reload).
    pub fn discard(&mut self) {
        self.edits.clear();
        self.editor = None;
        self.adding = None;
        self.doc = self.base().cloned();
        self.dirty = false;
    }

    /// A file read in the background: the new base, with pending edits replayed.
    pub fn loaded(&mut self, result: Result<LoadedIni, String>) {
        self.overwrite_base = None;
        self.load = Load::from_result(result);
        let Some(base) = self.base().cloned() else {
            self.doc = None;
            self.dirty = false;
            return;
        };
        let mut doc = base.clone();
        for edit in &self.edits {
            let _ = edit.apply(&mut doc);
        }
        if doc == base {
            self.edits.clear();
        }
        self.dirty = doc != base;
        self.doc = Some(doc);
        self.selected = self.selected.min(self.rows().len().saturating_sub(1));
    }

    /// The visible rows: each section, then its keys unless folded.
    pub fn rows(&self) -> Vec<Row> {
        let Some(doc) = &self.doc else {
            return Vec::new();
        };
        let entries = doc.entries();
        let mut rows = Vec::new();
        for section in doc.sections() {
            let keys: Vec<&Entry> = entries
                .iter()
                .filter(|e| same_section(e.section.as_deref(), section.as_deref()))
                .collect();
            let folded = self.folded.contains(&fold(section.as_deref()));
            rows.push(Row::Section {
                name: section.clone(),
                folded,
                keys: keys.len(),
            });
            if !folded {
                rows.extend(keys.into_iter().cloned().map(Row::Key));
            }
        }
        rows
    }

    fn selected_row(&self) -> Option<Row> {
        self.rows().into_iter().nth(self.selected)
    }

    /// The value of a key in the file as read.
    fn base_value(&self, section: Option<&str>, key: &str) -> Option<String> {
        self.base()
            .and_then(|d| d.get(section, key))
            .map(str::to_string)
    }

    fn key_changed(&self, section: Option<&str>, key: &str) -> bool {
        let now = self.doc.as_ref().and_then(|d| d.get(section, key));
        self.base_value(section, key).as_deref() != now
    }

    fn apply_edit(&mut self, edit: Edit, cx: &mut Cx) {
        let (Some(doc), Some(base)) = (&mut self.doc, self.load.ready()) else {
            return;
        };
        match edit.apply(doc) {
            Ok(_) => {
                self.dirty = *doc != base.doc;
                self.last_edit = Some(edit.clone());
                self.edits.push(edit);
            }
            Err(e) => cx.error(e),
        }
    }

    fn select_key(&mut self, section: Option<&str>, key: &str) {
        if let Some(i) = self.rows().iter().position(|r| match r {
            Row::Key(e) => {
                same_section(e.section.as_deref(), section) && e.key.eq_ignore_ascii_case(key)
            }
            _ => false,
        }) {
            self.selected = i;
        }
    }

    pub fn update(&mut self, action: Action, cx: &mut Cx) {
        if self.adding.is_some() {
            return self.update_add(action, cx);
        }
        if self.editor.is_some() {
            return self.update_editor(action, cx);
        }
        match action {
            Action::Nav(nav) if self.raw => {
                let len = self.doc.as_ref().map_or(0, |d| d.text().lines().count());
                self.raw_scroll = widgets::scrolled(self.raw_scroll, nav, len, 20);
            }
            Action::Nav(nav) => {
                self.selected = widgets::moved(self.selected, nav, self.rows().len())
            }
            Action::Presence(PresenceAction::ToggleRaw) => {
                self.raw = !self.raw;
                self.raw_scroll = 0;
            }
            Action::Presence(_) if self.doc.is_none() => match &self.load {
                Load::Failed(e) => cx.error(format!("Presence.ini could not be read: {e}")),
                _ => cx.info("Presence.ini is still loading"),
            },
            Action::Presence(_) if self.raw => {
                cx.info("Raw view is read-only: press r to go back to the keys")
            }
            Action::Presence(PresenceAction::Activate) => self.activate(cx),
            Action::Presence(PresenceAction::Add) => self.start_add(),
            Action::Presence(PresenceAction::Delete) => self.ask_delete(cx),
            Action::Presence(PresenceAction::DeleteConfirmed { section, key }) => {
                self.apply_edit(Edit::Unset { section, key }, cx)
            }
            Action::Presence(PresenceAction::Pick {
                section,
                key,
                value,
            }) => {
                let current = self
                    .doc
                    .as_ref()
                    .and_then(|d| d.get(section.as_deref(), &key));
                if current != Some(value.as_str()) {
                    self.apply_edit(
                        Edit::Set {
                            section,
                            key,
                            value,
                        },
                        cx,
                    );
                }
            }
            _ => {}
        }
    }

    fn activate(&mut self, cx: &mut Cx) {
        match self.selected_row() {
            Some(Row::Section { name, .. }) => {
                let folded = fold(name.as_deref());
                if !self.folded.remove(&folded) {
                    self.folded.insert(folded);
                }
            }
            Some(Row::Key(entry)) => {
                let known = known::known_key(&entry.key);
                if let Some(ValueKind::Choice(options)) = known.map(|k| k.kind) {
                    let current = entry.value.trim();
                    cx.modal = Some(Modal::Choice(ChoiceList {
                        title: entry.key.clone(),
                        options: options.iter().map(|o| o.to_string()).collect(),
                        selected: options
                            .iter()
                            .position(|o| o.eq_ignore_ascii_case(current))
                            .unwrap_or(0),
                        target: PickTarget::Presence {
                            section: entry.section,
                            key: entry.key,
                        },
                    }));
                } else if known.is_some_and(|k| k.kind == ValueKind::Bool01) {
                    let value = if entry.value.trim() == "1" { "0" } else { "1" };
                    self.apply_edit(
                        Edit::Set {
                            section: entry.section.clone(),
                            key: entry.key.clone(),
                            value: value.to_string(),
                        },
                        cx,
                    );
                } else {
                    self.editor = Some(Editor {
                        error: known::validate(&entry.key, &entry.value).err(),
                        section: entry.section,
                        key: entry.key,
                        input: TextInput::plain(&entry.value),
                    });
                }
            }
            None => {}
        }
    }

    fn update_editor(&mut self, action: Action, cx: &mut Cx) {
        let Some(editor) = &mut self.editor else {
            return;
        };
        match action {
            Action::Input(request) => {
                editor.input.handle(request);
                editor.error = known::validate(&editor.key, editor.input.value()).err();
            }
            Action::InputCancel => self.editor = None,
            Action::InputCommit => {
                let value = match known::normalize(&editor.key, editor.input.value()) {
                    Ok(value) => value,
                    Err(e) => {
                        editor.error = Some(e);
                        return;
                    }
                };
                let Some(editor) = self.editor.take() else {
                    return;
                };
                if self
                    .doc
                    .as_ref()
                    .and_then(|d| d.get(editor.section.as_deref(), &editor.key))
                    != Some(value.as_str())
                {
                    self.apply_edit(
                        Edit::Set {
                            section: editor.section,
                            key: editor.key,
                            value,
                        },
                        cx,
                    );
                }
            }
            _ => {}
        }
    }

    fn start_add(&mut self) {
        let section = match self.selected_row() {
            Some(Row::Section { name, .. }) => name,
            Some(Row::Key(e)) => e.section,
            None => None,
        };
        let section = section.unwrap_or_default();
        self.adding = Some(AddForm {
            step: AddStep::Section,
            input: TextInput::plain(&section),
            section,
            key: String::new(),
            error: None,
        });
    }

    fn update_add(&mut self, action: Action, cx: &mut Cx) {
        let Some(form) = &mut self.adding else {
            return;
        };
        match action {
            Action::Input(request) => {
                form.input.handle(request);
                form.error = match form.step {
                    AddStep::Value => known::validate(&form.key, form.input.value()).err(),
                    _ => None,
                };
            }
            Action::InputCancel => self.adding = None,
            Action::InputCommit => {
                let text = form.input.value().trim().to_string();
                match form.step {
                    AddStep::Section => {
                        if text.contains(['[', ']']) {
                            form.error = Some("a section name cannot hold [ or ]".into());
                            return;
                        }
                        form.section = text;
                        form.step = AddStep::Key;
                        form.input = TextInput::plain("");
                        form.error = None;
                    }
                    AddStep::Key => self.add_key_step(text),
                    AddStep::Value => self.add_value_step(text, cx),
                }
            }
            _ => {}
        }
    }

    fn add_key_step(&mut self, key: String) {
        let doc = self.doc.clone();
        let Some(form) = &mut self.adding else {
            return;
        };
        if key.is_empty() || key.contains('=') || key.starts_with([';', '#', '[']) {
            form.error = Some("a key is a name without =, not starting with ; # or [".into());
            return;
        }
        let known = known::known_key(&key);
        if form.section.is_empty() {
            match known {
                Some(k) => form.section = k.section.to_string(),
                None => {
                    form.error = Some(
                        "a new key needs a section: press Esc and start again with a section"
                            .into(),
                    );
                    return;
                }
            }
        }
        let existing = doc
            .as_ref()
            .and_then(|d| d.get(Some(&form.section), &key))
            .map(str::to_string);
        if let Err(e) = known::check_section(&key, &form.section, existing.is_some()) {
            form.error = Some(e);
            return;
        }
        form.input = TextInput::plain(
            existing
                .as_deref()
                .or(known.map(|k| k.default))
                .unwrap_or(""),
        );
        form.key = key;
        form.step = AddStep::Value;
        form.error = None;
    }

    fn add_value_step(&mut self, value: String, cx: &mut Cx) {
        let Some(form) = &mut self.adding else {
            return;
        };
        let value = match known::normalize(&form.key, &value) {
            Ok(value) => value,
            Err(e) => {
                form.error = Some(e);
                return;
            }
        };
        let Some(form) = self.adding.take() else {
            return;
        };
        let section = Some(form.section.clone());
        self.folded.remove(&fold(section.as_deref()));
        self.apply_edit(
            Edit::Set {
                section: section.clone(),
                key: form.key.clone(),
                value,
            },
            cx,
        );
        self.select_key(section.as_deref(), &form.key);
    }

    fn ask_delete(&mut self, cx: &mut Cx) {
        let Some(Row::Key(entry)) = self.selected_row() else {
            cx.info("Select a key to delete");
            return;
        };
        cx.modal = Some(Modal::Dialog(Dialog::confirm(
            "Delete key?",
            vec![
                format!(
                    "{} {} = {}",
                    section_label(entry.section.as_deref()),
                    entry.key,
                    crate::tui::sanitize(&entry.value)
                ),
                format!(
                    "The line is removed from Presence.ini on {} when you save (Ctrl-S).",
                    cx.node_name
                ),
            ],
            "Delete",
            Action::Presence(PresenceAction::DeleteConfirmed {
                section: entry.section,
                key: entry.key,
            }),
        )));
    }

    /// Known keys whose new value is invalid (they block saving).
    fn invalid_changes(&self) -> Vec<String> {
        let Some(doc) = &self.doc else {
            return Vec::new();
        };
        doc.entries()
            .into_iter()
            .filter(|e| self.key_changed(e.section.as_deref(), &e.key))
            .filter_map(|e| known::validate(&e.key, &e.value).err())
            .collect()
    }

    pub fn save(&mut self, cx: &mut Cx) {
        let (Some(base), Some(doc)) = (self.base(), &self.doc) else {
            return cx.info("Presence.ini is not loaded");
        };
        if !self.dirty {
            return cx.info("No unsaved changes in Presence.ini");
        }
        let invalid = self.invalid_changes();
        if let Some(first) = invalid.first() {
            return cx.error(format!("Not saved: {first}"));
        }
        let lines = diff::unified(&base.text(), &doc.text(), 3);
        self.overwrite_base = None;
        cx.modal = Some(Modal::Dialog(Dialog::diff(
            format!("Write Presence.ini on {}?", cx.node_name),
            lines,
            "Write",
            Action::WriteConfirmed(FileKind::Presence),
        )));
    }

    pub fn on_file(&mut self, action: Action, cx: &mut Cx) {
        match action {
            Action::WriteConfirmed(_) => {
                let base = self
                    .overwrite_base
                    .take()
                    .or_else(|| self.load.ready().cloned());
                if let (Some(loaded), Some(doc)) = (base, self.doc.clone()) {
                    cx.effects.push(Effect::SaveIni {
                        node: cx.node,
                        file: FileKind::Presence,
                        loaded,
                        doc,
                    });
                    cx.info(format!("Writing Presence.ini on {}…", cx.node_name));
                }
            }
            Action::Saved { result, .. } => {
                after_save(cx, FileKind::Presence, result);
            }
            Action::ConflictReload(_) => {
                self.discard();
                reload(cx, FileKind::Presence);
            }
            Action::ConflictShowDiff(_) => load_overwrite_base(cx, FileKind::Presence),
            Action::OverwriteBase { loaded, .. } => match (loaded, &self.doc) {
                (Ok(current), Some(doc)) => {
                    let lines = diff::unified(&current.doc.text(), &doc.text(), 3);
                    self.overwrite_base = Some(current);
                    cx.modal = Some(Modal::Dialog(Dialog::diff(
                        format!("Overwrite Presence.ini on {}?", cx.node_name),
                        lines,
                        "Overwrite",
                        Action::WriteConfirmed(FileKind::Presence),
                    )));
                }
                (Err(e), _) => cx.error(format!("Presence.ini could not be read: {e}")),
                _ => {}
            },
            _ => {}
        }
    }

    /// The change "apply to all" would make: the selected key's unsaved
    /// change, else the latest edit (even once saved here).
    pub fn pending_change(&self) -> Option<(FileKind, Change, String)> {
        let selected = match self.selected_row() {
            Some(Row::Key(e)) if self.key_changed(e.section.as_deref(), &e.key) => {
                Some(Edit::Set {
                    section: e.section.clone(),
                    key: e.key.clone(),
                    value: e.value.clone(),
                })
            }
            _ => None,
        };
        let edit = selected.or_else(|| self.last_edit.clone())?;
        Some((FileKind::Presence, edit.to_change(), edit.describe()))
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, rcx: &RenderCx) {
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

/// Builds a tab from an in-memory file (tests and previews).
#[cfg(test)]
pub(crate) fn tab_from_text(text: &str) -> PresenceTab {
    let doc = Document::parse(text.as_bytes()).expect("valid INI");
    let mut tab = PresenceTab::default();
    tab.loaded(Ok(LoadedIni {
        path: crate::paths::PRESENCE.to_string(),
        snapshot: None,
        doc,
    }));
    tab
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::action::Nav;
    use tui_input::InputRequest;

    const SAMPLE: &str = "; Presence settings\r\n[General]\r\nLogLevel=Info\r\nPollingIntervalSec = 30\r\n\r\n[Webex]\r\nWebexPresence.Enable=0\r\nWebexPresence.MaxUsers=1000\r\n";

    fn cx() -> Cx {
        Cx {
            node: 0,
            node_name: "ucs-a".into(),
            ..Cx::default()
        }
    }

    fn select(tab: &mut PresenceTab, key: &str) {
        let i = tab
            .rows()
            .iter()
            .position(|r| matches!(r, Row::Key(e) if e.key == key))
            .unwrap();
        tab.selected = i;
    }

    fn type_text(tab: &mut PresenceTab, text: &str, cx: &mut Cx) {
        for c in text.chars() {
            tab.update(Action::Input(InputRequest::InsertChar(c)), cx);
        }
    }

    #[test]
    fn rows_list_sections_then_their_keys() {
        let tab = tab_from_text(SAMPLE);
        let rows = tab.rows();
        assert_eq!(rows.len(), 6);
        assert!(matches!(&rows[0], Row::Section { name: Some(n), keys: 2, .. } if n == "General"));
        assert!(matches!(&rows[4], Row::Key(e) if e.key == "WebexPresence.Enable"));
    }

    #[test]
    fn enter_toggles_a_known_01_key_and_marks_it_unsaved() {
        let mut tab = tab_from_text(SAMPLE);
        let mut cx = cx();
        select(&mut tab, "WebexPresence.Enable");
        tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
        assert!(tab.dirty());
        assert_eq!(
            tab.doc()
                .unwrap()
                .get(Some("webex"), "webexpresence.enable"),
            Some("1")
        );
        tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
        assert!(!tab.dirty(), "toggling back leaves nothing to save");
    }

    #[test]
    fn enter_edits_an_unknown_key_and_esc_cancels() {
        let mut tab = tab_from_text(SAMPLE);
        let mut cx = cx();
        select(&mut tab, "LogLevel");
        tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
        assert!(tab.editing());
        tab.update(Action::Input(InputRequest::DeleteLine), &mut cx);
        type_text(&mut tab, "Debug", &mut cx);
        tab.update(Action::InputCancel, &mut cx);
        assert!(!tab.editing());
        assert!(!tab.dirty());
        tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
        tab.update(Action::Input(InputRequest::DeleteLine), &mut cx);
        type_text(&mut tab, "Debug", &mut cx);
        tab.update(Action::InputCommit, &mut cx);
        assert_eq!(
            tab.doc().unwrap().get(Some("General"), "LogLevel"),
            Some("Debug")
        );
        assert!(tab.dirty());
    }

    #[test]
    fn an_invalid_value_for_a_known_key_is_refused_with_the_error_shown() {
        let text = "[Webex]\r\nWebexPresence.Enable=0\r\nOther=1\r\n";
        let mut tab = tab_from_text(text);
        let mut cx = cx();
        // A known 0/1 key written by hand with a bad value: added through the form.
        tab.update(Action::Presence(PresenceAction::Add), &mut cx);
        tab.update(Action::InputCommit, &mut cx); // section Webex (prefilled)
        type_text(&mut tab, "WebexPresence.Enable", &mut cx);
        tab.update(Action::InputCommit, &mut cx);
        tab.update(Action::Input(InputRequest::DeleteLine), &mut cx);
        type_text(&mut tab, "yes", &mut cx);
        assert!(
            tab.adding.as_ref().unwrap().error.is_some(),
            "live validation"
        );
        tab.update(Action::InputCommit, &mut cx);
        assert!(tab.editing(), "the form stays open on an invalid value");
        assert!(!tab.dirty());
    }

    #[test]
    fn add_a_key_to_a_section() {
        let mut tab = tab_from_text(SAMPLE);
        let mut cx = cx();
        select(&mut tab, "LogLevel");
        tab.update(Action::Presence(PresenceAction::Add), &mut cx);
        tab.update(Action::InputCommit, &mut cx);
        type_text(&mut tab, "NewKey", &mut cx);
        tab.update(Action::InputCommit, &mut cx);
        type_text(&mut tab, "42", &mut cx);
        tab.update(Action::InputCommit, &mut cx);
        assert!(!tab.editing());
        assert_eq!(
            tab.doc().unwrap().get(Some("General"), "NewKey"),
            Some("42")
        );
        assert!(matches!(tab.selected_row(), Some(Row::Key(e)) if e.key == "NewKey"));
    }

    #[test]
    fn a_new_unknown_key_needs_a_section() {
        let mut tab = tab_from_text("");
        let mut cx = cx();
        tab.update(Action::Presence(PresenceAction::Add), &mut cx);
        tab.update(Action::InputCommit, &mut cx);
        type_text(&mut tab, "Mystery", &mut cx);
        tab.update(Action::InputCommit, &mut cx);
        assert!(tab.adding.as_ref().unwrap().error.is_some());
    }

    #[test]
    fn a_known_key_is_not_added_to_another_section() {
        let mut tab = tab_from_text(SAMPLE);
        let mut cx = cx();
        select(&mut tab, "LogLevel");
        tab.update(Action::Presence(PresenceAction::Add), &mut cx);
        tab.update(Action::InputCommit, &mut cx);
        type_text(&mut tab, "WebexPresence.Enable", &mut cx);
        tab.update(Action::InputCommit, &mut cx);
        let error = tab.adding.as_ref().unwrap().error.clone().unwrap();
        assert!(
            error.contains("[Webex]") && error.contains("[General]"),
            "{error}"
        );
        assert_eq!(
            tab.doc()
                .unwrap()
                .get(Some("General"), "WebexPresence.Enable"),
            None
        );
        assert!(!tab.dirty());
    }

    #[test]
    fn a_known_key_finds_its_own_section() {
        let mut tab = tab_from_text("");
        let mut cx = cx();
        tab.update(Action::Presence(PresenceAction::Add), &mut cx);
        tab.update(Action::InputCommit, &mut cx);
        type_text(&mut tab, "WebexPresence.Enable", &mut cx);
        tab.update(Action::InputCommit, &mut cx);
        tab.update(Action::Input(InputRequest::DeleteLine), &mut cx);
        type_text(&mut tab, "1", &mut cx);
        tab.update(Action::InputCommit, &mut cx);
        assert_eq!(
            tab.doc()
                .unwrap()
                .get(Some("Webex"), "WebexPresence.Enable"),
            Some("1")
        );
    }

    #[test]
    fn delete_asks_first_and_deletes_on_yes() {
        let mut tab = tab_from_text(SAMPLE);
        let mut cx = cx();
        select(&mut tab, "WebexPresence.MaxUsers");
        tab.update(Action::Presence(PresenceAction::Delete), &mut cx);
        let Some(Modal::Dialog(dialog)) = cx.modal.take() else {
            panic!("no confirmation");
        };
        assert_eq!(dialog.selected, 1, "the focus starts on No");
        assert!(
            tab.doc()
                .unwrap()
                .get(Some("Webex"), "WebexPresence.MaxUsers")
                .is_some()
        );
        let yes = dialog.action_of(0).unwrap();
        tab.update(yes, &mut cx);
        assert!(
            tab.doc()
                .unwrap()
                .get(Some("Webex"), "WebexPresence.MaxUsers")
                .is_none()
        );
        assert!(tab.dirty());
    }

    #[test]
    fn save_shows_exactly_the_changed_line_then_writes() {
        let mut tab = tab_from_text(SAMPLE);
        let mut cx = cx();
        select(&mut tab, "WebexPresence.Enable");
        tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
        tab.save(&mut cx);
        let Some(Modal::Dialog(dialog)) = cx.modal.take() else {
            panic!("no diff shown");
        };
        let crate::tui::widgets::dialog::DialogBody::Diff(lines) = &dialog.body else {
            panic!("not a diff");
        };
        let changed: Vec<&str> = lines
            .iter()
            .filter(|l| matches!(l.kind, diff::DiffKind::Added | diff::DiffKind::Removed))
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(
            changed,
            ["-WebexPresence.Enable=0", "+WebexPresence.Enable=1"]
        );
        tab.on_file(dialog.action_of(0).unwrap(), &mut cx);
        assert!(matches!(
            cx.effects.as_slice(),
            [Effect::SaveIni {
                file: FileKind::Presence,
                ..
            }]
        ));
    }

    #[test]
    fn nothing_to_save_says_so() {
        let mut tab = tab_from_text(SAMPLE);
        let mut cx = cx();
        tab.save(&mut cx);
        assert!(cx.modal.is_none());
        assert!(cx.status.unwrap().1.contains("No unsaved"));
    }

    #[test]
    fn pending_edits_survive_a_reload_and_saved_ones_vanish() {
        let mut tab = tab_from_text(SAMPLE);
        let mut cx = cx();
        select(&mut tab, "WebexPresence.Enable");
        tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
        // The node now has the value already: the edit vanishes.
        let saved = SAMPLE.replace("Enable=0", "Enable=1");
        tab.loaded(Ok(LoadedIni {
            path: "p".into(),
            snapshot: None,
            doc: Document::parse(saved.as_bytes()).unwrap(),
        }));
        assert!(!tab.dirty());
        // Another change elsewhere on the node: the edit is replayed on it.
        tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
        let other = saved.replace("LogLevel=Info", "LogLevel=Warn");
        tab.loaded(Ok(LoadedIni {
            path: "p".into(),
            snapshot: None,
            doc: Document::parse(other.as_bytes()).unwrap(),
        }));
        assert!(tab.dirty());
        let doc = tab.doc().unwrap();
        assert_eq!(doc.get(Some("Webex"), "WebexPresence.Enable"), Some("0"));
        assert_eq!(doc.get(Some("General"), "LogLevel"), Some("Warn"));
    }

    #[test]
    fn a_conflict_offers_reload_or_overwrite() {
        let mut tab = tab_from_text(SAMPLE);
        let mut cx = cx();
        tab.on_file(
            Action::Saved {
                node: 0,
                file: FileKind::Presence,
                result: Err(crate::tui::action::SaveFailure {
                    conflict: true,
                    message: "changed".into(),
                }),
            },
            &mut cx,
        );
        let Some(Modal::Dialog(d)) = cx.modal.take() else {
            panic!("no dialog");
        };
        assert!(matches!(
            d.action_of(0),
            Some(Action::ConflictReload(FileKind::Presence))
        ));
        assert!(matches!(
            d.action_of(1),
            Some(Action::ConflictShowDiff(FileKind::Presence))
        ));
        assert!(d.action_of(2).is_none());
        assert_eq!(d.selected, 2);
    }

    #[test]
    fn apply_to_all_takes_the_selected_change() {
        let mut tab = tab_from_text(SAMPLE);
        let mut cx = cx();
        assert!(tab.pending_change().is_none());
        select(&mut tab, "WebexPresence.Enable");
        tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
        let (_, change, text) = tab.pending_change().unwrap();
        assert!(matches!(
            change,
            Change::PresenceSet { ref key, ref value, .. } if key == "WebexPresence.Enable" && value == "1"
        ));
        assert!(text.contains("[Webex]"));
    }

    #[test]
    fn a_key_with_fixed_values_is_picked_from_a_list() {
        let mut tab = tab_from_text("[RichPresence]\r\nRichPresence.WinningTechnology=Jabber\r\n");
        let mut cx = cx();
        select(&mut tab, "RichPresence.WinningTechnology");
        tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
        let Some(Modal::Choice(list)) = cx.modal.take() else {
            panic!("no choice list");
        };
        assert_eq!(list.options[list.selected], "Jabber");
        tab.update(list.target.action("MSTeams".into()), &mut cx);
        let doc = tab.doc().unwrap();
        assert_eq!(
            doc.get(Some("RichPresence"), "RichPresence.WinningTechnology"),
            Some("MSTeams")
        );
    }

    #[test]
    fn added_values_are_written_in_their_documented_spelling() {
        let mut tab = tab_from_text("[General]\r\nLogLevel=Info\r\n");
        let mut cx = cx();
        tab.update(Action::Presence(PresenceAction::Add), &mut cx);
        tab.update(Action::Input(InputRequest::DeleteLine), &mut cx);
        tab.update(Action::InputCommit, &mut cx);
        type_text(&mut tab, "RichPresence.WinningTechnology", &mut cx);
        tab.update(Action::InputCommit, &mut cx);
        tab.update(Action::Input(InputRequest::DeleteLine), &mut cx);
        type_text(&mut tab, " msteams ", &mut cx);
        tab.update(Action::InputCommit, &mut cx);
        let doc = tab.doc().unwrap();
        assert_eq!(
            doc.get(Some("RichPresence"), "RichPresence.WinningTechnology"),
            Some("MSTeams")
        );
    }

    #[test]
    fn folding_and_moving() {
        let mut tab = tab_from_text(SAMPLE);
        let mut cx = cx();
        tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
        assert_eq!(tab.rows().len(), 4);
        tab.update(Action::Nav(Nav::Bottom), &mut cx);
        assert_eq!(tab.selected, 3);
        tab.update(Action::Nav(Nav::Down), &mut cx);
        assert_eq!(tab.selected, 3);
    }
}
