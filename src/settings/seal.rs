//! Sealing secrets with AES-256-GCM under the node key.
//!
//! Text form of a sealed value: `v1:<base64 nonce>:<base64 ciphertext+tag>`.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, AeadInOut, KeyInit, Payload};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// Length of the node key in bytes.
pub const KEY_LEN: usize = 32;

/// Length of the random nonce in bytes (96 bits, as GCM expects).
pub const NONCE_LEN: usize = 12;

/// Length of the GCM authentication tag appended to the ciphertext.
const TAG_LEN: usize = 16;

/// Prefix of the text form; bumps if the scheme ever changes.
const TEXT_PREFIX: &str = "v1:";

/// The node's 32-byte key. Zeroed on drop; its `Debug` shows nothing of it.
pub struct NodeKey {
    bytes: Zeroizing<[u8; KEY_LEN]>,
}

impl std::fmt::Debug for NodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NodeKey(..)")
    }
}

impl NodeKey {
    /// A fresh random key from the OS generator.
    ///
    /// Panics only if the OS random generator fails, where no safe key exists.
    pub fn generate() -> NodeKey {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        random_fill(bytes.as_mut_slice());
        NodeKey { bytes }
    }

    /// Errors: not exactly [`KEY_LEN`] bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<NodeKey, SealError> {
        if bytes.len() != KEY_LEN {
            return Err(SealError::BadKeyLength(bytes.len()));
        }
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        key.copy_from_slice(bytes);
        Ok(NodeKey { bytes: key })
    }

    /// The raw bytes, for writing the key file.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.bytes
    }

    fn cipher(&self) -> Aes256Gcm {
        // Built from a reference: no unzeroized copy of the key is left behind.
        Aes256Gcm::new_from_slice(self.bytes.as_slice()).expect("the node key is 32 bytes")
    }
}

/// A sealed secret: random 96-bit nonce and ciphertext with its tag.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    pub nonce: [u8; 12],
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealed(..)")
    }
}

impl Sealed {
    /// `v1:<base64 nonce>:<base64 ciphertext>`.
    pub fn to_text(&self) -> String {
        format!(
            "{TEXT_PREFIX}{}:{}",
            BASE64.encode(self.nonce),
            BASE64.encode(&self.ciphertext)
        )
    }

    /// Errors: [`SealError::Malformed`].
    pub fn from_text(text: &str) -> Result<Sealed, SealError> {
        let rest = text
            .trim()
            .strip_prefix(TEXT_PREFIX)
            .ok_or_else(|| malformed("it does not start with \"v1:\""))?;
        let (nonce_b64, ct_b64) = rest
            .split_once(':')
            .ok_or_else(|| malformed("expected v1:<nonce>:<ciphertext>"))?;
        let nonce_bytes = BASE64
            .decode(nonce_b64)
            .map_err(|_| malformed("the nonce is not valid base64"))?;
        let nonce: [u8; NONCE_LEN] = nonce_bytes.try_into().map_err(|v: Vec<u8>| {
            malformed(&format!(
                "the nonce is {} bytes, expected {NONCE_LEN}",
                v.len()
            ))
        })?;
        let ciphertext = BASE64
            .decode(ct_b64)
            .map_err(|_| malformed("the ciphertext is not valid base64"))?;
        if ciphertext.len() < TAG_LEN {
            return Err(malformed("the ciphertext is shorter than its tag"));
        }
        Ok(Sealed { nonce, ciphertext })
    }
}

fn malformed(what: &str) -> SealError {
    SealError::Malformed(what.to_owned())
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the node key must be {KEY_LEN} bytes, found {0}")]
    BadKeyLength(usize),
    #[error(
        "the sealed value does not decrypt with this node's key (tampered, or sealed under another key)"
    )]
    Decrypt,
    #[error("the sealed value is malformed: {0}")]
    Malformed(String),
}

/// Seals `secret` with a fresh random nonce; `aad` is authenticated, not stored.
///
/// Panics only if the OS random generator fails (a nonce must never be guessed).
pub fn seal(key: &NodeKey, secret: &SecretString, aad: &[u8]) -> Sealed {
    let mut nonce = [0u8; NONCE_LEN];
    random_fill(&mut nonce);
    let payload = Payload {
        msg: secret.expose_secret().as_bytes(),
        aad,
    };
    let ciphertext = key
        .cipher()
        .encrypt(&nonce.into(), payload)
        .expect("AES-GCM encrypts any secret shorter than 64 GiB");
    Sealed { nonce, ciphertext }
}

/// Opens a sealed value. Errors: [`SealError::Decrypt`] on any mismatch
/// (flipped bit, other key, other `aad`).
pub fn open(key: &NodeKey, sealed: &Sealed, aad: &[u8]) -> Result<SecretString, SealError> {
    // Decrypted in a buffer that is wiped on drop, whatever its capacity.
    let mut plain = Zeroizing::new(sealed.ciphertext.clone());
    key.cipher()
        .decrypt_in_place(&sealed.nonce.into(), aad, &mut *plain)
        .map_err(|_| SealError::Decrypt)?;
    match std::str::from_utf8(&plain) {
        // Copied once into the secret's own exact-size allocation.
        Ok(text) => Ok(SecretString::from(text)),
        // Authentic but not text: only something else could have sealed it.
        Err(_) => Err(malformed("the decrypted value is not UTF-8 text")),
    }
}

fn random_fill(dest: &mut [u8]) {
    getrandom::fill(dest).expect("the operating system's random generator failed");
}

/// A new key refused: values sealed with the missing (or unusable) one
/// would be lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRefused {
    pub key_path: String,
    /// Why the key file cannot be used; `None`: it is missing.
    pub unusable: Option<String>,
    /// The sealed values that depend on the key, described.
    pub lost: Vec<String>,
}

impl std::fmt::Display for KeyRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = &self.key_path;
        match &self.unusable {
            None => write!(f, "the node key {path} is missing")?,
            Some(why) => write!(f, "the node key {path} cannot be used ({why})")?,
        }
        if self.lost.is_empty() {
            return write!(
                f,
                "; nothing was written. Put the right key file back (from a backup of this \
                 node), or make a new key"
            );
        }
        let (them, were) = if self.lost.len() == 1 {
            ("it", "was")
        } else {
            ("them", "were")
        };
        write!(
            f,
            ", but {} {were} sealed with it: a new key would leave {them} unreadable, so \
             nothing was written. Put the key file back (from a backup of this node), or make \
             a new key and type {them} again",
            join_and(&self.lost)
        )
    }
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> SecretString {
        SecretString::from(text)
    }

    #[test]
    fn round_trip_through_text() {
        let key = NodeKey::generate();
        let sealed = seal(&key, &secret("s3cr3t pässword"), b"aad");
        let text = sealed.to_text();
        assert!(text.starts_with("v1:"));
        let back = Sealed::from_text(&text).unwrap();
        assert_eq!(back, sealed);
        let opened = open(&key, &back, b"aad").unwrap();
        assert_eq!(opened.expose_secret(), "s3cr3t pässword");
    }

    #[test]
    fn empty_secret_round_trips() {
        let key = NodeKey::generate();
        let sealed = seal(&key, &secret(""), b"");
        assert_eq!(sealed.ciphertext.len(), TAG_LEN);
        assert_eq!(open(&key, &sealed, b"").unwrap().expose_secret(), "");
    }

    #[test]
    fn key_from_bytes_checks_length_and_keeps_bytes() {
        let bytes: Vec<u8> = (0..32).collect();
        let key = NodeKey::from_bytes(&bytes).unwrap();
        assert_eq!(key.as_bytes().as_slice(), bytes.as_slice());
        assert!(matches!(
            NodeKey::from_bytes(&bytes[..31]),
            Err(SealError::BadKeyLength(31))
        ));
        assert!(matches!(
            NodeKey::from_bytes(&[0; 33]),
            Err(SealError::BadKeyLength(33))
        ));
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(
            NodeKey::generate().as_bytes(),
            NodeKey::generate().as_bytes()
        );
    }

    #[test]
    fn short_ciphertext_is_malformed() {
        let text = format!(
            "v1:{}:{}",
            BASE64.encode([0u8; 12]),
            BASE64.encode([0u8; 15])
        );
        assert!(matches!(
            Sealed::from_text(&text),
            Err(SealError::Malformed(_))
        ));
    }

    #[test]
    fn non_utf8_plaintext_is_refused() {
        let key = NodeKey::generate();
        let nonce = [7u8; NONCE_LEN];
        let ciphertext = key
            .cipher()
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: &[0xff, 0xfe],
                    aad: b"",
                },
            )
            .unwrap();
        let err = open(&key, &Sealed { nonce, ciphertext }, b"").unwrap_err();
        assert!(matches!(err, SealError::Malformed(_)));
    }
}
