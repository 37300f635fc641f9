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
        const NAMES: [(&str, Level); 9] = [
            ("TRACE", Level::Trace),
            ("VERBOSE", Level::Trace),
            ("DEBUG", Level::Debug),
            ("INFO", Level::Info),
            ("WARN", Level::Warn),
            ("WARNING", Level::Warn),
            ("ERROR", Level::Error),
            ("FATAL", Level::Fatal),
            ("CRITICAL", Level::Fatal),
        ];
        NAMES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(text))
            .map(|&(_, level)| level)
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

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl std::str::FromStr for Level {
    type Err = UnknownLevel;

    fn from_str(s: &str) -> Result<Level, UnknownLevel> {
        Level::parse(s).ok_or_else(|| UnknownLevel(s.to_string()))
    }
}

/// A level name that [`Level::parse`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown log level {0:?} (expected TRACE, VERBOSE, DEBUG, INFO, WARN, WARNING, ERROR, FATAL or CRITICAL)"
)]
pub struct UnknownLevel(pub String);

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

impl Entry {
    fn start(line: String) -> Entry {
        Entry {
            timestamp_ms: parse_timestamp(&line),
            level: parse_level(&line),
            lines: vec![line],
        }
    }
}

/// Parses the leading timestamp of a line (`2026-11-22 10:14:59,120`,
/// `2026-11-22T10:14:59.120`, with `,` or `.` before milliseconds, or none).
pub fn parse_timestamp(line: &str) -> Option<i64> {
    split_timestamp(line).map(|(ms, _)| ms)
}

/// Finds the level word among the first few tokens after the timestamp.
///
/// Up to [`LEVEL_TOKENS`] tokens are looked at; a bracketed token (`[14]`,
/// `[Pool Worker 3]`) is skipped unless it is a level itself (`[ERROR]`), and
/// a trailing `:` is ignored (`ERROR:`). A line without a leading timestamp
/// is looked at from its start.
pub fn parse_level(line: &str) -> Option<Level> {
    let rest = split_timestamp(line).map_or(line, |(_, rest)| rest);
    let mut tokens = rest.split_whitespace();
    let mut looked = 0;
    while looked < LEVEL_TOKENS {
        let token = tokens.next()?;
        if let Some(inner) = token.strip_prefix('[') {
            if let Some(level) = inner.strip_suffix(']').and_then(Level::parse) {
                return Some(level);
            }
            if !inner.ends_with(']') {
                // A thread name with spaces: skip to the token closing it.
                tokens.find(|t| t.ends_with(']'))?;
            }
            continue;
        }
        if let Some(level) = Level::parse(token.strip_suffix(':').unwrap_or(token)) {
            return Some(level);
        }
        looked += 1;
    }
    None
}

/// How many tokens (besides bracketed ones) may come before the level.
pub const LEVEL_TOKENS: usize = 3;

/// The timestamp at the start of `line` in ms, and the text after it.
fn split_timestamp(line: &str) -> Option<(i64, &str)> {
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    let b = line.as_bytes();
    let date_sep = b.get(4) == Some(&b'-') && b.get(7) == Some(&b'-');
    let time_sep = matches!(b.get(10), Some(b' ' | b'T'));
    let clock_sep = b.get(13) == Some(&b':') && b.get(16) == Some(&b':');
    if !(date_sep && time_sep && clock_sep) {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        u32::try_from(month).ok()?,
        u32::try_from(day).ok()?,
    )?;
    if hour >= 24 || minute >= 60 || second >= 61 {
        return None;
    }
    let (millis, end) = fraction(b, 19);
    if b.get(end).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    // NaiveDate's default is 1970-01-01.
    let days = date
        .signed_duration_since(chrono::NaiveDate::default())
        .num_days();
    let ms = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis;
    Some((ms, &line[end..]))
}

/// `len` ASCII digits at `at` as a number.
fn digits(b: &[u8], at: usize, len: usize) -> Option<i64> {
    let field = b.get(at..at + len)?;
    field.iter().try_fold(0i64, |n, &d| {
        d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
    })
}

/// An optional `,mmm` or `.mmm` (1 to 9 digits) at `at`: milliseconds and
/// the index after it.
fn fraction(b: &[u8], at: usize) -> (i64, usize) {
    if !matches!(b.get(at), Some(b',' | b'.')) {
        return (0, at);
    }
    let count = b[at + 1..]
        .iter()
        .take(9)
        .take_while(|d| d.is_ascii_digit())
        .count();
    if count == 0 {
        return (0, at);
    }
    let mut millis = 0;
    for i in 0..3 {
        let digit = if i < count { b[at + 1 + i] - b'0' } else { 0 };
        millis = millis * 10 + i64::from(digit);
    }
    (millis, at + 1 + count)
}

/// Continuation lines one entry may gather before it is handed out and a
/// new entry (same timestamp and level) continues it: a log without
/// timestamps must not grow one entry without bound.
pub const MAX_ENTRY_LINES: usize = 1000;

/// Turns a stream of sanitized lines into entries.
#[derive(Debug, Default)]
pub struct EntryGrouper {
    open: Option<Entry>,
}

impl EntryGrouper {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a line; returns the entry it completed, if this line starts a new one.
    pub fn push(&mut self, line: String) -> Option<Entry> {
        if parse_timestamp(&line).is_some() {
            return self.open.replace(Entry::start(line));
        }
        match &mut self.open {
            Some(entry) if entry.lines.len() < MAX_ENTRY_LINES => {
                entry.lines.push(line);
                None
            }
            Some(entry) => {
                let more = Entry {
                    timestamp_ms: entry.timestamp_ms,
                    level: entry.level,
                    lines: vec![line],
                };
                self.open.replace(more)
            }
            None => {
                self.open = Some(Entry {
                    timestamp_ms: None,
                    level: None,
                    lines: vec![line],
                });
                None
            }
        }
    }

    /// The entry still open, if any.
    pub fn finish(&mut self) -> Option<Entry> {
        self.open.take()
    }

    /// The entry still open, left open (a live view shows it before the next
    /// entry completes it).
    pub fn pending(&self) -> Option<&Entry> {
        self.open.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_count_from_1970_as_unix_time_does() {
        for days in (-700_000..700_000).step_by(997) {
            let ms = days * 86_400_000 + 49_530_250;
            let shown = chrono::DateTime::from_timestamp_millis(ms)
                .unwrap()
                .format("%Y-%m-%d %H:%M:%S,%3f x")
                .to_string();
            assert_eq!(parse_timestamp(&shown), Some(ms), "{shown}");
        }
        assert_eq!(parse_timestamp("2026-02-29 00:00:00,000 x"), None);
        assert!(parse_timestamp("2024-02-29 00:00:00,000 x").is_some());
    }

    #[test]
    fn fraction_scales_to_milliseconds() {
        assert_eq!(fraction(b",5 x", 0), (500, 2));
        assert_eq!(fraction(b".12", 0), (120, 3));
        assert_eq!(fraction(b",123456", 0), (123, 7));
        assert_eq!(fraction(b", ", 0), (0, 0));
    }
}
