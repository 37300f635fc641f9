//! Shared parts of the integration tests.
#![allow(dead_code)]

pub mod pty;
pub mod sshd;

use std::path::{Path, PathBuf};

use ucsconf::inventory::NodeSpec;
use ucsconf::node::ssh::{AgentSource, SshOptions};
use ucsconf::paths::Paths;

use sshd::Sshd;

/// Options that look at nothing of the user running the tests: no
/// `~/.ssh/config`, no agent, no default keys, no system known_hosts.
pub fn isolated_options(sshd: &Sshd) -> SshOptions {
    SshOptions {
        ssh_config: Some(sshd.dir.path().join("no_ssh_config")),
        agent: AgentSource::Disabled,
        default_identities: Some(Vec::new()),
        system_known_hosts: Vec::new(),
        ..SshOptions::default()
    }
}

/// A node on this server, logging in with its test key, trusting its host key.
pub fn spec_for(sshd: &Sshd, name: &str, root: &Path) -> NodeSpec {
    NodeSpec {
        name: name.to_string(),
        host: Some("127.0.0.1".into()),
        port: Some(sshd.port),
        user: Some(sshd::current_user()),
        identity_file: Some(sshd.client_key.display().to_string()),
        known_hosts: Some(sshd.known_hosts().display().to_string()),
        root: root.display().to_string(),
        paths: Paths::default(),
        cloud_token_url: None,
        cloud_scope: None,
        groups: Vec::new(),
        proxy_jump: None,
        origins: Default::default(),
    }
}

/// Why a test cannot run under Wine: it saves a private file.
pub const NO_ACLS: &str = ucsconf::platform::wine::NO_ACLS;

/// For a test that needs what Wine lacks (see the README): under Wine,
/// says so loudly and returns `true`: the test then returns.
pub fn skip_under_wine(needs: &str) -> bool {
    ucsconf::platform::wine::skip_test(needs)
}

/// The name the test harness gives test `name` of the module at
/// `module_path` (`module_path!()`): for a test that runs its own binary
/// with `--exact` (the crate's name is not part of it).
pub fn test_name(module_path: &str, name: &str) -> String {
    match module_path.split_once("::") {
        Some((_, module)) => format!("{module}::{name}"),
        None => name.to_string(),
    }
}

/// Names in a folder, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Plants what interrupted writes leave beside `file` (in `dir`), runs
/// `write` (a replace of `file`), and checks that exactly the temporary
/// files of that file older than an hour are gone: fresh ones may belong to
/// a write in progress, and other files are not ours.
pub async fn stale_temps_are_removed_by_a_write<F: std::future::Future<Output = ()>>(
    dir: &Path,
    file: &str,
    write: F,
) {
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 3600);
    let plant = |name: &str, stale: bool| {
        let path = dir.join(name);
        std::fs::write(&path, b"half a write").unwrap();
        if stale {
            let f = std::fs::File::options().write(true).open(&path).unwrap();
            f.set_modified(old).unwrap();
        }
        name.to_string()
    };
    let gone = plant(&format!(".{file}.ucsconf-999-aaaaaaaaaaaa.tmp"), true);
    let kept = [
        plant(&format!(".{file}.ucsconf-998-bbbbbbbbbbbb.tmp"), false),
        plant(".Other.ini.ucsconf-1-cccccccccccc.tmp", true),
        plant("notes.tmp", true),
    ];
    write.await;
    let names = names_in(dir);
    assert!(!names.contains(&gone), "{names:?}");
    for name in &kept {
        assert!(names.contains(name), "{name} should stay: {names:?}");
    }
}

/// A node root in a temporary folder, for running the command line on.
pub struct TempRoot {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
}

impl TempRoot {
    pub fn new() -> TempRoot {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(&root).unwrap();
        TempRoot { _dir: dir, root }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn write(&self, rel: &str, bytes: &[u8]) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }

    pub fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path(rel)).unwrap()
    }

    /// The names beside the file `rel` (backups and temp files show up here).
    pub fn siblings(&self, rel: &str) -> Vec<String> {
        names_in(self.path(rel).parent().unwrap())
    }

    /// `ucsconf --root ROOT`, away from the user's inventory and own log.
    pub fn command(&self) -> std::process::Command {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_ucsconf"));
        c.env_remove("UCSCONF_CONFIG")
            .env("UCSCONF_LOG", "off")
            .arg("--root")
            .arg(&self.root);
        c
    }
}

/// What a folder holds: each file's name and content (as text, readable
/// in a failed assertion).
pub fn contents_of(dir: &Path) -> std::collections::BTreeMap<String, String> {
    names_in(dir)
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).unwrap();
            (n, String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Another program that saves `file` (on disk) at the last moment of every
/// write of a node made with [`LastMoment::hook`], while armed.
#[derive(Clone)]
pub struct LastMoment {
    file: PathBuf,
    saves: std::sync::Arc<std::sync::Mutex<Option<Vec<u8>>>>,
    calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

pub const THEIRS: &[u8] = b"[Webex]\r\nWebexPresence.Enable=1\r\n; saved by someone else\r\n";

impl LastMoment {
    pub fn new(file: &Path) -> LastMoment {
        LastMoment {
            file: file.to_path_buf(),
            saves: Default::default(),
            calls: Default::default(),
        }
    }

    pub fn hook(&self) -> ucsconf::node::LastCheckHook {
        let me = self.clone();
        ucsconf::node::LastCheckHook::new(move |_| {
            me.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if let Some(bytes) = me.saves.lock().unwrap().as_ref() {
                std::fs::write(&me.file, bytes).unwrap();
            }
        })
    }

    /// From now on the other program saves `bytes` (`None`: it saves nothing).
    pub fn saves(&self, bytes: Option<&[u8]>) {
        *self.saves.lock().unwrap() = bytes.map(<[u8]>::to_vec);
    }

    pub fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A replace and a removal that meet another program's save at their last
/// check (`moment`, hooked into `node`) are conflicts that leave the folder
/// exactly as that program left it: no backup made, none pruned, no
/// temporary file. `rel` is the file on the node, `moment` saves it on disk.
pub async fn refused_at_the_last_check_leaves_the_folder_as_it_was(
    node: &dyn ucsconf::node::Node,
    rel: &str,
    moment: &LastMoment,
) {
    use ucsconf::node::{Expected, NodeError};
    const MIB: u64 = 1 << 20;
    let dir = moment.file.parent().unwrap().to_path_buf();
    // The file, then six saves: five backups, the most that are kept.
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(&moment.file, b"v0").unwrap();
    for i in 1..=6 {
        let snap = node.read(rel, MIB).await.unwrap().unwrap();
        node.replace(
            rel,
            format!("v{i}").as_bytes(),
            &Expected::Version(snap.version),
            false,
        )
        .await
        .unwrap();
    }
    let before = contents_of(&dir);
    assert_eq!(before.len(), 6, "the file and five backups: {before:?}");
    let snap = node.read(rel, MIB).await.unwrap().unwrap();
    let mut theirs = before.clone();
    theirs.insert(file_name(&moment.file), text(THEIRS));

    moment.saves(Some(THEIRS));
    let calls = moment.calls();
    let err = node
        .replace(
            rel,
            b"mine",
            &Expected::Version(snap.version.clone()),
            false,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::Conflict { .. }), "{err}");
    assert_eq!(
        moment.calls(),
        calls + 1,
        "the last check came after the hook"
    );
    assert_eq!(
        contents_of(&dir),
        theirs,
        "a refused replace changes nothing"
    );

    // The same for a removal of what they saved: they save again meanwhile.
    let current = node.read(rel, MIB).await.unwrap().unwrap();
    assert_eq!(current.bytes, THEIRS);
    let again = [THEIRS, b"; and again\r\n"].concat();
    moment.saves(Some(&again));
    let err = node.remove(rel, &current.version).await.unwrap_err();
    assert!(matches!(err, NodeError::Conflict { .. }), "{err}");
    assert_eq!(moment.calls(), calls + 2);
    theirs.insert(file_name(&moment.file), text(&again));
    assert_eq!(
        contents_of(&dir),
        theirs,
        "a refused removal changes nothing"
    );
    moment.saves(None);

    // Their content is what the next save backs up, and only then is the
    // oldest backup pruned.
    let current = node.read(rel, MIB).await.unwrap().unwrap();
    assert_eq!(current.bytes, again);
    let w = node
        .replace(rel, b"mine", &Expected::Version(current.version), false)
        .await
        .unwrap();
    let backup = w.backup.expect("a backup of their content");
    let backup = std::path::Path::new(&backup.replace('\\', "/"))
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let after = contents_of(&dir);
    assert_eq!(after.get(&backup), Some(&text(&again)));
    assert_eq!(after.len(), 6, "still five backups: {after:?}");
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// Five backups named in the future (made while a clock was ahead) but
/// older, by the node's clock, than any new one: a write's own backup is
/// kept, and the one that is oldest by time goes.
pub async fn the_backup_just_made_outlives_backups_named_in_the_future(
    node: &dyn ucsconf::node::Node,
    rel: &str,
    file: &Path,
) {
    use std::time::{Duration, SystemTime};
    use ucsconf::node::Expected;
    let dir = file.parent().unwrap();
    node.replace(rel, b"v0", &Expected::Absent, false)
        .await
        .unwrap();
    let name = file_name(file);
    let now = SystemTime::now();
    let future = now + Duration::from_secs(3 * 365 * 86_400);
    let planted: Vec<String> = (0..5u64)
        .map(|i| {
            let backup =
                ucsconf::node::backup::backup_name(&name, future + Duration::from_secs(i), 0);
            let path = dir.join(&backup);
            std::fs::write(&path, format!("future {i}")).unwrap();
            let f = std::fs::File::options().write(true).open(&path).unwrap();
            f.set_modified(now - Duration::from_secs(3600 * (10 - i)))
                .unwrap();
            backup
        })
        .collect();
    let snap = node.read(rel, 1 << 20).await.unwrap().unwrap();
    let w = node
        .replace(rel, b"v1", &Expected::Version(snap.version), false)
        .await
        .unwrap();
    let made = file_name(Path::new(&w.backup.unwrap().replace('\\', "/")));
    let after = contents_of(dir);
    assert_eq!(
        after.get(&made).map(String::as_str),
        Some("v0"),
        "the old content is in the backup just made: {after:?}"
    );
    assert!(!after.contains_key(&planted[0]), "the oldest by time goes");
    for kept in &planted[1..] {
        assert!(after.contains_key(kept), "{kept} stays: {after:?}");
    }
    assert_eq!(after.len(), 6, "the file and five backups: {after:?}");
}

/// Every member of a zip archive, decompressed, by name.
pub fn unzipped(path: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut member = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            member.read_to_end(&mut bytes).unwrap();
            (member.name().unwrap().to_string(), bytes)
        })
        .collect()
}
