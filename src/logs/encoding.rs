//! The text encoding of a log file: bytes as they are (UTF-8, or anything
//! ASCII-compatible, shown lossily later), or UTF-16LE with its byte-order
//! mark, as some Windows services write their logs. Lines are found in the
//! file's own encoding (a UTF-16 newline is the code unit `0A 00` at an even
//! offset, never a stray `0A` byte) and handed out as UTF-8.

use std::borrow::Cow;

use memchr::Memchr;

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";
const UTF16LE_BOM: &[u8] = b"\xff\xfe";
/// How many leading bytes [`LogEncoding::detect`] looks at.
pub const HEAD_LEN: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogEncoding {
    /// UTF-8 with or without BOM, or bytes in some other ASCII superset.
    #[default]
    Bytes,
    /// UTF-16, little-endian, recognised by its byte-order mark.
    Utf16Le,
}

impl LogEncoding {
    /// The encoding of a file whose first bytes are `head` (all of them when
    /// the file is shorter than [`HEAD_LEN`]). `None` while the whole file is
    /// only the beginning of a byte-order mark: wait for more.
    pub fn detect(head: &[u8]) -> Option<LogEncoding> {
        if head.starts_with(UTF16LE_BOM) {
            return Some(LogEncoding::Utf16Le);
        }
        let partial_bom = |bom: &[u8]| head.len() < bom.len() && bom.starts_with(head);
        if !head.is_empty() && (partial_bom(UTF8_BOM) || partial_bom(UTF16LE_BOM)) {
            return None;
        }
        Some(LogEncoding::Bytes)
    }

    /// The length of the byte-order mark `head` starts with (0 without one).
    pub fn bom_len(self, head: &[u8]) -> usize {
        let bom = match self {
            LogEncoding::Bytes => UTF8_BOM,
            LogEncoding::Utf16Le => UTF16LE_BOM,
        };
        if head.starts_with(bom) { bom.len() } else { 0 }
    }

    /// Bytes in a code unit, and so in a newline.
    pub fn unit(self) -> usize {
        match self {
            LogEncoding::Bytes => 1,
            LogEncoding::Utf16Le => 2,
        }
    }

    /// Where the newlines in `buf` start, `buf` being the bytes of the file
    /// from offset `at`. A UTF-16 newline split across two buffers is not
    /// found: callers read at even offsets, so a code unit is never split.
    pub fn newlines(self, buf: &[u8], at: u64) -> Newlines<'_> {
        Newlines {
            inner: memchr::memchr_iter(b'\n', buf),
            buf,
            // Whether index 0 of `buf` is at an odd offset of the file.
            odd_start: !at.is_multiple_of(2),
            encoding: self,
        }
    }

    /// Whether `buf`, the bytes of the file from offset `at`, ends with a
    /// whole newline.
    pub fn ends_line(self, buf: &[u8], at: u64) -> bool {
        match self {
            LogEncoding::Bytes => buf.ends_with(b"\n"),
            LogEncoding::Utf16Le => {
                (at + buf.len() as u64).is_multiple_of(2) && buf.ends_with(b"\n\0")
            }
        }
    }

    /// One line (without its newline) as UTF-8 bytes: as it is for
    /// [`LogEncoding::Bytes`]; decoded for UTF-16, where an unpaired
    /// surrogate or an odd last byte becomes U+FFFD.
    pub fn decode(self, raw: &[u8]) -> Cow<'_, [u8]> {
        match self {
            LogEncoding::Bytes => Cow::Borrowed(raw),
            LogEncoding::Utf16Le => {
                let units = raw.chunks(2).map(|c| {
                    if c.len() == 2 {
                        u16::from_le_bytes([c[0], c[1]])
                    } else {
                        0xfffd
                    }
                });
                let text: String = char::decode_utf16(units)
                    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect();
                Cow::Owned(text.into_bytes())
            }
        }
    }
}

/// The starts of the newlines in a buffer, in either direction.
pub struct Newlines<'a> {
    inner: Memchr<'a>,
    buf: &'a [u8],
    odd_start: bool,
    encoding: LogEncoding,
}

impl Newlines<'_> {
    fn is_newline(&self, i: usize) -> bool {
        match self.encoding {
            LogEncoding::Bytes => true,
            LogEncoding::Utf16Le => {
                let even = (i % 2 == 1) == self.odd_start;
                even && self.buf.get(i + 1) == Some(&0)
            }
        }
    }
}

impl Iterator for Newlines<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while let Some(i) = self.inner.next() {
            if self.is_newline(i) {
                return Some(i);
            }
        }
        None
    }
}

impl DoubleEndedIterator for Newlines<'_> {
    fn next_back(&mut self) -> Option<usize> {
        while let Some(i) = self.inner.next_back() {
            if self.is_newline(i) {
                return Some(i);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn detects_boms_and_waits_on_half_of_one() {
        assert_eq!(
            LogEncoding::detect(b"\xff\xfea\0"),
            Some(LogEncoding::Utf16Le)
        );
        assert_eq!(
            LogEncoding::detect(b"\xef\xbb\xbfa"),
            Some(LogEncoding::Bytes)
        );
        assert_eq!(LogEncoding::detect(b"abc"), Some(LogEncoding::Bytes));
        assert_eq!(LogEncoding::detect(b""), Some(LogEncoding::Bytes));
        assert_eq!(LogEncoding::detect(b"\xff"), None);
        assert_eq!(LogEncoding::detect(b"\xef\xbb"), None);
        assert_eq!(LogEncoding::detect(b"\xffa"), Some(LogEncoding::Bytes));
        assert_eq!(LogEncoding::Utf16Le.bom_len(b"\xff\xfex"), 2);
        assert_eq!(LogEncoding::Bytes.bom_len(b"\xef\xbb\xbfx"), 3);
        assert_eq!(LogEncoding::Bytes.bom_len(b"x"), 0);
    }

    #[test]
    fn a_utf16_newline_is_a_whole_code_unit_at_an_even_offset() {
        // U+010A is `0A 01`: a 0x0A byte that is no newline.
        let bytes = utf16("a\u{10a}b\nc\r\n");
        let found: Vec<usize> = LogEncoding::Utf16Le.newlines(&bytes, 0).collect();
        assert_eq!(found, vec![6, 12]);
        let back: Vec<usize> = LogEncoding::Utf16Le.newlines(&bytes, 0).rev().collect();
        assert_eq!(back, vec![12, 6]);
        // The same bytes seen from an odd offset: `0A 00` pairs are not aligned.
        let shifted = [&[b'x'][..], &bytes].concat();
        let found: Vec<usize> = LogEncoding::Utf16Le.newlines(&shifted, 1).collect();
        assert_eq!(found, vec![7, 13]);
        let misaligned: Vec<usize> = LogEncoding::Utf16Le.newlines(&shifted, 0).collect();
        assert!(misaligned.is_empty(), "{misaligned:?}");
    }

    #[test]
    fn decodes_utf16_lossily_into_utf8() {
        let mut raw = utf16("né ☃ \u{1f600}");
        assert_eq!(
            LogEncoding::Utf16Le.decode(&raw).as_ref(),
            "né ☃ \u{1f600}".as_bytes()
        );
        raw.extend_from_slice(&[0x00, 0xd8]); // an unpaired high surrogate
        raw.push(b'x'); // and an odd last byte
        assert_eq!(
            String::from_utf8(LogEncoding::Utf16Le.decode(&raw).into_owned()).unwrap(),
            "né ☃ \u{1f600}\u{fffd}\u{fffd}"
        );
        assert!(matches!(
            LogEncoding::Bytes.decode(b"x\xff"),
            Cow::Borrowed(b"x\xff")
        ));
    }
}
