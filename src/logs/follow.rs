//! Following a log as it grows, across rotation and truncation, without
//! losing or repeating a line; a partial last line waits for its newline.

use std::io;

use super::LogSource;

/// What one poll found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Polled {
    /// Complete new lines, raw (without `\n`).
    pub lines: Vec<Vec<u8>>,
    /// The file was replaced by a new one (renamed and recreated).
    pub rotated: bool,
    /// The file shrank or its first bytes changed: read again from the start.
    pub truncated: bool,
}

/// Polls a [`LogSource`] from an offset.
pub struct Follower<S> {
    source: S,
}

impl<S: LogSource> Follower<S> {
    /// Starts following at `offset` (usually [`super::Tail::end`]).
    pub fn new(source: S, offset: u64) -> Self {
        let _ = offset;
        Follower { source }
    }

    /// Reads what was appended since the last poll.
    pub async fn poll(&mut self) -> io::Result<Polled> {
        let _ = &self.source;
        todo!()
    }
}
