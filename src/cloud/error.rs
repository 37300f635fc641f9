//! What can go wrong when asking a token endpoint, in plain words.
//!
//! Every message is built here from status codes, the parsed OAuth2 error
//! JSON and the kind of network failure; no text of the HTTP libraries that
//! could hold the request (its Basic header or form body) is passed through.
//! Text that comes from the server is cleaned of control characters, and the
//! secret is scrubbed from everything before an error leaves this module.

use std::fmt::Write as _;
use std::time::Duration;

use url::form_urlencoded;
use zeroize::Zeroizing;

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

    /// Whether the endpoint refused the scope asked for: each face then says
    /// where the scope comes from (a flag, the inventory).
    pub fn scope_refused(&self) -> bool {
        self.code() == Some("invalid_scope")
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

    /// The same error with every form of `secrets` replaced, whole or cut.
    pub(crate) fn scrubbed(self, secrets: &Secrets) -> CloudError {
        let s = |text: String| secrets.scrub(&text);
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

/// Secrets shorter than this are not scrubbed (they would mangle ordinary
/// words, and no real secret is that short), nor are shorter pieces of one
/// left at a cut.
const MIN_SCRUBBED: usize = 4;

const REDACTED: &str = "[redacted]";

/// The secrets a request carries, in every form a server or a library could
/// write them back, for scrubbing what comes back. Wiped on drop.
#[derive(Default)]
pub(crate) struct Secrets {
    forms: Vec<Zeroizing<String>>,
}

impl Secrets {
    /// A form to scrub (ignored when short or known).
    pub(crate) fn add(&mut self, form: Zeroizing<String>) {
        if form.chars().count() >= MIN_SCRUBBED && !self.forms.contains(&form) {
            self.forms.push(form);
        }
    }

    /// `secret` as is, form- and percent-encoded and in base64 (either
    /// alphabet, unpadded, so a padded copy matches too); with `user`, also
    /// the Basic credentials `user:secret` as a client or a proxy sends them.
    pub(crate) fn add_secret(&mut self, user: Option<&str>, secret: &str, form_encoded_pair: bool) {
        use base64::Engine as _;
        use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
        let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let form = Zeroizing::new(encode(secret));
        self.add(Zeroizing::new(form.replace('+', "%20")));
        self.add(Zeroizing::new(STANDARD_NO_PAD.encode(secret)));
        self.add(Zeroizing::new(URL_SAFE_NO_PAD.encode(secret)));
        if let Some(user) = user {
            // OAuth2 form-encodes both halves of the client's Basic header;
            // a proxy's Basic header holds them as they are.
            let pair = Zeroizing::new(if form_encoded_pair {
                format!("{}:{}", encode(user), form.as_str())
            } else {
                format!("{user}:{secret}")
            });
            self.add(Zeroizing::new(STANDARD.encode(pair.as_bytes())));
            self.add(Zeroizing::new(STANDARD_NO_PAD.encode(pair.as_bytes())));
        }
        self.add(form);
        self.add(Zeroizing::new(secret.to_owned()));
    }

    /// Server text made safe to print: the secrets scrubbed from the raw
    /// text first (collapsed whitespace, escaped control characters or a cut
    /// could hide them from a later scrub), then cleaned and cut as
    /// [`clean`] does, and what a cut leaves of a secret scrubbed too.
    pub(crate) fn clean(&self, text: &str) -> String {
        self.scrub(&clean(&self.scrub(text)))
    }

    /// Every form replaced, and a piece of one (of [`MIN_SCRUBBED`]
    /// characters or more) where the text was cut: its start at the end of
    /// the text (before a `…`) and its end at the text's start.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), REDACTED);
            }
        }
        let (body, ellipsis) = match out.strip_suffix('…') {
            Some(body) => (body.trim_end().to_owned(), "…"),
            None => (out.trim_end().to_owned(), ""),
        };
        let body = self.cut_start(&self.cut_end(&body));
        format!("{body}{ellipsis}")
    }

    /// `text` with its end replaced when that is the start of a secret.
    fn cut_end(&self, text: &str) -> String {
        for form in &self.forms {
            let starts: Vec<usize> = form
                .char_indices()
                .map(|(i, _)| i)
                .skip(MIN_SCRUBBED)
                .collect();
            if let Some(&len) = starts
                .iter()
                .rev()
                .find(|&&len| text.ends_with(&form[..len]))
            {
                return format!("{}{REDACTED}", &text[..text.len() - len]);
            }
        }
        text.to_owned()
    }

    /// `text` with its start replaced when that is the end of a secret.
    fn cut_start(&self, text: &str) -> String {
        for form in &self.forms {
            let ends: Vec<usize> = form.char_indices().map(|(i, _)| i).collect();
            let count = ends.len();
            let pieces = ends
                .iter()
                .take((count + 1).saturating_sub(MIN_SCRUBBED))
                .skip(1);
            if let Some(&at) = pieces
                .into_iter()
                .find(|&&at| text.starts_with(&form[at..]))
            {
                return format!("{REDACTED}{}", &text[form.len() - at..]);
            }
        }
        text.to_owned()
    }
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
        "invalid_scope" => Some("check the scope"),
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

    fn secrets(secret: &str) -> Secrets {
        let mut secrets = Secrets::default();
        secrets.add_secret(Some("client-id"), secret, true);
        secrets
    }

    #[test]
    fn a_secret_across_the_cut_is_scrubbed_before_the_cut() {
        // Before, the text was cut first: `SuperSecre…` survived the scrub.
        let secret = "SuperSecret-42";
        let text = format!("{}{secret} was refused", "x".repeat(MAX_SERVER_TEXT - 10));
        let shown = secrets(secret).clean(&text);
        assert!(!shown.contains("SuperSe"), "{shown}");
        assert!(shown.ends_with('…'), "{shown}");
        assert!(shown.chars().count() <= MAX_SERVER_TEXT + 1);
    }

    #[test]
    fn whitespace_and_control_characters_in_a_secret_do_not_hide_it() {
        let secret = "two  spaces\tand\x1b";
        let shown = secrets(secret).clean(&format!("bad secret: {secret}."));
        assert_eq!(shown, "bad secret: [redacted].");
    }

    #[test]
    fn what_a_cut_leaves_of_a_secret_is_scrubbed_too() {
        let s = secrets("SuperSecret-42");
        // A server that cut its own text, at either end.
        assert_eq!(s.scrub("refused: Super"), "refused: [redacted]");
        assert_eq!(s.scrub("cret-42 refused"), "[redacted] refused");
        assert_eq!(s.scrub("refused: SuperSecr…"), "refused: [redacted]…");
        // Fewer than four characters are left alone: they are ordinary text.
        assert_eq!(s.scrub("refused: Sup"), "refused: Sup");
        assert_eq!(s.scrub("a Super star"), "a Super star");
    }

    #[test]
    fn the_proxy_password_is_scrubbed_in_its_basic_header_form_too() {
        use base64::Engine as _;
        let mut s = Secrets::default();
        s.add_secret(Some("svc"), "Pr0xy-pw!", false);
        let header = base64::engine::general_purpose::STANDARD.encode("svc:Pr0xy-pw!");
        let shown = s.clean(&format!(
            "proxy said {header} and Pr0xy-pw%21 and Pr0xy-pw!"
        ));
        assert!(
            !shown.contains(&header) && !shown.contains("Pr0xy"),
            "{shown}"
        );
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
