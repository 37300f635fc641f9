//! The token request against real HTTP servers on loopback (wiremock as the
//! token endpoint and as an HTTP proxy).

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use secrecy::SecretString;
use serde_json::json;
use ucsconf::ErrorClass;
use ucsconf::cloud::{
    AuthStyle, CloudError, NetworkKind, ProxyChoice, Timeouts, TokenRequest, request_token,
    request_token_with_env, resolve_proxy,
};
use url::form_urlencoded;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const CLIENT_ID: &str = "3f2a9c1e-0000-4000-8000-000000000001";
const SECRET: &str = "Qx8~kZ.2v_Lm0";
const AWKWARD: &str = "a~b+c/d.e=f&g%h";

/// A token endpoint that checks the client credentials the way a server
/// decodes them: Basic (base64, then form-decoding of each half) or the body.
struct CheckingEndpoint {
    client_id: String,
    secret: String,
}

impl CheckingEndpoint {
    fn new(secret: &str) -> CheckingEndpoint {
        CheckingEndpoint {
            client_id: CLIENT_ID.into(),
            secret: secret.into(),
        }
    }
}

fn form_decode(text: &str) -> String {
    form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The client ID and secret as the server reads them, and how they came.
fn presented(request: &Request) -> Option<(String, String, AuthStyle)> {
    let form: Vec<(String, String)> = form_urlencoded::parse(&request.body).into_owned().collect();
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if let Some(auth) = request.headers.get("authorization") {
        let encoded = auth.to_str().ok()?.strip_prefix("Basic ")?;
        let decoded = String::from_utf8(B64.decode(encoded).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        assert!(field("client_secret").is_none(), "secret sent twice");
        return Some((form_decode(id), form_decode(secret), AuthStyle::Basic));
    }
    Some((
        field("client_id")?,
        field("client_secret")?,
        AuthStyle::Body,
    ))
}

impl Respond for CheckingEndpoint {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let form: Vec<(String, String)> =
            form_urlencoded::parse(&request.body).into_owned().collect();
        if !form.contains(&("grant_type".into(), "client_credentials".into())) {
            return ResponseTemplate::new(400)
                .set_body_json(json!({"error": "unsupported_grant_type"}));
        }
        match presented(request) {
            Some((id, secret, style)) if id == self.client_id && secret == self.secret => {
                ResponseTemplate::new(200).set_body_json(json!({
                    "access_token": "eyJ0eXAi.ISSUED-TOKEN.sig",
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "scope": form.iter().find(|(k, _)| k == "scope").map(|(_, v)| v.clone()),
                    "auth_seen": style.as_str(),
                }))
            }
            // Echo what was received, as a careless server might.
            Some((_, secret, _)) => ResponseTemplate::new(401).set_body_json(json!({
                "error": "invalid_client",
                "error_description": format!("AADSTS7000215: Invalid client secret provided: {secret}"),
            })),
            None => ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client"})),
        }
    }
}

async fn token_server(secret: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(CheckingEndpoint::new(secret))
        .mount(&server)
        .await;
    server
}

fn request(url: String, secret: &str) -> TokenRequest {
    TokenRequest {
        token_url: url,
        client_id: CLIENT_ID.into(),
        secret: SecretString::from(secret.to_owned()),
        scope: None,
        auth: AuthStyle::Basic,
        proxy: ProxyChoice::Direct,
        timeouts: Timeouts::default(),
    }
}

fn token_url(server: &MockServer) -> String {
    format!("{}/token", server.uri())
}

/// Every form in which the secret could leak.
fn assert_hidden(text: &str, secret: &str) {
    let encoded: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    for needle in [secret.to_owned(), encoded] {
        assert!(!text.contains(&needle), "secret form {needle:?} in: {text}");
    }
}

fn endpoint_error(result: Result<ucsconf::cloud::TokenInfo, CloudError>) -> CloudError {
    let err = result.expect_err("the request should fail");
    assert_eq!(err.class(), ErrorClass::Failed, "{err}");
    err
}

#[tokio::test]
async fn success_gives_lifetime_and_type_never_the_token() {
    let server = token_server("s3cret").await;
    let mut req = request(token_url(&server), "s3cret");
    req.scope = Some("api://ucs/.default".into());
    let info = request_token(&req).await.unwrap();
    assert_eq!(info.token_type, "Bearer");
    assert_eq!(info.expires_in, Some(Duration::from_secs(3600)));
    assert_eq!(info.scope.as_deref(), Some("api://ucs/.default"));
    assert_eq!(info.via, None);
    assert_eq!(info.client_id, CLIENT_ID);
    assert_eq!(info.summary(), "token issued, valid 60 min");
    assert!(!format!("{info:?}").contains("ISSUED-TOKEN"));
    let seen = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        seen.headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
}

#[tokio::test]
async fn awkward_secret_survives_basic_and_body_authentication() {
    let server = token_server(AWKWARD).await;
    for style in [AuthStyle::Basic, AuthStyle::Body] {
        let mut req = request(token_url(&server), AWKWARD);
        req.auth = style;
        let info = request_token(&req)
            .await
            .unwrap_or_else(|e| panic!("{style:?}: {e}"));
        assert_eq!(info.token_type, "Bearer");
    }
    let seen = server.received_requests().await.unwrap();
    assert_eq!(seen.len(), 2);
    assert!(seen[0].headers.contains_key("authorization"));
    assert!(!seen[1].headers.contains_key("authorization"));
    assert_eq!(
        presented(&seen[0]).unwrap(),
        (CLIENT_ID.to_owned(), AWKWARD.to_owned(), AuthStyle::Basic)
    );
    assert_eq!(
        presented(&seen[1]).unwrap(),
        (CLIENT_ID.to_owned(), AWKWARD.to_owned(), AuthStyle::Body)
    );
    // The forms as oauth2 itself writes them: the ID only in the header with
    // Basic, the ID then the secret at the end of the form with Body.
    let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    assert_eq!(
        String::from_utf8_lossy(&seen[0].body),
        "grant_type=client_credentials"
    );
    assert_eq!(
        String::from_utf8_lossy(&seen[1].body),
        format!(
            "grant_type=client_credentials&client_id={}&client_secret={}",
            encode(CLIENT_ID),
            encode(AWKWARD)
        )
    );
}

#[tokio::test]
async fn invalid_client_reports_code_and_description_without_the_secret() {
    let server = token_server("the-right-one").await;
    for style in [AuthStyle::Basic, AuthStyle::Body] {
        let mut req = request(token_url(&server), AWKWARD);
        req.auth = style;
        let err = endpoint_error(request_token(&req).await);
        assert_eq!(err.code(), Some("invalid_client"));
        assert_eq!(err.aadsts(), Some("AADSTS7000215"));
        let text = err.to_string();
        assert!(text.contains("invalid_client"), "{text}");
        assert!(text.contains("Invalid client secret provided"), "{text}");
        assert!(text.contains("HTTP 401"), "{text}");
        // The server echoed the secret: it is scrubbed.
        assert!(text.contains("[redacted]"), "{text}");
        assert_hidden(&text, AWKWARD);
        assert_hidden(&format!("{err:?}"), AWKWARD);
        assert_hidden(&format!("{req:?}"), AWKWARD);
    }
}

#[tokio::test]
async fn aadsts_error_is_one_clean_line() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "unauthorized_client",
            "error_description": "AADSTS700016: Application with identifier 'x' was not found in the directory 'y'.\r\nTrace ID: 1\r\nCorrelation ID: 2\u{1b}[2J",
            "error_codes": [700016],
        })))
        .mount(&server)
        .await;
    let err = endpoint_error(request_token(&request(token_url(&server), SECRET)).await);
    assert_eq!(err.code(), Some("unauthorized_client"));
    assert_eq!(err.aadsts(), Some("AADSTS700016"));
    let text = err.to_string();
    assert!(!text.contains(['\r', '\n', '\u{1b}']), "{text:?}");
    assert!(
        text.contains("Trace ID: 1 Correlation ID: 2\\x1b[2J"),
        "{text}"
    );
}

#[tokio::test]
async fn an_error_status_without_oauth2_body_names_the_status() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>not here</html>"))
        .mount(&server)
        .await;
    let err = endpoint_error(request_token(&request(token_url(&server), SECRET)).await);
    assert_eq!(err, CloudError::Status { status: 404 });
    assert!(err.to_string().contains("HTTP 404 Not Found"), "{err}");
}

#[tokio::test]
async fn a_redirect_is_reported_and_not_followed() {
    let server = MockServer::start().await;
    let elsewhere = format!("{}/elsewhere", server.uri());
    Mock::given(path("/token"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", elsewhere.as_str()))
        .mount(&server)
        .await;
    Mock::given(path("/elsewhere"))
        .respond_with(CheckingEndpoint::new(SECRET))
        .expect(0)
        .mount(&server)
        .await;
    let err = endpoint_error(request_token(&request(token_url(&server), SECRET)).await);
    assert_eq!(
        err.to_string(),
        format!("the token endpoint redirected to {elsewhere} (HTTP 302); not followed")
    );
    server.verify().await;
}

#[tokio::test]
async fn a_slow_endpoint_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let mut req = request(token_url(&server), SECRET);
    req.timeouts.total = Duration::from_millis(300);
    let err = endpoint_error(request_token(&req).await);
    assert!(
        matches!(
            err,
            CloudError::Network {
                kind: NetworkKind::Timeout,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("timeout 300 ms"), "{err}");
}

#[tokio::test]
async fn a_closed_port_is_connection_refused() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/token");
    let err = endpoint_error(request_token(&request(url, SECRET)).await);
    assert_eq!(
        err.to_string(),
        format!("the token endpoint 127.0.0.1:{port} refused the connection")
    );
    assert!(
        matches!(&err, CloudError::Network { kind: NetworkKind::Refused, peer, .. } if peer == &format!("token endpoint 127.0.0.1:{port}")),
        "{err:?}"
    );
}

#[tokio::test]
async fn tls_to_a_plain_http_server_is_a_tls_error() {
    let server = token_server(SECRET).await;
    let url = token_url(&server).replace("http://", "https://");
    let err = endpoint_error(request_token(&request(url, SECRET)).await);
    assert!(
        matches!(
            err,
            CloudError::Network {
                kind: NetworkKind::Tls,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("TLS handshake"), "{err}");
}

#[tokio::test]
async fn plain_http_off_loopback_is_refused_before_any_connection() {
    let proxy = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(CheckingEndpoint::new(SECRET))
        .expect(0)
        .mount(&proxy)
        .await;
    for choice in [
        ProxyChoice::Direct,
        ProxyChoice::from_flag(&proxy.uri()).unwrap(),
    ] {
        let mut req = request("http://ucs-token.example.com/token".into(), SECRET);
        req.proxy = choice;
        let err = request_token(&req).await.unwrap_err();
        assert!(matches!(err, CloudError::InsecureUrl { .. }), "{err:?}");
        assert_eq!(err.class(), ErrorClass::Invalid);
        assert!(err.to_string().contains("use https://"), "{err}");
    }
    proxy.verify().await;
}

/// A proxy that answers for the endpoint it was asked for, when the
/// credentials (if any are wanted) are right.
async fn proxy_server(credentials: Option<&str>) -> MockServer {
    let proxy = MockServer::start().await;
    match credentials {
        None => {
            Mock::given(method("POST"))
                .respond_with(CheckingEndpoint::new(SECRET))
                .mount(&proxy)
                .await;
        }
        Some(pair) => {
            let expected = format!("Basic {}", B64.encode(pair));
            Mock::given(method("POST"))
                .and(header("proxy-authorization", expected.as_str()))
                .respond_with(CheckingEndpoint::new(SECRET))
                .with_priority(1)
                .mount(&proxy)
                .await;
            Mock::given(method("POST"))
                .respond_with(
                    ResponseTemplate::new(407).insert_header("Proxy-Authenticate", "Basic"),
                )
                .with_priority(2)
                .mount(&proxy)
                .await;
        }
    }
    proxy
}

/// A loopback token URL where nothing listens: only a proxy can answer it.
fn unreachable_token_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}/token", listener.local_addr().unwrap())
}

fn address(server: &MockServer) -> String {
    server.address().to_string()
}

#[tokio::test]
async fn proxy_from_the_flag_sees_the_absolute_url() {
    let proxy = proxy_server(None).await;
    let url = unreachable_token_url();
    let mut req = request(url.clone(), SECRET);
    req.proxy = ProxyChoice::from_flag(&proxy.uri()).unwrap();
    let info = request_token(&req).await.unwrap();
    assert_eq!(info.via, Some(address(&proxy)));
    assert!(
        info.summary()
            .ends_with(&format!("(via {})", address(&proxy)))
    );
    let seen = proxy.received_requests().await.unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].url.as_str(), url);
}

#[tokio::test]
async fn proxy_from_the_environment_and_its_exceptions() {
    let proxy = proxy_server(None).await;
    let endpoint = token_server(SECRET).await;
    let proxy_uri = proxy.uri();
    let mut req = request(token_url(&endpoint), SECRET);
    req.proxy = ProxyChoice::Environment;

    let via_proxy = |name: &'static str| {
        let proxy_uri = proxy_uri.clone();
        move |var: &str| (var == name).then(|| proxy_uri.clone())
    };
    for name in ["HTTP_PROXY", "http_proxy"] {
        let info = request_token_with_env(&req, &via_proxy(name))
            .await
            .unwrap();
        assert_eq!(info.via, Some(address(&proxy)), "{name}");
    }
    // HTTPS_PROXY is for https:// endpoints only.
    let info = request_token_with_env(&req, &via_proxy("HTTPS_PROXY"))
        .await
        .unwrap();
    assert_eq!(info.via, None);
    let seen = proxy.received_requests().await.unwrap();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|r| r.url.as_str() == req.token_url));

    for no_proxy in ["127.0.0.1", "127.0.0.0/8", "*"] {
        let env = |var: &str| match var {
            "HTTP_PROXY" => Some(proxy_uri.clone()),
            "no_proxy" => Some(format!("corp.local, {no_proxy}")),
            _ => None,
        };
        let info = request_token_with_env(&req, &env).await.unwrap();
        assert_eq!(info.via, None, "{no_proxy}");
    }
    assert_eq!(proxy.received_requests().await.unwrap().len(), 2);
    assert_eq!(endpoint.received_requests().await.unwrap().len(), 4);

    let route = resolve_proxy(
        &ProxyChoice::Environment,
        "https://login.example.com/t",
        &|var| (var == "https_proxy").then(|| "http://svc:pw%21@proxy.corp.local:3128".to_owned()),
    )
    .unwrap()
    .unwrap();
    assert_eq!(route.address(), "proxy.corp.local:3128");
    assert_eq!(route.user(), Some("svc"));
    assert!(!format!("{route:?}").contains("pw"));
}

#[tokio::test]
async fn proxy_credentials_are_sent_and_a_407_is_explained() {
    let password = "p@ss:w0rd~+/";
    let proxy = proxy_server(Some(&format!("svc:{password}"))).await;
    let url = unreachable_token_url();
    let with = |user: Option<&str>, password: Option<&str>| {
        let mut req = request(url.clone(), SECRET);
        req.proxy = ProxyChoice::Url {
            url: proxy.uri(),
            user: user.map(str::to_owned),
            password: password.map(|p| SecretString::from(p.to_owned())),
        };
        req
    };
    let req = with(Some("svc"), Some(password));
    assert_hidden(&format!("{req:?}"), password);
    let info = request_token(&req).await.unwrap();
    assert_eq!(info.via, Some(address(&proxy)));

    let err = endpoint_error(request_token(&with(None, None)).await);
    assert_eq!(
        err,
        CloudError::ProxyAuth {
            proxy: address(&proxy),
            sent_credentials: false
        }
    );
    let err = endpoint_error(request_token(&with(Some("svc"), Some("wrong"))).await);
    assert!(
        matches!(
            err,
            CloudError::ProxyAuth {
                sent_credentials: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("407"), "{err}");
    assert_hidden(&err.to_string(), password);
}

#[tokio::test]
async fn a_dead_proxy_is_named_as_the_proxy() {
    let dead = unreachable_token_url();
    let endpoint = token_server(SECRET).await;
    let mut req = request(token_url(&endpoint), SECRET);
    req.proxy = ProxyChoice::from_flag(dead.trim_end_matches("/token")).unwrap();
    let err = endpoint_error(request_token(&req).await);
    assert!(
        matches!(&err, CloudError::Network { kind: NetworkKind::Refused, peer, .. } if peer.starts_with("proxy ")),
        "{err:?}"
    );
    assert!(endpoint.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_success_without_a_token_is_a_bad_response_that_quotes_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"token_type": "Bearer", "note": "LEAKY"})),
        )
        .mount(&server)
        .await;
    let err = endpoint_error(request_token(&request(token_url(&server), SECRET)).await);
    assert!(matches!(err, CloudError::BadResponse { .. }), "{err:?}");
    assert!(!err.to_string().contains("LEAKY"), "{err}");
}

#[tokio::test]
async fn an_https_tunnel_refused_by_the_proxy_is_explained() {
    let proxy = MockServer::start().await;
    Mock::given(method("CONNECT"))
        .respond_with(ResponseTemplate::new(407).insert_header("Proxy-Authenticate", "Basic"))
        .mount(&proxy)
        .await;
    // The name is resolved by the proxy, never here: no traffic leaves loopback.
    let mut req = request("https://ucs-token.example.com/token".into(), SECRET);
    req.proxy = ProxyChoice::from_flag(&proxy.uri()).unwrap();
    let err = endpoint_error(request_token(&req).await);
    assert_eq!(
        err,
        CloudError::ProxyAuth {
            proxy: address(&proxy),
            sent_credentials: false
        }
    );

    proxy.reset().await;
    Mock::given(method("CONNECT"))
        .respond_with(ResponseTemplate::new(403))
        .mount(&proxy)
        .await;
    let err = endpoint_error(request_token(&req).await);
    assert!(
        matches!(
            err,
            CloudError::Network {
                kind: NetworkKind::ProxyTunnel,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("tunnel"), "{err}");
}

#[tokio::test]
async fn a_loopback_http_token_url_never_goes_through_a_proxy_elsewhere() {
    // The proxy records what it receives. It listens on loopback, but is
    // named by its IPv4-mapped IPv6 address, which is not loopback by name:
    // it stands for a proxy on another machine. Before, it received the
    // request, with `Authorization: Basic <client id:secret>` in clear.
    let recording = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(CheckingEndpoint::new(SECRET))
        .mount(&recording)
        .await;
    let elsewhere = format!("http://[::ffff:127.0.0.1]:{}", recording.address().port());
    let endpoint = token_server(SECRET).await;
    let mut req = request(token_url(&endpoint), SECRET);
    req.proxy = ProxyChoice::Url {
        url: elsewhere.clone(),
        user: None,
        password: None,
    };
    let saved = request_token(&req).await.unwrap();
    assert_eq!(saved.via, None, "went direct");
    req.proxy = ProxyChoice::Environment;
    let from_env = request_token_with_env(&req, &|var| {
        (var == "HTTP_PROXY").then(|| elsewhere.clone())
    })
    .await
    .unwrap();
    assert_eq!(from_env.via, None, "went direct");
    assert!(recording.received_requests().await.unwrap().is_empty());
    assert_eq!(endpoint.received_requests().await.unwrap().len(), 2);
}

/// A refusal that echoes the secret it was sent where the message is cut
/// (600 characters), with its whitespace doubled, as a careless server might.
struct EchoAtTheCut;

impl Respond for EchoAtTheCut {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let secret = presented(request).map(|(_, s, _)| s).unwrap_or_default();
        ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": format!("{} {secret} is not valid", "x".repeat(592)),
        }))
    }
}

#[tokio::test]
async fn a_secret_echoed_across_the_cut_leaves_no_piece_behind() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(EchoAtTheCut)
        .mount(&server)
        .await;
    let secret = "SuperSecret Value-42";
    for auth in [AuthStyle::Basic, AuthStyle::Body] {
        let mut req = request(token_url(&server), secret);
        req.auth = auth;
        let err = endpoint_error(request_token(&req).await);
        let text = err.to_string();
        assert!(text.contains("invalid_client"), "{text}");
        assert!(
            !text.contains("Supe"),
            "a piece of the secret survived: {text}"
        );
        assert_hidden(&text, secret);
    }
}
