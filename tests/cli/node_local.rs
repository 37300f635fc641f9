//! The local node's write path: atomic replace, backups, conflicts, permissions.

use crate::support;

use std::fs;
use std::path::Path;

use ucsconf::ErrorClass;
use ucsconf::node::{Expected, LocalNode, Node, NodeError};

const FILE: &str = "Apps/Presence/Settings/Presence.ini";

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn creates_then_replaces_keeping_five_backups_and_no_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let node = LocalNode::new("n", dir.path());
    assert!(node.read(FILE, 1 << 20).await.unwrap().is_none());

    let written = node
        .replace(FILE, b"v0", &Expected::Absent, false)
        .await
        .unwrap();
    assert_eq!(written.backup, None, "nothing to back up on creation");
    for i in 1..=7 {
        let snap = node.read(FILE, 1 << 20).await.unwrap().unwrap();
        let next = format!("v{i}");
        let w = node
            .replace(
                FILE,
                next.as_bytes(),
                &Expected::Version(snap.version),
                false,
            )
            .await
            .unwrap();
        let backup = w.backup.expect("a backup of the previous content");
        assert_eq!(fs::read(&backup).unwrap(), format!("v{}", i - 1).as_bytes());
        assert_eq!(w.version.unwrap().size, next.len() as u64);
    }
    let local = node.resolve(FILE);
    assert_eq!(fs::read(&local).unwrap(), b"v7");
    let names = names_in(local.parent().unwrap());
    let backups: Vec<_> = names.iter().filter(|n| n.ends_with(".bak")).collect();
    assert_eq!(backups.len(), 5, "{names:?}");
    let kept: Vec<Vec<u8>> = backups
        .iter()
        .map(|b| fs::read(local.with_file_name(b)).unwrap())
        .collect();
    for v in ["v2", "v3", "v4", "v5", "v6"] {
        assert!(kept.contains(&v.as_bytes().to_vec()), "{v} should be kept");
    }
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
}

#[tokio::test]
async fn a_file_changed_after_reading_is_a_conflict_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let node = LocalNode::new("n", dir.path());
    node.replace(FILE, b"original", &Expected::Absent, false)
        .await
        .unwrap();
    let snap = node.read(FILE, 1 << 20).await.unwrap().unwrap();
    let local = node.resolve(FILE);
    fs::write(&local, b"changed by someone else").unwrap();

    let err = node
        .replace(
            FILE,
            b"mine",
            &Expected::Version(snap.version.clone()),
            false,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::Conflict { .. }), "{err}");
    assert_eq!(err.class(), ErrorClass::Conflict);
    assert_eq!(fs::read(&local).unwrap(), b"changed by someone else");
    let names = names_in(local.parent().unwrap());
    assert_eq!(
        names,
        vec!["Presence.ini".to_string()],
        "no temp file, no backup"
    );

    let err = node.remove(FILE, &snap.version).await.unwrap_err();
    assert!(matches!(err, NodeError::Conflict { .. }));
    assert!(local.exists());
}

#[tokio::test]
async fn creating_over_an_existing_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let node = LocalNode::new("n", dir.path());
    node.replace(FILE, b"first", &Expected::Absent, false)
        .await
        .unwrap();
    let err = node
        .replace(FILE, b"second", &Expected::Absent, false)
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::AlreadyExists { .. }), "{err}");
    assert_eq!(fs::read(node.resolve(FILE)).unwrap(), b"first");
}

#[tokio::test]
async fn oversized_files_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let node = LocalNode::new("n", dir.path());
    node.replace(FILE, &[b'x'; 100], &Expected::Absent, false)
        .await
        .unwrap();
    let err = node.read(FILE, 99).await.unwrap_err();
    assert!(
        matches!(err, NodeError::TooLarge { size: 100, .. }),
        "{err}"
    );
    assert_eq!(err.class(), ErrorClass::Invalid);
}

#[tokio::test]
async fn remove_keeps_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let node = LocalNode::new("n", dir.path());
    node.replace(FILE, b"gone soon", &Expected::Absent, false)
        .await
        .unwrap();
    let snap = node.read(FILE, 1 << 20).await.unwrap().unwrap();
    let w = node.remove(FILE, &snap.version).await.unwrap();
    assert!(!node.resolve(FILE).exists());
    assert_eq!(fs::read(w.backup.unwrap()).unwrap(), b"gone soon");
}

#[cfg(unix)]
#[tokio::test]
async fn private_files_are_owner_only_and_replacements_keep_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let node = LocalNode::new("n", dir.path());
    node.replace("Var/Secure/ucsconf.key", &[7; 32], &Expected::Absent, true)
        .await
        .unwrap();
    let mode = fs::metadata(node.resolve("Var/Secure/ucsconf.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    node.replace(FILE, b"a", &Expected::Absent, false)
        .await
        .unwrap();
    let local = node.resolve(FILE);
    fs::set_permissions(&local, fs::Permissions::from_mode(0o640)).unwrap();
    let snap = node.read(FILE, 1 << 20).await.unwrap().unwrap();
    node.replace(FILE, b"b", &Expected::Version(snap.version), false)
        .await
        .unwrap();
    assert_eq!(
        fs::metadata(&local).unwrap().permissions().mode() & 0o777,
        0o640
    );
}

#[tokio::test]
async fn a_write_removes_what_interrupted_writes_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    let node = LocalNode::new("n", dir.path());
    node.replace(FILE, b"v0", &Expected::Absent, false)
        .await
        .unwrap();
    let local = node.resolve(FILE);
    let snap = node.read(FILE, 1 << 20).await.unwrap().unwrap();
    let write = async {
        node.replace(FILE, b"v1", &Expected::Version(snap.version), false)
            .await
            .unwrap();
    };
    support::stale_temps_are_removed_by_a_write(local.parent().unwrap(), "Presence.ini", write)
        .await;
}

#[tokio::test]
async fn a_save_refused_at_the_last_check_leaves_the_folder_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let plain = LocalNode::new("n", dir.path());
    let moment = support::LastMoment::new(&plain.resolve(FILE));
    let node = plain.with_last_check_hook(moment.hook());
    support::refused_at_the_last_check_leaves_the_folder_as_it_was(&node, FILE, &moment).await;
}

#[tokio::test]
async fn the_backup_just_made_outlives_backups_named_in_the_future() {
    let dir = tempfile::tempdir().unwrap();
    let node = LocalNode::new("n", dir.path());
    let file = node.resolve(FILE);
    support::the_backup_just_made_outlives_backups_named_in_the_future(&node, FILE, &file).await;
}

/// The owner, group and mode of every entry of a folder.
#[cfg(unix)]
fn dressed(dir: &Path) -> Vec<(String, u32, u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    names_in(dir)
        .into_iter()
        .map(|n| {
            let m = fs::metadata(dir.join(&n)).unwrap();
            (n, m.uid(), m.gid(), m.mode() & 0o7777)
        })
        .collect()
}

/// Who the test can give a file to besides itself: root gives uid and gid
/// 65534 (nobody, nogroup); others a group they are in besides their own.
#[cfg(unix)]
fn other_owner() -> Option<(Option<u32>, u32)> {
    // SAFETY: plain libc queries; the buffer is as long as told.
    unsafe {
        if libc::geteuid() == 0 {
            return Some((Some(65534), 65534));
        }
        let mut groups = vec![0 as libc::gid_t; 256];
        let n = libc::getgroups(groups.len() as libc::c_int, groups.as_mut_ptr());
        let primary = libc::getegid();
        groups[..n.max(0) as usize]
            .iter()
            .find(|g| **g != primary)
            .map(|g| (None, *g))
    }
}

#[cfg(unix)]
#[tokio::test]
async fn temp_files_and_backups_are_created_as_private_as_the_file_they_copy() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt, chown};
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().unwrap();
    // What the folder looks like at the last moment of each write, when the
    // temporary file and the backup are both there.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let hook = ucsconf::node::LastCheckHook::new(move |shown| {
        let folder = Path::new(shown).parent().unwrap();
        record.lock().unwrap().push(dressed(folder));
    });
    let node = LocalNode::new("n", dir.path()).with_last_check_hook(hook);
    let cases = [
        (FILE, 0o640, false),
        ("Var/Secure/CloudServices.json", 0o644, true),
    ];
    for (file, mode, private) in cases {
        node.replace(file, b"old", &Expected::Absent, private)
            .await
            .unwrap();
        let local = node.resolve(file);
        fs::set_permissions(&local, fs::Permissions::from_mode(mode)).unwrap();
        let other = other_owner();
        match other {
            Some((uid, gid)) => chown(&local, uid, Some(gid)).unwrap(),
            None => eprintln!("note: no other group to give the file to; only modes are checked"),
        }
        let old = fs::metadata(&local).unwrap();
        let snap = node.read(file, 1 << 20).await.unwrap().unwrap();
        seen.lock().unwrap().clear();
        let w = node
            .replace(file, b"new", &Expected::Version(snap.version), private)
            .await
            .unwrap();

        // A private file is 0600 from the start, and so is its backup; any
        // other file and its backup take the old file's mode.
        let final_mode = if private { 0o600 } else { mode };
        let at_last_moment = seen.lock().unwrap().pop().expect("the hook ran");
        let (temps, backups): (Vec<_>, Vec<_>) = at_last_moment
            .iter()
            .filter(|(n, ..)| n.ends_with(".tmp") || n.ends_with(".bak"))
            .partition(|(n, ..)| n.ends_with(".tmp"));
        assert_eq!((temps.len(), backups.len()), (1, 1), "{at_last_moment:?}");
        for (name, uid, gid, mode) in temps.iter().chain(&backups) {
            assert_eq!(*mode, final_mode, "{name}: {mode:o}");
            assert_eq!(
                (*uid, *gid),
                (old.uid(), old.gid()),
                "{name}: owner and group kept"
            );
        }
        let new = fs::metadata(&local).unwrap();
        assert_eq!(new.mode() & 0o7777, final_mode, "{file}");
        assert_eq!((new.uid(), new.gid()), (old.uid(), old.gid()), "{file}");
        let backup = fs::metadata(w.backup.unwrap()).unwrap();
        assert_eq!(backup.mode() & 0o7777, final_mode);
        if let Some((uid, gid)) = other {
            assert_eq!(new.gid(), gid);
            if let Some(uid) = uid {
                assert_eq!(new.uid(), uid);
            }
        }
    }
}
