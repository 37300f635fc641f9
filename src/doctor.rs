//! What is wrong with a node, and how to fix it: the checks behind `doctor`.

use std::time::{Duration, SystemTime};

use crate::Error;
use crate::cloud::{self, CloudError, NetworkKind, ProxyChoice, Reached, Timeouts};
use crate::node::Readers;
use crate::ops::{self, Target};
use crate::settings::calendar::CalendarSettings;

/// A log not written for this long is suspicious: the suite logs constantly.
pub const QUIET_LOG: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Problem,
}

/// One thing found on a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// What is wrong, in words.
    pub what: String,
    /// How to fix it.
    pub fix: String,
}

fn problem(what: impl Into<String>, fix: impl Into<String>) -> Finding {
    Finding {
        severity: Severity::Problem,
        what: what.into(),
        fix: fix.into(),
    }
}

fn warning(what: impl Into<String>, fix: impl Into<String>) -> Finding {
    Finding {
        severity: Severity::Warning,
        what: what.into(),
        fix: fix.into(),
    }
}

/// Runs every check on one node. An unreachable node is one problem, not an error.
pub async fn check(target: &Target) -> Vec<Finding> {
    match target.node.stat("").await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return vec![problem(
                format!("the root {} does not exist", target.node.root()),
                "fix `root` for this node in the inventory",
            )];
        }
        Err(e) => {
            return vec![problem(
                format!("unreachable: {e}"),
                "check the host, the network and the SSH settings (`ucsconf nodes`)",
            )];
        }
    }
    let mut found = Vec::new();
    presence(target, &mut found).await;
    calendar(target, &mut found).await;
    credentials(target, &mut found).await;
    log(target, &mut found).await;
    found.sort_by_key(|f| std::cmp::Reverse(f.severity));
    found
}

fn unreadable(path: &str, e: &Error) -> Finding {
    problem(
        format!("{path} cannot be read: {e}"),
        "fix or restore the file (ucsconf keeps backups beside it as *.bak)",
    )
}

async fn presence(target: &Target, found: &mut Vec<Finding>) {
    let path = &target.paths.presence;
    match ops::load_ini(target, path).await {
        Err(e) => found.push(unreadable(path, &e)),
        Ok(l) if l.snapshot.is_none() => found.push(problem(
            format!("{path} is missing"),
            "restore it from another node or reinstall the Presence service",
        )),
        Ok(l) => {
            let on = l
                .doc
                .get(Some("Webex"), "WebexPresence.Enable")
                .or_else(|| {
                    let sections = l.doc.sections_with_key("WebexPresence.Enable");
                    let first = sections.first()?;
                    l.doc.get(first.as_deref(), "WebexPresence.Enable")
                })
                .is_some_and(|v| v.trim() == "1");
            if !on {
                found.push(warning(
                    "Webex Calling presence retrieval is off (WebexPresence.Enable is not 1)",
                    "ucsconf presence set WebexPresence.Enable 1 (if the customer uses Webex Calling)",
                ));
            }
        }
    }
}

async fn calendar(target: &Target, found: &mut Vec<Finding>) {
    let path = &target.paths.calendar;
    match ops::load_ini(target, path).await {
        Err(e) => found.push(unreadable(path, &e)),
        Ok(l) if l.snapshot.is_none() => found.push(warning(
            format!("{path} is missing: no calendar integration"),
            "ucsconf calendar set --provider ... (if operators need calendar states)",
        )),
        Ok(l) => {
            let report = CalendarSettings::from_document(&l.doc).validate();
            for e in report.errors {
                found.push(problem(
                    format!("calendar: {}", e.message),
                    "ucsconf calendar set ... (see ucsconf calendar show)",
                ));
            }
            for w in report.warnings {
                found.push(warning(
                    format!("calendar: {}", w.message),
                    "review the calendar settings",
                ));
            }
        }
    }
}

async fn credentials(target: &Target, found: &mut Vec<Finding>) {
    let path = &target.paths.credentials;
    let store = match ops::load_store(target).await {
        Ok(s) => s,
        Err(e) => return found.push(unreadable(path, &e)),
    };
    let key_path = &target.paths.node_key;
    match target.node.readers(key_path).await {
        Ok(Readers::Others { who, fix }) => found.push(problem(
            format!("the node key {key_path} is readable by other users ({who})"),
            fix,
        )),
        Ok(Readers::Unchecked { what, fix }) => found.push(warning(
            format!("whether only its owner may read the node key {key_path} is not known: {what}"),
            format!("to make sure, run on the node: {fix}"),
        )),
        Ok(Readers::Absent | Readers::OwnerOnly) => {}
        Err(e) => found.push(problem(
            format!("{key_path}: {e}"),
            "check the file's permissions",
        )),
    }
    sealed_values(target, &store, found).await;
    if store.store.client_id().is_none() {
        found.push(problem(
            "no Imagicle Cloud services credentials saved",
            "ucsconf credentials save --client-id ID (the secret is asked for)",
        ));
    }
}

/// Whether every sealed value opens with the node key; a key that is
/// missing or unusable while values depend on it is one problem naming them.
async fn sealed_values(target: &Target, store: &ops::LoadedStore, found: &mut Vec<Finding>) {
    // A store or Calendar.ini that cannot be read is reported on its own.
    let Ok(sealed) = ops::sealed_values(target).await else {
        return;
    };
    if sealed.is_empty() {
        return;
    }
    let key_path = &target.paths.node_key;
    let described: Vec<String> = sealed.iter().map(|v| v.describe(&target.paths)).collect();
    let restore = "put the key file back from a backup of this node; if it is lost, make a new \
                   key and type those values again (ucsconf credentials save --client-id ID \
                   --new-key, calendar set --password-stdin --new-key; the editor asks)";
    let key = match ops::read_key(target).await {
        Ok(ops::KeyState::Present(key)) => key,
        Ok(ops::KeyState::Missing) => {
            return found.push(problem(
                format!(
                    "the node key {key_path} is missing, but {} sealed with it: nothing sealed \
                     opens without it, and ucsconf makes no new key over it",
                    listed(&described)
                ),
                restore,
            ));
        }
        Ok(ops::KeyState::Unusable { why, .. }) => {
            return found.push(problem(
                format!(
                    "the node key {key_path} cannot be used ({why}), and {} sealed with it",
                    listed(&described)
                ),
                restore,
            ));
        }
        Err(e) => return found.push(problem(format!("{key_path}: {e}"), "check the file")),
    };
    for value in sealed {
        let opened = match value {
            ops::SealedValue::ClientSecret => store.store.open_secret(&key).map(drop),
            ops::SealedValue::ProxyPassword => store.store.open_proxy_password(&key).map(drop),
            ops::SealedValue::CalendarPassword => {
                match ops::load_ini(target, &target.paths.calendar).await {
                    Ok(l) => CalendarSettings::from_document(&l.doc)
                        .open_password(&key)
                        .map(drop),
                    Err(_) => Ok(()),
                }
            }
        };
        let Err(why) = opened else { continue };
        found.push(match value {
            ops::SealedValue::ClientSecret => problem(
                format!(
                    "{}: the saved credentials cannot be opened ({why})",
                    target.paths.credentials
                ),
                "save them again: ucsconf credentials save --client-id ID",
            ),
            ops::SealedValue::ProxyPassword => problem(
                format!("the proxy password does not open with the node key ({why})"),
                "type the proxy password again in System Parameters (ucsconf TUI, tab 1)",
            ),
            ops::SealedValue::CalendarPassword => problem(
                format!("the calendar password does not open with the node key ({why})"),
                "ucsconf calendar set --password-stdin (type it again)",
            ),
        });
    }
}

/// `a was`, `a and b were`.
fn listed(items: &[String]) -> String {
    match items {
        [one] => format!("{one} was"),
        [rest @ .., last] => format!("{} and {last} were", rest.join(", ")),
        [] => String::new(),
    }
}

async fn log(target: &Target, found: &mut Vec<Finding>) {
    let path = &target.paths.log;
    match target.node.stat(path).await {
        Ok(None) => found.push(warning(
            format!("the application log {path} is missing"),
            "check that the suite is running and logging",
        )),
        Ok(Some(stat)) => {
            let age = stat
                .mtime
                .and_then(|m| SystemTime::now().duration_since(m).ok())
                .unwrap_or_default();
            if age > QUIET_LOG {
                found.push(warning(
                    format!(
                        "the application log was last written {} hours ago",
                        age.as_secs() / 3600
                    ),
                    "check that the suite's web application (w3wp) is running",
                ));
            }
        }
        Err(e) => found.push(problem(
            format!("{path}: {e}"),
            "check the log folder's permissions",
        )),
    }
}

/// True when nothing but warnings was found.
pub fn healthy(findings: &[Finding]) -> bool {
    findings.iter().all(|f| f.severity == Severity::Warning)
}

// --- Online: do the endpoints the node needs answer? ----------------------

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
fn origin_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    parsed.host()?;
    Some(format!("{}/", parsed.origin().ascii_serialization()))
}

/// `imagicle.com` hosts named in the node's Presence.ini values.
async fn imagicle_hosts(target: &Target) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::NodeSpec;
    use secrecy::SecretString;
    use wiremock::matchers::{header, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn options(fixed: Vec<Endpoint>, token_url: Option<String>) -> OnlineOptions {
        OnlineOptions {
            fixed,
            token_url,
            timeouts: Timeouts {
                connect: Duration::from_secs(5),
                total: Duration::from_secs(10),
            },
            env: no_env,
        }
    }

    fn node() -> (tempfile::TempDir, Target) {
        let dir = tempfile::tempdir().unwrap();
        let target = NodeSpec::local("ucs-a", dir.path()).target();
        (dir, target)
    }

    /// A loopback port nothing listens on.
    fn closed_port() -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }

    async fn answering(status: u16) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
        server
    }

    async fn save_proxy(target: &Target, url: &str, user: &str, password: &str) {
        let key = ops::node_key(target, true).await.unwrap().unwrap();
        let loaded = ops::load_store(target).await.unwrap();
        let mut store = loaded.store.clone();
        let password = SecretString::from(password);
        store
            .set_proxy(&key, Some((url, Some(user), Some(&password))))
            .unwrap();
        ops::save_store(target, &loaded, &store).await.unwrap();
    }

    #[test]
    fn the_endpoints_come_from_the_fixed_list_the_token_url_and_presence() {
        let fixed = standard_endpoints();
        assert_eq!(fixed[0].url, WEBEX_APIS);
        let token = "https://login.imagicle.com/oauth2/token";
        let hosts = vec![
            "eu.imagicle.com".to_owned(),
            "login.imagicle.com".to_owned(),
        ];
        let urls: Vec<String> = online_endpoints(&fixed, Some(token), &hosts)
            .into_iter()
            .map(|e| e.url)
            .collect();
        assert_eq!(
            urls,
            [
                WEBEX_APIS,
                "https://login.imagicle.com/",
                "https://eu.imagicle.com/",
                token
            ]
        );
        let only_fixed = online_endpoints(&fixed, None, &[]);
        assert_eq!(only_fixed, fixed);
        assert_eq!(
            origin_of("http://127.0.0.1:8080/t?x=1").as_deref(),
            Some("http://127.0.0.1:8080/")
        );
    }

    #[tokio::test]
    async fn imagicle_hosts_are_read_from_presence_values() {
        let (dir, target) = node();
        let file = dir.path().join(crate::paths::PRESENCE);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(
            &file,
            "[Cloud]\r\nA=https://EU.imagicle.com/api\r\nB=https://evil-imagicle.com/\r\n\
             C=http://plain.imagicle.com/\r\nD=https://imagicle.com\r\nE=https://eu.imagicle.com/x\r\n",
        )
        .unwrap();
        assert_eq!(
            imagicle_hosts(&target).await,
            ["eu.imagicle.com", "imagicle.com"]
        );
    }

    #[tokio::test]
    async fn answering_endpoints_are_no_problem_whatever_their_status() {
        let (_dir, target) = node();
        let a = answering(404).await;
        let token = answering(405).await;
        let token_url = format!("{}/oauth2/token", token.uri());
        let fixed = vec![Endpoint::new("stand-in for Webex", a.uri())];
        let report = check_online(&target, &options(fixed, Some(token_url.clone()))).await;
        assert!(report.findings.is_empty(), "{:?}", report.findings);
        let got: Vec<(String, Option<u16>)> = report
            .probes
            .iter()
            .map(|p| {
                (
                    p.endpoint.url.clone(),
                    p.result.as_ref().ok().map(|r| r.status),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (a.uri(), Some(404)),
                (format!("{}/", token.uri()), Some(405)),
                (token_url, Some(405)),
            ]
        );
        assert!(
            report
                .probes
                .iter()
                .all(|p| p.result.as_ref().unwrap().via.is_none())
        );
    }

    #[tokio::test]
    async fn an_unreachable_endpoint_is_a_problem_with_a_fix() {
        let (_dir, target) = node();
        let url = format!("http://127.0.0.1:{}/", closed_port());
        let fixed = vec![Endpoint::new("stand-in for Webex", url.clone())];
        let report = check_online(&target, &options(fixed, None)).await;
        let problems: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Problem)
            .collect();
        assert_eq!(problems.len(), 1, "{:?}", report.findings);
        assert!(problems[0].what.contains(&url), "{}", problems[0].what);
        assert!(problems[0].what.contains("does not answer"));
        assert!(problems[0].fix.contains("firewall"), "{}", problems[0].fix);
        assert!(problems[0].fix.contains("proxy"), "{}", problems[0].fix);
        // No token URL: the Imagicle Cloud endpoints could not be named.
        assert!(
            report
                .findings
                .iter()
                .any(|f| { f.severity == Severity::Warning && f.what.contains("no token URL") })
        );
        assert!(!healthy(&report.findings));
    }

    #[tokio::test]
    async fn the_nodes_saved_proxy_carries_the_probes_with_its_password() {
        if crate::platform::wine::skip_test(crate::platform::wine::NO_ACLS) {
            return;
        }
        let (_dir, target) = node();
        let proxy = MockServer::start().await;
        let auth = format!(
            "Basic {}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "svc:pr0xy~pw")
        );
        Mock::given(header("proxy-authorization", auth.as_str()))
            .respond_with(ResponseTemplate::new(200))
            .mount(&proxy)
            .await;
        save_proxy(&target, &proxy.uri(), "svc", "pr0xy~pw").await;
        // The endpoint itself is never reached directly: nothing listens there.
        let url = format!("http://127.0.0.1:{}/", closed_port());
        let fixed = vec![Endpoint::new("behind the proxy", url)];
        let report = check_online(&target, &options(fixed, None)).await;
        let reached = report.probes[0]
            .result
            .as_ref()
            .expect("answered via the proxy");
        assert_eq!(
            reached.via.as_deref(),
            Some(proxy.address().to_string().as_str())
        );
        assert_eq!(proxy.received_requests().await.unwrap().len(), 1);
        assert!(
            report
                .findings
                .iter()
                .all(|f| f.severity == Severity::Warning)
        );
    }

    #[tokio::test]
    async fn a_proxy_that_refuses_its_credentials_says_so() {
        if crate::platform::wine::skip_test(crate::platform::wine::NO_ACLS) {
            return;
        }
        let (_dir, target) = node();
        let proxy = answering(407).await;
        save_proxy(&target, &proxy.uri(), "svc", "wrong-pw").await;
        let fixed = vec![Endpoint::new("behind the proxy", "http://127.0.0.1:9/")];
        let report = check_online(&target, &options(fixed, None)).await;
        let problem = report
            .findings
            .iter()
            .find(|f| f.severity == Severity::Problem)
            .expect("a problem");
        assert!(problem.what.contains("refused"), "{}", problem.what);
        assert!(problem.fix.contains("user and password"), "{}", problem.fix);
        assert!(!problem.what.contains("wrong-pw") && !problem.fix.contains("wrong-pw"));
    }
}
