//! Start-up and idle cost of the TUI, measured on the release binary in a
//! pseudo-terminal (Linux: CPU time is read from `/proc/<pid>/stat`).
//!
//! 1. First frame: time from spawning `ucsconf demo --dir TMP` to the tab
//!    bar on screen, on a freshly created demo (the demo is written first)
//!    and on one that exists. Target: under 100 ms.
//! 2. Idle: `ucsconf --root DIR` on a node whose log does not change, with
//!    the Logs tab open; CPU time used over 10 s, and bytes written to the
//!    terminal meanwhile. Target: under 1% of a core, and nothing drawn.
//!
//! 3. One-shot commands against the Unix tools doing the same, side by side
//!    (each run of ours followed by one of theirs, medians compared):
//!    `logs --lines 100` against `tail -n 100` on a 64 MiB log, and
//!    `presence get KEY` against `cat` of the same Presence.ini. Target:
//!    within 1.5 times the tool's time; over it, the bench exits with 1.
//!    (`--version` against `true`, process start alone, is shown for scale.)
//!
//! `cargo build --release && cargo run --release --example bench_startup`
//! (`UCSCONF_BIN` names another binary; `-- --one-shot` runs only 3). Build
//! the binary on its own, as there: built in one go with the examples, it
//! gets the features the dev-dependencies ask of shared crates, and is
//! larger and slower to start than the one shipped.

// The test suite's pseudo-terminal driver.
#[allow(dead_code)]
#[path = "../tests/support/pty.rs"]
mod pty;

use std::path::Path;
use std::time::{Duration, Instant};

use pty::{Options, Tui};

const ROWS: u16 = 40;
const COLS: u16 = 120;
const RUNS: usize = 10;
const IDLE: Duration = Duration::from_secs(10);
/// What the first full frame shows (the tab bar).
const TAB_BAR: &str = "1 System Parameters";

fn spawn(bin: &Path, args: &[&str]) -> Tui {
    Options::new(bin)
        .args(args)
        .size(ROWS, COLS)
        .keep_raw(false)
        .spawn()
}

/// Waits until the screen shows `text`; the time since the spawn.
fn wait_for(run: &Tui, text: &str) -> Duration {
    run.wait_for(text);
    run.started().elapsed()
}

/// utime + stime of the process (all its threads), in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/<pid>/stat");
    // The command name may hold spaces: fields are counted after its ')'.
    let rest = &stat[stat.rfind(')').expect("a stat line") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after ')'.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn summary(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let median = times[times.len() / 2];
    let verdict = if median < Duration::from_millis(100) {
        "within 100 ms"
    } else {
        "OVER 100 ms"
    };
    println!(
        "{label:<34} median {:>7.1} ms   min {:>7.1} ms   max {:>7.1} ms   {verdict}",
        ms(median),
        ms(times[0]),
        ms(times[times.len() - 1]),
    );
}

fn first_frames(bin: &Path) {
    println!("Time from spawn to the first full frame ({COLS}x{ROWS}, {RUNS} runs each):");
    let mut fresh = Vec::new();
    let mut existing = Vec::new();
    for _ in 0..RUNS {
        let dir = tempfile::tempdir().unwrap();
        let demo = dir.path().to_str().unwrap();
        let run = spawn(bin, &["demo", "--dir", demo]);
        fresh.push(wait_for(&run, TAB_BAR));
        run.quit();
        let run = spawn(bin, &["demo", "--dir", demo]);
        existing.push(wait_for(&run, TAB_BAR));
        run.quit();
    }
    summary("demo, created at start", fresh);
    summary("demo, already there", existing);
}

/// A node root whose log holds `lines` lines and is not written to.
fn static_node(lines: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("Var/Log/w3wp/ApplicationSuite.log");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    let mut text = String::new();
    for i in 0..lines {
        let level = ["INFO", "DEBUG", "WARN", "ERROR"][i % 4];
        text.push_str(&format!(
            "2026-11-22 10:{:02}:{:02},{:03} {level:<5} Suite.Presence   poll {} users from 10.0.0.{} in {} ms\r\n",
            (i / 60) % 60,
            i % 60,
            i % 1000,
            1000 + i,
            i % 250,
            800 + i % 400
        ));
    }
    std::fs::write(&log, text).unwrap();
    dir
}

fn idle(bin: &Path) {
    let root = static_node(5000);
    let mut run = spawn(bin, &["--root", root.path().to_str().unwrap()]);
    let first = wait_for(&run, TAB_BAR);
    run.send("4");
    run.wait_for("FOLLOWING · local · 1,000/1,000 entries");
    // Let the start settle (the tail read, the last frame) before measuring.
    std::thread::sleep(Duration::from_secs(1));
    let pid = run.pid();
    let (ticks, bytes, at) = (cpu_ticks(pid), run.bytes(), Instant::now());
    std::thread::sleep(IDLE);
    let (ticks_after, bytes_after, elapsed) = (cpu_ticks(pid), run.bytes(), at.elapsed());
    run.quit();
    let cpu = (ticks_after - ticks) as f64 / ticks_per_second() as f64;
    let share = cpu / elapsed.as_secs_f64() * 100.0;
    let verdict = if share < 1.0 { "within 1%" } else { "OVER 1%" };
    println!(
        "Idle on the Logs tab ({} s, log not changing; first frame after {:.1} ms):",
        elapsed.as_secs(),
        ms(first)
    );
    println!(
        "  CPU {:.2} s = {share:.2}% of a core ({verdict}); {} bytes written to the terminal",
        cpu,
        bytes_after - bytes
    );
}

/// One run of a command to its end, its output thrown away.
fn run_once(cmd: &mut std::process::Command) -> Duration {
    use std::process::Stdio;
    let started = Instant::now();
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the command starts");
    let took = started.elapsed();
    assert!(status.success(), "{cmd:?} failed");
    took
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Ours and theirs, alternately; the medians. Page cache and CPU state are
/// the same for both.
fn side_by_side(
    ours: impl Fn() -> std::process::Command,
    theirs: impl Fn() -> std::process::Command,
) -> (Duration, Duration) {
    const ONE_SHOT_RUNS: usize = 60;
    // A few runs first, so both binaries are in the page cache.
    for _ in 0..3 {
        run_once(&mut ours());
        run_once(&mut theirs());
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..ONE_SHOT_RUNS {
        a.push(run_once(&mut ours()));
        b.push(run_once(&mut theirs()));
    }
    (median(a), median(b))
}

/// A node root holding a 64 MiB log and a Presence.ini.
fn one_shot_node() -> tempfile::TempDir {
    use std::io::Write;
    let dir = static_node(0);
    let log = dir.path().join("Var/Log/w3wp/ApplicationSuite.log");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&log).unwrap());
    let mut written = 0;
    let mut i = 0u64;
    while written < 64 << 20 {
        let line = format!(
            "2026-11-22 10:{:02}:{:02},{:03} INFO  Suite.Presence   poll {} users from 10.0.0.{} in {} ms\r\n",
            (i / 60) % 60,
            i % 60,
            i % 1000,
            1000 + i,
            i % 250,
            800 + i % 400
        );
        out.write_all(line.as_bytes()).unwrap();
        written += line.len();
        i += 1;
    }
    out.flush().unwrap();
    let presence = dir.path().join(ucsconf::paths::PRESENCE);
    std::fs::create_dir_all(presence.parent().unwrap()).unwrap();
    std::fs::write(&presence, include_bytes!("demo/Presence.ini")).unwrap();
    dir
}

/// The one-shot commands against their tools; `true` when within 1.5x.
fn one_shot(bin: &Path) -> bool {
    use std::process::Command;
    const TARGET: f64 = 1.5;
    let node = one_shot_node();
    let root = node.path().to_path_buf();
    let log = root.join("Var/Log/w3wp/ApplicationSuite.log");
    let presence = root.join(ucsconf::paths::PRESENCE);
    let ucs = |args: &[&str]| {
        let mut c = Command::new(bin);
        // The program's own log goes to a folder of this run's.
        c.env("XDG_STATE_HOME", root.join("state"));
        c.arg("--root").arg(&root).args(args);
        c
    };
    let tool = |program: &str, args: &[&Path], flags: &[&str]| {
        let mut c = Command::new(program);
        c.args(flags).args(args);
        c
    };
    println!("One-shot commands, side by side with the tools (medians of 60 runs each):");
    let rows = [
        (
            "logs --lines 100 vs tail -n 100 (64 MiB)",
            side_by_side(
                || ucs(&["logs", "--lines", "100"]),
                || tool("tail", &[&log], &["-n", "100"]),
            ),
            Some(TARGET),
        ),
        (
            "presence get KEY vs cat Presence.ini",
            side_by_side(
                || ucs(&["presence", "get", "WebexPresence.Enable"]),
                || tool("cat", &[&presence], &[]),
            ),
            Some(TARGET),
        ),
        (
            "--version vs true (process start)",
            side_by_side(
                || {
                    let mut c = Command::new(bin);
                    c.arg("--version");
                    c
                },
                || Command::new("true"),
            ),
            None,
        ),
    ];
    let mut within = true;
    for (what, (ours, theirs), target) in rows {
        let ratio = ours.as_secs_f64() / theirs.as_secs_f64();
        let verdict = match target {
            Some(t) if ratio > t => {
                within = false;
                format!("OVER {t}x")
            }
            Some(t) => format!("within {t}x"),
            None => String::new(),
        };
        println!(
            "  {what:<42} {:>6.2} ms vs {:>6.2} ms: {ratio:.2}x  {verdict}",
            ms(ours),
            ms(theirs)
        );
    }
    within
}

fn main() {
    if !cfg!(target_os = "linux") {
        eprintln!("bench_startup reads /proc: Linux only");
        std::process::exit(2);
    }
    let bin = pty::release_binary();
    println!("binary: {}", bin.display());
    let within = one_shot(&bin);
    if !std::env::args().any(|a| a == "--one-shot") {
        first_frames(&bin);
        idle(&bin);
    }
    if !within {
        eprintln!("one-shot commands over target (see above)");
        std::process::exit(1);
    }
}
