//! ucsconf: the engine behind the command line and the TUI.
//!
//! The core modules (`ini`, `node`, `settings`, `cluster`, `logs`, `inventory`)
//! never print and never touch the terminal: they return values and typed
//! errors. The faces (`cli`, `tui`) turn those into text, JSON or widgets.
//!
//! Nothing prints but `cli::term`, which escapes what it prints (see `text`).
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod blocking;
pub mod bundle;
pub mod cli;
pub mod cloud;
pub mod cluster;
pub mod demo;
pub mod doctor;
pub mod error;
pub mod error_class;
pub mod ini;
pub mod inventory;
pub mod join;
pub mod journal;
pub mod logs;
#[cfg(test)]
mod module_graph;
pub mod node;
pub mod ops;
pub mod paths;
pub mod platform;
pub mod provenance;
pub mod settings;
pub mod telemetry;
pub mod text;
pub mod tui;

pub use error::{Error, Result};
pub use error_class::ErrorClass;
