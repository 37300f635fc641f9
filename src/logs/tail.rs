//! The last N lines, found by reading backwards in blocks: never the whole file.

use std::io;

use memchr::memrchr_iter;

use super::LogSource;

/// The first block read from the end; later blocks double up to [`MAX_BLOCK`].
const FIRST_BLOCK: usize = 64 * 1024;
const MAX_BLOCK: usize = 1024 * 1024;
/// A file that shrinks while it is read is read again, this many times at most.
const ATTEMPTS: usize = 3;

/// The end of a log: the bytes from the start of the Nth-last line to the end
/// of the file, exactly as `tail -n N` would print them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    /// Offset of `bytes` in the file.
    pub start: u64,
    /// The file's length when read (where a follow continues).
    pub end: u64,
    pub bytes: Vec<u8>,
}

impl Tail {
    /// The lines without their `\n` (a `\r` before it is kept); a final line
    /// without newline is included.
    pub fn lines(&self) -> impl Iterator<Item = &[u8]> {
        let body = self.bytes.strip_suffix(b"\n").unwrap_or(&self.bytes);
        let empty = self.bytes.is_empty();
        body.split(|&b| b == b'\n').filter(move |_| !empty)
    }

    /// The offset just past the last `\n`: following from here instead of
    /// [`Tail::end`] delivers a final line still being written (no newline
    /// yet) whole, once complete, rather than its two halves.
    pub fn complete_end(&self) -> u64 {
        match memrchr_iter(b'\n', &self.bytes).next() {
            Some(i) => self.start + i as u64 + 1,
            None => self.start,
        }
    }
}

/// Reads the last `n` lines (a final line without newline counts as a line).
/// A missing file is an `io::ErrorKind::NotFound` error.
pub async fn last_lines(source: &dyn LogSource, n: usize) -> io::Result<Tail> {
    last_lines_in_blocks(source, n, FIRST_BLOCK).await
}

/// [`last_lines`] with a chosen first block size (tests use tiny blocks to
/// cross many block boundaries).
#[doc(hidden)]
pub async fn last_lines_in_blocks(
    source: &dyn LogSource,
    n: usize,
    first_block: usize,
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
        match scan(source, n, stat.len, first_block).await? {
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
async fn scan(
    source: &dyn LogSource,
    n: usize,
    len: u64,
    first_block: usize,
) -> io::Result<Option<Tail>> {
    if n == 0 || len == 0 {
        return Ok(Some(Tail {
            start: len,
            end: len,
            bytes: Vec::new(),
        }));
    }
    // Blocks read so far, last block first; they cover `pos..len`.
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    let mut pos = len;
    let mut wanted = n;
    let mut block = first_block;
    let start = loop {
        if pos == 0 {
            break 0;
        }
        let size = block.min(usize::try_from(pos).unwrap_or(usize::MAX));
        let offset = pos - size as u64;
        let buf = source.read_at(offset, size).await?;
        if buf.len() != size {
            return Ok(None);
        }
        // The newline ending the file ends the last line; it starts none.
        let haystack = if pos == len && buf.ends_with(b"\n") {
            &buf[..size - 1]
        } else {
            &buf[..]
        };
        let found = nth_newline_from_end(haystack, &mut wanted);
        blocks.push(buf);
        pos = offset;
        if let Some(i) = found {
            break offset + i as u64 + 1;
        }
        block = (block * 2).min(MAX_BLOCK);
    };
    Ok(Some(Tail {
        start,
        end: len,
        bytes: assemble(blocks, (start - pos) as usize),
    }))
}

/// Counts newlines backwards, decrementing `wanted`; the index of the one
/// that brings it to zero.
fn nth_newline_from_end(haystack: &[u8], wanted: &mut usize) -> Option<usize> {
    for i in memrchr_iter(b'\n', haystack) {
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
                    let tail = last_lines_in_blocks(&source, n, block).await.unwrap();
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

    #[test]
    fn lines_and_complete_end() {
        let tail = Tail {
            start: 10,
            end: 17,
            bytes: b"a\r\nb\nc".to_vec(),
        };
        let lines: Vec<&[u8]> = tail.lines().collect();
        assert_eq!(lines, vec![&b"a\r"[..], b"b", b"c"]);
        assert_eq!(tail.complete_end(), 15);
        let whole = Tail {
            start: 0,
            end: 3,
            bytes: b"a\n\n".to_vec(),
        };
        assert_eq!(whole.lines().count(), 2);
        assert_eq!(whole.complete_end(), 3);
        let empty = Tail {
            start: 5,
            end: 5,
            bytes: Vec::new(),
        };
        assert_eq!(empty.lines().count(), 0);
        assert_eq!(empty.complete_end(), 5);
    }
}
