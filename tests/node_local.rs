//! The local node's write path: atomic replace, backups, conflicts, permissions.

mod support;

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
