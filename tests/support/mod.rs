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
