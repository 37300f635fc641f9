//! Logging in: the ssh-agent's keys first, then identity files (asking the
//! passphrase callback for an encrypted one). A failure lists what was tried.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use russh::client::{AuthResult, Handle};
use russh::keys::agent::AgentIdentity;
use russh::keys::agent::client::{AgentClient, AgentStream};
use russh::keys::{self, HashAlg, PrivateKeyWithHashAlg, PublicKey};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use super::{Client, Endpoint, within};
use crate::node::NodeError;
use crate::node::ssh::{AgentSource, SshOptions};

type Agent = AgentClient<Box<dyn AgentStream + Send + Unpin + 'static>>;

/// How many times an encrypted key's passphrase is asked for.
const PASSPHRASE_TRIES: usize = 3;

/// A decrypted key and the digest of the file it came from.
type CachedKey = ([u8; 32], Arc<keys::PrivateKey>);

/// Identity files decrypted with a passphrase, shared by every node built
/// with the same [`SshOptions`] (clones share it): a key is asked for once,
/// not once per node. Prompts are asked one at a time, so nodes that connect
/// together wait for the first answer instead of asking again.
#[derive(Clone, Default)]
pub struct KeyCache {
    /// By file, with a digest of the file's text (an edited file is asked again).
    keys: Arc<Mutex<HashMap<PathBuf, CachedKey>>>,
    asking: Arc<tokio::sync::Mutex<()>>,
}

impl KeyCache {
    fn get(&self, path: &Path, digest: &[u8; 32]) -> Option<Arc<keys::PrivateKey>> {
        let keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        keys.get(path)
            .filter(|(d, _)| d == digest)
            .map(|(_, k)| k.clone())
    }

    fn put(&self, path: &Path, digest: [u8; 32], key: Arc<keys::PrivateKey>) {
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        keys.insert(path.to_path_buf(), (digest, key));
    }
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.keys.lock().map(|k| k.len()).unwrap_or(0);
        write!(f, "KeyCache({count} keys)")
    }
}

/// One login attempt on one server, and what it tried so far.
struct Login<'a> {
    handle: &'a mut Handle<Client>,
    hop: &'a Endpoint,
    options: &'a SshOptions,
    /// The hash for RSA signatures, asked of the server once.
    rsa_hash: Option<Option<HashAlg>>,
    tried: Vec<String>,
}

pub async fn authenticate(
    handle: &mut Handle<Client>,
    hop: &Endpoint,
    options: &SshOptions,
) -> Result<(), NodeError> {
    let mut login = Login {
        handle,
        hop,
        options,
        rsa_hash: None,
        tried: Vec::new(),
    };
    if let Some((mut agent, source)) = connect_agent(&hop.agent, &mut login.tried).await
        && login.with_agent(&mut agent, &source).await?
    {
        return Ok(());
    }
    for (path, explicit) in &hop.identity_files {
        if login.with_identity_file(path, *explicit).await? {
            return Ok(());
        }
    }
    let tried = if login.tried.is_empty() {
        "no key was found (no ssh-agent, no identity file)".to_string()
    } else {
        format!("tried {}", login.tried.join("; "))
    };
    Err(NodeError::Auth(format!(
        "{}: authentication failed; {tried}",
        hop.describe()
    )))
}

/// The public keys of the identity files asked for: agent keys that match
/// them are offered first (as OpenSSH does), so a full agent does not use
/// up the server's attempts before the right key.
fn preferred_public_keys(hop: &Endpoint) -> Vec<PublicKey> {
    hop.identity_files
        .iter()
        .filter(|(_, explicit)| *explicit)
        .filter_map(|(path, _)| {
            let mut pub_path = path.clone().into_os_string();
            pub_path.push(".pub");
            keys::load_public_key(PathBuf::from(pub_path)).ok()
        })
        .collect()
}

async fn connect_agent(source: &AgentSource, tried: &mut Vec<String>) -> Option<(Agent, String)> {
    let (result, name) = match source {
        AgentSource::Disabled => return None,
        AgentSource::Environment => (connect_env().await?, "ssh-agent".to_string()),
        AgentSource::Path(p) => (
            connect_path(p).await,
            format!("ssh-agent at {}", p.display()),
        ),
    };
    match result {
        Ok(agent) => Some((agent, name)),
        Err(e) => {
            tried.push(format!("{name} (cannot reach it: {e})"));
            None
        }
    }
}

/// The agent the environment names; `None` when none is set up.
#[cfg(unix)]
async fn connect_env() -> Option<Result<Agent, keys::Error>> {
    let sock = std::env::var_os("SSH_AUTH_SOCK").filter(|s| !s.is_empty())?;
    Some(connect_path(Path::new(&sock)).await)
}

/// On Windows: `SSH_AUTH_SOCK` if set, else the OpenSSH agent service's pipe.
#[cfg(windows)]
async fn connect_env() -> Option<Result<Agent, keys::Error>> {
    let pipe = std::env::var_os("SSH_AUTH_SOCK")
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| r"\\.\pipe\openssh-ssh-agent".into());
    match connect_path(Path::new(&pipe)).await {
        // The agent service is not running: nothing to mention.
        Err(keys::Error::IO(e)) if e.kind() == std::io::ErrorKind::NotFound => None,
        other => Some(other),
    }
}

#[cfg(unix)]
async fn connect_path(path: &Path) -> Result<Agent, keys::Error> {
    Ok(AgentClient::connect_uds(path).await?.dynamic())
}

#[cfg(windows)]
async fn connect_path(path: &Path) -> Result<Agent, keys::Error> {
    Ok(AgentClient::connect_named_pipe(path).await?.dynamic())
}

impl Login<'_> {
    fn note(&mut self, what: String) {
        self.tried.push(what);
    }

    /// The hash to sign with for an RSA key (`None` for other keys).
    async fn rsa_hash_for(&mut self, key: &PublicKey) -> Option<HashAlg> {
        if !key.algorithm().is_rsa() {
            return None;
        }
        if self.rsa_hash.is_none() {
            let best = self.handle.best_supported_rsa_hash().await;
            self.rsa_hash = Some(best.ok().flatten().flatten());
        }
        self.rsa_hash.flatten()
    }

    /// Offers the agent's keys (those of the asked-for identity files first).
    async fn with_agent(&mut self, agent: &mut Agent, source: &str) -> Result<bool, NodeError> {
        let identities = match agent.request_identities().await {
            Ok(ids) => ids,
            Err(e) => {
                self.note(format!("{source} (cannot list its keys: {e})"));
                return Ok(false);
            }
        };
        let preferred = preferred_public_keys(self.hop);
        let mut keys: Vec<PublicKey> = identities
            .into_iter()
            .filter_map(|id| match id {
                AgentIdentity::PublicKey { key, .. } => Some(key),
                AgentIdentity::Certificate { .. } => None,
            })
            .collect();
        keys.sort_by_key(|k| !preferred.iter().any(|p| p.key_data() == k.key_data()));
        if keys.is_empty() {
            self.note(format!("{source} (no keys)"));
            return Ok(false);
        }
        let (mut refused, total) = (0, keys.len());
        for key in keys {
            let hash = self.rsa_hash_for(&key).await;
            let attempt = self
                .handle
                .authenticate_publickey_with(&self.hop.user, key, hash, agent);
            match within(self.options, self.hop, "authentication", async {
                Ok(attempt.await)
            })
            .await?
            {
                Ok(AuthResult::Success) => return Ok(true),
                Ok(AuthResult::Failure { .. }) => refused += 1,
                Err(e) => {
                    self.note(format!("{source} (signing failed: {e})"));
                    return Ok(false);
                }
            }
            if self.handle.is_closed() {
                break;
            }
        }
        self.note(format!("{source} ({refused} of {total} keys refused)"));
        Ok(false)
    }

    /// Offers one identity file's key.
    async fn with_identity_file(&mut self, path: &Path, explicit: bool) -> Result<bool, NodeError> {
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if explicit {
                    self.note(format!("{shown} (not found)"));
                }
                return Ok(false);
            }
            Err(e) => {
                self.note(format!("{shown} (cannot read: {e})"));
                return Ok(false);
            }
        };
        let key = match load_key(&text, path, self.options).await {
            Ok(k) => k,
            Err(why) => {
                self.note(format!("{shown} ({why})"));
                return Ok(false);
            }
        };
        if self.handle.is_closed() {
            self.note(format!(
                "{shown} (not tried: the server closed the connection)"
            ));
            return Ok(false);
        }
        let hash = self.rsa_hash_for(key.public_key()).await;
        let key = PrivateKeyWithHashAlg::new(key, hash);
        let attempt = self.handle.authenticate_publickey(&self.hop.user, key);
        let result = within(self.options, self.hop, "authentication", async {
            Ok(attempt.await)
        })
        .await?;
        match result {
            Ok(AuthResult::Success) => Ok(true),
            Ok(AuthResult::Failure { .. }) => {
                self.note(format!("{shown} (refused)"));
                Ok(false)
            }
            Err(e) => {
                self.note(format!("{shown} ({e})"));
                Ok(false)
            }
        }
    }
}

/// Decodes a private key, asking the passphrase callback when it is
/// encrypted (once per key file when the options carry a [`KeyCache`]).
/// The error says why the key could not be used.
async fn load_key(
    text: &str,
    path: &Path,
    options: &SshOptions,
) -> Result<Arc<keys::PrivateKey>, String> {
    match keys::decode_secret_key(text, None) {
        Ok(k) => return Ok(Arc::new(k)),
        Err(keys::Error::KeyIsEncrypted) => {}
        Err(e) => return Err(format!("unusable key: {e}")),
    }
    let shown = path.display();
    let Some(ask) = options.passphrase.clone() else {
        return Err(format!(
            "encrypted, and no passphrase can be asked for here: load it into the ssh-agent \
             (`ssh-add {shown}`) and try again"
        ));
    };
    let Some(cache) = &options.key_cache else {
        return ask_passphrase(text, &shown.to_string(), &ask).await;
    };
    let digest: [u8; 32] = Sha256::digest(text.as_bytes()).into();
    let _asking = cache.asking.lock().await;
    if let Some(key) = cache.get(path, &digest) {
        return Ok(key);
    }
    let key = ask_passphrase(text, &shown.to_string(), &ask).await?;
    cache.put(path, digest, key.clone());
    Ok(key)
}

/// Asks for the passphrase (a few times) until the key decrypts.
async fn ask_passphrase(
    text: &str,
    shown: &str,
    ask: &crate::node::ssh::PassphraseFn,
) -> Result<Arc<keys::PrivateKey>, String> {
    for _ in 0..PASSPHRASE_TRIES {
        let prompt = format!("Passphrase for {shown}: ");
        let ask = ask.clone();
        // The callback may block on a prompt: keep it off the async workers.
        let answer = tokio::task::spawn_blocking(move || ask(&prompt))
            .await
            .ok()
            .flatten();
        let Some(passphrase) = answer else {
            return Err("encrypted, no passphrase given".into());
        };
        match keys::decode_secret_key(text, Some(passphrase.expose_secret())) {
            Ok(k) => return Ok(Arc::new(k)),
            Err(keys::Error::KeyIsEncrypted)
            | Err(keys::Error::SshKey(_))
            | Err(keys::Error::KeyIsCorrupt) => {}
            Err(e) => return Err(format!("unusable key: {e}")),
        }
    }
    Err("encrypted, wrong passphrase".into())
}
