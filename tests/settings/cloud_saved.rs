//! Testing a node's saved credentials: the store and key on a real local
//! node in a temp dir, a wiremock token endpoint and proxy on loopback.

use crate::support;

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use secrecy::SecretString;
use serde_json::json;
use ucsconf::cloud::{ProxyChoice, TestOverrides, test_saved_credentials};
use ucsconf::inventory::{Inventory, NodeSpec};
use ucsconf::ops::{self, Target};
use ucsconf::{Error, ErrorClass};
use wiremock::matchers::{body_string_contains, header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_ID: &str = "3f2a9c1e-0000-4000-8000-000000000001";
const SECRET: &str = "Zr7~Qp.9_w+Xk/4=";

struct Node {
    _dir: tempfile::TempDir,
    target: Target,
}

impl Node {
    async fn with_credentials() -> Node {
        let dir = tempfile::tempdir().unwrap();
        let target = NodeSpec::local("ucs-a", dir.path()).target();
        ops::save_credentials(
            &target,
            CLIENT_ID,
            &SecretString::from(SECRET),
            ops::KeyRule::Keep,
        )
        .await
        .unwrap();
        Node { _dir: dir, target }
    }

    async fn set_proxy(&self, url: &str, user: &str, password: &str) {
        let key = ops::node_key(&self.target, false).await.unwrap().unwrap();
        let loaded = ops::load_store(&self.target).await.unwrap();
        let mut store = loaded.store.clone();
        let password = SecretString::from(password);
        store
            .set_proxy(&key, Some((url, Some(user), Some(&password))))
            .unwrap();
        ops::save_store(&self.target, &loaded, &store)
            .await
            .unwrap();
    }
}

fn token() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": "opaque-token", "token_type": "Bearer", "expires_in": 3599
    }))
}

/// An endpoint that issues a token for the saved credentials only.
async fn endpoint() -> MockServer {
    let server = MockServer::start().await;
    let basic = format!(
        "Basic {}",
        B64.encode(format!("{CLIENT_ID}:Zr7%7EQp.9_w%2BXk%2F4%3D"))
    );
    Mock::given(method("POST"))
        .and(header("authorization", basic.as_str()))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(token())
        .mount(&server)
        .await;
    server
}

fn direct_to(url: String) -> TestOverrides {
    TestOverrides {
        token_url: Some(url),
        proxy: Some(ProxyChoice::Direct),
        ..TestOverrides::default()
    }
}

#[tokio::test]
async fn saved_credentials_get_a_token() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let node = Node::with_credentials().await;
    let server = endpoint().await;
    let info = test_saved_credentials(&node.target, &direct_to(format!("{}/token", server.uri())))
        .await
        .unwrap();
    assert_eq!(info.client_id, CLIENT_ID);
    assert_eq!(info.summary(), "token issued, valid 60 min");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_stored_proxy_carries_the_request_with_its_sealed_password() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let node = Node::with_credentials().await;
    let proxy = MockServer::start().await;
    let pair = format!("Basic {}", B64.encode("svc:pr0xy~pw"));
    Mock::given(method("POST"))
        .and(header("proxy-authorization", pair.as_str()))
        .respond_with(token())
        .mount(&proxy)
        .await;
    node.set_proxy(&proxy.uri(), "svc", "pr0xy~pw").await;
    let server = endpoint().await;
    let url = format!("{}/token", server.uri());

    // No --proxy: the node's own proxy, not the environment.
    let overrides = TestOverrides {
        token_url: Some(url.clone()),
        ..TestOverrides::default()
    };
    let info = test_saved_credentials(&node.target, &overrides)
        .await
        .unwrap();
    assert_eq!(info.via, Some(proxy.address().to_string()));
    assert_eq!(proxy.received_requests().await.unwrap().len(), 1);
    assert!(server.received_requests().await.unwrap().is_empty());

    // --proxy wins over the stored one.
    let info = test_saved_credentials(&node.target, &direct_to(url))
        .await
        .unwrap();
    assert_eq!(info.via, None);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn without_a_token_url_it_says_how_to_set_one() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let node = Node::with_credentials().await;
    let err = test_saved_credentials(&node.target, &TestOverrides::default())
        .await
        .unwrap_err();
    assert_eq!(err.class(), ErrorClass::Invalid);
    let text = err.to_string();
    assert!(
        text.contains("--token-url") && text.contains("cloud_token_url"),
        "{text}"
    );
}

#[tokio::test]
async fn without_credentials_nothing_is_asked() {
    let dir = tempfile::tempdir().unwrap();
    let target = NodeSpec::local("ucs-b", dir.path()).target();
    let server = endpoint().await;
    let err = test_saved_credentials(&target, &direct_to(format!("{}/token", server.uri())))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoCredentials { .. }), "{err:?}");
    assert_eq!(err.class(), ucsconf::ErrorClass::Failed);
    assert!(err.to_string().contains("no credentials saved"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_wrong_node_key_is_reported_and_nothing_is_asked() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let node = Node::with_credentials().await;
    let key_path = node.target.node.root().to_owned() + "/" + &node.target.paths.node_key;
    std::fs::write(&key_path, [7u8; 32]).unwrap();
    let server = endpoint().await;
    let err = test_saved_credentials(&node.target, &direct_to(format!("{}/token", server.uri())))
        .await
        .unwrap_err();
    assert_eq!(err.class(), ErrorClass::Failed);
    assert!(err.to_string().contains("cannot be opened"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn token_url_and_scope_come_from_the_inventory_unless_given() {
    let text = r#"
        [defaults]
        cloud_token_url = "https://login.example.com/t/oauth2/v2.0/token"
        cloud_scope = "api://ucs/.default"

        [[node]]
        name = "a"
        root = "a"

        [[node]]
        name = "b"
        root = "b"
        cloud_token_url = "https://other.example.com/token"
    "#;
    let inv = Inventory::parse(text, Path::new("nodes.toml")).unwrap();
    let a = TestOverrides::default().with_inventory(&inv.nodes[0]);
    assert_eq!(
        a.token_url.as_deref(),
        Some("https://login.example.com/t/oauth2/v2.0/token")
    );
    assert_eq!(a.scope.as_deref(), Some("api://ucs/.default"));
    let b = TestOverrides::default().with_inventory(&inv.nodes[1]);
    assert_eq!(
        b.token_url.as_deref(),
        Some("https://other.example.com/token")
    );
    assert_eq!(b.scope.as_deref(), Some("api://ucs/.default"));
    let flag = TestOverrides {
        token_url: Some("https://flag.example.com/token".into()),
        ..TestOverrides::default()
    }
    .with_inventory(&inv.nodes[1]);
    assert_eq!(
        flag.token_url.as_deref(),
        Some("https://flag.example.com/token")
    );
}

#[tokio::test]
async fn a_test_runs_in_the_background_and_stops_when_dropped() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let node = Node::with_credentials().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(token().set_delay(std::time::Duration::from_secs(600)))
        .mount(&server)
        .await;
    let overrides = direct_to(format!("{}/token", server.uri()));
    let target = node.target.clone();
    // Spawnable: the future is Send and owns what it needs.
    let task = tokio::spawn(async move { test_saved_credentials(&target, &overrides).await });
    while server.received_requests().await.unwrap().is_empty() {
        tokio::task::yield_now().await;
    }
    task.abort();
    let ended = task.await.unwrap_err();
    assert!(ended.is_cancelled());
}
