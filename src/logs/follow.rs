//! Following a log as it grows, across rotation and truncation, without
//! losing or repeating a line; a partial last line waits for its newline.
//!
//! Each poll stats the file by its path and reads what follows the offset.
//! - **Truncation**: the file is shorter than the offset, or its first bytes
//!   (a fingerprint of up to [`FINGERPRINT_LEN`] bytes) changed. Reading
//!   starts again at 0.
//! - **Rotation**: the file's identity (inode) changed, or it vanished and
//!   came back. The new file is read from 0.
//!
//! The remaining window: bytes appended to the old file after the last poll
//! and before it was renamed are in a file we can no longer name. Where the
//! source offers [`LogSource::keep_open`] (a local file on Unix) the follower
//! keeps a descriptor on the file it reads, so after a rename it finishes
//! the old inode through it and no line is lost. On Windows a held handle
//! could stop the suite from rotating its log, and over a node transport
//! every read is open-read-close, so there the window stays (it is as long
//! as the poll interval). Without an identity (Windows), a rotation is seen
//! only as a truncation (shorter file or changed first bytes); a file that
//! is replaced by one at least as long with the same first bytes, or
//! rotated twice between polls, cannot be told apart, and is missed.
//!
//! The encoding comes from the first bytes, read at every poll anyway for
//! the fingerprint: a UTF-16LE log is split at whole `0A 00` code units
//! (reads stay at even offsets; an odd last byte waits for its pair) and its
//! lines are handed out as UTF-8. A byte-order mark is never part of a line.

use std::io;

use super::encoding::LogEncoding;
use super::{LogSource, LogStat};

/// One read asks for at most this much.
pub const READ_CHUNK: usize = 1024 * 1024;
/// One poll reads at most about this much, so a consumer (a UI) stays
/// responsive after a burst; [`Polled::more`] says to poll again at once.
pub const POLL_LIMIT: usize = 2 * READ_CHUNK;
/// How many leading bytes identify the content of the file.
pub const FINGERPRINT_LEN: usize = 256;
/// A line without newline longer than this is handed out in pieces, so a
/// runaway line cannot take all memory.
pub const MAX_LINE: usize = 64 * 1024 * 1024;

/// What one poll found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Polled {
    /// Complete new lines (without their newline), raw bytes, or UTF-8
    /// decoded from a UTF-16 log.
    pub lines: Vec<Vec<u8>>,
    /// The file was replaced by a new one (renamed and recreated).
    pub rotated: bool,
    /// The file shrank or its first bytes changed: read again from the start.
    pub truncated: bool,
    /// More was appended than one poll reads: poll again right away.
    pub more: bool,
}

/// Polls a [`LogSource`] from an offset.
pub struct Follower<S> {
    source: S,
    /// Where the next read starts, in the file being read.
    offset: u64,
    /// Bytes after the last newline, waiting for theirs.
    partial: Vec<u8>,
    /// The first bytes of the file being read, as last seen.
    fingerprint: Vec<u8>,
    /// The encoding of the file being read; `None` while its first bytes
    /// could still become a byte-order mark.
    encoding: Option<LogEncoding>,
    /// The identity of the file being read, where known.
    id: Option<u64>,
    /// A file was there (the offset belongs to it).
    seen: bool,
    /// The file was missing at a poll since it was last there.
    vanished: bool,
    /// An open descriptor on the file being read (Unix local files only).
    held: Option<Held>,
}

struct Held {
    file: Box<dyn LogSource>,
    id: u64,
}

impl<S: LogSource> Follower<S> {
    /// Starts following at `offset` (usually [`super::Tail::end`]).
    pub fn new(source: S, offset: u64) -> Self {
        Follower {
            source,
            offset,
            partial: Vec::new(),
            fingerprint: Vec::new(),
            encoding: None,
            id: None,
            // A non-zero offset was found in a file that existed then.
            seen: offset > 0,
            vanished: false,
            held: None,
        }
    }

    pub fn source(&self) -> &S {
        &self.source
    }

    /// Where the next read starts (lines up to here were handed out, except
    /// a partial last line held back).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Reads what was appended since the last poll. A missing file is not an
    /// error: nothing new.
    ///
    /// An error after something was found (say the second read of a burst
    /// over a flaky link) hands out what was found, with [`Polled::more`]
    /// set: the follower has moved past it, so it must not be dropped. The
    /// error comes back at the next poll if it persists.
    pub async fn poll(&mut self) -> io::Result<Polled> {
        let mut out = Polled::default();
        match self.poll_into(&mut out).await {
            Ok(()) => Ok(out),
            Err(_) if !out.lines.is_empty() || out.rotated || out.truncated => {
                out.more = true;
                Ok(out)
            }
            Err(e) => Err(e),
        }
    }

    async fn poll_into(&mut self, out: &mut Polled) -> io::Result<()> {
        let current = self.source.stat().await?;
        let was_held = self.held.is_some();
        if self.held_elsewhere(current) {
            // Renamed away or removed: finish it through the descriptor.
            let len = self.held_len().await?;
            let caught_up = self.catch_up(out, len).await?;
            if !caught_up || current.is_none() {
                self.vanished |= current.is_none();
                out.more = !caught_up;
                return Ok(());
            }
            self.next_file(out, true);
        }
        let Some(stat) = current else {
            self.vanished = true;
            return Ok(());
        };
        if !was_held {
            self.notice_replacement(&stat, out);
        }
        self.seen = true;
        self.vanished = false;
        self.id = stat.id;
        if self.held.is_none() {
            self.hold(&stat).await?;
        }
        match self.catch_up(out, stat.len).await {
            Ok(caught_up) => out.more = !caught_up,
            // Gone between the stat and the read: the next poll sees it.
            Err(e) if e.kind() == io::ErrorKind::NotFound => self.vanished = true,
            Err(e) => return Err(e),
        }
        Ok(())
    }

    /// A descriptor is held on a file that is no longer at the path.
    fn held_elsewhere(&self, current: Option<LogStat>) -> bool {
        match &self.held {
            Some(held) => current.and_then(|s| s.id) != Some(held.id),
            None => false,
        }
    }

    /// Without a descriptor: a changed identity, or a file that vanished
    /// and came back, is a new file.
    fn notice_replacement(&mut self, stat: &LogStat, out: &mut Polled) {
        let other_id = matches!((self.id, stat.id), (Some(a), Some(b)) if a != b);
        if other_id || (self.vanished && self.seen) {
            self.next_file(out, true);
        } else if self.vanished {
            // Missing since we started: the file that appeared is read whole.
            self.next_file(out, false);
        }
    }

    /// Opens a descriptor on the file just stat'ed, where the source allows.
    async fn hold(&mut self, stat: &LogStat) -> io::Result<()> {
        let file = match self.source.keep_open().await {
            Ok(Some(file)) => file,
            Ok(None) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let held_id = file.stat().await?.and_then(|s| s.id);
        // Replaced between the stat and the open: hold it at the next poll.
        if let (Some(id), true) = (held_id, held_id == stat.id) {
            self.held = Some(Held { file, id });
        }
        Ok(())
    }

    async fn held_len(&self) -> io::Result<u64> {
        let held = self.held.as_ref().map(|h| &h.file);
        let stat = match held {
            Some(file) => file.stat().await?,
            None => None,
        };
        Ok(stat.map_or(0, |s| s.len))
    }

    fn reader(&self) -> &dyn LogSource {
        match &self.held {
            Some(held) => held.file.as_ref(),
            None => &self.source,
        }
    }

    /// Hands out what remains of the current file and starts on the next,
    /// from its first byte.
    fn next_file(&mut self, out: &mut Polled, rotated: bool) {
        self.flush_partial(out);
        self.offset = 0;
        self.fingerprint.clear();
        self.encoding = None;
        self.held = None;
        out.rotated |= rotated;
    }

    /// The file was truncated: what was held back is all there will be of
    /// its last line.
    fn flush_partial(&mut self, out: &mut Polled) {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            out.lines.push(self.decoded(line));
        }
    }

    fn decoded(&self, raw: Vec<u8>) -> Vec<u8> {
        match self.encoding {
            Some(LogEncoding::Utf16Le) => LogEncoding::Utf16Le.decode(&raw).into_owned(),
            _ => raw,
        }
    }

    /// Checks for truncation, then reads from the offset until the end or
    /// the poll limit. `true`: caught up with the end of the file.
    async fn catch_up(&mut self, out: &mut Polled, len: u64) -> io::Result<bool> {
        if self.truncated(len).await? {
            self.flush_partial(out);
            self.offset = 0;
            out.truncated = true;
            self.encoding = None;
        }
        if self.encoding.is_none() {
            self.encoding = LogEncoding::detect(&self.fingerprint);
        }
        let Some(encoding) = self.encoding else {
            return Ok(true);
        };
        if self.offset == 0 {
            self.offset = encoding.bom_len(&self.fingerprint) as u64;
        }
        let unit = encoding.unit() as u64;
        // Only a start in the middle of a code unit (a tail taken while the
        // writer was half-way through one) is odd: that unit is read again.
        self.offset -= self.offset % unit;
        let mut read = 0;
        loop {
            let chunk = self.reader().read_at(self.offset, READ_CHUNK).await?;
            let at = self.offset;
            // An odd last byte of UTF-16 waits for the rest of its code unit.
            let whole = chunk.len() - ((at + chunk.len() as u64) % unit) as usize;
            self.offset += whole as u64;
            read += whole;
            self.split_lines(&chunk[..whole], at, encoding, out);
            if chunk.len() < READ_CHUNK {
                return Ok(true);
            }
            if read >= POLL_LIMIT {
                return Ok(false);
            }
        }
    }

    /// Shorter than the offset, or different first bytes. Keeps the
    /// fingerprint up to date (the current file's first bytes).
    async fn truncated(&mut self, len: u64) -> io::Result<bool> {
        let want = len.min(FINGERPRINT_LEN as u64) as usize;
        let head = if want == 0 {
            Vec::new()
        } else {
            self.reader().read_at(0, want).await?
        };
        let shrunk = len < self.offset;
        let changed = !head.starts_with(&self.fingerprint);
        self.fingerprint = head;
        Ok(shrunk || changed)
    }

    /// Appends `chunk` (read at offset `at`) to the held-back partial line
    /// and hands out every line it completes.
    fn split_lines(&mut self, chunk: &[u8], at: u64, encoding: LogEncoding, out: &mut Polled) {
        let mut start = 0;
        for end in encoding.newlines(chunk, at) {
            let piece = &chunk[start..end];
            if self.partial.is_empty() {
                out.lines.push(encoding.decode(piece).into_owned());
            } else {
                self.partial.extend_from_slice(piece);
                let line = std::mem::take(&mut self.partial);
                out.lines.push(self.decoded(line));
            }
            start = end + encoding.unit();
        }
        self.partial.extend_from_slice(&chunk[start..]);
        if self.partial.len() >= MAX_LINE {
            self.flush_partial(out);
        }
    }
}
