//! The command line over SSH, end to end: the real binary, an inventory in
//! a temp dir whose nodes are folders served by a real OpenSSH server on
//! loopback, and a throwaway `HOME` so the user's own `~/.ssh` is never used.

use crate::support;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use support::names_in;
use support::sshd::{self, Settings, Sshd};

const PRESENCE: &str = "Apps/Presence/Settings/Presence.ini";
const SEED: &[u8] = b"\xEF\xBB\xBF; Presence service\r\n[Presence]\r\nWebexPresence.Enable = 0\r\n\r\nPollSeconds=30\r\n; end\r\n";

/// An inventory of nodes on one test server.
struct Cluster {
    sshd: Sshd,
    home: tempfile::TempDir,
    inventory: PathBuf,
    known_hosts: PathBuf,
    nodes: Vec<(String, PathBuf)>,
}

impl Cluster {
    /// `count` nodes `n0`, `n1`..., each with its own root holding `SEED`,
    /// trusting the server's host key.
    fn start(count: usize) -> Option<Cluster> {
        Cluster::start_with(count, Settings::default())
    }

    /// [`Cluster::start`] on a server with these settings.
    fn start_with(count: usize, settings: Settings) -> Option<Cluster> {
        let sshd = Sshd::start_with(settings)?;
        let known_hosts = sshd.known_hosts();
        let home = tempfile::tempdir().unwrap();
        let inventory = home.path().join("nodes.toml");
        let mut cluster = Cluster {
            sshd,
            home,
            inventory,
            known_hosts,
            nodes: Vec::new(),
        };
        for i in 0..count {
            cluster.add(&format!("n{i}"));
        }
        cluster.write_inventory(None);
        Some(cluster)
    }

    fn add(&mut self, name: &str) -> PathBuf {
        let root = self.sshd.root(name);
        let file = root.join(PRESENCE);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(&file, SEED).unwrap();
        self.nodes.push((name.to_string(), root.clone()));
        root
    }

    /// nodes.toml for the nodes; `down` is one more node on a port where
    /// nothing listens.
    fn write_inventory(&self, down: Option<&str>) {
        let mut text = format!(
            "[defaults]\nhost = '127.0.0.1'\nport = {}\nuser = '{}'\nidentity_file = '{}'\nknown_hosts = '{}'\n",
            self.sshd.port,
            sshd::current_user(),
            self.sshd.client_key.display(),
            self.known_hosts.display()
        );
        for (name, root) in &self.nodes {
            text.push_str(&format!(
                "\n[[node]]\nname = '{name}'\nroot = '{}'\n",
                root.display()
            ));
        }
        if let Some(name) = down {
            text.push_str(&format!(
                "\n[[node]]\nname = '{name}'\nport = {}\nroot = '/nowhere'\n",
                sshd::closed_port()
            ));
        }
        fs::write(&self.inventory, text).unwrap();
    }

    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("ucsconf").unwrap();
        c.env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env_remove("UCSCONF_CONFIG")
            .env_remove("SSH_AUTH_SOCK")
            .arg("--config")
            .arg(&self.inventory);
        c
    }

    /// Points the inventory at a known_hosts file that has the server by an
    /// ed25519 key it does not hold; returns that file's line.
    fn known_by_another_ed25519_key(&mut self) -> String {
        let other = self.home.path().join("other_host_key");
        sshd::keygen(&other, "ed25519", "");
        let other_pub = fs::read_to_string(other.with_extension("pub")).unwrap();
        let blob = other_pub.split_whitespace().nth(1).unwrap();
        self.known_hosts = self.home.path().join("known_hosts_other");
        let line = format!("[127.0.0.1]:{} ssh-ed25519 {blob}\n", self.sshd.port);
        fs::write(&self.known_hosts, &line).unwrap();
        self.write_inventory(None);
        line
    }

    fn presence(&self, node: usize) -> Vec<u8> {
        fs::read(self.nodes[node].1.join(PRESENCE)).unwrap()
    }

    fn settings_dir(&self, node: usize) -> PathBuf {
        self.nodes[node]
            .1
            .join(PRESENCE)
            .parent()
            .unwrap()
            .to_path_buf()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The lines of `a` and `b` that differ (same line count expected).
fn changed_lines(a: &[u8], b: &[u8]) -> Vec<(String, String)> {
    let (a, b) = (text(a), text(b));
    assert_eq!(a.split("\r\n").count(), b.split("\r\n").count());
    a.split("\r\n")
        .zip(b.split("\r\n"))
        .filter(|(x, y)| x != y)
        .map(|(x, y)| (x.to_string(), y.to_string()))
        .collect()
}

fn no_temp_files(dir: &Path) {
    let names = names_in(dir);
    assert!(
        !names.iter().any(|n| n.ends_with(".tmp")),
        "temp file left: {names:?}"
    );
}

#[test]
fn presence_get_and_set_are_byte_exact_over_ssh() {
    let Some(cluster) = Cluster::start(1) else {
        return;
    };
    let logins = || cluster.sshd.log().matches("Accepted publickey").count();
    cluster
        .cmd()
        .args(["presence", "get", "WebexPresence.Enable"])
        .assert()
        .success()
        .stdout("0\n");
    assert_eq!(logins(), 1, "a get is one connection");

    cluster
        .cmd()
        .args(["presence", "set", "WebexPresence.Enable", "1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("saved (backup "));
    assert_eq!(logins(), 2, "a set is one connection too");
    let after = cluster.presence(0);
    assert!(after.starts_with(b"\xEF\xBB\xBF"), "the BOM is kept");
    assert_eq!(
        changed_lines(SEED, &after),
        [(
            "WebexPresence.Enable = 0".to_string(),
            "WebexPresence.Enable = 1".to_string()
        )]
    );
    let dir = cluster.settings_dir(0);
    no_temp_files(&dir);
    let backups: Vec<String> = names_in(&dir)
        .into_iter()
        .filter(|n| n.ends_with(".bak"))
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(fs::read(dir.join(&backups[0])).unwrap(), SEED);

    cluster
        .cmd()
        .args(["presence", "get", "WebexPresence.Enable"])
        .assert()
        .success()
        .stdout("1\n");
    // Setting the same value again rewrites nothing.
    cluster
        .cmd()
        .args(["presence", "set", "WebexPresence.Enable", "1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("unchanged"));
    assert_eq!(cluster.presence(0), after);
}

#[test]
fn forget_purge_removes_the_sealed_backups_over_ssh() {
    let Some(cluster) = Cluster::start(1) else {
        return;
    };
    for secret in ["first secret", "second secret"] {
        cluster
            .cmd()
            .args([
                "credentials",
                "save",
                "--client-id",
                "9f8e7d6c-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
                "--secret-stdin",
            ])
            .write_stdin(format!("{secret}\n"))
            .assert()
            .success();
    }
    let dir = cluster.nodes[0].1.join("Var/Secure");
    let backups = |dir: &Path| -> Vec<String> {
        names_in(dir)
            .into_iter()
            .filter(|n| n.starts_with("CloudServices.json.") && n.ends_with(".bak"))
            .collect()
    };
    assert_eq!(backups(&dir).len(), 1);
    cluster
        .cmd()
        .args(["credentials", "forget", "--purge"])
        .assert()
        .success()
        .stdout(
            "Var/Secure/CloudServices.json: credentials removed\n\
             Var/Secure/CloudServices.json: 2 backups removed\n",
        );
    assert_eq!(backups(&dir), Vec::<String>::new());
    // The journal and its own backups are another file's: they stay.
    let left: Vec<String> = names_in(&dir)
        .into_iter()
        .filter(|n| !n.starts_with("ucsconf-journal.jsonl"))
        .collect();
    assert_eq!(left, ["ucsconf.key"]);
}

#[test]
fn nodes_shows_the_transport_and_timings_and_diff_finds_the_drifted_node() {
    let Some(cluster) = Cluster::start(3) else {
        return;
    };
    let out = cluster.cmd().arg("nodes").assert().success();
    let stdout = text(&out.get_output().stdout);
    for (name, root) in &cluster.nodes {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{name}: ssh ")))
            .unwrap_or_else(|| panic!("{name} missing: {stdout}"));
        assert!(
            line.contains(&format!(
                "ssh {}@127.0.0.1:{}",
                sshd::current_user(),
                cluster.sshd.port
            )),
            "{line}"
        );
        assert!(line.contains(&root.display().to_string()), "{line}");
        assert!(line.contains("reachable (round trip "), "{line}");
        assert!(line.contains("connected in "), "{line}");
    }
    let json = cluster.cmd().args(["--json", "nodes"]).assert().success();
    let doc: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
    for node in doc["nodes"].as_array().unwrap() {
        assert!(node["rtt_ms"].as_f64().unwrap() > 0.0, "{node}");
        assert!(node["connect_ms"].as_f64().unwrap() > 0.0, "{node}");
    }

    cluster.cmd().arg("diff").assert().code(0);
    let drifted = SEED
        .iter()
        .map(|&b| if b == b'3' { b'6' } else { b })
        .collect::<Vec<u8>>();
    fs::write(cluster.nodes[1].1.join(PRESENCE), drifted).unwrap();
    let out = cluster.cmd().arg("diff").assert().code(1);
    let stdout = text(&out.get_output().stdout);
    let row = stdout
        .lines()
        .find(|l| l.contains("PollSeconds"))
        .unwrap_or_else(|| panic!("no drift row: {stdout}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cells[cells.len() - 3..], ["30", "60", "30"], "{row}");
    assert_eq!(stdout.lines().count(), 2, "a header and one row: {stdout}");
}

#[test]
fn twenty_nodes_at_once_then_one_down() {
    let Some(cluster) = Cluster::start(20) else {
        return;
    };
    cluster
        .cmd()
        .args(["presence", "set", "WebexPresence.Enable", "1"])
        .assert()
        .success();
    for i in 0..20 {
        assert_eq!(changed_lines(SEED, &cluster.presence(i)).len(), 1, "n{i}");
        no_temp_files(&cluster.settings_dir(i));
    }

    cluster.write_inventory(Some("down"));
    let out = cluster
        .cmd()
        .args(["presence", "set", "WebexPresence.Enable", "0"])
        .assert()
        .code(4);
    let (stdout, stderr) = (
        text(&out.get_output().stdout),
        text(&out.get_output().stderr),
    );
    for i in 0..20 {
        assert!(
            stdout.contains(&format!("n{i}: {PRESENCE}: saved")),
            "{stdout}"
        );
        assert_eq!(cluster.presence(i), SEED, "n{i} set back");
    }
    let down: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(down.len(), 1, "{stderr}");
    assert!(down[0].starts_with("error: down: "), "{stderr}");
    assert!(down[0].contains("cannot connect"), "{stderr}");
}

#[test]
fn an_unknown_host_key_is_refused_with_the_command_that_trusts_it() {
    let Some(mut cluster) = Cluster::start(1) else {
        return;
    };
    cluster.known_hosts = cluster.home.path().join("kh").join("known_hosts");
    cluster.write_inventory(None);
    let fingerprint = cluster.sshd.fingerprint();

    let out = cluster
        .cmd()
        .args(["presence", "set", "WebexPresence.Enable", "1"])
        .assert()
        .code(1);
    let stderr = text(&out.get_output().stderr);
    assert!(stderr.contains(&fingerprint), "{stderr}");
    assert!(stderr.contains("ucsconf trust n0 --config "), "{stderr}");
    assert_eq!(cluster.presence(0), SEED, "nothing written");
    assert!(!cluster.known_hosts.exists());

    // Anything but yes is a no.
    let out = cluster
        .cmd()
        .args(["trust", "n0"])
        .write_stdin("n\n")
        .assert()
        .code(1);
    let stderr = text(&out.get_output().stderr);
    assert!(stderr.contains(&fingerprint), "{stderr}");
    assert!(stderr.contains("ssh-ed25519"), "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{}", cluster.sshd.port)),
        "{stderr}"
    );
    assert!(stderr.contains("Trust this key? [y/N]"), "{stderr}");
    assert!(stderr.contains("not trusted"), "{stderr}");
    assert!(!cluster.known_hosts.exists());
    cluster
        .cmd()
        .args(["trust", "n0"])
        .write_stdin("")
        .assert()
        .code(1);

    cluster
        .cmd()
        .args(["trust", "n0"])
        .write_stdin("yes\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("now trusted"));
    let recorded = fs::read_to_string(&cluster.known_hosts).unwrap();
    assert!(
        recorded.contains(&format!("[127.0.0.1]:{}", cluster.sshd.port)),
        "{recorded}"
    );
    cluster
        .cmd()
        .args(["trust", "n0"])
        .assert()
        .success()
        .stdout(predicate::str::contains("already trusted"));
    cluster
        .cmd()
        .args(["presence", "set", "WebexPresence.Enable", "1"])
        .assert()
        .success();
    assert_eq!(changed_lines(SEED, &cluster.presence(0)).len(), 1);
}

#[test]
fn a_host_known_with_other_keys_is_trusted_only_with_the_explicit_override() {
    let settings = Settings {
        host_key_type: Some("rsa"),
        ..Settings::default()
    };
    let Some(mut cluster) = Cluster::start_with(1, settings) else {
        return;
    };
    let line = cluster.known_by_another_ed25519_key();
    let fingerprint = cluster.sshd.fingerprint();

    let out = cluster
        .cmd()
        .args(["presence", "set", "WebexPresence.Enable", "1"])
        .assert()
        .code(1);
    let stderr = text(&out.get_output().stderr);
    assert!(stderr.contains("known with other keys"), "{stderr}");
    assert!(stderr.contains("ssh-ed25519"), "{stderr}");
    assert!(stderr.contains(&fingerprint), "{stderr}");
    assert!(stderr.contains("--other-key-type"), "{stderr}");
    assert_eq!(cluster.presence(0), SEED, "nothing written");

    // A plain trust shows it and refuses, even with a yes.
    let out = cluster
        .cmd()
        .args(["trust", "n0"])
        .write_stdin("y\n")
        .assert()
        .code(1);
    let stderr = text(&out.get_output().stderr);
    assert!(
        stderr.contains("WARNING: this host is known with other keys: ssh-ed25519"),
        "{stderr}"
    );
    assert!(stderr.contains(&fingerprint), "{stderr}");
    assert!(stderr.contains("not trusted"), "{stderr}");
    assert!(
        !stderr.contains("Trust this key?"),
        "not even asked: {stderr}"
    );
    assert_eq!(fs::read_to_string(&cluster.known_hosts).unwrap(), line);

    // The override asks, and a yes adds the key beside the old one.
    cluster
        .cmd()
        .args(["trust", "n0", "--other-key-type"])
        .write_stdin("y\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("now trusted"));
    let recorded = fs::read_to_string(&cluster.known_hosts).unwrap();
    assert!(
        recorded.starts_with(&line) && recorded.contains("ssh-rsa"),
        "{recorded}"
    );
    cluster
        .cmd()
        .args(["presence", "set", "WebexPresence.Enable", "1"])
        .assert()
        .success();
}

#[test]
fn a_changed_host_key_is_refused_and_trust_does_not_override_it() {
    let Some(mut cluster) = Cluster::start(1) else {
        return;
    };
    let line = cluster.known_by_another_ed25519_key();

    cluster
        .cmd()
        .args(["presence", "set", "WebexPresence.Enable", "1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("CHANGED"))
        .stderr(predicate::str::contains(cluster.sshd.fingerprint()));
    assert_eq!(cluster.presence(0), SEED, "nothing written");
    cluster
        .cmd()
        .args(["trust", "n0"])
        .write_stdin("y\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("CHANGED"))
        .stderr(predicate::str::contains("Trust this key?").not());
    assert_eq!(fs::read_to_string(&cluster.known_hosts).unwrap(), line);
}

#[test]
fn groups_of_an_ansible_inventory_select_nodes() {
    let Some(mut cluster) = Cluster::start(0) else {
        return;
    };
    for name in ["w1", "w2", "d1"] {
        cluster.add(name);
    }
    let root = |i: usize| cluster.nodes[i].1.display().to_string();
    let hosts = format!(
        "# UC Suite nodes\n[web]\nw1 ansible_host=127.0.0.1 ucsconf_root='{}'\nw2 ansible_host=127.0.0.1 ucsconf_root='{}'\n\n\
         [db]\nd1 ansible_host=127.0.0.1 ucsconf_root='{}'\n\n\
         [all:vars]\nansible_port={}\nansible_user={}\nansible_ssh_private_key_file={}\nucsconf_known_hosts={}\n",
        root(0),
        root(1),
        root(2),
        cluster.sshd.port,
        sshd::current_user(),
        cluster.sshd.client_key.display(),
        cluster.known_hosts.display()
    );
    cluster.inventory = cluster.home.path().join("hosts");
    fs::write(&cluster.inventory, hosts).unwrap();

    let out = cluster
        .cmd()
        .args([
            "--group",
            "web",
            "presence",
            "set",
            "WebexPresence.Enable",
            "1",
        ])
        .assert()
        .success();
    let stdout = text(&out.get_output().stdout);
    assert!(
        stdout.contains("w1: ") && stdout.contains("w2: "),
        "{stdout}"
    );
    assert!(!stdout.contains("d1"), "{stdout}");
    assert_eq!(changed_lines(SEED, &cluster.presence(0)).len(), 1);
    assert_eq!(changed_lines(SEED, &cluster.presence(1)).len(), 1);
    assert_eq!(cluster.presence(2), SEED, "d1 is not in web");

    // A group and a node together: both.
    let out = cluster
        .cmd()
        .args([
            "--group",
            "db",
            "--node",
            "w1",
            "presence",
            "get",
            "WebexPresence.Enable",
        ])
        .assert()
        .success();
    assert_eq!(text(&out.get_output().stdout), "w1: 1\nd1: 0\n");

    cluster
        .cmd()
        .args(["--group", "nope", "nodes"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("groups: db, web"));
}

#[test]
fn an_encrypted_key_without_a_terminal_points_to_the_agent() {
    let Some(cluster) = Cluster::start(1) else {
        return;
    };
    let key = cluster.home.path().join("encrypted_key");
    sshd::keygen(&key, "ed25519", "correct horse");
    cluster.sshd.authorize(&key.with_extension("pub"));
    let inventory = fs::read_to_string(&cluster.inventory).unwrap().replace(
        &cluster.sshd.client_key.display().to_string(),
        &key.display().to_string(),
    );
    fs::write(&cluster.inventory, inventory).unwrap();
    let out = cluster
        .cmd()
        .args(["presence", "get", "WebexPresence.Enable"])
        .write_stdin("correct horse\n")
        .assert()
        .code(1);
    let stderr = text(&out.get_output().stderr);
    assert!(stderr.contains("encrypted"), "{stderr}");
    assert!(
        stderr.contains(&format!("ssh-add {}", key.display())),
        "{stderr}"
    );
    assert!(!stderr.contains("horse"));
}

#[test]
fn trust_walks_the_jump_host_first_then_the_node() {
    let Some(cluster) = Cluster::start(1) else {
        return;
    };
    let Some(jump) = Sshd::start() else { return };
    jump.authorize(&cluster.sshd.client_key.with_extension("pub"));
    let known_hosts = cluster.home.path().join(".ssh").join("known_hosts");
    let user = sshd::current_user();
    fs::create_dir_all(known_hosts.parent().unwrap()).unwrap();
    fs::write(
        cluster.home.path().join(".ssh").join("config"),
        format!(
            "Host ucs-far\n  HostName 127.0.0.1\n  Port {}\n  ProxyJump {user}@127.0.0.1:{}\nHost *\n  User {user}\n  IdentityFile {}\n",
            cluster.sshd.port,
            jump.port,
            cluster.sshd.client_key.display(),
        ),
    )
    .unwrap();
    fs::write(
        &cluster.inventory,
        format!(
            "[[node]]\nname = 'far'\nhost = 'ucs-far'\nroot = '{}'\n",
            cluster.nodes[0].1.display()
        ),
    )
    .unwrap();

    let out = cluster
        .cmd()
        .args(["trust", "far"])
        .write_stdin("y\ny\n")
        .assert()
        .success();
    let stderr = text(&out.get_output().stderr);
    let jump_at = stderr.find(&jump.fingerprint()).expect(&stderr);
    let node_at = stderr.find(&cluster.sshd.fingerprint()).expect(&stderr);
    assert!(jump_at < node_at, "the jump host first: {stderr}");
    assert!(stderr.contains("jump host"), "{stderr}");
    assert_eq!(
        stderr.matches("Trust this key? [y/N]").count(),
        2,
        "{stderr}"
    );
    assert_eq!(
        fs::read_to_string(&known_hosts).unwrap().lines().count(),
        2,
        "both keys recorded in the user's known_hosts"
    );
    cluster
        .cmd()
        .args(["presence", "get", "WebexPresence.Enable"])
        .assert()
        .success()
        .stdout("0\n");
}

/// A server that offers neither posix-rename nor hardlink, and refuses renames.
fn no_posix_rename() -> Settings {
    Settings {
        sftp_flags: "-P posix-rename,hardlink,rename".into(),
        ..Settings::default()
    }
}

fn backups(dir: &Path) -> Vec<String> {
    names_in(dir)
        .into_iter()
        .filter(|n| n.ends_with(".bak"))
        .collect()
}

#[test]
fn without_posix_rename_a_write_is_refused_naming_the_flag_that_allows_it() {
    let Some(cluster) = Cluster::start_with(1, no_posix_rename()) else {
        return;
    };
    let out = cluster
        .cmd()
        .args(["presence", "set", "WebexPresence.Enable", "1"])
        .assert()
        .code(1);
    let stderr = text(&out.get_output().stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("posix-rename@openssh.com"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert!(stderr.contains("run again with --in-place"), "{stderr}");
    assert!(
        !stderr.contains("[y/N]"),
        "no terminal, no question: {stderr}"
    );
    assert_eq!(cluster.presence(0), SEED, "nothing written");
    assert_eq!(names_in(&cluster.settings_dir(0)), ["Presence.ini"]);

    let out = cluster
        .cmd()
        .args(["--json", "presence", "set", "WebexPresence.Enable", "1"])
        .assert()
        .code(1);
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(
        doc.to_string().contains("--in-place"),
        "the JSON error names the flag too: {doc}"
    );
}

#[test]
fn with_in_place_the_value_is_set_after_a_backup_and_no_temp_file_is_left() {
    let Some(cluster) = Cluster::start_with(2, no_posix_rename()) else {
        return;
    };
    let out = cluster
        .cmd()
        .args(["presence", "set", "WebexPresence.Enable", "1", "--in-place"])
        .assert()
        .success();
    let stdout = text(&out.get_output().stdout);
    for i in 0..2 {
        assert!(
            stdout.contains(&format!("n{i}: {PRESENCE}: saved (backup ")),
            "{stdout}"
        );
        assert_eq!(
            changed_lines(SEED, &cluster.presence(i)),
            [(
                "WebexPresence.Enable = 0".to_string(),
                "WebexPresence.Enable = 1".to_string()
            )]
        );
        let dir = cluster.settings_dir(i);
        no_temp_files(&dir);
        let kept = backups(&dir);
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_eq!(fs::read(dir.join(&kept[0])).unwrap(), SEED);
    }
    cluster
        .cmd()
        .args(["--in-place", "presence", "get", "WebexPresence.Enable"])
        .assert()
        .success()
        .stdout("n0: 1\nn1: 1\n");
}

#[test]
fn nodes_reports_how_long_connecting_took() {
    let Some(cluster) = Cluster::start(1) else {
        return;
    };
    let json = cluster.cmd().args(["--json", "nodes"]).assert().success();
    let doc: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
    let node = &doc["nodes"][0];
    let (connect, rtt) = (
        node["connect_ms"].as_f64().unwrap(),
        node["rtt_ms"].as_f64().unwrap(),
    );
    // A connection is several round trips (TCP, key exchange, login, SFTP
    // start) and more than one request's worth of work.
    assert!(connect > rtt && rtt > 0.0, "{node}");

    let out = cluster.cmd().arg("nodes").assert().success();
    let stdout = text(&out.get_output().stdout);
    let shown = stdout
        .split("connected in ")
        .nth(1)
        .and_then(|rest| rest.split(" ms").next())
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(shown.parse::<f64>().unwrap() > 0.0, "{stdout}");
}

/// The binary in a pseudo-terminal: stdin, stdout and stderr are a terminal.
#[cfg(unix)]
mod pty {
    use std::io::{Read, Write};
    use std::sync::{Arc, Condvar, Mutex};
    use std::time::{Duration, Instant};

    use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

    const DEADLINE: Duration = Duration::from_secs(20);

    #[derive(Default)]
    struct Output {
        raw: Vec<u8>,
        closed: bool,
    }

    pub struct Pty {
        _master: Box<dyn MasterPty + Send>,
        writer: Box<dyn Write + Send>,
        child: Box<dyn Child + Send + Sync>,
        output: Arc<(Mutex<Output>, Condvar)>,
        parser: Mutex<vt100::Parser>,
    }

    impl Pty {
        pub fn spawn(args: &[&std::ffi::OsStr], env: &[(&str, &std::ffi::OsStr)]) -> Pty {
            let (rows, cols) = (40, 120);
            let pty = native_pty_system()
                .openpty(PtySize {
                    rows,
                    cols,
                    pixel_width: 0,
                    pixel_height: 0,
                })
                .expect("a pseudo-terminal");
            let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_ucsconf"));
            cmd.args(args);
            cmd.env("TERM", "xterm-256color");
            cmd.env_remove("UCSCONF_CONFIG");
            cmd.env_remove("SSH_AUTH_SOCK");
            for (k, v) in env {
                cmd.env(k, v);
            }
            let child = pty.slave.spawn_command(cmd).expect("the binary starts");
            drop(pty.slave);
            let mut reader = pty.master.try_clone_reader().unwrap();
            let writer = pty.master.take_writer().unwrap();
            let output = Arc::new((Mutex::new(Output::default()), Condvar::new()));
            let shared = output.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    let n = reader.read(&mut buf).unwrap_or(0);
                    let (lock, cvar) = &*shared;
                    let mut out = lock.lock().unwrap();
                    if n == 0 {
                        out.closed = true;
                        cvar.notify_all();
                        return;
                    }
                    out.raw.extend_from_slice(&buf[..n]);
                    cvar.notify_all();
                }
            });
            Pty {
                _master: pty.master,
                writer,
                child,
                output,
                parser: Mutex::new(vt100::Parser::new(rows, cols, 0)),
            }
        }

        pub fn send(&mut self, keys: &str) {
            self.writer.write_all(keys.as_bytes()).unwrap();
            self.writer.flush().unwrap();
        }

        /// Everything printed so far, as text.
        pub fn text(&self) -> String {
            String::from_utf8_lossy(&self.output.0.lock().unwrap().raw).into_owned()
        }

        /// How many bytes were printed so far.
        pub fn printed(&self) -> usize {
            self.output.0.lock().unwrap().raw.len()
        }

        /// What was printed after the first `from` bytes, as text.
        pub fn printed_since(&self, from: usize) -> String {
            let out = self.output.0.lock().unwrap();
            String::from_utf8_lossy(&out.raw[from.min(out.raw.len())..]).into_owned()
        }

        /// What a terminal shows now.
        pub fn screen(&self) -> String {
            let raw = self.output.0.lock().unwrap().raw.clone();
            let mut parser = self.parser.lock().unwrap();
            *parser = vt100::Parser::new(40, 120, 0);
            parser.process(&raw);
            parser.screen().contents()
        }

        /// Waits until `done` holds for (printed text, screen); panics with both on timeout.
        pub fn wait_until(&self, what: &str, done: impl Fn(&str, &str) -> bool) {
            let deadline = Instant::now() + DEADLINE;
            loop {
                let closed = {
                    let (lock, cvar) = &*self.output;
                    let out = lock.lock().unwrap();
                    let out = cvar.wait_timeout(out, Duration::from_millis(50)).unwrap().0;
                    out.closed
                };
                let (text, screen) = (self.text(), self.screen());
                if done(&text, &screen) {
                    return;
                }
                if closed || Instant::now() >= deadline {
                    panic!("waited for {what}; the screen shows:\n{screen}\nprinted:\n{text}");
                }
            }
        }

        pub fn wait_for(&self, text: &str) {
            self.wait_until(text, |_, screen| screen.contains(text));
        }

        pub fn wait_exit(&mut self) -> u32 {
            let deadline = Instant::now() + DEADLINE;
            loop {
                if let Some(status) = self.child.try_wait().unwrap() {
                    // Let the reader take what is left.
                    self.wait_until("the end of the output", |_, _| {
                        self.output.0.lock().unwrap().closed
                    });
                    return status.exit_code();
                }
                assert!(Instant::now() < deadline, "the program did not exit");
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    impl Drop for Pty {
        fn drop(&mut self) {
            if let Ok(None) = self.child.try_wait() {
                let _ = self.child.kill();
            }
        }
    }
}

#[cfg(unix)]
impl Cluster {
    /// The binary with these arguments in a pseudo-terminal.
    fn pty(&self, args: &[&str]) -> pty::Pty {
        let mut all: Vec<&std::ffi::OsStr> = vec!["--config".as_ref(), self.inventory.as_os_str()];
        all.extend(args.iter().map(std::ffi::OsStr::new));
        let config = self.home.path().join(".config");
        pty::Pty::spawn(
            &all,
            &[
                ("HOME", self.home.path().as_os_str()),
                ("XDG_CONFIG_HOME", config.as_os_str()),
            ],
        )
    }
}

#[cfg(unix)]
#[test]
fn at_a_terminal_the_admin_is_asked_once_per_node_and_no_writes_nothing() {
    let Some(cluster) = Cluster::start_with(1, no_posix_rename()) else {
        return;
    };
    let question = "n0: the server cannot replace files atomically (no posix-rename). \
                    Back up and overwrite in place? [y/N]";
    let mut run = cluster.pty(&["presence", "set", "WebexPresence.Enable", "1"]);
    run.wait_until("the question", |text, _| text.contains(question));
    run.send("n\r");
    assert_eq!(run.wait_exit(), 1);
    let printed = run.text();
    assert!(printed.contains("run again with --in-place"), "{printed}");
    assert_eq!(printed.matches("[y/N]").count(), 1, "{printed}");
    assert_eq!(cluster.presence(0), SEED, "nothing written");
    assert_eq!(names_in(&cluster.settings_dir(0)), ["Presence.ini"]);

    let mut run = cluster.pty(&["presence", "set", "WebexPresence.Enable", "1"]);
    run.wait_until("the question", |text, _| text.contains(question));
    run.send("y\r");
    assert_eq!(run.wait_exit(), 0);
    let printed = run.text();
    assert!(
        printed.contains(&format!("{PRESENCE}: saved (backup ")),
        "{printed}"
    );
    assert_eq!(changed_lines(SEED, &cluster.presence(0)).len(), 1);
    let dir = cluster.settings_dir(0);
    assert_eq!(backups(&dir).len(), 1);
    no_temp_files(&dir);
}

#[cfg(unix)]
#[test]
fn the_editor_asks_before_overwriting_in_place_and_a_yes_holds_for_the_node() {
    const ENTER: &str = "\r";
    const DOWN: &str = "\x1b[B";
    const CTRL_S: &str = "\x13";
    let Some(cluster) = Cluster::start_with(1, no_posix_rename()) else {
        return;
    };
    let mut tui = cluster.pty(&[]);
    tui.send("2");
    tui.wait_for("Sections & keys");
    let selected = |screen: &str| {
        screen
            .lines()
            .find(|l| l.contains('›'))
            .unwrap_or("")
            .to_string()
    };
    for _ in 0..20 {
        let current = selected(&tui.screen());
        if current.contains("WebexPresence.Enable") {
            break;
        }
        tui.send(DOWN);
        tui.wait_until("the selection to move", |_, s| selected(s) != current);
    }
    let save = |tui: &mut pty::Pty| {
        tui.send(CTRL_S);
        tui.wait_for("Write Presence.ini");
        tui.send("y");
    };

    tui.send(ENTER);
    tui.wait_for("1 unsaved");
    save(&mut tui);
    tui.wait_until("the in-place question", |_, s| {
        s.contains("No atomic replace on n0") && s.contains("not atomic")
    });
    tui.send("n");
    tui.wait_for("Presence.ini not saved");
    assert_eq!(cluster.presence(0), SEED, "a no writes nothing");

    save(&mut tui);
    tui.wait_for("No atomic replace on n0");
    tui.send("y");
    tui.wait_for("Presence.ini saved on n0");
    assert_eq!(changed_lines(SEED, &cluster.presence(0)).len(), 1);
    let dir = cluster.settings_dir(0);
    assert_eq!(backups(&dir).len(), 1);
    no_temp_files(&dir);

    // The next save on the node goes in place without asking.
    tui.wait_until("the reload", |_, s| !s.contains("unsaved"));
    let asked_before = tui.printed();
    tui.send(ENTER);
    tui.wait_for("1 unsaved");
    save(&mut tui);
    tui.wait_until("the second save", |_, _| cluster.presence(0) == SEED);
    let since = tui.printed_since(asked_before);
    assert!(!since.contains("No atomic replace"), "asked again: {since}");
    assert_eq!(backups(&dir).len(), 2);
    tui.wait_until("the reload", |_, s| !s.contains("unsaved"));
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn over_ssh_a_change_is_journaled_on_each_node_and_restored_on_all() {
    let Some(cluster) = Cluster::start(2) else {
        return;
    };
    cluster
        .cmd()
        .args(["presence", "set", "WebexPresence.Enable", "1"])
        .assert()
        .success();
    let out = cluster.cmd().args(["--json", "history"]).assert().success();
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let changes = doc["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{doc}");
    assert_eq!(changes[0]["nodes"], serde_json::json!(["n0", "n1"]));
    let change = changes[0]["change"].as_str().unwrap().to_string();
    for (_, root) in &cluster.nodes {
        let journal = fs::read_to_string(root.join("Var/Secure/ucsconf-journal.jsonl")).unwrap();
        assert!(journal.contains(&change), "{journal}");
    }

    let out = cluster
        .cmd()
        .args(["restore", &change, "--yes"])
        .assert()
        .success();
    let stdout = text(&out.get_output().stdout);
    for i in 0..2 {
        assert_eq!(cluster.presence(i), SEED, "n{i}");
        assert!(
            stdout.contains(&format!("n{i}: {PRESENCE}: restored (backup ")),
            "{stdout}"
        );
    }
}
