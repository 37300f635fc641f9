//! End-to-end runs of the real binary in a pseudo-terminal: the demo cluster
//! opened in the TUI, driven by keys, read back through a terminal emulator.
//! Every wait is for text on the screen (or a file on disk) with a deadline;
//! there are no fixed sleeps.

#![cfg(unix)]

use crate::support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::pty::{ENTER, Options, Tui};

const CTRL_S: &str = "\x13";

fn spawn(args: &[&str]) -> Tui {
    spawn_with(args, &[])
}

fn spawn_with(args: &[&str], env: &[(&str, &str)]) -> Tui {
    let mut options = Options::new(env!("CARGO_BIN_EXE_ucsconf"));
    options.args(args);
    for (key, value) in env {
        options.env(key, value);
    }
    options.spawn()
}

/// Whether the binary has the `demo` command; if not, says so loudly.
fn demo_available() -> bool {
    let out = Command::new(env!("CARGO_BIN_EXE_ucsconf"))
        .args(["demo", "--help"])
        .output()
        .expect("the binary runs");
    let ok = out.status.success() && String::from_utf8_lossy(&out.stdout).contains("--dir");
    if !ok {
        eprintln!(
            "SKIPPED: `ucsconf demo` is not available in this build, so the end-to-end TUI tests cannot run"
        );
    }
    ok
}

/// Creates the demo cluster in `dir` without opening the TUI.
fn create_demo(dir: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_ucsconf"))
        .args(["demo", "--dir", dir.to_str().unwrap(), "--no-tui"])
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "demo --no-tui failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn files_named(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == name) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn open_demo(dir: &Path) -> Tui {
    let tui = spawn(&["demo", "--dir", dir.to_str().unwrap()]);
    tui.wait_for("1 System Parameters");
    tui
}

#[test]
fn visit_every_tab_toggle_save_and_quit() {
    if !demo_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    create_demo(dir.path());
    let presence_files = files_named(dir.path(), "Presence.ini");
    assert!(
        !presence_files.is_empty(),
        "the demo has Presence.ini files"
    );
    let before: Vec<String> = presence_files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();

    let mut tui = open_demo(dir.path());
    tui.wait_for("Imagicle Cloud services authentication data");
    tui.send("2");
    tui.wait_for("Sections & keys");
    tui.send("3");
    tui.wait_for("Provider");
    tui.send("4");
    tui.wait_until("the log view", |s| {
        s.contains("FOLLOWING") || s.contains("PAUSED")
    });
    tui.send("2");
    tui.wait_for("Sections & keys");

    tui.select("WebexPresence.Enable");
    tui.send(ENTER);
    tui.wait_for("1 unsaved");
    tui.send(CTRL_S);
    // The diff shows the old and the new line (waited for whole: a frame
    // may be read half-drawn).
    tui.wait_until("the diff of the change", |s| {
        s.contains("Write Presence.ini")
            && s.contains("-WebexPresence.Enable=0")
            && s.contains("+WebexPresence.Enable=1")
    });
    tui.send("y");
    tui.wait_for("Presence.ini saved on");
    tui.wait_until("nothing unsaved", |s| !s.contains("unsaved"));

    // Exactly one file changed, in exactly the WebexPresence.Enable line.
    let after: Vec<String> = presence_files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let changed: Vec<usize> = (0..after.len())
        .filter(|i| before[*i] != after[*i])
        .collect();
    assert_eq!(changed.len(), 1, "one node's Presence.ini changed");
    let (old, new) = (&before[changed[0]], &after[changed[0]]);
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    assert_eq!(old_lines.len(), new_lines.len());
    let differing: Vec<usize> = (0..old_lines.len())
        .filter(|i| old_lines[*i] != new_lines[*i])
        .collect();
    assert_eq!(differing.len(), 1, "exactly one line differs");
    assert!(new_lines[differing[0]].contains("WebexPresence.Enable"));

    tui.send("q");
    let status = tui.wait_exit();
    assert!(status.success());
    let raw = tui.raw();
    let tail = String::from_utf8_lossy(&raw[raw.len().saturating_sub(64)..]).to_string();
    assert!(
        tail.contains("\x1b[?1049l"),
        "the alternate screen was left"
    );
}

#[test]
fn forget_credentials_through_the_confirmation() {
    if !demo_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut tui = open_demo(dir.path());
    let screen = tui.wait_for("Imagicle Cloud services authentication data");
    if !screen.contains("Credentials saved using Client ID:") {
        panic!("the demo's first node has no saved credentials to forget:\n{screen}");
    }
    tui.select("[ Forget ]");
    tui.send(ENTER);
    tui.wait_for("Forget the credentials?");
    // The default is No: Enter keeps them.
    tui.send(ENTER);
    tui.wait_until("the dialog to close, credentials kept", |s| {
        !s.contains("Forget the credentials?") && s.contains("Credentials saved using Client ID:")
    });
    tui.send(ENTER);
    tui.wait_for("Forget the credentials?");
    tui.send("y");
    tui.wait_until("the credentials to be gone", |s| {
        s.contains("Client secret") && !s.contains("Credentials saved using Client ID:")
    });
    let stores = files_named(dir.path(), "CloudServices.json");
    let first = dir.path().join("ucs-a");
    assert!(
        stores
            .iter()
            .filter(|p| p.starts_with(&first))
            .all(|p| !std::fs::read_to_string(p)
                .unwrap()
                .contains(ucsconf::demo::CLIENT_ID)),
        "the first node's store no longer holds the client ID"
    );
    tui.send("q");
    assert!(tui.wait_exit().success());
}

#[test]
fn quitting_with_unsaved_changes_asks() {
    if !demo_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut tui = open_demo(dir.path());
    tui.send("2");
    tui.wait_for("Sections & keys");
    tui.select("WebexPresence.Enable");
    tui.send(ENTER);
    tui.wait_for("1 unsaved");
    tui.send("q");
    tui.wait_for("Quit?");
    tui.send("n");
    tui.wait_until("the question to close, the edit kept", |s| {
        !s.contains("Quit?") && s.contains("1 unsaved")
    });
    tui.send("q");
    tui.wait_for("Quit?");
    tui.send("y");
    assert!(tui.wait_exit().success());
}

#[test]
fn an_escape_sequence_in_the_log_never_reaches_the_terminal() {
    if !demo_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    create_demo(dir.path());
    let logs = files_named(dir.path(), "ApplicationSuite.log");
    assert!(!logs.is_empty(), "the demo has logs");
    let hostile =
        "2026-11-22 10:15:00,000 WARN  Suite.Web        \x1b]52;c;aGFja2Vk\x07 clipboard write\n";
    for log in &logs {
        let mut f = std::fs::OpenOptions::new().append(true).open(log).unwrap();
        f.write_all(hostile.as_bytes()).unwrap();
    }
    let mut tui = open_demo(dir.path());
    tui.send("4");
    tui.wait_until("the log view", |s| s.contains("FOLLOWING"));
    // Filter to the hostile entry, so a busy demo log cannot scroll it away.
    tui.send("&aGFja2Vk");
    tui.send(ENTER);
    tui.wait_for("\\x1b]52;c;aGFja2Vk\\x07");
    // The cluster view (same filter) shows it tagged, escaped as well.
    tui.send("c");
    tui.wait_until("the cluster view", |s| {
        s.contains("cluster of 2 nodes")
            && s.contains("ucs-a │")
            && s.contains("ucs-b │")
            && s.contains("\\x1b]52;c;aGFja2Vk\\x07")
    });
    let raw = tui.raw();
    assert!(
        !raw.windows(4).any(|w| w == b"\x1b]52"),
        "an OSC 52 sequence from the log reached the terminal"
    );
    tui.send("q");
    assert!(tui.wait_exit().success());
}

#[test]
fn t_jumps_to_a_time_in_a_rotated_file_and_o_opens_another_log() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("Var/Log/w3wp");
    std::fs::create_dir_all(&dir).unwrap();
    let day = |d: u32, what: &str| -> String {
        (0..240)
            .map(|m| {
                format!(
                    "2026-12-{d:02} {:02}:{:02}:00,000 INFO  Suite.Web        {what} minute {m}\r\n",
                    m / 60,
                    m % 60
                )
            })
            .collect()
    };
    std::fs::write(dir.join("ApplicationSuite.log.2"), day(1, "first day")).unwrap();
    std::fs::write(dir.join("ApplicationSuite.log.1"), day(2, "second day")).unwrap();
    std::fs::write(dir.join("ApplicationSuite.log"), day(3, "live day")).unwrap();
    std::fs::write(
        dir.join("Other.log"),
        "2026-12-03 00:00:00,000 INFO  other file entry\r\n",
    )
    .unwrap();
    let root_arg = root.path().to_str().unwrap();
    let mut tui = spawn(&["--root", root_arg]);
    tui.wait_for("System Parameters");
    tui.send("4");
    tui.wait_until("the live log", |s| s.contains("live day minute 239"));
    tui.send("t");
    tui.send("2026-12-01 02:13");
    tui.send(ENTER);
    let screen = tui.wait_until("the moment in the oldest file", |s| {
        s.contains("AT 2026-12-01 02:13:00,000") && s.contains("first day minute 133")
    });
    assert!(
        screen.contains("›2026-12-01 02:13:00,000"),
        "the entry at the moment is marked:\n{screen}"
    );
    tui.send("G");
    tui.wait_until("back to the live log", |s| {
        s.contains("FOLLOWING") && s.contains("live day minute 239")
    });
    tui.send("o");
    tui.wait_for("w3wp/Other.log");
    tui.select("w3wp/Other.log");
    tui.send(ENTER);
    tui.wait_until("the other file", |s| {
        s.contains("FILE w3wp/Other.log") && s.contains("other file entry")
    });
    tui.send("q");
    assert!(tui.wait_exit().success());
}

#[test]
fn the_logs_tab_keeps_as_many_entries_as_asked() {
    let root = tempfile::tempdir().unwrap();
    let log = root.path().join("Var/Log/w3wp/ApplicationSuite.log");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    let text: String = (0..50)
        .map(|i| format!("2026-11-22 10:15:{i:02},000 INFO  Suite.Web        entry {i}\r\n"))
        .collect();
    std::fs::write(&log, text).unwrap();
    let root_arg = root.path().to_str().unwrap();
    let mut tui = spawn(&["--root", root_arg, "--log-entries", "10"]);
    tui.wait_for("System Parameters");
    tui.send("4");
    let screen = tui.wait_until("the ten newest entries", |s| {
        s.contains("10/50 entries (10 kept)") && s.contains("entry 40") && s.contains("entry 49")
    });
    assert!(
        !screen.contains("entry 39"),
        "an entry beyond the ten newest is kept:\n{screen}"
    );
    tui.send("q");
    assert!(tui.wait_exit().success());
}

#[test]
fn no_color_draws_without_colour_and_the_selection_stays_visible() {
    if !demo_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut tui = spawn_with(
        &["demo", "--dir", dir.path().to_str().unwrap()],
        &[("NO_COLOR", "1")],
    );
    tui.wait_until("the first tab with its selection", |s| {
        s.contains("1 System Parameters") && s.contains('›')
    });
    tui.send("2");
    tui.wait_until("the presence tab", |s| {
        s.contains("Sections & keys") && s.contains('›')
    });
    let raw = String::from_utf8_lossy(&tui.raw()).to_string();
    for colour in ["38;5;", "48;5;", "38;2;", "48;2;"] {
        assert!(
            !raw.contains(colour),
            "a colour ({colour}) was drawn under NO_COLOR"
        );
    }
    assert!(raw.contains("\x1b[7m"), "the selection is drawn reversed");
    tui.send("q");
    assert!(tui.wait_exit().success());
}

#[test]
fn an_unknown_theme_is_refused_with_the_list_of_themes() {
    if !demo_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ucsconf"))
        .args([
            "--theme",
            "nope",
            "demo",
            "--dir",
            dir.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("default, high-contrast, light, mono"), "{err}");
}

#[test]
fn a_conflict_offers_to_overwrite_after_showing_the_diff() {
    if !demo_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut tui = open_demo(dir.path());
    tui.send("2");
    tui.wait_for("Sections & keys");
    tui.select("WebexPresence.Enable");
    tui.send(ENTER);
    tui.wait_for("1 unsaved");
    // Someone else changes the file on the node meanwhile.
    let file = files_named(&dir.path().join("ucs-a"), "Presence.ini")
        .pop()
        .expect("ucs-a's Presence.ini");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .unwrap();
    f.write_all(b"; changed elsewhere\r\n").unwrap();
    drop(f);
    tui.send(CTRL_S);
    tui.wait_until("the diff", |s| s.contains("+WebexPresence.Enable=1"));
    tui.send("y");
    tui.wait_until("the conflict choice", |s| {
        s.contains("Presence.ini changed on ucs-a") && s.contains("Overwrite")
    });
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("; changed elsewhere"),
        "nothing was written on a conflict"
    );
    tui.send("\x1b[D"); // Left: from Cancel to Overwrite…
    tui.wait_until("Overwrite focused", |s| s.contains("▸[ Overwrite… ]"));
    tui.send(ENTER);
    tui.wait_until("the diff against the node's file", |s| {
        s.contains("Overwrite Presence.ini on ucs-a?") && s.contains("-; changed elsewhere")
    });
    tui.send("y");
    tui.wait_for("Presence.ini saved on ucs-a");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains("; changed elsewhere"));
    assert!(text.contains("WebexPresence.Enable=1"));
    tui.send("q");
    assert!(tui.wait_exit().success());
}

/// An SSH node whose host key is not known yet: the TUI shows the key and
/// asks; No trusts nothing and the node stays unreachable; after R, Yes adds
/// exactly that key to the node's known_hosts and the node loads.
#[test]
fn an_unknown_host_key_is_asked_about_and_trusted_only_on_yes() {
    let Some(sshd) = support::sshd::Sshd::start() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let known_hosts = home.path().join("known_hosts");
    let root = sshd.root("ucs-s");
    let inventory = home.path().join("nodes.toml");
    std::fs::write(
        &inventory,
        format!(
            "[[node]]\nname = \"ucs-s\"\nhost = \"127.0.0.1\"\nport = {}\nuser = \"{}\"\n\
             identity_file = '{}'\nknown_hosts = '{}'\nroot = '{}'\n",
            sshd.port,
            support::sshd::current_user(),
            sshd.client_key.display(),
            known_hosts.display(),
            root.display()
        ),
    )
    .unwrap();
    let fingerprint = support::sshd::fingerprint_of(&sshd.host_key_pub);
    let home_dir = home.path().to_str().unwrap();
    let mut tui = spawn_with(
        &["--config", inventory.to_str().unwrap()],
        // Nothing of the user running the tests: no ~/.ssh, no agent.
        &[
            ("HOME", home_dir),
            ("XDG_CONFIG_HOME", home_dir),
            ("SSH_AUTH_SOCK", ""),
        ],
    );
    let screen = tui.wait_until("the host key question", |s| {
        s.contains("Unknown host key: ucs-s") && s.contains("[ Trust ]")
    });
    assert!(
        screen.contains(&fingerprint),
        "{fingerprint} not shown:\n{screen}"
    );
    assert!(screen.contains("ssh-ed25519"), "{screen}");
    // The focus is on No.
    tui.send(ENTER);
    tui.wait_until("the question closed, the node still failed", |s| {
        !s.contains("Unknown host key") && s.contains("ucs-s ✗")
    });
    let trusted = std::fs::read_to_string(&known_hosts).unwrap_or_default();
    assert!(trusted.is_empty(), "No trusted something: {trusted}");

    tui.send("R");
    tui.wait_until("the question again", |s| {
        s.contains("Unknown host key: ucs-s") && s.contains("[ Trust ]")
    });
    tui.send("y");
    tui.wait_until("the node loaded", |s| {
        s.contains("ucs-s ✓") && s.contains("Client secret")
    });
    let trusted = std::fs::read_to_string(&known_hosts).unwrap();
    let expected = sshd.known_hosts_line();
    assert_eq!(trusted.lines().count(), 1, "{trusted}");
    let key_of = |line: &str| {
        line.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(key_of(&trusted), key_of(&expected));
    tui.send("q");
    assert!(tui.wait_exit().success());
}

/// An encrypted identity key: the passphrase is asked in a masked field;
/// Esc gives none (the login fails, the node shows ✗); after R the right
/// passphrase lets the node load.
#[test]
fn the_passphrase_of_an_encrypted_key_is_asked_masked() {
    let Some(sshd) = support::sshd::Sshd::start() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let key = home.path().join("id_locked");
    support::sshd::keygen(&key, "ed25519", "correct horse");
    sshd.authorize(&key.with_extension("pub"));
    let root = sshd.root("ucs-s");
    let inventory = home.path().join("nodes.toml");
    std::fs::write(
        &inventory,
        format!(
            "[[node]]\nname = \"ucs-s\"\nhost = \"127.0.0.1\"\nport = {}\nuser = \"{}\"\n\
             identity_file = '{}'\nknown_hosts = '{}'\nroot = '{}'\n",
            sshd.port,
            support::sshd::current_user(),
            key.display(),
            sshd.known_hosts().display(),
            root.display()
        ),
    )
    .unwrap();
    let home_dir = home.path().to_str().unwrap();
    let mut tui = spawn_with(
        &["--config", inventory.to_str().unwrap()],
        &[
            ("HOME", home_dir),
            ("XDG_CONFIG_HOME", home_dir),
            ("SSH_AUTH_SOCK", ""),
        ],
    );
    tui.wait_until("the passphrase question", |s| {
        s.contains("Key passphrase") && s.contains("id_locked")
    });
    tui.send("wrong");
    tui.wait_for("•••••");
    tui.send("\x1b");
    tui.wait_until("the login to fail", |s| {
        !s.contains("Key passphrase") && s.contains("ucs-s ✗")
    });
    tui.send("R");
    tui.wait_for("Key passphrase");
    tui.send("correct horse");
    tui.wait_for("•••••••••••••");
    tui.send(ENTER);
    tui.wait_until("the node loaded", |s| {
        s.contains("ucs-s ✓") && s.contains("Client secret")
    });
    let raw = String::from_utf8_lossy(&tui.raw()).to_string();
    assert!(!raw.contains("correct horse"), "the passphrase was drawn");
    tui.send("q");
    assert!(tui.wait_exit().success());
}

/// The records of Presence.ini in a demo node's journal (the demo's own
/// set-up is journaled too).
fn journal(dir: &Path, node: &str) -> Vec<serde_json::Value> {
    let path = dir.join(node).join("Var/Secure/ucsconf-journal.jsonl");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["file"] == "presence")
        .collect()
}

fn enable_line(dir: &Path, node: &str) -> String {
    let path = dir.join(node).join("Apps/Presence/Settings/Presence.ini");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .find(|l| l.starts_with("WebexPresence.Enable"))
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn a_save_and_an_apply_to_all_are_journaled_and_h_enter_y_restores_on_every_node() {
    if !demo_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    create_demo(dir.path());
    let d = dir.path();
    assert_eq!(enable_line(d, "ucs-a"), "WebexPresence.Enable=0");
    assert_eq!(enable_line(d, "ucs-b"), "WebexPresence.Enable=1");
    // What the demo's own set-up journaled.
    let (a0, b0) = (journal(d, "ucs-a").len(), journal(d, "ucs-b").len());

    let mut tui = open_demo(d);
    tui.send("2");
    tui.wait_for("Sections & keys");
    tui.select("WebexPresence.Enable");
    // A save on ucs-a: one record there.
    tui.send(ENTER);
    tui.wait_for("1 unsaved");
    tui.send(CTRL_S);
    tui.wait_for("Write Presence.ini");
    tui.send("y");
    tui.wait_for("Presence.ini saved on");
    tui.wait_until("nothing unsaved", |s| !s.contains("unsaved"));
    let saved = journal(d, "ucs-a");
    assert_eq!(saved.len(), a0 + 1, "{saved:?}");
    assert_eq!(enable_line(d, "ucs-a"), "WebexPresence.Enable=1");

    // Apply to all: one change, recorded on both nodes under one id.
    tui.send(ENTER);
    tui.wait_for("1 unsaved");
    tui.send("A");
    tui.wait_for("Apply to all 2 nodes?");
    tui.send("y");
    tui.wait_for("applied on every node");
    tui.send("\x1b");
    tui.wait_until("the results to close", |s| !s.contains("Apply to all:"));
    let (a, b) = (journal(d, "ucs-a"), journal(d, "ucs-b"));
    assert_eq!((a.len(), b.len()), (a0 + 2, b0 + 1), "{a:?} {b:?}");
    let applied = a[a0 + 1]["change"].as_str().unwrap().to_string();
    assert_eq!(b[b0]["change"], applied.as_str());
    assert_ne!(
        saved[a0]["change"],
        applied.as_str(),
        "a save is a change of its own"
    );
    assert_eq!(enable_line(d, "ucs-b"), "WebexPresence.Enable=0");

    // h, Enter, y: the apply-to-all undone on both nodes.
    tui.send("h");
    tui.wait_until("the history", |s| {
        s.contains("History: what ucsconf changed") && s.contains("on ucs-a, ucs-b")
    });
    tui.send(ENTER);
    tui.wait_until("the restore's preview", |s| {
        s.contains(&format!("Restore change {applied} on 2 node(s)?"))
            && s.contains("WebexPresence.Enable: 0 → 1")
    });
    tui.send("y");
    tui.wait_until("the restore's results", |s| {
        s.contains(&format!("Restore change {applied}")) && s.contains("Restored")
    });
    assert_eq!(enable_line(d, "ucs-a"), "WebexPresence.Enable=1");
    assert_eq!(enable_line(d, "ucs-b"), "WebexPresence.Enable=1");
    let (a, b) = (journal(d, "ucs-a"), journal(d, "ucs-b"));
    assert_eq!((a.len(), b.len()), (a0 + 3, b0 + 2));
    assert_eq!(a[a0 + 2]["restores"], applied.as_str());
    assert_eq!(b[b0 + 1]["restores"], applied.as_str());
    assert_eq!(
        a[a0 + 2]["change"],
        b[b0 + 1]["change"],
        "the restore is one change"
    );

    tui.send("\x1b");
    tui.wait_until("the results to close", |s| !s.contains("Restore change"));
    tui.send("q");
    assert!(tui.wait_exit().success());
}
