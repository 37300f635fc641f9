//! Size limits end to end: settings files around the 8 MiB limit, very long
//! log lines, and a settings file that grows past the limit between the
//! read and the write. Real files in temp dirs, the real binary, and a
//! real OpenSSH server for the SFTP write path.

use crate::support;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use support::TempRoot as Node;
use ucsconf::ErrorClass;
use ucsconf::ini::MAX_FILE_SIZE;
use ucsconf::inventory::NodeSpec;
use ucsconf::ops;

const PRESENCE: &str = "Apps/Presence/Settings/Presence.ini";
const CALENDAR: &str = "Apps/AttendantConsole/Settings/Calendar.ini";
const STORE: &str = "Var/Secure/CloudServices.json";
const LOG: &str = "Var/Log/w3wp/ApplicationSuite.log";

/// The longest log line `logs` prints whole (the CLI's cut).
const SHOWN_LINE: usize = 1 << 20;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(mut cmd: Command) -> Run {
    let out = cmd.output().expect("the binary runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A Presence.ini of exactly `size` bytes: the Webex key, then comment lines.
fn presence_of_size(size: u64) -> Vec<u8> {
    let mut bytes = b"[Webex]\r\nWebexPresence.Enable=0\r\n".to_vec();
    pad_to(&mut bytes, size);
    bytes
}

/// Comment lines (CRLF) until `bytes` is exactly `size` long.
fn pad_to(bytes: &mut Vec<u8>, size: u64) {
    let size = usize::try_from(size).unwrap();
    let line = format!("; {}\r\n", "padding ".repeat(8));
    while bytes.len() + line.len() <= size {
        bytes.extend_from_slice(line.as_bytes());
    }
    let rest = size - bytes.len();
    if rest > 0 {
        // A last, shorter comment (at least ";"), without a final newline.
        bytes.push(b';');
        bytes.extend(std::iter::repeat_n(b'x', rest - 1));
    }
    assert_eq!(bytes.len(), size);
}

fn changed_lines(a: &[u8], b: &[u8]) -> usize {
    let (a, b): (Vec<_>, Vec<_>) = (
        a.split(|c| *c == b'\n').collect(),
        b.split(|c| *c == b'\n').collect(),
    );
    assert_eq!(a.len(), b.len(), "the line count changed");
    a.iter().zip(&b).filter(|(x, y)| x != y).count()
}

// --- Settings files around 8 MiB ---------------------------------------------

#[test]
fn a_settings_file_just_under_the_limit_is_read_and_edited() {
    let node = Node::new();
    let bytes = presence_of_size(MAX_FILE_SIZE - 1024);
    node.write(PRESENCE, &bytes);

    let get = run({
        let mut c = node.command();
        c.args(["presence", "get", "WebexPresence.Enable"]);
        c
    });
    assert_eq!(get.code, Some(0), "{}", get.stderr);
    assert_eq!(get.stdout.trim(), "0");

    let set = run({
        let mut c = node.command();
        c.args(["presence", "set", "WebexPresence.Enable", "1"]);
        c
    });
    assert_eq!(set.code, Some(0), "{}", set.stderr);
    let after = fs::read(node.path(PRESENCE)).unwrap();
    assert_eq!(after.len(), bytes.len());
    assert_eq!(changed_lines(&bytes, &after), 1);
    assert!(
        node.siblings(PRESENCE).iter().any(|n| n.ends_with(".bak")),
        "the previous content is kept as a backup"
    );
}

#[test]
fn a_settings_file_of_exactly_the_limit_is_still_read() {
    let node = Node::new();
    node.write(PRESENCE, &presence_of_size(MAX_FILE_SIZE));
    let get = run({
        let mut c = node.command();
        c.args(["presence", "get", "WebexPresence.Enable"]);
        c
    });
    assert_eq!(get.code, Some(0), "{}", get.stderr);
    assert_eq!(get.stdout.trim(), "0");
}

/// Every command on an oversized file: exit 2, a message naming the file and
/// the limit, the file untouched, nothing created beside it.
fn assert_refused_untouched(node: &Node, rel: &str, args: &[&str], stdin: &str) {
    let before = fs::read(node.path(rel)).unwrap();
    let siblings = node.siblings(rel);
    let mut cmd = node.command();
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    let file = Path::new(rel).file_name().unwrap().to_str().unwrap();
    assert!(
        stderr.contains(file),
        "{args:?}: the message names the file: {stderr}"
    );
    assert!(
        stderr.contains("larger than") && stderr.contains(&MAX_FILE_SIZE.to_string()),
        "{args:?}: the message gives the limit: {stderr}"
    );
    assert!(stderr.contains("left untouched"), "{args:?}: {stderr}");
    assert!(
        fs::read(node.path(rel)).unwrap() == before,
        "{args:?}: the file changed"
    );
    assert_eq!(
        node.siblings(rel),
        siblings,
        "{args:?}: something was written beside it"
    );
}

#[test]
fn settings_files_just_over_the_limit_are_refused_untouched() {
    let node = Node::new();
    node.write(PRESENCE, &presence_of_size(MAX_FILE_SIZE + 1));
    for args in [
        &["presence", "show"][..],
        &["presence", "get", "WebexPresence.Enable"],
        &["presence", "set", "WebexPresence.Enable", "1"],
        &["presence", "unset", "WebexPresence.Enable"],
    ] {
        assert_refused_untouched(&node, PRESENCE, args, "");
    }

    let mut calendar = b"[Calendar]\r\nProvider=Exchange\r\n".to_vec();
    pad_to(&mut calendar, MAX_FILE_SIZE + 1);
    node.write(CALENDAR, &calendar);
    for args in [
        &["calendar", "show"][..],
        &[
            "calendar",
            "set",
            "--provider",
            "exchange",
            "--exchange-version",
            "Exchange2013",
        ],
    ] {
        assert_refused_untouched(&node, CALENDAR, args, "");
    }

    let mut store = b"{\"version\": 1}".to_vec();
    store.extend(std::iter::repeat_n(
        b' ',
        (MAX_FILE_SIZE + 1) as usize - store.len(),
    ));
    node.write(STORE, &store);
    for (args, stdin) in [
        (&["credentials", "show"][..], ""),
        (&["credentials", "forget"], ""),
        (
            &[
                "credentials",
                "save",
                "--client-id",
                "abc",
                "--secret-stdin",
            ],
            "s3cret\n",
        ),
    ] {
        assert_refused_untouched(&node, STORE, args, stdin);
    }
}

/// A huge sparse file costs no disk; reading it whole would exhaust memory.
#[cfg(unix)]
#[test]
fn a_huge_settings_file_is_refused_without_being_read() {
    let node = Node::new();
    node.write(PRESENCE, b"[Webex]\r\nWebexPresence.Enable=0\r\n");
    let huge = 64 << 30;
    fs::File::options()
        .write(true)
        .open(node.path(PRESENCE))
        .unwrap()
        .set_len(huge)
        .unwrap();
    let get = run({
        let mut c = node.command();
        c.args(["presence", "get", "WebexPresence.Enable"]);
        c
    });
    assert_eq!(get.code, Some(2), "{}", get.stderr);
    assert!(get.stderr.contains(&huge.to_string()), "{}", get.stderr);
}

// --- A settings file growing past the limit between read and write ------------

#[tokio::test]
async fn a_file_grown_past_the_limit_after_reading_is_refused_untouched() {
    let node = Node::new();
    let original = presence_of_size(4096);
    node.write(PRESENCE, &original);
    let target = NodeSpec::local("n", &node.root).target();
    let loaded = ops::load_ini(&target, PRESENCE).await.unwrap();
    let mut doc = loaded.doc.clone();
    assert!(doc.set(Some("Webex"), "WebexPresence.Enable", "1").unwrap());

    // The suite (or someone) makes it larger than the limit meanwhile.
    let mut grown = original.clone();
    pad_to(&mut grown, MAX_FILE_SIZE + 4096);
    fs::write(node.path(PRESENCE), &grown).unwrap();
    let siblings = node.siblings(PRESENCE);

    let err = ops::save_ini(&target, &loaded, &doc).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Conflict, "{err}");
    assert!(
        fs::read(node.path(PRESENCE)).unwrap() == grown,
        "the file was written"
    );
    assert_eq!(
        node.siblings(PRESENCE),
        siblings,
        "a backup or temp file was left"
    );

    // Overwriting after the conflict re-reads the file: now too large, refused.
    let err = ops::overwrite_ini(&target, PRESENCE, &doc)
        .await
        .unwrap_err();
    assert_eq!(err.class(), ErrorClass::Invalid, "{err}");
    assert!(err.to_string().contains("larger than"), "{err}");
    assert!(
        fs::read(node.path(PRESENCE)).unwrap() == grown,
        "the file was written"
    );
    assert_eq!(node.siblings(PRESENCE), siblings);
}

/// The check right before the rename does not read a file that grew: a
/// larger file has changed, whatever its content.
#[cfg(unix)]
#[tokio::test]
async fn the_conflict_check_does_not_read_a_file_that_grew_huge() {
    let node = Node::new();
    node.write(STORE, b"{\n  \"version\": 1\n}\n");
    let target = NodeSpec::local("n", &node.root).target();
    let key = ops::node_key(&target, true).await.unwrap().unwrap();
    let loaded = ops::load_store(&target).await.unwrap();
    let mut store = loaded.store.clone();
    store
        .save_credentials(&key, "abc", &secrecy::SecretString::from("s3cret-value"))
        .unwrap();
    let huge = 64 << 30;
    fs::File::options()
        .write(true)
        .open(node.path(STORE))
        .unwrap()
        .set_len(huge)
        .unwrap();
    let err = ops::save_store(&target, &loaded, &store).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Conflict, "{err}");
    assert_eq!(fs::metadata(node.path(STORE)).unwrap().len(), huge);
}

/// Over SFTP too: the re-check before the rename does not fetch a file that
/// grew past what was read.
#[cfg(unix)]
#[tokio::test]
async fn over_ssh_the_conflict_check_does_not_read_a_file_that_grew_huge() {
    use ucsconf::node::ssh::SshNode;
    use ucsconf::node::{Expected, Node, NodeError};
    let Some(sshd) = support::sshd::Sshd::start() else {
        return;
    };
    let root = sshd.root("grown");
    let spec = support::spec_for(&sshd, "grown", &root);
    let node = SshNode::new(&spec, support::isolated_options(&sshd));
    let local = root.join(PRESENCE);
    fs::create_dir_all(local.parent().unwrap()).unwrap();
    fs::write(&local, presence_of_size(4096)).unwrap();
    let snapshot = node.read(PRESENCE, MAX_FILE_SIZE).await.unwrap().unwrap();
    let huge = 64 << 30;
    fs::File::options()
        .write(true)
        .open(&local)
        .unwrap()
        .set_len(huge)
        .unwrap();
    let err = node
        .replace(PRESENCE, b"x", &Expected::Version(snapshot.version), false)
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::Conflict { .. }), "{err}");
    assert_eq!(fs::metadata(&local).unwrap().len(), huge);
}

// --- Very long log lines -------------------------------------------------------

const MB: usize = 1_000_000;

/// A log with a 1 MB and a 3 MB line among short ones; returns the lines.
fn long_line_log(node: &Node) -> Vec<Vec<u8>> {
    let line = |second: u8, body: &str, filler: u8, len: usize| {
        let mut l = format!("2026-11-22 10:15:0{second},000 INFO  Suite.Web  {body}").into_bytes();
        l.resize(len.max(l.len()), filler);
        l
    };
    let lines = vec![
        line(0, "short", b'.', 0),
        line(1, "long ", b'a', MB),
        line(2, "short", b'.', 0),
        line(3, "longer ", b'b', 3 * MB),
        line(4, "end of test", b'.', 0),
    ];
    let mut bytes = Vec::new();
    for l in &lines {
        bytes.extend_from_slice(l);
        bytes.extend_from_slice(b"\r\n");
    }
    node.write(LOG, &bytes);
    lines
}

#[test]
fn long_log_lines_are_shown_cut_with_a_marker() {
    let node = Node::new();
    let lines = long_line_log(&node);
    let out = run({
        let mut c = node.command();
        c.args(["logs", "--lines", "5"]);
        c
    });
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let shown: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(shown.len(), 5, "one printed line per log line");
    // 1 MB is under the 1 MiB cut: shown whole.
    assert_eq!(shown[1].as_bytes(), &lines[1][..]);
    assert!(!shown[1].contains("[cut"));
    // 3 MB: its first MiB, then the marker with what was left out.
    let cut = lines[3].len() - SHOWN_LINE;
    let marker = format!(" …[cut {cut} bytes]");
    assert!(
        shown[3].ends_with(&marker),
        "{}",
        &shown[3][shown[3].len() - 40..]
    );
    assert_eq!(&shown[3].as_bytes()[..SHOWN_LINE], &lines[3][..SHOWN_LINE]);
    assert_eq!(shown[3].len(), SHOWN_LINE + marker.len());
    assert!(shown[4].ends_with("end of test"));

    // Only the 3 MB line asked for: the same cut.
    let last = run({
        let mut c = node.command();
        c.args(["logs", "--lines", "2"]);
        c
    });
    assert_eq!(last.code, Some(0), "{}", last.stderr);
    assert!(last.stdout.lines().next().unwrap().ends_with(&marker));
}

/// Peak resident memory (VmHWM, KiB) of `logs --follow` once it has printed
/// the log's last line.
#[cfg(target_os = "linux")]
fn peak_memory_of_follow(node: &Node, lines: usize) -> u64 {
    use std::io::{BufRead, BufReader};
    let mut cmd = node.command();
    cmd.args(["logs", "--follow", "--lines", &lines.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).unwrap();
        assert!(n > 0, "logs --follow ended before the last line");
        if line.ends_with(b"end of test\n") {
            break;
        }
    }
    let status = fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

#[cfg(target_os = "linux")]
#[test]
fn long_log_lines_cost_memory_in_proportion_not_more() {
    let node = Node::new();
    node.write(
        LOG,
        b"2026-11-22 10:15:04,000 INFO  Suite.Web  end of test\r\n",
    );
    let baseline = peak_memory_of_follow(&node, 5);
    let lines = long_line_log(&node);
    let size: usize = lines.iter().map(|l| l.len() + 2).sum();
    let peak = peak_memory_of_follow(&node, 5);
    let extra = peak.saturating_sub(baseline) * 1024;
    // The lines read, their display form and the output buffer: a few copies at most.
    assert!(
        extra < 4 * size as u64,
        "showing {size} bytes of log took {extra} bytes more memory than a short log"
    );
}
