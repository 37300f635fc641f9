//! The tab of a form file (Calendar): its fields as its description says,
//! the rows the file shows for what is chosen (the provider's fields), each
//! validated live as the admin types. Errors sit next to their field and
//! block saving; warnings are listed under the form, in the order
//! `validate()` gives them, the first one stronger where the file says so.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use secrecy::SecretString;

use super::file_edit::{self, EditsFile};
use super::{RenderCx, Tab};
use crate::ops::{Change, FieldValue, KeyRule, LoadedIni};
use crate::settings::form::{Form, FormFile, NOT_SET, Report};
use crate::settings::schema::{Kind, Secret, canonical_choice};
use crate::settings::{FormId, FormVisitor};
use crate::tui::action::{Action, AnyForm, Effect, FileKind, FormAction, Loaded};
use crate::tui::model::{ChoiceList, Cx, Load, Modal, PickTarget};
use crate::tui::widgets;
use crate::tui::widgets::form::{FormRow, Masked};
use crate::tui::widgets::input::TextInput;

/// Shown for a password in the preview diff instead of its sealed form.
const SEALED_ON_SAVE: &str = "(new password, sealed with the node key when written)";
const LABEL_WIDTH: usize = 28;

#[derive(Debug)]
struct Editor<F> {
    field: F,
    input: TextInput,
}

#[derive(Debug)]
pub struct FormTab<F: FormFile> {
    pub load: Load<LoadedIni>,
    /// The settings as read.
    original: Form<F>,
    /// The settings with the admin's edits.
    pub settings: Form<F>,
    /// Fields the admin changed (replayed after a reload).
    touched: Vec<F>,
    pub focus: usize,
    editor: Option<Editor<F>>,
    /// Validation of `settings` (with the field being typed), kept current.
    pub report: Report<F>,
    overwrite_base: Option<LoadedIni>,
    /// The fields of the latest save, for "apply to all" afterwards.
    last_saved: Option<Vec<(F, FieldValue)>>,
}

impl<F: FormFile> Default for FormTab<F> {
    fn default() -> Self {
        FormTab {
            load: Load::default(),
            original: Form::default(),
            settings: Form::default(),
            touched: Vec::new(),
            focus: 0,
            editor: None,
            report: Report::default(),
            overwrite_base: None,
            last_saved: None,
        }
    }
}

/// A choice of two is drawn as radio buttons and flipped with Enter; a
/// longer one is picked from a list.
fn is_radio(kind: &Kind) -> bool {
    matches!(kind, Kind::Choice(choices) if choices.len() == 2)
}

/// The form's rows as the file shows them now.
pub fn fields<F: FormFile>(settings: &Form<F>) -> Vec<F> {
    F::visible(settings)
}

impl<F: FormFile> FormTab<F> {
    /// The fields whose value differs from the file as read.
    pub fn changed(&self) -> Vec<F> {
        F::ALL
            .iter()
            .copied()
            .filter(|f| self.original.differs(&self.settings, *f))
            .collect()
    }

    pub fn loaded(&mut self, result: Result<LoadedIni, String>) {
        self.overwrite_base = None;
        self.load = Load::from_result(result);
        let Some(loaded) = self.load.ready() else {
            return;
        };
        let original = Form::<F>::from_document(&loaded.doc);
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
            let field = editor.field;
            if !field.spec().is_secret() {
                preview.set_text(field, Some(editor.input.value().trim().to_string()));
            } else if !editor.input.is_empty() {
                preview.set_secret(field, Secret::New(SecretString::from("typed")));
            }
        }
        self.report = preview.validate();
    }

    fn focused(&self) -> F {
        let fields = fields(&self.settings);
        fields[self.focus.min(fields.len() - 1)]
    }

    fn touch(&mut self, field: F) {
        if !self.touched.contains(&field) {
            self.touched.push(field);
        }
        self.revalidate();
    }

    fn activate(&mut self, cx: &mut Cx) {
        let field = self.focused();
        let spec = field.spec();
        match &spec.kind {
            Kind::Choice(choices) if is_radio(&spec.kind) => {
                let now = self
                    .settings
                    .text(field)
                    .and_then(|t| canonical_choice(choices, t));
                let next = match choices.iter().position(|c| Some(*c) == now) {
                    Some(i) => choices[(i + 1) % choices.len()],
                    None => choices[0],
                };
                self.settings.set_text(field, Some(next.to_string()));
                self.touch(field);
            }
            Kind::Bool => {
                self.settings.set_on(field, !self.settings.on(field));
                self.touch(field);
            }
            Kind::Choice(choices) => {
                let current = self.settings.text(field).unwrap_or_default().to_string();
                cx.modal = Some(Modal::Choice(ChoiceList {
                    title: spec.label.into(),
                    options: choices.iter().map(|v| v.to_string()).collect(),
                    selected: choices
                        .iter()
                        .position(|v| v.eq_ignore_ascii_case(&current))
                        .unwrap_or(0),
                    target: PickTarget::Form(field.index()),
                }));
            }
            Kind::Secret { .. } => {
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
                if field.spec().is_secret() {
                    // An empty entry keeps the stored secret.
                    if !editor.input.is_empty() {
                        self.settings
                            .set_secret(field, Secret::New(editor.input.into_secret()));
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
        for &field in F::ALL {
            if matches!(settings.secret(field), Secret::New(_)) {
                settings.set_secret(field, Secret::Sealed(SEALED_ON_SAVE.to_string()));
            }
        }
        let mut doc = base.doc.clone();
        settings.apply_to(&mut doc).map_err(|e| e.to_string())?;
        Ok(doc.text())
    }

    /// The changed fields as a change any node can take.
    fn change_fields(&self) -> Vec<(F, FieldValue)> {
        self.changed()
            .into_iter()
            .filter_map(|f| Some((f, self.settings.value(f)?)))
            .collect()
    }

    fn field_error(&self, field: F) -> Option<&str> {
        self.report
            .errors
            .iter()
            .find(|f| f.field == Some(field))
            .map(|f| f.message.as_str())
    }

    fn render_field(&self, frame: &mut Frame, row: Rect, field: F, focused: bool, rcx: &RenderCx) {
        let theme = rcx.theme;
        let changed = self.original.differs(&self.settings, field);
        let value_style = if changed { theme.changed } else { theme.value };
        let spec = field.spec();
        let indent = match &spec.kind {
            Kind::Bool => "",
            kind if is_radio(kind) => "",
            _ => "    ",
        };
        let labelled = || FormRow::labelled(format!("{indent}{}", spec.label), LABEL_WIDTH);
        let form_row = match &spec.kind {
            Kind::Choice(choices) if is_radio(&spec.kind) => {
                let now = self
                    .settings
                    .text(field)
                    .and_then(|t| canonical_choice(choices, t));
                let radio = |on: bool| if on { "(•)" } else { "( )" };
                let mut form_row = labelled();
                for (i, choice) in choices.iter().enumerate() {
                    let gap = if i + 1 < choices.len() { "   " } else { "" };
                    form_row = form_row.value(Span::styled(
                        format!("{} {}{gap}", radio(now == Some(*choice)), F::shown(choice)),
                        value_style,
                    ));
                }
                if now.is_none() {
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
                FormRow::bare().value(Span::styled(
                    format!("[{}] {}", if on { "x" } else { " " }, spec.label),
                    value_style,
                ))
            }
            Kind::Secret { .. } => {
                let shown = match self.settings.secret(field) {
                    Secret::None => Masked::None,
                    Secret::Sealed(_) => Masked::Stored,
                    Secret::New(_) => Masked::New {
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
        let strong = F::first_warning_strong(&self.settings);
        for (i, warning) in self.report.warnings.iter().enumerate() {
            let style = if i == 0 && strong {
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

impl<F: FormFile> Tab for FormTab<F> {
    fn on_loaded(&mut self, loaded: Loaded) {
        if let Some(result) = <Self as EditsFile>::take(loaded) {
            self.loaded(result);
        }
    }

    fn update(&mut self, action: Action, cx: &mut Cx) {
        if self.editor.is_some() {
            return self.update_editor(action);
        }
        if self.load.ready().is_none() {
            if let Load::Failed(e) = &self.load {
                cx.error(format!("{} could not be read: {e}", F::LABEL));
            }
            return;
        }
        match action {
            Action::Nav(nav) => {
                self.focus = widgets::moved(self.focus, nav, fields(&self.settings).len())
            }
            Action::Form(FormAction::Activate) => self.activate(cx),
            Action::Form(FormAction::Pick(index, value)) => {
                if let Some(field) = F::ALL.get(index).copied() {
                    self.settings.set_text(field, Some(value));
                    self.touch(field);
                }
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
                        " {} could not be read: {}",
                        F::LABEL,
                        crate::tui::sanitize(e)
                    ),
                    theme.error,
                ),
                _ => Span::styled(format!(" Loading {}…", F::LABEL), theme.pending),
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
            if F::gap_after(*field) {
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
            return cx.info(format!("{} is not loaded", F::LABEL));
        }
        if !self.dirty() {
            return cx.info(format!("No unsaved changes in {}", F::LABEL));
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
        let names: Vec<String> = fields
            .iter()
            .map(|(f, v)| v.describe(f.spec().key))
            .collect();
        Some((
            FileKind::Form(F::ID),
            Change::Form {
                file: F::ID,
                fields: fields.into_iter().map(|(f, v)| (f.index(), v)).collect(),
            },
            format!("Set in {}: {}", F::LABEL, names.join(", ")),
        ))
    }

    fn on_file(&mut self, action: Action, cx: &mut Cx) {
        file_edit::on_file(self, action, cx);
    }
}

impl<F: FormFile> EditsFile for FormTab<F> {
    type Base = LoadedIni;
    const FILE: FileKind = FileKind::Form(F::ID);

    fn base(&self) -> Option<&LoadedIni> {
        self.load.ready()
    }

    fn overwrite_base(&mut self) -> &mut Option<LoadedIni> {
        &mut self.overwrite_base
    }

    fn take(loaded: Loaded) -> Option<Result<LoadedIni, String>> {
        match loaded {
            Loaded::Form(file, result) if file == F::ID => Some(result),
            _ => None,
        }
    }

    fn text(base: &LoadedIni) -> String {
        base.doc.text()
    }

    fn preview(&self, base: &LoadedIni) -> Result<String, String> {
        FormTab::preview(self, base)
    }

    fn write(&mut self, loaded: LoadedIni, cx: &mut Cx) -> bool {
        self.last_saved = Some(
            self.change_fields()
                .into_iter()
                .filter(|(f, _)| !f.spec().is_secret())
                .collect(),
        );
        cx.effects.push(Effect::SaveForm {
            node: cx.node,
            file: F::ID,
            loaded,
            form: AnyForm::new(self.settings.clone()),
            key: KeyRule::Keep,
        });
        true
    }

    fn discard(&mut self) {
        Tab::discard(self);
    }

    /// The typed secrets are sealed in the file now: drop them.
    fn written(&mut self) {
        for &field in F::ALL {
            if matches!(self.settings.secret(field), Secret::New(_)) {
                self.settings.copy_field(&self.original, field);
                self.touched.retain(|f| *f != field);
            }
        }
    }
}

/// A new tab for the form file `file`, empty until its file is read.
pub fn new_tab(file: FormId) -> Box<dyn Tab> {
    struct NewTab;
    impl FormVisitor for NewTab {
        type Out = Box<dyn Tab>;
        fn visit<F: FormFile>(self) -> Box<dyn Tab> {
            Box::new(FormTab::<F>::default())
        }
    }
    file.visit(NewTab)
}

/// The calendar's tab.
pub type CalendarTab = FormTab<crate::settings::calendar::Field>;

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
    use crate::settings::calendar::{EXCHANGE_VERSIONS, Field, Password};
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
        tab.update(Action::Form(FormAction::Activate), &mut cx);
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
        tab.update(Action::Form(FormAction::Activate), &mut cx);
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
        tab.update(Action::Form(FormAction::Activate), &mut cx);
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
        tab.update(Action::Form(FormAction::Activate), &mut cx);
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
        tab.update(Action::Form(FormAction::Activate), &mut cx);
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
        tab.update(Action::Form(FormAction::Activate), &mut cx);
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
        assert!(matches!(cx.effects.as_slice(), [Effect::SaveForm { .. }]));
    }

    #[test]
    fn navigation_stays_within_the_visible_fields() {
        let mut tab = tab_from_text(O365);
        let mut cx = cx();
        tab.update(Action::Nav(Nav::Bottom), &mut cx);
        assert_eq!(tab.focused(), Field::ClientId);
    }
}
