//! Log text is untrusted: an escape sequence in a log line must never drive
//! the admin's terminal (colour, title, OSC 52 clipboard writes).

use std::borrow::Cow;
use std::fmt::Write as _;

/// The one escaping rule for untrusted text (see [`crate::text`]).
pub use crate::text::escape_untrusted as escape_controls;

/// One raw line (without its `\n`) made displayable: a trailing `\r` dropped,
/// invalid UTF-8 replaced lossily, controls escaped, cut to `max_len` bytes
/// with a visible marker when longer.
///
/// `max_len` counts the raw bytes kept (after the `\r` is dropped, before
/// escaping, which can make the text longer); the marker ` …[cut N bytes]`
/// says how many raw bytes were left out. A multi-byte character is never
/// split: the cut moves back to its first byte.
pub fn display_line(raw: &[u8], max_len: usize) -> String {
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let keep = if raw.len() > max_len {
        cut_point(raw, max_len)
    } else {
        raw.len()
    };
    let text = String::from_utf8_lossy(&raw[..keep]);
    let mut line = match escape_controls(&text) {
        Cow::Borrowed(_) => text.into_owned(),
        Cow::Owned(escaped) => escaped,
    };
    if keep < raw.len() {
        let _ = write!(line, " …[cut {} bytes]", raw.len() - keep);
    }
    line
}

/// Where to cut `raw` (longer than `max`) so a UTF-8 sequence straddling
/// `max` is left out whole.
fn cut_point(raw: &[u8], max: usize) -> usize {
    let is_continuation = |b: u8| b & 0xc0 == 0x80;
    if !is_continuation(raw[max]) {
        return max;
    }
    // A sequence is at most 4 bytes: its lead byte is at most 3 bytes back.
    let lowest = max.saturating_sub(3);
    let mut i = max;
    while i > lowest && is_continuation(raw[i - 1]) {
        i -= 1;
    }
    match i.checked_sub(1).map(|lead| raw[lead]) {
        Some(lead) if lead >= 0xc0 => i - 1,
        _ => max,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_never_splits_a_character() {
        let raw = "aé€😀b".as_bytes();
        for max in 0..raw.len() {
            let line = display_line(raw, max);
            let (kept, _) = line.split_once(" …[cut ").unwrap();
            assert!(!kept.contains('\u{fffd}'), "max={max}: {line}");
            assert!(kept.len() <= max, "max={max}: {line}");
            assert!(
                line.ends_with(&format!("{} bytes]", raw.len() - kept.len())),
                "max={max}: {line}"
            );
        }
    }
}
