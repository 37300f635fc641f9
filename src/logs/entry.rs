//! Lines grouped into entries: a line that does not start with a timestamp
//! continues the previous entry (stack traces).

/// Log levels, lowest first (log4net spellings accepted when parsing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl Level {
    /// Case-insensitive: TRACE, VERBOSE, DEBUG, INFO, WARN, WARNING, ERROR, FATAL, CRITICAL.
    pub fn parse(text: &str) -> Option<Level> {
        let _ = text;
        todo!()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }
}

/// One log entry: its first line and any continuation lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Milliseconds since the Unix epoch of the leading timestamp, read as UTC
    /// (the suite logs local time; only ordering matters here).
    pub timestamp_ms: Option<i64>,
    pub level: Option<Level>,
    /// Sanitized lines, first one first.
    pub lines: Vec<String>,
}

/// Parses the leading timestamp of a line (`2026-11-22 10:14:59,120`,
/// `2026-11-22T10:14:59.120`, with `,` or `.` before milliseconds, or none).
pub fn parse_timestamp(line: &str) -> Option<i64> {
    let _ = line;
    todo!()
}

/// Finds the level word among the first few tokens after the timestamp.
pub fn parse_level(line: &str) -> Option<Level> {
    let _ = line;
    todo!()
}

/// Turns a stream of sanitized lines into entries.
#[derive(Debug, Default)]
pub struct EntryGrouper {
    _private: (),
}

impl EntryGrouper {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a line; returns the entry it completed, if this line starts a new one.
    pub fn push(&mut self, line: String) -> Option<Entry> {
        let _ = line;
        todo!()
    }

    /// The entry still open, if any.
    pub fn finish(&mut self) -> Option<Entry> {
        todo!()
    }
}
