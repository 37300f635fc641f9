//! The log file: opened with its first line, rotated daily (UTC), the
//! newest [`KEEP`] rotated files kept.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use chrono::{DateTime, NaiveDate, Utc};
use tracing_subscriber::fmt::MakeWriter;

use super::{FILE_NAME, KEEP, TARGET, redact};

/// The log file, reopened under a new day; shared by every writer.
#[derive(Clone)]
pub(super) struct RollingFile {
    inner: Arc<Mutex<Current>>,
    dir: PathBuf,
}

struct Current {
    file: Option<File>,
    /// The UTC day the open file belongs to; `None` before it is opened.
    day: Option<NaiveDate>,
    /// A `ucsconf started` line is still to go before the first line.
    announce: bool,
}

impl RollingFile {
    /// Touches nothing yet: the folder and the file are made with the first line.
    pub(super) fn new(dir: &Path, announce: bool) -> RollingFile {
        RollingFile {
            inner: Arc::new(Mutex::new(Current {
                file: None,
                day: None,
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

    pub(super) fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Current> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Renames a file last written before `day`, opens the current one, and
    /// removes the oldest rotated files.
    fn roll(&self, current: &mut Current, day: NaiveDate) -> io::Result<()> {
        current.file = None;
        fs::create_dir_all(&self.dir)?;
        let path = self.path();
        if let Some(written) = fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .map(day_of)
            && written < day
        {
            let rotated = self
                .dir
                .join(format!("{FILE_NAME}.{}", written.format(DATE)));
            // Another process may have rotated it first: then keep appending.
            if !rotated.exists() {
                let _ = fs::rename(&path, rotated);
            }
        }
        current.file = Some(open_append(&path)?);
        current.day = Some(day);
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
        if current.day != Some(day) || current.file.is_none() {
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
        TARGET,
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
pub(super) struct LineWriter {
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

// --- Dates (UTC) -----------------------------------------------------------

/// The format of a rotated file's date.
const DATE: &str = "%Y-%m-%d";

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn day_of(t: SystemTime) -> NaiveDate {
    DateTime::<Utc>::from(t).date_naive()
}

fn is_date(text: &str) -> bool {
    // chrono also reads `2026-1-1`; a rotated file's name never has it.
    text.len() == 10 && NaiveDate::parse_from_str(text, DATE).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::scrub_while;

    #[test]
    fn days_are_utc_and_rotated_names_are_dates() {
        use std::time::{Duration, UNIX_EPOCH};
        let t = UNIX_EPOCH + Duration::from_secs(86_400 * 3 + 5);
        assert_eq!(day_of(t).to_string(), "1970-01-04");
        let before = UNIX_EPOCH - Duration::from_secs(5);
        assert_eq!(day_of(before).to_string(), "1969-12-31");
        assert!(is_date("2026-01-01"));
        assert!(!is_date("2026-1-01x"));
        assert!(!is_date("2026-1-1"));
        assert!(!is_date("2026-02-30"));
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
            .join(format!("{FILE_NAME}.{}", day_of(yesterday).format(DATE)));
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
