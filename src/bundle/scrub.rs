//! Settings files made fit for a support archive: every secret replaced by
//! "sealed", nothing else changed.

use serde_json::Value;

use crate::ini::Document;
use crate::logs::redact::redact;

/// What replaces a secret value in a settings file.
pub const SEALED: &str = "sealed";

/// A key whose value is a secret (`BasicAuth.Password`, `Proxy.Secret`...).
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    [
        "password",
        "secret",
        "token",
        "passphrase",
        "apikey",
        "api_key",
    ]
    .iter()
    .any(|word| key.contains(word))
}

/// An INI file as UTF-8 text with every secret value replaced, and how
/// many were. Each line is looked at (duplicates and lines Windows would
/// ignore too): a key that names a secret gets "sealed", and other lines go
/// through the log redaction. The rest stays as it was, line endings
/// included. `None`: the file cannot be read as INI, and is left out.
pub fn ini(bytes: &[u8]) -> Option<(Vec<u8>, usize)> {
    let text = Document::parse(bytes).ok()?.text();
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\r', '\n']);
        let ending = &line[body.len()..];
        let comment = body.trim_start().starts_with([';', '#']);
        match body.split_once('=') {
            Some((key, value)) if !comment && is_secret_key(key) && !value.trim().is_empty() => {
                out.push_str(key);
                out.push('=');
                out.push_str(SEALED);
                count += 1;
            }
            _ => {
                let (redacted, n) = redact(body);
                out.push_str(&redacted);
                count += n;
            }
        }
        out.push_str(ending);
    }
    Some((out.into_bytes(), count))
}

/// The credentials store (JSON) with every secret replaced by "sealed":
/// no ciphertext, no nonce. `None`: not JSON, left out.
pub fn store(bytes: &[u8]) -> Option<(Vec<u8>, usize)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut value: Value = serde_json::from_slice(bytes).ok()?;
    let mut count = 0;
    scrub_json(&mut value, false, &mut count);
    let mut out = serde_json::to_vec_pretty(&value).ok()?;
    out.push(b'\n');
    Some((out, count))
}

fn scrub_json(value: &mut Value, secret: bool, count: &mut usize) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                scrub_json(v, secret || is_secret_key(key), count);
            }
        }
        Value::Array(items) => {
            for v in items {
                scrub_json(v, secret, count);
            }
        }
        Value::String(text) if secret => {
            *text = SEALED.to_string();
            *count += 1;
        }
        Value::String(text) => {
            if let (redacted, n) = redact(text)
                && n > 0
            {
                *text = redacted.into_owned();
                *count += n;
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_secrets_are_sealed_and_the_rest_kept() {
        let text = "; comment\r\n[Calendar]\r\nProvider = Office365\r\nBasicAuth.Username=svc@contoso.com\r\nBasicAuth.Password=v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBB\r\nEwsUrl=https://svc:hunter2@mail.contoso.com/EWS/Exchange.asmx\r\n";
        let (out, count) = ini(text.as_bytes()).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert_eq!(count, 2);
        assert!(out.contains("BasicAuth.Password=sealed\r\n"), "{out}");
        assert!(out.contains("EwsUrl=https://svc:[redacted]@mail"), "{out}");
        assert!(out.starts_with("; comment\r\n[Calendar]\r\nProvider = Office365\r\n"));
        assert!(!out.contains("hunter2") && !out.contains("AAAAAAAA"));
        let dup = "[a]\nPassword=one\npassword = two\n;Password=commented\n";
        let (out, count) = ini(dup.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "[a]\nPassword=sealed\npassword =sealed\n;Password=[redacted]\n"
        );
        assert_eq!(count, 3);
    }

    #[test]
    fn the_store_keeps_ids_and_seals_secrets() {
        let json = br#"{"version":1,"client_id":"3f2a","secret":"v1:AAAAAAAAAAAA:BBBBBBBBBBBBBB","proxy":{"url":"http://p:3128","user":"svc","password":"v1:CCCCCCCCCCCC:DDDDDDDDDDDD"}}"#;
        let (out, count) = store(json).unwrap();
        let out: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(count, 2);
        assert_eq!(out["client_id"], "3f2a");
        assert_eq!(out["secret"], "sealed");
        assert_eq!(out["proxy"]["password"], "sealed");
        assert_eq!(out["proxy"]["user"], "svc");
        assert!(store(b"not json").is_none());
    }
}
