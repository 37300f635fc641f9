//! One line of the journal: what one write did to one file on one node.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::paths::Paths;
use crate::settings::FormId;

/// The format version of a record (`"v"`).
pub const VERSION: u32 = 1;

/// What a secret field's change is recorded as: never its value, nor its ciphertext.
pub const SEALED_CHANGED: &str = "sealed (changed)";

/// At most this many fields are recorded per write; the rest are counted.
pub const MAX_FIELDS: usize = 50;

/// A recorded value longer than this many characters is cut, with `…`.
pub const MAX_VALUE_CHARS: usize = 200;

/// The files ucsconf writes on a node, as the journal and `--file` name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    Presence,
    Form(FormId),
    Credentials,
    NodeKey,
}

impl FileKind {
    /// Every kind, in the order history lists them.
    pub fn all() -> Vec<FileKind> {
        let mut all = vec![FileKind::Presence];
        all.extend(FormId::ALL.map(FileKind::Form));
        all.extend([FileKind::Credentials, FileKind::NodeKey]);
        all
    }

    /// `presence`, `calendar`, `credentials`, `node-key`.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Presence => "presence",
            FileKind::Form(f) => f.command(),
            FileKind::Credentials => "credentials",
            FileKind::NodeKey => "node-key",
        }
    }

    pub fn from_name(name: &str) -> Option<FileKind> {
        FileKind::all()
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }

    /// Where the node keeps it.
    pub fn path(self, paths: &Paths) -> &str {
        match self {
            FileKind::Presence => &paths.presence,
            FileKind::Form(f) => f.path(paths),
            FileKind::Credentials => &paths.credentials,
            FileKind::NodeKey => &paths.node_key,
        }
    }

    /// The kind of the file at `path`, if ucsconf writes it.
    pub fn of_path(path: &str, paths: &Paths) -> Option<FileKind> {
        FileKind::all().into_iter().find(|k| k.path(paths) == path)
    }

    /// Written readable by the owner only.
    pub fn private(self) -> bool {
        matches!(self, FileKind::Credentials | FileKind::NodeKey)
    }
}

/// One changed field. A secret's holds neither value: only `sealed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sealed: bool,
}

impl FieldChange {
    /// `[Webex] WebexPresence.Enable: 0 → 1`, `BasicAuth.Password: sealed (changed)`.
    pub fn shown(&self) -> String {
        if self.sealed {
            return format!("{}: {SEALED_CHANGED}", self.field);
        }
        let side = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
        format!("{}: {} → {}", self.field, side(&self.old), side(&self.new))
    }
}

/// One write on one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub v: u32,
    /// The change this write belongs to: the same on every node one command
    /// (or one apply-to-all) wrote.
    pub change: String,
    /// UTC, RFC 3339 with milliseconds.
    pub time: String,
    /// Who, from where: the OS user and the admin machine's host name.
    pub user: String,
    pub host: String,
    /// [`FileKind::name`].
    pub file: String,
    /// The file's path on the node, relative to its root.
    pub path: String,
    pub fields: Vec<FieldChange>,
    /// Changed fields beyond [`MAX_FIELDS`], not listed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub more_fields: usize,
    /// The backup (a file name beside the file) that holds the content
    /// before; `None` when there was no file.
    pub backup: Option<String>,
    /// SHA-256 (hex) of the content before and after; `None`: no file.
    pub before: Option<String>,
    pub after: Option<String>,
    /// For a restore: the change it undid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restores: Option<String>,
    /// The ucsconf version that wrote it.
    pub ucsconf: String,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Record {
    pub fn kind(&self) -> Option<FileKind> {
        FileKind::from_name(&self.file)
    }

    /// Its time; a record whose time cannot be read sorts first.
    pub fn when(&self) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&self.time)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    /// One JSON line, without the newline.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("strings and numbers always serialize")
    }
}

/// `2026-12-03T17:30:05.123Z`.
pub fn format_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// SHA-256 in lower-case hex.
pub fn digest(bytes: &[u8]) -> String {
    hex(&<sha2::Sha256 as sha2::Digest>::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `text` cut to [`MAX_VALUE_CHARS`].
pub fn bounded(text: &str) -> String {
    match text.char_indices().nth(MAX_VALUE_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_one_name_each_and_find_their_path() {
        let paths = Paths::default();
        for kind in FileKind::all() {
            assert_eq!(FileKind::from_name(kind.name()), Some(kind));
            assert_eq!(FileKind::of_path(kind.path(&paths), &paths), Some(kind));
        }
        assert_eq!(
            FileKind::from_name("calendar"),
            Some(FileKind::Form(FormId::Calendar))
        );
        assert_eq!(FileKind::from_name("nothing"), None);
    }

    #[test]
    fn a_secret_field_is_shown_as_sealed_only() {
        let secret = FieldChange {
            field: "BasicAuth.Password".into(),
            old: None,
            new: None,
            sealed: true,
        };
        assert_eq!(secret.shown(), "BasicAuth.Password: sealed (changed)");
        let json = serde_json::to_string(&secret).unwrap();
        assert_eq!(json, r#"{"field":"BasicAuth.Password","sealed":true}"#);
        let plain = FieldChange {
            field: "[Webex] Enable".into(),
            old: Some("0".into()),
            new: None,
            sealed: false,
        };
        assert_eq!(plain.shown(), "[Webex] Enable: 0 → (none)");
    }

    #[test]
    fn long_values_are_cut() {
        let long = "x".repeat(MAX_VALUE_CHARS + 5);
        assert_eq!(bounded(&long).chars().count(), MAX_VALUE_CHARS + 1);
        assert_eq!(bounded("short"), "short");
    }
}
