//! Nodes over SSH: reads and atomic replaces through SFTP, with the same
//! write protocol as the local node.
//!
//! An [`SshNode`] connects on first use and keeps one connection (one SSH
//! session, one SFTP channel) for every file and the log; a connection that
//! dropped is replaced once on the next call. Host keys are checked against
//! known_hosts and never accepted silently: [`fetch_host_key`] and [`trust`]
//! are how a new key is added. A server without posix-rename gets files
//! overwritten in place only when the admin allowed it, up front
//! ([`SshOptions::allow_in_place`]) or when asked
//! ([`SshOptions::confirm_in_place`]).

pub mod config;
pub mod known_hosts;
mod order;
pub mod paths;
mod purge;
mod session;
mod sftp;
mod write;

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use secrecy::SecretString;

use crate::node::{
    DirEntry, Expected, FileStat, Follower, LastCheckHook, Node, NodeError, PairWritten, Readers,
    Replace, Snapshot, Transport, Version, Written, pair,
};
use crate::provenance::Origins;

pub use known_hosts::{HostKeyStatus, trust};
pub use paths::RemoteKind;
pub use russh::keys::PublicKey;
pub use session::KeyCache;
pub use session::{Endpoint, Explained, Route, default_identities, explain, system_known_hosts};
pub use sftp::SftpStats;

use session::Connection;
use sftp::{Counters, Failure, POSIX_RENAME};
use write::{OpFail, PairStop, Remote};

/// Asked for the passphrase of an encrypted key; the argument is a prompt
/// naming the key file. `None`: no passphrase (the key is skipped).
pub type PassphraseFn = Arc<dyn Fn(&str) -> Option<SecretString> + Send + Sync>;

/// Asked, with the node's name, whether files on a server without
/// posix-rename may be overwritten in place (backed up, not atomic) after
/// all. `true`: allowed for that node from then on.
pub type InPlaceFn = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Which ssh-agent to ask for keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentSource {
    /// `SSH_AUTH_SOCK` (on Windows, else the OpenSSH agent's named pipe
    /// `\\.\pipe\openssh-ssh-agent`); an `IdentityAgent` in the SSH config
    /// takes precedence.
    Environment,
    /// This socket (or named pipe on Windows).
    Path(PathBuf),
    /// No agent.
    Disabled,
}

/// How SSH nodes connect. `Default` is what an admin expects: the user's
/// `~/.ssh/config`, agent and keys.
#[derive(Clone)]
pub struct SshOptions {
    /// Limit for the TCP connection, the SSH handshake and each login step.
    pub connect_timeout: Duration,
    /// A keepalive is sent after this much silence; three unanswered ones close the connection.
    pub keepalive_interval: Duration,
    /// Limit for one SFTP request.
    pub request_timeout: Duration,
    /// The OpenSSH client configuration; `None`: `~/.ssh/config`.
    pub ssh_config: Option<PathBuf>,
    pub agent: AgentSource,
    /// Identity files tried when neither the inventory nor the config names
    /// one; `None`: `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`.
    pub default_identities: Option<Vec<PathBuf>>,
    /// Read-only known_hosts files checked after the user's (OpenSSH's global ones by default).
    pub system_known_hosts: Vec<PathBuf>,
    /// Asked for the passphrase of an encrypted identity file.
    pub passphrase: Option<PassphraseFn>,
    /// Keys decrypted with a passphrase, kept for the other nodes (and
    /// reconnections) so that it is asked once; `None`: asked every time.
    pub key_cache: Option<KeyCache>,
    /// Without `posix-rename@openssh.com`, overwrite files in place (not
    /// atomic) instead of refusing. Off unless the admin confirmed it.
    pub allow_in_place: bool,
    /// Asked when a write is refused for want of posix-rename (and
    /// `allow_in_place` is off); a yes retries the write in place, with the
    /// same conflict check. `None`: refused.
    pub confirm_in_place: Option<InPlaceFn>,
    /// Run at the last moment of every write ([`LastCheckHook`]).
    pub before_last_check: Option<LastCheckHook>,
}

impl Default for SshOptions {
    fn default() -> Self {
        SshOptions {
            connect_timeout: session::DEFAULT_CONNECT_TIMEOUT,
            keepalive_interval: Duration::from_secs(15),
            request_timeout: Duration::from_secs(30),
            ssh_config: None,
            agent: AgentSource::Environment,
            default_identities: None,
            system_known_hosts: system_known_hosts(),
            passphrase: None,
            key_cache: None,
            allow_in_place: false,
            confirm_in_place: None,
            before_last_check: None,
        }
    }
}

impl std::fmt::Debug for SshOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshOptions")
            .field("connect_timeout", &self.connect_timeout)
            .field("keepalive_interval", &self.keepalive_interval)
            .field("request_timeout", &self.request_timeout)
            .field("ssh_config", &self.ssh_config)
            .field("agent", &self.agent)
            .field("default_identities", &self.default_identities)
            .field("system_known_hosts", &self.system_known_hosts)
            .field(
                "passphrase",
                &self.passphrase.as_ref().map(|_| "<callback>"),
            )
            .field("key_cache", &self.key_cache)
            .field("allow_in_place", &self.allow_in_place)
            .field(
                "confirm_in_place",
                &self.confirm_in_place.as_ref().map(|_| "<callback>"),
            )
            .field("before_last_check", &self.before_last_check)
            .finish()
    }
}

/// A server's host key, for asking the admin whether to trust it.
#[derive(Debug, Clone)]
pub struct HostKeyInfo {
    /// The host name as known_hosts records it (the HostName, not an alias).
    pub host: String,
    pub port: u16,
    /// The name it is reached by (the inventory's host or a ProxyJump entry).
    pub alias: String,
    /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`...
    pub key_type: String,
    /// `SHA256:...`, as OpenSSH prints it.
    pub fingerprint: String,
    pub key: PublicKey,
    /// The known_hosts file [`HostKeyInfo::trust`] adds it to.
    pub known_hosts: PathBuf,
    /// Already trusted.
    pub known: bool,
    /// Not known, but known_hosts has the host with keys of other types:
    /// as suspicious as a changed key, trusted only on an explicit override.
    pub other_keys: Option<OtherKeys>,
}

/// The keys known_hosts has for a host that offered a key of another type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherKeys {
    /// Their types (`ssh-ed25519`, ...).
    pub types: Vec<String>,
    /// Where the first of them is ("~/.ssh/known_hosts line 4").
    pub at: String,
}

impl HostKeyInfo {
    /// Adds this key to its known_hosts file.
    pub fn trust(&self) -> std::io::Result<()> {
        trust(&self.known_hosts, &self.host, self.port, &self.key)
    }
}

/// Where an SSH node is and how to reach it: what the transport needs of
/// an inventory's entry (the inventory makes one from each of its nodes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshSpec {
    pub name: String,
    /// The host or `~/.ssh/config` alias (`None`: not an SSH node).
    pub host: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub identity_file: Option<String>,
    pub known_hosts: Option<String>,
    /// OpenSSH's ProxyJump (`[user@]host[:port],...`); wins over `~/.ssh/config`'s.
    pub proxy_jump: Option<String>,
    /// The root, as the node spells it.
    pub root: String,
    /// Where the inventory set each of these.
    pub origins: Origins,
}

impl SshSpec {
    /// How the node is reached, for display.
    pub fn transport(&self) -> Transport {
        Transport::Ssh {
            user: self.user.clone(),
            host: self.host.clone().unwrap_or_default(),
            port: self.port.unwrap_or(22),
        }
    }
}

impl From<&SshSpec> for SshSpec {
    fn from(spec: &SshSpec) -> SshSpec {
        spec.clone()
    }
}

/// Connects just far enough to see a host key: the first server on the
/// route (a ProxyJump host, then the node) whose key known_hosts does not
/// vouch for, else the node's own key (`known` set). A changed key is an
/// error: the only way past it is editing known_hosts. A key of a type
/// known_hosts has no key of, for a host it knows with other keys, comes
/// back with `other_keys` set: trusting it takes an explicit override.
pub async fn fetch_host_key(
    spec: impl Into<SshSpec>,
    options: &SshOptions,
) -> Result<HostKeyInfo, NodeError> {
    let route = session::resolve(&spec.into(), options)?;
    session::fetch_host_key(&route, options).await
}

/// The connection slot: the live connection, and the last failure to
/// connect (shared with callers that were waiting for that attempt).
#[derive(Default)]
struct Slot {
    connection: Option<Arc<Connection>>,
    failure: Option<(Instant, NodeError)>,
}

struct Shared {
    spec: SshSpec,
    options: SshOptions,
    transport: Transport,
    slot: tokio::sync::Mutex<Slot>,
    counters: Arc<Counters>,
    connections: AtomicU64,
    /// How long the last connection took to open, in nanoseconds (0: none yet).
    last_connect: AtomicU64,
    /// Files may be overwritten in place when the server lacks posix-rename.
    in_place: AtomicBool,
    /// One in-place question at a time per node.
    asking: tokio::sync::Mutex<()>,
}

/// A node reached over SSH. Cloning shares the connection.
#[derive(Clone)]
pub struct SshNode {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SshNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshNode")
            .field("name", &self.shared.spec.name)
            .field("transport", &self.shared.transport)
            .field("root", &self.shared.spec.root)
            .finish()
    }
}

/// Counts of what a node did over the network.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SshStats {
    /// Connections made (more than one: it reconnected).
    pub connections: u64,
    /// How long the last connection took to open: TCP, key exchange, login
    /// and the SFTP start (time spent waiting for a passphrase left out).
    pub last_connect: Option<Duration>,
    pub sftp: SftpStats,
}

/// Runs an SFTP operation on the node's connection; a connection found
/// broken before the operation changed anything is replaced and the
/// operation run once more.
macro_rules! on_node {
    ($node:expr, $path:expr, |$remote:ident, $op:ident| $body:expr) => {{
        let mut retried = false;
        loop {
            let conn = $node.connection().await?;
            let $remote = $node.remote(&conn, $path);
            let (result, mutated) = {
                let $op = conn.sftp.op();
                let result = $body;
                (result, $op.mutated())
            };
            match result {
                Err(OpFail::Sftp {
                    failure: Failure::Transport(_),
                    ..
                }) if !retried && !mutated => {
                    $node.forget(&conn).await;
                    retried = true;
                }
                other => break $node.finish(&conn, other).await,
            }
        }
    }};
}

impl SshNode {
    /// A node for an inventory entry with a `host`; nothing is connected yet.
    pub fn new(spec: impl Into<SshSpec>, options: SshOptions) -> SshNode {
        let spec = spec.into();
        SshNode {
            shared: Arc::new(Shared {
                transport: spec.transport(),
                spec,
                slot: tokio::sync::Mutex::new(Slot::default()),
                counters: Arc::new(Counters::default()),
                connections: AtomicU64::new(0),
                last_connect: AtomicU64::new(0),
                in_place: AtomicBool::new(options.allow_in_place),
                asking: tokio::sync::Mutex::new(()),
                options,
            }),
        }
    }

    /// Connects now (if not connected yet), to report problems early.
    pub async fn connect(&self) -> Result<(), NodeError> {
        self.connection().await.map(drop)
    }

    /// The node's kind, once connected.
    pub async fn kind(&self) -> Result<RemoteKind, NodeError> {
        Ok(self.connection().await?.kind)
    }

    /// Reachability: connects if needed, then times one SFTP request (a
    /// `stat` of the root, which must exist).
    pub async fn round_trip(&self) -> Result<Duration, NodeError> {
        on_node!(self, "", |remote, op| {
            let started = Instant::now();
            match op.stat(&remote.path).await {
                Ok(Some(_)) => Ok(started.elapsed()),
                Ok(None) => Err(OpFail::Sftp {
                    path: remote.shown.clone(),
                    failure: Failure::Status(
                        russh_sftp::protocol::StatusCode::NoSuchFile,
                        "the root folder does not exist".into(),
                    ),
                }),
                Err(failure) => Err(OpFail::Sftp {
                    path: remote.shown.clone(),
                    failure,
                }),
            }
        })
    }

    /// What the node did over the network so far.
    pub fn stats(&self) -> SshStats {
        let nanos = self.shared.last_connect.load(Ordering::Relaxed);
        SshStats {
            connections: self.shared.connections.load(Ordering::Relaxed),
            last_connect: (nanos > 0).then(|| Duration::from_nanos(nanos)),
            sftp: self.shared.counters.snapshot(),
        }
    }

    /// From now on, a server without posix-rename gets its files overwritten
    /// in place (backed up and conflict-checked, but not atomic).
    pub fn allow_in_place(&self) {
        self.shared.in_place.store(true, Ordering::Relaxed);
    }

    /// Whether files may be overwritten in place now (`--in-place`, or a yes).
    pub fn in_place_allowed(&self) -> bool {
        self.shared.in_place.load(Ordering::Relaxed)
    }

    /// Closes the connection (the next call opens a new one).
    pub async fn disconnect(&self) {
        self.shared.slot.lock().await.connection = None;
    }

    async fn connection(&self) -> Result<Arc<Connection>, NodeError> {
        let asked = Instant::now();
        let mut slot = self.shared.slot.lock().await;
        if let Some(c) = &slot.connection {
            if c.is_usable() {
                return Ok(c.clone());
            }
            slot.connection = None;
        }
        // An attempt made while this call waited failed: do not wait a second time.
        if let Some((at, e)) = &slot.failure
            && *at > asked
        {
            return Err(duplicate(e));
        }
        let s = &self.shared;
        let waited = Arc::new(AtomicU64::new(0));
        let options = timing_prompts(&s.options, &waited);
        let started = Instant::now();
        let attempt = async {
            let route = session::resolve(&s.spec, &options)?;
            session::connect(&s.spec, &route, &options, s.counters.clone()).await
        };
        match attempt.await {
            Ok(c) => {
                let took = started
                    .elapsed()
                    .saturating_sub(Duration::from_nanos(waited.load(Ordering::Relaxed)));
                tracing::info!(node = %s.spec.name, transport = %s.transport, ms = took.as_millis() as u64, "ssh connected");
                s.connections.fetch_add(1, Ordering::Relaxed);
                let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX).max(1);
                s.last_connect.store(nanos, Ordering::Relaxed);
                let c = Arc::new(c);
                slot.connection = Some(c.clone());
                slot.failure = None;
                Ok(c)
            }
            Err(e) => {
                tracing::warn!(node = %s.spec.name, transport = %s.transport, "ssh connect failed: {e}");
                slot.failure = Some((Instant::now(), duplicate(&e)));
                Err(e)
            }
        }
    }

    /// One replace on the connection, in place if that is allowed now.
    async fn replace_once(
        &self,
        path: &str,
        bytes: &[u8],
        expected: &Expected,
        private: bool,
        keep: &[String],
    ) -> Result<Written, NodeError> {
        let in_place = self.in_place_allowed();
        let hook = self.shared.options.before_last_check.as_ref();
        on_node!(self, path, |remote, op| write::replace(
            &op,
            &remote.keeping(keep),
            bytes,
            expected,
            private,
            in_place,
            hook
        )
        .await)
    }

    /// After a write refused for want of posix-rename: whether the admin
    /// allows overwriting in place now (asked once at a time; a server that
    /// offers posix-rename but refused it is not asked about).
    async fn confirm_in_place(&self) -> bool {
        let Some(ask) = self.shared.options.confirm_in_place.clone() else {
            return false;
        };
        let _one_at_a_time = self.shared.asking.lock().await;
        if self.in_place_allowed() {
            // Another write on this node was allowed while this one waited.
            return true;
        }
        match self.connection().await {
            Ok(c) if !c.sftp.has_extension(POSIX_RENAME) => {}
            _ => return false,
        }
        let name = self.shared.spec.name.clone();
        // The callback may block on a prompt: keep it off the async workers.
        let yes = tokio::task::spawn_blocking(move || ask(&name))
            .await
            .unwrap_or(false);
        if yes {
            tracing::warn!(node = %self.shared.spec.name, "overwriting in place allowed (no posix-rename)");
            self.allow_in_place();
        }
        yes
    }

    /// Drops a connection found broken (unless it was replaced already).
    async fn forget(&self, conn: &Arc<Connection>) {
        let mut slot = self.shared.slot.lock().await;
        if slot
            .connection
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(c, conn))
        {
            slot.connection = None;
        }
    }

    fn remote(&self, conn: &Connection, path: &str) -> Remote {
        Remote::new(
            paths::join(&conn.root, path),
            conn.kind,
            &conn.target.describe(),
        )
    }

    async fn finish<T>(
        &self,
        conn: &Arc<Connection>,
        result: Result<T, OpFail>,
    ) -> Result<T, NodeError> {
        match result {
            Ok(v) => Ok(v),
            Err(OpFail::Node(e)) => Err(e),
            Err(OpFail::Sftp {
                failure: Failure::Transport(msg),
                ..
            }) => {
                self.forget(conn).await;
                Err(NodeError::Unreachable(format!(
                    "{}: connection lost: {msg}",
                    conn.target.describe()
                )))
            }
            Err(OpFail::Sftp { path, failure }) => Err(NodeError::io(&path, failure.to_io())),
            Err(OpFail::Paired(_)) => Err(NodeError::io(
                "",
                std::io::Error::other("not written: the other file of the change could not be"),
            )),
        }
    }

    /// The error `fail` stands for (see [`SshNode::finish`]).
    async fn failure(&self, conn: &Arc<Connection>, fail: OpFail) -> NodeError {
        match self.finish::<()>(conn, Err(fail)).await {
            Err(e) => e,
            Ok(()) => unreachable!("a failure stays one"),
        }
    }

    /// A pair over one connection, pipelined ([`write::replace_pair`]).
    /// `None`: it cannot go pipelined here, and nothing was written.
    async fn pair_pipelined(
        &self,
        first: &Replace<'_>,
        second: &Follower<'_>,
        versions: (&Version, &Version),
    ) -> Option<PairWritten> {
        let hook = self.shared.options.before_last_check.as_ref();
        let mut retried = false;
        loop {
            let conn = match self.connection().await {
                Ok(conn) => conn,
                Err(e) => return Some(PairWritten::FirstFailed(e)),
            };
            if !conn.sftp.has_extension(POSIX_RENAME) {
                return None;
            }
            let a = self.remote(&conn, first.path).keeping(first.keep);
            let b = self.remote(&conn, second.path);
            let op = conn.sftp.op();
            let (ra, rb) = write::replace_pair(
                &op,
                &a,
                first.bytes,
                versions.0,
                first.private,
                &b,
                versions.1,
                second.bytes,
                hook,
            )
            .await?;
            let lost = |r: &Result<Written, OpFail>| {
                matches!(
                    r,
                    Err(OpFail::Sftp {
                        failure: Failure::Transport(_),
                        ..
                    })
                )
            };
            if (lost(&ra) || lost(&rb)) && !retried && !op.mutated() {
                self.forget(&conn).await;
                retried = true;
                continue;
            }
            return Some(match (ra, rb) {
                (Ok(first), Ok(second)) => PairWritten::Both { first, second },
                (Ok(first), Err(e)) => PairWritten::SecondFailed {
                    first: Some(first),
                    error: self.failure(&conn, e).await,
                },
                (Err(e), Ok(second)) => PairWritten::OnlySecond {
                    error: self.failure(&conn, e).await,
                    second,
                },
                (Err(OpFail::Paired(PairStop::Partner)), Err(e)) => PairWritten::SecondFailed {
                    first: None,
                    error: self.failure(&conn, e).await,
                },
                (Err(e), Err(_)) => PairWritten::FirstFailed(self.failure(&conn, e).await),
            });
        }
    }
}

/// `options` with the passphrase callback timed into `waited` (nanoseconds),
/// so that a connection's time leaves out the admin's typing.
fn timing_prompts<'a>(options: &'a SshOptions, waited: &Arc<AtomicU64>) -> Cow<'a, SshOptions> {
    let Some(ask) = options.passphrase.clone() else {
        return Cow::Borrowed(options);
    };
    let waited = waited.clone();
    let timed: PassphraseFn = Arc::new(move |prompt: &str| {
        let started = Instant::now();
        let answer = ask(prompt);
        let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        waited.fetch_add(nanos, Ordering::Relaxed);
        answer
    });
    Cow::Owned(SshOptions {
        passphrase: Some(timed),
        ..options.clone()
    })
}

/// Who may read a file, from the mode the SFTP server reports (`shown`:
/// the file as the node names it, for the fix). A Unix server's mode is the
/// file's. Win32-OpenSSH makes one up: no group bits, and "other" bits only
/// for Everyone and Authenticated Users in the file's access list, so the
/// absence of those says nothing of other accounts and groups.
fn readers_from_mode(mode: Option<u32>, kind: RemoteKind, shown: &str) -> Readers {
    let windows = kind == RemoteKind::Windows;
    let fix = crate::platform::acl::private_fix(shown, windows);
    match (mode, kind) {
        (Some(m), RemoteKind::Unix) if m & 0o077 == 0 => Readers::OwnerOnly,
        (Some(m), RemoteKind::Unix) => Readers::Others {
            who: format!("its mode is {m:04o}"),
            fix,
        },
        (Some(m), RemoteKind::Windows) if m & 0o007 != 0 => Readers::Others {
            who: "Everyone or Authenticated Users, by its access list".into(),
            fix,
        },
        (Some(_), RemoteKind::Windows) => Readers::Unchecked {
            what: "over SFTP a Windows server (Win32-OpenSSH) tells only that neither Everyone \
                   nor Authenticated Users may read it; other accounts and groups in its access \
                   list (Users, a service account) could not be checked"
                .into(),
            fix,
        },
        (None, _) => Readers::Unchecked {
            what: "the SFTP server does not tell the file's permissions".into(),
            fix,
        },
    }
}

/// A copy of a connection error for callers that waited on the same attempt.
fn duplicate(e: &NodeError) -> NodeError {
    match e {
        NodeError::UnknownHostKey {
            host,
            key_type,
            fingerprint,
        } => NodeError::UnknownHostKey {
            host: host.clone(),
            key_type: key_type.clone(),
            fingerprint: fingerprint.clone(),
        },
        NodeError::ChangedHostKey {
            host,
            fingerprint,
            known_hosts,
        } => NodeError::ChangedHostKey {
            host: host.clone(),
            fingerprint: fingerprint.clone(),
            known_hosts: known_hosts.clone(),
        },
        NodeError::OtherHostKeyTypes {
            host,
            key_type,
            fingerprint,
            known_types,
            known_hosts,
        } => NodeError::OtherHostKeyTypes {
            host: host.clone(),
            key_type: key_type.clone(),
            fingerprint: fingerprint.clone(),
            known_types: known_types.clone(),
            known_hosts: known_hosts.clone(),
        },
        NodeError::Auth(m) => NodeError::Auth(m.clone()),
        NodeError::Io { path, source } => {
            NodeError::io(path, std::io::Error::new(source.kind(), source.to_string()))
        }
        other => NodeError::Unreachable(other.to_string()),
    }
}

#[async_trait]
impl Node for SshNode {
    fn name(&self) -> &str {
        &self.shared.spec.name
    }

    fn transport(&self) -> Transport {
        self.shared.transport.clone()
    }

    fn root(&self) -> &str {
        &self.shared.spec.root
    }

    async fn read(&self, path: &str, limit: u64) -> Result<Option<Snapshot>, NodeError> {
        on_node!(self, path, |remote, op| write::read(&op, &remote, limit)
            .await
            .map(|r| r.map(|(snapshot, _)| snapshot)))
    }

    async fn stat(&self, path: &str) -> Result<Option<FileStat>, NodeError> {
        on_node!(self, path, |remote, op| match op.stat(&remote.path).await {
            Ok(attrs) => Ok(attrs.map(|a| FileStat {
                len: a.len(),
                mtime: sftp::mtime(&a),
                // SFTP v3 has no inode numbers.
                id: None,
            })),
            Err(failure) => Err(OpFail::Sftp {
                path: remote.shown.clone(),
                failure,
            }),
        })
    }

    async fn list_dir(&self, path: &str) -> Result<Option<Vec<DirEntry>>, NodeError> {
        on_node!(
            self,
            path,
            |remote, op| match op.list_with_attrs(&remote.path).await {
                Ok(entries) => Ok(Some(
                    entries
                        .into_iter()
                        .map(|(name, attrs)| DirEntry {
                            name,
                            is_dir: attrs.is_dir(),
                            len: attrs.len(),
                            mtime: sftp::mtime(&attrs),
                        })
                        .collect(),
                )),
                Err(failure) if failure.is(russh_sftp::protocol::StatusCode::NoSuchFile) =>
                    Ok(None),
                Err(failure) => Err(OpFail::Sftp {
                    path: remote.shown.clone(),
                    failure,
                }),
            }
        )
    }

    async fn read_at(&self, path: &str, offset: u64, len: usize) -> Result<Vec<u8>, NodeError> {
        on_node!(self, path, |remote, op| write::read_at(
            &op, &remote, offset, len
        )
        .await)
    }

    async fn replace_keeping(
        &self,
        path: &str,
        bytes: &[u8],
        expected: &Expected,
        private: bool,
        keep: &[String],
    ) -> Result<Written, NodeError> {
        match self
            .replace_once(path, bytes, expected, private, keep)
            .await
        {
            // Nothing was written: asked, the same write (and conflict check) runs in place.
            Err(NodeError::PosixRenameMissing { .. })
                if !self.in_place_allowed() && self.confirm_in_place().await =>
            {
                self.replace_once(path, bytes, expected, private, keep)
                    .await
            }
            other => other,
        }
    }

    async fn replace_pair(&self, first: Replace<'_>, second: Follower<'_>) -> PairWritten {
        if let (Expected::Version(a), Expected::Version(b)) = (first.expected, second.expected)
            && let Some(done) = self.pair_pipelined(&first, &second, (a, b)).await
        {
            return done;
        }
        pair::in_turn(self, first, second).await
    }

    async fn remove_keeping(
        &self,
        path: &str,
        expected: &Version,
        keep: &[String],
    ) -> Result<Written, NodeError> {
        let hook = self.shared.options.before_last_check.as_ref();
        on_node!(self, path, |remote, op| write::remove(
            &op,
            &remote.keeping(keep),
            expected,
            hook
        )
        .await)
    }

    async fn remove_backups(&self, path: &str) -> Result<Vec<String>, NodeError> {
        on_node!(self, path, |remote, op| purge::remove_backups(&op, &remote)
            .await)
    }

    async fn owner_only(&self, path: &str) -> Result<Option<bool>, NodeError> {
        Ok(match self.readers(path).await? {
            Readers::OwnerOnly => Some(true),
            Readers::Others { .. } => Some(false),
            Readers::Absent | Readers::Unchecked { .. } => None,
        })
    }

    async fn readers(&self, path: &str) -> Result<Readers, NodeError> {
        on_node!(self, path, |remote, op| match op.stat(&remote.path).await {
            Ok(None) => Ok(Readers::Absent),
            Ok(Some(attrs)) => Ok(readers_from_mode(
                sftp::mode(&attrs),
                remote.kind,
                &remote.shown
            )),
            Err(failure) => Err(OpFail::Sftp {
                path: remote.shown.clone(),
                failure,
            }),
        })
    }

    async fn round_trip(&self) -> Result<Duration, NodeError> {
        SshNode::round_trip(self).await
    }

    fn connect_time(&self) -> Option<Duration> {
        self.stats().last_connect
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_may_read_a_file_from_the_mode_an_sftp_server_reports() {
        let unix =
            |m| readers_from_mode(Some(m), RemoteKind::Unix, "/srv/ucs/Var/Secure/ucsconf.key");
        assert_eq!(unix(0o600), Readers::OwnerOnly);
        let Readers::Others { who, fix } = unix(0o644) else {
            panic!("0644 is readable by others");
        };
        assert_eq!(who, "its mode is 0644");
        assert_eq!(fix, "chmod 600 /srv/ucs/Var/Secure/ucsconf.key on the node");
        assert!(matches!(unix(0o640), Readers::Others { .. }));

        let key = r"C:\Program Files (x86)\StonevoiceAS\Var\Secure\ucsconf.key";
        let windows = |m| readers_from_mode(Some(m), RemoteKind::Windows, key);
        // Win32-OpenSSH's mode: owner bits from the read-only flag, "other"
        // bits only from Everyone / Authenticated Users.
        assert!(matches!(windows(0o666), Readers::Others { .. }));
        let Readers::Unchecked { what, fix } = windows(0o600) else {
            panic!("a Windows server cannot vouch for the whole access list");
        };
        assert!(what.contains("could not be checked"), "{what}");
        assert!(
            fix.starts_with(&format!("icacls \"{key}\" /inheritance:r")),
            "{fix}"
        );
        assert!(matches!(
            readers_from_mode(None, RemoteKind::Unix, "/k"),
            Readers::Unchecked { .. }
        ));
    }
}
