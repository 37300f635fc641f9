//! The last N lines, found by reading backwards in blocks: never the whole file.

use std::borrow::Cow;
use std::io;

use super::LogSource;
use super::encoding::{HEAD_LEN, LogEncoding, Newlines};

/// The first block read from the end; later blocks double up to [`MAX_BLOCK`].
const FIRST_BLOCK: usize = 64 * 1024;
const MAX_BLOCK: usize = 1024 * 1024;
/// A file that shrinks while it is read is read again, this many times at most.
const ATTEMPTS: usize = 3;
/// The most a tail reads, whatever the lines: a file ending in one huge line
/// (a dump without newlines) must not be read into memory whole.
pub const MAX_TAIL_BYTES: usize = 64 * 1024 * 1024;
/// What [`Tail::lines`] puts before a first line whose beginning was not read.
const CUT_MARK: &str = "…";

/// The end of a log: the bytes from the start of the Nth-last line to the end
/// of the file, exactly as `tail -n N` would print them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    /// Offset of `bytes` in the file.
    pub start: u64,
    /// The file's length when read (where a follow continues).
    pub end: u64,
    /// In the file's encoding (UTF-16 too): [`Tail::lines`] decodes.
    pub bytes: Vec<u8>,
    pub encoding: LogEncoding,
    /// The lines asked for held more than [`MAX_TAIL_BYTES`]: `bytes`
    /// starts in the middle of its first line.
    pub cut: bool,
}

impl Tail {
    /// The lines without their newline (a `\r` before it is kept), as UTF-8
    /// for a UTF-16 file; a final line without newline is included, and a
    /// byte-order mark at the start of the file is not. When the tail was
    /// [`Tail::cut`], the first line begins with `…`.
    pub fn lines(&self) -> impl Iterator<Item = Cow<'_, [u8]>> {
        let encoding = self.encoding;
        let skip = if self.start == 0 {
            encoding.bom_len(&self.bytes)
        } else {
            0
        };
        let body = &self.bytes[skip..];
        let mut ends: Vec<usize> = encoding.newlines(body, self.start + skip as u64).collect();
        // A final newline ends the last line; it starts none.
        if body.len() > ends.last().map_or(0, |&i| i + encoding.unit()) {
            ends.push(body.len());
        }
        let mut from = 0;
        let mut cut = self.cut;
        ends.into_iter().map(move |end| {
            let mut line = encoding.decode(&body[from..end]);
            from = end + encoding.unit();
            if std::mem::take(&mut cut) {
                line = Cow::Owned([CUT_MARK.as_bytes(), &line].concat());
            }
            line
        })
    }

    /// The offset just past the last newline: following from here instead
    /// of [`Tail::end`] delivers a final line still being written (no
    /// newline yet) whole, once complete, rather than its two halves.
    pub fn complete_end(&self) -> u64 {
        let unit = self.encoding.unit();
        match self.encoding.newlines(&self.bytes, self.start).next_back() {
            Some(i) => self.start + (i + unit) as u64,
            None => self.start,
        }
    }
}

/// Reads the last `n` lines (a final line without newline counts as a line).
/// A missing file is an `io::ErrorKind::NotFound` error.
/// At most [`MAX_TAIL_BYTES`] are read (see [`Tail::cut`]).
pub async fn last_lines(source: &dyn LogSource, n: usize) -> io::Result<Tail> {
    last_lines_within(source, n, FIRST_BLOCK, MAX_TAIL_BYTES).await
}

/// [`last_lines`] with a chosen first block size and byte limit (tests use
/// tiny ones, to cross many block boundaries).
async fn last_lines_within(
    source: &dyn LogSource,
    n: usize,
    first_block: usize,
    max_bytes: usize,
) -> io::Result<Tail> {
    let first_block = first_block.max(1);
    let mut attempt = 0;
    loop {
        let Some(stat) = source.stat().await? else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "the log file does not exist",
            ));
        };
        match scan(source, n, stat.len, first_block, max_bytes).await? {
            Some(tail) => return Ok(tail),
            None if attempt + 1 < ATTEMPTS => attempt += 1,
            None => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the log file kept shrinking while its end was read",
                ));
            }
        }
    }
}

/// Scans backwards from `len`; `Ok(None)` when the file shrank meanwhile.
///
/// Every block starts at an even offset, so a UTF-16 code unit is never
/// split between two blocks. The encoding comes from the file's first bytes,
/// read alongside the first block (over SFTP, in the same round trips).
async fn scan(
    source: &dyn LogSource,
    n: usize,
    len: u64,
    first_block: usize,
    max_bytes: usize,
) -> io::Result<Option<Tail>> {
    if n == 0 || len == 0 {
        return Ok(Some(Tail {
            start: len,
            end: len,
            bytes: Vec::new(),
            encoding: LogEncoding::default(),
            cut: false,
        }));
    }
    // Blocks read so far, last block first; they cover `pos..len`.
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    let mut encoding = None;
    let mut pos = len;
    let mut wanted = n;
    let mut block = first_block;
    let mut cut = false;
    let start = loop {
        if pos == 0 {
            break 0;
        }
        if len - pos >= max_bytes as u64 {
            cut = true;
            break pos;
        }
        let room = max_bytes as u64 - (len - pos);
        let offset = pos.saturating_sub((block as u64).min(room)) & !1;
        let size = (pos - offset) as usize;
        let buf = if encoding.is_none() && offset > 0 {
            let (head, buf) =
                tokio::join!(source.read_at(0, HEAD_LEN), source.read_at(offset, size));
            encoding = Some(LogEncoding::detect(&head?).unwrap_or_default());
            buf?
        } else {
            source.read_at(offset, size).await?
        };
        if buf.len() != size {
            return Ok(None);
        }
        let encoding = *encoding.get_or_insert_with(|| {
            LogEncoding::detect(&buf[..buf.len().min(HEAD_LEN)]).unwrap_or_default()
        });
        // The newline ending the file ends the last line; it starts none.
        let haystack = if pos == len && encoding.ends_line(&buf, offset) {
            &buf[..size - encoding.unit()]
        } else {
            &buf[..]
        };
        let found = nth_newline_from_end(encoding.newlines(haystack, offset), &mut wanted);
        blocks.push(buf);
        pos = offset;
        if let Some(i) = found {
            break offset + (i + encoding.unit()) as u64;
        }
        block = (block * 2).min(MAX_BLOCK);
    };
    Ok(Some(Tail {
        start,
        end: len,
        bytes: assemble(blocks, (start - pos) as usize),
        encoding: encoding.unwrap_or_default(),
        cut,
    }))
}

/// Counts newlines backwards, decrementing `wanted`; the index of the one
/// that brings it to zero.
fn nth_newline_from_end(newlines: Newlines<'_>, wanted: &mut usize) -> Option<usize> {
    for i in newlines.rev() {
        *wanted -= 1;
        if *wanted == 0 {
            return Some(i);
        }
    }
    None
}

/// Joins blocks stored last-first, dropping `skip` leading bytes.
fn assemble(blocks: Vec<Vec<u8>>, skip: usize) -> Vec<u8> {
    let total: usize = blocks.iter().map(Vec::len).sum();
    let mut bytes = Vec::with_capacity(total - skip);
    let mut skip = skip;
    for block in blocks.into_iter().rev() {
        if skip >= block.len() {
            skip -= block.len();
            continue;
        }
        bytes.extend_from_slice(&block[skip..]);
        skip = 0;
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `tail -n` prints, the slow obvious way.
    fn reference(bytes: &[u8], n: usize) -> &[u8] {
        let mut lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
        let keep = lines.len().min(n);
        let first = lines.len() - keep;
        lines.drain(..first);
        let len: usize = lines.iter().map(|l| l.len()).sum();
        &bytes[bytes.len() - len..]
    }

    struct Mem(Vec<u8>);

    #[async_trait::async_trait]
    impl LogSource for Mem {
        async fn stat(&self) -> io::Result<Option<super::super::LogStat>> {
            Ok(Some(super::super::LogStat {
                len: self.0.len() as u64,
                id: None,
            }))
        }
        async fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
            let start = (offset as usize).min(self.0.len());
            let end = (start + len).min(self.0.len());
            Ok(self.0[start..end].to_vec())
        }
    }

    #[tokio::test]
    async fn tiny_blocks_agree_with_the_reference() {
        let samples: [&[u8]; 9] = [
            b"",
            b"\n",
            b"\n\n\n",
            b"a",
            b"a\nb",
            b"a\nb\n",
            b"one\r\ntwo\r\n\r\nthree",
            b"\n\nx\n\ny\n\n",
            b"long line here\nshort\n\n",
        ];
        for bytes in samples {
            let source = Mem(bytes.to_vec());
            for block in 1..6 {
                for n in 0..8 {
                    let tail = last_lines_within(&source, n, block, usize::MAX)
                        .await
                        .unwrap();
                    assert_eq!(
                        tail.bytes,
                        reference(bytes, n),
                        "{bytes:?} n={n} block={block}"
                    );
                    assert_eq!(tail.end, bytes.len() as u64);
                    assert_eq!(&bytes[tail.start as usize..], &tail.bytes[..]);
                }
            }
        }
    }

    fn utf16(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[tokio::test]
    async fn utf16_files_agree_with_the_decoded_reference() {
        // U+010A is `0A 01` in UTF-16LE: a newline byte that is no newline.
        let texts = [
            "",
            "\n",
            "one\r\ntwo\r\n",
            "\u{10a}\n\u{a0a}x\n\ny",
            "\n\né\u{1f600}\u{10a}\n\u{10a}\u{10a}\n",
        ];
        for text in texts {
            let mut bytes = b"\xff\xfe".to_vec();
            bytes.extend(utf16(text));
            let source = Mem(bytes.clone());
            for block in 1..8 {
                for n in 0..6 {
                    let tail = last_lines_within(&source, n, block, usize::MAX)
                        .await
                        .unwrap();
                    if n > 0 {
                        assert_eq!(tail.encoding, LogEncoding::Utf16Le, "{text:?}");
                    }
                    let got: Vec<String> = tail
                        .lines()
                        .map(|l| String::from_utf8(l.into_owned()).unwrap())
                        .collect();
                    let expected =
                        String::from_utf8(reference(text.as_bytes(), n).to_vec()).unwrap();
                    let expected: Vec<String> = if expected.is_empty() {
                        Vec::new()
                    } else {
                        let body = expected.strip_suffix('\n').unwrap_or(&expected);
                        body.split('\n').map(str::to_string).collect()
                    };
                    assert_eq!(got, expected, "{text:?} n={n} block={block}");
                    assert_eq!(tail.start % 2, 0, "{text:?} n={n} block={block}");
                }
            }
        }
    }

    #[tokio::test]
    async fn lines_longer_than_the_limit_are_cut_at_their_start() {
        let mut bytes = b"first\n".to_vec();
        bytes.extend(std::iter::repeat_n(b'x', 1000));
        bytes.extend_from_slice(b"\nlast\n");
        let source = Mem(bytes.clone());
        for block in [1, 7, 64, 4096] {
            let tail = last_lines_within(&source, 3, block, 100).await.unwrap();
            assert!(tail.cut, "block={block}");
            assert!(
                tail.bytes.len() <= 101,
                "block={block}: {}",
                tail.bytes.len()
            );
            let lines: Vec<Cow<[u8]>> = tail.lines().collect();
            assert_eq!(lines.len(), 2, "block={block}");
            assert!(lines[0].starts_with(CUT_MARK.as_bytes()), "block={block}");
            assert!(lines[0][CUT_MARK.len()..].iter().all(|&b| b == b'x'));
            assert_eq!(lines[1], &b"last"[..]);
            // Within the limit nothing is cut.
            let whole = last_lines_within(&source, 3, block, 2000).await.unwrap();
            assert!(!whole.cut);
            assert_eq!(whole.bytes, bytes);
        }
    }

    #[tokio::test]
    async fn a_byte_order_mark_is_not_part_of_the_first_line() {
        let source = Mem(b"\xef\xbb\xbfa\nb\n".to_vec());
        let tail = last_lines_within(&source, 5, 2, usize::MAX).await.unwrap();
        let lines: Vec<Cow<[u8]>> = tail.lines().collect();
        assert_eq!(lines, vec![&b"a"[..], b"b"]);
    }

    #[test]
    fn lines_and_complete_end() {
        let tail = Tail {
            start: 10,
            end: 17,
            bytes: b"a\r\nb\nc".to_vec(),
            encoding: LogEncoding::Bytes,
            cut: false,
        };
        let lines: Vec<Cow<[u8]>> = tail.lines().collect();
        assert_eq!(lines, vec![&b"a\r"[..], b"b", b"c"]);
        assert_eq!(tail.complete_end(), 15);
        let whole = Tail {
            start: 0,
            end: 3,
            bytes: b"a\n\n".to_vec(),
            encoding: LogEncoding::Bytes,
            cut: false,
        };
        assert_eq!(whole.lines().count(), 2);
        assert_eq!(whole.complete_end(), 3);
        let empty = Tail {
            start: 5,
            end: 5,
            bytes: Vec::new(),
            encoding: LogEncoding::Bytes,
            cut: false,
        };
        assert_eq!(empty.lines().count(), 0);
        assert_eq!(empty.complete_end(), 5);
    }
}
