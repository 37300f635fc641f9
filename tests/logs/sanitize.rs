//! Log text never drives the terminal: controls are shown escaped.

use std::borrow::Cow;

use proptest::prelude::*;
use ucsconf::logs::{display_line, escape_controls};

fn has_terminal_control(text: &str) -> bool {
    text.chars().any(ucsconf::text::is_escaped)
}

#[test]
fn escape_is_shown_not_sent() {
    let line = "red \x1b[31mALERT\x1b[0m done";
    assert_eq!(escape_controls(line), "red \\x1b[31mALERT\\x1b[0m done");
}

#[test]
fn osc_52_clipboard_write_is_inert() {
    let raw =
        b"2026-11-22 10:15:00,004 [14] INFO  x - \x1b]52;c;cm0gLXJmIC8K\x07 and \x1b]0;title\x1b\\";
    let line = display_line(raw, 1 << 20);
    assert!(!has_terminal_control(&line), "{line:?}");
    assert!(line.contains("\\x1b]52;c;cm0gLXJmIC8K\\x07"), "{line}");
    assert!(line.ends_with("\\x1b]0;title\\x1b\\"), "{line}");
}

#[test]
fn c0_del_and_c1_controls_are_escaped_tab_kept() {
    let text = "a\tb\u{0}c\u{7}d\u{8}e\u{7f}f\u{85}g\u{9b}31mh\u{9f}\r\n";
    let escaped = escape_controls(text);
    assert_eq!(
        escaped,
        "a\tb\\x00c\\x07d\\x08e\\x7ff\\x85g\\x9b31mh\\x9f\\x0d\\x0a"
    );
    assert!(!has_terminal_control(&escaped));
}

#[test]
fn clean_text_is_borrowed() {
    let text = "2026-11-22 10:15:00,004 [14] ERROR Imagicle.Calendar.EwsSync - (401) «Unauthorized» ✓ \\x1b";
    assert!(matches!(escape_controls(text), Cow::Borrowed(t) if t == text));
    assert!(matches!(
        escape_controls("é\u{a0}\u{100}"),
        Cow::Borrowed(_)
    ));
    assert!(matches!(escape_controls("x\u{1b}"), Cow::Owned(_)));
}

#[test]
fn invalid_utf8_is_replaced_and_crlf_dropped() {
    let line = display_line(b"caf\xe9 \xff\xfe ok\r", 100);
    assert_eq!(line, "caf\u{fffd} \u{fffd}\u{fffd} ok");
    // Only one trailing CR goes; an inner one is a control.
    assert_eq!(display_line(b"a\rb\r\r", 100), "a\\x0db\\x0d");
    // A raw C1 byte is invalid UTF-8 on its own: replaced, not sent.
    assert_eq!(display_line(b"x\x9by", 100), "x\u{fffd}y");
}

#[test]
fn megabyte_line_is_cut_with_a_marker() {
    let mut raw = vec![b'a'; 1_000_000];
    raw.extend("é".repeat(30_000).as_bytes());
    raw.extend_from_slice(b"\x1b[2J\r");
    let body = raw.len() - 1; // without the CR
    let line = display_line(&raw, 4096);
    assert_eq!(
        line.len(),
        4096 + format!(" …[cut {} bytes]", body - 4096).len()
    );
    assert!(line.ends_with(&format!(" …[cut {} bytes]", body - 4096)));

    // A cut inside a two-byte character backs off to its first byte.
    let line = display_line(&raw, 1_000_001);
    let (kept, marker) = line.split_once(" …[cut ").unwrap();
    assert_eq!(kept.len(), 1_000_000);
    assert_eq!(marker, format!("{} bytes]", body - 1_000_000));

    // Short enough: untouched apart from escaping.
    let whole = display_line(&raw, body);
    assert!(!whole.contains("…[cut"));
    assert!(whole.ends_with("é\\x1b[2J"));
}

proptest! {
    #[test]
    fn no_control_ever_reaches_the_output(raw in proptest::collection::vec(any::<u8>(), 0..300), max in 0usize..400) {
        let line = display_line(&raw, max);
        prop_assert!(!has_terminal_control(&line), "{:?}", line);
    }

    #[test]
    fn escaping_is_reversible_without_backslashes(text in "[^\\\\]*") {
        let escaped = escape_controls(&text);
        prop_assert!(!has_terminal_control(&escaped));
        prop_assert_eq!(unescape(&escaped), text);
    }
}

/// Reads `\xNN` back as the character U+00NN, and `\u{NNNN}` as U+NNNN.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let (code, len) = if rest[i..].starts_with("\\x") {
            (&rest[i + 2..i + 4], 4)
        } else {
            let end = rest[i..].find('}').unwrap();
            (&rest[i + 3..i + end], end + 1)
        };
        out.push(char::from_u32(u32::from_str_radix(code, 16).unwrap()).unwrap());
        rest = &rest[i + len..];
    }
    out.push_str(rest);
    out
}
