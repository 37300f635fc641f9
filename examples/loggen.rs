//! Writes a sample application log (log4net format, CRLF lines) for
//! benchmarks and manual tests of `logs --follow`.
//!
//! ```text
//! cargo run --example loggen -- big.log --lines 5000000          # as fast as possible
//! cargo run --example loggen -- live.log --rate 20               # 20 entries/s until Ctrl-C
//! cargo run --example loggen -- live.log --rate 200 --rotate-bytes 1000000 --keep 3
//! ```
//!
//! Lines are appended to an existing file. With `--rotate-bytes` the file is
//! rolled as the suite's log4net appender does it: `FILE.1` .. `FILE.<keep>`
//! shifted up, `FILE` renamed to `FILE.1`, a new `FILE` started.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use clap::Parser;
use ucsconf::logs::SampleLog;

#[derive(Parser)]
#[command(about = "Append sample log4net lines to a file")]
struct Args {
    /// The log file (created if missing, appended to otherwise).
    file: PathBuf,
    /// Stop after this many lines (default: 100000 without --rate, no limit with it).
    #[arg(long)]
    lines: Option<u64>,
    /// Entries per second, stamped with the current time; without it, lines
    /// are written at once with timestamps spread over the recent past.
    #[arg(long)]
    rate: Option<f64>,
    /// Seed of the generator (same seed and clock: same text).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Roll the file when it grows past this many bytes.
    #[arg(long)]
    rotate_bytes: Option<u64>,
    /// Rolled files kept (FILE.1 .. FILE.N).
    #[arg(long, default_value_t = 5)]
    keep: u32,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let mut log = Log::open(&args)?;
    let mut sample = SampleLog::new(args.seed);
    match args.rate {
        Some(rate) if rate > 0.0 => live(&args, &mut log, &mut sample, rate),
        Some(_) => anyhow::bail!("--rate must be above 0"),
        None => batch(&args, &mut log, &mut sample),
    }
}

/// All at once; timestamps end about now, 1 to 120 ms apart.
fn batch(args: &Args, log: &mut Log, sample: &mut SampleLog) -> Result<()> {
    let limit = args.lines.unwrap_or(100_000);
    let started = Instant::now();
    let mut clock = SystemTime::now() - Duration::from_millis(limit * 60);
    let mut step = args.seed | 1;
    let mut written = 0;
    while written < limit {
        step = step.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        clock += Duration::from_millis(1 + (step >> 33) % 120);
        written += log.write(&sample.next_entry(clock))?;
    }
    log.flush()?;
    eprintln!(
        "{written} lines, {} bytes in {:.2?} to {}",
        log.bytes_total,
        started.elapsed(),
        args.file.display()
    );
    Ok(())
}

/// In real time, flushed entry by entry like the suite's appender.
fn live(args: &Args, log: &mut Log, sample: &mut SampleLog, rate: f64) -> Result<()> {
    let interval = Duration::from_secs_f64(1.0 / rate);
    let limit = args.lines.unwrap_or(u64::MAX);
    let mut next = Instant::now();
    let mut written = 0;
    while written < limit {
        written += log.write(&sample.next_entry(SystemTime::now()))?;
        log.flush()?;
        next += interval;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    Ok(())
}

struct Log {
    path: PathBuf,
    /// `None` only while the file is being rolled.
    out: Option<BufWriter<File>>,
    size: u64,
    bytes_total: u64,
    rotate_bytes: Option<u64>,
    keep: u32,
}

impl Log {
    fn open(args: &Args) -> Result<Log> {
        let (out, size) = open_append(&args.file)?;
        Ok(Log {
            path: args.file.clone(),
            out: Some(out),
            size,
            bytes_total: 0,
            rotate_bytes: args.rotate_bytes,
            keep: args.keep.max(1),
        })
    }

    /// Writes one entry; the number of lines it had.
    fn write(&mut self, entry: &str) -> Result<u64> {
        if self.rotate_bytes.is_some_and(|max| self.size >= max) {
            self.rotate()?;
        }
        let out = self.out.as_mut().context("the log is not open")?;
        out.write_all(entry.as_bytes())
            .with_context(|| format!("writing {}", self.path.display()))?;
        self.size += entry.len() as u64;
        self.bytes_total += entry.len() as u64;
        Ok(entry.matches('\n').count() as u64)
    }

    fn flush(&mut self) -> Result<()> {
        match self.out.as_mut() {
            Some(out) => out
                .flush()
                .with_context(|| format!("writing {}", self.path.display())),
            None => Ok(()),
        }
    }

    /// Closes the file first, as log4net does (Windows renames closed files).
    fn rotate(&mut self) -> Result<()> {
        self.flush()?;
        self.out = None;
        let numbered = |n: u32| {
            let mut name = self.path.clone().into_os_string();
            name.push(format!(".{n}"));
            PathBuf::from(name)
        };
        for n in (1..self.keep).rev() {
            if numbered(n).exists() {
                fs::rename(numbered(n), numbered(n + 1))?;
            }
        }
        fs::rename(&self.path, numbered(1))
            .with_context(|| format!("rolling {}", self.path.display()))?;
        let (out, size) = open_append(&self.path)?;
        self.out = Some(out);
        self.size = size;
        Ok(())
    }
}

fn open_append(path: &Path) -> Result<(BufWriter<File>, u64)> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    let size = file.metadata()?.len();
    Ok((BufWriter::with_capacity(1 << 16, file), size))
}
