//! `doctor --online`: whether the endpoints each node needs answer, from
//! this machine, through the node's proxy.

use std::time::Duration;

use super::{Finding, problem, warning};
use crate::cloud::{self, CloudError, NetworkKind, ProxyChoice, Reached, Timeouts};
use crate::ops::{self, Target};

/// Webex's API host, which Webex Calling presence retrieval needs.
pub const WEBEX_APIS: &str = "https://webexapis.com/";

/// An endpoint a node's services need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// What needs it, for messages.
    pub what: String,
    pub url: String,
}

impl Endpoint {
    pub fn new(what: impl Into<String>, url: impl Into<String>) -> Endpoint {
        Endpoint {
            what: what.into(),
            url: url.into(),
        }
    }
}

/// The endpoints every node needs whatever its settings: Webex's APIs.
pub fn standard_endpoints() -> Vec<Endpoint> {
    vec![Endpoint::new(
        "Webex APIs (Webex Calling presence)",
        WEBEX_APIS,
    )]
}

/// What the online checks are given: the endpoints every node needs
/// (injectable, so that tests stay on loopback), the node's token URL, and
/// time limits.
#[derive(Debug, Clone)]
pub struct OnlineOptions {
    pub fixed: Vec<Endpoint>,
    /// The node's OAuth2 token URL (`cloud_token_url`), if configured.
    pub token_url: Option<String>,
    pub timeouts: Timeouts,
    /// Looks up `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` for a node without a
    /// saved proxy (the process environment unless a test says otherwise).
    pub env: fn(&str) -> Option<String>,
}

impl Default for OnlineOptions {
    fn default() -> Self {
        OnlineOptions {
            fixed: standard_endpoints(),
            token_url: None,
            timeouts: Timeouts {
                connect: Duration::from_secs(10),
                total: Duration::from_secs(20),
            },
            env: |name| std::env::var(name).ok(),
        }
    }
}

/// One endpoint asked: its answer's status and the proxy used, or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub endpoint: Endpoint,
    pub result: std::result::Result<Reached, String>,
}

/// The online checks of one node.
#[derive(Debug, Clone, Default)]
pub struct OnlineReport {
    pub probes: Vec<Probe>,
    pub findings: Vec<Finding>,
}

/// Asks every endpoint the node needs, from this machine, through the
/// node's proxy (the one saved on the node, else `HTTPS_PROXY`/`NO_PROXY`):
/// the fixed ones, the Imagicle Cloud hosts (the token URL's host and any
/// `imagicle.com` host in the node's Presence.ini) and the token URL.
pub async fn check_online(target: &Target, options: &OnlineOptions) -> OnlineReport {
    let mut report = OnlineReport::default();
    let proxy = match node_proxy(target).await {
        Ok(p) => p,
        Err(why) => {
            report.findings.push(problem(
                format!("the online checks cannot use the node's proxy: {why}"),
                "save the proxy again in System Parameters (ucsconf TUI, tab 1)",
            ));
            return report;
        }
    };
    let configured = imagicle_hosts(target).await;
    if options.token_url.is_none() {
        let what = if configured.is_empty() {
            "no token URL is configured and Presence.ini names no Imagicle Cloud host, \
             so Imagicle Cloud was not checked"
        } else {
            "no token URL is configured, so the token endpoint was not checked"
        };
        report.findings.push(warning(
            what,
            "set cloud_token_url for the node (or under [defaults]) in nodes.toml",
        ));
    }
    let endpoints = online_endpoints(&options.fixed, options.token_url.as_deref(), &configured);
    // Asked at once: each waits on the network, not on the others.
    let handles: Vec<_> = endpoints
        .into_iter()
        .map(|endpoint| {
            let (proxy, timeouts, env) = (proxy.clone(), options.timeouts, options.env);
            tokio::spawn(async move {
                let result = cloud::probe(&endpoint.url, &proxy, timeouts, &env).await;
                (endpoint, result)
            })
        })
        .collect();
    for handle in handles {
        let Ok((endpoint, result)) = handle.await else {
            continue;
        };
        match &result {
            Ok(reached) => tracing::info!(
                node = target.name(),
                url = %endpoint.url,
                status = reached.status,
                via = reached.via.as_deref().unwrap_or("direct"),
                "endpoint answers"
            ),
            Err(e) => {
                tracing::warn!(node = target.name(), url = %endpoint.url, "endpoint does not answer: {e}");
                report.findings.push(unreachable_endpoint(&endpoint, e));
            }
        }
        report.probes.push(Probe {
            endpoint,
            result: result.map_err(|e| e.to_string()),
        });
    }
    report
}

/// The fixed endpoints, then the Imagicle Cloud hosts, then the token URL; once each.
pub fn online_endpoints(
    fixed: &[Endpoint],
    token_url: Option<&str>,
    configured_hosts: &[String],
) -> Vec<Endpoint> {
    let mut list: Vec<Endpoint> = fixed.to_vec();
    let mut add = |e: Endpoint| {
        if !list.iter().any(|have| have.url == e.url) {
            list.push(e);
        }
    };
    if let Some(origin) = token_url.and_then(origin_of) {
        add(Endpoint::new(
            "Imagicle Cloud (the token URL's host)",
            origin,
        ));
    }
    for host in configured_hosts {
        add(Endpoint::new(
            "Imagicle Cloud (a host in Presence.ini)",
            format!("https://{host}/"),
        ));
    }
    if let Some(url) = token_url {
        add(Endpoint::new("the OAuth2 token URL", url.trim()));
    }
    list
}

/// `https://host[:port]/` of a URL.
pub(super) fn origin_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    parsed.host()?;
    Some(format!("{}/", parsed.origin().ascii_serialization()))
}

/// `imagicle.com` hosts named in the node's Presence.ini values.
pub(super) async fn imagicle_hosts(target: &Target) -> Vec<String> {
    let Ok(loaded) = ops::load_ini(target, &target.paths.presence).await else {
        return Vec::new();
    };
    let mut hosts: Vec<String> = Vec::new();
    for entry in loaded.doc.entries() {
        let Some(host) = url::Url::parse(entry.value.trim())
            .ok()
            .filter(|u| u.scheme() == "https")
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        else {
            continue;
        };
        let imagicle = host == "imagicle.com" || host.ends_with(".imagicle.com");
        if imagicle && !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    hosts
}

/// The proxy that carries the node's cloud traffic: the one saved on the
/// node (its password opened with the node key), else the environment's.
async fn node_proxy(target: &Target) -> std::result::Result<ProxyChoice, String> {
    let loaded = ops::load_store(target).await.map_err(|e| e.to_string())?;
    let Some(stored) = loaded.store.proxy() else {
        return Ok(ProxyChoice::Environment);
    };
    let password = if stored.has_password {
        let key = ops::node_key(target, false)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("the node key {} is missing", target.paths.node_key))?;
        loaded
            .store
            .open_proxy_password(&key)
            .map_err(|e| format!("the proxy password cannot be opened ({e})"))?
    } else {
        None
    };
    Ok(ProxyChoice::Url {
        url: stored.url,
        user: stored.user,
        password,
    })
}

/// An endpoint that did not answer, with the fix its failure points to.
fn unreachable_endpoint(endpoint: &Endpoint, e: &CloudError) -> Finding {
    let host = origin_of(&endpoint.url).unwrap_or_else(|| endpoint.url.clone());
    let what = format!(
        "from this machine, {} ({}) does not answer: {e}",
        endpoint.url, endpoint.what
    );
    let fix = match e {
        CloudError::ProxyAuth { .. } => {
            "set the proxy's user and password in System Parameters (ucsconf TUI, tab 1)".to_owned()
        }
        CloudError::BadTokenUrl { .. } | CloudError::InsecureUrl { .. } => {
            "correct cloud_token_url in nodes.toml".to_owned()
        }
        CloudError::BadProxyUrl { .. } => {
            "correct the proxy URL in System Parameters, or HTTPS_PROXY".to_owned()
        }
        CloudError::Network { kind, peer, .. } => network_fix(*kind, peer, &host),
        _ => format!("check the network path to {host}"),
    };
    problem(what, fix)
}

fn network_fix(kind: NetworkKind, peer: &str, host: &str) -> String {
    let via_proxy = peer.starts_with("proxy ") || peer.contains("(via proxy");
    match kind {
        NetworkKind::Dns if via_proxy => {
            "the proxy's name does not resolve: correct the proxy in System Parameters or HTTPS_PROXY"
                .to_owned()
        }
        NetworkKind::Dns => format!(
            "{host} does not resolve here: check DNS, or set the proxy (System Parameters) if this network reaches the internet only through one"
        ),
        NetworkKind::ProxyTunnel => format!(
            "the proxy refuses to connect to {host}: allow CONNECT to it on port 443 in the proxy's rules"
        ),
        NetworkKind::Tls => format!(
            "a proxy or firewall may inspect TLS: let {host} through uninspected, or trust its CA on this machine"
        ),
        NetworkKind::Refused | NetworkKind::ConnectTimeout | NetworkKind::Timeout | NetworkKind::Other
            if via_proxy =>
        {
            format!(
                "check the proxy ({peer}) and the firewall between here and the proxy, and that the proxy lets {host} through"
            )
        }
        _ => format!(
            "open outbound HTTPS (TCP 443) to {host} in the firewall, or set the proxy in System Parameters"
        ),
    }
}
