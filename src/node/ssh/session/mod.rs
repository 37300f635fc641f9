//! Reaching a node: where it is (inventory, then `~/.ssh/config`), the SSH
//! connection (through ProxyJump hosts), host key verification, and the
//! SFTP session on top.

mod auth;

pub use auth::KeyCache;
use std::borrow::Cow;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use russh::client::{self, Handle};
use russh::keys::{Algorithm, PublicKey, PublicKeyOrCertificate};
use russh::{ChannelMsg, Preferred};

use super::config::{self, HostConfig, JumpHost, Tokens};
use super::known_hosts::{self, HostKeyStatus};
use super::paths::{self, RemoteKind};
use super::sftp::{Counters, Failure, Sftp};
use super::{AgentSource, HostKeyInfo, OtherKeys, SshOptions, SshSpec};
use crate::node::NodeError;

/// One SSH server on the way to a node, fully resolved.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The name as given (inventory `host` or a ProxyJump entry): a config alias maybe.
    pub alias: String,
    /// The name or address actually connected to (HostName).
    pub host: String,
    pub port: u16,
    pub user: String,
    /// Identity files to try, and whether each was asked for (a missing
    /// one is then worth mentioning).
    pub identity_files: Vec<(PathBuf, bool)>,
    /// The user's known_hosts files; the first is where a trusted key is added.
    pub known_hosts: Vec<PathBuf>,
    pub agent: AgentSource,
}

impl Endpoint {
    /// Every file a host key is checked against.
    pub fn known_hosts_files(&self, options: &SshOptions) -> Vec<PathBuf> {
        let mut files = self.known_hosts.clone();
        files.extend(options.system_known_hosts.iter().cloned());
        files
    }

    /// `user@host:port` (and the alias when it differs), for messages.
    pub fn describe(&self) -> String {
        let target = format!("{}@{}:{}", self.user, self.host, self.port);
        if self.alias == self.host {
            target
        } else {
            format!("{} ({target})", self.alias)
        }
    }
}

/// The servers to pass through, then the node itself.
#[derive(Debug, Clone)]
pub struct Route {
    pub jumps: Vec<Endpoint>,
    pub target: Endpoint,
}

/// Who to log in as when neither the inventory nor the SSH config says.
fn local_user() -> String {
    crate::platform::account::user_name().unwrap_or_else(|| "root".to_string())
}

fn home_ssh(file: &str) -> PathBuf {
    dirs::home_dir().unwrap_or_default().join(".ssh").join(file)
}

/// The identity files tried when nothing names one.
pub fn default_identities() -> Vec<PathBuf> {
    ["id_ed25519", "id_ecdsa", "id_rsa"]
        .iter()
        .map(|f| home_ssh(f))
        .collect()
}

/// The system-wide known_hosts files OpenSSH reads too.
pub fn system_known_hosts() -> Vec<PathBuf> {
    #[cfg(windows)]
    {
        let data = std::env::var_os("ProgramData").unwrap_or_else(|| "C:\\ProgramData".into());
        vec![PathBuf::from(data).join("ssh").join("ssh_known_hosts")]
    }
    #[cfg(not(windows))]
    {
        vec![
            PathBuf::from("/etc/ssh/ssh_known_hosts"),
            PathBuf::from("/etc/ssh/ssh_known_hosts2"),
        ]
    }
}

/// What the inventory says explicitly about a host (it wins over the config).
#[derive(Default)]
struct Explicit<'a> {
    port: Option<u16>,
    user: Option<&'a str>,
    identity_file: Option<&'a str>,
    known_hosts: Option<&'a str>,
    /// Tried before the default identities when nothing names a key (a
    /// jump host: the node's own key).
    fallback_identity: Option<&'a str>,
}

fn endpoint(
    alias: &str,
    explicit: Explicit,
    options: &SshOptions,
) -> Result<(Endpoint, HostConfig), NodeError> {
    let config = ssh_config(options, alias)?;
    let local = local_user();
    let host_tokens = Tokens {
        host: alias,
        alias,
        local_user: &local,
        ..Tokens::default()
    };
    let host = config
        .host_name
        .as_deref()
        .map(|h| config::expand(h, &host_tokens))
        .unwrap_or_else(|| alias.to_string());
    let port = explicit.port.or(config.port).unwrap_or(22);
    let user = explicit
        .user
        .map(str::to_string)
        .or_else(|| config.user.clone())
        .unwrap_or_else(|| local.clone());
    let tokens = Tokens {
        host: &host,
        alias,
        port,
        remote_user: &user,
        local_user: &local,
    };
    let expand = |v: &str| PathBuf::from(config::expand(v, &tokens));
    let mut identity_files: Vec<(PathBuf, bool)> = explicit
        .identity_file
        .iter()
        .map(|f| (expand(f), true))
        .chain(config.identity_files.iter().map(|f| (expand(f), true)))
        .collect();
    if identity_files.is_empty() {
        let defaults = options
            .default_identities
            .clone()
            .unwrap_or_else(default_identities);
        identity_files = explicit
            .fallback_identity
            .map(|f| (expand(f), false))
            .into_iter()
            .chain(defaults.into_iter().map(|f| (f, false)))
            .collect();
    }
    let known_hosts = match explicit.known_hosts {
        Some(k) => vec![expand(k)],
        None if !config.known_hosts_files.is_empty() => {
            config.known_hosts_files.iter().map(|f| expand(f)).collect()
        }
        None => vec![home_ssh("known_hosts")],
    };
    let agent = match (&options.agent, config.identity_agent.as_deref()) {
        (AgentSource::Environment, Some(a)) if a.eq_ignore_ascii_case("none") => {
            AgentSource::Disabled
        }
        (AgentSource::Environment, Some("SSH_AUTH_SOCK")) => AgentSource::Environment,
        (AgentSource::Environment, Some(a)) => AgentSource::Path(expand(a)),
        (chosen, _) => chosen.clone(),
    };
    let endpoint = Endpoint {
        alias: alias.to_string(),
        host,
        port,
        user,
        identity_files,
        known_hosts,
        agent,
    };
    Ok((endpoint, config))
}

/// Where a node is: the inventory's fields, completed by the SSH config
/// (explicit inventory fields win), with the ProxyJump hosts on the way.
pub fn resolve(spec: &SshSpec, options: &SshOptions) -> Result<Route, NodeError> {
    let alias = spec.host.as_deref().ok_or_else(|| {
        NodeError::Unreachable(format!("{} is a local node, not an SSH one", spec.name))
    })?;
    let explicit = Explicit {
        port: spec.port,
        user: spec.user.as_deref(),
        identity_file: spec.identity_file.as_deref(),
        known_hosts: spec.known_hosts.as_deref(),
        fallback_identity: None,
    };
    let (target, config) = endpoint(alias, explicit, options)?;
    // The inventory's ProxyJump wins, as one given on ssh's command line does.
    let proxy_jump = spec.proxy_jump.as_ref().or(config.proxy_jump.as_ref());
    let jump_hosts = match proxy_jump {
        Some(value) => config::parse_proxy_jump(value)
            .map_err(|e| NodeError::Unreachable(format!("{alias}: {e}")))?,
        None => Vec::new(),
    };
    let jumps = jump_hosts
        .iter()
        .map(|j: &JumpHost| {
            let explicit = Explicit {
                port: j.port,
                user: j.user.as_deref(),
                // The node's known_hosts file vouches for the whole route.
                known_hosts: spec.known_hosts.as_deref(),
                fallback_identity: spec.identity_file.as_deref(),
                ..Explicit::default()
            };
            endpoint(&j.host, explicit, options).map(|(e, _)| e)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Route { jumps, target })
}

/// A route and where each of its values came from (`ucsconf inventory`).
#[derive(Debug, Clone)]
pub struct Explained {
    pub route: Route,
    /// `host`, `port`, `user`, `identity_file`, `known_hosts`, `proxy_jump`.
    pub from: crate::provenance::Origins,
}

/// `~/.ssh/config` (or the file the options name) as it applies to `alias`.
fn ssh_config(options: &SshOptions, alias: &str) -> Result<HostConfig, NodeError> {
    let config_file = options
        .ssh_config
        .clone()
        .unwrap_or_else(|| home_ssh("config"));
    HostConfig::load(&config_file, alias)
        .map_err(|e| NodeError::io(&config_file.display().to_string(), e))
}

/// [`resolve`], saying for each value whether the inventory,
/// `~/.ssh/config` (file and line) or a default gave it.
pub fn explain(spec: &SshSpec, options: &SshOptions) -> Result<Explained, NodeError> {
    use crate::provenance::{Kind, Origin};
    let route = resolve(spec, options)?;
    let alias = spec.host.as_deref().unwrap_or_default();
    let config = ssh_config(options, alias)?;
    let mut from = crate::provenance::Origins::new();
    let fields: [(&'static str, &str, &str); 6] = [
        ("host", "hostname", "HostName"),
        ("port", "port", "Port"),
        ("user", "user", "User"),
        ("identity_file", "identityfile", "IdentityFile"),
        ("known_hosts", "userknownhostsfile", "UserKnownHostsFile"),
        ("proxy_jump", "proxyjump", "ProxyJump"),
    ];
    for (field, keyword, shown) in fields {
        let inventory = spec.origins.get(field).cloned();
        let set_in_inventory = match field {
            "port" => spec.port.is_some(),
            "user" => spec.user.is_some(),
            "identity_file" => spec.identity_file.is_some(),
            "known_hosts" => spec.known_hosts.is_some(),
            "proxy_jump" => spec.proxy_jump.is_some(),
            // HostName in the config replaces the inventory's host as an alias.
            _ => !config.origins.contains_key("hostname"),
        };
        let origin = match (set_in_inventory, config.origins.get(keyword)) {
            (true, _) => inventory.unwrap_or_else(|| Origin::bare(Kind::Inventory)),
            (false, Some((file, line))) => {
                Origin::at(Kind::SshConfig, file.clone(), Some(*line)).named(shown)
            }
            (false, None) => Origin::default_value(),
        };
        from.insert(field, origin);
    }
    Ok(Explained { route, from })
}

/// What the handler saw of the server's host key.
#[derive(Debug, Clone)]
struct Seen {
    key: PublicKey,
    status: Result<HostKeyStatus, String>,
}

/// The russh client handler: checks the host key against known_hosts.
pub struct Client {
    files: Vec<PathBuf>,
    host: String,
    port: u16,
    /// Only look at the key, never log in (fetching a key to trust).
    fetch_only: bool,
    seen: Arc<Mutex<Option<Seen>>>,
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        // Certificates are not asked for (no host_key_certificates), so never offered.
        let PublicKeyOrCertificate::PublicKey { key, .. } = key else {
            return Ok(false);
        };
        let status =
            known_hosts::check(&self.files, &self.host, self.port, key).map_err(|e| e.to_string());
        let accept = !self.fetch_only && status == Ok(HostKeyStatus::Known);
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(Seen {
            key: key.clone(),
            status,
        });
        Ok(accept)
    }
}

/// The TCP connection to the first server. OpenSSH's server keeps Nagle's
/// algorithm on until a session starts, so an answer it writes behind a
/// packet the client has not acknowledged yet (the debug messages it sends
/// right after a login) waits for the client's delayed ACK: 40 ms on Linux,
/// for every connection. On Linux every read therefore asks for the
/// acknowledgement at once (`TCP_QUICKACK`, which the kernel forgets again);
/// on Windows, where the delay is up to 200 ms, the socket acknowledges
/// every segment ([`ack_every_segment`]).
struct Tcp(tokio::net::TcpStream);

/// `SIO_TCP_SET_ACK_FREQUENCY` of 1: no delayed ACKs on this socket. A
/// Windows that does not know the option refuses it, which is harmless.
#[cfg(windows)]
fn ack_every_segment(tcp: &tokio::net::TcpStream) {
    use std::os::windows::io::AsRawSocket;
    use windows_sys::Win32::Networking::WinSock::{SOCKET, WSAIoctl};
    /// `_WSAIOW(IOC_VENDOR, 23)` in mstcpip.h.
    const SIO_TCP_SET_ACK_FREQUENCY: u32 = 0x9800_0017;
    let frequency: u32 = 1;
    let mut returned = 0u32;
    // SAFETY: the socket is open for the call's duration; the input is a
    // u32 of the size given; no output buffer and no overlapped I/O.
    unsafe {
        WSAIoctl(
            tcp.as_raw_socket() as SOCKET,
            SIO_TCP_SET_ACK_FREQUENCY,
            (&frequency as *const u32).cast(),
            std::mem::size_of::<u32>() as u32,
            std::ptr::null_mut(),
            0,
            &mut returned,
            std::ptr::null_mut(),
            None,
        );
    }
}

impl tokio::io::AsyncRead for Tcp {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.0).poll_read(cx, buf);
        #[cfg(target_os = "linux")]
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            let _ = socket2::SockRef::from(&self.0).set_tcp_quickack(true);
        }
        #[cfg(not(target_os = "linux"))]
        let _ = before;
        polled
    }
}

impl tokio::io::AsyncWrite for Tcp {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// The client configuration: keepalives, and the host key types already
/// known for this host first (as OpenSSH does), so a server that has
/// several keys shows the one known_hosts can vouch for.
fn client_config(options: &SshOptions, known_types: &[String]) -> Arc<client::Config> {
    let type_name = |a: &Algorithm| -> String {
        if matches!(a, Algorithm::Rsa { .. }) {
            "ssh-rsa".into()
        } else {
            a.as_str().to_string()
        }
    };
    let mut keys: Vec<Algorithm> = Preferred::DEFAULT.key.to_vec();
    keys.sort_by_key(|a| !known_types.contains(&type_name(a)));
    Arc::new(client::Config {
        keepalive_interval: Some(options.keepalive_interval),
        keepalive_max: 3,
        nodelay: true,
        preferred: Preferred {
            key: Cow::Owned(keys),
            ..Preferred::DEFAULT
        },
        ..Default::default()
    })
}

/// Runs `fut` within the connect timeout; `what` says what was waited for.
pub async fn within<T>(
    options: &SshOptions,
    hop: &Endpoint,
    what: &str,
    fut: impl Future<Output = Result<T, NodeError>>,
) -> Result<T, NodeError> {
    match tokio::time::timeout(options.connect_timeout, fut).await {
        Ok(r) => r,
        Err(_) => Err(NodeError::Unreachable(format!(
            "{}: no answer to {what} within {} s",
            hop.describe(),
            options.connect_timeout.as_secs_f32()
        ))),
    }
}

/// How one hop ended when it did not give a logged-in session.
enum HopError {
    Node(NodeError),
    /// Fetch mode: the key was seen and not accepted on purpose (or unknown).
    Key(Seen),
}

impl From<NodeError> for HopError {
    fn from(e: NodeError) -> Self {
        HopError::Node(e)
    }
}

fn host_key_error(hop: &Endpoint, seen: &Seen) -> NodeError {
    let fingerprint = known_hosts::fingerprint(&seen.key);
    match &seen.status {
        Ok(HostKeyStatus::Known) => {
            NodeError::Unreachable(format!("{}: the host key was refused", hop.describe()))
        }
        Ok(HostKeyStatus::Unknown) => NodeError::UnknownHostKey {
            host: known_hosts::host_entry_name(&hop.host, hop.port),
            key_type: seen.key.algorithm().as_str().to_string(),
            fingerprint,
        },
        Ok(HostKeyStatus::Changed { file, line }) => NodeError::ChangedHostKey {
            host: known_hosts::host_entry_name(&hop.host, hop.port),
            fingerprint,
            known_hosts: format!("{} line {line}", file.display()),
        },
        Ok(HostKeyStatus::OtherTypes { types, file, line }) => NodeError::OtherHostKeyTypes {
            host: known_hosts::host_entry_name(&hop.host, hop.port),
            key_type: seen.key.algorithm().as_str().to_string(),
            fingerprint,
            known_types: types.clone(),
            known_hosts: format!("{} line {line}", file.display()),
        },
        Ok(HostKeyStatus::Revoked { file, line }) => NodeError::Unreachable(format!(
            "{}: the host key {fingerprint} is marked @revoked in {} line {line}; refusing to connect",
            hop.describe(),
            file.display()
        )),
        Err(e) => {
            NodeError::Unreachable(format!("{}: cannot read known_hosts: {e}", hop.describe()))
        }
    }
}

/// Opens the SSH session to one hop, directly or through the previous one,
/// and checks its host key; then logs in, unless only fetching the key.
async fn open_hop(
    previous: Option<&Handle<Client>>,
    hop: &Endpoint,
    options: &SshOptions,
    fetch_only: bool,
) -> Result<Handle<Client>, HopError> {
    let files = hop.known_hosts_files(options);
    let seen = Arc::new(Mutex::new(None));
    let handler = Client {
        files: files.clone(),
        host: hop.host.clone(),
        port: hop.port,
        fetch_only,
        seen: seen.clone(),
    };
    let config = client_config(
        options,
        &known_hosts::known_types(&files, &hop.host, hop.port),
    );
    let where_ = hop.describe();
    let handshake = async {
        let result = match previous {
            None => {
                let tcp = tokio::net::TcpStream::connect((hop.host.as_str(), hop.port))
                    .await
                    .map_err(|e| {
                        NodeError::Unreachable(format!("{where_}: cannot connect: {e}"))
                    })?;
                let _ = tcp.set_nodelay(true);
                #[cfg(windows)]
                ack_every_segment(&tcp);
                client::connect_stream(config, Tcp(tcp), handler).await
            }
            Some(jump) => {
                let channel = jump
                    .channel_open_direct_tcpip(
                        hop.host.clone(),
                        u32::from(hop.port),
                        "127.0.0.1",
                        0,
                    )
                    .await
                    .map_err(|e| {
                        NodeError::Unreachable(format!(
                            "{where_}: the jump host cannot reach it: {e}"
                        ))
                    })?;
                client::connect_stream(config, channel.into_stream(), handler).await
            }
        };
        Ok(result)
    };
    let result = within(options, hop, "the connection", handshake).await?;
    let seen = seen.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut handle = match (result, seen) {
        (Ok(h), Some(s)) if !fetch_only && s.status == Ok(HostKeyStatus::Known) => h,
        (_, Some(s)) if fetch_only || s.status != Ok(HostKeyStatus::Known) => {
            return Err(HopError::Key(s));
        }
        (Err(e), _) => {
            return Err(HopError::Node(NodeError::Unreachable(format!(
                "{where_}: SSH handshake failed: {e}"
            ))));
        }
        (Ok(_), _) => {
            return Err(HopError::Node(NodeError::Unreachable(format!(
                "{where_}: the server showed no host key"
            ))));
        }
    };
    auth::authenticate(&mut handle, hop, options).await?;
    Ok(handle)
}

/// Passes through the jump hosts, logging in to each.
async fn open_jumps(
    route: &Route,
    options: &SshOptions,
) -> Result<Vec<Handle<Client>>, (usize, HopError)> {
    let mut jumps: Vec<Handle<Client>> = Vec::new();
    for (i, hop) in route.jumps.iter().enumerate() {
        let handle = open_hop(jumps.last(), hop, options, false)
            .await
            .map_err(|e| (i, e))?;
        jumps.push(handle);
    }
    Ok(jumps)
}

fn via(route: &Route, e: NodeError) -> NodeError {
    if route.jumps.is_empty() {
        return e;
    }
    match e {
        NodeError::Unreachable(msg) => NodeError::Unreachable(format!(
            "{msg} (via {})",
            route
                .jumps
                .iter()
                .map(|j| j.alias.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        other => other,
    }
}

/// A logged-in connection to a node, with its SFTP session.
pub struct Connection {
    pub sftp: Sftp,
    pub kind: RemoteKind,
    /// The root as SFTP spells it.
    pub root: String,
    pub target: Endpoint,
    handle: Handle<Client>,
    /// Kept open for as long as the node's session runs through them.
    _jumps: Vec<Handle<Client>>,
}

impl Connection {
    pub fn is_usable(&self) -> bool {
        !self.handle.is_closed() && self.sftp.is_usable()
    }
}

/// Connects to the node, logs in, starts SFTP and learns the node's kind.
pub async fn connect(
    spec: &SshSpec,
    route: &Route,
    options: &SshOptions,
    counters: Arc<Counters>,
) -> Result<Connection, NodeError> {
    let hop_error = |hop: &Endpoint, e: HopError| match e {
        HopError::Node(e) => via(route, e),
        HopError::Key(seen) => via(route, host_key_error(hop, &seen)),
    };
    let jumps = open_jumps(route, options)
        .await
        .map_err(|(i, e)| hop_error(&route.jumps[i], e))?;
    let target = &route.target;
    let handle = open_hop(jumps.last(), target, options, false)
        .await
        .map_err(|e| hop_error(target, e))?;
    let where_ = target.describe();
    let start = async {
        let sftp_error =
            |e: String| NodeError::Unreachable(format!("{where_}: cannot start SFTP: {e}"));
        let channel = handle
            .channel_open_session()
            .await
            .map_err(|e| sftp_error(e.to_string()))?;
        let (stream, accepted) = subsystem_stream(channel);
        // The protocol starts right behind the subsystem request, without
        // waiting for its answer (one round trip less): a server that
        // refuses it drops what follows, and the refusal is the answer.
        let init = Sftp::start(stream, options.request_timeout, counters);
        tokio::pin!(init);
        let started = tokio::select! {
            biased;
            started = &mut init => started,
            accepted = accepted => match accepted {
                Ok(true) => init.await,
                _ => return Err(sftp_error("the server refused the sftp subsystem".into())),
            },
        };
        let sftp = started.map_err(|e| sftp_error(failure_text(&e)))?;
        // The server's kind, from the root when it tells, else from how the
        // server spells its working directory.
        let kind = match paths::kind_from_root(&spec.root) {
            Some(kind) => kind,
            None => paths::kind_from_realpath(
                &sftp
                    .op()
                    .realpath(".")
                    .await
                    .map_err(|e| sftp_error(failure_text(&e)))?,
            ),
        };
        Ok((sftp, kind))
    };
    let (sftp, kind) = within(options, target, "the SFTP start", start).await?;
    Ok(Connection {
        sftp,
        kind,
        root: paths::sftp_root(&spec.root, kind),
        target: target.clone(),
        handle,
        _jumps: jumps,
    })
}

/// Asks for the `sftp` subsystem on `channel` and gives the stream of its
/// data at once, with the server's answer to the request (`true`: started)
/// to come. Two tasks carry the data between the stream and the channel.
fn subsystem_stream(
    channel: russh::Channel<client::Msg>,
) -> (
    tokio::io::Join<tokio::io::DuplexStream, tokio::io::DuplexStream>,
    tokio::sync::oneshot::Receiver<bool>,
) {
    use tokio::io::AsyncWriteExt;
    let (mut read, write) = channel.split();
    let (answer, accepted) = tokio::sync::oneshot::channel();
    // One pipe each way: the end of the channel's data ends the stream.
    let (from_server, mut answers) = tokio::io::duplex(256 * 1024);
    let (to_server, requests) = tokio::io::duplex(256 * 1024);
    tokio::spawn(async move {
        // The request goes first, the protocol's data right behind it.
        if write.request_subsystem(true, "sftp").await.is_ok() {
            let _ = write.data(requests).await;
        }
        let _ = write.eof().await;
    });
    tokio::spawn(async move {
        let mut answer = Some(answer);
        while let Some(msg) = read.wait().await {
            match msg {
                ChannelMsg::Data { data } if answers.write_all(&data).await.is_err() => break,
                ChannelMsg::Data { .. } => {}
                ChannelMsg::Success => {
                    answer.take().map(|a| a.send(true));
                }
                ChannelMsg::Failure => {
                    answer.take().map(|a| a.send(false));
                }
                ChannelMsg::Eof | ChannelMsg::Close => break,
                _ => {}
            }
        }
        // The stream ends with this task; an unanswered request is a refusal.
        answer.take().map(|a| a.send(false));
    });
    (tokio::io::join(from_server, to_server), accepted)
}

pub fn failure_text(f: &Failure) -> String {
    f.to_io().to_string()
}

/// The host key of the first server on the route that known_hosts does not
/// vouch for, else the node's own (known) key.
pub async fn fetch_host_key(route: &Route, options: &SshOptions) -> Result<HostKeyInfo, NodeError> {
    let info = |hop: &Endpoint, seen: Seen| -> Result<HostKeyInfo, NodeError> {
        let other_keys = match &seen.status {
            Ok(HostKeyStatus::Known | HostKeyStatus::Unknown) => None,
            Ok(HostKeyStatus::OtherTypes { types, file, line }) => Some(OtherKeys {
                types: types.clone(),
                at: format!("{} line {line}", file.display()),
            }),
            _ => return Err(via(route, host_key_error(hop, &seen))),
        };
        Ok(HostKeyInfo {
            host: hop.host.clone(),
            port: hop.port,
            alias: hop.alias.clone(),
            key_type: seen.key.algorithm().as_str().to_string(),
            fingerprint: known_hosts::fingerprint(&seen.key),
            known: seen.status == Ok(HostKeyStatus::Known),
            known_hosts: hop.known_hosts[0].clone(),
            other_keys,
            key: seen.key,
        })
    };
    let jumps = match open_jumps(route, options).await {
        Ok(j) => j,
        Err((i, HopError::Key(seen))) => return info(&route.jumps[i], seen),
        Err((_, HopError::Node(e))) => return Err(via(route, e)),
    };
    match open_hop(jumps.last(), &route.target, options, true).await {
        Err(HopError::Key(seen)) => info(&route.target, seen),
        Err(HopError::Node(e)) => Err(via(route, e)),
        Ok(_) => Err(NodeError::Unreachable(format!(
            "{}: the host key was not shown",
            route.target.describe()
        ))),
    }
}

/// How long a connection may take to answer when nothing else is set.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
