//! The full-screen interface (SPEC §5).
//!
//! One-way flow: a terminal event goes through the [`keymap`] to an
//! [`action::Action`]; [`state::update`] applies it and returns
//! [`action::Effect`]s, which run on tokio tasks ([`effects`]) and come back
//! as actions on the same channel. Drawing ([`ui::render`]) is a pure
//! function of the state.

pub mod action;
pub mod app;
pub mod effects;
pub mod history;
pub mod hostkey;
pub mod inplace;
pub mod keymap;
pub mod known;
pub mod model;
pub mod prompt;
pub mod remedy;
pub mod reply;
pub mod state;
pub mod tabs;
pub mod theme;
pub mod ui;
pub mod widgets;

#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::HashMap;

use crate::cloud::TestOverrides;
use crate::inventory::NodeSpec;
use crate::node::ssh::SshOptions;
use crate::ops::Target;

pub struct TuiOptions {
    pub theme: theme::Theme,
    /// Shown in the header, e.g. "demo".
    pub title: Option<String>,
    /// Per node name: the token URL and scope of the credentials test (from
    /// the inventory). A node missing here is tested with the defaults.
    pub test_overrides: HashMap<String, TestOverrides>,
    /// The inventory entries of the SSH nodes, to fetch a host key the
    /// admin is asked to trust (with `ssh_options`).
    pub specs: Vec<NodeSpec>,
    pub ssh_options: SshOptions,
    /// Asks for key passphrases; give the targets `prompter.ssh_options(..)`.
    pub prompter: prompt::Prompter,
    /// Log entries kept per log view (each node's, and the cluster view).
    pub log_capacity: usize,
}

impl TuiOptions {
    pub fn new(theme: theme::Theme, title: Option<String>) -> TuiOptions {
        let prompter = prompt::Prompter::new();
        TuiOptions {
            theme,
            title,
            test_overrides: HashMap::new(),
            specs: Vec::new(),
            ssh_options: prompter.ssh_options(SshOptions::default()),
            prompter,
            log_capacity: tabs::logs::DEFAULT_CAPACITY,
        }
    }
}

/// Runs the interface on `targets` until the admin quits. The terminal is
/// restored on return, on error and on panic.
pub async fn run(targets: Vec<Target>, options: TuiOptions) -> anyhow::Result<()> {
    app::run_with(targets, options).await
}

/// Text from a file or a node made safe to draw (see [`crate::text`]).
pub fn sanitize(text: &str) -> Cow<'_, str> {
    crate::text::escape_untrusted(text)
}
