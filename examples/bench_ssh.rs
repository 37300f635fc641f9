//! Setting one Presence.ini key over SSH (read, change, conflict-checked
//! replace) on 1 node and on 20 nodes, against
//! an OpenSSH server on loopback: wall time (first run connects, second
//! reuses the connections), with the default bound of 16 nodes at a time
//! and with all 20 at once; the CPU time this process and the server spent
//! (on one machine they share its cores, so that CPU divided by the cores
//! is a floor under the wall time no client can go below); and the SFTP
//! round trips a read and a set take.
//!
//! `cargo run --release --example bench_ssh` (needs `/usr/sbin/sshd`).

// The test suite's sshd harness; the bench uses only part of it.
#[allow(dead_code)]
#[path = "../tests/support/sshd.rs"]
mod sshd;

use std::sync::Arc;
use std::time::{Duration, Instant};

use sshd::Sshd;
use ucsconf::cluster::{self, DEFAULT_PARALLEL};
use ucsconf::inventory::NodeSpec;
use ucsconf::node::ssh::{AgentSource, SftpStats, SshNode, SshOptions};
use ucsconf::node::{Expected, Node};
use ucsconf::ops::Target;
use ucsconf::paths::{PRESENCE, Paths};

const SEED: &[u8] = b"[Presence]\r\nWebexPresence.Enable=0\r\nPollSeconds=30\r\n";

fn nodes(sshd: &Sshd, count: usize, tag: &str) -> Vec<(Arc<SshNode>, Target)> {
    let options = SshOptions {
        ssh_config: Some(sshd.dir.path().join("no_config")),
        agent: AgentSource::Disabled,
        default_identities: Some(Vec::new()),
        system_known_hosts: Vec::new(),
        ..SshOptions::default()
    };
    let known_hosts = sshd.known_hosts();
    (0..count)
        .map(|i| {
            let name = format!("{tag}{i}");
            let root = sshd.root(&name);
            let file = root.join(PRESENCE);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, SEED).unwrap();
            let spec = NodeSpec {
                name,
                host: Some("127.0.0.1".into()),
                port: Some(sshd.port),
                user: Some(sshd::current_user()),
                identity_file: Some(sshd.client_key.display().to_string()),
                known_hosts: Some(known_hosts.display().to_string()),
                root: root.display().to_string(),
                paths: Paths::default(),
                cloud_token_url: None,
                cloud_scope: None,
                groups: Vec::new(),
            };
            let node = Arc::new(SshNode::new(&spec, options.clone()));
            let target = Target {
                node: node.clone(),
                paths: Paths::default(),
            };
            (node, target)
        })
        .collect()
}

/// Sets `WebexPresence.Enable` on every target, `parallel` at a time (read,
/// change the line, conflict-checked replace); the wall time.
async fn set_key(targets: &[Target], parallel: usize, value: &'static str) -> Duration {
    let started = Instant::now();
    let results = cluster::for_each(targets, parallel, move |t| async move {
        let snap = t.node.read(PRESENCE, 1 << 20).await?.expect("seeded");
        let text = String::from_utf8_lossy(&snap.bytes);
        let line = |v: &str| format!("WebexPresence.Enable={v}");
        let new = text.replace(&line(if value == "1" { "0" } else { "1" }), &line(value));
        let expected = Expected::Version(snap.version);
        Ok(t.node
            .replace(PRESENCE, new.as_bytes(), &expected, false)
            .await?)
    })
    .await;
    let elapsed = started.elapsed();
    for r in results {
        if let Err(e) = r.result {
            panic!("{}: {e}", r.node);
        }
    }
    elapsed
}

/// CPU time (ms) of this process and of the server's finished children,
/// from /proc (Linux; zero elsewhere). Clock ticks are taken as 1/100 s.
struct Cpu {
    ours: u64,
    server: u64,
}

impl Cpu {
    fn now(sshd: &Sshd) -> Cpu {
        let ticks = |pid: &str, fields: [usize; 2]| -> u64 {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let after = stat.rfind(')').map_or("", |i| &stat[i + 2..]);
            let f: Vec<&str> = after.split_whitespace().collect();
            // Fields after `(comm)`, counted from `state` as field 3.
            fields
                .iter()
                .filter_map(|n| f.get(n - 3)?.parse::<u64>().ok())
                .sum::<u64>()
                * 10
        };
        Cpu {
            ours: ticks("self", [14, 15]),
            server: ticks(&sshd.pid().to_string(), [16, 17]),
        }
    }

    /// Waits a moment for the server's connection processes to be reaped.
    fn since(&self, sshd: &Sshd) -> (u64, u64) {
        std::thread::sleep(Duration::from_millis(300));
        let now = Cpu::now(sshd);
        (now.ours - self.ours, now.server - self.server)
    }
}

fn used(node: &SshNode, before: SftpStats) -> SftpStats {
    node.stats().sftp - before
}

#[tokio::main]
async fn main() {
    let Some(sshd) = Sshd::start() else { return };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("{cores} core(s) shared by this process and the server");

    for (count, parallel) in [(1usize, DEFAULT_PARALLEL), (20, DEFAULT_PARALLEL), (20, 20)] {
        let set = nodes(&sshd, count, &format!("c{count}-p{parallel}-"));
        let targets: Vec<Target> = set.iter().map(|(_, t)| t.clone()).collect();
        let cpu = Cpu::now(&sshd);
        let cold = set_key(&targets, parallel, "1").await;
        let warm = set_key(&targets, parallel, "0").await;
        // The server's connection processes count once they have exited.
        drop((set, targets));
        let (ours, server) = cpu.since(&sshd);
        // On one machine the servers' logins share its cores with this
        // process: no client can finish before they have had their CPU.
        let floor = (ours + server) as f64 / cores as f64;
        let wall = (cold + warm).as_secs_f64() * 1000.0;
        println!(
            "set one key on {count:>2} node(s), {:>2} at a time: {:>6.1} ms connecting, \
             {:>5.1} ms on open connections; both runs: CPU {ours} ms here + {server} ms sshd \
             = {floor:.0} ms per core, in {wall:.0} ms of wall time",
            parallel.min(count),
            cold.as_secs_f64() * 1000.0,
            warm.as_secs_f64() * 1000.0
        );
    }

    let (node, _) = nodes(&sshd, 1, "trips-").remove(0);
    node.connect().await.unwrap();
    let before = node.stats().sftp;
    let snap = node.read(PRESENCE, 1 << 20).await.unwrap().unwrap();
    let read = used(&node, before);
    let before = node.stats().sftp;
    node.replace(
        PRESENCE,
        b"[Presence]\r\nWebexPresence.Enable=1\r\n",
        &Expected::Version(snap.version),
        false,
    )
    .await
    .unwrap();
    let replace = used(&node, before);
    let before = node.stats().sftp;
    node.round_trip().await.unwrap();
    let ping = used(&node, before);
    println!(
        "SFTP per read:    {} round trips ({} requests)",
        read.round_trips, read.requests
    );
    println!(
        "SFTP per replace: {} round trips ({} requests: check and list, temp file and backup, re-check, rename)",
        replace.round_trips, replace.requests
    );
    println!(
        "SFTP per ping:    {} round trip ({} request)",
        ping.round_trips, ping.requests
    );
}
