//! Calendar: provider choice, the chosen provider's fields, the basic and
//! modern toggles, validated live as the admin types. Errors sit next to
//! their field and block saving; warnings are listed under the form, in the
//! order `validate()` gives them, the first ("both authentications") most
//! visible.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use secrecy::SecretString;

use super::file_edit::{self, EditsFile};
use super::{RenderCx, Tab};
use crate::ops::{Change, FieldValue, KeyRule, LoadedIni};
use crate::settings::FormId;
use crate::settings::calendar::{
    CalendarSettings, EXCHANGE_VERSIONS, Field, NOT_SET, Password, Provider, Report,
};
use crate::settings::form::FormFile;
use crate::settings::schema::Kind;
use crate::tui::action::{Action, CalendarAction, Effect, FileKind, Loaded};
use crate::tui::model::{ChoiceList, Cx, Load, Modal, PickTarget};
use crate::tui::widgets;
use crate::tui::widgets::form::{FormRow, Masked};
use crate::tui::widgets::input::TextInput;

/// Shown for a password in the preview diff instead of its sealed form.
const SEALED_ON_SAVE: &str = "(new password, sealed with the node key when written)";
const LABEL_WIDTH: usize = 28;

#[derive(Debug)]
struct Editor {
    field: Field,
    input: TextInput,
}

#[derive(Debug, Default)]
pub struct CalendarTab {
    pub load: Load<LoadedIni>,
    /// The settings as read.
    original: CalendarSettings,
    /// The settings with the admin's edits.
    pub settings: CalendarSettings,
    /// Fields the admin changed (replayed after a reload).
    touched: Vec<Field>,
    pub focus: usize,
    editor: Option<Editor>,
    /// Validation of `settings` (with the field being typed), kept current.
    pub report: Report,
    overwrite_base: Option<LoadedIni>,
    /// The fields of the latest save, for "apply to all" afterwards.
    last_saved: Option<Vec<(Field, FieldValue)>>,
}

/// The form's rows for the chosen provider.
pub fn fields(settings: &CalendarSettings) -> Vec<Field> {
    match settings.provider() {
        Some(Provider::Exchange) => vec![
            Field::Provider,
            Field::ExchangeVersion,
            Field::EwsUrl,
            Field::RefreshSecs,
        ],
        Some(Provider::Office365) => vec![
            Field::Provider,
            Field::BasicAuth,
            Field::Username,
            Field::Password,
            Field::ModernAuth,
            Field::TenantId,
            Field::ClientId,
        ],
        None => vec![Field::Provider],
    }
}

impl CalendarTab {
    /// The fields whose value differs from the file as read.
    pub fn changed(&self) -> Vec<Field> {
        Field::ALL
            .into_iter()
            .filter(|f| self.original.differs(&self.settings, *f))
            .collect()
    }

    pub fn loaded(&mut self, result: Result<LoadedIni, String>) {
        self.overwrite_base = None;
        self.load = Load::from_result(result);
        let Some(loaded) = self.load.ready() else {
            return;
        };
        let original = CalendarSettings::from_document(&loaded.doc);
        let mut settings = original.clone();
        for field in &self.touched {
            settings.copy_field(&self.settings, *field);
        }
        self.touched.retain(|f| original.differs(&settings, *f));
        self.original = original;
        self.settings = settings;
        self.focus = self.focus.min(fields(&self.settings).len() - 1);
        self.revalidate();
    }

    /// Validates the settings, with the field being typed as it stands.
    fn revalidate(&mut self) {
        let mut preview = self.settings.clone();
        if let Some(editor) = &self.editor {
            match editor.field {
                field @ Field::Password if !editor.input.is_empty() => {
                    preview.set_secret(field, Password::New(SecretString::from("typed")));
                }
                Field::Password => {}
                field => preview.set_text(field, Some(editor.input.value().trim().to_string())),
            }
        }
        self.report = preview.validate();
    }

    fn focused(&self) -> Field {
        let fields = fields(&self.settings);
        fields[self.focus.min(fields.len() - 1)]
    }

    fn touch(&mut self, field: Field) {
        if !self.touched.contains(&field) {
            self.touched.push(field);
        }
        self.revalidate();
    }

    fn activate(&mut self, cx: &mut Cx) {
        let field = self.focused();
        match field {
            Field::Provider => {
                let next = match self.settings.provider() {
                    Some(Provider::Exchange) => Provider::Office365,
                    _ => Provider::Exchange,
                };
                self.settings
                    .set_text(field, Some(next.as_str().to_string()));
                self.touch(field);
            }
            Field::BasicAuth | Field::ModernAuth => {
                self.settings.set_on(field, !self.settings.on(field));
                self.touch(field);
            }
            Field::ExchangeVersion => {
                let current = self.settings.text(field).unwrap_or_default().to_string();
                cx.modal = Some(Modal::Choice(ChoiceList {
                    title: "Exchange version".into(),
                    options: EXCHANGE_VERSIONS.iter().map(|v| v.to_string()).collect(),
                    selected: EXCHANGE_VERSIONS
                        .iter()
                        .position(|v| v.eq_ignore_ascii_case(&current))
                        .unwrap_or(0),
                    target: PickTarget::Calendar(Field::ExchangeVersion),
                }));
            }
            Field::Password => {
                self.editor = Some(Editor {
                    field,
                    input: TextInput::masked(),
                });
            }
            _ => {
                let value = self.settings.text(field).unwrap_or_default();
                self.editor = Some(Editor {
                    field,
                    input: TextInput::plain(value),
                });
                self.revalidate();
            }
        }
    }

    fn update_editor(&mut self, action: Action) {
        let Some(editor) = &mut self.editor else {
            return;
        };
        match action {
            Action::Input(request) => {
                editor.input.handle(request);
                self.revalidate();
            }
            Action::InputCancel => {
                self.editor = None;
                self.revalidate();
            }
            Action::InputCommit => {
                let Some(editor) = self.editor.take() else {
                    return;
                };
                let field = editor.field;
                if field == Field::Password {
                    // An empty entry keeps the stored password.
                    if !editor.input.is_empty() {
                        self.settings
                            .set_secret(field, Password::New(editor.input.into_secret()));
                        self.touch(field);
                    }
                } else {
                    let text = editor.input.value().trim().to_string();
                    self.settings.set_text(field, Some(text));
                    self.touch(field);
                }
                self.revalidate();
            }
            _ => {}
        }
    }

    /// The file as it would be written on top of `base` (the new password
    /// shown as a placeholder, since it is sealed only when written).
    fn preview(&self, base: &LoadedIni) -> Result<String, String> {
        let mut settings = self.settings.clone();
        if settings.has_new_secret() {
            let placeholder = Password::Sealed(SEALED_ON_SAVE.to_string());
            settings.set_secret(Field::Password, placeholder);
        }
        let mut doc = base.doc.clone();
        settings.apply_to(&mut doc).map_err(|e| e.to_string())?;
        Ok(doc.text())
    }

    /// The changed fields as a change any node can take.
    fn change_fields(&self) -> Vec<(Field, FieldValue)> {
        self.changed()
            .into_iter()
            .filter_map(|f| Some((f, self.settings.value(f)?)))
            .collect()
    }

    fn field_error(&self, field: Field) -> Option<&str> {
        self.report
            .errors
            .iter()
            .find(|f| f.field == Some(field))
            .map(|f| f.message.as_str())
    }

    fn render_field(
        &self,
        frame: &mut Frame,
        row: Rect,
        field: Field,
        focused: bool,
        rcx: &RenderCx,
    ) {
        let theme = rcx.theme;
        let changed = self.original.differs(&self.settings, field);
        let value_style = if changed { theme.changed } else { theme.value };
        let indent = match field {
            Field::Provider | Field::BasicAuth | Field::ModernAuth => "",
            _ => "    ",
        };
        let labelled = || FormRow::labelled(format!("{indent}{}", field.label()), LABEL_WIDTH);
        let form_row = match &field.spec().kind {
            Kind::Choice(_) if field == Field::Provider => {
                let p = self.settings.provider();
                let radio = |on: bool| if on { "(•)" } else { "( )" };
                let mut form_row = labelled()
                    .value(Span::styled(
                        format!("{} Exchange   ", radio(p == Some(Provider::Exchange))),
                        value_style,
                    ))
                    .value(Span::styled(
                        format!("{} Office 365", radio(p == Some(Provider::Office365))),
                        value_style,
                    ));
                if p.is_none() {
                    let raw = self.settings.text(field).unwrap_or("not set");
                    form_row = form_row.value(Span::styled(
                        format!("   ({}: Enter chooses)", crate::tui::sanitize(raw)),
                        theme.dim,
                    ));
                }
                form_row
            }
            Kind::Bool => {
                let on = self.settings.on(field);
                let text = if field == Field::BasicAuth {
                    "Grant Basic Authentication"
                } else {
                    "Grant Modern Authentication"
                };
                FormRow::bare().value(Span::styled(
                    format!("[{}] {text}", if on { "x" } else { " " }),
                    value_style,
                ))
            }
            Kind::Secret { .. } => {
                let shown = match self.settings.password() {
                    Password::None => Masked::None,
                    Password::Sealed(_) => Masked::Stored,
                    Password::New(_) => Masked::New {
                        note: "  (new, sealed when saved)",
                    },
                };
                labelled().masked(shown, NOT_SET, value_style, theme)
            }
            kind => {
                let value = self.settings.text(field).unwrap_or_default();
                let form_row = labelled().text(value, NOT_SET, 44, value_style, theme);
                match kind {
                    Kind::Choice(_) => form_row.value(Span::styled("  ▾", theme.dim)),
                    _ => form_row,
                }
            }
        };
        let editing = self.editor.as_ref().filter(|e| e.field == field);
        form_row
            .changed(changed)
            .error(self.field_error(field))
            .editing(editing.map(|e| &e.input), 40)
            .render(frame, row, focused, theme);
    }

    /// Errors not tied to a visible field, then the warnings in order.
    fn findings_lines(&self, rcx: &RenderCx) -> Vec<Line<'static>> {
        let theme = rcx.theme;
        let visible = fields(&self.settings);
        let mut lines = Vec::new();
        for error in &self.report.errors {
            if error.field.is_none_or(|f| !visible.contains(&f)) {
                lines.push(Line::from(Span::styled(
                    format!("✗ {}", error.message),
                    theme.error,
                )));
            }
        }
        let both = self.settings.provider() == Some(Provider::Office365)
            && self.settings.on(Field::BasicAuth)
            && self.settings.on(Field::ModernAuth);
        for (i, warning) in self.report.warnings.iter().enumerate() {
            let style = if i == 0 && both {
                theme.warning_strong
            } else {
                theme.warning
            };
            lines.push(Line::from(Span::styled(
                format!("⚠ {}", warning.message),
                style,
            )));
        }
        lines
    }
}

impl Tab for CalendarTab {
    fn on_loaded(&mut self, loaded: Loaded) {
        if let Loaded::Calendar(result) = loaded {
            self.loaded(result);
        }
    }

    fn update(&mut self, action: Action, cx: &mut Cx) {
        if self.editor.is_some() {
            return self.update_editor(action);
        }
        if self.load.ready().is_none() {
            if let Load::Failed(e) = &self.load {
                cx.error(format!("Calendar.ini could not be read: {e}"));
            }
            return;
        }
        match action {
            Action::Nav(nav) => {
                self.focus = widgets::moved(self.focus, nav, fields(&self.settings).len())
            }
            Action::Calendar(CalendarAction::Activate) => self.activate(cx),
            Action::Calendar(CalendarAction::Pick(field, value)) => {
                self.settings.set_text(field, Some(value));
                self.touch(field);
            }
            _ => {}
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, rcx: &RenderCx) {
        let theme = rcx.theme;
        if self.load.ready().is_none() {
            let line = match &self.load {
                Load::Failed(e) => Span::styled(
                    format!(
                        " Calendar.ini could not be read: {}",
                        crate::tui::sanitize(e)
                    ),
                    theme.error,
                ),
                _ => Span::styled(" Loading Calendar.ini…", theme.pending),
            };
            frame.render_widget(
                Paragraph::new(Line::from(line)).wrap(Wrap { trim: false }),
                area,
            );
            return;
        }
        let area = area.inner(ratatui::layout::Margin::new(1, 1));
        let rows = fields(&self.settings);
        let focused = self.focus.min(rows.len() - 1);
        let mut y = area.y;
        for (i, field) in rows.iter().enumerate() {
            if y >= area.bottom() {
                return;
            }
            let row = Rect::new(area.x, y, area.width, 1);
            self.render_field(frame, row, *field, i == focused, rcx);
            y += 1;
            if matches!(field, Field::Provider | Field::Password) {
                y += 1;
            }
        }
        y += 1;
        if y < area.bottom() {
            let rest = Rect::new(area.x, y, area.width, area.bottom() - y);
            frame.render_widget(
                Paragraph::new(self.findings_lines(rcx)).wrap(Wrap { trim: false }),
                rest,
            );
        }
    }

    fn editing(&self) -> bool {
        self.editor.is_some()
    }

    fn dirty(&self) -> bool {
        !self.changed().is_empty()
    }

    fn discard(&mut self) {
        self.touched.clear();
        self.editor = None;
        self.settings = self.original.clone();
        self.revalidate();
    }

    fn save(&mut self, cx: &mut Cx) {
        if self.load.ready().is_none() {
            return cx.info("Calendar.ini is not loaded");
        }
        if !self.dirty() {
            return cx.info("No unsaved changes in Calendar.ini");
        }
        if !self.report.errors.is_empty() {
            let n = self.report.errors.len();
            return cx.error(format!(
                "Not saved: {n} error{} to fix first (shown in red)",
                if n == 1 { "" } else { "s" }
            ));
        }
        file_edit::confirm_write(self, cx);
    }

    /// Unsaved field changes, else the fields of the latest save here.
    fn pending_change(&self) -> Option<(FileKind, Change, String)> {
        let mut fields = self.change_fields();
        if fields.is_empty() {
            fields = self.last_saved.clone()?;
        }
        if fields.is_empty() {
            return None;
        }
        let names: Vec<String> = fields.iter().map(|(f, v)| v.describe(f.key())).collect();
        Some((
            FileKind::Calendar,
            Change::Form {
                file: FormId::Calendar,
                fields: fields.into_iter().map(|(f, v)| (f.index(), v)).collect(),
            },
            format!("Set in Calendar.ini: {}", names.join(", ")),
        ))
    }

    fn on_file(&mut self, action: Action, cx: &mut Cx) {
        file_edit::on_file(self, action, cx);
    }
}

impl EditsFile for CalendarTab {
    type Base = LoadedIni;
    const FILE: FileKind = FileKind::Calendar;

    fn base(&self) -> Option<&LoadedIni> {
        self.load.ready()
    }

    fn overwrite_base(&mut self) -> &mut Option<LoadedIni> {
        &mut self.overwrite_base
    }

    fn take(loaded: Loaded) -> Option<Result<LoadedIni, String>> {
        match loaded {
            Loaded::Calendar(result) => Some(result),
            _ => None,
        }
    }

    fn text(base: &LoadedIni) -> String {
        base.doc.text()
    }

    fn preview(&self, base: &LoadedIni) -> Result<String, String> {
        CalendarTab::preview(self, base)
    }

    fn write(&mut self, loaded: LoadedIni, cx: &mut Cx) -> bool {
        self.last_saved = Some(
            self.change_fields()
                .into_iter()
                .filter(|(f, _)| *f != Field::Password)
                .collect(),
        );
        cx.effects.push(Effect::SaveCalendar {
            node: cx.node,
            loaded,
            settings: self.settings.clone(),
            key: KeyRule::Keep,
        });
        true
    }

    fn discard(&mut self) {
        Tab::discard(self);
    }

    /// The typed password is sealed in the file now: drop it.
    fn written(&mut self) {
        if self.settings.has_new_secret() {
            self.settings.copy_field(&self.original, Field::Password);
            self.touched.retain(|f| *f != Field::Password);
        }
    }
}

/// Builds a tab from an in-memory file (tests and previews).
#[cfg(test)]
pub(crate) fn tab_from_text(text: &str) -> CalendarTab {
    let doc = crate::ini::Document::parse(text.as_bytes()).expect("valid INI");
    let mut tab = CalendarTab::default();
    tab.loaded(Ok(LoadedIni {
        path: crate::paths::CALENDAR.to_string(),
        snapshot: None,
        doc,
    }));
    tab
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::action::Nav;
    use crate::tui::widgets::diff;
    use tui_input::InputRequest;

    const O365: &str = "[Calendar]\r\nProvider=Office365\r\nBasicAuth=0\r\nModernAuth=1\r\nModernAuth.TenantId=contoso.onmicrosoft.com\r\nModernAuth.ClientId=9f8e7d6c-1111-2222-3333-444455556666\r\n";

    fn cx() -> Cx {
        Cx {
            node: 0,
            node_name: "ucs-a".into(),
            ..Cx::default()
        }
    }

    fn focus(tab: &mut CalendarTab, field: Field) {
        tab.focus = fields(&tab.settings)
            .iter()
            .position(|f| *f == field)
            .unwrap();
    }

    fn type_text(tab: &mut CalendarTab, text: &str, cx: &mut Cx) {
        for c in text.chars() {
            tab.update(Action::Input(InputRequest::InsertChar(c)), cx);
        }
    }

    #[test]
    fn only_the_chosen_providers_fields_show() {
        let mut tab = tab_from_text(O365);
        assert!(fields(&tab.settings).contains(&Field::TenantId));
        assert!(!fields(&tab.settings).contains(&Field::EwsUrl));
        let mut cx = cx();
        focus(&mut tab, Field::Provider);
        tab.update(Action::Calendar(CalendarAction::Activate), &mut cx);
        assert_eq!(tab.settings.text(Field::Provider), Some("Exchange"));
        assert!(fields(&tab.settings).contains(&Field::EwsUrl));
        assert!(tab.dirty());
    }

    #[test]
    fn turning_basic_on_as_well_warns_about_both_first() {
        let mut tab = tab_from_text(O365);
        let mut cx = cx();
        let before = tab.report.warnings.len();
        focus(&mut tab, Field::BasicAuth);
        tab.update(Action::Calendar(CalendarAction::Activate), &mut cx);
        assert!(tab.settings.on(Field::BasicAuth));
        assert!(tab.report.warnings.len() > before);
        // Basic without username and password: errors on those fields.
        assert!(tab.field_error(Field::Username).is_some());
        assert!(tab.field_error(Field::Password).is_some());
        tab.save(&mut cx);
        assert!(cx.modal.is_none(), "errors block saving");
        assert!(cx.status.take().unwrap().1.contains("error"));
    }

    #[test]
    fn validation_is_live_while_typing() {
        let mut tab = tab_from_text(O365);
        let mut cx = cx();
        focus(&mut tab, Field::TenantId);
        tab.update(Action::Calendar(CalendarAction::Activate), &mut cx);
        assert!(tab.editing());
        assert!(tab.field_error(Field::TenantId).is_none());
        tab.update(Action::Input(InputRequest::DeleteLine), &mut cx);
        type_text(&mut tab, "not a tenant", &mut cx);
        assert!(
            tab.field_error(Field::TenantId).is_some(),
            "error shows while typing"
        );
        tab.update(Action::InputCancel, &mut cx);
        assert!(tab.field_error(Field::TenantId).is_none(), "Esc restores");
        assert!(!tab.dirty());
    }

    #[test]
    fn a_typed_password_is_masked_and_kept_as_a_secret() {
        let mut tab = tab_from_text(O365);
        let mut cx = cx();
        focus(&mut tab, Field::Password);
        tab.update(Action::Calendar(CalendarAction::Activate), &mut cx);
        type_text(&mut tab, "hunter2", &mut cx);
        tab.update(Action::InputCommit, &mut cx);
        assert!(matches!(tab.settings.password(), Password::New(_)));
        assert!(!format!("{tab:?}").contains("hunter2"));
        assert!(tab.changed().contains(&Field::Password));
    }

    #[test]
    fn exchange_version_is_picked_from_a_list() {
        let mut tab = tab_from_text("[Calendar]\r\nProvider=Exchange\r\n");
        let mut cx = cx();
        focus(&mut tab, Field::ExchangeVersion);
        tab.update(Action::Calendar(CalendarAction::Activate), &mut cx);
        let Some(Modal::Choice(list)) = cx.modal.take() else {
            panic!("no choice list");
        };
        assert_eq!(list.options.len(), EXCHANGE_VERSIONS.len());
        let pick = list.target.action("Exchange2013".into());
        tab.update(pick, &mut cx);
        assert_eq!(
            tab.settings.text(Field::ExchangeVersion),
            Some("Exchange2013")
        );
    }

    #[test]
    fn save_shows_the_diff_of_the_changed_keys() {
        let mut tab = tab_from_text(O365);
        let mut cx = cx();
        focus(&mut tab, Field::ClientId);
        tab.update(Action::Calendar(CalendarAction::Activate), &mut cx);
        tab.update(Action::Input(InputRequest::DeleteLine), &mut cx);
        type_text(&mut tab, "11111111-2222-3333-4444-555555555555", &mut cx);
        tab.update(Action::InputCommit, &mut cx);
        tab.save(&mut cx);
        let Some(Modal::Dialog(d)) = cx.modal.take() else {
            panic!("no diff: {:?}", cx.status);
        };
        let crate::tui::widgets::dialog::DialogBody::Diff(lines) = &d.body else {
            panic!("not a diff");
        };
        let (added, removed) = diff::counts(lines);
        assert_eq!((added, removed), (1, 1));
        tab.on_file(d.action_of(0).unwrap(), &mut cx);
        assert!(matches!(
            cx.effects.as_slice(),
            [Effect::SaveCalendar { .. }]
        ));
    }

    #[test]
    fn navigation_stays_within_the_visible_fields() {
        let mut tab = tab_from_text(O365);
        let mut cx = cx();
        tab.update(Action::Nav(Nav::Bottom), &mut cx);
        assert_eq!(tab.focused(), Field::ClientId);
    }
}
