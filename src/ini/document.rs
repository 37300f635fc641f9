//! The line-preserving INI document.

use super::{Encoding, IniError, LineEnding};

/// A section's name; `None` is the unnamed section of keys before any `[section]`.
pub type SectionName = Option<String>;

/// One effective key (the first of duplicates) as Windows would read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The section as spelled in the file (`None`: before any section).
    pub section: SectionName,
    /// The key as spelled in the file.
    pub key: String,
    /// The value, surrounding whitespace trimmed.
    pub value: String,
    /// Zero-based line number in the file.
    pub line: usize,
}

/// A parsed INI file that serializes back to the exact bytes it came from,
/// and whose edits touch only the lines they must.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    _private: (),
}

impl Document {
    /// Parses bytes in any supported encoding. Errors: binary or oversized input.
    pub fn parse(bytes: &[u8]) -> Result<Document, IniError> {
        let _ = bytes;
        todo!()
    }

    /// A new, empty document (for a file that does not exist yet).
    pub fn new(encoding: Encoding, line_ending: LineEnding) -> Document {
        let _ = (encoding, line_ending);
        todo!()
    }

    /// The exact bytes: identical to the input when nothing was edited.
    pub fn to_bytes(&self) -> Vec<u8> {
        todo!()
    }

    /// The text as decoded (no BOM), for raw views and diffs.
    pub fn text(&self) -> String {
        todo!()
    }

    pub fn encoding(&self) -> Encoding {
        todo!()
    }

    /// The dominant line ending (used for new lines).
    pub fn line_ending(&self) -> LineEnding {
        todo!()
    }

    /// The effective sections in file order (first of duplicates), as spelled.
    pub fn sections(&self) -> Vec<SectionName> {
        todo!()
    }

    /// Every effective entry in file order: the first of duplicate sections and
    /// keys only, as Windows reads them.
    pub fn entries(&self) -> Vec<Entry> {
        todo!()
    }

    /// The value of `key` in `section` (both case-insensitive; first wins).
    pub fn get(&self, section: Option<&str>, key: &str) -> Option<&str> {
        let _ = (section, key);
        todo!()
    }

    /// The effective sections (as spelled) that contain `key`.
    pub fn sections_with_key(&self, key: &str) -> Vec<SectionName> {
        let _ = key;
        todo!()
    }

    /// Sets `key` in `section`: replaces only the value part of the existing line,
    /// or adds a line after the last key of the section, or appends a new section.
    /// Returns whether the document changed. Errors: names or values with line
    /// breaks, keys with `=` or starting with `[`, `;`, `#`, empty keys, and text
    /// the file's encoding cannot represent (nothing is changed then).
    pub fn set(&mut self, section: Option<&str>, key: &str, value: &str) -> Result<bool, IniError> {
        let _ = (section, key, value);
        todo!()
    }

    /// Removes the effective line of `key` in `section`. Returns whether it existed.
    pub fn unset(&mut self, section: Option<&str>, key: &str) -> bool {
        let _ = (section, key);
        todo!()
    }
}
