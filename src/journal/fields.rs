//! Which fields a write changed, read from the file's content before and
//! after: INI keys, the credential store's fields, the node key as a whole.
//! A secret's change is recorded as sealed, without either value.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::record::{FieldChange, FileKind, MAX_FIELDS, bounded, digest};
use crate::ini::Document;
use crate::settings::FormVisitor;
use crate::settings::form::FormFile;

/// A field's content, as compared.
#[derive(PartialEq, Eq)]
enum Value {
    Plain(String),
    /// Compared, never recorded.
    Sealed(String),
}

/// The changed fields from `before` to `after` (`None`: no file), at most
/// [`MAX_FIELDS`] of them, and how many more there were.
pub fn changes(
    kind: FileKind,
    before: Option<&[u8]>,
    after: Option<&[u8]>,
) -> (Vec<FieldChange>, usize) {
    let (old, new) = (fields_of(kind, before), fields_of(kind, after));
    let labels: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut all: Vec<FieldChange> = labels
        .into_iter()
        .filter(|l| old.get(*l) != new.get(*l))
        .map(|label| {
            let (a, b) = (old.get(label), new.get(label));
            let sealed = matches!(a, Some(Value::Sealed(_))) || matches!(b, Some(Value::Sealed(_)));
            let plain = |v: Option<&Value>| match v {
                Some(Value::Plain(p)) if !sealed => Some(bounded(p)),
                _ => None,
            };
            FieldChange {
                field: label.clone(),
                old: plain(a),
                new: plain(b),
                sealed,
            }
        })
        .collect();
    let more = all.len().saturating_sub(MAX_FIELDS);
    all.truncate(MAX_FIELDS);
    (all, more)
}

fn fields_of(kind: FileKind, bytes: Option<&[u8]>) -> BTreeMap<String, Value> {
    let Some(bytes) = bytes else {
        return BTreeMap::new();
    };
    let parsed = match kind {
        FileKind::Presence => ini_fields(bytes, None),
        FileKind::Form(f) => ini_fields(bytes, Some(f.visit(SecretKeys))),
        FileKind::Credentials => store_fields(bytes),
        FileKind::NodeKey => Some(BTreeMap::from([(
            "key".to_string(),
            Value::Sealed(digest(bytes)),
        )])),
    };
    // A file that does not parse is compared whole.
    parsed.unwrap_or_else(|| {
        let short: String = digest(bytes).chars().take(12).collect();
        BTreeMap::from([(
            "(the whole file)".to_string(),
            Value::Plain(format!("sha256 {short}…")),
        )])
    })
}

/// An INI file's keys as `[Section] Key` (`Key` before any section);
/// `secrets`: the section and keys whose values are sealed.
fn ini_fields(
    bytes: &[u8],
    secrets: Option<(&'static str, Vec<&'static str>)>,
) -> Option<BTreeMap<String, Value>> {
    let doc = Document::parse(bytes).ok()?;
    let is_secret = |section: Option<&str>, key: &str| {
        secrets.as_ref().is_some_and(|(s, keys)| {
            section.is_some_and(|sec| sec.eq_ignore_ascii_case(s))
                && keys.iter().any(|k| k.eq_ignore_ascii_case(key))
        })
    };
    Some(
        doc.entries()
            .into_iter()
            .map(|e| {
                let label = match e.section.as_deref() {
                    Some(s) => format!("[{s}] {}", e.key),
                    None => e.key.clone(),
                };
                let value = match is_secret(e.section.as_deref(), &e.key) {
                    true => Value::Sealed(e.value),
                    false => Value::Plain(e.value),
                };
                (label, value)
            })
            .collect(),
    )
}

/// The store's JSON fields as dotted paths (`proxy.url`); `secret` and
/// `password` fields are sealed.
fn store_fields(bytes: &[u8]) -> Option<BTreeMap<String, Value>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let json: Json = serde_json::from_slice(bytes).ok()?;
    let mut out = BTreeMap::new();
    flatten("", &json, &mut out);
    Some(out)
}

fn flatten(prefix: &str, json: &Json, out: &mut BTreeMap<String, Value>) {
    match json {
        Json::Object(map) => {
            for (key, value) in map {
                let path = match prefix {
                    "" => key.clone(),
                    p => format!("{p}.{key}"),
                };
                flatten(&path, value, out);
            }
        }
        Json::Null => {}
        other => {
            let text = match other {
                Json::String(s) => s.clone(),
                v => v.to_string(),
            };
            let last = prefix.rsplit('.').next().unwrap_or(prefix);
            let value = match last {
                "secret" | "password" => Value::Sealed(text),
                _ => Value::Plain(text),
            };
            out.insert(prefix.to_string(), value);
        }
    }
}

/// A form file's section and the keys of its secret fields.
struct SecretKeys;

impl FormVisitor for SecretKeys {
    type Out = (&'static str, Vec<&'static str>);
    fn visit<F: FormFile>(self) -> Self::Out {
        let keys = F::ALL
            .iter()
            .map(|f| f.spec())
            .filter(|s| s.is_secret())
            .map(|s| s.key)
            .collect();
        (F::SECTION, keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::FormId;

    fn shown(kind: FileKind, before: Option<&str>, after: Option<&str>) -> Vec<String> {
        let (changes, _) = changes(kind, before.map(str::as_bytes), after.map(str::as_bytes));
        changes.iter().map(FieldChange::shown).collect()
    }

    #[test]
    fn ini_keys_changed_added_and_removed() {
        let before = "top=1\r\n[Webex]\r\nEnable=0\r\nGone=x\r\n";
        let after = "top=1\r\n[Webex]\r\nEnable=1\r\nNew=y\r\n";
        assert_eq!(
            shown(FileKind::Presence, Some(before), Some(after)),
            [
                "[Webex] Enable: 0 → 1",
                "[Webex] Gone: x → (none)",
                "[Webex] New: (none) → y",
            ]
        );
        assert_eq!(
            shown(FileKind::Presence, None, Some("[A]\nk=v\n")),
            ["[A] k: (none) → v"]
        );
    }

    #[test]
    fn a_form_files_secret_is_recorded_as_sealed_only() {
        let calendar = FileKind::Form(FormId::Calendar);
        let before = "[Calendar]\r\nBasicAuth.Password=OLDCIPHER\r\nProvider=Exchange\r\n";
        let after = "[Calendar]\r\nbasicauth.password=NEWCIPHER\r\nProvider=Office365\r\n";
        let (changes, more) = changes(calendar, Some(before.as_bytes()), Some(after.as_bytes()));
        assert_eq!(more, 0);
        let text = serde_json::to_string(&changes).unwrap();
        assert!(!text.contains("CIPHER"), "{text}");
        let lines: Vec<String> = changes.iter().map(FieldChange::shown).collect();
        assert!(lines.contains(&"[Calendar] Provider: Exchange → Office365".to_string()));
        assert!(
            lines.iter().any(|l| l.ends_with("sealed (changed)")),
            "{lines:?}"
        );
    }

    #[test]
    fn the_store_and_the_key_never_show_their_secrets() {
        let before = r#"{"version":1,"client_id":"a","secret":"S1"}"#;
        let after = r#"{"version":1,"client_id":"b","secret":"S2","proxy":{"url":"http://p:8080","password":"P"}}"#;
        let (changes, _) = changes(
            FileKind::Credentials,
            Some(before.as_bytes()),
            Some(after.as_bytes()),
        );
        let text = serde_json::to_string(&changes).unwrap();
        for secret in ["S1", "S2", "\"P\""] {
            assert!(!text.contains(secret), "{text}");
        }
        let lines: Vec<String> = changes.iter().map(FieldChange::shown).collect();
        assert_eq!(
            lines,
            [
                "client_id: a → b",
                "proxy.password: sealed (changed)",
                "proxy.url: (none) → http://p:8080",
                "secret: sealed (changed)",
            ]
        );
        assert_eq!(
            shown(FileKind::NodeKey, None, Some("KEYBYTES")),
            ["key: sealed (changed)"]
        );
    }

    #[test]
    fn an_unreadable_file_is_compared_whole_and_many_fields_are_counted() {
        let lines = shown(FileKind::Credentials, Some("{"), Some("not json"));
        assert_eq!(lines.len(), 1);
        assert!(
            lines[0].starts_with("(the whole file): sha256 "),
            "{lines:?}"
        );
        let many: String = (0..MAX_FIELDS + 3).map(|i| format!("k{i}=v\n")).collect();
        let (changes, more) = changes(FileKind::Presence, None, Some(many.as_bytes()));
        assert_eq!((changes.len(), more), (MAX_FIELDS, 3));
    }
}
