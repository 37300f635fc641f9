//! A one-line text field: tui-input for plain text; a masked mode for secrets
//! that keeps the typed text in a buffer zeroed on drop, shows only bullets,
//! and hands the value over as a `SecretString`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use secrecy::SecretString;
use tui_input::{Input, InputRequest};
use zeroize::Zeroizing;

/// Capacity reserved up front so typing a secret never reallocates (a
/// reallocation would leave a copy of the prefix behind in freed memory).
const SECRET_CAPACITY: usize = 1024;

pub const BULLET: char = '•';

pub struct TextInput {
    kind: Kind,
}

enum Kind {
    Plain(Input),
    Masked(Masked),
}

struct Masked {
    text: Zeroizing<String>,
    /// Cursor position in characters.
    cursor: usize,
}

impl std::fmt::Debug for TextInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            Kind::Plain(input) => write!(f, "TextInput({:?})", input.value()),
            Kind::Masked(_) => f.write_str("TextInput(masked)"),
        }
    }
}

impl TextInput {
    pub fn plain(value: &str) -> TextInput {
        TextInput {
            kind: Kind::Plain(Input::new(value.to_string())),
        }
    }

    /// An empty masked field (a secret is never pre-filled).
    pub fn masked() -> TextInput {
        TextInput {
            kind: Kind::Masked(Masked {
                text: Zeroizing::new(String::with_capacity(SECRET_CAPACITY)),
                cursor: 0,
            }),
        }
    }

    pub fn is_masked(&self) -> bool {
        matches!(self.kind, Kind::Masked(_))
    }

    /// The plain text; empty for a masked field.
    pub fn value(&self) -> &str {
        match &self.kind {
            Kind::Plain(input) => input.value(),
            Kind::Masked(_) => "",
        }
    }

    /// Number of characters typed.
    pub fn len(&self) -> usize {
        match &self.kind {
            Kind::Plain(input) => input.value().chars().count(),
            Kind::Masked(m) => m.text.chars().count(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The typed secret; the field's own buffer is zeroed when it is dropped.
    pub fn into_secret(self) -> SecretString {
        match self.kind {
            Kind::Plain(input) => SecretString::from(input.value()),
            Kind::Masked(m) => SecretString::from(m.text.as_str()),
        }
    }

    /// Applies one editing request; returns whether the value changed.
    pub fn handle(&mut self, request: InputRequest) -> bool {
        match &mut self.kind {
            Kind::Plain(input) => input.handle(request).is_some_and(|c| c.value),
            Kind::Masked(m) => m.handle(request),
        }
    }

    /// What is shown: the text, or one bullet per typed character.
    pub fn shown(&self) -> String {
        match &self.kind {
            Kind::Plain(input) => input.value().to_string(),
            Kind::Masked(m) => BULLET.to_string().repeat(m.text.chars().count()),
        }
    }

    fn cursor(&self) -> usize {
        match &self.kind {
            Kind::Plain(input) => input.visual_cursor(),
            Kind::Masked(m) => m.cursor,
        }
    }

    /// Draws the field in `area` (one line), scrolled so the cursor shows,
    /// and puts the terminal cursor on it.
    pub fn render(&self, frame: &mut Frame, area: Rect, style: Style) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let width = area.width.saturating_sub(1) as usize;
        let (shown, scroll): (String, usize) = match &self.kind {
            Kind::Plain(input) => {
                let scroll = input.visual_scroll(width);
                let text = input
                    .value()
                    .chars()
                    .map(|c| if c.is_control() { '\u{fffd}' } else { c })
                    .skip(scroll)
                    .collect();
                (text, scroll)
            }
            Kind::Masked(m) => {
                let scroll = m.cursor.saturating_sub(width);
                (self.shown().chars().skip(scroll).collect(), scroll)
            }
        };
        let cursor = self.cursor();
        let line = Line::from(Span::styled(shown, style));
        frame.render_widget(line, area);
        let x = area.x + (cursor.saturating_sub(scroll)).min(width) as u16;
        frame.set_cursor_position((x, area.y));
    }
}

impl Masked {
    fn byte_at(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(i, _)| i)
    }

    fn count(&self) -> usize {
        self.text.chars().count()
    }

    fn handle(&mut self, request: InputRequest) -> bool {
        use InputRequest::*;
        match request {
            InsertChar(c) => {
                if c.is_control() || self.text.len() + c.len_utf8() > SECRET_CAPACITY {
                    return false;
                }
                let at = self.byte_at(self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
                true
            }
            DeletePrevChar if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
                true
            }
            DeleteNextChar if self.cursor < self.count() => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
                true
            }
            DeleteLine | DeletePrevWord | DeleteNextWord if !self.text.is_empty() => {
                zeroize::Zeroize::zeroize(&mut *self.text);
                self.cursor = 0;
                true
            }
            DeleteTillEnd if self.cursor < self.count() => {
                let at = self.byte_at(self.cursor);
                self.text.truncate(at);
                true
            }
            DeleteFromStart if self.cursor > 0 => {
                let at = self.byte_at(self.cursor);
                self.text.replace_range(..at, "");
                self.cursor = 0;
                true
            }
            GoToPrevChar | GoToPrevWord => {
                self.cursor = self.cursor.saturating_sub(1);
                false
            }
            GoToNextChar | GoToNextWord => {
                self.cursor = (self.cursor + 1).min(self.count());
                false
            }
            GoToStart => {
                self.cursor = 0;
                false
            }
            GoToEnd => {
                self.cursor = self.count();
                false
            }
            SetCursor(pos) => {
                self.cursor = pos.min(self.count());
                false
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn typed(input: &mut TextInput, text: &str) {
        for c in text.chars() {
            input.handle(InputRequest::InsertChar(c));
        }
    }

    #[test]
    fn masked_input_edits_and_never_shows_the_text() {
        let mut input = TextInput::masked();
        typed(&mut input, "s3cr3t!");
        input.handle(InputRequest::DeletePrevChar);
        input.handle(InputRequest::GoToStart);
        input.handle(InputRequest::InsertChar('x'));
        assert_eq!(input.shown(), "•••••••");
        assert_eq!(input.value(), "");
        assert!(!format!("{input:?}").contains("s3cr"));
        assert_eq!(input.into_secret().expose_secret(), "xs3cr3t");
    }

    #[test]
    fn masked_delete_line_clears() {
        let mut input = TextInput::masked();
        typed(&mut input, "abc");
        assert!(input.handle(InputRequest::DeleteLine));
        assert!(input.is_empty());
    }

    #[test]
    fn plain_input_keeps_its_value() {
        let mut input = TextInput::plain("ab");
        typed(&mut input, "c");
        assert_eq!(input.value(), "abc");
        assert_eq!(input.shown(), "abc");
        assert!(format!("{input:?}").contains("abc"));
    }
}
