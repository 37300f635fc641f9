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

use secrecy::SecretString;

use super::seal::{NodeKey, SealError};
use crate::Error;

/// Format version written in the file and bound into the associated data.
pub const FORMAT_VERSION: u32 = 1;

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
    _private: (),
}

impl Store {
    /// Errors: not JSON of this format, or an unknown version (exit 1: the file is not ours to fix).
    pub fn parse(bytes: &[u8]) -> Result<Store, Error> {
        let _ = bytes;
        todo!()
    }

    /// Pretty JSON with a final newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        todo!()
    }

    /// The saved client ID, if any.
    pub fn client_id(&self) -> Option<&str> {
        todo!()
    }

    /// "Credentials saved using Client ID: <id>" or "No credentials saved",
    /// exactly as the suite's portal words it.
    pub fn status_line(&self) -> String {
        todo!()
    }

    /// Seals and stores the credentials. Errors (`Error::Invalid`): empty or
    /// whitespace/control characters in the client ID, empty secret.
    pub fn save_credentials(
        &mut self,
        key: &NodeKey,
        client_id: &str,
        secret: &SecretString,
    ) -> Result<(), Error> {
        let _ = (key, client_id, secret);
        todo!()
    }

    /// Removes the credentials (proxy settings stay).
    pub fn forget_credentials(&mut self) {
        todo!()
    }

    /// Decrypts the secret. `Ok(None)`: none saved.
    pub fn open_secret(&self, key: &NodeKey) -> Result<Option<SecretString>, SealError> {
        let _ = key;
        todo!()
    }

    pub fn proxy(&self) -> Option<ProxySettings> {
        todo!()
    }

    /// Sets (or with `None`, clears) the proxy. `password`: `None` keeps the
    /// stored one when the URL is unchanged, `Some("")` clears it.
    /// Errors: a URL that is not `http://` or `https://` host[:port].
    pub fn set_proxy(
        &mut self,
        key: &NodeKey,
        proxy: Option<(&str, Option<&str>, Option<&SecretString>)>,
    ) -> Result<(), Error> {
        let _ = (key, proxy);
        todo!()
    }

    pub fn open_proxy_password(&self, key: &NodeKey) -> Result<Option<SecretString>, SealError> {
        let _ = key;
        todo!()
    }

    /// True when nothing is stored (the file can be removed).
    pub fn is_empty(&self) -> bool {
        todo!()
    }
}
