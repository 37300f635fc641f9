//! Imagicle Cloud services credentials and proxy (System Parameters), stored
//! as JSON in `Var/Secure/CloudServices.json` with the secrets sealed.
//!
//! File format (version 1):
//! ```json
//! {
//!   "version": 1,
//!   "client_id": "3f2a9c1e-...",
//!   "secret": "v1:<nonce>:<ciphertext>",
//!   "proxy": { "url": "http://proxy:3128", "user": "svc", "password": "v1:..." }
//! }
//! ```
//! Associated data: `ucsconf/cloud/v1` + NUL + client ID for the secret,
//! `ucsconf/proxy/v1` + NUL + proxy URL for the proxy password.
//!
//! `client_id` and `secret` come together or not at all; `proxy`, `user` and
//! `password` are optional. Unknown fields are rejected: a file that holds
//! more than this format is not ours to rewrite (we would drop what we do not
//! know). Parse errors name the field at fault and never quote values.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::{Map, Value};

use super::seal::{self, NodeKey, SealError, Sealed};
use super::url::parse_http_url;
use crate::Error;

/// Format version written in the file and bound into the associated data.
pub const FORMAT_VERSION: u32 = 1;

/// Longest client ID accepted, in characters.
pub const MAX_CLIENT_ID_LEN: usize = 256;

/// Proxy settings for reaching the cloud from the node.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProxySettings {
    pub url: String,
    pub user: Option<String>,
    /// Whether a password is stored (the value itself stays sealed).
    pub has_password: bool,
}

/// The parsed store. Its `Debug` never shows a secret (they are sealed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Store {
    credentials: Option<Credentials>,
    proxy: Option<StoredProxy>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Credentials {
    client_id: String,
    secret: Sealed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct StoredProxy {
    url: String,
    user: Option<String>,
    password: Option<Sealed>,
}

/// The file as written; field order is the order in the file.
#[derive(Serialize)]
struct FileV1<'a> {
    version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proxy: Option<ProxyV1<'a>>,
}

#[derive(Serialize)]
struct ProxyV1<'a> {
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<String>,
}

impl Store {
    /// Errors: not JSON of this format, or an unknown version (exit 1: the file is not ours to fix).
    pub fn parse(bytes: &[u8]) -> Result<Store, Error> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        // serde_json's syntax errors give a position, never the text around it.
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|e| not_ours(&format!("not valid JSON ({e})")))?;
        let Value::Object(top) = value else {
            return Err(not_ours("the top level is not a JSON object"));
        };
        only_fields(&top, &["version", "client_id", "secret", "proxy"], "")?;
        check_version(top.get("version"))?;
        Ok(Store {
            credentials: parse_credentials(&top)?,
            proxy: top
                .get("proxy")
                .filter(|v| !v.is_null())
                .map(parse_proxy)
                .transpose()?,
        })
    }

    /// Pretty JSON with a final newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let file = FileV1 {
            version: FORMAT_VERSION,
            client_id: self.credentials.as_ref().map(|c| c.client_id.as_str()),
            secret: self.credentials.as_ref().map(|c| c.secret.to_text()),
            proxy: self.proxy.as_ref().map(|p| ProxyV1 {
                url: &p.url,
                user: p.user.as_deref(),
                password: p.password.as_ref().map(Sealed::to_text),
            }),
        };
        let mut bytes = serde_json::to_vec_pretty(&file).expect("strings always serialize");
        bytes.push(b'\n');
        bytes
    }

    /// The saved client ID, if any.
    pub fn client_id(&self) -> Option<&str> {
        self.credentials.as_ref().map(|c| c.client_id.as_str())
    }

    /// "Credentials saved using Client ID: <id>" or "No credentials saved",
    /// exactly as the suite's portal words it.
    pub fn status_line(&self) -> String {
        match self.client_id() {
            Some(id) => format!("Credentials saved using Client ID: {id}"),
            None => "No credentials saved".to_owned(),
        }
    }

    /// Seals and stores the credentials. Errors (`Error::Invalid`): empty or
    /// whitespace/control characters in the client ID, empty secret.
    /// Surrounding whitespace of the client ID (a paste) is dropped; the
    /// secret is stored exactly as given.
    pub fn save_credentials(
        &mut self,
        key: &NodeKey,
        client_id: &str,
        secret: &SecretString,
    ) -> Result<(), Error> {
        check_credentials(client_id, secret)?;
        let client_id = client_id.trim();
        let sealed = seal::seal(key, secret, &secret_aad(client_id));
        self.credentials = Some(Credentials {
            client_id: client_id.to_owned(),
            secret: sealed,
        });
        Ok(())
    }

    /// Removes the credentials (proxy settings stay).
    pub fn forget_credentials(&mut self) {
        self.credentials = None;
    }

    /// Decrypts the secret. `Ok(None)`: none saved.
    pub fn open_secret(&self, key: &NodeKey) -> Result<Option<SecretString>, SealError> {
        self.credentials
            .as_ref()
            .map(|c| seal::open(key, &c.secret, &secret_aad(&c.client_id)))
            .transpose()
    }

    pub fn proxy(&self) -> Option<ProxySettings> {
        self.proxy.as_ref().map(|p| ProxySettings {
            url: p.url.clone(),
            user: p.user.clone(),
            has_password: p.password.is_some(),
        })
    }

    /// Sets (or with `None`, clears) the proxy. `password`: `None` keeps the
    /// stored one when the URL is unchanged, `Some("")` clears it.
    /// Errors: a URL that is not `http://` or `https://` host[:port]; a user
    /// with control characters; a changed URL while a password is stored and
    /// none is given (the password is bound to its proxy: it is not carried
    /// to another host without being typed again).
    pub fn set_proxy(
        &mut self,
        key: &NodeKey,
        proxy: Option<(&str, Option<&str>, Option<&SecretString>)>,
    ) -> Result<(), Error> {
        self.set_proxy_with(Some(key), proxy)
    }

    /// [`Store::set_proxy`] where there may be no node key: none is needed
    /// unless a new password is given (to be sealed).
    pub fn set_proxy_with(
        &mut self,
        key: Option<&NodeKey>,
        proxy: Option<(&str, Option<&str>, Option<&SecretString>)>,
    ) -> Result<(), Error> {
        let Some((url, user, password)) = proxy else {
            self.proxy = None;
            return Ok(());
        };
        let url = url.trim();
        check_proxy_url(url).map_err(Error::Invalid)?;
        let user = user.map(str::trim).filter(|u| !u.is_empty());
        if user.is_some_and(|u| u.chars().any(char::is_control)) {
            return Err(Error::invalid("the proxy user contains control characters"));
        }
        let password = self.proxy_password_for(key, url, password)?;
        self.proxy = Some(StoredProxy {
            url: url.to_owned(),
            user: user.map(str::to_owned),
            password,
        });
        Ok(())
    }

    pub fn open_proxy_password(&self, key: &NodeKey) -> Result<Option<SecretString>, SealError> {
        let Some(proxy) = &self.proxy else {
            return Ok(None);
        };
        proxy
            .password
            .as_ref()
            .map(|sealed| seal::open(key, sealed, &proxy_aad(&proxy.url)))
            .transpose()
    }

    /// True when nothing is stored (the file can be removed).
    pub fn is_empty(&self) -> bool {
        self.credentials.is_none() && self.proxy.is_none()
    }

    fn proxy_password_for(
        &self,
        key: Option<&NodeKey>,
        url: &str,
        password: Option<&SecretString>,
    ) -> Result<Option<Sealed>, Error> {
        match password {
            Some(p) if p.expose_secret().is_empty() => Ok(None),
            Some(p) => {
                let key = key.ok_or_else(|| {
                    Error::Failed("there is no node key to seal the proxy password with".into())
                })?;
                Ok(Some(seal::seal(key, p, &proxy_aad(url))))
            }
            None => match &self.proxy {
                Some(old) if old.url == url => Ok(old.password.clone()),
                Some(old) if old.password.is_some() => Err(Error::invalid(
                    "the proxy URL changed: type the proxy password again (or give an empty one to remove it)",
                )),
                _ => Ok(None),
            },
        }
    }
}

/// Checks what [`Store::save_credentials`] would refuse (`Error::Invalid`),
/// before a key is made for it: empty or whitespace/control characters in
/// the client ID (surrounding whitespace aside), an empty secret.
pub fn check_credentials(client_id: &str, secret: &SecretString) -> Result<(), Error> {
    check_client_id(client_id.trim()).map_err(Error::Invalid)?;
    if secret.expose_secret().trim().is_empty() {
        return Err(Error::invalid("the client secret is empty"));
    }
    Ok(())
}

impl Store {
    /// Whether the store holds the sealed client secret.
    pub fn has_secret(&self) -> bool {
        self.credentials.is_some()
    }
}

/// `ucsconf/cloud/v1` NUL client ID.
fn secret_aad(client_id: &str) -> Vec<u8> {
    bound_aad("cloud", client_id)
}

/// `ucsconf/proxy/v1` NUL proxy URL.
fn proxy_aad(url: &str) -> Vec<u8> {
    bound_aad("proxy", url)
}

fn bound_aad(purpose: &str, bound_to: &str) -> Vec<u8> {
    format!("ucsconf/{purpose}/v{FORMAT_VERSION}\0{bound_to}").into_bytes()
}

/// Non-empty, at most [`MAX_CLIENT_ID_LEN`] characters, no whitespace or control characters.
fn check_client_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("the client ID is empty".to_owned());
    }
    let len = id.chars().count();
    if len > MAX_CLIENT_ID_LEN {
        return Err(format!(
            "the client ID is {len} characters long, at most {MAX_CLIENT_ID_LEN} are allowed"
        ));
    }
    if let Some((pos, c)) = id
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_whitespace() || c.is_control())
    {
        let what = if c.is_whitespace() {
            "whitespace"
        } else {
            "a control character"
        };
        return Err(format!(
            "the client ID contains {what} at character {}",
            pos + 1
        ));
    }
    Ok(())
}

/// `http://` or `https://` host[:port], optionally followed by `/`, nothing else.
fn check_proxy_url(url: &str) -> Result<(), String> {
    let parsed = parse_http_url(url).ok_or_else(|| {
        "the proxy URL must be http://host[:port] or https://host[:port], e.g. http://proxy.corp.local:3128".to_owned()
    })?;
    if parsed.has_userinfo {
        return Err(
            "the proxy URL must not contain a user or password: give them separately, so the password is sealed"
                .to_owned(),
        );
    }
    if !(parsed.path.is_empty() || parsed.path == "/") || !parsed.rest.is_empty() {
        return Err("the proxy URL must be only scheme, host and port, with no path".to_owned());
    }
    Ok(())
}

fn not_ours(what: &str) -> Error {
    Error::Failed(format!(
        "not a ucsconf credential store of version {FORMAT_VERSION}: {what}"
    ))
}

fn only_fields(object: &Map<String, Value>, allowed: &[&str], prefix: &str) -> Result<(), Error> {
    match object.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(unknown) => Err(not_ours(&format!(
            "unknown field {prefix}{:?} (known: {})",
            truncate(unknown),
            allowed.join(", ")
        ))),
        None => Ok(()),
    }
}

/// Field names are shown escaped and short: they are not secret, but not trusted either.
fn truncate(text: &str) -> String {
    text.chars().take(40).collect()
}

fn check_version(version: Option<&Value>) -> Result<(), Error> {
    match version {
        None => Err(not_ours("\"version\" is missing")),
        Some(v) if v.as_u64() == Some(u64::from(FORMAT_VERSION)) => Ok(()),
        Some(v) if v.is_u64() => Err(not_ours(&format!(
            "version {v} is not supported (this ucsconf reads version {FORMAT_VERSION}); use a newer ucsconf"
        ))),
        Some(_) => Err(not_ours("\"version\" is not a version number")),
    }
}

fn parse_credentials(top: &Map<String, Value>) -> Result<Option<Credentials>, Error> {
    let client_id = string_field(top, "client_id", "")?;
    let secret = string_field(top, "secret", "")?;
    match (client_id, secret) {
        (None, None) => Ok(None),
        (Some(id), Some(secret)) => {
            check_client_id(id).map_err(|e| not_ours(&format!("\"client_id\": {e}")))?;
            Ok(Some(Credentials {
                client_id: id.to_owned(),
                secret: sealed_field(secret, "secret")?,
            }))
        }
        (Some(_), None) => Err(not_ours("\"client_id\" is present without \"secret\"")),
        (None, Some(_)) => Err(not_ours("\"secret\" is present without \"client_id\"")),
    }
}

fn parse_proxy(value: &Value) -> Result<StoredProxy, Error> {
    let Value::Object(proxy) = value else {
        return Err(not_ours("\"proxy\" is not an object"));
    };
    only_fields(proxy, &["url", "user", "password"], "proxy.")?;
    let url = string_field(proxy, "url", "proxy.")?
        .ok_or_else(|| not_ours("\"proxy.url\" is missing"))?;
    check_proxy_url(url).map_err(|e| not_ours(&format!("\"proxy.url\": {e}")))?;
    let user = string_field(proxy, "user", "proxy.")?;
    if user.is_some_and(|u| u.chars().any(char::is_control)) {
        return Err(not_ours("\"proxy.user\" contains control characters"));
    }
    let password = string_field(proxy, "password", "proxy.")?
        .map(|text| sealed_field(text, "proxy.password"))
        .transpose()?;
    Ok(StoredProxy {
        url: url.to_owned(),
        user: user.map(str::to_owned),
        password,
    })
}

/// A string field; `null` counts as absent.
fn string_field<'a>(
    object: &'a Map<String, Value>,
    name: &str,
    prefix: &str,
) -> Result<Option<&'a str>, Error> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(not_ours(&format!("\"{prefix}{name}\" is not a string"))),
    }
}

/// A sealed value; a malformed one is reported without quoting it (it could
/// be a secret pasted in clear).
fn sealed_field(text: &str, name: &str) -> Result<Sealed, Error> {
    Sealed::from_text(text).map_err(|e| match e {
        SealError::Malformed(why) => not_ours(&format!("\"{name}\" is not a sealed value: {why}")),
        other => Error::Seal(other),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aad_binds_version_and_identity() {
        assert_eq!(secret_aad("abc"), b"ucsconf/cloud/v1\0abc");
        assert_eq!(proxy_aad("http://p:1"), b"ucsconf/proxy/v1\0http://p:1");
    }

    #[test]
    fn client_id_rules() {
        assert!(check_client_id("3f2a9c1e-0000-4000-8000-000000000001").is_ok());
        assert!(check_client_id(&"x".repeat(256)).is_ok());
        assert!(
            check_client_id(&"x".repeat(257))
                .unwrap_err()
                .contains("257")
        );
        assert!(check_client_id("").unwrap_err().contains("empty"));
        assert!(
            check_client_id("a b")
                .unwrap_err()
                .contains("whitespace at character 2")
        );
        assert!(
            check_client_id("ab\u{7}")
                .unwrap_err()
                .contains("control character at character 3")
        );
    }

    #[test]
    fn proxy_url_rules() {
        for ok in [
            "http://proxy:3128",
            "https://proxy.corp.local",
            "http://10.0.0.1:8080/",
            "http://[::1]:3128",
        ] {
            assert!(check_proxy_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "proxy:3128",
            "socks5://proxy:1080",
            "http://",
            "http://proxy:3128/path",
            "http://proxy:3128/?a=b",
            "http://user:pw@proxy:3128",
            "http://proxy:99999",
        ] {
            assert!(check_proxy_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn empty_store_serializes_to_version_only() {
        let bytes = Store::default().to_bytes();
        assert_eq!(bytes, b"{\n  \"version\": 1\n}\n");
        assert_eq!(Store::parse(&bytes).unwrap(), Store::default());
    }
}
