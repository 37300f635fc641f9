//! Which proxy, if any, carries the token request.
//!
//! Precedence (decided by the caller, see `saved`): `--proxy` > the node's
//! stored proxy > the environment. Only [`ProxyChoice::Environment`] looks at
//! environment variables: `HTTPS_PROXY` for `https://` token URLs,
//! `HTTP_PROXY` for `http://` ones, upper case first then lower case (as
//! reqwest and Go read them), with `NO_PROXY`/`no_proxy` exceptions. An
//! explicit proxy ignores `NO_PROXY`: it was asked for. A plain `http://`
//! token URL (allowed to loopback only) goes direct whatever the choice,
//! unless the proxy is on loopback too: its request carries the secret in
//! clear.

use std::fmt;
use std::net::IpAddr;

use secrecy::SecretString;
use url::{Host, Url};

use super::endpoint::{address, check_token_url, is_loopback};
use super::error::{CloudError, shown_url};

/// How to reach the token endpoint.
#[derive(Clone, Default)]
pub enum ProxyChoice {
    /// `HTTPS_PROXY`/`HTTP_PROXY`, minus `NO_PROXY` (lower-case variants too).
    #[default]
    Environment,
    /// This proxy (`http://` or `https://` host:port), with optional Basic credentials.
    Url {
        url: String,
        user: Option<String>,
        password: Option<SecretString>,
    },
    /// No proxy at all, whatever the environment says.
    Direct,
}

impl fmt::Debug for ProxyChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyChoice::Environment => f.write_str("Environment"),
            ProxyChoice::Direct => f.write_str("Direct"),
            ProxyChoice::Url {
                url,
                user,
                password,
            } => f
                .debug_struct("Url")
                .field("url", &shown_url(url))
                .field("user", user)
                .field("password", &password.as_ref().map(|_| "[hidden]"))
                .finish(),
        }
    }
}

impl ProxyChoice {
    /// The `--proxy` value: `direct` (or `none`) for no proxy, else a proxy
    /// URL without credentials (they would show in `ps`; store them on the
    /// node instead, where the password is sealed).
    pub fn from_flag(text: &str) -> Result<ProxyChoice, CloudError> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("direct") || text.eq_ignore_ascii_case("none") {
            return Ok(ProxyChoice::Direct);
        }
        let route = parse_proxy_url(text)?;
        if route.user.is_some() || route.password.is_some() {
            return Err(CloudError::BadProxyUrl {
                url: shown_url(text),
                why: "a user or password on the command line shows in `ps`; \
                      save the proxy with its credentials on the node instead"
                    .into(),
            });
        }
        Ok(ProxyChoice::Url {
            url: route.url.to_string(),
            user: None,
            password: None,
        })
    }
}

/// A proxy to use: its URL (without credentials) and Basic credentials.
#[derive(Clone)]
pub struct ProxyRoute {
    url: Url,
    user: Option<String>,
    password: Option<SecretString>,
}

impl fmt::Debug for ProxyRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyRoute")
            .field("url", &self.url.as_str())
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "[hidden]"))
            .finish()
    }
}

impl ProxyRoute {
    /// The proxy URL, without credentials.
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// `proxy.corp.local:3128`, for messages.
    pub fn address(&self) -> String {
        address(&self.url)
    }

    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    pub(crate) fn password(&self) -> Option<&SecretString> {
        self.password.as_ref()
    }

    /// Whether Basic credentials go to the proxy.
    pub fn has_credentials(&self) -> bool {
        self.user.is_some() || self.password.is_some()
    }
}

/// The proxy for a request to `token_url` under `choice`; `env` looks up an
/// environment variable (`|name| std::env::var(name).ok()` for the real one).
/// `Ok(None)`: connect directly.
pub fn resolve_proxy(
    choice: &ProxyChoice,
    token_url: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<ProxyRoute>, CloudError> {
    let target = check_token_url(token_url)?;
    resolve_for(choice, &target, env)
}

pub(crate) fn resolve_for(
    choice: &ProxyChoice,
    target: &Url,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<ProxyRoute>, CloudError> {
    let route = chosen_route(choice, target, env)?;
    // What a plain http:// request carries (the client secret, in the Basic
    // header) must not leave this machine: a loopback http:// URL goes
    // direct, unless the proxy is on this machine too.
    Ok(route.filter(|r| target.scheme() != "http" || is_loopback(&r.url)))
}

fn chosen_route(
    choice: &ProxyChoice,
    target: &Url,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<ProxyRoute>, CloudError> {
    match choice {
        ProxyChoice::Direct => Ok(None),
        ProxyChoice::Url {
            url,
            user,
            password,
        } => {
            let mut route = parse_proxy_url(url)?;
            if user.is_some() {
                route.user = user.clone();
            }
            if password.is_some() {
                route.password = password.clone();
            }
            Ok(Some(route))
        }
        ProxyChoice::Environment => from_environment(target, env),
    }
}

fn from_environment(
    target: &Url,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<ProxyRoute>, CloudError> {
    let names: [&str; 2] = if target.scheme() == "https" {
        ["HTTPS_PROXY", "https_proxy"]
    } else {
        ["HTTP_PROXY", "http_proxy"]
    };
    let Some(proxy) = first_set(&names, env) else {
        return Ok(None);
    };
    let no_proxy = first_set(&["NO_PROXY", "no_proxy"], env).unwrap_or_default();
    if bypassed(target, &no_proxy) {
        return Ok(None);
    }
    parse_proxy_url(&proxy).map(Some)
}

fn first_set(names: &[&str], env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    names
        .iter()
        .filter_map(|name| env(name))
        .map(|v| v.trim().to_owned())
        .find(|v| !v.is_empty())
}

/// Parses a proxy URL (`http://` assumed when no scheme is given, as curl
/// does); a `user:password@` part becomes the Basic credentials.
fn parse_proxy_url(text: &str) -> Result<ProxyRoute, CloudError> {
    let text = text.trim();
    let bad = |why: &str| CloudError::BadProxyUrl {
        url: shown_url(text),
        why: why.to_owned(),
    };
    let full = if text.contains("://") {
        text.to_owned()
    } else {
        format!("http://{text}")
    };
    let mut url = Url::parse(&full).map_err(|e| bad(&format!("{e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(
            "only http:// and https:// proxies are supported, e.g. http://proxy.corp.local:3128",
        ));
    }
    if url.host().is_none() {
        return Err(bad("it has no host"));
    }
    let user = Some(percent_decode(url.username())).filter(|u| !u.is_empty());
    let password = url
        .password()
        .map(|p| SecretString::from(percent_decode(p)));
    // Cannot fail for http(s) URLs with a host.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_path("");
    url.set_query(None);
    url.set_fragment(None);
    Ok(ProxyRoute {
        url,
        user,
        password,
    })
}

/// `%xx` sequences decoded (userinfo is percent-encoded; `+` stays `+`).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `NO_PROXY` exempts the target: `*`; a host name matching itself
/// and its subdomains (`example.com`, `.example.com` and `*.example.com`
/// alike); an IP address; a CIDR block (`10.0.0.0/8`); each optionally with
/// `:port`.
fn bypassed(target: &Url, no_proxy: &str) -> bool {
    let port = target.port_or_known_default();
    no_proxy
        .split([',', ' '])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| entry == "*" || entry_matches(entry, target, port))
}

fn entry_matches(entry: &str, target: &Url, port: Option<u16>) -> bool {
    if let Some((net, bits)) = entry.split_once('/') {
        return match (target_ip(target), parse_ip(net), bits.parse::<u8>()) {
            (Some(ip), Some(net), Ok(bits)) => in_cidr(ip, net, bits),
            _ => false,
        };
    }
    let (host, entry_port) = split_entry_port(entry);
    if entry_port.is_some() && entry_port != port {
        return false;
    }
    if let Some(ip) = parse_ip(host) {
        return target_ip(target) == Some(ip);
    }
    let Some(Host::Domain(name)) = target.host() else {
        return false;
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let domain = host
        .trim_start_matches("*.")
        .trim_start_matches('.')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    !domain.is_empty() && (name == domain || name.ends_with(&format!(".{domain}")))
}

/// `host:port`, `[v6]:port`, or a bare host / IPv6 address.
fn split_entry_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((ip, tail)) => (ip, tail.strip_prefix(':').and_then(|p| p.parse().ok())),
            None => (entry, None),
        };
    }
    match entry.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(port) => (host, Some(port)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

fn parse_ip(text: &str) -> Option<IpAddr> {
    text.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

fn target_ip(target: &Url) -> Option<IpAddr> {
    match target.host()? {
        Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        Host::Domain(_) => None,
    }
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn no_proxy_entries() {
        let t = url("https://login.example.com/token");
        for yes in [
            "*",
            "example.com",
            ".example.com",
            "*.example.com",
            "login.example.com",
            "other, LOGIN.example.com:443",
        ] {
            assert!(bypassed(&t, yes), "{yes}");
        }
        for no in [
            "",
            "ample.com",
            "example.org",
            "login.example.com:8443",
            "10.0.0.0/8",
        ] {
            assert!(!bypassed(&t, no), "{no}");
        }
        let ip = url("http://127.0.0.1:8080/token");
        assert!(bypassed(&ip, "127.0.0.1"));
        assert!(bypassed(&ip, "127.0.0.0/8"));
        assert!(bypassed(&ip, "127.0.0.1:8080"));
        assert!(!bypassed(&ip, "127.0.0.1:9090"));
        assert!(!bypassed(&ip, "10.0.0.0/8"));
        let v6 = url("http://[::1]:8080/token");
        assert!(bypassed(&v6, "::1"));
        assert!(bypassed(&v6, "[::1]:8080"));
        assert!(bypassed(&v6, "::/0"));
        assert!(!bypassed(&v6, "127.0.0.1"));
    }

    #[test]
    fn proxy_urls_give_their_credentials_and_lose_them() {
        let route = parse_proxy_url("http://svc%40corp:p%3Ass+w@proxy.corp.local:3128/").unwrap();
        assert_eq!(route.url(), "http://proxy.corp.local:3128/");
        assert_eq!(route.user(), Some("svc@corp"));
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(route.password().unwrap()),
            "p:ss+w"
        );
        assert!(!format!("{route:?}").contains("p:ss"));
        let bare = parse_proxy_url("proxy:8080").unwrap();
        assert_eq!(bare.address(), "proxy:8080");
        assert!(!bare.has_credentials());
        assert!(parse_proxy_url("socks5://proxy:1080").is_err());
    }

    #[test]
    fn environment_picks_by_scheme_upper_case_first() {
        let env = |name: &str| match name {
            "HTTPS_PROXY" => Some("http://upper:1".to_owned()),
            "https_proxy" => Some("http://lower:1".to_owned()),
            "http_proxy" => Some("http://127.0.0.2:2".to_owned()),
            _ => None,
        };
        let https = resolve_for(&ProxyChoice::Environment, &url("https://a.b/t"), &env)
            .unwrap()
            .unwrap();
        assert_eq!(https.address(), "upper:1");
        let http = resolve_for(&ProxyChoice::Environment, &url("http://127.0.0.1/t"), &env)
            .unwrap()
            .unwrap();
        assert_eq!(http.address(), "127.0.0.2:2");
        let direct = resolve_for(&ProxyChoice::Direct, &url("https://a.b/t"), &env).unwrap();
        assert!(direct.is_none());
    }

    #[test]
    fn a_loopback_http_url_goes_direct_unless_the_proxy_is_on_loopback_too() {
        let env = |name: &str| (name == "HTTP_PROXY").then(|| "http://proxy.corp:3128".to_owned());
        let plain = url("http://127.0.0.1:8080/token");
        let remote = ProxyChoice::Url {
            url: "http://proxy.corp:3128".into(),
            user: Some("svc".into()),
            password: None,
        };
        assert!(resolve_for(&remote, &plain, &env).unwrap().is_none());
        let from_env = resolve_for(&ProxyChoice::Environment, &plain, &env).unwrap();
        assert!(from_env.is_none());
        let local = ProxyChoice::Url {
            url: "http://127.0.0.1:3128".into(),
            user: None,
            password: None,
        };
        let route = resolve_for(&local, &plain, &env).unwrap().unwrap();
        assert_eq!(route.address(), "127.0.0.1:3128");
        // https:// is encrypted end to end through the tunnel: the proxy applies.
        let tls = url("https://login.example.com/token");
        let route = resolve_for(&remote, &tls, &env).unwrap().unwrap();
        assert_eq!(route.address(), "proxy.corp:3128");
    }

    #[test]
    fn flag_refuses_credentials_and_knows_direct() {
        assert!(matches!(
            ProxyChoice::from_flag("direct").unwrap(),
            ProxyChoice::Direct
        ));
        let err = ProxyChoice::from_flag("http://u:hunter2@p:1").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert_eq!(err.class(), crate::ErrorClass::Invalid);
    }
}
