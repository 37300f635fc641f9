//! Log text is untrusted: an escape sequence in a log line must never drive
//! the admin's terminal (colour, title, OSC 52 clipboard writes).

use std::borrow::Cow;

/// Escapes every control character except tab as `\xNN` (C0, DEL, and C1
/// controls U+0080..=U+009F); also a backslash that starts `\x` is left as is.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    let _ = text;
    todo!()
}

/// One raw line (without its `\n`) made displayable: a trailing `\r` dropped,
/// invalid UTF-8 replaced lossily, controls escaped, cut to `max_len` bytes
/// with a visible marker when longer.
pub fn display_line(raw: &[u8], max_len: usize) -> String {
    let _ = (raw, max_len);
    todo!()
}
