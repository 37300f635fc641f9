//! The command-line face: turns arguments into operations on the selected
//! nodes and their results into text, JSON and an exit code.

pub mod args;
mod calendar;
mod credentials;
mod diff;
mod doctor;
mod logs;
mod nodes;
pub mod output;
mod presence;
mod secret;

use std::future::Future;
use std::path::Path;

pub use args::Cli;
use args::Command;
use output::Report;

use crate::cluster;
use crate::inventory::{self, Inventory, NodeSpec};
use crate::ops::Target;
use crate::{Error, Result};

/// Runs a command (never the TUI) and returns the exit code.
pub async fn run(cli: Cli) -> u8 {
    match dispatch(&cli).await {
        Ok(code) => code,
        Err(e) => {
            tracing::warn!("command failed: {e}");
            eprintln!("error: {e}");
            e.class().exit_code()
        }
    }
}

async fn dispatch(cli: &Cli) -> Result<u8> {
    let Some(command) = &cli.command else {
        return Err(Error::invalid("no command given"));
    };
    match command {
        Command::Demo { dir, .. } => {
            let dir = dir.clone().unwrap_or_else(crate::demo::default_dir);
            let inventory = crate::demo::create_or_reuse(&dir).await?;
            println!("{}", inventory.path.display());
            Ok(0)
        }
        Command::Nodes => Ok(nodes::run(cli, &select_targets(cli)?).await),
        Command::Presence(c) => presence::run(cli, c, &select_targets(cli)?).await,
        Command::Calendar(c) => calendar::run(cli, c, &select_targets(cli)?).await,
        Command::Credentials(c) => credentials::run(cli, c, &select_targets(cli)?).await,
        Command::Logs(a) => logs::run(cli, a, &select_targets(cli)?).await,
        Command::Diff => Ok(diff::run(cli, &select_targets(cli)?).await),
        Command::Doctor { .. } => Ok(doctor::run(cli, &select_targets(cli)?).await),
    }
}

/// The nodes the command works on: `--root DIR`, or the inventory's nodes
/// filtered by `--node`.
pub fn select_targets(cli: &Cli) -> Result<Vec<Target>> {
    Ok(select_specs(cli)?.iter().map(NodeSpec::target).collect())
}

pub fn select_specs(cli: &Cli) -> Result<Vec<NodeSpec>> {
    if let Some(root) = &cli.root {
        let spec = NodeSpec::local("local", root);
        if cli.nodes.iter().any(|n| !n.eq_ignore_ascii_case("local")) {
            return Err(Error::invalid(
                "with --root there is one node, named `local`",
            ));
        }
        return Ok(vec![spec]);
    }
    match inventory::locate(cli.config.as_deref()) {
        Some(source) => Inventory::load(source.path())?.select(&cli.nodes),
        None => local_node_without_inventory(),
    }
}

/// With no inventory: the suite's standard root when this is a Windows node,
/// else an explanation of how to point ucsconf at a node.
fn local_node_without_inventory() -> Result<Vec<NodeSpec>> {
    let standard = Path::new(crate::paths::WINDOWS_ROOT);
    if cfg!(windows) && standard.is_dir() {
        return Ok(vec![NodeSpec::local("local", standard)]);
    }
    let user = dirs::config_dir()
        .map(|d| d.join("ucsconf").join("nodes.toml").display().to_string())
        .unwrap_or_else(|| "<config dir>/ucsconf/nodes.toml".into());
    Err(Error::invalid(format!(
        "no nodes to work on: pass --root DIR for a local suite root, or --config FILE \
         (or set UCSCONF_CONFIG, or create {user}) for an inventory; `ucsconf demo` shows a demo cluster"
    )))
}

/// Runs `f` on every target (bounded by `--parallel`) and prints the results.
pub(crate) async fn on_each<F, Fut>(cli: &Cli, targets: &[Target], f: F) -> u8
where
    F: Fn(Target) -> Fut,
    Fut: Future<Output = Result<Report>> + Send + 'static,
{
    let results = cluster::for_each(targets, cli.parallel, f).await;
    output::finish(results, cli.json)
}

/// The report of a write: where, and the backup kept.
pub(crate) fn saved_report(path: &str, applied: &crate::ops::Applied) -> Report {
    let mut report = Report {
        warnings: applied.warnings.clone(),
        ..Report::default()
    };
    match &applied.saved {
        crate::ops::Saved::Unchanged => {
            report
                .line(format!("{path}: unchanged"))
                .field("changed", false);
        }
        crate::ops::Saved::Written(w) => {
            let backup = w
                .backup
                .as_deref()
                .map(|b| format!(" (backup {b})"))
                .unwrap_or_default();
            report
                .line(format!("{path}: saved{backup}"))
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
            eprintln!("error: {e:#}");
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
    let (targets, title, writer) = match &cli.command {
        Some(Command::Demo { dir, .. }) => {
            let dir = dir.clone().unwrap_or_else(crate::demo::default_dir);
            let inventory = crate::demo::create_or_reuse(&dir).await?;
            let targets = inventory
                .select(&cli.nodes)?
                .iter()
                .map(NodeSpec::target)
                .collect();
            let writer = crate::demo::spawn_log_writer(&inventory);
            (targets, Some("demo".to_string()), Some(writer))
        }
        _ => (select_targets(cli)?, None, None),
    };
    let options = crate::tui::TuiOptions { theme, title };
    let result = crate::tui::run(targets, options).await;
    if let Some(writer) = writer {
        writer.abort();
    }
    result
}
