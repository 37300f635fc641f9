//! Known Presence.ini keys, as the TUI uses them (from the settings layer).

pub use crate::settings::presence::{
    KnownKey, ValueKind, check_section, known_key, normalize, validate,
};
