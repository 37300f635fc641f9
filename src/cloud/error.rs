//! What can go wrong when asking a token endpoint, in plain words.
//!
//! Every message is built here from status codes, the parsed OAuth2 error
//! JSON and the kind of network failure; no text of the HTTP libraries that
//! could hold the request (its Basic header or form body) is passed through.
//! Text that comes from the server is cleaned of control characters, and the
//! secret is scrubbed from everything before an error leaves this module.

use std::fmt::Write as _;
use std::time::Duration;

use crate::ErrorClass;

/// Longest piece of server text kept in a message, in characters.
const MAX_SERVER_TEXT: usize = 600;

/// Why a network exchange failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkKind {
    /// The host name did not resolve.
    Dns,
    /// Nothing listens there (TCP connection refused).
    Refused,
    /// The TLS handshake failed (certificate, protocol).
    Tls,
    /// No TCP connection within the connect timeout.
    ConnectTimeout,
    /// No complete answer within the total timeout.
    Timeout,
    /// The proxy would not open a tunnel (CONNECT) to the endpoint.
    ProxyTunnel,
    Other,
}

/// A failed token request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudError {
    #[error("the token URL {url} is not valid: {why}")]
    BadTokenUrl { url: String, why: String },
    /// A plain `http://` URL to anything but this machine (the secret would travel in clear).
    #[error(
        "refusing the plain http:// token URL {url}: the secret would travel in clear; \
         http:// is only allowed to this machine (localhost, 127.0.0.0/8, ::1); use https://"
    )]
    InsecureUrl { url: String },
    #[error("the proxy URL {url} is not valid: {why}")]
    BadProxyUrl { url: String, why: String },
    #[error("the token endpoint redirected to {location} (HTTP {status}); not followed")]
    Redirected { status: u16, location: String },
    /// An OAuth2 error response (`invalid_client`, `unauthorized_client`, ...).
    #[error("{}", endpoint_text(*.status, .code, .description.as_deref()))]
    Endpoint {
        status: u16,
        code: String,
        description: Option<String>,
    },
    /// An error status without an OAuth2 error body.
    #[error("the token endpoint answered {} without an OAuth2 error", status_text(*.status))]
    Status { status: u16 },
    #[error("{}", proxy_auth_text(.proxy, *.sent_credentials))]
    ProxyAuth {
        proxy: String,
        sent_credentials: bool,
    },
    #[error("the token endpoint answered, but not with a token: {why}")]
    BadResponse { why: String },
    #[error("{}", network_text(*.kind, .peer, .detail))]
    Network {
        kind: NetworkKind,
        /// Who failed: `token endpoint login.example.com:443`, or `proxy proxy.corp.local:3128`.
        peer: String,
        detail: String,
    },
}

impl CloudError {
    /// Exit-code class: a refused or malformed URL is bad input, the rest failed.
    pub fn class(&self) -> ErrorClass {
        match self {
            CloudError::BadTokenUrl { .. }
            | CloudError::InsecureUrl { .. }
            | CloudError::BadProxyUrl { .. } => ErrorClass::Invalid,
            _ => ErrorClass::Failed,
        }
    }

    /// The OAuth2 error code of an endpoint refusal.
    pub fn code(&self) -> Option<&str> {
        match self {
            CloudError::Endpoint { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The Azure AD code (`AADSTS7000215`) in an endpoint refusal's description.
    pub fn aadsts(&self) -> Option<&str> {
        let CloudError::Endpoint {
            description: Some(d),
            ..
        } = self
        else {
            return None;
        };
        let start = d.find("AADSTS")?;
        let digits = d[start + 6..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        (digits > 0).then(|| &d[start..start + 6 + digits])
    }

    /// The same error with every occurrence of each of `needles` replaced.
    pub(crate) fn scrubbed(self, needles: &[String]) -> CloudError {
        let s = |text: String| scrub(text, needles);
        match self {
            CloudError::BadTokenUrl { url, why } => CloudError::BadTokenUrl {
                url: s(url),
                why: s(why),
            },
            CloudError::InsecureUrl { url } => CloudError::InsecureUrl { url: s(url) },
            CloudError::BadProxyUrl { url, why } => CloudError::BadProxyUrl {
                url: s(url),
                why: s(why),
            },
            CloudError::Redirected { status, location } => CloudError::Redirected {
                status,
                location: s(location),
            },
            CloudError::Endpoint {
                status,
                code,
                description,
            } => CloudError::Endpoint {
                status,
                code: s(code),
                description: description.map(s),
            },
            CloudError::Status { status } => CloudError::Status { status },
            CloudError::ProxyAuth {
                proxy,
                sent_credentials,
            } => CloudError::ProxyAuth {
                proxy: s(proxy),
                sent_credentials,
            },
            CloudError::BadResponse { why } => CloudError::BadResponse { why: s(why) },
            CloudError::Network { kind, peer, detail } => CloudError::Network {
                kind,
                peer: s(peer),
                detail: s(detail),
            },
        }
    }
}

impl From<CloudError> for crate::Error {
    fn from(e: CloudError) -> Self {
        match e.class() {
            ErrorClass::Invalid => crate::Error::Invalid(e.to_string()),
            _ => crate::Error::Failed(e.to_string()),
        }
    }
}

/// Needles shorter than this are not scrubbed: they would mangle ordinary
/// words, and no real client secret is that short.
const MIN_SCRUBBED: usize = 4;

fn scrub(mut text: String, needles: &[String]) -> String {
    for needle in needles.iter().filter(|n| n.chars().count() >= MIN_SCRUBBED) {
        if text.contains(needle.as_str()) {
            text = text.replace(needle.as_str(), "[redacted]");
        }
    }
    text
}

fn endpoint_text(status: u16, code: &str, description: Option<&str>) -> String {
    let mut text = format!("the token endpoint refused: {code}");
    if let Some(d) = description.filter(|d| !d.is_empty()) {
        let _ = write!(text, ": {d}");
    }
    let _ = write!(text, " ({})", status_text(status));
    let hint = match code {
        "invalid_client" => Some("check the client ID and secret saved on the node"),
        "unauthorized_client" => Some("this client may not use the client-credentials grant"),
        "invalid_scope" => Some("check the scope (--scope or cloud_scope in nodes.toml)"),
        _ => None,
    };
    if let Some(hint) = hint {
        let _ = write!(text, "; {hint}");
    }
    text
}

fn proxy_auth_text(proxy: &str, sent_credentials: bool) -> String {
    let what = if sent_credentials {
        "refused the proxy user and password"
    } else {
        "asks for a user and password, and none is set"
    };
    format!("the proxy {proxy} {what} (HTTP 407 Proxy Authentication Required)")
}

fn network_text(kind: NetworkKind, peer: &str, detail: &str) -> String {
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(" ({detail})")
    };
    match kind {
        NetworkKind::Dns => format!("cannot resolve the name of the {peer} (DNS){detail}"),
        NetworkKind::Refused => format!("the {peer} refused the connection{detail}"),
        NetworkKind::Tls => format!("the TLS handshake with the {peer} failed{detail}"),
        NetworkKind::ConnectTimeout => format!("no connection to the {peer} in time{detail}"),
        NetworkKind::Timeout => format!("no answer from the {peer} in time{detail}"),
        NetworkKind::ProxyTunnel => {
            format!("the {peer} would not open a tunnel to the token endpoint{detail}")
        }
        NetworkKind::Other => format!("network error with the {peer}{detail}"),
    }
}

/// `HTTP 404 Not Found`.
pub(crate) fn status_text(status: u16) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason());
    match reason {
        Some(r) => format!("HTTP {status} {r}"),
        None => format!("HTTP {status}"),
    }
}

/// `10 s`, `1.5 s`, `250 ms`.
pub(crate) fn duration_text(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Server-supplied text made safe to print: line breaks and tabs become
/// spaces, other control characters are shown escaped (`\x1b`), runs of
/// spaces collapse, and it is cut at [`MAX_SERVER_TEXT`] characters.
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::new();
    for (count, c) in text.trim().chars().enumerate() {
        if count >= MAX_SERVER_TEXT {
            out.push('…');
            break;
        }
        match c {
            '\r' | '\n' | '\t' | ' ' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// A URL as given by the user or the environment, for messages: any
/// `user:password@` part hidden, control characters escaped.
pub(crate) fn shown_url(text: &str) -> String {
    let text = text.trim();
    let (scheme, rest) = match text.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, text),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let rest = match rest[..authority_end].rfind('@') {
        Some(at) => format!("***@{}", &rest[at + 1..]),
        None => rest.to_owned(),
    };
    let joined = match scheme {
        Some(scheme) => format!("{scheme}://{rest}"),
        None => rest,
    };
    clean(&joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_is_made_printable() {
        assert_eq!(
            clean("AADSTS1: bad.\r\nTrace ID: x\u{1b}[2J"),
            "AADSTS1: bad. Trace ID: x\\x1b[2J"
        );
        assert!(clean(&"x".repeat(5000)).chars().count() <= MAX_SERVER_TEXT + 1);
    }

    #[test]
    fn userinfo_is_hidden_in_shown_urls() {
        assert_eq!(
            shown_url("http://svc:pw@proxy:3128/"),
            "http://***@proxy:3128/"
        );
        assert_eq!(shown_url("svc:pw@proxy:3128"), "***@proxy:3128");
        assert_eq!(
            shown_url("https://login.example.com/t?a=b@c"),
            "https://login.example.com/t?a=b@c"
        );
    }

    #[test]
    fn aadsts_code_is_found_in_the_description() {
        let e = CloudError::Endpoint {
            status: 401,
            code: "invalid_client".into(),
            description: Some("AADSTS7000215: Invalid client secret provided.".into()),
        };
        assert_eq!(e.aadsts(), Some("AADSTS7000215"));
        assert_eq!(e.code(), Some("invalid_client"));
        assert!(e.to_string().contains("HTTP 401 Unauthorized"), "{e}");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_text(Duration::from_secs(10)), "10 s");
        assert_eq!(duration_text(Duration::from_millis(250)), "250 ms");
        assert_eq!(duration_text(Duration::from_millis(1500)), "1.5 s");
    }
}
