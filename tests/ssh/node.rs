//! Files over SSH against a real OpenSSH server: byte-exact reads and
//! atomic replaces, backups, conflicts, no temp files left, reconnection,
//! and many nodes at once.

use crate::support;

use std::fs;
use std::sync::Arc;

use support::sshd::{self, Settings, Sshd};
use support::{isolated_options, names_in, spec_for};
use ucsconf::ErrorClass;
use ucsconf::node::ssh::SshNode;
use ucsconf::node::{Expected, Node, NodeError};

const FILE: &str = "Apps/Presence/Settings/Presence.ini";
const MIB: u64 = 1 << 20;

fn node(sshd: &Sshd, name: &str) -> (SshNode, std::path::PathBuf) {
    let root = sshd.root(name);
    let spec = spec_for(sshd, name, &root);
    (SshNode::new(&spec, isolated_options(sshd)), root)
}

fn no_temp_files(dir: &std::path::Path) {
    let names = names_in(dir);
    assert!(
        !names.iter().any(|n| n.ends_with(".tmp")),
        "temp file left: {names:?}"
    );
}

#[tokio::test]
async fn reads_and_replaces_byte_exact_including_crlf_bom_and_large_files() {
    let Some(sshd) = Sshd::start() else { return };
    let (node, root) = node(&sshd, "exact");
    let local = root.join(FILE);
    assert!(node.read(FILE, MIB).await.unwrap().is_none());

    let crlf_bom = b"\xEF\xBB\xBF[Presence]\r\nWebexPresence.Enable = 1\r\n; \xC3\xA9t\xC3\xA9\r\nlast=no newline".to_vec();
    let written = node
        .replace(FILE, &crlf_bom, &Expected::Absent, false)
        .await
        .unwrap();
    assert_eq!(written.backup, None);
    assert_eq!(fs::read(&local).unwrap(), crlf_bom);
    let snap = node.read(FILE, MIB).await.unwrap().unwrap();
    assert_eq!(snap.bytes, crlf_bom);
    assert_eq!(
        Some(snap.version.clone()),
        written.version,
        "the written version is what a read sees"
    );

    // Bigger than one SFTP read or write: every byte value, in an odd length.
    let big: Vec<u8> = (0..300_001u32).map(|i| (i * 7 % 256) as u8).collect();
    let w = node
        .replace(FILE, &big, &Expected::Version(snap.version), false)
        .await
        .unwrap();
    assert_eq!(fs::read(&local).unwrap(), big);
    assert_eq!(fs::read(w.backup.unwrap()).unwrap(), crlf_bom);
    let again = node.read(FILE, MIB).await.unwrap().unwrap();
    assert_eq!(again.bytes, big);
    assert_eq!(
        node.read_at(FILE, 299_990, 100).await.unwrap(),
        big[299_990..]
    );
    assert_eq!(
        node.read_at(FILE, 70_000, 5).await.unwrap(),
        big[70_000..70_005]
    );

    let err = node.read(FILE, 1000).await.unwrap_err();
    assert!(
        matches!(err, NodeError::TooLarge { size: 300_001, .. }),
        "{err}"
    );
    assert_eq!(err.class(), ErrorClass::Invalid);

    let stat = node.stat(FILE).await.unwrap().unwrap();
    assert_eq!(stat.len, 300_001);
    assert_eq!(stat.mtime, again.version.mtime);
    assert!(node.stat("Apps/none.ini").await.unwrap().is_none());
    no_temp_files(local.parent().unwrap());
}

#[tokio::test]
async fn keeps_five_backups_and_the_files_modes() {
    let Some(sshd) = Sshd::start() else { return };
    let (node, root) = node(&sshd, "backups");
    let local = root.join(FILE);
    node.replace(FILE, b"v0", &Expected::Absent, false)
        .await
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&local, fs::Permissions::from_mode(0o640)).unwrap();
    }
    for i in 1..=7 {
        let snap = node.read(FILE, MIB).await.unwrap().unwrap();
        let w = node
            .replace(
                FILE,
                format!("v{i}").as_bytes(),
                &Expected::Version(snap.version),
                false,
            )
            .await
            .unwrap();
        assert_eq!(
            fs::read(w.backup.unwrap()).unwrap(),
            format!("v{}", i - 1).as_bytes()
        );
    }
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
    no_temp_files(local.parent().unwrap());

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&local), 0o640, "a replaced file keeps its mode");
        let key = "Var/Secure/ucsconf.key";
        node.replace(key, &[7u8; 32], &Expected::Absent, true)
            .await
            .unwrap();
        assert_eq!(mode(&root.join(key)), 0o600, "a private file is 0600");
    }
}

#[tokio::test]
async fn a_file_changed_after_reading_is_a_conflict_and_nothing_is_written() {
    let Some(sshd) = Sshd::start() else { return };
    let (node, root) = node(&sshd, "conflict");
    let local = root.join(FILE);
    node.replace(FILE, b"[A]\nk=1\n", &Expected::Absent, false)
        .await
        .unwrap();
    let snap = node.read(FILE, MIB).await.unwrap().unwrap();

    // Someone else edits the file on the node, same size.
    fs::write(&local, b"[A]\nk=2\n").unwrap();
    let err = node
        .replace(
            FILE,
            b"[A]\nk=3\n",
            &Expected::Version(snap.version.clone()),
            false,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::Conflict { .. }), "{err}");
    assert_eq!(err.class(), ErrorClass::Conflict);
    assert_eq!(fs::read(&local).unwrap(), b"[A]\nk=2\n");
    let err = node.remove(FILE, &snap.version).await.unwrap_err();
    assert!(matches!(err, NodeError::Conflict { .. }), "{err}");
    assert!(local.exists());

    let err = node
        .replace(FILE, b"new", &Expected::Absent, false)
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::AlreadyExists { .. }), "{err}");
    assert_eq!(fs::read(&local).unwrap(), b"[A]\nk=2\n");
    let names = names_in(local.parent().unwrap());
    assert_eq!(
        names,
        ["Presence.ini"],
        "no backup, no temp file: {names:?}"
    );

    let current = node.read(FILE, MIB).await.unwrap().unwrap();
    let w = node.remove(FILE, &current.version).await.unwrap();
    assert!(!local.exists());
    assert_eq!(fs::read(w.backup.unwrap()).unwrap(), b"[A]\nk=2\n");
}

#[tokio::test]
async fn without_posix_rename_nothing_is_written_and_a_failed_write_leaves_no_temp_file() {
    // A server that offers neither posix-rename nor hardlink, and refuses renames.
    let settings = Settings {
        sftp_flags: "-P posix-rename,hardlink,rename".into(),
        ..Settings::default()
    };
    let Some(sshd) = Sshd::start_with(settings) else {
        return;
    };
    let (node, root) = node(&sshd, "denied");
    let local = root.join(FILE);
    let dir = local.parent().unwrap();
    fs::create_dir_all(dir).unwrap();
    fs::write(&local, b"old").unwrap();
    let snap = node.read(FILE, MIB).await.unwrap().unwrap();
    let err = node
        .replace(
            FILE,
            b"new",
            &Expected::Version(snap.version.clone()),
            false,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::PosixRenameMissing { .. }), "{err}");
    assert!(
        err.to_string().contains("posix-rename@openssh.com"),
        "{err}"
    );
    assert_eq!(fs::read(&local).unwrap(), b"old");
    assert_eq!(
        names_in(dir),
        ["Presence.ini"],
        "refused before writing anything"
    );

    // Creating needs no posix-rename, but here the rename itself is refused:
    // the failure comes after the temp file was written, and is the same
    // refusal (the admin may allow writing in place).
    let err = node
        .replace("Apps/new.ini", b"x", &Expected::Absent, false)
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::PosixRenameMissing { .. }), "{err}");
    assert_eq!(
        names_in(&root.join("Apps")),
        ["Presence"],
        "no temp file, no new file"
    );

    // Allowed explicitly: backed up, checked, then overwritten in place.
    let mut options = isolated_options(&sshd);
    options.allow_in_place = true;
    let in_place = SshNode::new(&spec_for(&sshd, "denied", &root), options);
    let w = in_place
        .replace(
            FILE,
            b"new content",
            &Expected::Version(snap.version),
            false,
        )
        .await
        .unwrap();
    assert_eq!(fs::read(&local).unwrap(), b"new content");
    assert_eq!(fs::read(w.backup.unwrap()).unwrap(), b"old");
    assert_eq!(
        in_place.read(FILE, MIB).await.unwrap().unwrap().version,
        w.version.unwrap()
    );
    no_temp_files(dir);

    // A new file is created in place too, and never over one that appeared.
    in_place
        .replace("Apps/new.ini", b"x", &Expected::Absent, false)
        .await
        .unwrap();
    assert_eq!(fs::read(root.join("Apps/new.ini")).unwrap(), b"x");
    let err = in_place
        .replace("Apps/new.ini", b"y", &Expected::Absent, false)
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::AlreadyExists { .. }), "{err}");
    assert_eq!(fs::read(root.join("Apps/new.ini")).unwrap(), b"x");
    assert_eq!(names_in(&root.join("Apps")), ["Presence", "new.ini"]);
}

/// A server without posix-rename, hardlink or rename, and a node on it whose
/// in-place question is answered by `answer` (called with the node's name).
fn without_posix_rename(
    answer: impl Fn(&str) -> bool + Send + Sync + 'static,
) -> Option<(Sshd, SshNode, std::path::PathBuf)> {
    let settings = Settings {
        sftp_flags: "-P posix-rename,hardlink,rename".into(),
        ..Settings::default()
    };
    let sshd = Sshd::start_with(settings)?;
    let root = sshd.root("asked");
    let mut options = isolated_options(&sshd);
    options.confirm_in_place = Some(Arc::new(answer));
    let node = SshNode::new(&spec_for(&sshd, "asked", &root), options);
    Some((sshd, node, root))
}

#[tokio::test]
async fn asked_in_place_a_no_writes_nothing_and_a_yes_holds_for_the_node() {
    let asked = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let answers = Arc::new(std::sync::Mutex::new(vec![true, false]));
    let (log, next) = (asked.clone(), answers.clone());
    let Some((_sshd, node, root)) = without_posix_rename(move |name| {
        log.lock().unwrap().push(name.to_string());
        next.lock().unwrap().pop().unwrap()
    }) else {
        return;
    };
    let local = root.join(FILE);
    let dir = local.parent().unwrap();
    fs::create_dir_all(dir).unwrap();
    fs::write(&local, b"old").unwrap();
    let snap = node.read(FILE, MIB).await.unwrap().unwrap();
    let expected = Expected::Version(snap.version);

    let err = node
        .replace(FILE, b"new", &expected, false)
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::PosixRenameMissing { .. }), "{err}");
    assert_eq!(*asked.lock().unwrap(), ["asked"]);
    assert!(!node.in_place_allowed());
    assert_eq!(fs::read(&local).unwrap(), b"old");
    assert_eq!(names_in(dir), ["Presence.ini"], "nothing written");

    // Asked again (a no is not remembered by the node); a yes retries the same write.
    let w = node.replace(FILE, b"new", &expected, false).await.unwrap();
    assert_eq!(asked.lock().unwrap().len(), 2);
    assert!(node.in_place_allowed());
    assert_eq!(fs::read(&local).unwrap(), b"new");
    assert_eq!(fs::read(w.backup.unwrap()).unwrap(), b"old");
    no_temp_files(dir);

    // Later writes go in place without asking.
    let snap = node.read(FILE, MIB).await.unwrap().unwrap();
    node.replace(FILE, b"newer", &Expected::Version(snap.version), false)
        .await
        .unwrap();
    assert_eq!(fs::read(&local).unwrap(), b"newer");
    assert_eq!(asked.lock().unwrap().len(), 2, "not asked again");
    assert!(answers.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_file_changed_while_the_admin_decided_is_a_conflict_in_place_too() {
    let changed = Arc::new(std::sync::Mutex::new(None::<std::path::PathBuf>));
    let target = changed.clone();
    // The admin takes their time: someone else saves the file meanwhile.
    let Some((_sshd, node, root)) = without_posix_rename(move |_| {
        let path = target.lock().unwrap().clone().unwrap();
        fs::write(path, b"theirs").unwrap();
        true
    }) else {
        return;
    };
    let local = root.join(FILE);
    let dir = local.parent().unwrap();
    fs::create_dir_all(dir).unwrap();
    fs::write(&local, b"old").unwrap();
    *changed.lock().unwrap() = Some(local.clone());
    let snap = node.read(FILE, MIB).await.unwrap().unwrap();

    let err = node
        .replace(FILE, b"mine", &Expected::Version(snap.version), false)
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::Conflict { .. }), "{err}");
    assert_eq!(err.class(), ErrorClass::Conflict);
    assert_eq!(fs::read(&local).unwrap(), b"theirs", "their save survives");
    assert_eq!(names_in(dir), ["Presence.ini"], "no backup, no temp file");
    assert!(node.in_place_allowed(), "the yes holds for the next write");
}

#[tokio::test]
async fn a_server_with_posix_rename_is_never_asked_about_in_place() {
    let Some(sshd) = Sshd::start() else { return };
    let root = sshd.root("atomic");
    let mut options = isolated_options(&sshd);
    options.confirm_in_place = Some(Arc::new(|_: &str| panic!("asked")));
    let node = SshNode::new(&spec_for(&sshd, "atomic", &root), options);
    fs::create_dir_all(root.join("Apps")).unwrap();
    fs::write(root.join("Apps/a.ini"), b"a").unwrap();
    let snap = node.read("Apps/a.ini", MIB).await.unwrap().unwrap();
    node.replace("Apps/a.ini", b"b", &Expected::Version(snap.version), false)
        .await
        .unwrap();
    assert_eq!(fs::read(root.join("Apps/a.ini")).unwrap(), b"b");
    assert!(!node.in_place_allowed());
}

#[tokio::test]
async fn the_node_records_how_long_connecting_took() {
    let Some(sshd) = Sshd::start() else { return };
    let (node, _root) = node(&sshd, "timed");
    let logged = ucsconf::node::logged::logged(Arc::new(node.clone()));
    assert_eq!(node.stats().last_connect, None);
    assert_eq!(logged.connect_time(), None, "not connected yet");
    logged.round_trip().await.unwrap();
    let first = node.stats().last_connect.expect("connected");
    assert!(first > std::time::Duration::ZERO);
    assert_eq!(
        logged.connect_time(),
        Some(first),
        "seen through the wrapper"
    );
    node.round_trip().await.unwrap();
    assert_eq!(node.stats().last_connect, Some(first), "no new connection");

    assert!(sshd.drop_connections() > 0);
    node.round_trip().await.unwrap();
    assert_eq!(node.stats().connections, 2);
    let second = node.stats().last_connect.expect("connected again");
    assert!(second > std::time::Duration::ZERO);
}

#[tokio::test]
async fn reconnects_once_after_the_connection_dropped() {
    let Some(sshd) = Sshd::start() else { return };
    let (node, root) = node(&sshd, "reconnect");
    fs::create_dir_all(root.join("Apps")).unwrap();
    fs::write(root.join("Apps/a.ini"), b"a").unwrap();
    assert_eq!(
        node.read("Apps/a.ini", MIB).await.unwrap().unwrap().bytes,
        b"a"
    );
    assert_eq!(node.stats().connections, 1);
    assert!(node.round_trip().await.is_ok());
    assert_eq!(node.stats().connections, 1, "one connection reused");

    assert!(sshd.drop_connections() > 0, "the session process was found");
    let snap = node.read("Apps/a.ini", MIB).await.unwrap().unwrap();
    assert_eq!(snap.bytes, b"a");
    assert_eq!(node.stats().connections, 2);

    // A replace that finds the connection gone before it changed anything
    // is run again on a new one, pipelined or not.
    assert!(sshd.drop_connections() > 0);
    node.replace("Apps/a.ini", b"b", &Expected::Version(snap.version), false)
        .await
        .unwrap();
    assert_eq!(fs::read(root.join("Apps/a.ini")).unwrap(), b"b");
    assert_eq!(node.stats().connections, 3);
}

#[tokio::test]
async fn round_trips_of_a_read_and_a_replace() {
    let Some(sshd) = Sshd::start() else { return };
    let (node, root) = node(&sshd, "trips");
    fs::create_dir_all(root.join("Apps")).unwrap();
    fs::write(root.join("Apps/a.ini"), vec![b'x'; 5000]).unwrap();
    node.connect().await.unwrap();
    let before = node.stats().sftp;
    let snap = node.read("Apps/a.ini", MIB).await.unwrap().unwrap();
    let used = node.stats().sftp - before;
    // open; fstat with two reads (data, end of file); the close is sent
    // without waiting for its answer.
    assert_eq!((used.round_trips, used.requests), (2, 5), "{used:?}");

    let before = node.stats().sftp;
    node.replace("Apps/a.ini", b"y", &Expected::Version(snap.version), false)
        .await
        .unwrap();
    let used = node.stats().sftp - before;
    // Pipelined: open the file, the folder, the temp file and the backup
    // (1); read the file, list the folder, write the temp file, open the
    // file again (2); finish the backup and the temp file, read the file
    // again (3); rename (4).
    assert_eq!((used.round_trips, used.requests), (4, 26), "{used:?}");

    // Again and again within a second or so: every backup gets a name of its
    // own, and from the sixth on the oldest is pruned with the rename.
    for i in 0..7 {
        let before = node.stats().sftp;
        let snap = node.read("Apps/a.ini", MIB).await.unwrap().unwrap();
        node.replace(
            "Apps/a.ini",
            format!("v{i}").as_bytes(),
            &Expected::Version(snap.version),
            false,
        )
        .await
        .unwrap();
        let used = node.stats().sftp - before;
        assert_eq!(
            used.round_trips, 6,
            "a set (read and replace) {i}: {used:?}"
        );
    }
    let backups = fs::read_dir(root.join("Apps"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".bak")
        })
        .count();
    assert_eq!(backups, 5, "the newest five backups are kept");
    assert_eq!(fs::read(root.join("Apps/a.ini")).unwrap(), b"v6");
}

/// Reads close their handles without waiting for the answer: the server
/// must still get every close (a leaked handle is an open file on the node,
/// and a log tail reads every second for hours).
#[cfg(target_os = "linux")]
#[tokio::test]
async fn reads_leave_no_open_handles_on_the_server() {
    let Some(sshd) = Sshd::start() else { return };
    let (node, root) = node(&sshd, "handles");
    fs::create_dir_all(root.join("Apps")).unwrap();
    fs::write(root.join("Apps/a.ini"), b"abc").unwrap();
    node.read("Apps/a.ini", MIB).await.unwrap().unwrap();
    node.round_trip().await.unwrap();
    let before = sshd.open_files_under(&root);
    for _ in 0..20 {
        node.read("Apps/a.ini", MIB).await.unwrap().unwrap();
        node.read_at("Apps/a.ini", 1, 10).await.unwrap();
        node.stat("Apps").await.unwrap();
    }
    let snap = node.read("Apps/a.ini", MIB).await.unwrap().unwrap();
    node.replace(
        "Apps/a.ini",
        b"new",
        &Expected::Version(snap.version),
        false,
    )
    .await
    .unwrap();
    // Every request sent before this answer was handled before it.
    node.round_trip().await.unwrap();
    assert_eq!(node.stats().connections, 1);
    assert_eq!(sshd.open_files_under(&root), before, "no handle left open");
    assert_eq!(before, 0);
}

#[tokio::test]
async fn twenty_nodes_at_once_and_one_down() {
    let Some(sshd) = Sshd::start() else { return };
    let mut nodes: Vec<(Arc<SshNode>, std::path::PathBuf)> = (0..20)
        .map(|i| {
            let (n, root) = node(&sshd, &format!("n{i}"));
            (Arc::new(n), root)
        })
        .collect();
    let mut down_spec = spec_for(&sshd, "down", &sshd.root("down"));
    down_spec.port = Some(sshd::closed_port());
    let down = Arc::new(SshNode::new(&down_spec, isolated_options(&sshd)));
    nodes.push((down, sshd.root("down")));

    let tasks: Vec<_> = nodes
        .iter()
        .map(|(n, _)| {
            let n = n.clone();
            tokio::spawn(async move {
                let content = format!("[Presence]\nNode={}\n", n.name());
                n.replace(FILE, content.as_bytes(), &Expected::Absent, false)
                    .await?;
                n.read(FILE, MIB).await
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    for ((n, root), result) in nodes.iter().zip(&results).take(20) {
        let expected = format!("[Presence]\nNode={}\n", n.name());
        assert_eq!(
            result.as_ref().unwrap().as_ref().unwrap().bytes,
            expected.as_bytes()
        );
        assert_eq!(fs::read(root.join(FILE)).unwrap(), expected.as_bytes());
    }
    let err = results[20].as_ref().unwrap_err();
    assert!(matches!(err, NodeError::Unreachable(_)), "{err}");
    assert!(err.to_string().contains("cannot connect"), "{err}");
    assert!(!sshd.root("down").join(FILE).exists());
}

#[tokio::test]
async fn a_write_removes_what_interrupted_writes_left_behind() {
    let Some(sshd) = Sshd::start() else { return };
    let (node, root) = node(&sshd, "leftovers");
    node.replace(FILE, b"v0", &Expected::Absent, false)
        .await
        .unwrap();
    let snap = node.read(FILE, MIB).await.unwrap().unwrap();
    let write = async {
        node.replace(FILE, b"v1", &Expected::Version(snap.version), false)
            .await
            .unwrap();
    };
    let dir = root.join(FILE);
    support::stale_temps_are_removed_by_a_write(dir.parent().unwrap(), "Presence.ini", write).await;
}

#[tokio::test]
async fn a_save_refused_at_the_last_check_leaves_the_folder_as_it_was() {
    let Some(sshd) = Sshd::start() else { return };
    let root = sshd.root("last");
    let moment = support::LastMoment::new(&root.join(FILE));
    let mut options = isolated_options(&sshd);
    options.before_last_check = Some(moment.hook());
    let node = SshNode::new(&spec_for(&sshd, "last", &root), options);
    support::refused_at_the_last_check_leaves_the_folder_as_it_was(&node, FILE, &moment).await;
    no_temp_files(root.join(FILE).parent().unwrap());
}

#[tokio::test]
async fn in_place_too_a_save_refused_at_the_last_check_leaves_the_folder_as_it_was() {
    let settings = Settings {
        sftp_flags: "-P posix-rename,hardlink,rename".into(),
        ..Settings::default()
    };
    let Some(sshd) = Sshd::start_with(settings) else {
        return;
    };
    let root = sshd.root("last-in-place");
    let moment = support::LastMoment::new(&root.join(FILE));
    let mut options = isolated_options(&sshd);
    options.allow_in_place = true;
    options.before_last_check = Some(moment.hook());
    let node = SshNode::new(&spec_for(&sshd, "last-in-place", &root), options);
    support::refused_at_the_last_check_leaves_the_folder_as_it_was(&node, FILE, &moment).await;
}

#[tokio::test]
async fn the_backup_just_made_outlives_backups_named_in_the_future() {
    let Some(sshd) = Sshd::start() else { return };
    let (node, root) = node(&sshd, "future");
    support::the_backup_just_made_outlives_backups_named_in_the_future(
        &node,
        FILE,
        &root.join(FILE),
    )
    .await;
}

#[tokio::test]
async fn without_hardlink_a_new_file_claims_its_name_and_never_renames_over_one() {
    // A plain SFTP rename is the server's to get right (some overwrite an
    // existing file). Here the server offers neither hardlink nor a plain
    // rename: the name is claimed by an exclusive create, and posix-rename
    // replaces only that empty claim.
    let settings = Settings {
        sftp_flags: "-P hardlink,rename".into(),
        ..Settings::default()
    };
    let Some(sshd) = Sshd::start_with(settings) else {
        return;
    };
    let (node, root) = node(&sshd, "nolink");
    const KEY: &str = "Var/Secure/ucsconf.key";
    node.replace(KEY, b"0123456789abcdef", &Expected::Absent, true)
        .await
        .unwrap();
    let local = root.join(KEY);
    assert_eq!(fs::read(&local).unwrap(), b"0123456789abcdef");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&local).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    no_temp_files(local.parent().unwrap());

    // Created meanwhile by another writer: refused, the file untouched.
    let err = node
        .replace(KEY, b"fedcba9876543210", &Expected::Absent, true)
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::AlreadyExists { .. }), "{err}");
    assert_eq!(fs::read(&local).unwrap(), b"0123456789abcdef");
    no_temp_files(local.parent().unwrap());
}

#[tokio::test]
async fn doctor_checks_over_sftp_that_the_node_key_is_private() {
    // Before, SshNode could not tell, and doctor said nothing on SSH nodes.
    let Some(sshd) = Sshd::start() else { return };
    let root = sshd.root("keyed");
    let spec = spec_for(&sshd, "keyed", &root);
    let target = spec.target_with(&isolated_options(&sshd));
    ucsconf::ops::node_key(&target, true)
        .await
        .unwrap()
        .unwrap();
    let key = root.join("Var/Secure/ucsconf.key");
    let about_the_key = |findings: &[ucsconf::doctor::Finding]| {
        findings
            .iter()
            .filter(|f| f.what.contains("ucsconf.key"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        target.node.readers("Var/Secure/ucsconf.key").await.unwrap(),
        ucsconf::node::Readers::OwnerOnly
    );
    assert!(about_the_key(&ucsconf::doctor::check(&target).await).is_empty());

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    }
    let found = about_the_key(&ucsconf::doctor::check(&target).await);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].severity, ucsconf::doctor::Severity::Problem);
    assert!(
        found[0]
            .what
            .contains("readable by other users (its mode is 0644)"),
        "{:?}",
        found[0]
    );
    assert_eq!(
        found[0].fix.to_string(),
        format!("chmod 600 {} on the node", key.display())
    );
    assert_eq!(
        target
            .node
            .owner_only("Var/Secure/ucsconf.key")
            .await
            .unwrap(),
        Some(false)
    );
}

/// Where the crash test's writer finds its server: `port|user|key|known_hosts|root`.
const CRASH_VAR: &str = "UCSCONF_SSH_CRASH_CHILD";
/// What the writer prints once it is connected and about to write.
const WRITING: &[u8] = b"ucsconf-ssh-crash-child: writing\n";

/// Two large, different contents, so a kill often lands mid-write.
fn crash_content(which: u8) -> Vec<u8> {
    let line = format!("[General]\r\nValue{which}=The quick brown fox {which}\r\n");
    line.repeat(2 * 1024).into_bytes()
}

#[tokio::test]
#[ignore = "run by a_killed_writer_leaves_the_old_or_the_new_file_over_sftp as its writer"]
async fn ssh_crash_child_writer() {
    use std::io::Write;
    let Ok(target) = std::env::var(CRASH_VAR) else {
        return;
    };
    let [port, user, key, known_hosts, root]: [&str; 5] =
        target.split('|').collect::<Vec<_>>().try_into().unwrap();
    let spec = ucsconf::inventory::NodeSpec {
        name: "crash".into(),
        host: Some("127.0.0.1".into()),
        port: Some(port.parse().unwrap()),
        user: Some(user.into()),
        identity_file: Some(key.into()),
        known_hosts: Some(known_hosts.into()),
        root: root.into(),
        paths: ucsconf::paths::Paths::default(),
        cloud_token_url: None,
        cloud_scope: None,
        groups: Vec::new(),
        proxy_jump: None,
        origins: Default::default(),
    };
    let options = ucsconf::node::ssh::SshOptions {
        ssh_config: Some(std::path::PathBuf::from(root).join("no_ssh_config")),
        agent: ucsconf::node::ssh::AgentSource::Disabled,
        default_identities: Some(Vec::new()),
        system_known_hosts: Vec::new(),
        ..Default::default()
    };
    let node = SshNode::new(&spec, options);
    node.connect().await.unwrap();
    #[allow(clippy::disallowed_methods)] // The child's protocol with the test, not a node's text.
    let mut out = std::io::stdout();
    out.write_all(WRITING).and_then(|_| out.flush()).unwrap();
    let mut i: u8 = 0;
    loop {
        let snap = node.read(FILE, 1 << 24).await.unwrap();
        let expected = Expected::from_snapshot(snap.as_ref());
        node.replace(FILE, &crash_content(i % 2), &expected, false)
            .await
            .unwrap();
        i = i.wrapping_add(1);
    }
}

/// The pipelined replace keeps the crash guarantee: a writer killed at any
/// moment (SIGKILL) leaves the file with the old or the new content, whole.
#[test]
fn a_killed_writer_leaves_the_old_or_the_new_file_over_sftp() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let Some(sshd) = Sshd::start() else { return };
    let root = sshd.root("crash");
    let local = root.join(FILE);
    fs::create_dir_all(local.parent().unwrap()).unwrap();
    fs::write(&local, crash_content(1)).unwrap();
    let target = format!(
        "{}|{}|{}|{}|{}",
        sshd.port,
        sshd::current_user(),
        sshd.client_key.display(),
        sshd.known_hosts().display(),
        root.display()
    );
    let (a, b) = (crash_content(0), crash_content(1));
    let me = std::env::current_exe().unwrap();
    let writer = support::test_name(module_path!(), "ssh_crash_child_writer");
    let mut replaced = 0;
    for round in 0..30u64 {
        let before = fs::read(&local).unwrap();
        let mut child = Command::new(&me)
            .args(["--exact", &writer, "--ignored", "--test-threads=1"])
            .env(CRASH_VAR, &target)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap());
        let mut line = Vec::new();
        while !line.ends_with(WRITING) {
            line.clear();
            let read = lines.read_until(b'\n', &mut line).unwrap();
            assert!(read > 0, "the writer stopped before writing");
        }
        // Vary the moment of the kill across rounds; the exact timing does not matter.
        std::thread::sleep(std::time::Duration::from_millis(5 + (round * 13) % 150));
        child.kill().unwrap();
        child.wait().unwrap();
        // The server finishes what it was sent, then its session ends.
        std::thread::sleep(std::time::Duration::from_millis(50));
        let bytes = fs::read(&local).unwrap();
        assert!(
            bytes == a || bytes == b,
            "round {round}: the file is neither the old nor the new content ({} bytes)",
            bytes.len()
        );
        replaced += usize::from(bytes != before);
    }
    assert!(
        replaced > 5,
        "the writer rarely got to replace ({replaced} of 30 rounds)"
    );
}
