//! The application log: reading the end of huge files, following appends
//! across rotation and truncation, grouping lines into entries, and making
//! log text safe to show in a terminal.

pub mod encoding;
pub mod entry;
pub mod folder;
pub mod follow;
pub mod history;
pub mod redact;
pub mod rotation;
pub mod sample;
pub mod sanitize;
pub mod source;
pub mod tail;
pub mod when;

pub use encoding::LogEncoding;
pub use entry::{Entry, EntryGrouper, Level, UnknownLevel};
pub use follow::{Follower, Polled};
pub use history::{LogHistory, LogPart, Placed, Pos};
pub use sample::SampleLog;
pub use sanitize::{display_line, escape_controls};
pub use source::{LocalLog, LogSource, LogStat, NodeLog};
pub use tail::{Tail, last_lines};
