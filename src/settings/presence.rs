//! Known Presence.ini keys (stub until the settings domain lands).

pub enum ValueKind {
    Bool01,
    Integer { min: i64, max: i64 },
    Choice(&'static [&'static str]),
    Text,
}

pub struct KnownKey {
    pub key: &'static str,
    pub section: &'static str,
    pub title: &'static str,
    pub help: &'static str,
    pub kind: ValueKind,
    pub default: &'static str,
}

pub const KNOWN_KEYS: &[KnownKey] = &[];

pub fn known_key(key: &str) -> Option<&'static KnownKey> {
    let _ = key;
    todo!()
}

pub fn validate(key: &str, value: &str) -> Result<(), String> {
    let _ = (key, value);
    todo!()
}
