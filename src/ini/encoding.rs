//! Detecting and re-creating a settings file's encoding exactly.

use super::IniError;

/// How a file's text is stored as bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8 { bom: bool },
    /// UTF-16 little-endian, always with a BOM (FF FE).
    Utf16Le,
    /// Windows-1252: the fallback for bytes that are not valid UTF-8.
    Windows1252,
}

impl std::fmt::Display for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Encoding::Utf8 { bom: false } => "UTF-8",
            Encoding::Utf8 { bom: true } => "UTF-8 with BOM",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Windows1252 => "Windows-1252",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    Lf,
    CrLf,
}

impl LineEnding {
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::CrLf => "\r\n",
        }
    }
}

/// Decodes `bytes` (BOM excluded from the text). Errors: [`IniError::Binary`].
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), IniError> {
    let _ = bytes;
    todo!()
}

/// Encodes `text` (no BOM in it) in `encoding`, adding the BOM when the encoding has one.
/// Errors: [`IniError::Unrepresentable`] for a character the encoding lacks.
pub fn encode(text: &str, encoding: Encoding) -> Result<Vec<u8>, IniError> {
    let _ = (text, encoding);
    todo!()
}

/// Whether `text` can be written in `encoding` without loss.
pub fn can_represent(text: &str, encoding: Encoding) -> bool {
    let _ = (text, encoding);
    todo!()
}
