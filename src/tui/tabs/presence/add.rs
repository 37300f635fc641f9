//! Adding a key to Presence.ini: a small form, section then key then
//! value, each step checked before the next.

use super::{Edit, PresenceTab, Row, fold};
use crate::tui::action::Action;
use crate::tui::known;
use crate::tui::model::Cx;
use crate::tui::widgets::input::TextInput;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AddStep {
    Section,
    Key,
    Value,
}

#[derive(Debug)]
pub(super) struct AddForm {
    pub(super) step: AddStep,
    pub(super) section: String,
    pub(super) key: String,
    pub(super) input: TextInput,
    pub(super) error: Option<String>,
}

impl PresenceTab {
    pub(super) fn start_add(&mut self) {
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

    pub(super) fn update_add(&mut self, action: Action, cx: &mut Cx) {
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
}
