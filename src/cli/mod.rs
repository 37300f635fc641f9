//! The command-line face: turns arguments into operations on the selected
//! nodes and their results into text, JSON and an exit code.

pub mod args;
mod bundle;

pub mod completions;
mod credentials;
mod diff;
mod doctor;
mod fields;
mod form;
mod history;
mod inventory;
mod logs;
mod nodes;
pub mod output;
mod presence;
mod secret;
pub mod ssh;
pub mod term;

use std::future::Future;
use std::path::Path;
use std::pin::Pin;

pub use args::Cli;
use args::Command;
use output::Report;
use term::{errln, outln};

use crate::cluster;
use crate::inventory::{Inventory, NodeSpec, locate};
use crate::ops::Target;
use crate::{Error, Result};

/// Runs a command (never the TUI) and returns the exit code.
pub async fn run(cli: Cli) -> u8 {
    match dispatch(&cli).await {
        Ok(code) => code,
        Err(e) => {
            tracing::warn!("command failed: {e}");
            errln!("error: {e}");
            e.class().exit_code()
        }
    }
}

async fn dispatch(cli: &Cli) -> Result<u8> {
    let Some(command) = &cli.command else {
        return Err(Error::invalid("no command given"));
    };
    // A bad --theme is bad input whatever the command: refused before any work.
    if let Some(name) = &cli.theme {
        crate::tui::theme::load(name).map_err(|e| Error::invalid(e.to_string()))?;
    }
    match command {
        Command::Demo(args::DemoArgs { dir, .. }) => {
            let dir = dir.clone().unwrap_or_else(crate::demo::default_dir);
            let inventory = boxed(crate::demo::create_or_reuse(&dir)).await?;
            outln!("{}", inventory.path.display());
            Ok(0)
        }
        Command::Nodes => Ok(boxed(nodes::run(cli, &select_targets(cli)?)).await),
        Command::Presence(c) => boxed(presence::run(cli, c, &select_targets(cli)?)).await,
        Command::Form(c) => boxed(form::run(cli, c, &select_targets(cli)?)).await,
        Command::Credentials(c) => boxed(credentials::run(cli, c, &select_targets(cli)?)).await,
        Command::Logs(a) => boxed(logs::run(cli, a, &select_targets(cli)?)).await,
        Command::Diff => Ok(boxed(diff::run(cli, &select_targets(cli)?)).await),
        Command::Bundle(args) => boxed(bundle::run(cli, args, &select_targets(cli)?)).await,
        Command::Doctor(_) => Ok(boxed(doctor::run(cli, &select_targets(cli)?)).await),
        Command::Completions(args) => Ok(completions::print_completions(args.shell)),
        Command::Man => Ok(completions::print_man()),
        Command::Trust(args) => boxed(ssh::trust(cli, &args.node, args.other_key_type)).await,
        Command::Inventory => inventory::run(cli),
        Command::History(args) => boxed(history::history(cli, args, &select_targets(cli)?)).await,
        Command::Restore(args) => boxed(history::restore(cli, args, &select_targets(cli)?)).await,
    }
}

/// A command's future behind a pointer. Inline, every command's state and
/// locals share one future and one poll frame the size of the largest
/// (tens of KiB of stack, every page touched at start); polled through a
/// pointer, each command's are its own.
fn boxed<'a, T>(future: impl Future<Output = T> + 'a) -> Pin<Box<dyn Future<Output = T> + 'a>> {
    Box::pin(future)
}

/// What a save that seals may do about a missing node key: `--new-key`.
pub(crate) fn key_rule(new_key: bool) -> crate::ops::KeyRule {
    if new_key {
        crate::ops::KeyRule::Replace
    } else {
        crate::ops::KeyRule::Keep
    }
}

/// A refused node key, with the flag that makes a new one anyway.
pub(crate) fn new_key_hint(e: Error) -> Error {
    match e {
        Error::KeyRefused(refused) => Error::Failed(format!(
            "{refused}: to make a new key anyway, run again with --new-key"
        )),
        other => other,
    }
}

/// The nodes the command works on: `--root DIR`, or the inventory's nodes
/// filtered by `--node` and `--group`. SSH nodes connect with the command
/// line's options (a passphrase is asked on the terminal).
pub fn select_targets(cli: &Cli) -> Result<Vec<Target>> {
    let options = ssh::options(cli);
    Ok(select_specs(cli)?
        .iter()
        .map(|spec| spec.target_with(&options))
        .collect())
}

/// The inventory the command line names (`--config`, `$UCSCONF_CONFIG`, or
/// the user's), or an explanation of how to give one.
pub(crate) fn inventory_for(cli: &Cli) -> Result<Inventory> {
    match locate(cli.config.as_deref()) {
        Some(source) => load(cli, source.path()),
        None => Err(no_inventory(false)),
    }
}

/// Loads the inventory with the reader asked for, printing what it skipped.
fn load(cli: &Cli, path: &Path) -> Result<Inventory> {
    let inventory = Inventory::load_with(path, cli.inventory_reader)?;
    for w in &inventory.warnings {
        errln!("warning: {w}");
    }
    Ok(inventory)
}

pub fn select_specs(cli: &Cli) -> Result<Vec<NodeSpec>> {
    if let Some(root) = &cli.root {
        let spec = NodeSpec::local("local", root);
        if cli.nodes.iter().any(|n| !n.eq_ignore_ascii_case("local")) {
            return Err(Error::invalid(
                "with --root there is one node, named `local`",
            ));
        }
        if !cli.groups.is_empty() {
            return Err(Error::invalid(
                "with --root there is one node and no groups",
            ));
        }
        return Ok(vec![spec]);
    }
    match locate(cli.config.as_deref()) {
        Some(source) => load(cli, source.path())?.select_with_groups(&cli.nodes, &cli.groups),
        None if cli.groups.is_empty() => local_node_without_inventory(),
        None => Err(Error::invalid("--group needs an inventory (--config FILE)")),
    }
}

/// With no inventory: the suite's standard root when this is a Windows node,
/// else an explanation of how to point ucsconf at a node.
fn local_node_without_inventory() -> Result<Vec<NodeSpec>> {
    let standard = Path::new(crate::paths::WINDOWS_ROOT);
    // Looked for on Windows only: elsewhere that name is a relative path.
    let exists = cfg!(windows) && standard.is_dir();
    match crate::platform::default_node(cfg!(windows), exists) {
        crate::platform::DefaultNode::StandardRoot => Ok(vec![NodeSpec::local("local", standard)]),
        crate::platform::DefaultNode::Nothing { root_missing } => Err(no_inventory(root_missing)),
    }
}

/// How to point ucsconf at a node when there is no inventory;
/// `root_missing`: this is Windows, but not a node of the suite.
fn no_inventory(root_missing: bool) -> Error {
    let user = dirs::config_dir()
        .map(|d| d.join("ucsconf").join("nodes.toml").display().to_string())
        .unwrap_or_else(|| "<config dir>/ucsconf/nodes.toml".into());
    let not_a_node = if root_missing {
        format!(
            " (this machine is not a node: {} is not here)",
            crate::paths::WINDOWS_ROOT
        )
    } else {
        String::new()
    };
    Error::invalid(format!(
        "no nodes to work on: pass --root DIR for a local suite root, or --config FILE \
         (or set UCSCONF_CONFIG, or create {user}) for an inventory; `ucsconf demo` shows a demo cluster{not_a_node}"
    ))
}

/// Runs `f` on every target (bounded by `--parallel`) and prints the results.
pub(crate) async fn on_each<F, Fut>(cli: &Cli, targets: &[Target], f: F) -> u8
where
    F: Fn(Target) -> Fut,
    Fut: Future<Output = Result<Report>> + Send + 'static,
{
    let results = cluster::for_each(targets, cli.parallel, f)
        .await
        .into_iter()
        .map(|r| cluster::NodeResult {
            result: r.result.map_err(|e| ssh::hinted(cli, &r.node, e)),
            node: r.node,
        })
        .collect();
    output::finish(results, cli.json)
}

/// What a command's success line says it did.
#[derive(Clone, Copy)]
pub(crate) struct Done {
    pub written: &'static str,
    pub unchanged: &'static str,
}

/// A setting saved (or found already so).
pub(crate) const SAVED: Done = Done {
    written: "saved",
    unchanged: "unchanged",
};

/// The report of a write: where, what was done, and the backup kept.
pub(crate) fn saved_report(path: &str, applied: &crate::ops::Applied, done: Done) -> Report {
    let mut report = Report {
        warnings: applied.warnings.clone(),
        ..Report::default()
    };
    match &applied.saved {
        crate::ops::Saved::Unchanged => {
            report
                .line(format!("{path}: {}", done.unchanged))
                .field("changed", false);
        }
        crate::ops::Saved::Written(w) => {
            let backup = w
                .backup
                .as_deref()
                .map(|b| format!(" (backup {b})"))
                .unwrap_or_default();
            report
                .line(format!("{path}: {}{backup}", done.written))
                .field("changed", true)
                .field("backup", serde_json::json!(w.backup));
        }
    }
    report
}

/// Opens the TUI on the selected nodes (or the demo cluster).
pub async fn tui_entry(cli: Cli) -> u8 {
    match open_tui(&cli).await {
        Ok(()) => 0,
        Err(e) => {
            errln!("error: {e:#}");
            if e.downcast_ref::<crate::tui::theme::ThemeError>().is_some() {
                return 2;
            }
            e.downcast_ref::<Error>()
                .map_or(1, |e| e.class().exit_code())
        }
    }
}

async fn open_tui(cli: &Cli) -> anyhow::Result<()> {
    let theme = match &cli.theme {
        Some(name) => crate::tui::theme::load(name)?,
        None => crate::tui::theme::default_theme(),
    };
    let (specs, title, writer) = match &cli.command {
        Some(Command::Demo(args::DemoArgs { dir, .. })) => {
            let dir = dir.clone().unwrap_or_else(crate::demo::default_dir);
            let inventory = crate::demo::create_or_reuse(&dir).await?;
            let specs = inventory.select(&cli.nodes)?;
            let writer = crate::demo::spawn_log_writer(&inventory);
            (specs, Some("demo".to_string()), Some(writer))
        }
        _ => (select_specs(cli)?, None, None),
    };
    let mut options = crate::tui::TuiOptions::new(theme, title);
    options.log_capacity = cli.log_entries;
    options.ssh_options.allow_in_place = cli.in_place;
    let targets = specs
        .iter()
        .map(|spec| spec.target_with(&options.ssh_options))
        .collect();
    options.test_overrides = specs
        .iter()
        .map(|spec| {
            let overrides = crate::cloud::TestOverrides::default().with_inventory(spec);
            (spec.name.clone(), overrides)
        })
        .collect();
    options.specs = specs;
    let result = crate::tui::run(targets, options).await;
    if let Some(writer) = writer {
        writer.abort();
    }
    result
}
