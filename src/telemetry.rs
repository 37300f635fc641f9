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

use std::borrow::Cow;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use regex::Regex;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use zeroize::Zeroizing;

/// The environment variable holding the level filter.
pub const ENV: &str = "UCSCONF_LOG";

/// The log's file name; rotated files get `.YYYY-MM-DD` appended.
pub const FILE_NAME: &str = "ucsconf.log";

/// How many rotated files are kept besides the current one.
pub const KEEP: usize = 7;

/// The level used when `UCSCONF_LOG` is unset or unreadable.
const DEFAULT_FILTER: &str = "info";

/// At most this many secrets are scrubbed at once (the newest): a bound for
/// safety, as each is scrubbed only while it is in use.
const MAX_SECRETS: usize = 32;

/// Secrets shorter than this are not scrubbed: they would mangle ordinary words.
const MIN_SECRET_LEN: usize = 4;

const REDACTED: &str = "[redacted]";

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

// --- Scrubbing -------------------------------------------------------------

/// The secrets in use now, each in every form it may be written.
struct Registry {
    next: u64,
    entries: Vec<(u64, Vec<Zeroizing<String>>)>,
}

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
        next: 0,
        entries: Vec::new(),
    });
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Keeps `secret` out of every log line (in clear, URL-encoded,
/// form-encoded or base64) while the guard lives: taken where a secret is
/// sealed, sent or handed to a proxy, for as long as that takes, so that the
/// log remembers only the secrets in use (a drift view that opens every
/// node's secret to compare them registers none). Short secrets are not
/// scrubbed.
#[must_use = "the secret is scrubbed only while the guard lives"]
pub fn scrub_while(secret: &str) -> ScrubGuard {
    if secret.chars().count() < MIN_SECRET_LEN {
        return ScrubGuard { id: None };
    }
    let mut registry = registry();
    let id = registry.next;
    registry.next += 1;
    registry.entries.push((id, forms(secret)));
    // A bound for safety only: guards are dropped when the work is done.
    let excess = registry.entries.len().saturating_sub(MAX_SECRETS);
    registry.entries.drain(..excess);
    ScrubGuard { id: Some(id) }
}

/// A secret scrubbed from the log until this is dropped; its forms are
/// wiped then.
pub struct ScrubGuard {
    id: Option<u64>,
}

impl Drop for ScrubGuard {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            registry().entries.retain(|(entry, _)| *entry != id);
        }
    }
}

/// The ways a secret may be written: as is, form- and percent-encoded,
/// base64 (unpadded, so that a padded copy matches too), each in memory
/// that is wiped on drop.
fn forms(secret: &str) -> Vec<Zeroizing<String>> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let form =
        Zeroizing::new(url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>());
    let percent = Zeroizing::new(form.replace('+', "%20"));
    let mut all = vec![
        Zeroizing::new(secret.to_owned()),
        form,
        percent,
        Zeroizing::new(STANDARD_NO_PAD.encode(secret.as_bytes())),
        Zeroizing::new(URL_SAFE_NO_PAD.encode(secret.as_bytes())),
    ];
    all.dedup();
    all
}

fn patterns() -> &'static [(Regex, &'static str)] {
    static PATTERNS: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let assignment = r#"(?i)\b(client_secret|secret|password|passwd|pwd|access_token|refresh_token|token)(\s*["']?\s*[:=]\s*["']?)[^\s"'&,;]+"#;
        let credentials = r"(?i)\b(basic|bearer)(\s+)[A-Za-z0-9+/=._~-]{8,}";
        [assignment, credentials]
            .into_iter()
            .map(|p| (Regex::new(p).expect("a valid pattern"), "${1}${2}[redacted]"))
            .collect()
    })
}

/// The words the credential patterns start with (lower case).
const CREDENTIAL_WORDS: &[&str] = &[
    "secret", "password", "passwd", "pwd", "token", "basic", "bearer",
];

fn mentions_credentials(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    CREDENTIAL_WORDS.iter().any(|w| lower.contains(w))
}

/// `text` without any known secret and without credential-looking values.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (_, forms) in &registry().entries {
        for form in forms {
            if out.contains(form.as_str()) {
                out = Cow::Owned(out.replace(form.as_str(), REDACTED));
            }
        }
    }
    // Compiling the patterns costs more than starting the program: only a
    // line that mentions one of their words needs them.
    if !mentions_credentials(&out) {
        return out;
    }
    for (pattern, replacement) in patterns() {
        if pattern.is_match(&out) {
            out = Cow::Owned(pattern.replace_all(&out, *replacement).into_owned());
        }
    }
    out
}

// --- The rolling file ------------------------------------------------------

/// The log file, reopened under a new day; shared by every writer.
#[derive(Clone)]
struct RollingFile {
    inner: Arc<Mutex<Current>>,
    dir: PathBuf,
}

struct Current {
    file: Option<File>,
    /// The UTC day (days since 1970-01-01) the open file belongs to.
    day: i64,
    /// A `ucsconf started` line is still to go before the first line.
    announce: bool,
}

impl RollingFile {
    /// Touches nothing yet: the folder and the file are made with the first line.
    fn new(dir: &Path, announce: bool) -> RollingFile {
        RollingFile {
            inner: Arc::new(Mutex::new(Current {
                file: None,
                day: 0,
                announce,
            })),
            dir: dir.to_path_buf(),
        }
    }

    #[cfg(test)]
    fn open(dir: &Path) -> io::Result<RollingFile> {
        let rolling = RollingFile::new(dir, false);
        {
            let mut current = rolling.lock();
            rolling.roll(&mut current, today())?;
        }
        Ok(rolling)
    }

    fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Current> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Renames a file last written before `day`, opens the current one, and
    /// removes the oldest rotated files.
    fn roll(&self, current: &mut Current, day: i64) -> io::Result<()> {
        current.file = None;
        fs::create_dir_all(&self.dir)?;
        let path = self.path();
        if let Some(written) = fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .map(day_of)
            && written < day
        {
            let rotated = self.dir.join(format!("{FILE_NAME}.{}", date(written)));
            // Another process may have rotated it first: then keep appending.
            if !rotated.exists() {
                let _ = fs::rename(&path, rotated);
            }
        }
        current.file = Some(open_append(&path)?);
        current.day = day;
        self.prune();
        Ok(())
    }

    /// Keeps the newest [`KEEP`] rotated files (their names sort by date).
    fn prune(&self) {
        let prefix = format!("{FILE_NAME}.");
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        let mut rotated: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_str()
                    .is_some_and(|n| n.strip_prefix(&prefix).is_some_and(is_date))
            })
            .map(|e| e.path())
            .collect();
        rotated.sort();
        let excess = rotated.len().saturating_sub(KEEP);
        for old in &rotated[..excess] {
            let _ = fs::remove_file(old);
        }
    }

    fn write_line(&self, bytes: &[u8]) -> io::Result<()> {
        let text = String::from_utf8_lossy(bytes);
        let clean = redact(&text);
        let mut current = self.lock();
        let day = today();
        if current.day != day || current.file.is_none() {
            self.roll(&mut current, day)?;
        }
        let current = &mut *current;
        let Some(file) = current.file.as_mut() else {
            return Ok(());
        };
        if std::mem::take(&mut current.announce) {
            file.write_all(started_line(&clean).as_bytes())?;
        }
        file.write_all(clean.as_bytes())
    }
}

/// The `ucsconf started` line that goes before `first`, in the format of
/// the lines (the same time stamp).
fn started_line(first: &str) -> String {
    let stamp = first.split_whitespace().next().unwrap_or_default();
    format!(
        "{stamp}  INFO {}: ucsconf started version={} pid={}\n",
        module_path!(),
        env!("CARGO_PKG_VERSION"),
        std::process::id()
    )
}

fn open_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Node names, hosts and paths are nobody else's business.
        options.mode(0o600);
    }
    options.open(path)
}

/// What the fmt layer writes into: one formatted event per `write`.
struct LineWriter {
    file: RollingFile,
}

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // A failing log never fails the program.
        let _ = self.file.write_line(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for RollingFile {
    type Writer = LineWriter;

    fn make_writer(&'a self) -> LineWriter {
        LineWriter { file: self.clone() }
    }
}

// --- Dates (UTC, without a calendar dependency) ----------------------------

fn today() -> i64 {
    day_of(SystemTime::now())
}

fn day_of(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() / 86_400) as i64,
        Err(e) => -((e.duration().as_secs() / 86_400) as i64) - 1,
    }
}

/// `YYYY-MM-DD` of a day number (Howard Hinnant's `civil_from_days`).
fn date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lines_that_mention_credentials_go_through_the_patterns() {
        assert!(matches!(redact("ucsconf started pid=42"), Cow::Borrowed(_)));
        assert_eq!(redact("Password = hunter2xyz"), "Password = [redacted]");
        assert_eq!(
            redact("Authorization: Bearer abcdefgh12345"),
            "Authorization: Bearer [redacted]"
        );
    }

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(-1), "1969-12-31");
        assert_eq!(date(11_016), "2000-02-29");
        assert_eq!(date(20_454), "2026-01-01");
        assert!(is_date("2026-01-01"));
        assert!(!is_date("2026-1-01x"));
        let t = UNIX_EPOCH + std::time::Duration::from_secs(86_400 * 3 + 5);
        assert_eq!(day_of(t), 3);
        let before = UNIX_EPOCH - std::time::Duration::from_secs(5);
        assert_eq!(day_of(before), -1);
    }

    #[test]
    fn secrets_in_use_are_scrubbed_in_every_form_and_only_while_in_use() {
        let secret = "Zq9/te+st s3cr=t";
        let guard = scrub_while(secret);
        for form in forms(secret) {
            let line = format!("before {} after", form.as_str());
            let clean = redact(&line);
            assert!(!clean.contains(form.as_str()), "{clean}");
            assert!(clean.contains("before") && clean.contains("after"));
        }
        let padded = base64::engine::general_purpose::STANDARD.encode(secret);
        assert!(!redact(&padded).contains(padded.trim_end_matches('=')));
        drop(guard);
        assert_eq!(redact("before Zq9/te+st s3cr=t"), "before Zq9/te+st s3cr=t");

        let _short = scrub_while("abc");
        assert_eq!(
            redact("abc abc"),
            "abc abc",
            "short secrets are not scrubbed"
        );
    }

    #[test]
    fn a_secret_in_use_twice_stays_scrubbed_until_both_are_done() {
        let first = scrub_while("tw1ce-used-S3cret");
        let second = scrub_while("tw1ce-used-S3cret");
        drop(first);
        assert!(!redact("x tw1ce-used-S3cret").contains("S3cret"));
        drop(second);
        assert!(redact("x tw1ce-used-S3cret").contains("S3cret"));
    }

    #[test]
    fn credential_looking_values_are_scrubbed() {
        for (line, gone) in [
            ("client_secret=hunter2xyz&grant_type=x", "hunter2xyz"),
            ("{\"password\": \"pa55word\"}", "pa55word"),
            (
                "Authorization: Basic dXNlcjpwYXNzd29yZA==",
                "dXNlcjpwYXNzd29yZA",
            ),
            ("bearer eyJhbGciOiJIUzI1NiJ9.x", "eyJhbGci"),
            ("Token=abcdef", "abcdef"),
        ] {
            let clean = redact(line);
            assert!(!clean.contains(gone), "{line} -> {clean}");
            assert!(clean.contains(REDACTED), "{clean}");
        }
        for plain in [
            "the password is empty",
            "token_url=https://login.example.com/t",
            "a basic check",
        ] {
            assert_eq!(redact(plain), plain);
        }
    }

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

    #[test]
    fn an_old_file_is_rotated_and_only_the_newest_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        fs::write(&path, "yesterday\n").unwrap();
        let yesterday = SystemTime::now() - std::time::Duration::from_secs(86_400);
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(yesterday)
            .unwrap();
        for day in 1..=(KEEP + 2) {
            let name = format!("{FILE_NAME}.2000-01-{day:02}");
            fs::write(dir.path().join(name), "old\n").unwrap();
        }
        let rolling = RollingFile::open(dir.path()).unwrap();
        rolling.make_writer().write_all(b"today\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "today\n");
        let rotated = dir
            .path()
            .join(format!("{FILE_NAME}.{}", date(day_of(yesterday))));
        assert_eq!(fs::read_to_string(rotated).unwrap(), "yesterday\n");
        let mut names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n != FILE_NAME)
            .collect();
        names.sort();
        assert_eq!(names.len(), KEEP);
        assert!(!names.contains(&format!("{FILE_NAME}.2000-01-01")));
    }

    #[test]
    fn the_file_is_made_with_the_first_line_after_a_started_line() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        let rolling = RollingFile::new(&logs, true);
        assert!(!logs.exists(), "nothing made before a line is written");
        let line = "2026-12-03T06:45:09.123456Z  WARN ucsconf::cli: command failed: x\n";
        rolling.make_writer().write_all(line.as_bytes()).unwrap();
        rolling.make_writer().write_all(line.as_bytes()).unwrap();
        let text = fs::read_to_string(rolling.path()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[0].starts_with(
                "2026-12-03T06:45:09.123456Z  INFO ucsconf::telemetry: ucsconf started version="
            ),
            "{text}"
        );
        assert!(lines[0].ends_with(&format!("pid={}", std::process::id())));
        assert_eq!(lines[1], line.trim_end());
    }

    #[test]
    fn lines_are_scrubbed_on_their_way_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let rolling = RollingFile::open(dir.path()).unwrap();
        let _in_use = scrub_while("written-S3cret-value");
        rolling
            .make_writer()
            .write_all(b"saved written-S3cret-value and password=abc123\n")
            .unwrap();
        let text = fs::read_to_string(rolling.path()).unwrap();
        assert!(
            !text.contains("S3cret") && !text.contains("abc123"),
            "{text}"
        );
        assert!(text.contains("saved"));
    }
}
