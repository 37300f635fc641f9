//! A log and its rotated files as one log: which files are parts, their
//! order, reading across them both ways, windows of time, and the time
//! bisection, whose cost is counted in bytes read.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use ucsconf::logs::history::LogHistory;
use ucsconf::logs::when::format_ms;
use ucsconf::node::{LocalNode, Node};

const LOG: &str = "Var/Log/w3wp/ApplicationSuite.log";
const MINUTE: i64 = 60_000;

/// 2026-12-01 00:00:00 on the log's scale.
fn base() -> i64 {
    ucsconf::logs::entry::parse_timestamp("2026-12-01 00:00:00,000").unwrap()
}

/// One reference entry: its time and its lines.
#[derive(Debug, Clone, PartialEq)]
struct Ref {
    time: i64,
    lines: Vec<String>,
}

/// `count` entries from `start`, `step` ms apart; every seventh has a
/// stack trace.
fn entries(start: i64, step: i64, count: usize, tag: &str) -> Vec<Ref> {
    (0..count)
        .map(|i| {
            let time = start + i as i64 * step;
            let level = if i % 11 == 3 { "ERROR" } else { "INFO " };
            let mut lines = vec![format!(
                "{} [{}] {level} Imagicle.{tag} - message {i} of {tag}",
                format_ms(time),
                i % 50
            )];
            if i % 7 == 0 {
                lines.push(format!("   at Imagicle.{tag}.Frame{i}()"));
                lines.push("   at System.Threading.ThreadHelper.Run()".into());
            }
            Ref { time, lines }
        })
        .collect()
}

fn text_of(refs: &[Ref]) -> String {
    refs.iter()
        .flat_map(|r| r.lines.iter())
        .map(|l| format!("{l}\r\n"))
        .collect()
}

fn utf16(text: &str) -> Vec<u8> {
    let mut bytes = b"\xff\xfe".to_vec();
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

fn write(root: &Path, name: &str, bytes: &[u8]) {
    let path = root.join("Var/Log/w3wp").join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

fn node(root: &Path) -> Arc<dyn Node> {
    Arc::new(LocalNode::new("local", root))
}

/// Parts with gaps in their numbers and every log4net naming, one of them
/// UTF-16, beside files that are not parts; returns the reference, oldest first.
fn mixed_rotations(root: &Path) -> Vec<Ref> {
    let parts = [
        ("ApplicationSuite.2026-11-28.log", 0),
        ("ApplicationSuite.log.2026-11-29", 1),
        ("ApplicationSuite.log.5", 2),
        ("ApplicationSuite.log.2", 3),
        ("ApplicationSuite.log.2026-12-01.1", 4),
        ("ApplicationSuite.log", 5),
    ];
    let mut all = Vec::new();
    for (name, day) in parts {
        let refs = entries(
            base() - (5 - day) * 1440 * MINUTE,
            MINUTE,
            40,
            &format!("Day{day}"),
        );
        let text = text_of(&refs);
        let bytes = if day == 2 {
            utf16(&text)
        } else {
            text.into_bytes()
        };
        write(root, name, &bytes);
        all.extend(refs);
    }
    // Not parts of the log.
    write(
        root,
        "ApplicationSuite.log.20261122T101500Z.bak",
        b"backup\n",
    );
    write(root, "ApplicationSuite.log.1.gz", b"\x1f\x8b");
    write(root, "Other.log.1", b"2027-01-01 00:00:00,000 INFO other\n");
    all
}

fn as_ref(placed: ucsconf::logs::Placed) -> Ref {
    Ref {
        time: placed.entry.timestamp_ms.unwrap(),
        lines: placed.entry.lines,
    }
}

async fn all_forward(history: &LogHistory) -> Vec<Ref> {
    let all = history
        .forward(history.beginning())
        .entries(usize::MAX)
        .await;
    all.unwrap().into_iter().map(as_ref).collect()
}

async fn all_backward(history: &LogHistory) -> Vec<Ref> {
    let all = history.backward(history.end()).entries(usize::MAX).await;
    all.unwrap().into_iter().map(as_ref).collect()
}

#[tokio::test]
async fn rotations_with_gaps_and_mixed_naming_read_as_one_log() {
    let dir = tempfile::tempdir().unwrap();
    let reference = mixed_rotations(dir.path());
    let history = LogHistory::open(node(dir.path()), LOG).await.unwrap();
    let names: Vec<&str> = history.parts().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "ApplicationSuite.2026-11-28.log",
            "ApplicationSuite.log.2026-11-29",
            "ApplicationSuite.log.5",
            "ApplicationSuite.log.2",
            "ApplicationSuite.log.2026-12-01.1",
            "ApplicationSuite.log",
        ]
    );
    assert!(history.parts().last().unwrap().live);
    assert_eq!(all_forward(&history).await, reference);
    assert_eq!(all_backward(&history).await, reference);
}

#[tokio::test]
async fn the_order_comes_from_the_timestamps_not_the_numbers() {
    // CountDirection >= 0: `.1` is the oldest backup.
    let dir = tempfile::tempdir().unwrap();
    let old = entries(base(), MINUTE, 5, "Old");
    let mid = entries(base() + 10 * MINUTE, MINUTE, 5, "Mid");
    let new = entries(base() + 20 * MINUTE, MINUTE, 5, "New");
    write(
        dir.path(),
        "ApplicationSuite.log.1",
        text_of(&old).as_bytes(),
    );
    write(
        dir.path(),
        "ApplicationSuite.log.2",
        text_of(&mid).as_bytes(),
    );
    write(dir.path(), "ApplicationSuite.log", text_of(&new).as_bytes());
    let history = LogHistory::open(node(dir.path()), LOG).await.unwrap();
    let all: Vec<Ref> = [old, mid, new].concat();
    assert_eq!(all_forward(&history).await, all);
}

#[tokio::test]
async fn a_stack_trace_at_the_start_of_a_part_continues_the_older_part() {
    let dir = tempfile::tempdir().unwrap();
    let refs = entries(base(), MINUTE, 6, "Cut");
    // The rotation happened in the middle of entry 0's stack trace... of
    // the last entry of the older part: its trace went on in the new file.
    let mut older = text_of(&refs[..3]);
    let mut last = refs[3].clone();
    last.lines.push("   at Continued.InTheNewFile()".into());
    older.push_str(&format!("{}\r\n", last.lines[0]));
    let newer = format!("   at Continued.InTheNewFile()\r\n{}", text_of(&refs[4..]));
    write(dir.path(), "ApplicationSuite.log.1", older.as_bytes());
    write(dir.path(), "ApplicationSuite.log", newer.as_bytes());
    let history = LogHistory::open(node(dir.path()), LOG).await.unwrap();
    let mut expected = refs[..3].to_vec();
    expected.push(Ref {
        time: last.time,
        lines: vec![
            last.lines[0].clone(),
            "   at Continued.InTheNewFile()".into(),
        ],
    });
    expected.extend_from_slice(&refs[4..]);
    assert_eq!(all_forward(&history).await, expected);
    assert_eq!(all_backward(&history).await, expected);
}

#[tokio::test]
async fn since_spanning_three_files_matches_a_reference() {
    let dir = tempfile::tempdir().unwrap();
    let reference = mixed_rotations(dir.path());
    let history = LogHistory::open(node(dir.path()), LOG).await.unwrap();
    // From the middle of the third part (UTF-16) to the middle of the live one.
    let since = base() - 3 * 1440 * MINUTE + 17 * MINUTE + 30_000;
    let until = base() + 25 * MINUTE;
    let expected: Vec<Ref> = reference
        .iter()
        .filter(|r| r.time >= since && r.time <= until)
        .cloned()
        .collect();
    let from = history.seek(since).await.unwrap();
    let mut lines = history.forward(from);
    let mut got = Vec::new();
    let mut parts = std::collections::BTreeSet::new();
    while let Some(e) = lines.next_entry().await.unwrap() {
        let time = e.entry.timestamp_ms.unwrap();
        if time > until {
            break;
        }
        parts.insert(e.pos.part);
        got.push(Ref {
            time,
            lines: e.entry.lines,
        });
    }
    assert_eq!(from.part, 2, "starts in the UTF-16 part");
    assert_eq!(parts.into_iter().collect::<Vec<_>>(), [2, 3, 4, 5]);
    assert!(expected.len() > 100, "{}", expected.len());
    assert_eq!(got, expected);
}

#[tokio::test]
async fn around_a_moment_gives_the_entries_before_and_after() {
    let dir = tempfile::tempdir().unwrap();
    let reference = mixed_rotations(dir.path());
    let history = LogHistory::open(node(dir.path()), LOG).await.unwrap();
    // Between two entries, just after a part boundary, before everything, after everything.
    for t in [
        reference[100].time - 1,
        reference[120].time,
        reference[0].time - MINUTE,
        reference.last().unwrap().time + MINUTE,
    ] {
        let (before, after) = history.around(t, 3, 4).await.unwrap();
        let first_after = reference
            .iter()
            .position(|r| r.time >= t)
            .unwrap_or(reference.len());
        let want_before = &reference[first_after.saturating_sub(3)..first_after];
        let want_after = &reference[first_after..(first_after + 4).min(reference.len())];
        let times = |v: &[ucsconf::logs::Placed]| -> Vec<i64> {
            v.iter().map(|p| p.entry.timestamp_ms.unwrap()).collect()
        };
        let ref_times = |v: &[Ref]| -> Vec<i64> { v.iter().map(|r| r.time).collect() };
        assert_eq!(times(&before), ref_times(want_before), "t={}", format_ms(t));
        assert_eq!(times(&after), ref_times(want_after), "t={}", format_ms(t));
    }
}

#[tokio::test]
async fn finding_a_time_in_a_large_log_reads_a_few_blocks() {
    let dir = tempfile::tempdir().unwrap();
    // About 64 MiB in the live file and three rotated parts of 8 MiB.
    let mut reference = Vec::new();
    let mut start = base();
    for (name, count) in [
        ("ApplicationSuite.log.3", 80_000),
        ("ApplicationSuite.log.2", 80_000),
        ("ApplicationSuite.log.1", 80_000),
        ("ApplicationSuite.log", 640_000),
    ] {
        let refs = entries(start, 1_000, count, "Big");
        start += count as i64 * 1_000 + 5_000;
        let text = text_of(&refs);
        write(dir.path(), name, text.as_bytes());
        reference.extend(refs.into_iter().map(|r| r.time));
    }
    let total: u64 = history_len(dir.path());
    assert!(total > 64 << 20, "{total}");
    let history = LogHistory::open(node(dir.path()), LOG).await.unwrap();
    let heads = history.bytes_read();
    for k in [1usize, 77_777, 80_000, 200_001, 500_000, 879_999] {
        let t = reference[k] - 1;
        let before = history.bytes_read();
        let (earlier, later) = history.around(t, 10, 10).await.unwrap();
        let read = history.bytes_read() - before;
        assert_eq!(later[0].entry.timestamp_ms, Some(reference[k]), "k={k}");
        assert_eq!(
            earlier.last().unwrap().entry.timestamp_ms,
            Some(reference[k - 1]),
            "k={k}"
        );
        // A bisection of ~14 probes of 4 KiB and the entries shown.
        assert!(read < 160 * 1024, "k={k}: read {read} bytes of {total}");
    }
    assert!(heads <= 4 * 8 * 1024, "heads: {heads}");
}

fn history_len(root: &Path) -> u64 {
    fs::read_dir(root.join("Var/Log/w3wp"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

#[tokio::test]
async fn lines_cross_block_boundaries_both_ways() {
    // Lines of every length around the block sizes, and no final newline.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    let mut want = Vec::new();
    for i in 0..400usize {
        let len = (i * 997) % 9000;
        let line = format!("{}{}", format_ms(base() + i as i64), "x".repeat(len));
        want.push(line.clone());
        text.push_str(&line);
        if i % 3 == 0 {
            text.push('\r');
            *want.last_mut().unwrap() += "\r";
        }
        if i != 399 {
            text.push('\n');
        }
    }
    for (name, bytes) in [
        ("plain", text.clone().into_bytes()),
        ("utf16", utf16(&text)),
    ] {
        write(dir.path(), "ApplicationSuite.log", &bytes);
        let history = LogHistory::open(node(dir.path()), LOG).await.unwrap();
        let mut fwd = history.forward(history.beginning());
        let mut got = Vec::new();
        while let Some(line) = fwd.next().await.unwrap() {
            got.push(String::from_utf8(line.text).unwrap());
        }
        assert_eq!(got, want, "{name} forward");
        let mut back = history.backward(history.end());
        let mut got = Vec::new();
        while let Some(line) = back.next().await.unwrap() {
            got.push(String::from_utf8(line.text).unwrap());
        }
        got.reverse();
        assert_eq!(got, want, "{name} backward");
        // Every line's time is found where it starts.
        for k in [0usize, 1, 133, 398, 399] {
            let t = base() + k as i64;
            let (_, after) = history.around(t, 0, 1).await.unwrap();
            assert_eq!(after[0].entry.timestamp_ms, Some(t), "{name} k={k}");
        }
    }
}

#[tokio::test]
async fn a_missing_log_is_not_found_but_rotated_parts_alone_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let err = LogHistory::open(node(dir.path()), LOG).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    let refs = entries(base(), MINUTE, 3, "Only");
    write(
        dir.path(),
        "ApplicationSuite.log.1",
        text_of(&refs).as_bytes(),
    );
    let history = LogHistory::open(node(dir.path()), LOG).await.unwrap();
    assert!(!history.parts()[0].live);
    assert_eq!(all_forward(&history).await, refs);
}

fn ucsconf(root: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ucsconf"))
        .arg("--root")
        .arg(root)
        .args(args)
        .env_remove("UCSCONF_CONFIG")
        .env("XDG_STATE_HOME", root.join("state"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_command_line_spans_rotated_files() {
    let dir = tempfile::tempdir().unwrap();
    let reference = mixed_rotations(dir.path());
    let root = dir.path();
    let lines_of = |refs: &[Ref]| -> String {
        refs.iter()
            .flat_map(|r| &r.lines)
            .map(|l| format!("{l}\n"))
            .collect()
    };

    // --at: ten entries each side, across the boundary of two parts.
    let t = reference[120].time;
    let (code, out, err) = ucsconf(root, &["logs", "--at", &format_ms(t)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, lines_of(&reference[110..130]));

    // --since/--until: a window over three parts.
    let (since, until) = (reference[70].time, reference[165].time);
    let (code, out, err) = ucsconf(
        root,
        &[
            "logs",
            "--since",
            &format_ms(since),
            "--until",
            &format_ms(until),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, lines_of(&reference[70..=165]));

    // --until alone: the last lines before it; --level across parts.
    let (_, out, _) = ucsconf(root, &["logs", "--until", &format_ms(until), "-n", "1"]);
    assert_eq!(out, format!("{}\n", reference[165].lines.last().unwrap()));
    let (_, out, _) = ucsconf(
        root,
        &[
            "logs",
            "--since",
            &format_ms(since),
            "--until",
            &format_ms(until),
            "--level",
            "error",
        ],
    );
    let errors: Vec<Ref> = reference[70..=165]
        .iter()
        .filter(|r| r.lines[0].contains("ERROR"))
        .cloned()
        .collect();
    assert_eq!(out, lines_of(&errors));

    // --lines reaches into the rotated files when the live one has fewer.
    let live_lines: usize = reference[200..].iter().map(|r| r.lines.len()).sum();
    let (_, out, _) = ucsconf(root, &["logs", "-n", &(live_lines + 3).to_string()]);
    let all = lines_of(&reference);
    let want: Vec<&str> = all.lines().rev().take(live_lines + 3).collect();
    let got: Vec<&str> = out.lines().rev().collect();
    assert_eq!(got, want);

    // --list and --file.
    let (code, out, _) = ucsconf(root, &["logs", "--list"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("w3wp/ApplicationSuite.log.2026-12-01.1") && out.contains("w3wp/Other.log.1"),
        "{out}"
    );
    let (code, out, _) = ucsconf(root, &["logs", "--file", "w3wp/Other.log.1"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "2027-01-01 00:00:00,000 INFO other\n")
    );
    let (code, _, err) = ucsconf(root, &["logs", "--file", "../Secure/CloudServices.json"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = ucsconf(root, &["logs", "--at", "soon"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--at"), "{err}");
}

#[tokio::test]
async fn the_editor_finds_an_older_error_in_a_rotated_file() {
    use ucsconf::tui::tabs::logs::past::{self, LogQuery, Wanted};
    let dir = tempfile::tempdir().unwrap();
    let mut old = entries(base() - 1440 * MINUTE, MINUTE, 30, "Old");
    // One ERROR only, in the rotated file; none in the live one.
    for (i, r) in old.iter_mut().enumerate() {
        let level = if i == 12 { "ERROR" } else { "INFO " };
        r.lines[0] = r.lines[0]
            .replacen("ERROR", "INFO ", 1)
            .replacen("INFO ", level, 1);
    }
    let live: Vec<Ref> = entries(base(), MINUTE, 30, "Live")
        .into_iter()
        .map(|mut r| {
            r.lines[0] = r.lines[0].replacen("ERROR", "INFO ", 1);
            r
        })
        .collect();
    write(
        dir.path(),
        "ApplicationSuite.log.1",
        text_of(&old).as_bytes(),
    );
    write(
        dir.path(),
        "ApplicationSuite.log",
        text_of(&live).as_bytes(),
    );
    let target = ucsconf::ops::Target::new(node(dir.path()), ucsconf::paths::Paths::default());
    let query = LogQuery::Older {
        before: live[0].time,
        what: Wanted::Error,
    };
    let found = past::read(&target, &query).await.unwrap();
    assert_eq!(found.focus, Some(old[12].time));
    assert!(
        found.title.contains("ApplicationSuite.log.1"),
        "{}",
        found.title
    );
    assert!(
        found
            .lines
            .iter()
            .any(|l| l.contains("ERROR") && l.contains("message 12 of Old"))
    );
    // Nothing before the error: said so, in words.
    let none = LogQuery::Older {
        before: old[12].time,
        what: Wanted::Error,
    };
    let err = past::read(&target, &none).await.unwrap_err();
    assert!(err.contains("no older ERROR entry"), "{err}");
    // A pattern instead of a level.
    let pattern = LogQuery::Older {
        before: live[5].time,
        what: Wanted::Pattern("message 3 of Live".into()),
    };
    let found = past::read(&target, &pattern).await.unwrap();
    assert_eq!(found.focus, Some(live[3].time));
}
