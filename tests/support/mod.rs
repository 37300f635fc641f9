//! Shared parts of the integration tests.
#![allow(dead_code)]

pub mod pty;
pub mod sshd;

use std::path::Path;

use ucsconf::inventory::NodeSpec;
use ucsconf::node::ssh::{AgentSource, SshOptions};
use ucsconf::paths::Paths;

use sshd::Sshd;

/// Options that look at nothing of the user running the tests: no
/// `~/.ssh/config`, no agent, no default keys, no system known_hosts.
pub fn isolated_options(sshd: &Sshd) -> SshOptions {
    SshOptions {
        ssh_config: Some(sshd.dir.path().join("no_ssh_config")),
        agent: AgentSource::Disabled,
        default_identities: Some(Vec::new()),
        system_known_hosts: Vec::new(),
        ..SshOptions::default()
    }
}

/// A node on this server, logging in with its test key, trusting its host key.
pub fn spec_for(sshd: &Sshd, name: &str, root: &Path) -> NodeSpec {
    NodeSpec {
        name: name.to_string(),
        host: Some("127.0.0.1".into()),
        port: Some(sshd.port),
        user: Some(sshd::current_user()),
        identity_file: Some(sshd.client_key.display().to_string()),
        known_hosts: Some(sshd.known_hosts().display().to_string()),
        root: root.display().to_string(),
        paths: Paths::default(),
        cloud_token_url: None,
        cloud_scope: None,
        groups: Vec::new(),
    }
}

/// Names in a folder, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}
