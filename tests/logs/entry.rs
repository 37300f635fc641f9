//! Timestamps, levels, and lines grouped into entries (stack traces).

use std::time::{Duration, UNIX_EPOCH};

use ucsconf::logs::entry::{parse_level, parse_timestamp};
use ucsconf::logs::{Entry, EntryGrouper, Level, SampleLog, display_line};

/// 2026-11-22 10:14:59 UTC in ms (1795342499 s since the epoch).
const T: i64 = 1_795_342_499_000;

#[test]
fn timestamps_in_log4net_and_iso_forms() {
    assert_eq!(
        parse_timestamp("2026-11-22 10:14:59,120 [14] INFO x"),
        Some(T + 120)
    );
    assert_eq!(
        parse_timestamp("2026-11-22T10:14:59.120Z INFO x"),
        Some(T + 120)
    );
    assert_eq!(parse_timestamp("2026-11-22 10:14:59 INFO x"), Some(T));
    assert_eq!(parse_timestamp("2026-11-22T10:14:59"), Some(T));
    assert_eq!(
        parse_timestamp("2026-11-22 10:14:59.1234567 x"),
        Some(T + 123)
    );
    assert_eq!(
        parse_timestamp("\u{feff}2026-11-22 10:14:59,120 x"),
        Some(T + 120)
    );
    assert_eq!(parse_timestamp("1970-01-01 00:00:00,000"), Some(0));
    assert_eq!(parse_timestamp("1969-12-31 23:59:59,999"), Some(-1));
    assert_eq!(
        parse_timestamp("2024-02-29 00:00:00"),
        Some(1_709_164_800_000)
    );
    // Ordering is what matters: later text, larger number.
    let a = parse_timestamp("2026-12-31 23:59:59,999").unwrap();
    let b = parse_timestamp("2027-01-01 00:00:00,000").unwrap();
    assert_eq!(b - a, 1);
}

#[test]
fn not_timestamps() {
    for line in [
        "",
        "   at Imagicle.Calendar.Ews.Sync() in C:\\src\\Sync.cs:line 88",
        "System.Net.WebException: The remote server returned an error: (401) Unauthorized.",
        "2026-11-22",
        "2026-11-22 10:14",
        "2026-13-22 10:14:59,120 x",
        "2026-02-30 10:14:59 x",
        "2025-02-29 10:14:59 x",
        "2026-11-22 24:00:00 x",
        "2026-11-22 10:60:00 x",
        "2026-11-22 10:14:591 x",
        "2026-11-22_10:14:59 x",
        " 2026-11-22 10:14:59 x",
        "2026-1a-22 10:14:59 x",
        "20261122 101459",
    ] {
        assert_eq!(parse_timestamp(line), None, "{line:?}");
    }
}

#[test]
fn level_names() {
    for (text, level) in [
        ("TRACE", Level::Trace),
        ("verbose", Level::Trace),
        ("Debug", Level::Debug),
        ("INFO", Level::Info),
        ("warn", Level::Warn),
        ("WARNING", Level::Warn),
        ("Error", Level::Error),
        ("FATAL", Level::Fatal),
        ("critical", Level::Fatal),
    ] {
        assert_eq!(Level::parse(text), Some(level), "{text}");
        assert_eq!(text.parse::<Level>().ok(), Some(level));
    }
    assert_eq!(Level::parse("INFORMATION"), None);
    assert_eq!(Level::parse(""), None);
    assert!(
        "loud"
            .parse::<Level>()
            .unwrap_err()
            .to_string()
            .contains("loud")
    );
    assert!(Level::Trace < Level::Debug && Level::Error < Level::Fatal);
    assert_eq!(format!("[{:<5}]", Level::Info), "[INFO ]");
}

#[test]
fn level_among_the_first_tokens() {
    let cases = [
        (
            "2026-11-22 10:15:00,004 [14] ERROR Imagicle.Calendar.EwsSync - EWS call failed",
            Some(Level::Error),
        ),
        (
            "2026-11-22 10:15:00,004 [14] INFO  Imagicle.Web - x",
            Some(Level::Info),
        ),
        (
            "2026-11-22 10:15:00,004 [Pool Worker 3] warn Imagicle.Web - x",
            Some(Level::Warn),
        ),
        (
            "2026-11-22T10:15:00.004 [ERROR] Imagicle.Web - x",
            Some(Level::Error),
        ),
        (
            "2026-11-22 10:15:00 WARNING: disk almost full",
            Some(Level::Warn),
        ),
        (
            "2026-11-22 10:15:00,004 [14] [main] VERBOSE x",
            Some(Level::Trace),
        ),
        (
            "2026-11-22 10:15:00,004 host app CRITICAL x",
            Some(Level::Fatal),
        ),
        // Too far from the start to be the level.
        (
            "2026-11-22 10:15:00,004 [14] Imagicle.Web - said error",
            None,
        ),
        ("2026-11-22 10:15:00,004 [14] Imagicle.Web - x", None),
        ("2026-11-22 10:15:00,004", None),
        ("2026-11-22 10:15:00,004 [unclosed thread ERROR", None),
    ];
    for (line, level) in cases {
        assert_eq!(parse_level(line), level, "{line}");
    }
}

fn lines(text: &str) -> Vec<String> {
    text.split_terminator('\n')
        .map(|l| display_line(l.as_bytes(), 4096))
        .collect()
}

fn group(lines: Vec<String>) -> Vec<Entry> {
    let mut grouper = EntryGrouper::new();
    let mut entries: Vec<Entry> = lines.into_iter().filter_map(|l| grouper.push(l)).collect();
    entries.extend(grouper.finish());
    assert!(grouper.finish().is_none());
    entries
}

#[test]
fn stack_traces_join_their_entry() {
    let text = "\
   at Orphan.Frame() in C:\\src\\Orphan.cs:line 1\r
2026-11-22 10:14:59,120 [7] INFO  Imagicle.Presence.PresenceEngine - Polled presence for 1204 users in 812 ms\r
2026-11-22 10:15:00,004 [14] ERROR Imagicle.Calendar.EwsSync - EWS call failed: (401) Unauthorized\r
System.Net.WebException: The remote server returned an error: (401) Unauthorized.\r
   at System.Net.HttpWebRequest.GetResponse()\r
   at Imagicle.Calendar.Ews.Sync() in C:\\Build\\src\\Sync.cs:line 88\r
\r
2026-11-22 10:15:00,530 [3] WARN  Imagicle.Web.RequestLogger - request took 3210 ms\r
";
    let entries = group(lines(text));
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[0].timestamp_ms, None);
    assert_eq!(entries[0].level, None);
    assert_eq!(entries[0].lines.len(), 1);
    assert_eq!(entries[1].level, Some(Level::Info));
    assert_eq!(entries[1].timestamp_ms, Some(T + 120));
    let error = &entries[2];
    assert_eq!(error.level, Some(Level::Error));
    assert_eq!(error.timestamp_ms, Some(T + 1004));
    assert_eq!(error.lines.len(), 5);
    assert_eq!(
        error.lines[3],
        "   at Imagicle.Calendar.Ews.Sync() in C:\\Build\\src\\Sync.cs:line 88"
    );
    assert_eq!(error.lines[4], "");
    assert_eq!(entries[3].level, Some(Level::Warn));
    assert_eq!(entries[3].lines.len(), 1);
}

#[test]
fn pending_entry_is_visible_until_completed() {
    let mut grouper = EntryGrouper::new();
    assert!(grouper.pending().is_none());
    assert!(
        grouper
            .push("2026-11-22 10:15:00,004 [1] ERROR a - b".into())
            .is_none()
    );
    assert!(grouper.push("   at X()".into()).is_none());
    assert_eq!(grouper.pending().unwrap().lines.len(), 2);
    let done = grouper
        .push("2026-11-22 10:15:01,004 [1] INFO a - c".into())
        .unwrap();
    assert_eq!(
        done.lines,
        vec!["2026-11-22 10:15:00,004 [1] ERROR a - b", "   at X()"]
    );
    assert_eq!(grouper.finish().unwrap().level, Some(Level::Info));
}

#[test]
fn a_log_without_timestamps_is_not_one_endless_entry() {
    let count = ucsconf::logs::entry::MAX_ENTRY_LINES * 2 + 5;
    let mut all = vec!["2026-11-22 10:15:00,004 [1] ERROR a - b".to_string()];
    all.extend((0..count).map(|i| format!("line {i}")));
    let entries = group(all);
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().all(|e| e.level == Some(Level::Error)));
    assert!(
        entries
            .iter()
            .all(|e| e.lines.len() <= ucsconf::logs::entry::MAX_ENTRY_LINES)
    );
    let total: usize = entries.iter().map(|e| e.lines.len()).sum();
    assert_eq!(total, count + 1);
}

#[test]
fn sample_log_entries_group_back_exactly() {
    let mut sample = SampleLog::new(2026);
    let start = UNIX_EPOCH + Duration::from_secs(1_795_342_499);
    let generated: Vec<String> = (0..3000)
        .map(|i| sample.next_entry(start + Duration::from_millis(i * 250)))
        .collect();
    let text: String = generated.concat();
    let entries = group(lines(&text));
    assert_eq!(entries.len(), generated.len());
    let mut with_trace = 0;
    for (entry, original) in entries.iter().zip(&generated) {
        let expected: Vec<String> = original
            .split_terminator("\r\n")
            .map(str::to_string)
            .collect();
        assert_eq!(entry.lines, expected);
        assert!(entry.level.is_some());
        if entry.lines.len() > 1 {
            with_trace += 1;
            assert!(entry.level >= Some(Level::Error), "{:?}", entry.lines[0]);
        }
    }
    assert!(with_trace > 0);
    let stamps: Vec<i64> = entries.iter().map(|e| e.timestamp_ms.unwrap()).collect();
    assert!(stamps.windows(2).all(|w| w[1] - w[0] == 250));
}
