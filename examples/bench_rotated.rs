//! A log with its rotated files: finding a moment, against grep, and a
//! support bundle of a two-hour window from two nodes.
//!
//! Run: `cargo build --release && cargo run --release --example bench_rotated [LIVE_MIB] [PART_MIB]`
//! (Linux). It writes, in a temporary folder, a live log of LIVE_MIB
//! (default 1024) and ten rotated files of PART_MIB (default 100) in
//! log4net's names, then measures:
//! - `ucsconf logs --at T` (T inside the fourth rotated file): the real
//!   binary's wall time (best of 10), and the bytes the engine reads for it
//!   (counted in-process by the same code the command runs);
//! - `grep` for the same minute over the same files (what an admin would
//!   do without ucsconf): wall time, and the bytes it has to read (all);
//! - `ucsconf bundle --since T-2h --until T` from two nodes (the second
//!   node's files are hard links to the first's): bytes read from each
//!   node's log against the bytes the window spans, as the manifest says.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ucsconf::logs::history::LogHistory;
use ucsconf::logs::sample::format_timestamp;
use ucsconf::logs::{SampleLog, when};
use ucsconf::node::LocalNode;

const DIR: &str = "Var/Log/w3wp";
const LOG: &str = "Var/Log/w3wp/ApplicationSuite.log";
/// Between two entries of the sample log.
const STEP: Duration = Duration::from_millis(37);

fn ucsconf() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/ucsconf");
    assert!(p.is_file(), "build it first: cargo build --release");
    p
}

/// Writes `bytes` of sample entries from `start`; returns the time after the last.
fn write_part(path: &Path, bytes: u64, start: SystemTime, seed: u64) -> SystemTime {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).unwrap());
    let mut log = SampleLog::new(seed);
    let (mut written, mut t) = (0u64, start);
    while written < bytes {
        let entry = log.next_entry(t);
        out.write_all(entry.as_bytes()).unwrap();
        written += entry.len() as u64;
        t += STEP;
    }
    out.flush().unwrap();
    t
}

fn best_of(runs: u32, mut run: impl FnMut() -> Duration) -> Duration {
    (0..runs).map(|_| run()).min().unwrap()
}

fn timed(cmd: &mut Command) -> Duration {
    let start = Instant::now();
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    let took = start.elapsed();
    // grep exits 1 when it finds nothing: the time is what matters.
    assert!(status.code().is_some(), "killed: {status}");
    took
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let live_mib = args.first().copied().unwrap_or(1024);
    let part_mib = args.get(1).copied().unwrap_or(100);
    let bin = ucsconf();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("ucs-a");
    let dir = root.join(DIR);
    fs::create_dir_all(&dir).unwrap();

    // Oldest first: ten rotated files in mixed log4net names, then the live one.
    let names = [
        "ApplicationSuite.2026-11-20.log",
        "ApplicationSuite.log.2026-11-21",
        "ApplicationSuite.log.10",
        "ApplicationSuite.log.9",
        "ApplicationSuite.log.8",
        "ApplicationSuite.log.7",
        "ApplicationSuite.log.5",
        "ApplicationSuite.log.4",
        "ApplicationSuite.log.2",
        "ApplicationSuite.log.1",
    ];
    print!("writing {live_mib} MiB + 10 x {part_mib} MiB... ");
    #[allow(clippy::disallowed_methods)] // A benchmark's own figures.
    std::io::stdout().flush().unwrap();
    let mut t = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
    let mut starts = Vec::new();
    for (i, name) in names.iter().enumerate() {
        starts.push(t);
        t = write_part(&dir.join(name), part_mib << 20, t, i as u64 + 1);
    }
    write_part(&dir.join("ApplicationSuite.log"), live_mib << 20, t, 99);
    let total: u64 = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    println!("done ({:.2} GiB)", total as f64 / (1u64 << 30) as f64);

    // A moment a third of the way into the fourth rotated file.
    let span = starts[4].duration_since(starts[3]).unwrap();
    let moment = starts[3] + span / 3;
    let at = format_timestamp(moment)[..16].to_string();
    let at_ms = when::parse(&at, when::now_local()).unwrap();

    // The engine's bytes, in-process.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (read, found) = rt.block_on(async {
        let node = Arc::new(LocalNode::new("ucs-a", &root));
        let history = LogHistory::open(node, LOG).await.unwrap();
        let (before, after) = history.around(at_ms, 10, 10).await.unwrap();
        (history.bytes_read(), before.len() + after.len())
    });
    assert_eq!(found, 20);
    let ours = best_of(10, || {
        timed(
            Command::new(&bin)
                .arg("--root")
                .arg(&root)
                .args(["logs", "--at", &at, "--lines", "10"]),
        )
    });
    let files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let pattern = format!("^{at}");
    let grep = best_of(3, || {
        timed(Command::new("grep").arg("-h").arg(&pattern).args(&files))
    });
    println!("logs --at \"{at}\" (20 entries), {} files:", files.len());
    println!(
        "  ucsconf logs --at   {:>9.2} ms   {:>8.1} KiB read",
        ms(ours),
        read as f64 / 1024.0
    );
    println!(
        "  grep ^TIME          {:>9.2} ms   {:>8.1} MiB read (every file, page-cached)",
        ms(grep),
        total as f64 / (1u64 << 20) as f64
    );
    println!(
        "  ratio {:.0}x faster, {:.0}x fewer bytes",
        ms(grep) / ms(ours),
        total as f64 / read as f64
    );

    // The bundle: two nodes, two hours before the moment.
    let other = tmp.path().join("ucs-b");
    fs::create_dir_all(other.join(DIR)).unwrap();
    for f in &files {
        fs::hard_link(f, other.join(DIR).join(f.file_name().unwrap())).unwrap();
    }
    let inventory = tmp.path().join("nodes.toml");
    fs::write(
        &inventory,
        format!(
            "[[node]]\nname = 'ucs-a'\nroot = '{}'\n\n[[node]]\nname = 'ucs-b'\nroot = '{}'\n",
            root.display(),
            other.display()
        ),
    )
    .unwrap();
    let since = format_timestamp(moment - Duration::from_secs(7200))[..16].to_string();
    let out = tmp.path().join("support.zip");
    let started = Instant::now();
    let run = Command::new(&bin)
        .arg("--config")
        .arg(&inventory)
        .args([
            "--json", "bundle", "--since", &since, "--until", &at, "--out",
        ])
        .arg(&out)
        .stderr(Stdio::null())
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(run.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    println!(
        "bundle --since \"{since}\" --until \"{at}\", two nodes, {:.0} ms:",
        ms(took)
    );
    for node in doc["nodes"].as_array().unwrap() {
        let read = node["log_bytes_read"].as_u64().unwrap();
        let window = node["log_window_bytes"].as_u64().unwrap();
        println!(
            "  {}: {} entries, window {:.1} MiB, read {:.1} MiB ({:.3} of the window; the log is {:.2} GiB)",
            node["node"].as_str().unwrap(),
            node["log_entries"],
            window as f64 / (1u64 << 20) as f64,
            read as f64 / (1u64 << 20) as f64,
            read as f64 / window.max(1) as f64,
            total as f64 / (1u64 << 30) as f64,
        );
    }
    println!(
        "  archive {:.1} MiB",
        fs::metadata(&out).unwrap().len() as f64 / (1u64 << 20) as f64
    );
}
