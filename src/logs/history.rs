//! A log and its rotated files, read as one continuous log: oldest part
//! first, the live file last.
//!
//! Everything reads in blocks from a position, backwards or forwards, and
//! across the boundaries between parts; nothing reads a whole file it does
//! not need. A moment is found by bisecting on timestamps: the part whose
//! first entry is at or before it, then inside that part, probing a small
//! block at the middle of the range each time. Every byte read is counted
//! ([`LogHistory::bytes_read`]), which is what tests and benchmarks assert.
//!
//! Parts are ordered by the first timestamp in their first bytes (log4net's
//! names cannot say which part is newer: see [`super::rotation`]), and each
//! part has its own encoding, found in those same bytes: UTF-16LE with a
//! byte-order mark as for the live log (reads stay at even offsets).
//! A timestamp is compared as the log writes it (see [`super::when`]);
//! the search assumes a log's stamps do not go backwards by more than the
//! lines of one probe, as log4net's threads' entries do not.

use std::collections::VecDeque;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::encoding::LogEncoding;
use super::entry::{Entry, MAX_ENTRY_LINES, parse_level, parse_timestamp};
use super::rotation::is_rotated;
use super::sanitize::display_line;
use crate::node::{Node, NodeError, split_path};

/// Bytes of each part read to learn its encoding and first timestamp.
pub const HEAD: usize = 8 * 1024;
/// The first block read from a position; later ones double up to [`MAX_BLOCK`].
const FIRST_BLOCK: usize = 4 * 1024;
const MAX_BLOCK: usize = 256 * 1024;
/// What one bisection probe reads at a time.
const PROBE: usize = 4 * 1024;
/// The longest line kept whole; a longer one keeps its first bytes.
pub const MAX_LINE: usize = 1024 * 1024;
/// Bytes of a line enough to read its timestamp.
const STAMP_PREFIX: usize = 64;

/// A place in the log: a part (0 is the oldest) and a byte offset in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub part: usize,
    pub offset: u64,
}

/// One file of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPart {
    /// Relative to the node's root, `/`-separated.
    pub path: String,
    pub name: String,
    pub len: u64,
    pub mtime: Option<SystemTime>,
    /// The file the suite writes to now.
    pub live: bool,
    pub encoding: LogEncoding,
    /// Where the text starts (after a byte-order mark).
    pub start: u64,
    /// The first timestamp in the first [`HEAD`] bytes.
    pub first_time: Option<i64>,
}

/// One line as read: where it starts, and its bytes as UTF-8 (decoded
/// from UTF-16), without the newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub pos: Pos,
    pub text: Vec<u8>,
}

impl Line {
    /// The leading timestamp, read from the first bytes only.
    pub fn timestamp(&self) -> Option<i64> {
        let prefix = &self.text[..self.text.len().min(STAMP_PREFIX)];
        parse_timestamp(&String::from_utf8_lossy(prefix))
    }
}

/// An entry and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub pos: Pos,
    pub entry: Entry,
}

/// The parts of one log on one node.
pub struct LogHistory {
    node: Arc<dyn Node>,
    parts: Vec<LogPart>,
    read: Arc<AtomicU64>,
}

impl std::fmt::Debug for LogHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogHistory")
            .field("node", &self.node.name())
            .field("parts", &self.parts)
            .finish()
    }
}

fn node_io(e: NodeError) -> io::Error {
    let kind = match &e {
        NodeError::Io { source, .. } => source.kind(),
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, e)
}

/// Log-scale milliseconds of a modification time (the fallback order).
fn mtime_ms(mtime: Option<SystemTime>) -> i64 {
    mtime
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(i64::MIN, |d| d.as_millis() as i64)
}

impl LogHistory {
    /// The log at `path` (relative to the node's root) and its rotated
    /// files beside it. `NotFound` when neither the log nor any rotated
    /// file exists.
    pub async fn open(node: Arc<dyn Node>, path: &str) -> io::Result<LogHistory> {
        let (dir, live_name) = split_path(path);
        let listing = node.list_dir(dir).await.map_err(node_io)?;
        let mut parts = Vec::new();
        for entry in listing.unwrap_or_default() {
            let live = entry.name.eq_ignore_ascii_case(live_name);
            if entry.is_dir || !(live || is_rotated(live_name, &entry.name)) {
                continue;
            }
            let path = if dir.is_empty() {
                entry.name.clone()
            } else {
                format!("{dir}/{}", entry.name)
            };
            parts.push(LogPart {
                path,
                name: entry.name,
                len: entry.len,
                mtime: entry.mtime,
                live,
                encoding: LogEncoding::Bytes,
                start: 0,
                first_time: None,
            });
        }
        if parts.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "the log file does not exist",
            ));
        }
        let history = LogHistory {
            node,
            parts,
            read: Arc::new(AtomicU64::new(0)),
        };
        history.read_heads().await
    }

    /// Reads the first bytes of every part at once, then orders them.
    async fn read_heads(mut self) -> io::Result<LogHistory> {
        let mut reads = tokio::task::JoinSet::new();
        for (i, part) in self.parts.iter().enumerate() {
            let (node, path) = (self.node.clone(), part.path.clone());
            let want = part.len.min(HEAD as u64) as usize;
            reads.spawn(async move { (i, node.read_at(&path, 0, want).await) });
        }
        while let Some(done) = reads.join_next().await {
            let (i, head) = done.map_err(|e| io::Error::other(format!("log read failed: {e}")))?;
            let head = match head {
                Ok(head) => head,
                // Rotated away between the listing and the read.
                Err(NodeError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                    Vec::new()
                }
                Err(e) => return Err(node_io(e)),
            };
            self.read.fetch_add(head.len() as u64, Ordering::Relaxed);
            let part = &mut self.parts[i];
            part.encoding = LogEncoding::detect(&head).unwrap_or_default();
            part.start = part.encoding.bom_len(&head) as u64;
            part.first_time = first_time(&head, part.start, part.encoding);
        }
        self.parts.sort_by(|a, b| {
            let key = |p: &LogPart| (p.live, p.first_time.unwrap_or(mtime_ms(p.mtime)));
            key(a).cmp(&key(b)).then_with(|| a.name.cmp(&b.name))
        });
        Ok(self)
    }

    /// Oldest first; the live file (when it exists) last.
    pub fn parts(&self) -> &[LogPart] {
        &self.parts
    }

    pub fn node(&self) -> &Arc<dyn Node> {
        &self.node
    }

    /// Every byte read from the node so far (heads, probes, lines).
    pub fn bytes_read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }

    /// Just past the last byte of the newest part.
    pub fn end(&self) -> Pos {
        let part = self.parts.len() - 1;
        Pos {
            part,
            offset: self.parts[part].len,
        }
    }

    /// The first byte of the oldest part's text.
    pub fn beginning(&self) -> Pos {
        Pos {
            part: 0,
            offset: self.parts[0].start,
        }
    }

    /// Bytes from `from` to `to` (both in the log), across parts.
    pub fn span(&self, from: Pos, to: Pos) -> u64 {
        if from >= to {
            return 0;
        }
        (from.part..=to.part)
            .map(|i| {
                let part = &self.parts[i];
                let lo = if i == from.part {
                    from.offset
                } else {
                    part.start
                };
                let hi = if i == to.part { to.offset } else { part.len };
                hi.saturating_sub(lo)
            })
            .sum()
    }

    async fn read(&self, part: usize, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let path = &self.parts[part].path;
        let bytes = self
            .node
            .read_at(path, offset, len)
            .await
            .map_err(node_io)?;
        self.read.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(bytes)
    }

    /// Lines before `pos`, newest first.
    pub fn backward(&self, pos: Pos) -> Backward<'_> {
        Backward {
            history: self,
            part: pos.part,
            pos: pos.offset.min(self.parts[pos.part].len),
            tail: Vec::new(),
            first_in_part: true,
            ready: VecDeque::new(),
            block: FIRST_BLOCK,
            done: false,
            pending: Vec::new(),
        }
    }

    /// Lines from `pos` (a line's start) on, oldest first, to the end of
    /// the newest part as it was when the log was opened.
    pub fn forward(&self, pos: Pos) -> Forward<'_> {
        Forward {
            history: self,
            part: pos.part,
            pos: pos.offset.max(self.parts[pos.part].start),
            tail: Vec::new(),
            ready: VecDeque::new(),
            block: FIRST_BLOCK,
            grow: true,
            skip_partial: false,
            stop_at: None,
            done: false,
            head: None,
        }
    }

    /// Where the first entry stamped at or after `t` starts (the end of
    /// the log when there is none).
    pub async fn seek(&self, t: i64) -> io::Result<Pos> {
        let Some(part) = (0..self.parts.len())
            .rev()
            .find(|&i| self.parts[i].first_time.is_some_and(|f| f <= t))
        else {
            // Everything is later (or nothing is stamped): from the start.
            return Ok(self.beginning());
        };
        match self.bisect(part, t).await? {
            Some(offset) => Ok(Pos { part, offset }),
            None if part + 1 < self.parts.len() => Ok(Pos {
                part: part + 1,
                offset: self.parts[part + 1].start,
            }),
            None => Ok(self.end()),
        }
    }

    /// In one part: the start of the first line stamped at or after `t`.
    async fn bisect(&self, part: usize, t: i64) -> io::Result<Option<u64>> {
        let p = &self.parts[part];
        let unit = p.encoding.unit() as u64;
        // Every stamped line starting before `lo` is earlier than `t`.
        let (mut lo, mut hi) = (p.start, p.len);
        while hi - lo > PROBE as u64 {
            let mid = (lo + (hi - lo) / 2) / unit * unit;
            match self.first_stamped(part, mid, Some(hi)).await? {
                Some((start, stamp)) if stamp < t => lo = start + unit,
                Some((start, _)) => hi = start,
                None => hi = mid,
            }
        }
        let mut lines = self.forward_from_within(part, lo);
        while let Some(line) = lines.next().await? {
            if line.pos.part != part {
                return Ok(None);
            }
            if line.timestamp().is_some_and(|s| s >= t) {
                return Ok(Some(line.pos.offset));
            }
        }
        Ok(None)
    }

    /// The first stamped line starting after `offset` (or at it, at the
    /// start of the text) and before `before`, with its stamp.
    async fn first_stamped(
        &self,
        part: usize,
        offset: u64,
        before: Option<u64>,
    ) -> io::Result<Option<(u64, i64)>> {
        let mut lines = self.forward_from_within(part, offset);
        lines.block = PROBE;
        lines.grow = false;
        lines.stop_at = Some(Pos {
            part,
            offset: before.unwrap_or(self.parts[part].len),
        });
        while let Some(line) = lines.next().await? {
            if let Some(stamp) = line.timestamp() {
                return Ok(Some((line.pos.offset, stamp)));
            }
        }
        Ok(None)
    }

    /// Lines of `part` from `offset`, which may fall inside a line: that
    /// partial line is skipped (unless `offset` is where the text starts).
    fn forward_from_within(&self, part: usize, offset: u64) -> Forward<'_> {
        let start = self.parts[part].start;
        let mut lines = self.forward(Pos { part, offset });
        lines.skip_partial = offset > start;
        if lines.skip_partial {
            // The byte before `offset` may be the newline that makes it a line start.
            lines.pos = offset - self.parts[part].encoding.unit() as u64;
        }
        lines
    }

    /// `before` entries before the moment `t` and `after` from it on.
    pub async fn around(
        &self,
        t: i64,
        before: usize,
        after: usize,
    ) -> io::Result<(Vec<Placed>, Vec<Placed>)> {
        let at = self.seek(t).await?;
        let earlier = self.backward(at).entries(before).await?;
        let later = self.forward(at).entries(after).await?;
        Ok((earlier, later))
    }
}

/// The first timestamp among the lines of a part's first bytes.
fn first_time(head: &[u8], start: u64, encoding: LogEncoding) -> Option<i64> {
    let body = &head[start as usize..];
    let mut from = 0;
    for end in encoding
        .newlines(body, start)
        .chain(std::iter::once(body.len()))
    {
        let line = encoding.decode(&body[from..end]);
        let prefix = &line[..line.len().min(STAMP_PREFIX)];
        if let Some(t) = parse_timestamp(&String::from_utf8_lossy(prefix)) {
            return Some(t);
        }
        from = (end + encoding.unit()).min(body.len());
    }
    None
}

/// Turns raw lines into an entry's displayable lines.
fn entry_of(head: Line, rest: Vec<Line>) -> Placed {
    let first = display_line(&head.text, MAX_LINE);
    let mut lines = vec![first];
    lines.extend(
        rest.iter()
            .take(MAX_ENTRY_LINES - 1)
            .map(|l| display_line(&l.text, MAX_LINE)),
    );
    Placed {
        pos: head.pos,
        entry: Entry {
            timestamp_ms: head.timestamp(),
            level: parse_level(&lines[0]),
            lines,
        },
    }
}

/// Lines read backwards across parts ([`LogHistory::backward`]).
pub struct Backward<'a> {
    history: &'a LogHistory,
    part: usize,
    /// The unread bytes of the part are `start..pos`.
    pos: u64,
    /// The known end of the line being read (its start not found yet).
    tail: Vec<u8>,
    /// No newline handled yet in this part: the one that ends the region
    /// ends a line, and starts none.
    first_in_part: bool,
    ready: VecDeque<Line>,
    block: usize,
    done: bool,
    /// Continuation lines read before their entry's first line (backwards).
    pending: Vec<Line>,
}

impl Backward<'_> {
    /// The next line back, `None` before the first line of the oldest part.
    pub async fn next(&mut self) -> io::Result<Option<Line>> {
        loop {
            if let Some(line) = self.ready.pop_front() {
                return Ok(Some(line));
            }
            if self.done {
                return Ok(None);
            }
            self.fill().await?;
        }
    }

    /// The next entry back: its first (stamped) line and what follows it.
    /// Lines at the very start of the oldest part with no stamp before
    /// them make an entry without a timestamp.
    pub async fn next_entry(&mut self) -> io::Result<Option<Placed>> {
        while let Some(line) = self.next().await? {
            if line.timestamp().is_some() {
                let mut rest = std::mem::take(&mut self.pending);
                rest.reverse();
                return Ok(Some(entry_of(line, rest)));
            }
            self.pending.push(line);
            if self.pending.len() >= MAX_ENTRY_LINES {
                // A log without stamps: what is held makes an entry.
                break;
            }
        }
        let Some(head) = self.pending.pop() else {
            return Ok(None);
        };
        let mut rest = std::mem::take(&mut self.pending);
        rest.reverse();
        Ok(Some(entry_of(head, rest)))
    }

    /// Up to `n` entries back, oldest first.
    pub async fn entries(&mut self, n: usize) -> io::Result<Vec<Placed>> {
        let mut found = Vec::new();
        while found.len() < n {
            match self.next_entry().await? {
                Some(e) => found.push(e),
                None => break,
            }
        }
        found.reverse();
        Ok(found)
    }

    async fn fill(&mut self) -> io::Result<()> {
        let part = &self.history.parts[self.part];
        let (start, encoding) = (part.start, part.encoding);
        let unit = encoding.unit();
        if self.pos <= start {
            self.finish_part(start);
            return Ok(());
        }
        let mut offset = self.pos.saturating_sub(self.block as u64).max(start);
        if unit == 2 {
            offset = (offset & !1).max(start);
        }
        let size = (self.pos - offset) as usize;
        let mut buf = self.history.read(self.part, offset, size).await?;
        if buf.len() < size {
            // The part shrank under us: what is left of it is gone.
            self.pos = start;
            self.tail.clear();
            self.finish_part(start);
            return Ok(());
        }
        buf.extend_from_slice(&self.tail);
        let mut end = buf.len();
        let newlines: Vec<usize> = encoding.newlines(&buf, offset).collect();
        for &i in newlines.iter().rev() {
            let seg = &buf[i + unit..end];
            if !(self.first_in_part && seg.is_empty()) {
                self.ready.push_back(Line {
                    pos: Pos {
                        part: self.part,
                        offset: offset + (i + unit) as u64,
                    },
                    text: encoding.decode(seg).into_owned(),
                });
            }
            self.first_in_part = false;
            end = i;
        }
        buf.truncate(end.min(MAX_LINE));
        self.tail = buf;
        self.pos = offset;
        self.block = (self.block * 2).min(MAX_BLOCK);
        Ok(())
    }

    /// The first line of the part (what remains), then on to the older part.
    fn finish_part(&mut self, start: u64) {
        let had_text = !self.tail.is_empty() || !self.first_in_part;
        if had_text {
            let encoding = self.history.parts[self.part].encoding;
            let text = encoding.decode(&self.tail).into_owned();
            self.ready.push_back(Line {
                pos: Pos {
                    part: self.part,
                    offset: start,
                },
                text,
            });
        }
        self.tail.clear();
        if self.part == 0 {
            self.done = true;
            return;
        }
        self.part -= 1;
        self.pos = self.history.parts[self.part].len;
        self.first_in_part = true;
        self.block = FIRST_BLOCK;
    }
}

/// Lines read forwards across parts ([`LogHistory::forward`]).
pub struct Forward<'a> {
    history: &'a LogHistory,
    part: usize,
    /// The next byte to read in the part.
    pos: u64,
    /// Bytes of a line whose newline is not read yet.
    tail: Vec<u8>,
    ready: VecDeque<Line>,
    block: usize,
    /// Blocks double as reading goes on (not for a probe).
    grow: bool,
    /// Drop everything up to the first newline (started inside a line).
    skip_partial: bool,
    /// Stop before a line starting here or later.
    stop_at: Option<Pos>,
    done: bool,
    /// The stamped line of the entry being gathered.
    head: Option<Line>,
}

impl Forward<'_> {
    /// The next line, `None` at the end of the newest part (or the stop).
    pub async fn next(&mut self) -> io::Result<Option<Line>> {
        loop {
            if let Some(line) = self.ready.pop_front() {
                if self.stop_at.is_some_and(|stop| line.pos >= stop) {
                    self.ready.clear();
                    self.done = true;
                    return Ok(None);
                }
                return Ok(Some(line));
            }
            if self.done {
                return Ok(None);
            }
            self.fill().await?;
        }
    }

    /// Where the next line starts (where reading goes on).
    pub fn position(&self) -> Pos {
        match self.ready.front() {
            Some(line) => line.pos,
            None => Pos {
                part: self.part,
                offset: self.pos - self.tail.len() as u64,
            },
        }
    }

    /// The next entry: a stamped line and the unstamped lines after it
    /// (across a part boundary too). Lines before any stamp at the start
    /// make an entry without a timestamp.
    pub async fn next_entry(&mut self) -> io::Result<Option<Placed>> {
        let head = match self.head.take() {
            Some(head) => head,
            None => match self.next().await? {
                Some(line) => line,
                None => return Ok(None),
            },
        };
        let mut rest = Vec::new();
        while let Some(line) = self.next().await? {
            if line.timestamp().is_some() {
                self.head = Some(line);
                break;
            }
            if rest.len() + 1 >= MAX_ENTRY_LINES {
                self.head = Some(line);
                break;
            }
            rest.push(line);
        }
        Ok(Some(entry_of(head, rest)))
    }

    /// Up to `n` entries on.
    pub async fn entries(&mut self, n: usize) -> io::Result<Vec<Placed>> {
        let mut found = Vec::new();
        while found.len() < n {
            match self.next_entry().await? {
                Some(e) => found.push(e),
                None => break,
            }
        }
        Ok(found)
    }

    async fn fill(&mut self) -> io::Result<()> {
        let part = &self.history.parts[self.part];
        let (len, encoding) = (part.len, part.encoding);
        let unit = encoding.unit();
        if self.pos >= len {
            self.finish_part();
            return Ok(());
        }
        let size = (len - self.pos).min(self.block as u64) as usize;
        let size = if unit == 2 && size > 1 {
            size & !1
        } else {
            size
        };
        let chunk = self.history.read(self.part, self.pos, size).await?;
        let at = self.pos;
        self.pos += chunk.len() as u64;
        if chunk.len() < size {
            // Shrank: read what was there, then on to the next part.
            self.pos = len;
        }
        let base = at - self.tail.len() as u64;
        let mut buf = std::mem::take(&mut self.tail);
        buf.extend_from_slice(&chunk);
        let mut from = 0;
        for i in encoding.newlines(&buf, base) {
            if std::mem::take(&mut self.skip_partial) {
                from = i + unit;
                continue;
            }
            self.ready.push_back(Line {
                pos: Pos {
                    part: self.part,
                    offset: base + from as u64,
                },
                text: encoding.decode(&buf[from..i]).into_owned(),
            });
            from = i + unit;
        }
        if from > 0 {
            buf.drain(..from);
        }
        if buf.len() > MAX_LINE && !self.skip_partial {
            // A runaway line: its first bytes, then on to the next newline.
            let offset = self.pos - buf.len() as u64;
            buf.truncate(MAX_LINE);
            self.ready.push_back(Line {
                pos: Pos {
                    part: self.part,
                    offset,
                },
                text: encoding.decode(&buf).into_owned(),
            });
            buf.clear();
            self.skip_partial = true;
        } else if self.skip_partial {
            buf.clear();
        }
        self.tail = buf;
        self.block = (self.block * 2).min(if self.grow { MAX_BLOCK } else { PROBE });
        Ok(())
    }

    fn finish_part(&mut self) {
        if !self.tail.is_empty() && !self.skip_partial {
            let encoding = self.history.parts[self.part].encoding;
            let tail = std::mem::take(&mut self.tail);
            self.ready.push_back(Line {
                pos: Pos {
                    part: self.part,
                    offset: self.pos - tail.len() as u64,
                },
                text: encoding.decode(&tail).into_owned(),
            });
        }
        self.tail.clear();
        self.skip_partial = false;
        if self.part + 1 >= self.history.parts.len() {
            self.done = true;
            return;
        }
        self.part += 1;
        self.pos = self.history.parts[self.part].start;
        self.block = FIRST_BLOCK.min(self.block);
    }
}
