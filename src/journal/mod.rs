//! The journal: every write ucsconf makes on a node appends one record to
//! `Var/Secure/ucsconf-journal.jsonl` on that node, so that history can say
//! what changed where, and restore can put it back.
//!
//! - A record ([`Record`]) holds the UTC time, the OS user and the admin
//!   machine's host name, the file, each changed field as old → new (a
//!   secret only as "sealed (changed)"), the backup that holds the content
//!   before, the content's SHA-256 before and after, and the ucsconf version.
//! - It is written with the settings file as one write, through the same
//!   transport and with the same safety rules ([`crate::node::Node::replace_pair`]:
//!   over SSH side by side); a record that cannot be written leaves the
//!   settings file unchanged or puts it back ([`write`]). A load before a
//!   change reads it alongside the file ([`crate::ops::Target::with_journal`]).
//! - It is bounded ([`file::MAX_RECORDS`], [`file::MAX_BYTES`]), the oldest
//!   records dropped. A line that cannot be read is skipped with a warning.
//! - The backups it names are kept beyond the newest five, up to
//!   [`crate::node::backup::KEEP_NAMED`] per file.

pub mod fields;
pub mod file;
pub mod history;
pub mod record;
pub mod restore;
mod write;

pub use file::{Cache, Journal};
pub use record::{FieldChange, FileKind, Record};
pub use write::{FileWrite, Stamp, file_name, write};
