//! Times `last_lines(N)` on a big log against the `tail -n N` binary, and
//! checks that both print the same bytes.
//!
//! ```text
//! cargo run --release --example bench_tail                 # 1 GiB sample log in a temp dir
//! cargo run --release --example bench_tail -- FILE [N]     # an existing file, N = 100
//! ```
//!
//! Without FILE a sample log of about 1 GiB is generated once into the
//! system temp directory (`ucsconf-bench-tail.log`) and reused by later runs.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, bail};
use ucsconf::logs::{LocalLog, SampleLog, last_lines};

const SAMPLE_BYTES: u64 = 1 << 30;
const RUNS: u32 = 20;

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let path = match args.next() {
        Some(file) => PathBuf::from(file),
        None => sample_file()?,
    };
    let n: usize = match args.next() {
        Some(n) => n.parse().context("N must be a number of lines")?,
        None => 100,
    };
    let size = std::fs::metadata(&path)?.len();
    println!(
        "{} ({} MiB), last {n} lines, best of {RUNS}",
        path.display(),
        size >> 20
    );

    let source = LocalLog::new(&path);
    let mut ours = Duration::MAX;
    let mut bytes = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        bytes = last_lines(&source, n).await?.bytes;
        ours = ours.min(started.elapsed());
    }

    let mut theirs = Duration::MAX;
    let mut expected = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let out = Command::new("tail")
            .arg("-n")
            .arg(n.to_string())
            .arg(&path)
            .output()
            .context("running tail")?;
        theirs = theirs.min(started.elapsed());
        if !out.status.success() {
            bail!("tail failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        expected = out.stdout;
    }
    if bytes != expected {
        bail!(
            "last_lines and tail disagree ({} vs {} bytes)",
            bytes.len(),
            expected.len()
        );
    }
    println!("last_lines: {ours:>10.2?}  ({} bytes)", bytes.len());
    println!("tail -n:    {theirs:>10.2?}  (a process start included)");
    Ok(())
}

fn sample_file() -> Result<PathBuf> {
    let path = std::env::temp_dir().join("ucsconf-bench-tail.log");
    let ready = std::fs::metadata(&path).is_ok_and(|m| m.len() >= SAMPLE_BYTES);
    if !ready {
        eprintln!("generating {} ...", path.display());
        generate(&path)?;
    }
    Ok(path)
}

fn generate(path: &Path) -> Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut sample = SampleLog::new(7);
    let mut clock = SystemTime::now() - Duration::from_secs(30 * 86_400);
    let mut written = 0;
    while written < SAMPLE_BYTES {
        clock += Duration::from_millis(25);
        let entry = sample.next_entry(clock);
        out.write_all(entry.as_bytes())?;
        written += entry.len() as u64;
    }
    out.flush()?;
    Ok(())
}
