//! The command line end to end: the real binary on local nodes in temp dirs.

use crate::support;

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use support::TempRoot as Node;

const PRESENCE: &str = "Apps/Presence/Settings/Presence.ini";
const CALENDAR: &str = "Apps/AttendantConsole/Settings/Calendar.ini";
const STORE: &str = "Var/Secure/CloudServices.json";
const LOG: &str = "Var/Log/w3wp/ApplicationSuite.log";
const GUID: &str = "9f8e7d6c-1a2b-4c3d-8e9f-0a1b2c3d4e5f";

/// Commands here are checked with assert_cmd.
impl Node {
    fn with_presence(bytes: &[u8]) -> Node {
        let node = Node::new();
        node.write(PRESENCE, bytes);
        node
    }

    fn cmd(&self) -> Command {
        Command::from_std(self.command())
    }
}

fn sample() -> Vec<u8> {
    fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/Presence.ini")).unwrap()
}

fn changed_lines(a: &[u8], b: &[u8]) -> usize {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    let (la, lb): (Vec<_>, Vec<_>) = (a.split('\n').collect(), b.split('\n').collect());
    assert_eq!(la.len(), lb.len(), "line count changed");
    la.iter().zip(&lb).filter(|(x, y)| x != y).count()
}

#[test]
fn presence_get_and_set_change_exactly_one_line_with_a_backup() {
    let node = Node::with_presence(&sample());
    node.cmd()
        .args(["presence", "get", "webexpresence.enable"])
        .assert()
        .success()
        .stdout("0\n");
    node.cmd()
        .args(["presence", "set", "WebexPresence.Enable", "1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("saved (backup"));
    let after = node.read(PRESENCE);
    assert_eq!(changed_lines(&sample(), &after), 1);
    assert!(String::from_utf8_lossy(&after).contains("WebexPresence.Enable=1\r\n"));
    assert!(after.starts_with(b"\xEF\xBB\xBF"), "BOM kept");
    let files = node.siblings(PRESENCE);
    assert_eq!(
        files.iter().filter(|f| f.ends_with(".bak")).count(),
        1,
        "{files:?}"
    );

    // Setting the same value again rewrites nothing.
    node.cmd()
        .args(["presence", "set", "WebexPresence.Enable", "1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("unchanged"));
    assert_eq!(node.siblings(PRESENCE), files);
}

#[test]
fn a_presence_ini_with_bare_cr_line_endings_is_edited_line_by_line() {
    // Read as one line before: the key was "not set", and a set added a
    // second WebexPresence.Enable that Windows never reads.
    let old = b"[General]\rLogLevel=Info\r[Webex]\rWebexPresence.Enable=0\r";
    let node = Node::with_presence(old);
    node.cmd()
        .args(["presence", "get", "WebexPresence.Enable"])
        .assert()
        .success()
        .stdout("0\n");
    node.cmd()
        .args(["presence", "set", "WebexPresence.Enable", "1"])
        .assert()
        .success();
    node.cmd()
        .args([
            "presence",
            "set",
            "WebexPresence.MaxUsers",
            "10",
            "--section",
            "Webex",
        ])
        .assert()
        .success();
    assert_eq!(
        node.read(PRESENCE),
        b"[General]\rLogLevel=Info\r[Webex]\rWebexPresence.Enable=1\rWebexPresence.MaxUsers=10\r"
    );
}

#[test]
fn presence_show_lists_sections_and_keys_and_json_parses() {
    let node = Node::with_presence(&sample());
    node.cmd()
        .args(["presence", "show"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "[Webex]\nWebexPresence.Enable=0\n",
        ));
    let out = node
        .cmd()
        .args(["--json", "presence", "show"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entries = doc["nodes"][0]["entries"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e["key"] == "LogLevel" && e["value"] == "Info" && e["section"] == "General")
    );
}

#[test]
fn ambiguous_and_unknown_keys_are_usage_errors() {
    let node = Node::with_presence(b"[A]\nKey=1\n[B]\nkey=2\n");
    let before = node.read(PRESENCE);
    node.cmd()
        .args(["presence", "get", "Key"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("[A]").and(predicate::str::contains("[B]")));
    node.cmd()
        .args(["presence", "get", "Key", "--section", "b"])
        .assert()
        .success()
        .stdout("2\n");
    node.cmd()
        .args(["presence", "set", "Key", "3"])
        .assert()
        .code(2);
    node.cmd()
        .args(["presence", "set", "Brand.New", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--section"));
    node.cmd()
        .args(["presence", "get", "Missing"])
        .assert()
        .code(1);
    assert_eq!(node.read(PRESENCE), before);
}

#[test]
fn known_keys_are_validated_and_find_their_section() {
    let node = Node::with_presence(b"[General]\nLogLevel=Info\n");
    node.cmd()
        .args(["presence", "set", "WebexPresence.Enable", "yes"])
        .assert()
        .code(2);
    assert_eq!(node.read(PRESENCE), b"[General]\nLogLevel=Info\n");
    node.cmd()
        .args(["presence", "set", "WebexPresence.Enable", "1"])
        .assert()
        .success();
    assert_eq!(
        node.read(PRESENCE),
        b"[General]\nLogLevel=Info\n\n[Webex]\nWebexPresence.Enable=1\n"
    );
    node.cmd()
        .args(["presence", "unset", "WebexPresence.Enable"])
        .assert()
        .success();
    assert_eq!(
        node.read(PRESENCE),
        b"[General]\nLogLevel=Info\n\n[Webex]\n"
    );
}

#[test]
fn a_missing_presence_file_is_created_only_with_an_explicit_section() {
    let node = Node::new();
    node.cmd()
        .args(["presence", "set", "WebexPresence.Enable", "1"])
        .assert()
        .code(2);
    assert!(!node.path(PRESENCE).exists());
    node.cmd()
        .args([
            "presence",
            "set",
            "WebexPresence.Enable",
            "1",
            "--section",
            "Webex",
        ])
        .assert()
        .success();
    assert_eq!(
        node.read(PRESENCE),
        b"[Webex]\r\nWebexPresence.Enable=1\r\n"
    );
}

#[test]
fn odd_files_round_trip_through_set() {
    // Windows-1252 with an accented comment, no final newline.
    let node = Node::with_presence(b"; Param\xe8tres\r\n[General]\r\nLogLevel = Info");
    node.cmd()
        .args(["presence", "set", "LogLevel", "Debug"])
        .assert()
        .success();
    assert_eq!(
        node.read(PRESENCE),
        b"; Param\xe8tres\r\n[General]\r\nLogLevel = Debug"
    );
    // A value Windows-1252 cannot represent is refused, not replaced.
    node.cmd()
        .args(["presence", "set", "LogLevel", "日本"])
        .assert()
        .code(2);
    assert_eq!(
        node.read(PRESENCE),
        b"; Param\xe8tres\r\n[General]\r\nLogLevel = Debug"
    );

    // UTF-16LE with BOM.
    let utf16: Vec<u8> = b"\xff\xfe"
        .iter()
        .copied()
        .chain(
            "[General]\r\nLogLevel=Info\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let node = Node::with_presence(&utf16);
    node.cmd()
        .args(["presence", "get", "LogLevel"])
        .assert()
        .success()
        .stdout("Info\n");
    node.cmd()
        .args(["presence", "set", "LogLevel", "Verbosé"])
        .assert()
        .success();
    let expected: Vec<u8> = b"\xff\xfe"
        .iter()
        .copied()
        .chain(
            "[General]\r\nLogLevel=Verbosé\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    assert_eq!(node.read(PRESENCE), expected);
}

#[test]
fn binary_and_oversized_files_are_refused_untouched() {
    let node = Node::with_presence(b"[General]\x00\x01\x02binary");
    node.cmd()
        .args(["presence", "set", "K", "v", "--section", "General"])
        .assert()
        .code(2);
    assert_eq!(node.read(PRESENCE), b"[General]\x00\x01\x02binary");

    let mut big = b"[General]\n".to_vec();
    big.resize(8 * 1024 * 1024 + 1, b'x');
    let node = Node::with_presence(&big);
    node.cmd()
        .args(["presence", "get", "LogLevel"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("8 MiB").or(predicate::str::contains("limit")));
    assert_eq!(node.read(PRESENCE).len(), big.len());
}

fn calendar_rejects(args: &[&str], needle: &str) {
    let node = Node::new();
    let original = b"; calendar\r\n[Calendar]\r\nProvider=Exchange\r\n";
    node.write(CALENDAR, original);
    let mut all = vec!["calendar", "set"];
    all.extend_from_slice(args);
    node.cmd()
        .args(&all)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(needle));
    assert_eq!(
        node.read(CALENDAR),
        original,
        "nothing written for {args:?}"
    );
}

#[test]
fn calendar_validation_errors_write_nothing() {
    calendar_rejects(&["--provider", "gmail"], "gmail");
    calendar_rejects(&["--exchange-version", "Exchange2016"], "Exchange2016");
    calendar_rejects(&["--ews-url", "mail.contoso.com/EWS/Exchange.asmx"], "URL");
    calendar_rejects(&["--refresh-secs", "0"], "86400");
    calendar_rejects(&["--refresh-secs", "86401"], "86400");
    calendar_rejects(&["--refresh-secs", "1.5"], "86400");
    calendar_rejects(&["--provider", "office365"], "authentication");
    calendar_rejects(
        &[
            "--provider",
            "office365",
            "--modern-auth",
            "on",
            "--tenant-id",
            "not a tenant",
            "--client-id",
            GUID,
        ],
        "tenant",
    );
    calendar_rejects(
        &[
            "--provider",
            "office365",
            "--modern-auth",
            "on",
            "--tenant-id",
            "contoso.onmicrosoft.com",
            "--client-id",
            "abc",
        ],
        "client",
    );
    calendar_rejects(
        &[
            "--provider",
            "office365",
            "--basic-auth",
            "on",
            "--username",
            "svc",
        ],
        "password",
    );
}

#[test]
fn calendar_both_authentications_warn_but_save() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let node = Node::new();
    let out = node
        .cmd()
        .args([
            "calendar",
            "set",
            "--provider",
            "office365",
            "--basic-auth",
            "on",
            "--username",
            "svc-cal@contoso.com",
            "--password-stdin",
            "--modern-auth",
            "on",
            "--tenant-id",
            "contoso.onmicrosoft.com",
            "--client-id",
            GUID,
        ])
        .write_stdin("Pa55word!\n")
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    assert!(warnings.len() >= 3, "{stderr}");
    assert!(
        warnings[0].to_lowercase().contains("both"),
        "the both-auth warning comes first: {stderr}"
    );
    let text = String::from_utf8(node.read(CALENDAR)).unwrap();
    assert!(text.contains("Provider=Office365"), "{text}");
    assert!(
        text.contains("BasicAuth.Username=svc-cal@contoso.com"),
        "{text}"
    );
    assert!(
        !text.contains("Pa55word!"),
        "the password is sealed: {text}"
    );
    node.cmd()
        .args(["calendar", "show"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Pa55word!").not());
}

#[test]
fn credentials_save_show_forget_and_never_take_a_secret_from_argv() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let node = Node::new();
    node.cmd()
        .args([
            "credentials",
            "save",
            "--client-id",
            "abc",
            "--secret",
            "s3cr3t",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("s3cr3t").not());
    assert!(!node.path(STORE).exists());
    node.cmd()
        .args(["credentials", "show"])
        .assert()
        .success()
        .stdout("No credentials saved\n");
    node.cmd()
        .args([
            "credentials",
            "save",
            "--client-id",
            "3f2a9c1e",
            "--secret-stdin",
        ])
        .write_stdin("Very~Secret+/.value\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("Very~Secret").not());
    let store = String::from_utf8(node.read(STORE)).unwrap();
    assert!(!store.contains("Very~Secret"), "{store}");
    node.cmd()
        .args(["credentials", "show"])
        .assert()
        .success()
        .stdout("Credentials saved using Client ID: 3f2a9c1e\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(node.path("Var/Secure/ucsconf.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            fs::metadata(node.path(STORE)).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // It says what it did: removed, not "saved" (as it once did).
    let out = node
        .cmd()
        .args(["credentials", "forget"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.starts_with(&format!("{STORE}: credentials removed (backup ")),
        "{out}"
    );
    node.cmd()
        .args(["credentials", "show"])
        .assert()
        .success()
        .stdout("No credentials saved\n");
    node.cmd()
        .args(["credentials", "forget"])
        .assert()
        .success()
        .stdout(format!("{STORE}: no credentials to remove\n"));
}

/// The files beside the store that hold a sealed secret (the journal names
/// the field, never its value).
fn holding_a_secret(node: &Node) -> Vec<String> {
    support::contents_of(&node.path("Var/Secure"))
        .into_iter()
        .filter(|(_, text)| text.contains("\"secret\": \"v1:"))
        .map(|(name, _)| name)
        .collect()
}

#[test]
fn forget_keeps_the_sealed_backups_and_forget_purge_removes_them() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let node = Node::new();
    let save = |secret: &str| {
        node.cmd()
            .args(["credentials", "save", "--client-id", GUID, "--secret-stdin"])
            .write_stdin(format!("{secret}\n"))
            .assert()
            .success();
    };
    save("first secret");
    save("second secret");
    node.cmd()
        .args(["credentials", "forget"])
        .assert()
        .success();
    // Without --purge the old sealed secrets stay in the backups.
    let kept = holding_a_secret(&node);
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert!(kept.iter().all(|n| n.ends_with(".bak")), "{kept:?}");

    save("third secret");
    // What is not the store's backup stays: another file's backup, a
    // fresh temporary file (a write may be in progress), the node key.
    let others = [
        "ucsconf.key.20261122T101500Z.bak",
        ".CloudServices.json.ucsconf-7-aaaaaaaaaaaa.tmp",
        "CloudServices.json.notes",
    ];
    for name in others {
        node.write(&format!("Var/Secure/{name}"), b"not the store's backup");
    }
    let out = node
        .cmd()
        .args(["credentials", "forget", "--purge"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!("{STORE}: credentials removed\n{STORE}: 3 backups removed\n")
    );
    assert_eq!(holding_a_secret(&node), Vec::<String>::new());
    // The journal and its own backups are another file's: they stay.
    let left: Vec<String> = node
        .siblings(STORE)
        .into_iter()
        .filter(|n| !n.starts_with("ucsconf-journal.jsonl"))
        .collect();
    for name in others.iter().chain(&["ucsconf.key"]) {
        assert!(left.contains(&name.to_string()), "{name} is gone: {left:?}");
    }
    assert_eq!(left.len(), others.len() + 1, "{left:?}");

    // With nothing to forget, nothing is written: what an interrupted write
    // left is still purged (a fresh temporary file is not).
    let stale = node.path("Var/Secure/.CloudServices.json.ucsconf-8-bbbbbbbbbbbb.tmp");
    fs::write(&stale, b"{\"secret\": \"v1:half a write\"}").unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(old)
        .unwrap();

    let out = node
        .cmd()
        .args(["--json", "credentials", "forget", "--purge"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        doc["nodes"][0]["backups_removed"],
        serde_json::json!([".CloudServices.json.ucsconf-8-bbbbbbbbbbbb.tmp"])
    );
    assert_eq!(holding_a_secret(&node), Vec::<String>::new());
    node.cmd()
        .args(["credentials", "forget", "--purge"])
        .assert()
        .success()
        .stdout(format!(
            "{STORE}: no credentials to remove\n{STORE}: no backups to remove\n"
        ));
}

#[test]
fn a_store_that_does_not_decrypt_is_an_error_naming_the_file_and_left_untouched() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let node = Node::new();
    node.cmd()
        .args([
            "credentials",
            "save",
            "--client-id",
            "3f2a9c1e",
            "--secret-stdin",
        ])
        .write_stdin("secret")
        .assert()
        .success();
    // Another node's key: the store no longer opens.
    node.write("Var/Secure/ucsconf.key", &[42u8; 32]);
    let before = node.read(STORE);
    node.cmd()
        .args(["credentials", "show"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("CloudServices.json"));
    assert_eq!(node.read(STORE), before);
}

#[test]
fn logs_prints_the_last_lines() {
    let node = Node::new();
    let lines: String = (1..=50)
        .map(|i| {
            format!(
                "2026-11-22 10:00:{:02},000 [1] INFO  X - line {i}\r\n",
                i % 60
            )
        })
        .collect();
    node.write(LOG, lines.as_bytes());
    let out = node.cmd().args(["logs", "--lines", "3"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.lines().last().unwrap().ends_with("line 50"), "{text}");
}

#[test]
fn logs_reads_a_utf16_log_with_its_entries_and_filters() {
    let node = Node::new();
    let text = "2026-11-22 10:00:00,000 [1] INFO  X - first Ċ\r\n\
                2026-11-22 10:00:01,000 [1] ERROR X - failed: ☃\r\n\
                \x20  at Suite.Calendar.Ews.Sync()\r\n\
                2026-11-22 10:00:02,000 [1] INFO  X - \u{1b}[31mlast\r\n";
    let mut bytes = b"\xff\xfe".to_vec();
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    node.write(LOG, &bytes);
    let run = |args: &[&str]| {
        let out = node.cmd().arg("logs").args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(
        run(&["--lines", "4"]),
        "2026-11-22 10:00:00,000 [1] INFO  X - first Ċ\n\
         2026-11-22 10:00:01,000 [1] ERROR X - failed: ☃\n\
         \x20  at Suite.Calendar.Ews.Sync()\n\
         2026-11-22 10:00:02,000 [1] INFO  X - \\x1b[31mlast\n"
    );
    assert_eq!(
        run(&["--level", "error"]),
        "2026-11-22 10:00:01,000 [1] ERROR X - failed: ☃\n\
         \x20  at Suite.Calendar.Ews.Sync()\n"
    );
    assert_eq!(
        run(&["--grep", "first"]),
        "2026-11-22 10:00:00,000 [1] INFO  X - first Ċ\n"
    );
}

#[test]
fn logs_never_pass_escape_sequences_to_the_terminal() {
    let node = Node::new();
    node.write(
        LOG,
        b"2026-11-22 10:00:00,000 [1] INFO  X - evil \x1b]52;c;cm0gLXJmIH4=\x07 \x1b[31mred\n",
    );
    let out = node.cmd().args(["logs", "--lines", "5"]).output().unwrap();
    assert!(out.status.success());
    assert!(
        !out.stdout.contains(&0x1b),
        "{:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\\x1b"));
}

#[test]
fn demo_cluster_drifts_and_multi_node_output_is_prefixed() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("ucsconf")
        .unwrap()
        .args(["demo", "--no-tui", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inventory = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(Path::new(&inventory).is_file());
    let cmd = || {
        let mut c = Command::cargo_bin("ucsconf").unwrap();
        c.env("UCSCONF_CONFIG", &inventory);
        c
    };
    cmd()
        .args(["presence", "get", "WebexPresence.Enable"])
        .assert()
        .success()
        .stdout("ucs-a: 0\nucs-b: 1\n");
    cmd()
        .args(["--node", "ucs-b", "presence", "get", "WebexPresence.Enable"])
        .assert()
        .success()
        .stdout("1\n");
    cmd().args(["--node", "nope", "nodes"]).assert().code(2);
    cmd().args(["nodes"]).assert().success();

    // One node broken, the other fine: exit 4, the good node still done.
    fs::remove_dir_all(dir.path().join("ucs-b")).unwrap();
    cmd()
        .args(["presence", "set", "WebexPresence.Enable", "1"])
        .assert()
        .code(4)
        .stdout(predicate::str::contains("ucs-a: "))
        .stderr(predicate::str::contains("ucs-b"));
    let a = fs::read_to_string(dir.path().join("ucs-a").join(PRESENCE)).unwrap();
    assert!(a.contains("WebexPresence.Enable=1"));
    // Running demo again reuses what is there.
    Command::cargo_bin("ucsconf")
        .unwrap()
        .args(["demo", "--no-tui", "--dir"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(format!("{inventory}\n"));
}

#[test]
fn without_nodes_it_explains_how_to_choose_them() {
    let home = tempfile::tempdir().unwrap();
    Command::cargo_bin("ucsconf")
        .unwrap()
        .env_remove("UCSCONF_CONFIG")
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .args(["presence", "show"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--root").and(predicate::str::contains("demo")));
}

#[test]
fn an_unreadable_settings_file_is_a_failure_naming_it() {
    // A folder where the file should be: unreadable as a file, even for root.
    let node = Node::new();
    fs::create_dir_all(node.path(PRESENCE)).unwrap();
    node.cmd()
        .args(["presence", "show"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("Presence.ini"));
    assert!(node.path(PRESENCE).is_dir(), "left as it was");
}

#[cfg(target_os = "linux")]
#[test]
fn the_inventory_is_found_in_the_user_config_dir() {
    let home = tempfile::tempdir().unwrap();
    let node = Node::with_presence(b"[Webex]\r\nWebexPresence.Enable=1\r\n");
    let config = home.path().join("ucsconf");
    fs::create_dir_all(&config).unwrap();
    let toml = format!(
        "[[node]]\nname = \"n1\"\nroot = '{}'\n",
        node.root.display()
    );
    fs::write(config.join("nodes.toml"), toml).unwrap();
    Command::cargo_bin("ucsconf")
        .unwrap()
        .env_remove("UCSCONF_CONFIG")
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .args(["presence", "get", "WebexPresence.Enable"])
        .assert()
        .success()
        .stdout("1\n");
}

fn demo_inventory(dir: &Path) -> String {
    let out = Command::cargo_bin("ucsconf")
        .unwrap()
        .args(["demo", "--no-tui", "--dir"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn diff_finds_the_drifted_setting_and_never_shows_a_secret() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let inventory = demo_inventory(dir.path());
    let run = |args: &[&str]| {
        let mut c = Command::cargo_bin("ucsconf").unwrap();
        c.arg("--config").arg(&inventory).args(args);
        c
    };
    let out = run(&["diff"]).assert().code(1).get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    let webex = text
        .lines()
        .find(|l| l.contains("WebexPresence.Enable"))
        .expect(&text);
    assert!(webex.contains('0') && webex.contains('1'), "{webex}");
    assert!(text.contains("(sealed)"), "{text}");

    run(&[
        "--node",
        "ucs-b",
        "presence",
        "set",
        "WebexPresence.Enable",
        "0",
    ])
    .assert()
    .success();
    run(&[
        "--node",
        "ucs-b",
        "credentials",
        "save",
        "--client-id",
        ucsconf::demo::CLIENT_ID,
        "--secret-stdin",
    ])
    .write_stdin("another secret")
    .assert()
    .success();
    let out = run(&["--json", "diff"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let settings: Vec<&str> = doc["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["setting"].as_str().unwrap())
        .collect();
    assert_eq!(
        settings,
        vec![ucsconf::cluster::SECRET_LABEL],
        "same client ID, different secrets"
    );
    assert!(!String::from_utf8_lossy(&out).contains("another secret"));
}

#[test]
fn doctor_names_problems_with_fixes_and_fails_only_on_problems() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let inventory = demo_inventory(dir.path());
    let run = |args: &[&str]| {
        let mut c = Command::cargo_bin("ucsconf").unwrap();
        c.arg("--config").arg(&inventory).args(args);
        c
    };
    // ucs-b has no credentials saved: a problem.
    run(&["--node", "ucs-b", "doctor"]).assert().code(1).stdout(
        predicate::str::contains("no Imagicle Cloud services credentials")
            .and(predicate::str::contains("fix:")),
    );
    // ucs-a has only warnings (Webex presence off, the Office 365 retirement).
    run(&["--node", "ucs-a", "doctor"])
        .assert()
        .success()
        .stderr(predicate::str::contains("warning: "));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = dir.path().join("ucs-a/Var/Secure/ucsconf.key");
        fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
        run(&["--node", "ucs-a", "doctor"])
            .assert()
            .code(1)
            .stdout(predicate::str::contains("readable by other users"));
    }
}

#[test]
fn a_known_key_in_another_section_is_refused_naming_its_own() {
    let before = b"[General]\r\nLogLevel=Info\r\n\r\n[Webex]\r\nWebexPresence.Enable=0\r\n";
    let node = Node::with_presence(before);
    for args in [
        &[
            "presence",
            "set",
            "WebexPresence.Enable",
            "1",
            "--section",
            "Nope",
        ][..],
        &[
            "presence",
            "set",
            "WebexPresence.Enable",
            "1",
            "--section",
            "General",
        ],
        &[
            "presence",
            "unset",
            "WebexPresence.Enable",
            "--section",
            "Nope",
        ],
        &[
            "presence",
            "get",
            "WebexPresence.Enable",
            "--section",
            "Nope",
        ],
    ] {
        node.cmd()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "belongs in section [Webex], not [",
            ))
            .stderr(predicate::str::contains("--section Webex"));
        assert_eq!(node.read(PRESENCE), before, "{args:?}: nothing written");
        assert_eq!(node.siblings(PRESENCE), ["Presence.ini"], "{args:?}");
    }
    // Its own section, in any case, is fine; afterwards `get` finds one value.
    node.cmd()
        .args([
            "presence",
            "set",
            "WebexPresence.Enable",
            "1",
            "--section",
            "webex",
        ])
        .assert()
        .success();
    node.cmd()
        .args(["presence", "get", "WebexPresence.Enable"])
        .assert()
        .success()
        .stdout("1\n");

    // A copy the file already has in another section is edited where it is.
    let odd = b"[Presence]\r\nWebexPresence.Enable=0\r\n";
    let node = Node::with_presence(odd);
    node.cmd()
        .args([
            "presence",
            "set",
            "WebexPresence.Enable",
            "1",
            "--section",
            "Presence",
        ])
        .assert()
        .success();
    assert_eq!(
        node.read(PRESENCE),
        b"[Presence]\r\nWebexPresence.Enable=1\r\n"
    );
}

#[test]
fn an_unknown_theme_is_refused_before_any_command_runs() {
    let node = Node::with_presence(b"[Webex]\r\nWebexPresence.Enable=0\r\n");
    let demo = tempfile::tempdir().unwrap();
    let demo_dir = demo.path().join("demo");
    let demo_dir = demo_dir.to_str().unwrap();
    for args in [
        &["demo", "--no-tui", "--dir", demo_dir][..],
        &["presence", "set", "WebexPresence.Enable", "1"],
        &["presence", "get", "WebexPresence.Enable"],
        &["nodes"],
        &["completions", "bash"],
    ] {
        node.cmd()
            .args(["--theme", "no-such"])
            .args(args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("unknown theme \"no-such\""))
            .stderr(predicate::str::contains("high-contrast"));
    }
    assert!(!Path::new(demo_dir).exists(), "no demo was made");
    assert_eq!(
        node.read(PRESENCE),
        b"[Webex]\r\nWebexPresence.Enable=0\r\n"
    );
    node.cmd()
        .args(["--theme", "mono", "presence", "get", "WebexPresence.Enable"])
        .assert()
        .success()
        .stdout("0\n");
}

fn demo_in(dir: &Path) -> std::process::Output {
    Command::cargo_bin("ucsconf")
        .unwrap()
        .env("UCSCONF_LOG", "off")
        .args(["demo", "--no-tui", "--dir"])
        .arg(dir)
        .output()
        .unwrap()
}

#[test]
fn a_demo_that_cannot_be_completed_leaves_nothing_behind_and_the_next_one_completes() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    // The second node's folder cannot be made: a file has its name.
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("demo");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("ucs-b"), b"in the way").unwrap();
    let out = demo_in(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("ucs-b"), "names what failed: {stderr}");
    assert!(stderr.contains("nothing was left behind"), "{stderr}");
    assert!(stderr.contains("run `ucsconf demo` again"), "{stderr}");
    assert_eq!(
        support::names_in(&dir),
        ["ucs-b"],
        "the first node, made before the failure, is gone; the file in the way stays"
    );

    fs::remove_file(dir.join("ucs-b")).unwrap();
    let out = demo_in(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(support::names_in(&dir), ["nodes.toml", "ucs-a", "ucs-b"]);
}

/// The demo saves sample credentials, a private file: on Windows under
/// Wine, which keeps no access lists, it cannot be completed, and says so
/// without leaving a partial demo; anywhere else it is complete.
#[test]
fn a_demo_in_a_new_folder_is_complete_or_leaves_nothing() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("demo");
    let out = demo_in(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if ucsconf::platform::wine::under_wine() {
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("ucsconf.key"), "{stderr}");
        assert!(stderr.contains("nothing was left behind"), "{stderr}");
        assert!(
            stderr.contains("Wine keeps no Windows file permissions"),
            "{stderr}"
        );
        assert!(
            !dir.exists(),
            "no partial demo: {:?}",
            support::names_in(&dir)
        );
    } else {
        assert!(out.status.success(), "{stderr}");
        assert!(dir.join("nodes.toml").is_file());
    }
}

#[test]
fn a_key_in_several_sections_or_the_wrong_one_names_the_flag_that_settles_it() {
    let node = Node::with_presence(b"[A]\r\nK=1\r\n[B]\r\nK=2\r\n");
    node.cmd()
        .args(["presence", "set", "K", "3"])
        .assert()
        .code(2)
        .stderr("error: K is in several sections ([A], [B]): choose one with --section\n");
    node.cmd()
        .args([
            "presence",
            "set",
            "WebexPresence.Enable",
            "1",
            "--section",
            "A",
        ])
        .assert()
        .code(2)
        .stderr(
            "error: WebexPresence.Enable belongs in section [Webex], not [A]: \
             give --section Webex, or leave --section out\n",
        );
    assert_eq!(node.read(PRESENCE), b"[A]\r\nK=1\r\n[B]\r\nK=2\r\n");
}
