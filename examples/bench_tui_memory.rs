//! Memory of the TUI while it follows a log that grows as fast as a writer
//! can append, measured on the release binary in a 200x50 pseudo-terminal
//! (Linux: resident memory is read from `/proc/<pid>/status`).
//!
//! `ucsconf --root DIR` shows the Logs tab of a node whose log starts empty;
//! a thread then appends SIZE_MIB (default 1024) of sample log4net entries
//! in large writes, while the TUI's VmRSS is sampled every 50 ms. It waits
//! until the status line counts every entry written, and reports the
//! writer's time, when the TUI had shown every entry, the peak RSS (the
//! highest sample or the kernel's VmHWM) and the RSS at the end.
//! Target: under 100 MB resident while following a log that grows by 1 GiB.
//!
//! `cargo build --release && cargo run --release --example bench_tui_memory [SIZE_MIB]`
//! (`UCSCONF_BIN` names another binary).

// The test suite's pseudo-terminal driver.
#[allow(dead_code)]
#[path = "../tests/support/pty.rs"]
mod pty;

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use pty::Options;
use ucsconf::logs::SampleLog;

const LOG: &str = "Var/Log/w3wp/ApplicationSuite.log";
const ROWS: u16 = 50;
const COLS: u16 = 200;
/// One write to the log: far more than the TUI reads in one go.
const CHUNK: usize = 8 << 20;
const SAMPLE_EVERY: Duration = Duration::from_millis(50);
/// How long the TUI may take to show every entry once the writer is done.
const CATCH_UP: Duration = Duration::from_secs(300);
const TARGET_MB: f64 = 100.0;

/// Sample entries appended to the log, as loggen's batch mode writes them.
struct Writer {
    out: BufWriter<File>,
    sample: SampleLog,
    clock: SystemTime,
    step: u64,
    entries: u64,
    lines: u64,
    bytes: u64,
}

impl Writer {
    fn open(log: &Path, bytes: u64) -> Writer {
        let file = OpenOptions::new().append(true).open(log).unwrap();
        // Timestamps end about now, 1 to 120 ms apart (an entry is about 150 bytes).
        let ago = Duration::from_millis(bytes / 150 * 60);
        Writer {
            out: BufWriter::with_capacity(CHUNK, file),
            sample: SampleLog::new(1),
            clock: SystemTime::now() - ago,
            step: 1,
            entries: 0,
            lines: 0,
            bytes: 0,
        }
    }

    /// One entry: its first line starts with a timestamp and its stack
    /// trace lines do not, so the TUI counts it once.
    fn entry(&mut self) {
        self.step = self
            .step
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        self.clock += Duration::from_millis(1 + (self.step >> 33) % 120);
        let entry = self.sample.next_entry(self.clock);
        self.out.write_all(entry.as_bytes()).unwrap();
        self.entries += 1;
        self.lines += entry.matches('\n').count() as u64;
        self.bytes += entry.len() as u64;
    }

    fn flush(&mut self) {
        self.out.flush().unwrap();
    }
}

/// VmRSS and VmHWM of a process, in KiB.
fn memory(pid: u32) -> (u64, u64) {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc/<pid>/status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in /proc/{pid}/status"))
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The entries received since the start: the number after the slash in
/// ` FOLLOWING · local · 100,000/6,553,339 entries (100,000 kept)`.
fn total_entries(screen: &str) -> Option<u64> {
    let status = screen.lines().find(|l| l.contains("FOLLOWING"))?;
    let counts = status.split(" · ").find(|p| p.contains(" entries"))?;
    let total = counts.split_once('/')?.1.split(' ').next()?;
    total.replace(',', "").parse().ok()
}

fn mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}

fn main() {
    if !cfg!(target_os = "linux") {
        eprintln!("bench_tui_memory reads /proc: Linux only");
        std::process::exit(2);
    }
    let mib: u64 = std::env::args()
        .nth(1)
        .map_or(1024, |a| a.parse().expect("size in MiB"));
    let bin = pty::release_binary();
    println!("binary: {}", bin.display());
    let root = tempfile::tempdir().unwrap();
    let log = root.path().join(LOG);
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    File::create(&log).unwrap();

    let mut tui = Options::new(&bin)
        .arg("--root")
        .arg(root.path())
        .size(ROWS, COLS)
        .keep_raw(false)
        .spawn();
    tui.wait_for("1 System Parameters");
    tui.send("4");
    tui.wait_for("FOLLOWING");
    // The Logs tab reads the log's tail before it follows: one entry shown
    // means it follows from there, and the burst cannot land in the tail.
    let mut writer = Writer::open(&log, mib << 20);
    writer.entry();
    writer.flush();
    tui.wait_until("the first entry", |s| total_entries(s) == Some(1));

    let pid = tui.pid();
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = std::thread::spawn({
        let stop = stop.clone();
        move || {
            let mut peak = 0;
            while !stop.load(Ordering::Relaxed) {
                peak = peak.max(memory(pid).0);
                std::thread::sleep(SAMPLE_EVERY);
            }
            peak
        }
    });

    let started = Instant::now();
    let burst = std::thread::spawn(move || {
        let target = mib << 20;
        while writer.bytes < target {
            writer.entry();
        }
        writer.flush();
        (writer, started.elapsed())
    });
    let (writer, wrote) = burst.join().unwrap();
    let expected = writer.entries;
    let what = format!("all {expected} entries counted");
    tui.wait_until_within(CATCH_UP, &what, |s| total_entries(s) == Some(expected));
    let shown = started.elapsed();
    let (rss_end, hwm) = memory(pid);
    stop.store(true, Ordering::Relaxed);
    let sampled = sampler.join().unwrap();
    tui.quit();

    let peak = sampled.max(hwm);
    let written_mib = writer.bytes as f64 / (1 << 20) as f64;
    println!(
        "appended {written_mib:.0} MiB ({expected} entries, {} lines) in {:.2} s ({:.0} MiB/s)",
        writer.lines,
        wrote.as_secs_f64(),
        written_mib / wrote.as_secs_f64()
    );
    println!(
        "every entry on screen {:.2} s after the writer started, {:.2} s after it finished",
        shown.as_secs_f64(),
        (shown - wrote).as_secs_f64()
    );
    let verdict = if mb(peak) < TARGET_MB {
        "within 100 MB"
    } else {
        "OVER 100 MB"
    };
    println!(
        "peak RSS {:.1} MB (highest sample {:.1} MB, VmHWM {:.1} MB), {verdict}; at the end {:.1} MB",
        mb(peak),
        mb(sampled),
        mb(hwm),
        mb(rss_end)
    );
}
