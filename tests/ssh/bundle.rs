//! `ucsconf bundle` end to end: the real binary, two nodes (one local, one
//! over SSH to a real OpenSSH server on loopback), each with a log rotated
//! into several files (one UTF-16) whose lines carry a corpus of secrets.
//! The archive is checked entry by entry against a reference, no secret of
//! the corpus may survive in it, and the manifest's counts must add up.

use crate::support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use support::sshd::{self, Sshd};
use ucsconf::logs::when::format_ms;

const LOG_DIR: &str = "Var/Log/w3wp";
const MINUTE: i64 = 60_000;

/// Lines as the suite might log them, each with exactly one secret in it
/// (`{}`), that secret, and the line as the archive must show it.
const CORPUS: &[(&str, &str, &str)] = &[
    (
        "GET /api/contacts Authorization: Bearer {}",
        "eyTok3nAlpha99xyzQ",
        "GET /api/contacts Authorization: Bearer [redacted]",
    ),
    (
        "POST /oauth2/token grant_type=client_credentials&client_secret={}&scope=api",
        "Sx7-clientSecret-0a1b",
        "POST /oauth2/token grant_type=client_credentials&client_secret=[redacted]&scope=api",
    ),
    (
        "Proxy via http://svc-proxy:{}@proxy.corp.local:3128/",
        "Pw9ProxyPass42",
        "Proxy via http://svc-proxy:[redacted]@proxy.corp.local:3128/",
    ),
    (
        r#"Token response {"access_token":"{}","expires_in":3599}"#,
        "AcCeSsToKeN77abc",
        r#"Token response {"access_token":"[redacted]","expires_in":3599}"#,
    ),
    (
        "Connection string Server=db;User Id=sa;Password={};",
        "DbPassw0rdZed",
        "Connection string Server=db;User Id=sa;Password=[redacted];",
    ),
    (
        "Exchange Basic auth header Authorization: Basic {}",
        "c3ZjOkV4Y2hQYXNzMQ",
        "Exchange Basic auth header Authorization: Basic [redacted]",
    ),
    (
        "JWT eyJhbGciOiJSUzI1NiJ9.{}.c2lnbmF0dXJlX3BhcnQ",
        "eyJzdWIiOiJhZG1pbkBjb250b3NvIn0",
        "JWT [redacted]",
    ),
];

/// One reference entry.
#[derive(Debug, Clone, PartialEq)]
struct Ref {
    time: i64,
    lines: Vec<String>,
    /// The first line as the archive shows it.
    redacted: String,
}

fn base() -> i64 {
    ucsconf::logs::entry::parse_timestamp("2026-12-02 00:00:00,000").unwrap()
}

/// `count` entries a minute apart from `start`, every one with a secret
/// from the corpus, every fifth with a stack trace.
fn entries(start: i64, count: usize, node: &str) -> Vec<Ref> {
    (0..count)
        .map(|i| {
            let time = start + i as i64 * MINUTE;
            let (pattern, secret, redacted) = CORPUS[(i + node.len()) % CORPUS.len()];
            let message = pattern.replacen("{}", secret, 1);
            let level = if i % 9 == 4 { "ERROR" } else { "INFO " };
            let head = format!(
                "{} [{}] {level} Imagicle.{node} - ",
                format_ms(time),
                i % 30
            );
            let mut lines = vec![format!("{head}{message}")];
            if i % 5 == 0 {
                lines.push(format!("   at Imagicle.{node}.Step{i}()"));
            }
            Ref {
                time,
                lines,
                redacted: format!("{head}{redacted}"),
            }
        })
        .collect()
}

fn crlf(refs: &[Ref]) -> String {
    refs.iter()
        .flat_map(|r| &r.lines)
        .map(|l| format!("{l}\r\n"))
        .collect()
}

/// A node's files: a log in three parts (the middle one UTF-16), the
/// settings with sealed secrets, and a journal. Returns the reference.
fn plant(root: &Path, node: &str) -> Vec<Ref> {
    let dir = root.join(LOG_DIR);
    fs::create_dir_all(&dir).unwrap();
    let day = 1440 * MINUTE;
    let parts = [
        ("ApplicationSuite.log.2", base() - 2 * day, false),
        ("ApplicationSuite.log.1", base() - day, true),
        ("ApplicationSuite.log", base(), false),
    ];
    let mut all = Vec::new();
    for (name, start, utf16) in parts {
        let refs = entries(start, 1440, node);
        let text = crlf(&refs);
        let bytes = if utf16 {
            let mut b = b"\xff\xfe".to_vec();
            b.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            b
        } else {
            text.into_bytes()
        };
        fs::write(dir.join(name), bytes).unwrap();
        all.extend(refs);
    }
    let calendar = root.join("Apps/AttendantConsole/Settings/Calendar.ini");
    fs::create_dir_all(calendar.parent().unwrap()).unwrap();
    fs::write(
        &calendar,
        "[Calendar]\r\nProvider=Office365\r\nBasicAuth=1\r\nBasicAuth.Username=svc@contoso.com\r\nBasicAuth.Password=v1:c2VhbGVkTm9uY2U:c2VhbGVkQ2lwaGVydGV4dEFB\r\n",
    )
    .unwrap();
    let presence = root.join("Apps/Presence/Settings/Presence.ini");
    fs::create_dir_all(presence.parent().unwrap()).unwrap();
    fs::write(&presence, "[Webex]\r\nWebexPresence.Enable=1\r\n").unwrap();
    let secure = root.join("Var/Secure");
    fs::create_dir_all(&secure).unwrap();
    fs::write(
        secure.join("CloudServices.json"),
        r#"{"version":1,"client_id":"3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b","secret":"v1:bm9uY2VOb25jZTEy:Y2lwaGVyQ2lwaGVyVGV4dA","proxy":{"url":"http://proxy:3128","user":"svc","password":"v1:bm9uY2VQcm94eTEy:cHJveHlDaXBoZXJUZXh0"}}"#,
    )
    .unwrap();
    fs::write(
        secure.join("ucsconf-journal.jsonl"),
        "{\"change\":1,\"proxy\":\"http://svc:JournalPass77@proxy:3128\"}\n",
    )
    .unwrap();
    all
}

/// Secrets of the settings files that must not reach the archive.
const SETTINGS_SECRETS: &[&str] = &[
    "c2VhbGVkTm9uY2U",
    "c2VhbGVkQ2lwaGVydGV4dEFB",
    "bm9uY2VOb25jZTEy",
    "Y2lwaGVyQ2lwaGVyVGV4dA",
    "bm9uY2VQcm94eTEy",
    "cHJveHlDaXBoZXJUZXh0",
    "JournalPass77",
];

fn inventory(sshd: &Sshd, local: &Path, remote: &Path) -> String {
    format!(
        "[[node]]\nname = 'ucs-a'\nroot = '{}'\n\n[[node]]\nname = 'ucs-b'\nhost = '127.0.0.1'\nport = {}\nuser = '{}'\nidentity_file = '{}'\nknown_hosts = '{}'\nroot = '{}'\n",
        local.display(),
        sshd.port,
        sshd::current_user(),
        sshd.client_key.display(),
        sshd.known_hosts().display(),
        remote.display()
    )
}

fn command(home: &Path, inventory: &Path) -> Command {
    let mut c = Command::cargo_bin("ucsconf").unwrap();
    c.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("UCSCONF_CONFIG")
        .env_remove("SSH_AUTH_SOCK")
        .arg("--config")
        .arg(inventory);
    c
}

#[test]
fn a_bundle_of_two_nodes_one_over_ssh_has_the_window_and_no_secret() {
    let Some(sshd) = Sshd::start() else { return };
    let home = tempfile::tempdir().unwrap();
    let local_root = home.path().join("ucs-a");
    let remote_root = sshd.root("ucs-b");
    let mut reference = BTreeMap::new();
    reference.insert("ucs-a", plant(&local_root, "ucs-a"));
    reference.insert("ucs-b", plant(&remote_root, "ucs-b"));
    let inv = home.path().join("nodes.toml");
    fs::write(&inv, inventory(&sshd, &local_root, &remote_root)).unwrap();

    // Two hours across the rotation from the UTF-16 part into the live one.
    let since = base() - 90 * MINUTE;
    let until = base() + 30 * MINUTE - 1;
    let out: PathBuf = home.path().join("support.zip");
    let run = command(home.path(), &inv)
        .args([
            "bundle",
            "--since",
            &format_ms(since),
            "--until",
            &format_ms(until),
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        !names(home.path()).iter().any(|n| n.ends_with(".tmp")),
        "a temporary file was left"
    );
    let members = support::unzipped(&out);
    let manifest: serde_json::Value = serde_json::from_slice(&members["manifest.json"]).unwrap();
    assert_eq!(manifest["window"]["since"], format_ms(since));
    assert_eq!(manifest["nodes"].as_array().unwrap().len(), 2);

    let mut total_redactions = 0;
    for (i, (node, refs)) in reference.iter().enumerate() {
        let want: Vec<&Ref> = refs
            .iter()
            .filter(|r| r.time >= since && r.time <= until)
            .collect();
        assert_eq!(want.len(), 120);
        let log =
            String::from_utf8(members[&format!("{node}/ApplicationSuite.log")].clone()).unwrap();
        let got: Vec<&str> = log.lines().collect();
        let want_lines: usize = want.iter().map(|r| r.lines.len()).sum();
        assert_eq!(got.len(), want_lines, "{node}");
        // Entry by entry: the same lines, the secret taken out and nothing else.
        let mut at = 0;
        for r in &want {
            for (k, line) in r.lines.iter().enumerate() {
                let want = if k == 0 { &r.redacted } else { line };
                assert_eq!(got[at], want, "{node}");
                at += 1;
            }
        }
        let entry = &manifest["nodes"][i];
        assert_eq!(entry["name"], *node);
        assert_eq!(entry["log_entries"], want.len());
        assert_eq!(
            entry["redactions"]["log"],
            want.len(),
            "{node}: one secret per entry"
        );
        assert_eq!(entry["redactions"]["settings"], 3, "{node}: {entry}");
        assert_eq!(entry["redactions"]["journal"], 1, "{node}");
        assert_eq!(entry["log_parts"].as_array().unwrap().len(), 3);
        // Only the window is read: the heads of the parts, a bisection, the window.
        let read = entry["log_bytes_read"].as_u64().unwrap();
        let window = entry["log_window_bytes"].as_u64().unwrap();
        let files: u64 =
            fs::read_dir(if i == 0 { &local_root } else { &remote_root }.join(LOG_DIR))
                .unwrap()
                .map(|e| e.unwrap().metadata().unwrap().len())
                .sum();
        assert!(
            read < window + 160 * 1024,
            "{node}: read {read}, window {window}"
        );
        assert!(read * 4 < files, "{node}: read {read} of {files}");
        total_redactions += 120 + 3 + 1;
        for name in [
            "Presence.ini",
            "Calendar.ini",
            "CloudServices.json",
            "doctor.txt",
            "ucsconf-journal.jsonl",
        ] {
            assert!(
                members.contains_key(&format!("{node}/{name}")),
                "{node}/{name}"
            );
        }
        let calendar =
            String::from_utf8_lossy(&members[&format!("{node}/Calendar.ini")]).into_owned();
        assert!(
            calendar.contains("BasicAuth.Password=sealed\r\n"),
            "{calendar}"
        );
        let store: serde_json::Value =
            serde_json::from_slice(&members[&format!("{node}/CloudServices.json")]).unwrap();
        assert_eq!(store["secret"], "sealed");
        assert_eq!(store["proxy"]["password"], "sealed");
        assert_eq!(store["client_id"], "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b");
    }
    assert_eq!(manifest["redactions"], total_redactions);

    // No secret of the corpus or the settings survives anywhere in the archive.
    let mut leaks = Vec::new();
    for (name, bytes) in &members {
        let text = String::from_utf8_lossy(bytes);
        for secret in CORPUS
            .iter()
            .map(|(_, s, _)| *s)
            .chain(SETTINGS_SECRETS.iter().copied())
        {
            if text.contains(secret) {
                leaks.push(format!("{secret} in {name}"));
            }
        }
    }
    assert!(leaks.is_empty(), "secrets in the bundle: {leaks:?}");
}

fn names(dir: &Path) -> Vec<String> {
    support::names_in(dir)
}

#[test]
fn a_bundle_that_cannot_be_written_leaves_nothing_and_bad_times_are_refused() {
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("node");
    plant(&root, "solo");
    let inv = home.path().join("nodes.toml");
    fs::write(
        &inv,
        format!("[[node]]\nname = 'solo'\nroot = '{}'\n", root.display()),
    )
    .unwrap();
    let missing = home.path().join("no/such/dir/out.zip");
    let run = command(home.path(), &inv)
        .args(["bundle", "--out"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(!missing.exists());
    let run = command(home.path(), &inv)
        .args(["bundle", "--since", "yesterday-ish", "--out"])
        .arg(home.path().join("x.zip"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--since"));
    assert!(!home.path().join("x.zip").exists());
    assert!(!names(home.path()).iter().any(|n| n.ends_with(".tmp")));
}
