//! The crate-wide error, and how each kind maps to an exit code (SPEC §2).

pub use crate::error_class::ErrorClass;
use crate::ini::IniError;
use crate::node::NodeError;
use crate::settings::seal::SealError;

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
    /// A file is not as expected: nothing was written (exit 3).
    #[error("{0}")]
    Conflict(String),
    /// A Presence.ini key whose section must be chosen (exit 2).
    #[error("{0}")]
    Section(crate::settings::presence::SectionProblem),
    /// A new node key refused: sealed values depend on the missing one (exit 1).
    #[error("{0}")]
    KeyRefused(crate::settings::seal::KeyRefused),
    /// No credentials saved on a node whose credentials were asked for (exit 1).
    #[error("no credentials saved on {node} ({path}): save them first")]
    NoCredentials { node: String, path: String },
    /// A token request that failed; each face adds where its settings come from.
    #[error(transparent)]
    Cloud(#[from] crate::cloud::CloudError),
}

impl Error {
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Ini(e) => e.class(),
            Error::Node(e) => e.class(),
            Error::Seal(_) => ErrorClass::Failed,
            Error::Invalid(_) | Error::Section(_) => ErrorClass::Invalid,
            Error::Failed(_) | Error::KeyRefused(_) | Error::NoCredentials { .. } => {
                ErrorClass::Failed
            }
            Error::Cloud(e) => e.class(),
            Error::Conflict(_) => ErrorClass::Conflict,
        }
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
