use super::online::{imagicle_hosts, origin_of};
use super::*;
use crate::cloud::Timeouts;
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
    assert!(
        problems[0].fix.to_string().contains("firewall"),
        "{}",
        problems[0].fix
    );
    assert!(
        problems[0].fix.to_string().contains("proxy"),
        "{}",
        problems[0].fix
    );
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
    assert!(
        problem.fix.to_string().contains("user and password"),
        "{}",
        problem.fix
    );
    assert!(!problem.what.contains("wrong-pw") && !problem.fix.to_string().contains("wrong-pw"));
}
