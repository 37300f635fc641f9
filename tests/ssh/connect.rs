//! Reaching SSH nodes against real OpenSSH servers: host keys (unknown,
//! changed, trusted, hashed), logins (agent, key file, encrypted key),
//! `~/.ssh/config` aliases and ProxyJump.

use crate::support;

use std::fs;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use secrecy::SecretString;
use support::sshd::{self, Agent, Settings, Sshd};
use support::{isolated_options, spec_for};
use ucsconf::ErrorClass;
use ucsconf::inventory::NodeSpec;
use ucsconf::node::ssh::{self, AgentSource, SshNode, SshOptions, fetch_host_key};
use ucsconf::node::{Expected, Node, NodeError};
use ucsconf::paths::Paths;

const FILE: &str = "Apps/a.ini";
const MIB: u64 = 1 << 20;

/// A node whose known_hosts file is `known_hosts` (maybe missing).
fn spec_with_known_hosts(sshd: &Sshd, name: &str, known_hosts: &std::path::Path) -> NodeSpec {
    let mut spec = spec_for(sshd, name, &sshd.root(name));
    spec.known_hosts = Some(known_hosts.display().to_string());
    spec
}

fn seed(root: &std::path::Path) {
    fs::create_dir_all(root.join("Apps")).unwrap();
    fs::write(root.join(FILE), b"seed").unwrap();
}

#[tokio::test]
async fn an_unknown_host_key_is_refused_until_trusted() {
    let Some(sshd) = Sshd::start() else { return };
    let known_hosts = sshd.dir.path().join("kh").join("known_hosts");
    let spec = spec_with_known_hosts(&sshd, "unknown", &known_hosts);
    let root = sshd.root("unknown");
    seed(&root);
    let options = isolated_options(&sshd);

    let node = SshNode::new(&spec, options.clone());
    let snap = node.read(FILE, MIB).await.unwrap_err();
    let NodeError::UnknownHostKey {
        host,
        key_type,
        fingerprint,
    } = &snap
    else {
        panic!("expected an unknown host key, got {snap}");
    };
    assert_eq!(host, &format!("[127.0.0.1]:{}", sshd.port));
    assert_eq!(key_type, "ssh-ed25519");
    assert_eq!(
        fingerprint,
        &sshd.fingerprint(),
        "the fingerprint OpenSSH prints"
    );
    assert_eq!(snap.class(), ErrorClass::Failed);
    // The core names no command: the CLI adds `ucsconf trust` (tests/ssh/cli.rs).
    assert!(snap.to_string().contains("until it is trusted"), "{snap}");
    assert!(!snap.to_string().contains("ucsconf"), "{snap}");
    let version = ucsconf::node::Version::of(b"seed", None);
    let err = node
        .replace(FILE, b"evil", &Expected::Version(version), false)
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::UnknownHostKey { .. }), "{err}");
    assert_eq!(
        fs::read(root.join(FILE)).unwrap(),
        b"seed",
        "nothing written"
    );
    assert!(!known_hosts.exists(), "nothing accepted silently");

    let info = fetch_host_key(&spec, &options).await.unwrap();
    assert!(!info.known);
    assert_eq!(info.fingerprint, sshd.fingerprint());
    assert_eq!((info.host.as_str(), info.port), ("127.0.0.1", sshd.port));
    assert_eq!(info.known_hosts, known_hosts);
    info.trust().unwrap();
    assert!(fetch_host_key(&spec, &options).await.unwrap().known);

    // The same node object connects now: the failure was not cached for good.
    assert_eq!(node.read(FILE, MIB).await.unwrap().unwrap().bytes, b"seed");

    // OpenSSH's own hashing of the file is understood too.
    sshd::run(
        "ssh-keygen",
        &["-q", "-H", "-f", known_hosts.to_str().unwrap()],
        &[],
    );
    let hashed = fs::read_to_string(&known_hosts).unwrap();
    assert!(
        hashed.starts_with("|1|") && !hashed.contains("127.0.0.1"),
        "{hashed}"
    );
    let fresh = SshNode::new(&spec, options);
    assert_eq!(fresh.read(FILE, MIB).await.unwrap().unwrap().bytes, b"seed");
}

#[tokio::test]
async fn a_changed_host_key_is_refused_and_cannot_be_trusted_past() {
    let Some(sshd) = Sshd::start() else { return };
    let other = sshd.dir.path().join("other_host_key");
    sshd::keygen(&other, "ed25519", "");
    let other_pub = fs::read_to_string(other.with_extension("pub")).unwrap();
    let blob = other_pub.split_whitespace().nth(1).unwrap();
    let known_hosts = sshd.dir.path().join("known_hosts_changed");
    fs::write(
        &known_hosts,
        format!("# old key\n[127.0.0.1]:{} ssh-ed25519 {blob}\n", sshd.port),
    )
    .unwrap();
    let spec = spec_with_known_hosts(&sshd, "changed", &known_hosts);
    let root = sshd.root("changed");
    seed(&root);
    let options = isolated_options(&sshd);

    let node = SshNode::new(&spec, options.clone());
    let err = node
        .replace(FILE, b"evil", &Expected::Absent, false)
        .await
        .unwrap_err();
    let NodeError::ChangedHostKey {
        fingerprint,
        known_hosts: where_,
        ..
    } = &err
    else {
        panic!("expected a changed host key, got {err}");
    };
    assert_eq!(fingerprint, &sshd.fingerprint());
    assert!(where_.ends_with("known_hosts_changed line 2"), "{where_}");
    assert!(err.to_string().contains("intercepting"), "{err}");
    assert_eq!(fs::read(root.join(FILE)).unwrap(), b"seed");

    let err = fetch_host_key(&spec, &options).await.unwrap_err();
    assert!(matches!(err, NodeError::ChangedHostKey { .. }), "{err}");
    let before = fs::read_to_string(&known_hosts).unwrap();
    assert!(before.lines().count() == 2, "known_hosts untouched");
}

#[tokio::test]
async fn logs_in_with_the_agent_or_a_key_file_and_says_what_was_tried() {
    let Some(sshd) = Sshd::start() else { return };
    let root = sshd.root("auth");
    seed(&root);
    let agent = Agent::start();
    let agent_key = sshd.dir.path().join("agent_key");
    sshd::keygen(&agent_key, "ecdsa", "");
    sshd.authorize(&agent_key.with_extension("pub"));
    agent.add(&agent_key);

    // Only the agent can log in: no identity file at all.
    let mut spec = spec_for(&sshd, "auth", &root);
    spec.identity_file = None;
    let mut options = isolated_options(&sshd);
    options.agent = AgentSource::Path(agent.socket.clone());
    let node = SshNode::new(&spec, options.clone());
    assert_eq!(node.read(FILE, MIB).await.unwrap().unwrap().bytes, b"seed");

    // Without the agent, and a key the server does not accept.
    let stranger = sshd.dir.path().join("stranger");
    sshd::keygen(&stranger, "ed25519", "");
    let missing = sshd.dir.path().join("missing_key");
    options.agent = AgentSource::Disabled;
    options.default_identities = Some(vec![stranger.clone()]);
    spec.identity_file = Some(missing.display().to_string());
    let err = SshNode::new(&spec, options.clone())
        .read(FILE, MIB)
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::Auth(_)), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("{} (not found)", missing.display())),
        "{text}"
    );
    // An identity file named: the default ones are not tried.
    assert!(!text.contains("stranger"), "{text}");
    spec.identity_file = None;
    let err = SshNode::new(&spec, options.clone())
        .read(FILE, MIB)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("{} (refused)", stranger.display())),
        "{err}"
    );

    // The agent holds no usable key, the key file is the right one.
    let empty_agent = Agent::start();
    options.agent = AgentSource::Path(empty_agent.socket.clone());
    spec.identity_file = Some(sshd.client_key.display().to_string());
    let node = SshNode::new(&spec, options.clone());
    assert_eq!(node.read(FILE, MIB).await.unwrap().unwrap().bytes, b"seed");
}

#[tokio::test]
async fn an_encrypted_key_asks_the_passphrase_callback() {
    let Some(sshd) = Sshd::start() else { return };
    let root = sshd.root("encrypted");
    seed(&root);
    let key = sshd.dir.path().join("encrypted_key");
    sshd::keygen(&key, "ed25519", "correct horse");
    sshd.authorize(&key.with_extension("pub"));
    let mut spec = spec_for(&sshd, "encrypted", &root);
    spec.identity_file = Some(key.display().to_string());

    let asked = Arc::new(AtomicUsize::new(0));
    let mut options = isolated_options(&sshd);
    let counter = asked.clone();
    let shown = key.display().to_string();
    options.passphrase = Some(Arc::new(move |prompt: &str| {
        assert!(prompt.contains(&shown), "{prompt}");
        // Wrong first, then right.
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let answer = if n == 0 { "wrong" } else { "correct horse" };
        Some(SecretString::from(answer))
    }));
    assert!(!format!("{options:?}").contains("horse"));
    let node = SshNode::new(&spec, options.clone());
    assert_eq!(node.read(FILE, MIB).await.unwrap().unwrap().bytes, b"seed");
    assert_eq!(asked.load(Ordering::SeqCst), 2);

    options.passphrase = Some(Arc::new(|_: &str| None));
    let err = SshNode::new(&spec, options.clone())
        .read(FILE, MIB)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("encrypted, no passphrase given"),
        "{err}"
    );
    options.passphrase = None;
    let err = SshNode::new(&spec, options)
        .read(FILE, MIB)
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::Auth(_)), "{err}");
    assert!(!err.to_string().contains("horse"));
}

#[tokio::test]
async fn with_a_key_cache_the_passphrase_is_asked_once_for_many_nodes() {
    let Some(sshd) = Sshd::start() else { return };
    let key = sshd.dir.path().join("shared_encrypted_key");
    sshd::keygen(&key, "ed25519", "correct horse");
    sshd.authorize(&key.with_extension("pub"));
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let mut options = isolated_options(&sshd);
    options.passphrase = Some(Arc::new(move |_: &str| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        // Slow enough that the other nodes ask while the first prompt is open.
        std::thread::sleep(std::time::Duration::from_millis(200));
        Some(SecretString::from(if n == 0 {
            "wrong"
        } else {
            "correct horse"
        }))
    }));
    options.key_cache = Some(ssh::KeyCache::default());
    let nodes: Vec<SshNode> = (0..5)
        .map(|i| {
            let name = format!("cached{i}");
            let root = sshd.root(&name);
            seed(&root);
            let mut spec = spec_for(&sshd, &name, &root);
            spec.identity_file = Some(key.display().to_string());
            SshNode::new(&spec, options.clone())
        })
        .collect();
    let reads: Vec<_> = nodes
        .iter()
        .map(|n| {
            let n = n.clone();
            tokio::spawn(async move { n.read(FILE, MIB).await })
        })
        .collect();
    for read in reads {
        assert_eq!(read.await.unwrap().unwrap().unwrap().bytes, b"seed");
    }
    assert_eq!(
        asked.load(Ordering::SeqCst),
        2,
        "one wrong answer, one right, for all five"
    );
    assert!(!format!("{options:?}").contains("horse"));

    // A key file that changed is asked for again.
    sshd::run(
        "ssh-keygen",
        &[
            "-q",
            "-p",
            "-P",
            "correct horse",
            "-N",
            "battery staple",
            "-f",
            key.to_str().unwrap(),
        ],
        &[],
    );
    let root = sshd.root("cached-again");
    seed(&root);
    let mut spec = spec_for(&sshd, "cached-again", &root);
    spec.identity_file = Some(key.display().to_string());
    let err = SshNode::new(&spec, options)
        .read(FILE, MIB)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("wrong passphrase"), "{err}");
    assert_eq!(asked.load(Ordering::SeqCst), 5);
}

/// An SSH config file; the node names only the alias.
fn write_ssh_config(sshd: &Sshd, text: &str) -> SshOptions {
    let path = sshd.dir.path().join("ssh_config");
    fs::write(&path, text).unwrap();
    SshOptions {
        ssh_config: Some(path),
        ..isolated_options(sshd)
    }
}

fn alias_spec(alias: &str, root: &std::path::Path) -> NodeSpec {
    NodeSpec {
        name: alias.to_string(),
        host: Some(alias.to_string()),
        port: None,
        user: None,
        identity_file: None,
        known_hosts: None,
        root: root.display().to_string(),
        paths: Paths::default(),
        cloud_token_url: None,
        cloud_scope: None,
        groups: Vec::new(),
        proxy_jump: None,
        origins: Default::default(),
    }
}

#[tokio::test]
async fn an_ssh_config_alias_supplies_the_connection_and_explicit_fields_win() {
    let Some(sshd) = Sshd::start() else { return };
    let root = sshd.root("alias");
    seed(&root);
    let options = write_ssh_config(
        &sshd,
        &format!(
            "Host ucs-*\n  HostName 127.0.0.1\n  Port {}\n  User {}\n  IdentityFile {}\n  UserKnownHostsFile {}\n",
            sshd.port,
            sshd::current_user(),
            sshd.client_key.display(),
            sshd.known_hosts().display(),
        ),
    );
    let mut spec = alias_spec("ucs-alias", &root);
    let node = SshNode::new(&spec, options.clone());
    assert_eq!(node.read(FILE, MIB).await.unwrap().unwrap().bytes, b"seed");
    assert_eq!(node.transport().to_string(), "ssh ucs-alias");

    spec.port = Some(sshd::closed_port());
    let err = SshNode::new(&spec, options)
        .read(FILE, MIB)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot connect"), "{err}");
}

#[tokio::test]
async fn proxy_jump_goes_through_the_jump_host() {
    let Some(target) = Sshd::start() else { return };
    let Some(jump) = Sshd::start() else { return };
    let closed_jump = Sshd::start_with(Settings {
        extra: vec!["AllowTcpForwarding no".into()],
        ..Settings::default()
    })
    .unwrap();
    // Both servers accept the same key.
    jump.authorize(&target.client_key.with_extension("pub"));
    closed_jump.authorize(&target.client_key.with_extension("pub"));
    let root = target.root("jumped");
    seed(&root);
    let known_hosts = target.dir.path().join("jump_known_hosts");
    let user = sshd::current_user();
    let config = |jump_port: u16| {
        format!(
            "Host ucs-far\n  HostName 127.0.0.1\n  Port {}\n  ProxyJump {user}@127.0.0.1:{jump_port}\nHost *\n  User {user}\n  IdentityFile {}\n  UserKnownHostsFile {}\n",
            target.port,
            target.client_key.display(),
            known_hosts.display(),
        )
    };
    let options = write_ssh_config(&target, &config(jump.port));
    let spec = alias_spec("ucs-far", &root);

    // Trusting walks the route: the jump host's key first, then the node's.
    let first = fetch_host_key(&spec, &options).await.unwrap();
    assert_eq!((first.port, first.known), (jump.port, false));
    assert_eq!(first.fingerprint, jump.fingerprint());
    first.trust().unwrap();
    let second = fetch_host_key(&spec, &options).await.unwrap();
    assert_eq!((second.port, second.known), (target.port, false));
    assert_eq!(second.fingerprint, target.fingerprint());
    second.trust().unwrap();
    assert!(fetch_host_key(&spec, &options).await.unwrap().known);

    let node = SshNode::new(&spec, options);
    let snap = node.read(FILE, MIB).await.unwrap().unwrap();
    node.replace(FILE, b"via jump", &Expected::Version(snap.version), false)
        .await
        .unwrap();
    assert_eq!(fs::read(root.join(FILE)).unwrap(), b"via jump");
    assert!(
        jump.log().contains("Accepted publickey"),
        "logged in to the jump host"
    );

    // A jump host that forbids forwarding: the node cannot be reached, even
    // though it listens on this machine, so the route really goes through it.
    let kh = fs::read_to_string(&known_hosts).unwrap() + &closed_jump.known_hosts_line();
    fs::write(&known_hosts, kh).unwrap();
    let options = write_ssh_config(&target, &config(closed_jump.port));
    let err = SshNode::new(&spec, options)
        .read(FILE, MIB)
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::Unreachable(_)), "{err}");
    assert!(
        err.to_string().contains("jump host cannot reach it"),
        "{err}"
    );
}

#[tokio::test]
async fn host_key_trust_writes_a_line_openssh_accepts() {
    let Some(sshd) = Sshd::start() else { return };
    let known_hosts = sshd.dir.path().join("kh_for_ssh");
    let spec = spec_with_known_hosts(&sshd, "trust", &known_hosts);
    let info = fetch_host_key(&spec, &isolated_options(&sshd))
        .await
        .unwrap();
    ssh::trust(&known_hosts, &info.host, info.port, &info.key).unwrap();
    // OpenSSH's own lookup finds the entry for this host and port.
    let found = sshd::run(
        "ssh-keygen",
        &[
            "-F",
            &format!("[127.0.0.1]:{}", sshd.port),
            "-f",
            known_hosts.to_str().unwrap(),
        ],
        &[],
    );
    assert!(found.contains("ssh-ed25519"), "{found}");
}

/// SFTP starts right behind the subsystem request, without waiting for its
/// answer: a server without the subsystem still gets a clear refusal, at
/// once (not a request timing out).
#[tokio::test]
async fn a_server_without_sftp_is_refused_at_once() {
    let settings = Settings {
        no_sftp: true,
        ..Settings::default()
    };
    let Some(sshd) = Sshd::start_with(settings) else {
        return;
    };
    let root = sshd.root("nosftp");
    seed(&root);
    let options = SshOptions {
        request_timeout: std::time::Duration::from_secs(120),
        connect_timeout: std::time::Duration::from_secs(120),
        ..isolated_options(&sshd)
    };
    let node = SshNode::new(&spec_for(&sshd, "nosftp", &root), options);
    let err = node.read(FILE, MIB).await.unwrap_err();
    assert!(matches!(err, NodeError::Unreachable(_)), "{err}");
    assert!(
        err.to_string()
            .contains("cannot start SFTP: the server refused the sftp subsystem"),
        "{err}"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let Some(sshd) = Sshd::start() else { return };
    // Accepts connections and says nothing, as a hung server would.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming() {
            held.push(stream);
        }
    });
    let mut spec = spec_for(&sshd, "silent", &sshd.root("silent"));
    spec.port = Some(port);
    let options = SshOptions {
        connect_timeout: std::time::Duration::from_millis(300),
        ..isolated_options(&sshd)
    };
    let err = SshNode::new(&spec, options)
        .read(FILE, MIB)
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::Unreachable(_)), "{err}");
    assert!(
        err.to_string()
            .contains("no answer to the connection within 0.3 s"),
        "{err}"
    );
}

#[tokio::test]
async fn a_host_known_by_another_key_type_is_refused_like_a_changed_key() {
    // known_hosts has the server by an ed25519 key; it offers only ssh-rsa.
    // Before, that was "unknown", with the hint to trust it.
    let settings = Settings {
        host_key_type: Some("rsa"),
        ..Settings::default()
    };
    let Some(sshd) = Sshd::start_with(settings) else {
        return;
    };
    let other = sshd.dir.path().join("old_ed25519");
    sshd::keygen(&other, "ed25519", "");
    let other_pub = fs::read_to_string(other.with_extension("pub")).unwrap();
    let blob = other_pub.split_whitespace().nth(1).unwrap();
    let known_hosts = sshd.dir.path().join("known_hosts_ed25519");
    fs::write(
        &known_hosts,
        format!(
            "# the old key\n[127.0.0.1]:{} ssh-ed25519 {blob}\n",
            sshd.port
        ),
    )
    .unwrap();
    let spec = spec_with_known_hosts(&sshd, "other", &known_hosts);
    seed(&sshd.root("other"));
    let options = isolated_options(&sshd);

    let err = SshNode::new(&spec, options.clone())
        .read(FILE, MIB)
        .await
        .unwrap_err();
    let NodeError::OtherHostKeyTypes {
        key_type,
        fingerprint,
        known_types,
        known_hosts: at,
        ..
    } = &err
    else {
        panic!("expected a host known with other keys, got {err}");
    };
    assert_eq!(key_type, "ssh-rsa");
    assert_eq!(fingerprint, &sshd.fingerprint());
    assert_eq!(known_types, &["ssh-ed25519"]);
    assert_eq!(at, &format!("{} line 2", known_hosts.display()));
    assert!(err.to_string().contains("intercepting"), "{err}");
    assert_eq!(err.class(), ErrorClass::Failed);

    // Fetched to be shown, it says what is on record.
    let info = fetch_host_key(&spec, &options).await.unwrap();
    assert!(!info.known);
    let other_keys = info.other_keys.clone().expect("the keys on record");
    assert_eq!(other_keys.types, ["ssh-ed25519"]);
    assert_eq!(info.fingerprint, sshd.fingerprint());
    // Trusted on purpose, it is accepted beside the old one.
    info.trust().unwrap();
    let node = SshNode::new(&spec, options);
    assert_eq!(node.read(FILE, MIB).await.unwrap().unwrap().bytes, b"seed");
}
