//! Known Presence.ini keys, as the TUI uses them. Re-exported from the
//! settings layer once it provides them; until then a minimal local table.

/// What values a known key takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Bool01,
    Integer { min: i64, max: i64 },
    Choice(&'static [&'static str]),
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownKey {
    pub key: &'static str,
    pub section: &'static str,
    pub title: &'static str,
    pub help: &'static str,
    pub kind: ValueKind,
    pub default: &'static str,
}

pub static KNOWN_KEYS: &[KnownKey] = &[KnownKey {
    key: "WebexPresence.Enable",
    section: "Webex",
    title: "Webex Calling presence retrieval",
    help: "0 = off (default), 1 = on. Needs the Webex tokens authorised for the customer's organisation.",
    kind: ValueKind::Bool01,
    default: "0",
}];

pub fn known_key(key: &str) -> Option<&'static KnownKey> {
    KNOWN_KEYS.iter().find(|k| k.key.eq_ignore_ascii_case(key))
}

pub fn validate(key: &str, value: &str) -> Result<(), String> {
    let Some(known) = known_key(key) else {
        return Ok(());
    };
    let value = value.trim();
    match known.kind {
        ValueKind::Bool01 if value == "0" || value == "1" => Ok(()),
        ValueKind::Bool01 => Err(format!("{} must be 0 or 1", known.key)),
        ValueKind::Integer { min, max } => match value.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(()),
            _ => Err(format!(
                "{} must be a whole number in {min}..={max}",
                known.key
            )),
        },
        ValueKind::Choice(options) if options.iter().any(|o| o.eq_ignore_ascii_case(value)) => {
            Ok(())
        }
        ValueKind::Choice(options) => Err(format!(
            "{} must be one of {}",
            known.key,
            options.join(", ")
        )),
        ValueKind::Text => Ok(()),
    }
}
