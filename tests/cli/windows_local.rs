//! Local nodes on Windows: the access list of private files, and replacing a
//! file another program holds open (a save that fails there leaves no
//! backup). Compiled and run on Windows only.
#![cfg(windows)]

use crate::support;

use std::fs::{self, OpenOptions};
use std::os::windows::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

use ucsconf::node::{Expected, LocalNode, Node};

const KEY: &str = "Var/Secure/ucsconf.key";
const STORE: &str = "Var/Secure/CloudServices.json";
const INI: &str = "Apps/Presence/Settings/Presence.ini";
/// FILE_SHARE_READ only: how a program that reads a file without letting it
/// be renamed or deleted opens it (.NET's default).
const SHARE_READ: u32 = 1;

fn names(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect()
}

#[tokio::test]
async fn private_files_and_their_backups_are_private_and_readable_back() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let node = LocalNode::new("n", dir.path());
    node.replace(KEY, &[7; 32], &Expected::Absent, true)
        .await
        .unwrap();
    assert_eq!(node.owner_only(KEY).await.unwrap(), Some(true));
    assert_eq!(fs::read(node.resolve(KEY)).unwrap(), [7; 32]);

    node.replace(STORE, b"{\"v\":1}", &Expected::Absent, true)
        .await
        .unwrap();
    let snap = node.read(STORE, 1 << 20).await.unwrap().unwrap();
    let written = node
        .replace(STORE, b"{\"v\":2}", &Expected::Version(snap.version), true)
        .await
        .unwrap();
    let backup = written.backup.expect("a backup of the old store");
    let backup_name = Path::new(&backup).file_name().unwrap().to_str().unwrap();
    let relative = format!("Var/Secure/{backup_name}");
    assert_eq!(node.owner_only(&relative).await.unwrap(), Some(true));
}

#[tokio::test]
async fn a_file_held_open_for_a_moment_is_replaced_once_it_is_free() {
    let dir = tempfile::tempdir().unwrap();
    let node = LocalNode::new("n", dir.path());
    node.replace(INI, b"[A]\nk=1\n", &Expected::Absent, false)
        .await
        .unwrap();
    let snap = node.read(INI, 1 << 20).await.unwrap().unwrap();
    let held = OpenOptions::new()
        .read(true)
        .share_mode(SHARE_READ)
        .open(node.resolve(INI))
        .unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        drop(held);
    });
    node.replace(INI, b"[A]\nk=2\n", &Expected::Version(snap.version), false)
        .await
        .unwrap();
    release.join().unwrap();
    assert_eq!(fs::read(node.resolve(INI)).unwrap(), b"[A]\nk=2\n");
}

#[tokio::test]
async fn a_file_that_stays_held_is_left_whole_and_the_error_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let node = LocalNode::new("n", dir.path());
    node.replace(INI, b"[A]\nk=1\n", &Expected::Absent, false)
        .await
        .unwrap();
    let snap = node.read(INI, 1 << 20).await.unwrap().unwrap();
    let local = node.resolve(INI);
    let _held = OpenOptions::new()
        .read(true)
        .share_mode(SHARE_READ)
        .open(&local)
        .unwrap();
    let error = node
        .replace(INI, b"[A]\nk=2\n", &Expected::Version(snap.version), false)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("Presence.ini"), "{error}");
    assert!(error.contains("another program"), "{error}");
    assert_eq!(fs::read(&local).unwrap(), b"[A]\nk=1\n");
    // No temporary file, and no backup: the write did not happen.
    assert_eq!(names(local.parent().unwrap()), ["Presence.ini"]);
}
