//! A lossless INI document with Windows `GetPrivateProfileString` semantics.
//!
//! rust-ini may be used in tests to cross-check reads; it never writes, because
//! it loses comments, BOMs and spacing.

pub mod document;
pub mod encoding;

pub use document::{Document, Entry, SectionName};
pub use encoding::{Encoding, LineEnding};

use crate::error_class::ErrorClass;

/// Settings files larger than this are refused, untouched.
pub const MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum IniError {
    /// The bytes look binary (NUL bytes outside UTF-16, or undecodable UTF-16).
    #[error("the file looks binary, not an INI text file")]
    Binary,
    /// Larger than [`MAX_FILE_SIZE`].
    #[error("the file is {size} bytes, larger than the 8 MiB limit for settings files")]
    TooLarge { size: u64 },
    /// A value (or key or section name) the file's encoding cannot represent.
    #[error("{what} {text:?} cannot be written in this file's encoding ({encoding})")]
    Unrepresentable {
        what: &'static str,
        text: String,
        encoding: Encoding,
    },
    /// A key, section or value that would break the file's structure
    /// (line breaks, `=` in a key, `]` in a section name, empty key...).
    #[error("{0}")]
    Invalid(String),
}

impl IniError {
    pub fn class(&self) -> ErrorClass {
        ErrorClass::Invalid
    }
}
