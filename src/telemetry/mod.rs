//! The program's own log: what ucsconf did to which node, for the admin who
//! asks afterwards.
//!
//! - One file, `<state dir>/ucsconf/logs/ucsconf.log` (the user's state
//!   directory, else the local data directory), never the terminal: the TUI
//!   owns the screen, and the CLI's output is its contract.
//! - Rotated daily (UTC): a file last written on an earlier day is renamed
//!   `ucsconf.log.YYYY-MM-DD` when the next line is written, and the newest
//!   [`KEEP`] of those are kept. Several ucsconf processes may append at once.
//! - The level comes from `UCSCONF_LOG`, in `RUST_LOG` syntax (`info`,
//!   `debug`, `ucsconf=debug,hyper=info`, `off`); default `info`.
//! - Secrets are `SecretString`s and never formatted. As a last line of
//!   defence every line is scrubbed before it is written: of the secrets in
//!   use (being sealed, sent or handed to a proxy; see [`scrub_while`]), and
//!   their URL and base64 forms, and of `password=...`-like assignments and
//!   `Basic`/`Bearer` credentials.
//! - Failing to open the file never fails a command: logging is then off.
//! - The file is opened when the first line is written, not before: a
//!   command that logs nothing (`presence get`, `logs`) never touches it.
//!   That first line follows a `ucsconf started` line (version, pid).

mod rolling;
mod scrub;

use std::path::{Path, PathBuf};

use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

pub use scrub::{ScrubGuard, redact, scrub_while};

use rolling::RollingFile;

/// The environment variable holding the level filter.
pub const ENV: &str = "UCSCONF_LOG";

/// The log's file name; rotated files get `.YYYY-MM-DD` appended.
pub const FILE_NAME: &str = "ucsconf.log";

/// How many rotated files are kept besides the current one.
pub const KEEP: usize = 7;

/// The level used when `UCSCONF_LOG` is unset or unreadable.
const DEFAULT_FILTER: &str = "info";

/// Where the log lives: `<state dir>/ucsconf/logs`, else `<local data dir>/ucsconf/logs`.
pub fn log_dir() -> Option<PathBuf> {
    dirs::state_dir()
        .or_else(dirs::data_local_dir)
        .map(|d| d.join("ucsconf").join("logs"))
}

/// Starts logging to the file for the rest of the process; the file is
/// opened with the first line. Returns the file's path, or `None` when
/// logging is off (`UCSCONF_LOG=off`, no state directory, or a logger is
/// already set).
pub fn init() -> Option<PathBuf> {
    let dir = log_dir()?;
    init_in(&dir, std::env::var(ENV).ok().as_deref())
}

/// [`init`] with the directory and the filter text given.
pub fn init_in(dir: &Path, filter: Option<&str>) -> Option<PathBuf> {
    let (targets, bad_filter) = parse_filter(filter);
    if targets.default_level() == Some(LevelFilter::OFF) && targets.iter().next().is_none() {
        return None;
    }
    let announce = targets.would_enable(module_path!(), &tracing::Level::INFO);
    let writer = RollingFile::new(dir, announce);
    let path = writer.path();
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(writer);
    tracing_subscriber::registry()
        .with(layer.with_filter(targets))
        .try_init()
        .ok()?;
    if let Some(text) = bad_filter {
        tracing::warn!("{ENV}={text:?} is not a level filter; using {DEFAULT_FILTER}");
    }
    Some(path)
}

/// The filter, and the text given when it could not be read.
fn parse_filter(text: Option<&str>) -> (Targets, Option<String>) {
    let default = || DEFAULT_FILTER.parse::<Targets>().expect("a valid filter");
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => (default(), None),
        Some(t) => match t.parse::<Targets>() {
            Ok(targets) => (targets, None),
            Err(_) => (default(), Some(t.chars().take(80).collect())),
        },
    }
}

/// The target the program's own lines are logged under (`ucsconf started`).
const TARGET: &str = module_path!();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_read_rust_log_syntax() {
        assert!(parse_filter(None).1.is_none());
        let (t, bad) = parse_filter(Some("ucsconf=debug,hyper=warn"));
        assert!(bad.is_none());
        assert!(t.would_enable("ucsconf::ops", &tracing::Level::DEBUG));
        assert!(!t.would_enable("hyper", &tracing::Level::INFO));
        let (t, bad) = parse_filter(Some("loud=???"));
        assert_eq!(bad.as_deref(), Some("loud=???"));
        assert!(t.would_enable("ucsconf", &tracing::Level::INFO));
        assert!(!t.would_enable("ucsconf", &tracing::Level::DEBUG));
    }
}
