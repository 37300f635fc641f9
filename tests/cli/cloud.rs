//! `ucsconf credentials test` end to end: the real binary on a `--root`
//! node in a temp dir, a wiremock token endpoint on loopback.

use crate::support;

use std::fs;

use assert_cmd::Command;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use url::form_urlencoded;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const CLIENT_ID: &str = "9f8e7d6c-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
const SECRET: &str = "a~b+c/d.e=f&g%h-Right";
const WRONG: &str = "a~b+c/d.e=f&g%h-Wrong";

/// Issues a token for the right secret in the body; otherwise refuses and
/// echoes what it got, as a careless server might.
struct Endpoint;

impl Respond for Endpoint {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let form: Vec<(String, String)> =
            form_urlencoded::parse(&request.body).into_owned().collect();
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let presented = match basic(request) {
            Some((id, secret)) => (Some(id), Some(secret)),
            None => (get("client_id"), get("client_secret")),
        };
        match presented {
            (Some(id), Some(secret)) if id == CLIENT_ID && secret == SECRET => {
                ResponseTemplate::new(200).set_body_json(json!({
                    "access_token": "issued-token-value", "token_type": "Bearer", "expires_in": 3600
                }))
            }
            (_, secret) => ResponseTemplate::new(401).set_body_json(json!({
                "error": "invalid_client",
                "error_description": format!("AADSTS7000215: Invalid client secret provided ({})", secret.unwrap_or_default()),
            })),
        }
    }
}

/// The client ID and secret of an `Authorization: Basic` header, form-decoded.
fn basic(request: &Request) -> Option<(String, String)> {
    let value = request.headers.get("authorization")?.to_str().ok()?;
    let decoded = B64.decode(value.strip_prefix("Basic ")?).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unform = |s: &str| {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some((unform(id), unform(secret)))
}

struct Setup {
    _dir: tempfile::TempDir,
    root: String,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        fs::create_dir_all(&root).unwrap();
        Setup {
            root: root.display().to_string(),
            _dir: dir,
        }
    }

    /// The binary on this node, with no proxy from the caller's environment.
    fn ucsconf(&self) -> Command {
        let mut cmd = Command::cargo_bin("ucsconf").unwrap();
        for var in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "NO_PROXY",
            "no_proxy",
            "UCSCONF_CONFIG",
        ] {
            cmd.env_remove(var);
        }
        cmd.args(["--root", &self.root]);
        cmd
    }

    /// Runs the binary with `args`, expecting exit 1; its stderr.
    fn failing(&self, args: &[&str]) -> String {
        let out = self.ucsconf().args(args).output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        stderr
    }

    fn save(&self, secret: &str) {
        self.ucsconf()
            .args([
                "credentials",
                "save",
                "--client-id",
                CLIENT_ID,
                "--secret-stdin",
            ])
            .write_stdin(format!("{secret}\n"))
            .assert()
            .success();
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_no_secret(out: &str) {
    let encoded: String = form_urlencoded::byte_serialize(SECRET.as_bytes()).collect();
    let wrong: String = form_urlencoded::byte_serialize(WRONG.as_bytes()).collect();
    for needle in [SECRET, WRONG, &encoded, &wrong, "issued-token-value"] {
        assert!(!out.contains(needle), "{needle:?} in output: {out}");
    }
}

async fn endpoint() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(Endpoint)
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn saved_credentials_are_tested_and_the_secret_never_shows() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let setup = Setup::new();
    let server = endpoint().await;
    let url = format!("http://127.0.0.1:{}/token", server.address().port());
    setup.save(SECRET);

    // Basic authentication, the default.
    let ok = setup
        .ucsconf()
        .args(["credentials", "test", "--token-url", &url])
        .output()
        .unwrap();
    let (stdout, stderr) = (text(&ok.stdout), text(&ok.stderr));
    assert_eq!(ok.status.code(), Some(0), "{stdout}{stderr}");
    assert_eq!(stdout, "\u{2713} token issued, valid 60 min\n");
    assert_no_secret(&(stdout + &stderr));

    let json = setup
        .ucsconf()
        .args([
            "--json",
            "credentials",
            "test",
            "--token-url",
            &url,
            "--auth",
            "body",
        ])
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    let node = &doc["nodes"][0];
    assert_eq!(node["ok"], true);
    assert_eq!(node["expires_in"], 3600);
    assert_eq!(node["token_type"], "Bearer");
    assert_eq!(node["client_id"], CLIENT_ID);
    assert_eq!(node["auth"], "body");
    assert_eq!(node["proxy"], Value::Null);
    assert_no_secret(&(text(&json.stdout) + &text(&json.stderr)));

    setup.save(WRONG);
    for auth in ["basic", "body"] {
        let refused = setup
            .ucsconf()
            .args(["credentials", "test", "--token-url", &url, "--auth", auth])
            .output()
            .unwrap();
        let (stdout, stderr) = (text(&refused.stdout), text(&refused.stderr));
        assert_eq!(refused.status.code(), Some(1), "{stdout}{stderr}");
        assert!(stderr.contains("invalid_client"), "{stderr}");
        assert!(stderr.contains("AADSTS7000215"), "{stderr}");
        // The endpoint echoed the wrong secret: it is scrubbed.
        assert!(stderr.contains("[redacted]"), "{stderr}");
        assert_no_secret(&(stdout + &stderr));
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_proxy_flag_routes_the_request() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let setup = Setup::new();
    let proxy = endpoint().await;
    setup.save(SECRET);
    // Nothing listens at the token URL: only the proxy can answer.
    let url = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/token", listener.local_addr().unwrap())
    };
    let out = setup
        .ucsconf()
        .args(["credentials", "test", "--token-url", &url, "--auth", "body"])
        .args(["--proxy", &proxy.uri()])
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert_eq!(
        stdout,
        format!(
            "\u{2713} token issued, valid 60 min (via {})\n",
            proxy.address()
        )
    );
    let seen = proxy.received_requests().await.unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].url.as_str(), url);
}

#[test]
fn usage_errors_exit_2() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let setup = Setup::new();
    setup.save(SECRET);
    let cases: [(&[&str], &str); 4] = [
        (&["credentials", "test"], "cloud_token_url"),
        (
            &[
                "credentials",
                "test",
                "--token-url",
                "http://10.1.2.3/token",
            ],
            "use https://",
        ),
        (
            &[
                "credentials",
                "test",
                "--token-url",
                "https://login.example.com/token",
                "--proxy",
                "http://svc:hunter2@proxy:3128",
            ],
            "shows in `ps`",
        ),
        (
            &[
                "credentials",
                "test",
                "--token-url",
                "https://x/t",
                "--auth",
                "digest",
            ],
            "basic or body",
        ),
    ];
    for (args, needle) in cases {
        let out = setup.ucsconf().args(args).output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_scope_names_the_flag_and_the_inventory_key() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let setup = Setup::new();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_scope"})))
        .mount(&server)
        .await;
    let url = format!("http://127.0.0.1:{}/token", server.address().port());
    setup.save(SECRET);
    let stderr = setup.failing(&["credentials", "test", "--token-url", &url, "--scope", "x"]);
    assert!(
        stderr.contains("invalid_scope (HTTP 400 Bad Request); check the scope (--scope or cloud_scope in nodes.toml)"),
        "{stderr}"
    );
}

#[test]
fn testing_without_saved_credentials_says_how_to_save_them() {
    let setup = Setup::new();
    let url = "http://127.0.0.1:9/token";
    let stderr = setup.failing(&["credentials", "test", "--token-url", url]);
    assert!(
        stderr.contains("save them first with `ucsconf credentials save`"),
        "{stderr}"
    );
}
