//! Sealing secrets with AES-256-GCM under the node key.
//!
//! Text form of a sealed value: `v1:<base64 nonce>:<base64 ciphertext+tag>`.

use secrecy::SecretString;

/// Length of the node key in bytes.
pub const KEY_LEN: usize = 32;

/// The node's 32-byte key. Zeroed on drop; its `Debug` shows nothing of it.
pub struct NodeKey {
    _private: (),
}

impl std::fmt::Debug for NodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NodeKey(..)")
    }
}

impl NodeKey {
    /// A fresh random key from the OS generator.
    pub fn generate() -> NodeKey {
        todo!()
    }

    /// Errors: not exactly [`KEY_LEN`] bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<NodeKey, SealError> {
        let _ = bytes;
        todo!()
    }

    /// The raw bytes, for writing the key file.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        todo!()
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
        todo!()
    }

    /// Errors: [`SealError::Malformed`].
    pub fn from_text(text: &str) -> Result<Sealed, SealError> {
        let _ = text;
        todo!()
    }
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
pub fn seal(key: &NodeKey, secret: &SecretString, aad: &[u8]) -> Sealed {
    let _ = (key, secret, aad);
    todo!()
}

/// Opens a sealed value. Errors: [`SealError::Decrypt`] on any mismatch
/// (flipped bit, other key, other `aad`).
pub fn open(key: &NodeKey, sealed: &Sealed, aad: &[u8]) -> Result<SecretString, SealError> {
    let _ = (key, sealed, aad);
    todo!()
}
