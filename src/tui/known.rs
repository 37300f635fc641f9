//! Known Presence.ini keys, as the TUI uses them (from the settings layer).

pub use crate::settings::presence::{KnownKey, ValueKind, known_key, normalize, validate};
