//! The one rule for text ucsconf does not control (a node's files, its log,
//! a server's error, an inventory) on its way to a terminal: nothing in it
//! may act on the terminal or disguise what is shown.
//!
//! Escaped are every control character except tab (C0, DEL and the C1
//! controls U+0080..=U+009F, which some terminals obey even in UTF-8: U+009B
//! is a one-character CSI), shown as `\xNN`, and the bidirectional controls
//! (the Unicode property Bidi_Control: U+061C, U+200E, U+200F,
//! U+202A..=U+202E, U+2066..=U+2069), shown as `\u{202e}`, since an override
//! makes a terminal show text in an order other than its own. The logs, the
//! TUI and the command line all use these functions.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` made safe for one line of a terminal: every control but tab and
/// every bidi control escaped. Text with nothing to escape is borrowed.
pub fn escape_untrusted(text: &str) -> Cow<'_, str> {
    escape(text, Newlines::Escape)
}

/// As [`escape_untrusted`], but a newline is kept: for text that is lines
/// by design (a multi-line message). A carriage return is still escaped, so
/// no line can be overwritten.
pub fn escape_untrusted_lines(text: &str) -> Cow<'_, str> {
    escape(text, Newlines::Keep)
}

/// Whether [`escape_untrusted`] changes `c`.
pub fn is_escaped(c: char) -> bool {
    (c.is_control() && c != '\t') || is_bidi_control(c)
}

/// The characters of the Unicode property Bidi_Control.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Newlines {
    Keep,
    Escape,
}

fn escape(text: &str, newlines: Newlines) -> Cow<'_, str> {
    let escaped = |c: char| is_escaped(c) && !(c == '\n' && newlines == Newlines::Keep);
    let Some(first) = first_candidate(text, escaped) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        if !escaped(c) {
            out.push(c);
        } else if c.is_control() {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        } else {
            let _ = write!(out, "\\u{{{:04x}}}", u32::from(c));
        }
    }
    Cow::Owned(out)
}

/// Byte offset of the first character to escape. Scans bytes, since the
/// logs run megabytes through here: C0 and DEL are single bytes, the C1
/// controls start with `C2`, and the bidi controls with `D8` or `E2`; only
/// at those lead bytes is a character decoded. A block of bytes is tested
/// without a branch per byte, which the compiler turns into vector
/// instructions; only a block holding a lead byte is searched one by one.
fn first_candidate(text: &str, escaped: impl Fn(char) -> bool) -> Option<usize> {
    const BLOCK: usize = 32;
    let lead = |b: u8| b < 0x20 || b == 0x7f || b == 0xc2 || b == 0xd8 || b == 0xe2;
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        let block = &bytes[start..bytes.len().min(start + BLOCK)];
        if block.iter().fold(false, |any, &b| any | lead(b)) {
            for (j, &b) in block.iter().enumerate() {
                // `start + j` is a character boundary: lead bytes never continue one.
                let i = start + j;
                if lead(b) && text[i..].chars().next().is_some_and(&escaped) {
                    return Some(i);
                }
            }
        }
        start += block.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_escaped_tab_kept() {
        let text = "a\tb\u{0}c\u{7}d\u{7f}e\u{9b}31m f\u{202e}gnp.exe\u{2069} g\u{200f}\r\n";
        assert_eq!(
            escape_untrusted(text),
            "a\tb\\x00c\\x07d\\x7fe\\x9b31m f\\u{202e}gnp.exe\\u{2069} g\\u{200f}\\x0d\\x0a"
        );
        assert_eq!(escape_untrusted_lines("a\r\nb\n"), "a\\x0d\nb\n");
    }

    #[test]
    fn other_characters_with_the_same_lead_bytes_are_left_alone() {
        for text in [
            "\u{a9}",
            "\u{600}",
            "\u{2014} \u{20ac} \u{2026}",
            "\u{2070}",
        ] {
            assert!(matches!(escape_untrusted(text), Cow::Borrowed(_)), "{text}");
        }
    }

    /// The block scan finds what a scan of every character finds, wherever
    /// in a block, or across two, the character falls.
    #[test]
    fn the_first_character_to_escape_is_found_at_any_offset() {
        let naive = |text: &str| {
            text.char_indices()
                .find(|&(_, c)| is_escaped(c))
                .map(|(i, _)| i)
        };
        for found in ["\u{1b}", "\u{7f}", "\u{9b}", "\u{202e}", "\u{61c}", "\n"] {
            for at in 0..80 {
                // Harmless characters with the same lead bytes before it.
                let before: String = "ab\u{a9}\u{2014}".chars().cycle().take(at).collect();
                let text = format!("{before}{found}tail\u{2026}");
                assert_eq!(first_candidate(&text, is_escaped), naive(&text), "{text:?}");
                assert_eq!(first_candidate(&before, is_escaped), None, "{before:?}");
            }
        }
    }

    #[test]
    fn escaped_text_has_nothing_left_to_escape() {
        let text = "\u{1b}]0;pwned\u{7}\u{1b}[31m\u{9b}2J\u{202e}x";
        let once = escape_untrusted(text).into_owned();
        assert!(!once.chars().any(is_escaped), "{once}");
        assert_eq!(escape_untrusted(&once), once);
    }
}
