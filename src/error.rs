//! The crate-wide error, and how each kind maps to an exit code (SPEC §2).

use crate::ini::IniError;
use crate::node::NodeError;
use crate::settings::seal::SealError;

/// What kind of failure an error is; the faces map this to exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// I/O, network, authentication, decryption: exit 1.
    Failed,
    /// Usage or validation: nothing was written, exit 2.
    Invalid,
    /// The file changed on the node after it was read: nothing was written, exit 3.
    Conflict,
}

impl ErrorClass {
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorClass::Failed => 1,
            ErrorClass::Invalid => 2,
            ErrorClass::Conflict => 3,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Ini(#[from] IniError),
    #[error(transparent)]
    Node(#[from] NodeError),
    #[error(transparent)]
    Seal(#[from] SealError),
    /// Bad input from the user: a usage or validation error.
    #[error("{0}")]
    Invalid(String),
    /// Anything else that failed (exit 1).
    #[error("{0}")]
    Failed(String),
    /// A new node key refused: sealed values depend on the missing one (exit 1).
    #[error("{0}")]
    KeyRefused(crate::ops::KeyRefused),
}

impl Error {
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Ini(e) => e.class(),
            Error::Node(e) => e.class(),
            Error::Seal(_) => ErrorClass::Failed,
            Error::Invalid(_) => ErrorClass::Invalid,
            Error::Failed(_) | Error::KeyRefused(_) => ErrorClass::Failed,
        }
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
