//! A strict reader for the `http://` and `https://` URLs the settings hold
//! (EWS endpoint, proxy). Only what those need; no percent-decoding.

/// The parts of an absolute http(s) URL, borrowed from the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl<'a> {
    pub https: bool,
    /// Whether a `user[:password]@` part precedes the host.
    pub has_userinfo: bool,
    pub host: &'a str,
    pub port: Option<u16>,
    /// The path, `""` or starting with `/`, without query or fragment.
    pub path: &'a str,
    /// `?query` and/or `#fragment`, or `""`.
    pub rest: &'a str,
}

/// Parses an absolute http(s) URL with a host. `None` for anything else,
/// including whitespace or control characters anywhere in it.
pub fn parse_http_url(text: &str) -> Option<HttpUrl<'_>> {
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (https, after_scheme) = strip_scheme(text)?;
    let authority_end = after_scheme
        .find(['/', '?', '#'])
        .unwrap_or(after_scheme.len());
    let (authority, tail) = after_scheme.split_at(authority_end);
    let (has_userinfo, host_port) = match authority.rsplit_once('@') {
        Some((_, host_port)) => (true, host_port),
        None => (false, authority),
    };
    let (host, port) = split_host_port(host_port)?;
    let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
    let (path, rest) = tail.split_at(path_end);
    Some(HttpUrl {
        https,
        has_userinfo,
        host,
        port,
        path,
        rest,
    })
}

fn strip_scheme(text: &str) -> Option<(bool, &str)> {
    let (scheme, rest) = text.split_once("://")?;
    if scheme.eq_ignore_ascii_case("https") {
        Some((true, rest))
    } else if scheme.eq_ignore_ascii_case("http") {
        Some((false, rest))
    } else {
        None
    }
}

fn split_host_port(host_port: &str) -> Option<(&str, Option<u16>)> {
    let (host, port_text) = if host_port.starts_with('[') {
        let close = host_port.find(']')?;
        let (host, after) = host_port.split_at(close + 1);
        valid_ipv6_literal(host).then_some(())?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if !host.starts_with('[') && !valid_host_name(host) {
        return None;
    }
    let port = match port_text {
        None => None,
        Some(text) => Some(parse_port(text)?),
    };
    Some((host, port))
}

fn valid_ipv6_literal(host: &str) -> bool {
    let inner = &host[1..host.len() - 1];
    inner.contains(':')
        && inner
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
}

/// Names and IPv4 addresses: non-empty labels of ASCII letters, digits, `-`, `_`.
fn valid_host_name(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

fn parse_port(text: &str) -> Option<u16> {
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u16>().ok().filter(|port| *port != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_parts() {
        let url = parse_http_url("HTTPS://mail.contoso.com:8443/EWS/Exchange.asmx?x=1#f").unwrap();
        assert!(url.https);
        assert!(!url.has_userinfo);
        assert_eq!(url.host, "mail.contoso.com");
        assert_eq!(url.port, Some(8443));
        assert_eq!(url.path, "/EWS/Exchange.asmx");
        assert_eq!(url.rest, "?x=1#f");
    }

    #[test]
    fn plain_host_and_ipv6() {
        let url = parse_http_url("http://proxy").unwrap();
        assert!(!url.https);
        assert_eq!((url.host, url.port, url.path), ("proxy", None, ""));
        let url = parse_http_url("http://[::1]:3128/").unwrap();
        assert_eq!((url.host, url.port, url.path), ("[::1]", Some(3128), "/"));
        assert!(parse_http_url("http://u:p@host/").unwrap().has_userinfo);
    }

    #[test]
    fn refuses_what_is_not_an_absolute_http_url() {
        for text in [
            "",
            "mail.contoso.com/EWS/Exchange.asmx",
            "ftp://host/",
            "https://",
            "https:///path",
            "https://host:/",
            "https://host:0/",
            "https://host:65536/",
            "https://host:80a/",
            "https://ho st/",
            "https://host/a b",
            "https://host/\u{1b}[2J",
            "https://a..b/",
            "https://[zz]/",
            "https://[::1]x/",
            "https://exa!mple.com/",
        ] {
            assert!(parse_http_url(text).is_none(), "{text:?} was accepted");
        }
    }
}
