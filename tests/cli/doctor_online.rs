//! `doctor --online` end to end: the real binary on a local node, wiremock
//! endpoints on loopback standing in for Webex and the token URL. Nothing
//! here leaves this machine: `--endpoint` replaces the standard endpoints.

use crate::support;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_ID: &str = "3f2a9c1e-0000-4000-8000-000000000001";

fn ucsconf(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ucsconf"));
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
    cmd.env("UCSCONF_LOG", "off")
        .arg("--config")
        .arg(dir.join("nodes.toml"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A node with nothing wrong offline: Presence.ini, a log, saved credentials.
fn healthy_node(token_url: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("nodes.toml"),
        format!(
            "[[node]]\nname = \"ucs-a\"\nroot = \"ucs-a\"\ncloud_token_url = \"{token_url}\"\n"
        ),
    )
    .unwrap();
    let root = dir.path().join("ucs-a");
    let presence = root.join("Apps/Presence/Settings/Presence.ini");
    fs::create_dir_all(presence.parent().unwrap()).unwrap();
    fs::write(&presence, "[Webex]\r\nWebexPresence.Enable=1\r\n").unwrap();
    let log = root.join("Var/Log/w3wp/ApplicationSuite.log");
    fs::create_dir_all(log.parent().unwrap()).unwrap();
    fs::write(&log, "2026-11-22 10:15:00,000 INFO  x  started\r\n").unwrap();
    let saved = ucsconf(
        dir.path(),
        &[
            "credentials",
            "save",
            "--client-id",
            CLIENT_ID,
            "--secret-stdin",
        ],
        "s3cret-value\n",
    );
    assert!(saved.status.success(), "{}", text(&saved.stderr));
    dir
}

async fn answering(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_endpoint_answering_is_healthy() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let webex = answering(200).await;
    let token = answering(405).await;
    let token_url = format!("{}/oauth2/token", token.uri());
    let dir = healthy_node(&token_url);
    let out = ucsconf(
        dir.path(),
        &["doctor", "--online", "--endpoint", &webex.uri()],
        "",
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains(&format!("✓ {} answers (HTTP 200, direct", webex.uri())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("✓ {token_url} answers (HTTP 405")),
        "{stdout}"
    );
    assert!(stdout.contains("✓ nothing wrong"), "{stdout}");
    assert_eq!(webex.received_requests().await.unwrap().len(), 1);
    // The token host's origin and the token URL itself.
    assert_eq!(token.received_requests().await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_that_does_not_answer_fails_the_doctor_with_a_fix() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let token = answering(405).await;
    let dir = healthy_node(&format!("{}/oauth2/token", token.uri()));
    let dead = format!("http://127.0.0.1:{}/", closed_port());
    let out = ucsconf(dir.path(), &["doctor", "--online", "--endpoint", &dead], "");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains(&format!("✗ from this machine, {dead}"))
            && stdout.contains("does not answer"),
        "{stdout}"
    );
    assert!(stdout.contains("fix: open outbound HTTPS"), "{stdout}");

    let out = ucsconf(
        dir.path(),
        &["--json", "doctor", "--online", "--endpoint", &dead],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let node = &doc["nodes"][0];
    assert_eq!(node["healthy"], false);
    let online = node["online"].as_array().unwrap();
    let dead_probe = online.iter().find(|p| p["url"] == dead.as_str()).unwrap();
    assert_eq!(dead_probe["answers"], false);
    assert!(dead_probe["error"].as_str().unwrap().contains("refused"));
    assert!(
        online
            .iter()
            .filter(|p| p["url"] != dead.as_str())
            .all(|p| p["answers"] == true && p["status"] == 405)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_online_no_endpoint_is_asked() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let webex = answering(200).await;
    let token = answering(405).await;
    let dir = healthy_node(&format!("{}/oauth2/token", token.uri()));
    let out = ucsconf(dir.path(), &["--json", "doctor"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["nodes"][0].get("online").is_none());
    assert!(token.received_requests().await.unwrap().is_empty());
    let misuse = ucsconf(dir.path(), &["doctor", "--endpoint", &webex.uri()], "");
    assert_eq!(misuse.status.code(), Some(2), "--endpoint needs --online");
    assert!(webex.received_requests().await.unwrap().is_empty());
}
