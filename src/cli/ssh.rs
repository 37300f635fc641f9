//! SSH on the command line: the connection options (passphrase prompts,
//! `--in-place` and its question), `trust NODE`, and the hints that turn
//! an unknown host key or a missing posix-rename into what to run next.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use secrecy::SecretString;
use serde_json::json;

use super::args::Cli;
use super::term::{self, errln, outln};
use crate::inventory::NodeSpec;
use crate::node::NodeError;
use crate::node::ssh::{self, HostKeyInfo, KeyCache, SshOptions};
use crate::{Error, Result};

/// How SSH nodes connect for this command: the user's config, agent and
/// keys; an encrypted key's passphrase is asked on the terminal (never read
/// from arguments), once per key file, and only when there is a terminal
/// and no full-screen interface owns it. `--in-place` allows overwriting in
/// place where a server lacks posix-rename; without it, an admin at a
/// terminal is asked instead.
pub fn options(cli: &Cli) -> SshOptions {
    let interactive = cli.command.is_some() && std::io::stdin().is_terminal();
    let can_ask = interactive && term::stderr_is_terminal() && !cli.in_place;
    SshOptions {
        passphrase: interactive.then(|| Arc::new(ask_passphrase) as ssh::PassphraseFn),
        key_cache: Some(KeyCache::default()),
        allow_in_place: cli.in_place,
        confirm_in_place: can_ask.then(in_place_question),
        ..SshOptions::default()
    }
}

/// The flag that allows overwriting in place.
pub const IN_PLACE_FLAG: &str = "--in-place";

/// Asks on the terminal whether a node without posix-rename may be
/// overwritten in place: once per node and run, one question at a time.
fn in_place_question() -> ssh::InPlaceFn {
    let answers: Mutex<HashMap<String, bool>> = Mutex::default();
    Arc::new(move |node: &str| {
        // Held while asking, so that nodes worked on at once ask in turn.
        let mut answers = answers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(answer) = answers.get(node) {
            return *answer;
        }
        let answer = super::term::yes_no(&in_place_prompt(node)).unwrap_or(false);
        answers.insert(node.to_string(), answer);
        answer
    })
}

fn in_place_prompt(node: &str) -> String {
    format!(
        "{node}: the server cannot replace files atomically (no posix-rename). \
         Back up and overwrite in place? [y/N] "
    )
}

/// A masked prompt on stderr; an empty answer or a failed read is no passphrase.
fn ask_passphrase(prompt: &str) -> Option<SecretString> {
    term::ask_masked(prompt)
        .ok()
        .filter(|p| !p.is_empty())
        .map(SecretString::from)
}

/// The command that trusts `node`'s host key, ready to paste (the
/// inventory flag repeated when one was given).
pub fn trust_command(cli: &Cli, node: &str) -> String {
    let mut command = format!("ucsconf trust {}", quoted(node));
    if let Some(config) = &cli.config {
        command.push_str(&format!(
            " --config {}",
            quoted(&config.display().to_string())
        ));
    }
    command
}

/// Quoted for the admin's shell when it needs it.
fn quoted(text: &str) -> String {
    let plain = |c: char| {
        c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c) || (cfg!(windows) && c == '\\')
    };
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else if cfg!(windows) {
        format!("\"{text}\"")
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// An unknown host key on `node` becomes the message that says how to trust
/// it, a missing posix-rename the one that names `--in-place`, a refused
/// scope the one that names `--scope`, no saved credentials the command
/// that saves them; any other error is returned as it is.
pub fn hinted(cli: &Cli, node: &str, error: Error) -> Error {
    match &error {
        Error::Node(e) => unknown_key_hint(cli, node, e)
            .or_else(|| in_place_hint(e))
            .map_or(error, Error::Failed),
        Error::Section(problem) => Error::Invalid(super::presence::section_hint(problem)),
        Error::NoCredentials { .. } => {
            Error::Failed(format!("{error} with `ucsconf credentials save`"))
        }
        Error::Cloud(e) if e.scope_refused() => {
            Error::Failed(format!("{e} (--scope or cloud_scope in nodes.toml)"))
        }
        _ => error,
    }
}

/// The hinted message for a server without posix-rename (`None` for other errors).
pub fn in_place_hint(error: &NodeError) -> Option<String> {
    matches!(error, NodeError::PosixRenameMissing { .. }).then(|| {
        format!(
            "{error}. To back up the file and overwrite it in place instead (not atomic: \
             an interrupted write can leave it truncated), run again with {IN_PLACE_FLAG}"
        )
    })
}

/// The hinted message for an unknown host key, or one of a type known_hosts
/// has no key of for a host it knows with others (`None` for other errors).
pub fn unknown_key_hint(cli: &Cli, node: &str, error: &NodeError) -> Option<String> {
    match error {
        NodeError::UnknownHostKey {
            host,
            key_type,
            fingerprint,
        } => Some(format!(
            "the host key of {host} is not known ({key_type} {fingerprint}); nothing was done. \
             If it is the right one, trust it with: {}",
            trust_command(cli, node)
        )),
        NodeError::OtherHostKeyTypes {
            host,
            key_type,
            fingerprint,
            known_types,
            known_hosts,
        } => Some(format!(
            "the host key of {host} is not known, and this host is known with other keys: it \
             offered {key_type} {fingerprint}, but known_hosts has {} ({known_hosts}). Someone \
             may be intercepting the connection; nothing was done. If the server's keys really \
             changed, compare the fingerprint with the server's own, then run: {} --other-key-type",
            known_types.join(", "),
            trust_command(cli, node)
        )),
        _ => None,
    }
}

/// The inventory entry `trust` works on.
fn spec_named(cli: &Cli, name: &str) -> Result<NodeSpec> {
    if cli.root.is_some() {
        return Err(Error::invalid(
            "with --root there is only the local node, which has no host key",
        ));
    }
    let spec = super::inventory_for(cli)?
        .select(&[name.to_string()])?
        .remove(0);
    if spec.host.is_none() {
        return Err(Error::invalid(format!(
            "{} is a local node: it has no SSH host key",
            spec.name
        )));
    }
    Ok(spec)
}

/// Most hops a route has (jump hosts and the node): each unknown key is
/// asked about in turn.
const MAX_PROMPTS: usize = 8;

/// `trust NODE`: shows the first host key on the way to the node that
/// known_hosts does not vouch for, asks, and records it; then the next.
pub async fn trust(cli: &Cli, name: &str, other_key_type: bool) -> Result<u8> {
    let spec = spec_named(cli, name)?;
    let options = options(cli);
    let mut added: Vec<HostKeyInfo> = Vec::new();
    for _ in 0..MAX_PROMPTS {
        let info = ssh::fetch_host_key(&spec, &options).await?;
        if info.known {
            report_known(cli, &spec, &info, &added);
            return Ok(0);
        }
        if added
            .iter()
            .any(|a| a.host == info.host && a.port == info.port)
        {
            return Err(Error::Failed(format!(
                "{}: the key of {} was added to {} but is still not accepted; check that file",
                spec.name,
                hop_name(&info),
                info.known_hosts.display()
            )));
        }
        describe(&spec, &info);
        if let Some(other) = &info.other_keys
            && !other_key_type
        {
            return Err(Error::Failed(format!(
                "{}: not trusted: this host is known with other keys ({}, {}), and a server \
                 keeps its keys: someone may be intercepting the connection. known_hosts was not \
                 changed. If the server's keys really changed, compare the fingerprint with the \
                 server's own, then run: {} --other-key-type",
                spec.name,
                other.types.join(", "),
                other.at,
                trust_command(cli, &spec.name)
            )));
        }
        if !confirmed().await? {
            return Err(Error::Failed(format!(
                "{}: not trusted; known_hosts was not changed",
                spec.name
            )));
        }
        info.trust().map_err(|e| {
            Error::Failed(format!(
                "cannot add the key to {}: {e}",
                info.known_hosts.display()
            ))
        })?;
        errln!(
            "Added {} ({}) to {}",
            hop_name(&info),
            info.fingerprint,
            info.known_hosts.display()
        );
        added.push(info);
    }
    Err(Error::Failed(format!(
        "{}: too many unknown host keys on the way",
        spec.name
    )))
}

/// `host:port`, with the name it is reached by when that differs.
fn hop_name(info: &HostKeyInfo) -> String {
    let address = format!("{}:{}", info.host, info.port);
    if info.alias == info.host {
        address
    } else {
        format!("{} ({address})", info.alias)
    }
}

/// What the admin is asked to trust, on stderr beside the prompt.
fn describe(spec: &NodeSpec, info: &HostKeyInfo) {
    let which = if spec.host.as_deref() == Some(info.alias.as_str()) {
        format!("The host key of {} at {}", spec.name, hop_name(info))
    } else {
        format!(
            "The host key of the jump host {} on the way to {}",
            hop_name(info),
            spec.name
        )
    };
    errln!("{which} is not known.");
    if let Some(other) = &info.other_keys {
        errln!(
            "  WARNING: this host is known with other keys: {} ({}).",
            other.types.join(", "),
            other.at
        );
        errln!(
            "  It offered only a key of another type: someone may be intercepting the connection."
        );
    }
    errln!(
        "  {} key fingerprint is {}",
        info.key_type,
        info.fingerprint
    );
    errln!(
        "  Compare it with the server's own (`ssh-keygen -l -f` on its host key) before trusting it."
    );
}

/// Asks `Trust this key? [y/N]` (see [`yes_no`]).
async fn confirmed() -> Result<bool> {
    tokio::task::spawn_blocking(|| term::yes_no("Trust this key? [y/N] "))
        .await
        .map_err(|e| Error::Failed(format!("reading the answer: {e}")))?
        .map_err(|e| Error::Failed(format!("reading the answer: {e}")))
}

fn report_known(cli: &Cli, spec: &NodeSpec, info: &HostKeyInfo, added: &[HostKeyInfo]) {
    let state = if added.is_empty() {
        "already trusted"
    } else {
        "now trusted"
    };
    if cli.json {
        let doc = json!({
            "node": spec.name,
            "host": info.host,
            "port": info.port,
            "key_type": info.key_type,
            "fingerprint": info.fingerprint,
            "known_hosts": info.known_hosts.display().to_string(),
            "added": added.iter().map(|a| json!({
                "host": a.host,
                "port": a.port,
                "fingerprint": a.fingerprint,
            })).collect::<Vec<_>>(),
        });
        term::out_json(&doc);
    } else {
        outln!(
            "{}: the host key of {} is {state} ({} {})",
            spec.name,
            hop_name(info),
            info.key_type,
            info.fingerprint
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trust_command_repeats_the_inventory_and_quotes_what_needs_it() {
        let cli = Cli::parse_from(["ucsconf", "nodes"]);
        assert_eq!(trust_command(&cli, "ucs-a"), "ucsconf trust ucs-a");
        let cli = Cli::parse_from(["ucsconf", "--config", "my nodes.toml", "nodes"]);
        let expected = if cfg!(windows) {
            r#"ucsconf trust ucs-a --config "my nodes.toml""#
        } else {
            "ucsconf trust ucs-a --config 'my nodes.toml'"
        };
        assert_eq!(trust_command(&cli, "ucs-a"), expected);
        #[cfg(unix)]
        assert_eq!(quoted("it's"), r"'it'\''s'");
    }

    #[test]
    fn only_an_unknown_host_key_gets_the_hint() {
        let cli = Cli::parse_from(["ucsconf", "nodes"]);
        let unknown = NodeError::UnknownHostKey {
            host: "[10.0.0.5]:2222".into(),
            key_type: "ssh-ed25519".into(),
            fingerprint: "SHA256:abc".into(),
        };
        let text = hinted(&cli, "ucs-b", Error::Node(unknown)).to_string();
        assert!(text.contains("SHA256:abc"), "{text}");
        assert!(
            text.ends_with("trust it with: ucsconf trust ucs-b"),
            "{text}"
        );
        let other = Error::Node(NodeError::Auth("refused".into()));
        assert_eq!(hinted(&cli, "ucs-b", other).to_string(), "refused");
    }

    #[test]
    fn a_missing_posix_rename_names_the_flag_and_keeps_its_class() {
        let cli = Cli::parse_from(["ucsconf", "nodes"]);
        let missing = NodeError::PosixRenameMissing {
            host: "admin@10.0.0.5:2222".into(),
        };
        let hinted = hinted(&cli, "ucs-b", Error::Node(missing));
        let text = hinted.to_string();
        assert!(
            text.starts_with("admin@10.0.0.5:2222: the SFTP server"),
            "{text}"
        );
        assert!(text.contains("nothing was written"), "{text}");
        assert!(text.ends_with("run again with --in-place"), "{text}");
        assert_eq!(hinted.class(), crate::ErrorClass::Failed);
    }

    #[test]
    fn in_place_is_allowed_by_the_flag_and_never_asked_without_a_terminal() {
        let given = options(&Cli::parse_from(["ucsconf", "--in-place", "nodes"]));
        assert!(given.allow_in_place && given.confirm_in_place.is_none());
        let parsed = Cli::parse_from(["ucsconf", "presence", "set", "K", "1", "--in-place"]);
        assert!(parsed.in_place, "a global flag, accepted after the command");
        let plain = options(&Cli::parse_from(["ucsconf", "nodes"]));
        assert!(!plain.allow_in_place);
        // Without a terminal (as under CI) nothing can be asked.
        if !std::io::stdin().is_terminal() {
            assert!(plain.confirm_in_place.is_none());
        }
        assert_eq!(
            in_place_prompt("ucs-b"),
            "ucs-b: the server cannot replace files atomically (no posix-rename). \
             Back up and overwrite in place? [y/N] "
        );
    }
}
