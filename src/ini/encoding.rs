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
    /// A bare CR: only after the file's last LF (classic Mac OS files, or a
    /// conversion gone wrong), where Windows ends lines at CR too.
    Cr,
}

impl LineEnding {
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::CrLf => "\r\n",
            LineEnding::Cr => "\r",
        }
    }
}

/// Decodes `bytes` (BOM excluded from the text). Errors: [`IniError::Binary`].
///
/// Detection order: FF FE is UTF-16LE (odd length or unpaired surrogates are
/// an error); then NUL bytes mean binary; EF BB BF followed by valid UTF-8 is
/// UTF-8 with BOM; valid UTF-8 is UTF-8; anything else is Windows-1252, which
/// maps every non-NUL byte to a distinct character (a UTF-8 BOM followed by
/// invalid UTF-8 thus decodes as `ï»¿` on the first line, losslessly).
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), IniError> {
    if let Some(units) = bytes.strip_prefix(UTF16LE_BOM) {
        return decode_utf16le(units).map(|text| (text, Encoding::Utf16Le));
    }
    if memchr::memchr(0, bytes).is_some() {
        return Err(IniError::Binary);
    }
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM)
        && let Ok(text) = std::str::from_utf8(rest)
    {
        return Ok((text.to_owned(), Encoding::Utf8 { bom: true }));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_owned(), Encoding::Utf8 { bom: false }));
    }
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
    Ok((text.into_owned(), Encoding::Windows1252))
}

/// Encodes `text` (no BOM in it) in `encoding`, adding the BOM when the encoding has one.
/// Errors: [`IniError::Unrepresentable`] for a character the encoding lacks.
pub fn encode(text: &str, encoding: Encoding) -> Result<Vec<u8>, IniError> {
    match encoding {
        Encoding::Utf8 { bom } => {
            let mut out = Vec::with_capacity(text.len() + 3);
            if bom {
                out.extend_from_slice(UTF8_BOM);
            }
            out.extend_from_slice(text.as_bytes());
            Ok(out)
        }
        Encoding::Utf16Le => {
            let mut out = Vec::with_capacity(2 * text.len() + 2);
            out.extend_from_slice(UTF16LE_BOM);
            for unit in text.encode_utf16() {
                out.extend_from_slice(&unit.to_le_bytes());
            }
            Ok(out)
        }
        Encoding::Windows1252 => {
            let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
            if unmappable {
                return Err(IniError::Unrepresentable {
                    what: "text",
                    text: text.to_owned(),
                    encoding,
                });
            }
            Ok(bytes.into_owned())
        }
    }
}

/// Whether `text` can be written in `encoding` without loss.
pub fn can_represent(text: &str, encoding: Encoding) -> bool {
    match encoding {
        Encoding::Utf8 { .. } | Encoding::Utf16Le => true,
        Encoding::Windows1252 => text.is_ascii() || !encoding_rs::WINDOWS_1252.encode(text).2,
    }
}

/// The number of bytes `text` takes in `encoding`, BOM excluded.
pub fn encoded_len(text: &str, encoding: Encoding) -> usize {
    match encoding {
        Encoding::Utf8 { .. } => text.len(),
        Encoding::Utf16Le => 2 * text.encode_utf16().count(),
        // One byte per character for everything representable.
        Encoding::Windows1252 => text.chars().count(),
    }
}

/// The length of the BOM `encoding` writes.
pub fn bom_len(encoding: Encoding) -> usize {
    match encoding {
        Encoding::Utf8 { bom: true } => UTF8_BOM.len(),
        Encoding::Utf16Le => UTF16LE_BOM.len(),
        _ => 0,
    }
}

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];
const UTF16LE_BOM: &[u8] = &[0xFF, 0xFE];

/// Strict UTF-16LE: an odd byte count or an unpaired surrogate is refused, so
/// that what is read can be written back byte for byte.
fn decode_utf16le(bytes: &[u8]) -> Result<String, IniError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(IniError::Binary);
    }
    let units = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|_| IniError::Binary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_round_trips_every_non_nul_byte() {
        let bytes: Vec<u8> = (1..=255u8).collect();
        let (text, encoding) = decode(&bytes).unwrap();
        assert_eq!(encoding, Encoding::Windows1252);
        assert_eq!(text.chars().count(), 255);
        assert_eq!(encode(&text, encoding).unwrap(), bytes);
        assert_eq!(encoded_len(&text, encoding), bytes.len());
    }

    #[test]
    fn windows_1252_undefined_bytes_map_to_c1_controls() {
        for byte in [0x81u8, 0x8D, 0x8F, 0x90, 0x9D] {
            let (text, encoding) = decode(&[b'a', byte, 0xE9]).unwrap();
            assert_eq!(encoding, Encoding::Windows1252);
            let c = text.chars().nth(1).unwrap();
            assert_eq!(c as u32, byte as u32);
            assert!(can_represent(&c.to_string(), encoding));
        }
    }

    #[test]
    fn windows_1252_refuses_what_it_lacks() {
        assert!(can_represent("é è ü € ’", Encoding::Windows1252));
        assert!(!can_represent("日本", Encoding::Windows1252));
        assert!(!can_represent("\u{80}", Encoding::Windows1252));
        assert!(matches!(
            encode("a日", Encoding::Windows1252),
            Err(IniError::Unrepresentable { .. })
        ));
    }

    #[test]
    fn detects_each_encoding() {
        assert_eq!(
            decode(b"a=1").unwrap(),
            ("a=1".into(), Encoding::Utf8 { bom: false })
        );
        assert_eq!(
            decode(b"\xEF\xBB\xBFa=\xC3\xA9").unwrap(),
            ("a=é".into(), Encoding::Utf8 { bom: true })
        );
        assert_eq!(
            decode(b"\xFF\xFEa\x00=\x00").unwrap(),
            ("a=".into(), Encoding::Utf16Le)
        );
        assert_eq!(
            decode(b"a=\xE9").unwrap(),
            ("a=é".into(), Encoding::Windows1252)
        );
        assert_eq!(
            decode(b"").unwrap(),
            (String::new(), Encoding::Utf8 { bom: false })
        );
    }

    #[test]
    fn refuses_binary_and_broken_utf16() {
        assert!(matches!(decode(b"a\x00b"), Err(IniError::Binary)));
        assert!(matches!(
            decode(b"\xEF\xBB\xBFa\x00"),
            Err(IniError::Binary)
        ));
        assert!(matches!(decode(b"\xFF\xFEa\x00b"), Err(IniError::Binary)));
        // A lone high surrogate.
        assert!(matches!(
            decode(b"\xFF\xFE\x00\xD8a\x00"),
            Err(IniError::Binary)
        ));
    }

    #[test]
    fn utf16_keeps_non_bmp_characters() {
        let text = "k=😀𝄞";
        let bytes = encode(text, Encoding::Utf16Le).unwrap();
        assert_eq!(&bytes[..2], UTF16LE_BOM);
        assert_eq!(bytes.len(), 2 + encoded_len(text, Encoding::Utf16Le));
        assert_eq!(
            decode(&bytes).unwrap(),
            (text.to_owned(), Encoding::Utf16Le)
        );
    }

    #[test]
    fn utf8_bom_with_invalid_utf8_falls_back_losslessly() {
        let bytes = b"\xEF\xBB\xBF[S]\r\nk=\xE9";
        let (text, encoding) = decode(bytes).unwrap();
        assert_eq!(encoding, Encoding::Windows1252);
        assert!(text.starts_with("ï»¿[S]"));
        assert_eq!(encode(&text, encoding).unwrap(), bytes);
    }
}
