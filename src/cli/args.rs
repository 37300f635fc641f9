//! The command line (SPEC §2), as clap types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use super::fields::FieldFlags;
use crate::settings::form::FormFile;
use crate::settings::{FormId, FormVisitor};

#[derive(Debug, Parser)]
#[command(
    name = "ucsconf",
    version = super::completions::VERSION,
    about = "Edit Imagicle UC Suite node settings and watch the node's log, on one node or a whole cluster",
    after_help = "With no command, opens the full-screen editor on the selected nodes. Try `ucsconf demo`."
)]
pub struct Cli {
    /// The inventory: nodes.toml, or an Ansible inventory (INI, YAML or a directory) (default: $UCSCONF_CONFIG, else <config dir>/ucsconf/nodes.toml)
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "root")]
    pub config: Option<PathBuf>,
    /// Who reads an Ansible inventory: auto (ansible-inventory where installed, else built-in), ansible, or builtin
    #[arg(
        long,
        global = true,
        value_name = "READER",
        env = "UCSCONF_INVENTORY_READER",
        default_value = "auto",
        value_parser = parse_reader
    )]
    pub inventory_reader: crate::inventory::ansible::Reader,
    /// Work on one local node, named `local`, whose suite root is DIR
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Select a node by name (repeatable; default: every node)
    #[arg(long = "node", global = true, value_name = "NAME")]
    pub nodes: Vec<String>,
    /// Select the nodes of an inventory group (repeatable; with --node: both)
    #[arg(
        long = "group",
        global = true,
        value_name = "NAME",
        conflicts_with = "all"
    )]
    pub groups: Vec<String>,
    /// Select every node of the inventory (the default)
    #[arg(long, global = true, conflicts_with = "nodes")]
    pub all: bool,
    /// Print one JSON document on stdout (human text goes to stderr)
    #[arg(long, global = true)]
    pub json: bool,
    /// The TUI's colour theme (default, light, high-contrast, mono, or your own)
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// How many log entries the TUI's Logs tab keeps per view, oldest dropped first
    #[arg(
        long,
        global = true,
        value_name = "N",
        default_value_t = crate::tui::tabs::logs::DEFAULT_CAPACITY,
        value_parser = at_least_one
    )]
    pub log_entries: usize,
    /// Without posix-rename on an SSH server, back up and overwrite files in place: not atomic
    #[arg(long, global = true)]
    pub in_place: bool,
    /// How many nodes to work on at once
    #[arg(long, global = true, value_name = "N", default_value_t = crate::cluster::DEFAULT_PARALLEL)]
    pub parallel: usize,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create (or reuse) a demo cluster of two local nodes with a live log, and open it
    Demo {
        /// Where the demo lives (default: a folder in your local data directory)
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Only create it and print the inventory's path
        #[arg(long)]
        no_tui: bool,
    },
    /// List the nodes: name, transport, root, reachable or the error
    Nodes,
    /// Presence service settings (Apps/Presence/Settings/Presence.ini)
    #[command(subcommand)]
    Presence(PresenceCommand),
    /// One command per form file (`calendar`): `show` and `set`.
    #[command(flatten)]
    Form(FormCommand),
    /// Imagicle Cloud services credentials (System Parameters)
    #[command(subcommand)]
    Credentials(CredentialsCommand),
    /// Print the end of the application log, and follow it
    Logs(LogsArgs),
    /// Where the selected nodes' settings differ (exit 0 all equal, 1 drift)
    Diff,
    /// Collect a support archive: each node's log in a window of time (across
    /// rotated files), its settings, doctor's findings; secrets redacted
    Bundle {
        /// The start of the window: an age (30m, 2h, 1d) or a time ("2026-12-02 02:00")
        #[arg(long, value_name = "D|T", default_value = "24h")]
        since: String,
        /// The end of the window (default: the end of the log)
        #[arg(long, value_name = "T")]
        until: Option<String>,
        /// The archive to write (default: ucsconf-bundle-<date>-<time>.zip here)
        #[arg(long, value_name = "FILE.zip")]
        out: Option<PathBuf>,
    },
    /// Check every selected node and say what is wrong and how to fix it
    /// (exit 0 nothing wrong, 1 something wrong; warnings alone do not fail)
    Doctor {
        /// Also check that the cloud endpoints each node needs answer (Webex
        /// APIs, Imagicle Cloud, the token URL), from this machine, through
        /// the node's proxy
        #[arg(long)]
        online: bool,
        /// With --online: check URL instead of https://webexapis.com (repeatable)
        #[arg(long = "endpoint", value_name = "URL", requires = "online")]
        endpoints: Vec<String>,
    },
    /// Print the shell completion script (bash, zsh, fish, powershell, elvish)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    #[command(hide = true)]
    Man,
    /// The selected nodes as resolved, without connecting, with where each value came from
    Inventory,
    /// The changes ucsconf made, newest first, merged across the selected
    /// nodes (from each node's journal)
    History {
        /// Only changes since: an age (30m, 2h, 1d) or a time ("2026-12-02 02:00")
        #[arg(long, value_name = "D|T")]
        since: Option<String>,
        /// Only changes of one file: presence, calendar or credentials
        #[arg(long, value_name = "FILE")]
        file: Option<String>,
    },
    /// Put files back as they were before a change, on every selected node it
    /// was made on (a diff first; asks unless --yes)
    Restore {
        /// The change, as `history` lists it (a unique prefix is enough)
        #[arg(required_unless_present = "to", conflicts_with = "to")]
        change: Option<String>,
        /// Instead, undo every change made after this time ("2026-12-02 02:00", or an age: 1h)
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
        /// Do not ask before writing
        #[arg(long)]
        yes: bool,
    },
    /// Show a node's SSH host key fingerprint and, if you confirm, add it to known_hosts
    Trust {
        /// The node's name in the inventory
        node: String,
        /// Also offer to trust a key of a type known_hosts has no key of, for
        /// a host it knows with other keys (refused without this: someone may
        /// be intercepting)
        #[arg(long)]
        other_key_type: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PresenceCommand {
    /// Every section and key
    Show,
    /// One key's value
    Get {
        key: String,
        #[arg(long, value_name = "S")]
        section: Option<String>,
    },
    /// Set a key (a new key needs --section unless it is a known key)
    Set {
        key: String,
        value: String,
        #[arg(long, value_name = "S")]
        section: Option<String>,
    },
    /// Remove a key
    Unset {
        key: String,
        #[arg(long, value_name = "S")]
        section: Option<String>,
    },
}

/// `<file> show|set` for a form file: its command, and the flags of `set`
/// made from the file's description (`settings::FormId`).
#[derive(Debug)]
pub struct FormCommand {
    pub file: FormId,
    pub action: FormAction,
}

#[derive(Debug)]
pub enum FormAction {
    /// The settings, with their errors and warnings.
    Show,
    /// Change settings (validated before anything is written).
    Set(FieldFlags),
}

/// A form file's command, with the flags of its `set`.
struct FormCli;

impl FormVisitor for FormCli {
    type Out = clap::Command;
    fn visit<F: FormFile>(self) -> Self::Out {
        let specs: Vec<_> = F::ALL.iter().map(|f| f.spec()).collect();
        let noun = F::COMMAND;
        let show = clap::Command::new("show").about(format!(
            "The {noun} settings, with their errors and warnings"
        ));
        let set = clap::Command::new("set").about(format!(
            "Change {noun} settings (validated before anything is written)"
        ));
        clap::Command::new(F::COMMAND)
            .about(F::ABOUT)
            .subcommand_required(true)
            .arg_required_else_help(true)
            .subcommand(show)
            .subcommand(super::fields::augment(set, &specs))
    }
}

/// The flags of a form file's `set`, read back.
struct FormFlags<'a>(&'a clap::ArgMatches);

impl FormVisitor for FormFlags<'_> {
    type Out = FieldFlags;
    fn visit<F: FormFile>(self) -> FieldFlags {
        let specs: Vec<_> = F::ALL.iter().map(|f| f.spec()).collect();
        super::fields::read(self.0, &specs)
    }
}

impl clap::FromArgMatches for FormCommand {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let missing = || clap::Error::new(clap::error::ErrorKind::MissingSubcommand);
        let (name, sub) = matches.subcommand().ok_or_else(missing)?;
        let file = FormId::ALL
            .into_iter()
            .find(|f| f.command() == name)
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidSubcommand))?;
        let action = match sub.subcommand() {
            Some(("show", _)) => FormAction::Show,
            Some(("set", flags)) => FormAction::Set(file.visit(FormFlags(flags))),
            _ => return Err(missing()),
        };
        Ok(FormCommand { file, action })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Subcommand for FormCommand {
    fn augment_subcommands(mut cmd: clap::Command) -> clap::Command {
        for file in FormId::ALL {
            cmd = cmd.subcommand(file.visit(FormCli));
        }
        cmd
    }

    fn augment_subcommands_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_subcommands(cmd)
    }

    fn has_subcommand(name: &str) -> bool {
        FormId::ALL.into_iter().any(|f| f.command() == name)
    }
}

#[derive(Debug, Subcommand)]
pub enum CredentialsCommand {
    /// Which client ID is saved
    Show,
    /// Seal and save a client ID and secret (the secret from stdin or a masked prompt)
    Save {
        #[arg(long, value_name = "ID")]
        client_id: String,
        /// Read the secret from standard input instead of a masked prompt
        #[arg(long)]
        secret_stdin: bool,
        /// Where the node key is missing or unusable, make a new one even
        /// though values sealed with the old one are then lost (they are named)
        #[arg(long)]
        new_key: bool,
        /// Refused: a secret on the command line shows in `ps`
        #[arg(long, hide = true, value_name = "SECRET")]
        secret: Option<String>,
    },
    /// Remove the saved credentials
    Forget {
        /// Also remove the store's backups, which keep the old sealed secret
        /// (the newest five saves), so it cannot be recovered on the node
        #[arg(long)]
        purge: bool,
    },
    /// Ask the OAuth2 token endpoint for a token with the saved credentials
    Test {
        /// The token endpoint (default: cloud_token_url in nodes.toml)
        #[arg(long, value_name = "URL")]
        token_url: Option<String>,
        /// The scope to ask for (default: cloud_scope in nodes.toml)
        #[arg(long, value_name = "SCOPE")]
        scope: Option<String>,
        /// A proxy URL, or `direct` (default: the node's saved proxy, else HTTPS_PROXY/HTTP_PROXY)
        #[arg(long, value_name = "URL")]
        proxy: Option<String>,
        /// How the client authenticates: basic (Authorization header, the default) or body
        #[arg(long, value_name = "basic|body")]
        auth: Option<crate::cloud::AuthStyle>,
    },
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// How many lines from the end (with --at: entries on each side; with --since: the last N lines of the window) [default: 10]
    #[arg(long, short = 'n', value_name = "N")]
    pub lines: Option<usize>,
    /// Keep printing as the log grows (survives rotation and truncation)
    #[arg(long, short = 'f', conflicts_with_all = ["since", "until", "at", "list"])]
    pub follow: bool,
    /// Only entries at or above this level (trace, debug, info, warn, error, fatal)
    #[arg(long, value_name = "LEVEL")]
    pub level: Option<String>,
    /// Only entries matching this regular expression
    #[arg(long, value_name = "REGEX")]
    pub grep: Option<String>,
    /// Entries from this moment on, across rotated files: an age (30m, 2h, 1d) or a time ("2026-12-02 02:13")
    #[arg(long, value_name = "D|T")]
    pub since: Option<String>,
    /// Entries up to this moment (with --since: the end of the window; alone: the last lines before it)
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    /// The entries around this moment ("2026-12-02 02:13"), found by bisecting on timestamps
    #[arg(long, value_name = "T", conflicts_with_all = ["since", "until"])]
    pub at: Option<String>,
    /// List the files of the log folder (Var/Log) with their size and time
    #[arg(long, conflicts_with_all = ["since", "until", "at", "lines", "level", "grep", "file"])]
    pub list: bool,
    /// Read another log of the log folder (a name as `--list` shows it), with its rotated files
    #[arg(long, value_name = "NAME")]
    pub file: Option<String>,
}

fn parse_reader(text: &str) -> Result<crate::inventory::ansible::Reader, String> {
    text.parse()
}

/// A count that must be at least 1.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}
