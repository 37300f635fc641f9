//! One row of a settings form: its label, its value (text, a placeholder
//! when not set, or a masked secret), the mark of an unsaved change, its
//! error, and the text input over the value while it is typed. Every form
//! draws its rows with this, so they look and behave alike.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::input::TextInput;
use super::list;
use crate::tui::theme::Theme;

/// What a secret field holds, as it may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Masked {
    None,
    Stored,
    /// Typed and not saved yet; `note` follows the dots.
    New {
        note: &'static str,
    },
}

/// One row, built up and then drawn.
pub struct FormRow<'a> {
    /// Text before the label (the form's indent).
    lead: &'a str,
    label: Option<(String, usize)>,
    value: Vec<Span<'static>>,
    changed: bool,
    error: Option<&'a str>,
    /// The input being typed over the value, and its widest.
    editor: Option<(&'a TextInput, u16)>,
}

impl<'a> FormRow<'a> {
    /// A row whose label is padded to `width` columns.
    pub fn labelled(label: impl Into<String>, width: usize) -> FormRow<'a> {
        FormRow {
            lead: "",
            label: Some((label.into(), width)),
            value: Vec::new(),
            changed: false,
            error: None,
            editor: None,
        }
    }

    /// A row that is all value (a toggle, a button).
    pub fn bare() -> FormRow<'a> {
        FormRow {
            lead: "",
            label: None,
            value: Vec::new(),
            changed: false,
            error: None,
            editor: None,
        }
    }

    /// Text drawn before the label, outside its width.
    pub fn lead(mut self, lead: &'a str) -> Self {
        self.lead = lead;
        self
    }

    /// A value of the row (called again, the spans follow one another).
    pub fn value(mut self, span: Span<'static>) -> Self {
        self.value.push(span);
        self
    }

    /// Text, or `placeholder` dimmed when it is empty; cut to `max` columns.
    pub fn text(
        self,
        text: &str,
        placeholder: &str,
        max: usize,
        style: Style,
        theme: &Theme,
    ) -> Self {
        if text.is_empty() {
            return self.value(Span::styled(placeholder.to_string(), theme.dim));
        }
        let shown = super::ellipsize(&crate::tui::sanitize(text), max);
        self.value(Span::styled(shown, style))
    }

    /// A secret: dots, never its text.
    pub fn masked(self, secret: Masked, placeholder: &str, style: Style, theme: &Theme) -> Self {
        match secret {
            Masked::None => self.value(Span::styled(placeholder.to_string(), theme.dim)),
            Masked::Stored => self.value(Span::styled("••••••••", style)),
            Masked::New { note } => self.value(Span::styled(format!("••••••••{note}"), style)),
        }
    }

    /// Marks the row as edited and not saved.
    pub fn changed(mut self, changed: bool) -> Self {
        self.changed = changed;
        self
    }

    pub fn error(mut self, error: Option<&'a str>) -> Self {
        self.error = error;
        self
    }

    /// The input typed into this row, at most `width` columns wide.
    pub fn editing(mut self, input: Option<&'a TextInput>, width: u16) -> Self {
        self.editor = input.map(|i| (i, width));
        self
    }

    /// Draws the row; the focused one carries the list's marker.
    pub fn render(self, frame: &mut Frame, row: Rect, focused: bool, theme: &Theme) {
        let mut spans = Vec::new();
        if !self.lead.is_empty() {
            spans.push(Span::raw(self.lead.to_string()));
        }
        let label_width = match &self.label {
            Some((label, width)) => {
                spans.push(super::label(label, *width, theme.label));
                *width
            }
            None => 0,
        };
        spans.extend(self.value);
        if self.changed {
            spans.push(Span::styled("  ●", theme.changed));
        }
        if self.editor.is_none()
            && let Some(err) = self.error
        {
            spans.push(Span::styled(format!("  ✗ {err}"), theme.error));
        }
        frame.render_widget(list::marked(Line::from(spans), focused, theme), row);
        let Some((input, widest)) = self.editor else {
            return;
        };
        let lead = unicode_width::UnicodeWidthStr::width(self.lead) as u16;
        let x = row.x + list::MARKER.chars().count() as u16 + lead + label_width as u16;
        let width = row.right().saturating_sub(x);
        let input_width = width.min(widest);
        frame.render_widget(ratatui::widgets::Clear, Rect::new(x, row.y, width, 1));
        input.render(frame, Rect::new(x, row.y, input_width, 1), theme.selection);
        if let Some(err) = self.error {
            let ex = x + input_width + 1;
            if ex < row.right() {
                frame.render_widget(
                    Line::from(Span::styled(format!("✗ {err}"), theme.error)),
                    Rect::new(ex, row.y, row.right() - ex, 1),
                );
            }
        }
    }
}
