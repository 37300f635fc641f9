//! The log engine against `tail` and `lnav`, and follow throughput.
//!
//! Run: `cargo build --release && cargo run --release --example bench_logs [SIZE_MIB]`
//! (Linux; `lnav` is optional: `apt-get install lnav`). It writes a sample
//! log of SIZE_MIB (default 1024) in a temporary folder, then measures:
//! - `ucsconf logs --lines 100` vs `tail -n 100`: wall time and peak RSS;
//! - `lnav` opening the same file to its last line (headless), for scale;
//! - `ucsconf logs --follow` keeping up with a writer appending as fast as it
//!   can: lines per second received, every line exactly once.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use ucsconf::logs::SampleLog;

const LOG: &str = "Var/Log/w3wp/ApplicationSuite.log";

fn ucsconf() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/ucsconf");
    assert!(p.is_file(), "build it first: cargo build --release");
    p
}

/// Runs a command to completion; returns its wall time and peak RSS in KiB.
/// The child is reaped by `wait4`, which also reports its own peak RSS.
#[allow(clippy::zombie_processes)]
fn measure(cmd: &mut Command) -> (Duration, i64) {
    let start = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; wait4 reports its own peak RSS.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert!(pid > 0 && status == 0, "the command failed");
    (start.elapsed(), usage.ru_maxrss)
}

fn best_of(runs: u32, mut cmd: impl FnMut() -> Command) -> (Duration, i64) {
    (0..runs)
        .map(|_| measure(&mut cmd()))
        .fold((Duration::MAX, 0), |(t, r), (t2, r2)| {
            (t.min(t2), r.max(r2))
        })
}

fn write_log(path: &Path, bytes: u64) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).unwrap());
    let mut log = SampleLog::new(7);
    let start = SystemTime::now() - Duration::from_secs(30 * 86_400);
    let (mut written, mut i) = (0u64, 0u64);
    while written < bytes {
        let entry = log.next_entry(start + Duration::from_millis(i * 37));
        out.write_all(entry.as_bytes()).unwrap();
        written += entry.len() as u64;
        i += 1;
    }
    out.flush().unwrap();
}

fn follow_throughput(bin: &Path, root: &Path, lines: u64) -> f64 {
    let log = root.join(LOG);
    File::create(&log).unwrap();
    let mut child = Command::new(bin)
        .arg("--root")
        .arg(root)
        .args(["logs", "--follow", "--lines", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // Give the follower a moment to open the file before the burst starts.
    std::thread::sleep(Duration::from_millis(500));
    let start = Instant::now();
    let writer = std::thread::spawn({
        let log = log.clone();
        move || {
            let mut out = BufWriter::with_capacity(
                1 << 16,
                fs::OpenOptions::new().append(true).open(log).unwrap(),
            );
            for i in 0..lines {
                writeln!(out, "2026-11-22 10:00:00,000 [1] INFO  Bench - line {i}").unwrap();
            }
            out.flush().unwrap();
        }
    });
    let mut next = 0u64;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let n: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        assert_eq!(n, next, "a line was lost or repeated");
        next += 1;
        if next == lines {
            break;
        }
    }
    let elapsed = start.elapsed();
    writer.join().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    lines as f64 / elapsed.as_secs_f64()
}

fn main() {
    let mib: u64 = std::env::args()
        .nth(1)
        .map_or(1024, |a| a.parse().expect("size in MiB"));
    let bin = ucsconf();
    let dir = std::env::temp_dir().join(format!("ucsconf-bench-logs-{}", std::process::id()));
    let log = dir.join(LOG);
    print!("writing a {mib} MiB sample log… ");
    #[allow(clippy::disallowed_methods)] // A benchmark's own figures.
    std::io::stdout().flush().unwrap();
    write_log(&log, mib << 20);
    println!("done");

    let ours = best_of(10, || {
        let mut c = Command::new(&bin);
        c.arg("--root").arg(&dir).args(["logs", "--lines", "100"]);
        c
    });
    let tail = best_of(10, || {
        let mut c = Command::new("tail");
        c.args(["-n", "100"]).arg(&log);
        c
    });
    println!("last 100 lines of {mib} MiB (best of 10):");
    println!(
        "  ucsconf logs --lines 100  {:>8.2} ms  peak RSS {:>6} KiB",
        ours.0.as_secs_f64() * 1e3,
        ours.1
    );
    println!(
        "  tail -n 100               {:>8.2} ms  peak RSS {:>6} KiB",
        tail.0.as_secs_f64() * 1e3,
        tail.1
    );
    println!(
        "  ratio {:.2}x tail's time",
        ours.0.as_secs_f64() / tail.0.as_secs_f64()
    );
    if Command::new("lnav").arg("-V").output().is_ok() {
        let lnav = best_of(1, || {
            let mut c = Command::new("lnav");
            c.args(["-n", "-c", ":goto 100%"])
                .arg(&log)
                .env("HOME", &dir);
            c
        });
        println!(
            "  lnav -n (open, index, go to the end) {:>8.0} ms  peak RSS {:>6} KiB",
            lnav.0.as_secs_f64() * 1e3,
            lnav.1
        );
    } else {
        println!("  lnav: not installed");
    }
    let _ = fs::remove_file(&log);

    let lines = 2_000_000;
    let rate = follow_throughput(&bin, &dir, lines);
    println!(
        "follow: {lines} lines appended at full speed, every one received once: {rate:.0} lines/s"
    );
    let _ = fs::remove_dir_all(&dir);
}
