//! `presence get` and `presence set` against crudini on the same file.
//!
//! Run: `cargo build --release && cargo run --release --example bench_presence`
//! (needs `crudini`: `apt-get install crudini`). Prints the mean wall time per
//! run of each tool and the ratio. The file is the demo's Presence.ini.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: u32 = 200;
const REL: &str = "Apps/Presence/Settings/Presence.ini";

fn ucsconf() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/ucsconf");
    assert!(p.is_file(), "build it first: cargo build --release");
    p
}

fn time(mut cmd: impl FnMut(u32) -> Command) -> Duration {
    let start = Instant::now();
    for i in 0..RUNS {
        let status = cmd(i).output().expect("the command runs");
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
    }
    start.elapsed() / RUNS
}

fn main() {
    let dir = std::env::temp_dir().join(format!("ucsconf-bench-{}", std::process::id()));
    let file = dir.join(REL);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, include_bytes!("demo/Presence.ini")).unwrap();
    let bin = ucsconf();
    let ucs = |args: &[&str]| {
        let mut c = Command::new(&bin);
        c.arg("--root").arg(&dir).args(args);
        c
    };
    let crud = |args: &[&str]| {
        let mut c = Command::new("crudini");
        c.args(args);
        c
    };
    let f = file.to_str().unwrap().to_string();
    let value = |i: u32| (i % 2).to_string();

    let ucs_get = time(|_| ucs(&["presence", "get", "WebexPresence.Enable"]));
    let crud_get = time(|_| crud(&["--get", &f, "Webex", "WebexPresence.Enable"]));
    let ucs_set = time(|i| ucs(&["presence", "set", "WebexPresence.Enable", &value(i)]));
    let crud_set = time(|i| crud(&["--set", &f, "Webex", "WebexPresence.Enable", &value(i)]));

    println!("{RUNS} runs each, mean wall time per run:");
    for (what, ours, theirs) in [("get", ucs_get, crud_get), ("set", ucs_set, crud_set)] {
        println!(
            "presence {what}: ucsconf {:>7.2} ms   crudini {:>7.2} ms   ratio {:.1}x",
            ours.as_secs_f64() * 1e3,
            theirs.as_secs_f64() * 1e3,
            theirs.as_secs_f64() / ours.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
