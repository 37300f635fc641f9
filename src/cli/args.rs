//! The command line (SPEC §2), as clap types.
//!
//! A one-shot command starts in about a millisecond, and building every
//! command's arguments (clap copies each global flag into every command)
//! cost more than a `presence get` does: parsing builds only the commands
//! the argument list names. The whole tree is built for help, bad input,
//! completions and the man page.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, FromArgMatches, Subcommand};

use super::fields::FieldFlags;
use crate::settings::form::FormFile;
use crate::settings::{FormId, FormVisitor};

// The top-level flags (global: they may also follow the command), and the
// command (none: the TUI). Not a doc comment: derive would make it the
// program's summary in `--help`.
#[derive(Debug, Args)]
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
    /// Parsed on its own, from the commands `Cli::try_parse_from` built.
    #[arg(skip)]
    pub command: Option<Command>,
}

impl Cli {
    /// The process's arguments; on bad input, the error (or the help asked
    /// for) is printed and the process exits, as clap does.
    pub fn parse() -> Self {
        Self::parse_from(std::env::args_os())
    }

    pub fn parse_from<I, T>(argv: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString>,
    {
        Self::try_parse_from(argv).unwrap_or_else(|e| e.exit())
    }

    pub fn try_parse_from<I, T>(argv: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString>,
    {
        let argv: Vec<OsString> = argv.into_iter().map(Into::into).collect();
        match Self::parse_with(command_for(&argv), &argv) {
            // Help, suggestions for a typo and usage name every command:
            // bad input, or help asked for, is parsed again by the whole tree.
            Err(e) if e.kind() != clap::error::ErrorKind::DisplayVersion => {
                Self::parse_with(full_command(), &argv)
            }
            parsed => parsed,
        }
    }

    fn parse_with(mut cmd: clap::Command, argv: &[OsString]) -> Result<Self, clap::Error> {
        let matches = cmd.try_get_matches_from_mut(argv)?;
        let parsed = Self::from_arg_matches(&matches).and_then(|mut cli| {
            if matches.subcommand().is_some() {
                cli.command = Some(Command::from_arg_matches(&matches)?);
            }
            Ok(cli)
        });
        // Freeing clap's tree and matches cost 80 K instructions, a sixteenth
        // of a one-shot command; the process runs one command, and its exit
        // takes the memory back.
        std::mem::forget((cmd, matches));
        parsed
    }
}

/// `ucsconf --version`: the crate version and the commit it was built from
/// ("unknown" when built outside a git checkout).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("UCSCONF_COMMIT"),
    ")"
);

/// The top level: its flags, no command yet.
fn root() -> clap::Command {
    let root = clap::Command::new("ucsconf")
        .version(VERSION)
        .about("Edit Imagicle UC Suite node settings and watch the node's log, on one node or a whole cluster")
        .after_help("With no command, opens the full-screen editor on the selected nodes. Try `ucsconf demo`.");
    Cli::augment_args(root)
}

/// The parser for `argv`, with only the commands it names. A flag's value
/// that is also a command's name only adds that command: one more to choose
/// from, parsed the same.
fn command_for(argv: &[OsString]) -> clap::Command {
    let args = argv.get(1..).unwrap_or_default();
    Command::add(root(), |name| args.iter().any(|a| a == name))
}

/// The whole command line, every command built: for completions, the man
/// page and checks.
pub fn full_command() -> clap::Command {
    Command::add(root(), |_| true)
}

/// A command, read back from the matches of the one given.
#[derive(Debug)]
pub enum Command {
    Demo(DemoArgs),
    Nodes,
    Presence(PresenceCommand),
    /// One command per form file (`calendar`): `show` and `set`.
    Form(FormCommand),
    Credentials(CredentialsCommand),
    Logs(LogsArgs),
    Diff,
    Bundle(BundleArgs),
    Doctor(DoctorArgs),
    Completions(CompletionsArgs),
    Man,
    Inventory,
    History(HistoryArgs),
    Restore(RestoreArgs),
    Trust(TrustArgs),
}

/// A command: its name and summary as `--help` lists them, its arguments,
/// and how its matches are read back.
struct Sub {
    name: &'static str,
    about: &'static str,
    args: fn(clap::Command) -> clap::Command,
    read: fn(&clap::ArgMatches) -> Result<Command, clap::Error>,
}

/// The commands other than the form files', in the order `--help` lists them.
const SUBCOMMANDS: &[Sub] = &[
    Sub {
        name: "demo",
        about: "Create (or reuse) a demo cluster of two local nodes with a live log, and open it",
        args: DemoArgs::augment_args,
        read: |m| Ok(Command::Demo(DemoArgs::from_arg_matches(m)?)),
    },
    Sub {
        name: "nodes",
        about: "List the nodes: name, transport, root, reachable or the error",
        args: no_args,
        read: |_| Ok(Command::Nodes),
    },
    Sub {
        name: "presence",
        about: "Presence service settings (Apps/Presence/Settings/Presence.ini)",
        args: |cmd| required(PresenceCommand::augment_subcommands(cmd)),
        read: |m| Ok(Command::Presence(PresenceCommand::from_arg_matches(m)?)),
    },
    Sub {
        name: "credentials",
        about: "Imagicle Cloud services credentials (System Parameters)",
        args: |cmd| required(CredentialsCommand::augment_subcommands(cmd)),
        read: |m| {
            Ok(Command::Credentials(CredentialsCommand::from_arg_matches(
                m,
            )?))
        },
    },
    Sub {
        name: "logs",
        about: "Print the end of the application log, and follow it",
        args: LogsArgs::augment_args,
        read: |m| Ok(Command::Logs(LogsArgs::from_arg_matches(m)?)),
    },
    Sub {
        name: "diff",
        about: "Where the selected nodes' settings differ (exit 0 all equal, 1 drift)",
        args: no_args,
        read: |_| Ok(Command::Diff),
    },
    Sub {
        name: "bundle",
        about: "Collect a support archive: each node's log in a window of time (across rotated files), its settings, doctor's findings; secrets redacted",
        args: BundleArgs::augment_args,
        read: |m| Ok(Command::Bundle(BundleArgs::from_arg_matches(m)?)),
    },
    Sub {
        name: "doctor",
        about: "Check every selected node and say what is wrong and how to fix it (exit 0 nothing wrong, 1 something wrong; warnings alone do not fail)",
        args: DoctorArgs::augment_args,
        read: |m| Ok(Command::Doctor(DoctorArgs::from_arg_matches(m)?)),
    },
    Sub {
        name: "completions",
        about: "Print the shell completion script (bash, zsh, fish, powershell, elvish)",
        args: CompletionsArgs::augment_args,
        read: |m| Ok(Command::Completions(CompletionsArgs::from_arg_matches(m)?)),
    },
    Sub {
        name: "man",
        about: "Print the man page (roff)",
        args: |cmd| cmd.hide(true),
        read: |_| Ok(Command::Man),
    },
    Sub {
        name: "inventory",
        about: "The selected nodes as resolved, without connecting, with where each value came from",
        args: no_args,
        read: |_| Ok(Command::Inventory),
    },
    Sub {
        name: "history",
        about: "The changes ucsconf made, newest first, merged across the selected nodes (from each node's journal)",
        args: HistoryArgs::augment_args,
        read: |m| Ok(Command::History(HistoryArgs::from_arg_matches(m)?)),
    },
    Sub {
        name: "restore",
        about: "Put files back as they were before a change, on every selected node it was made on (a diff first; asks unless --yes)",
        args: RestoreArgs::augment_args,
        read: |m| Ok(Command::Restore(RestoreArgs::from_arg_matches(m)?)),
    },
    Sub {
        name: "trust",
        about: "Show a node's SSH host key fingerprint and, if you confirm, add it to known_hosts",
        args: TrustArgs::augment_args,
        read: |m| Ok(Command::Trust(TrustArgs::from_arg_matches(m)?)),
    },
];

fn no_args(cmd: clap::Command) -> clap::Command {
    cmd
}

/// A command of commands, as derive makes `#[command(subcommand)]`.
fn required(cmd: clap::Command) -> clap::Command {
    cmd.subcommand_required(true).arg_required_else_help(true)
}

impl Sub {
    fn build(&self) -> clap::Command {
        (self.args)(clap::Command::new(self.name).about(self.about))
    }
}

impl Command {
    /// `cmd` with the commands `keep` keeps, in the order `--help` lists them.
    fn add(mut cmd: clap::Command, keep: impl Fn(&str) -> bool) -> clap::Command {
        for sub in SUBCOMMANDS {
            if keep(sub.name) {
                cmd = cmd.subcommand(sub.build());
            }
            // The form files' commands come after `presence`.
            if sub.name == "presence" {
                for file in FormId::ALL.into_iter().filter(|f| keep(f.command())) {
                    cmd = cmd.subcommand(file.visit(FormCli));
                }
            }
        }
        cmd
    }
}

impl clap::FromArgMatches for Command {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let missing = || clap::Error::new(clap::error::ErrorKind::MissingSubcommand);
        let (name, sub) = matches.subcommand().ok_or_else(missing)?;
        match SUBCOMMANDS.iter().find(|s| s.name == name) {
            Some(command) => (command.read)(sub),
            // A form file's command, or an error naming none.
            None => Ok(Self::Form(FormCommand::from_arg_matches(matches)?)),
        }
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where the demo lives (default: a folder in your local data directory)
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Only create it and print the inventory's path
    #[arg(long)]
    pub no_tui: bool,
}

#[derive(Debug, Args)]
pub struct BundleArgs {
    /// The start of the window: an age (30m, 2h, 1d) or a time ("2026-12-02 02:00")
    #[arg(long, value_name = "D|T", default_value = "24h")]
    pub since: String,
    /// The end of the window (default: the end of the log)
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    /// The archive to write (default: ucsconf-bundle-<date>-<time>.zip here)
    #[arg(long, value_name = "FILE.zip")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Also check that the cloud endpoints each node needs answer (Webex
    /// APIs, Imagicle Cloud, the token URL), from this machine, through
    /// the node's proxy
    #[arg(long)]
    pub online: bool,
    /// With --online: check URL instead of https://webexapis.com (repeatable)
    #[arg(long = "endpoint", value_name = "URL", requires = "online")]
    pub endpoints: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only changes since: an age (30m, 2h, 1d) or a time ("2026-12-02 02:00")
    #[arg(long, value_name = "D|T")]
    pub since: Option<String>,
    /// Only changes of one file: presence, calendar or credentials
    #[arg(long, value_name = "FILE")]
    pub file: Option<String>,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The change, as `history` lists it (a unique prefix is enough)
    #[arg(required_unless_present = "to", conflicts_with = "to")]
    pub change: Option<String>,
    /// Instead, undo every change made after this time ("2026-12-02 02:00", or an age: 1h)
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Do not ask before writing
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct TrustArgs {
    /// The node's name in the inventory
    pub node: String,
    /// Also offer to trust a key of a type known_hosts has no key of, for
    /// a host it knows with other keys (refused without this: someone may
    /// be intercepting)
    #[arg(long)]
    pub other_key_type: bool,
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
        form_args::<F>(clap::Command::new(F::COMMAND).about(F::ABOUT))
    }
}

/// `show`, and `set` with a flag per field.
fn form_args<F: FormFile>(cmd: clap::Command) -> clap::Command {
    let specs: Vec<_> = F::ALL.iter().map(|f| f.spec()).collect();
    let noun = F::COMMAND;
    let show = clap::Command::new("show").about(format!(
        "The {noun} settings, with their errors and warnings"
    ));
    let set = clap::Command::new("set").about(format!(
        "Change {noun} settings (validated before anything is written)"
    ));
    required(cmd)
        .subcommand(show)
        .subcommand(super::fields::augment(set, &specs))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<OsString> {
        std::iter::once("ucsconf")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect()
    }

    /// What parsing gave: the command line read, or the error as printed.
    fn outcome(parsed: Result<Cli, clap::Error>) -> String {
        match parsed {
            Ok(cli) => format!("{cli:?}"),
            Err(e) => format!("{:?}: {}", e.kind(), e.render()),
        }
    }

    #[test]
    fn the_version_names_the_crate_version_and_a_commit() {
        assert!(VERSION.starts_with(env!("CARGO_PKG_VERSION")));
        let commit = VERSION
            .split("(commit ")
            .nth(1)
            .and_then(|c| c.strip_suffix(')'))
            .unwrap();
        assert!(
            commit == "unknown" || commit.chars().all(|c| c.is_ascii_hexdigit()),
            "{commit}"
        );
    }

    #[test]
    fn the_whole_command_line_is_consistent() {
        full_command().debug_assert();
    }

    #[test]
    fn parsing_builds_only_the_commands_named() {
        let built = |args: &[&str]| -> Vec<String> {
            let cmd = command_for(&argv(args));
            cmd.get_subcommands()
                .map(|s| s.get_name().to_string())
                .collect()
        };
        assert_eq!(built(&["presence", "get", "K"]), ["presence"]);
        assert_eq!(built(&["--root", "r", "calendar", "show"]), ["calendar"]);
        // A node called like a command: both are there to choose from.
        assert_eq!(built(&["--node", "logs", "nodes"]), ["nodes", "logs"]);
        assert!(built(&[]).is_empty());
        assert!(built(&["--help"]).is_empty());
    }

    /// Whatever the arguments, building only the commands they name parses
    /// them as the whole tree does, errors and help included.
    #[test]
    fn the_lean_parser_reads_every_line_as_the_whole_tree_does() {
        let lines: &[&[&str]] = &[
            &[],
            &["--help"],
            &["-V"],
            &["nodes"],
            &["--json", "nodes"],
            &["nodes", "--json", "--parallel", "3"],
            &["--root", "r", "presence", "get", "K"],
            &["presence", "get", "K", "--section", "S", "--root", "r"],
            &["presence", "set", "K", "1", "--in-place"],
            &["presence"],
            &["presence", "--help"],
            &["presence", "get", "--help"],
            &["presence", "get"],
            &["presnce", "get", "K"],
            &["--node", "presence", "presnce"],
            &["--node", "logs"],
            &["--node", "logs", "logs", "-n", "5"],
            &["logs", "-f", "--since", "1h"],
            &["logs", "--list", "--lines", "3"],
            &[
                "calendar",
                "set",
                "--provider",
                "exchange",
                "--basic-auth",
                "on",
            ],
            &["calendar", "set", "--basic-auth", "maybe"],
            &["calendar"],
            &["credentials", "save", "--client-id", "ID", "--secret-stdin"],
            &["credentials", "test", "--auth", "body", "--scope", "s"],
            &["bundle", "--out", "x.zip"],
            &["doctor", "--endpoint", "https://example.invalid"],
            &["history", "--since", "1h", "--file", "presence"],
            &["restore"],
            &["restore", "abc", "--to", "1h"],
            &["trust"],
            &["completions", "fish"],
            &["man"],
            &["help"],
            &["help", "credentials", "save"],
            &["--parallel", "x", "nodes"],
            &["--log-entries", "0", "demo"],
            &["--config", "c.toml", "--root", "r", "nodes"],
            &["--all", "--node", "a", "diff"],
            &["nodes", "extra"],
            &["--bogus"],
        ];
        for line in lines {
            let args = argv(line);
            assert_eq!(
                outcome(Cli::try_parse_from(&args)),
                outcome(Cli::parse_with(full_command(), &args)),
                "{line:?}"
            );
        }
    }

    #[test]
    fn every_command_parses_back() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from(argv(args))
                .unwrap_or_else(|e| panic!("{args:?}: {e}"))
                .command
        };
        assert!(matches!(
            parse(&["demo", "--no-tui"]),
            Some(Command::Demo(DemoArgs { no_tui: true, .. }))
        ));
        assert!(matches!(parse(&["nodes"]), Some(Command::Nodes)));
        assert!(matches!(
            parse(&["calendar", "show"]),
            Some(Command::Form(FormCommand {
                action: FormAction::Show,
                ..
            }))
        ));
        assert!(matches!(
            parse(&["credentials", "forget", "--purge"]),
            Some(Command::Credentials(CredentialsCommand::Forget {
                purge: true
            }))
        ));
        assert!(matches!(
            parse(&["logs", "-n", "5"]),
            Some(Command::Logs(LogsArgs { lines: Some(5), .. }))
        ));
        assert!(matches!(parse(&["diff"]), Some(Command::Diff)));
        assert!(
            matches!(parse(&["bundle", "--since", "2h"]), Some(Command::Bundle(BundleArgs { ref since, .. })) if since == "2h")
        );
        assert!(matches!(
            parse(&["doctor", "--online"]),
            Some(Command::Doctor(DoctorArgs { online: true, .. }))
        ));
        assert!(matches!(
            parse(&["completions", "bash"]),
            Some(Command::Completions(_))
        ));
        assert!(matches!(parse(&["man"]), Some(Command::Man)));
        assert!(matches!(parse(&["inventory"]), Some(Command::Inventory)));
        assert!(matches!(
            parse(&["history", "--file", "presence"]),
            Some(Command::History(HistoryArgs { file: Some(_), .. }))
        ));
        assert!(matches!(
            parse(&["restore", "ab12", "--yes"]),
            Some(Command::Restore(RestoreArgs { yes: true, .. }))
        ));
        assert!(
            matches!(parse(&["trust", "ucs-a"]), Some(Command::Trust(TrustArgs { ref node, .. })) if node == "ucs-a")
        );
        assert!(parse(&[]).is_none());
        // A global flag given after the command still reaches the top level.
        let cli = Cli::try_parse_from(argv(&["logs", "--json", "--root", "r"])).unwrap();
        assert!(cli.json && cli.root.is_some());
    }
}
