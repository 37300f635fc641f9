//! Which token URLs are accepted: absolute `https://`, or `http://` to this
//! machine only (a local test endpoint), never with a user or password in it.

use std::net::IpAddr;

use url::{Host, Url};

use super::error::{CloudError, shown_url};

/// Parses and checks a token URL.
pub(crate) fn check_token_url(text: &str) -> Result<Url, CloudError> {
    let text = text.trim();
    let bad = |why: &str| CloudError::BadTokenUrl {
        url: shown_url(text),
        why: why.to_owned(),
    };
    if text.is_empty() {
        return Err(bad("it is empty"));
    }
    let url = Url::parse(text).map_err(|e| bad(&format!("{e}; expected https://host/path")))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(bad("it must start with https://"));
    }
    if url.host().is_none() {
        return Err(bad("it has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it must not contain a user or password"));
    }
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(CloudError::InsecureUrl {
            url: shown_url(text),
        });
    }
    Ok(url)
}

/// `localhost`, 127.0.0.0/8 or `::1`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => {
            let name = name.strip_suffix('.').unwrap_or(name);
            name.eq_ignore_ascii_case("localhost")
        }
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// `host:port` of a URL, for messages (`[::1]:8080` for IPv6).
pub(crate) fn address(url: &Url) -> String {
    let host = match url.host() {
        Some(Host::Ipv6(ip)) => format!("[{ip}]"),
        Some(host) => host.to_string(),
        None => String::new(),
    };
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_http_only_to_loopback() {
        for ok in [
            "https://login.microsoftonline.com/tenant/oauth2/v2.0/token",
            "http://127.0.0.1:8080/token",
            "http://127.8.9.10/token",
            "http://localhost:1/t",
            "http://LOCALHOST./t",
            "http://[::1]:9/t",
        ] {
            assert!(check_token_url(ok).is_ok(), "{ok}");
        }
        for refused in [
            "http://10.0.0.1/token",
            "http://login.example.com/token",
            "http://localhost.example.com/token",
            "http://[::ffff:127.0.0.1]/token",
            "http://128.0.0.1/token",
        ] {
            let err = check_token_url(refused).unwrap_err();
            assert!(matches!(err, CloudError::InsecureUrl { .. }), "{refused}");
            assert_eq!(err.class(), crate::ErrorClass::Invalid);
        }
    }

    #[test]
    fn malformed_urls_are_invalid_and_hide_credentials() {
        for bad in [
            "",
            "login.example.com/token",
            "ftp://host/t",
            "https://",
            "https://id:s3cr3t@host/t",
        ] {
            let err = check_token_url(bad).unwrap_err();
            assert!(
                matches!(err, CloudError::BadTokenUrl { .. }),
                "{bad}: {err}"
            );
            assert!(!err.to_string().contains("s3cr3t"), "{err}");
        }
    }

    #[test]
    fn addresses_have_ports() {
        let url = Url::parse("https://login.example.com/t").unwrap();
        assert_eq!(address(&url), "login.example.com:443");
        let url = Url::parse("http://[::1]:8080/t").unwrap();
        assert_eq!(address(&url), "[::1]:8080");
    }
}
