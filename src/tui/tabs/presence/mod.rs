//! Presence.ini: sections and keys, known keys explained with their value on
//! every node, edit in place, add, delete, raw view, diff before save.
//!
//! Edits are kept as a list replayed onto the file as read: after a reload
//! (a save, an "apply to all", a conflict) the edits still pending survive,
//! and those the file now has vanish.

mod add;
mod render;
#[cfg(test)]
mod tests;

use std::collections::HashSet;

use ratatui::Frame;
use ratatui::layout::Rect;

use super::file_edit::{self, EditsFile};
use super::{RenderCx, Tab};
use crate::ini::{Document, Entry};
use crate::ops::{Change, LoadedIni};
use crate::tui::action::Dialog;
use crate::tui::action::{Action, Effect, FileKind, Loaded, PresenceAction};
use crate::tui::known::{self, ValueKind};
use crate::tui::model::{ChoiceList, Cx, Load, Modal, PickTarget};
use crate::tui::widgets;
use crate::tui::widgets::input::TextInput;
use add::AddForm;

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
    /// The file with the edits applied.
    pub fn doc(&self) -> Option<&Document> {
        self.doc.as_ref()
    }

    fn base(&self) -> Option<&Document> {
        self.load.ready().map(|l| &l.doc)
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
}

impl Tab for PresenceTab {
    fn render(&self, frame: &mut Frame, area: Rect, rcx: &RenderCx) {
        self.draw(frame, area, rcx);
    }

    fn on_loaded(&mut self, loaded: Loaded) {
        if let Loaded::Presence(result) = loaded {
            self.loaded(result);
        }
    }

    fn update(&mut self, action: Action, cx: &mut Cx) {
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

    fn editing(&self) -> bool {
        self.editor.is_some() || self.adding.is_some()
    }

    fn dirty(&self) -> bool {
        self.dirty
    }

    /// Drops every unsaved edit (before a reload).
    fn discard(&mut self) {
        self.edits.clear();
        self.editor = None;
        self.adding = None;
        self.doc = self.base().cloned();
        self.dirty = false;
    }

    fn save(&mut self, cx: &mut Cx) {
        if self.base().is_none() || self.doc.is_none() {
            return cx.info("Presence.ini is not loaded");
        }
        if !self.dirty {
            return cx.info("No unsaved changes in Presence.ini");
        }
        let invalid = self.invalid_changes();
        if let Some(first) = invalid.first() {
            return cx.error(format!("Not saved: {first}"));
        }
        file_edit::confirm_write(self, cx);
    }

    /// The change "apply to all" would make: the selected key's unsaved
    /// change, else the latest edit (even once saved here).
    fn pending_change(&self) -> Option<(FileKind, Change, String)> {
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

    fn on_file(&mut self, action: Action, cx: &mut Cx) {
        file_edit::on_file(self, action, cx);
    }
}

impl EditsFile for PresenceTab {
    type Base = LoadedIni;
    const FILE: FileKind = FileKind::Presence;

    fn base(&self) -> Option<&LoadedIni> {
        self.load.ready()
    }

    fn overwrite_base(&mut self) -> &mut Option<LoadedIni> {
        &mut self.overwrite_base
    }

    fn take(loaded: Loaded) -> Option<Result<LoadedIni, String>> {
        match loaded {
            Loaded::Presence(result) => Some(result),
            _ => None,
        }
    }

    fn text(base: &LoadedIni) -> String {
        base.doc.text()
    }

    fn preview(&self, _base: &LoadedIni) -> Result<String, String> {
        // The edits are kept applied to the document: it is the new file.
        self.doc
            .as_ref()
            .map(Document::text)
            .ok_or_else(|| "Presence.ini is not loaded".to_string())
    }

    fn write(&mut self, loaded: LoadedIni, cx: &mut Cx) -> bool {
        let Some(doc) = self.doc.clone() else {
            return false;
        };
        cx.effects.push(Effect::SaveIni {
            node: cx.node,
            file: FileKind::Presence,
            loaded,
            doc,
        });
        true
    }

    fn discard(&mut self) {
        Tab::discard(self);
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
