//! A modal dialog: a title, a body (text or a diff) and buttons. A button
//! carries the action (of the caller's type `A`) it replays when chosen; the focused button starts
//! on the safe choice (the last one, "No"/"Cancel"), unless told otherwise.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::Nav;
use super::diff::{self, DiffLine};
use crate::tui::sanitize;
use crate::tui::theme::Theme;

#[derive(Debug, Clone)]
pub enum DialogBody {
    Text(Vec<String>),
    Diff(Vec<DiffLine>),
}

#[derive(Debug, Clone)]
pub struct Button<A> {
    pub label: String,
    /// Replayed when chosen; `None` just closes.
    pub action: Option<Box<A>>,
}

#[derive(Debug, Clone)]
pub struct Dialog<A> {
    pub title: String,
    pub body: DialogBody,
    pub buttons: Vec<Button<A>>,
    pub selected: usize,
    pub scroll: usize,
}

impl<A: Clone> Dialog<A> {
    /// Yes replays `action`; the focus starts on No.
    pub fn confirm(title: impl Into<String>, body: Vec<String>, yes: &str, action: A) -> Dialog<A> {
        Dialog {
            title: title.into(),
            body: DialogBody::Text(body),
            buttons: vec![
                Button {
                    label: yes.to_string(),
                    action: Some(Box::new(action)),
                },
                Button {
                    label: "No".to_string(),
                    action: None,
                },
            ],
            selected: 1,
            scroll: 0,
        }
    }

    /// A diff to accept or not; the focus starts on No as well.
    pub fn diff(title: impl Into<String>, lines: Vec<DiffLine>, yes: &str, action: A) -> Dialog<A> {
        Dialog {
            body: DialogBody::Diff(lines),
            ..Dialog::confirm(title, Vec::new(), yes, action)
        }
    }

    /// Several choices; the last one is the safe default and closes.
    pub fn choices(
        title: impl Into<String>,
        body: Vec<String>,
        buttons: Vec<Button<A>>,
    ) -> Dialog<A> {
        let selected = buttons.len().saturating_sub(1);
        Dialog {
            title: title.into(),
            body: DialogBody::Text(body),
            buttons,
            selected,
            scroll: 0,
        }
    }

    /// The action of the button at `index` (closing the dialog is the caller's job).
    pub fn action_of(&self, index: usize) -> Option<A> {
        self.buttons
            .get(index)
            .and_then(|b| b.action.as_deref().cloned())
    }

    pub fn next(&mut self) {
        self.selected = (self.selected + 1) % self.buttons.len().max(1);
    }

    pub fn prev(&mut self) {
        let n = self.buttons.len().max(1);
        self.selected = (self.selected + n - 1) % n;
    }

    fn body_len(&self) -> usize {
        match &self.body {
            DialogBody::Text(lines) => lines.len(),
            DialogBody::Diff(lines) => lines.len(),
        }
    }

    pub fn scroll(&mut self, nav: Nav) {
        self.scroll = super::scrolled(self.scroll, nav, self.body_len(), 10);
    }

    pub fn render(&self, frame: &mut Frame, theme: &Theme) {
        let area = frame.area();
        let wide = matches!(self.body, DialogBody::Diff(_));
        let width = if wide {
            area.width.saturating_sub(6).min(110)
        } else {
            area.width.saturating_sub(6).min(72)
        };
        let text_width = width.saturating_sub(4).max(1) as usize;
        let wrapped: usize = match &self.body {
            DialogBody::Text(lines) => lines
                .iter()
                .map(|l| l.chars().count().max(1).div_ceil(text_width))
                .sum(),
            DialogBody::Diff(lines) => lines.len(),
        };
        // Body, a blank line, the buttons, two borders.
        let height = (wrapped as u16 + 4)
            .min(area.height.saturating_sub(2))
            .max(6);
        let rect = super::centered(area, width, height);
        frame.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_type(BorderType::Rounded)
            .border_style(theme.title)
            .style(theme.dialog)
            .title(Span::styled(
                format!(" {} ", sanitize(&self.title)),
                theme.title,
            ));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let [body, _, buttons] = Layout::vertical([
            Constraint::Min(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(inner.inner(ratatui::layout::Margin::new(1, 0)));
        let lines: Vec<Line> = match &self.body {
            DialogBody::Text(lines) => lines
                .iter()
                .map(|l| Line::from(Span::styled(sanitize(l), theme.dialog)))
                .collect(),
            DialogBody::Diff(lines) if lines.is_empty() => {
                vec![Line::from(Span::styled("(no change)", theme.dim))]
            }
            DialogBody::Diff(lines) => diff::styled(lines, theme),
        };
        let mut paragraph = Paragraph::new(lines).scroll((self.scroll as u16, 0));
        if !wide {
            paragraph = paragraph.wrap(Wrap { trim: false });
        }
        frame.render_widget(paragraph, body);
        frame.render_widget(self.button_line(theme), buttons);
    }

    fn button_line(&self, theme: &Theme) -> Line<'_> {
        let mut spans = Vec::new();
        for (i, button) in self.buttons.iter().enumerate() {
            let focused = i == self.selected;
            let text = if focused {
                format!("▸[ {} ]", button.label)
            } else {
                format!(" [ {} ]", button.label)
            };
            let style = if focused {
                theme.button_focus
            } else {
                theme.button
            };
            spans.push(Span::styled(text, style));
            spans.push(Span::raw("  "));
        }
        Line::from(spans).centered()
    }
}
