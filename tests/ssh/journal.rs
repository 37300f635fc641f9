//! A journaled write over SSH: the settings file and its journal record go
//! together in the round trips of one replace, and neither is in place
//! without the other, whoever else writes at the last moment.

use crate::support;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use support::sshd::Sshd;
use support::{isolated_options, names_in, spec_for};
use ucsconf::journal::Journal;
use ucsconf::node::LastCheckHook;
use ucsconf::node::ssh::SshNode;
use ucsconf::ops::{self, Change, Target};
use ucsconf::paths::{PRESENCE, Paths};

const SEED: &[u8] = b"[Presence]\r\nWebexPresence.Enable=0\r\n";

fn set(value: &str) -> Change {
    Change::PresenceSet {
        section: None,
        key: "WebexPresence.Enable".into(),
        value: value.into(),
    }
}

/// A node with Presence.ini seeded and an empty journal (as after a first
/// change), its writes passing through `hook` at their last moment.
fn seeded(sshd: &Sshd, name: &str, hook: Option<LastCheckHook>) -> (Arc<SshNode>, Target, PathBuf) {
    let root = sshd.root(name);
    let presence = root.join(PRESENCE);
    fs::create_dir_all(presence.parent().unwrap()).unwrap();
    fs::write(&presence, SEED).unwrap();
    let journal = root.join(Paths::default().journal);
    fs::create_dir_all(journal.parent().unwrap()).unwrap();
    fs::write(&journal, "").unwrap();
    let mut options = isolated_options(sshd);
    options.before_last_check = hook;
    let node = Arc::new(SshNode::new(&spec_for(sshd, name, &root), options));
    let target = Target::new(node.clone(), Paths::default());
    (node, target, root)
}

fn journal_of(root: &Path) -> PathBuf {
    root.join(Paths::default().journal)
}

fn backups_in(dir: &Path) -> Vec<String> {
    names_in(dir)
        .into_iter()
        .filter(|n| n.ends_with(".bak"))
        .collect()
}

#[tokio::test]
async fn a_journaled_set_is_six_round_trips_and_its_record_names_its_backup() {
    let Some(sshd) = Sshd::start() else { return };
    let (node, target, root) = seeded(&sshd, "journal-trips", None);
    node.connect().await.unwrap();
    for (i, value) in ["1", "0", "1"].into_iter().enumerate() {
        let before = node.stats().sftp;
        ops::apply(&target, &set(value)).await.unwrap();
        let used = node.stats().sftp - before;
        // The file and the journal read together (2), then both replaced
        // side by side (4).
        assert_eq!(used.round_trips, 6, "set {i}: {used:?}");
    }
    let journal = Journal::read(&*node, &Paths::default().journal)
        .await
        .unwrap();
    assert_eq!(journal.records.len(), 3);
    assert!(journal.warnings.is_empty(), "{:?}", journal.warnings);
    let dir = root.join(PRESENCE);
    let dir = dir.parent().unwrap();
    for (record, held) in journal.records.iter().zip(["=0", "=1", "=0"]) {
        let backup = record.backup.as_deref().expect("a backup is named");
        let bytes = fs::read(dir.join(backup)).expect("the backup named exists");
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.contains(&format!("WebexPresence.Enable{held}")),
            "{backup}: {text}"
        );
    }
    assert!(
        fs::read_to_string(root.join(PRESENCE))
            .unwrap()
            .contains("Enable=1")
    );
}

#[tokio::test]
async fn a_journal_that_cannot_be_written_leaves_the_file_unchanged() {
    let Some(sshd) = Sshd::start() else { return };
    let root = sshd.root("journal-refused");
    // Another writer appends to the journal at the last moment of every
    // attempt, so each one meets a conflict until ucsconf gives up.
    let theirs = journal_of(&root);
    let hook = LastCheckHook::new(move |path| {
        if path.ends_with("ucsconf-journal.jsonl") {
            let mut bytes = fs::read(&theirs).unwrap();
            bytes.extend_from_slice(b"{}\n");
            fs::write(&theirs, bytes).unwrap();
        }
    });
    let (_node, target, root) = seeded(&sshd, "journal-refused", Some(hook));
    let err = ops::apply(&target, &set("1"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the journal Var/Secure/ucsconf-journal.jsonl could not be written")
            && err.contains(&format!("{PRESENCE} was not changed")),
        "{err}"
    );
    assert_eq!(fs::read(root.join(PRESENCE)).unwrap(), SEED);
    let dir = root.join(PRESENCE);
    let dir = dir.parent().unwrap();
    assert_eq!(names_in(dir), ["Presence.ini"], "no backup, no temp file");
    let journal = fs::read_to_string(journal_of(&root)).unwrap();
    assert!(
        journal.lines().all(|l| l == "{}"),
        "only the other writer's lines: {journal}"
    );
}

#[tokio::test]
async fn a_file_changed_at_the_last_moment_leaves_the_journal_unchanged() {
    let Some(sshd) = Sshd::start() else { return };
    let root = sshd.root("journal-conflict");
    let presence = root.join(PRESENCE);
    let hook = LastCheckHook::new(move |path| {
        if path.ends_with("Presence.ini") {
            fs::write(&presence, support::THEIRS).unwrap();
        }
    });
    let (_node, target, root) = seeded(&sshd, "journal-conflict", Some(hook));
    let err = ops::apply(&target, &set("1")).await.unwrap_err();
    assert_eq!(err.class(), ucsconf::ErrorClass::Conflict, "{err}");
    assert_eq!(fs::read(root.join(PRESENCE)).unwrap(), support::THEIRS);
    assert_eq!(fs::read(journal_of(&root)).unwrap(), b"", "no record");
    assert!(backups_in(&root.join("Var/Secure")).is_empty());
    assert!(
        backups_in(root.join(PRESENCE).parent().unwrap()).is_empty(),
        "no backup of a write that did not happen"
    );
}

#[tokio::test]
async fn another_writer_appending_first_costs_a_retry_and_keeps_both_records() {
    let Some(sshd) = Sshd::start() else { return };
    let root = sshd.root("journal-retry");
    let theirs = journal_of(&root);
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let line = r#"{"v":1,"change":"0000beef","time":"2026-12-04T06:00:00.000Z","user":"other","host":"pc","file":"presence","path":"Apps/Presence/Settings/Presence.ini","fields":[],"backup":null,"before":null,"after":null,"ucsconf":"0"}"#;
    let hook = LastCheckHook::new(move |path| {
        if path.ends_with("ucsconf-journal.jsonl") && seen.fetch_add(1, Ordering::SeqCst) == 0 {
            fs::write(&theirs, format!("{line}\n")).unwrap();
        }
    });
    let (node, target, root) = seeded(&sshd, "journal-retry", Some(hook));
    ops::apply(&target, &set("1")).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2, "one retry");
    let journal = Journal::read(&*node, &Paths::default().journal)
        .await
        .unwrap();
    let changes: Vec<&str> = journal.records.iter().map(|r| r.change.as_str()).collect();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(changes[0], "0000beef");
    let dir = root.join(PRESENCE);
    let backups = backups_in(dir.parent().unwrap());
    assert_eq!(backups.len(), 1, "one backup, of the write that happened");
    assert_eq!(
        journal.records[1].backup.as_deref(),
        Some(backups[0].as_str())
    );
}
