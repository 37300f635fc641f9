//! The real binary in a pseudo-terminal, read back through a terminal
//! emulator: the editor, secrets typed at a terminal, hostile text, and the
//! leak test over every face. Unix only.

#[path = "../support/mod.rs"]
mod support;

mod editor;
mod hostile_text;
mod leak;
mod secret_tty;
