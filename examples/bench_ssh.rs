//! Setting one Presence.ini key over SSH (read, change, conflict-checked
//! replace) on 1 node and on 20 nodes, against
//! an OpenSSH server on loopback: wall time (first run connects, second
//! reuses the connections), with the default bound of 16 nodes at a time
//! and with all 20 at once; the CPU time this process and the server spent
//! (on one machine they share its cores, so that CPU divided by the cores
//! is a floor under the wall time no client can go below).
//!
//! First it counts the round trips of each operation on one node, SFTP
//! requests and the whole connection (login included), against the
//! targets: a read in 2, a replace in 4, a set on an open connection in 6,
//! connecting and setting in 14 on the connection; over a target, the
//! bench exits with 1 (after the timings; `--round-trips` counts only).
//!
//! Then the same through a relay on loopback that delays every packet by 1
//! and by 10 ms each way, as a network would (the round trip it makes is
//! measured and printed): where nodes are machines of their own, the time of
//! one node is mostly waiting, and that is what working on 20 at once
//! overlaps. With the default bound of 16 at a time, 20 nodes take two turns.
//!
//! `cargo run --release --example bench_ssh` (needs `/usr/sbin/sshd`).

// The test suite's sshd harness; the bench uses only part of it.
#[allow(dead_code)]
#[path = "../tests/support/sshd.rs"]
mod sshd;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sshd::Sshd;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use ucsconf::cluster::{self, DEFAULT_PARALLEL};
use ucsconf::inventory::NodeSpec;
use ucsconf::node::ssh::{AgentSource, SftpStats, SshNode, SshOptions};
use ucsconf::node::{Expected, Node};
use ucsconf::ops::{self, Change, Target};
use ucsconf::paths::{PRESENCE, Paths};

const SEED: &[u8] = b"[Presence]\r\nWebexPresence.Enable=0\r\nPollSeconds=30\r\n";

/// Where the nodes connect: straight to the server, or each through a relay
/// of its own that delays every packet by `delay` each way.
async fn node_ports(sshd: &Sshd, count: usize, delay: Option<Duration>) -> (Vec<u16>, PathBuf) {
    let Some(delay) = delay else {
        return (vec![sshd.port; count], sshd.known_hosts());
    };
    let mut ports = Vec::new();
    let mut lines = String::new();
    for _ in 0..count {
        let port = relay(sshd.port, delay).await;
        // The host key is the server's; the name it is known by has the relay's port.
        lines.push_str(
            &sshd
                .known_hosts_line()
                .replace(&format!("]:{} ", sshd.port), &format!("]:{port} ")),
        );
        ports.push(port);
    }
    let path = sshd.dir.path().join(format!("known_hosts_{}", ports[0]));
    std::fs::write(&path, lines).unwrap();
    (ports, path)
}

/// A TCP relay on loopback that hands on every chunk `one_way` after it
/// arrived, in both directions, without limiting bandwidth; its port.
async fn relay(target: u16, one_way: Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(("127.0.0.1", target)).await else {
                continue;
            };
            let _ = (client.set_nodelay(true), server.set_nodelay(true));
            let ((client_in, client_out), (server_in, server_out)) =
                (client.into_split(), server.into_split());
            tokio::spawn(delayed(client_in, server_out, one_way));
            tokio::spawn(delayed(server_in, client_out, one_way));
        }
    });
    port
}

async fn delayed(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, one_way: Duration) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let writer = tokio::spawn(async move {
        while let Some((due, bytes)) = rx.recv().await {
            tokio::time::sleep_until(due.into()).await;
            if to.write_all(&bytes).await.is_err() {
                break;
            }
        }
        let _ = to.shutdown().await;
    });
    let mut buf = vec![0; 64 * 1024];
    while let Ok(n @ 1..) = from.read(&mut buf).await {
        // Acknowledged at once, as the client does itself (node::ssh::session):
        // a relay must not add the 40 ms delayed-ACK stalls that it avoids.
        let _ = socket2::SockRef::from(from.as_ref()).set_tcp_quickack(true);
        if tx
            .send((Instant::now() + one_way, buf[..n].to_vec()))
            .is_err()
        {
            break;
        }
    }
    drop(tx);
    let _ = writer.await;
}

fn nodes(sshd: &Sshd, tag: &str, ports: &[u16], known_hosts: &Path) -> Vec<(Arc<SshNode>, Target)> {
    let options = SshOptions {
        ssh_config: Some(sshd.dir.path().join("no_config")),
        agent: AgentSource::Disabled,
        default_identities: Some(Vec::new()),
        system_known_hosts: Vec::new(),
        ..SshOptions::default()
    };
    ports
        .iter()
        .enumerate()
        .map(|(i, &port)| {
            let name = format!("{tag}{i}");
            let root = sshd.root(&name);
            let file = root.join(PRESENCE);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, SEED).unwrap();
            // A journal, as every node has after its first change.
            let journal = root.join(&Paths::default().journal);
            std::fs::create_dir_all(journal.parent().unwrap()).unwrap();
            std::fs::write(&journal, "").unwrap();
            let spec = NodeSpec {
                name,
                host: Some("127.0.0.1".into()),
                port: Some(port),
                user: Some(sshd::current_user()),
                identity_file: Some(sshd.client_key.display().to_string()),
                known_hosts: Some(known_hosts.display().to_string()),
                root: root.display().to_string(),
                paths: Paths::default(),
                cloud_token_url: None,
                cloud_scope: None,
                groups: Vec::new(),
                proxy_jump: None,
                origins: Default::default(),
            };
            let node = Arc::new(SshNode::new(&spec, options.clone()));
            let target = Target::new(node.clone(), Paths::default());
            (node, target)
        })
        .collect()
}

/// Sets `WebexPresence.Enable` on every target, `parallel` at a time, the
/// way `ucsconf presence set` does (read the file and the journal, change
/// the line, replace the file conflict-checked with its journal record);
/// the wall time.
async fn set_key(targets: &[Target], parallel: usize, value: &'static str) -> Duration {
    let started = Instant::now();
    let change = Change::PresenceSet {
        section: None,
        key: "WebexPresence.Enable".into(),
        value: value.into(),
    };
    let results = cluster::for_each(targets, parallel, move |t| {
        let change = change.clone();
        async move { ops::apply(&t, &change).await }
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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn used(node: &SshNode, before: SftpStats) -> SftpStats {
    node.stats().sftp - before
}

/// One operation's round trips against its target.
struct Trips {
    what: &'static str,
    round_trips: f64,
    requests: Option<u64>,
    target: u64,
}

impl Trips {
    fn sftp(what: &'static str, used: SftpStats, target: u64) -> Trips {
        Trips {
            what,
            round_trips: used.round_trips as f64,
            requests: Some(used.requests),
            target,
        }
    }

    fn over(&self) -> bool {
        self.round_trips.round() as u64 > self.target
    }

    fn print(&self) {
        println!(
            "  {:<52} {:>5.1} round trips (target {:>2}){}{}",
            self.what,
            self.round_trips,
            self.target,
            self.requests
                .map_or(String::new(), |r| format!(", {r} SFTP requests")),
            if self.over() { "   OVER TARGET" } else { "" }
        );
    }
}

/// The round trips of each operation on one node: SFTP ones counted by the
/// node, and the whole of connecting and setting (TCP, key exchange, login,
/// SFTP start, read, replace) measured through a relay that adds a known
/// round trip: the extra time over loopback divided by the round trip added.
/// `true` when every one is within its target.
async fn round_trips(sshd: &Sshd) -> bool {
    let (ports, known_hosts) = node_ports(sshd, 1, None).await;
    let (node, target) = nodes(sshd, "trips-", &ports, &known_hosts).remove(0);
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
    set_key(std::slice::from_ref(&target), 1, "0").await;
    let set = used(&node, before);
    let before = node.stats().sftp;
    node.round_trip().await.unwrap();
    let ping = used(&node, before);
    drop((node, target));

    // Connecting and setting, on loopback and through the relay; the best of
    // a few runs each (the server's CPU for a login varies).
    let delay = Duration::from_millis(10);
    let (relay_ports, relay_known) = node_ports(sshd, 1, Some(delay)).await;
    let (probe, probe_target) = nodes(sshd, "trips-ping-", &relay_ports, &relay_known).remove(0);
    probe.connect().await.unwrap();
    let mut added = Duration::MAX;
    for _ in 0..5 {
        added = added.min(probe.round_trip().await.unwrap());
    }
    let (direct, direct_target) = nodes(sshd, "trips-ping0-", &ports, &known_hosts).remove(0);
    direct.connect().await.unwrap();
    let mut loopback = Duration::MAX;
    for _ in 0..5 {
        loopback = loopback.min(direct.round_trip().await.unwrap());
    }
    let added = added.saturating_sub(loopback);
    // Setting on the open connections, the same way: the clock's check on
    // the counted round trips.
    let warm = async |target: &Target| {
        let mut best = Duration::MAX;
        for value in ["1", "0", "1", "0", "1", "0"] {
            best = best.min(set_key(std::slice::from_ref(target), 1, value).await);
        }
        best
    };
    let set_on_network = warm(&probe_target)
        .await
        .saturating_sub(warm(&direct_target).await)
        .as_secs_f64()
        / added.as_secs_f64();
    let cold = async |ports: &[u16], known: &Path, tag: &str| {
        let mut best = Duration::MAX;
        for i in 0..3 {
            let (_, target) = nodes(sshd, &format!("{tag}{i}-"), ports, known).remove(0);
            best = best.min(set_key(std::slice::from_ref(&target), 1, "1").await);
        }
        best
    };
    let on_loopback = cold(&ports, &known_hosts, "trips-cold-").await;
    let through_relay = cold(&relay_ports, &relay_known, "trips-cold-relay-").await;
    let connect_and_set =
        through_relay.saturating_sub(on_loopback).as_secs_f64() / added.as_secs_f64();

    let rows = [
        Trips::sftp("read", read, 2),
        Trips::sftp("replace", replace, 4),
        Trips::sftp("set on an open connection (read, replace, journal)", set, 6),
        Trips::sftp("ping (one stat)", ping, 1),
        Trips {
            what: "set on an open connection, on the network",
            round_trips: set_on_network,
            requests: None,
            target: 6,
        },
        Trips {
            what: "connect and set, on the network",
            round_trips: connect_and_set,
            requests: None,
            target: 14,
        },
    ];
    println!("round trips per operation, one node:");
    for row in &rows {
        row.print();
    }
    println!(
        "  (connect and set: {:.1} ms through a relay adding {:.1} ms a round trip, {:.1} ms on loopback)",
        ms(through_relay),
        ms(added),
        ms(on_loopback)
    );
    !rows.iter().any(Trips::over)
}

#[tokio::main]
async fn main() {
    let Some(sshd) = Sshd::start() else { return };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let within = round_trips(&sshd).await;
    if std::env::args().any(|a| a == "--round-trips") {
        // `exit` skips destructors: the server is stopped first.
        drop(sshd);
        std::process::exit(if within { 0 } else { 1 });
    }
    println!("{cores} core(s) shared by this process and the server");

    for delay in [None, Some(1), Some(10)].map(|ms| ms.map(Duration::from_millis)) {
        // The relay's timers round up: the round trip it really adds is measured.
        let (ports, known_hosts) = node_ports(&sshd, 1, delay).await;
        let (probe, _) =
            nodes(&sshd, &format!("ping{}-", ports[0]), &ports, &known_hosts).remove(0);
        probe.connect().await.unwrap();
        let ping = probe.round_trip().await.unwrap();
        drop(probe);
        match delay {
            None => println!("loopback (an SFTP round trip: {:.2} ms):", ms(ping)),
            Some(delay) => println!(
                "through a relay delaying each packet by {} ms each way (an SFTP round trip: {:.1} ms):",
                delay.as_millis(),
                ms(ping)
            ),
        }
        let mut one_node = None;
        for (count, parallel) in [(1usize, DEFAULT_PARALLEL), (20, DEFAULT_PARALLEL), (20, 20)] {
            let (ports, known_hosts) = node_ports(&sshd, count, delay).await;
            let tag = format!(
                "r{}-c{count}-p{parallel}-",
                delay.map_or(0, |r| r.as_millis())
            );
            let set = nodes(&sshd, &tag, &ports, &known_hosts);
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
            let wall = ms(cold + warm);
            let first = *one_node.get_or_insert(cold);
            println!(
                "  set one key on {count:>2} node(s), {:>2} at a time: {:>6.1} ms connecting \
                 ({:.1}x one node), {:>5.1} ms on open connections; both runs: CPU {ours} ms \
                 here + {server} ms sshd = {floor:.0} ms per core, in {wall:.0} ms of wall time",
                parallel.min(count),
                ms(cold),
                cold.as_secs_f64() / first.as_secs_f64(),
                ms(warm)
            );
        }
    }
    if !within {
        drop(sshd);
        eprintln!("round trips over target (see above)");
        std::process::exit(1);
    }
}
