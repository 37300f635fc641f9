//! Ansible inventories, read as Ansible reads them: by `ansible-inventory`
//! itself where it is installed ([`external`]), else by a built-in reader
//! that follows ansible-core's rules ([`ini`], [`yaml_inventory`],
//! [`vars_files`] for `group_vars/` and `host_vars/`, with Ansible's
//! precedence). Either way each host's variables then become a node
//! ([`connection`]).
//!
//! ucsconf's own settings are variables too: `ucsconf_root` (default: the
//! suite's standard Windows root), `ucsconf_known_hosts`,
//! `ucsconf_<file>_path` (`presence`, `calendar`, `credentials`,
//! `node_key`, `log`), `ucsconf_cloud_token_url`, `ucsconf_cloud_scope`,
//! `ucsconf_ignore_password`.

pub mod connection;
pub mod data;
pub mod external;
pub mod ini;
pub mod pyliteral;
pub mod ranges;
pub mod shlex;
pub mod template;
pub mod value;
pub mod vars_files;
pub mod yaml;
pub mod yaml_inventory;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::provenance::Origin;
use data::{ALL, Data, VarMap};

pub use data::UNGROUPED;

/// An inventory Ansible would refuse: the file, the line when known, and
/// Ansible's words for the problem.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl ParseError {
    pub fn at(file: &str, line: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            file: file.to_string(),
            line: Some(line),
            message: message.into(),
        }
    }

    pub fn whole(file: &str, message: impl Into<String>) -> ParseError {
        ParseError {
            file: file.to_string(),
            line: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{} line {l}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// One host with the groups it is in (sorted, without `all`) and its
/// variables after Ansible's precedence.
#[derive(Debug, Clone, PartialEq)]
pub struct HostEntry {
    pub name: String,
    pub groups: Vec<String>,
    pub vars: VarMap,
    /// Where the host was first named.
    pub origin: Origin,
}

/// Which reader reads Ansible inventories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reader {
    /// `ansible-inventory` when it is installed, else the built-in reader.
    #[default]
    Auto,
    /// `ansible-inventory`, which must be installed.
    Ansible,
    /// The built-in reader, even where Ansible is installed.
    Builtin,
}

impl Reader {
    /// `$UCSCONF_INVENTORY_READER` (`auto`, `ansible` or `builtin`).
    pub fn from_env() -> Result<Reader, String> {
        match std::env::var("UCSCONF_INVENTORY_READER") {
            Err(_) => Ok(Reader::Auto),
            Ok(v) => v.parse(),
        }
    }
}

impl std::str::FromStr for Reader {
    type Err = String;

    fn from_str(s: &str) -> Result<Reader, String> {
        match s.to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(Reader::Auto),
            "ansible" => Ok(Reader::Ansible),
            "builtin" | "built-in" => Ok(Reader::Builtin),
            other => Err(format!(
                "unknown inventory reader {other:?} (auto, ansible or builtin)"
            )),
        }
    }
}

/// What read an inventory, for `ucsconf inventory`.
pub fn describe_reader(program: Option<&Path>) -> String {
    match program {
        Some(p) => format!("ansible-inventory ({})", p.display()),
        None => "built-in".into(),
    }
}

/// Whether the path's name says it is an Ansible inventory.
pub fn named_like(path: &Path) -> bool {
    let lower = |s: Option<&std::ffi::OsStr>| {
        s.and_then(|s| s.to_str())
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    let ext = lower(path.extension());
    path.is_dir()
        || lower(path.file_name()) == "hosts"
        || matches!(ext.as_str(), "ini" | "cfg" | "yml" | "yaml" | "json")
}

/// Whether text reads like an Ansible inventory rather than TOML: a
/// `[group]` section and a host line (a name not followed by `=`), an
/// Ansible-only section kind, or YAML with an `all:` group.
pub fn looks_like(text: &str) -> bool {
    let (mut header, mut ansible) = (false, false);
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if line == "all:" || line.starts_with("all: ") {
            return true;
        }
        if let Some(h) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            if h.starts_with('[') {
                return false; // `[[node]]`: TOML
            }
            header = true;
            ansible |= h.ends_with(":vars") || h.ends_with(":children");
            continue;
        }
        let first = line.split_whitespace().next().unwrap_or("");
        let rest = line[first.len()..].trim_start();
        ansible |= !first.contains('=') && !rest.starts_with('=');
    }
    header && ansible
}

/// What an inventory gave: its hosts, the reader's warnings, and the
/// `ansible-inventory` program used, if one was.
pub type Read = (Vec<HostEntry>, Vec<String>, Option<PathBuf>);

/// Reads `source` (a file or a directory) with `ansible-inventory` or
/// the built-in reader; returns the hosts and the program used, if any.
pub fn read(source: &Path, reader: Reader) -> Result<Read, String> {
    let program = match reader {
        Reader::Builtin => None,
        Reader::Auto => external::find(),
        Reader::Ansible => Some(external::find().ok_or_else(|| {
            format!(
                "the Ansible reader was asked for, but ansible-inventory is not on PATH and {} is not set \
                 (install ansible-core: pip install ansible-core)",
                external::PROGRAM_VAR
            )
        })?),
    };
    match &program {
        Some(p) => Ok((external::read(p, source)?, Vec::new(), program)),
        None => {
            let mut warnings = Vec::new();
            let hosts = read_builtin(source, &mut warnings).map_err(|e| e.to_string())?;
            Ok((hosts, warnings, None))
        }
    }
}

/// Files Ansible skips in an inventory directory (`INVENTORY_IGNORE_EXTS`
/// and the names it always skips).
fn ignored(name: &str) -> bool {
    const EXTS: [&str; 12] = [
        ".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg",
        ".retry",
    ];
    name.starts_with('.')
        || matches!(name, "host_vars" | "group_vars" | "vars_plugins")
        || EXTS.iter().any(|e| name.ends_with(e))
}

/// The built-in reader: the inventory's files, then `group_vars/` and
/// `host_vars/` beside it (or inside it, for a directory).
pub fn read_builtin(
    source: &Path,
    warnings: &mut Vec<String>,
) -> Result<Vec<HostEntry>, ParseError> {
    let mut data = Data::new();
    let label = source.to_path_buf();
    if source.is_dir() {
        read_dir(&mut data, source, &label, warnings)?;
    } else {
        read_file(&mut data, source, &label.display().to_string(), warnings)?;
    }
    data.reconcile();
    let shown = source.display().to_string();
    if data.hosts.len() as u128 > ranges::MAX_HOSTS {
        return Err(ParseError::whole(
            &shown,
            format!("more than {} hosts", ranges::MAX_HOSTS),
        ));
    }
    let (dir, dir_label) = if source.is_dir() {
        (source.to_path_buf(), label.clone())
    } else {
        let parent = source.parent().unwrap_or(Path::new(""));
        (
            if parent.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                parent.to_path_buf()
            },
            parent.to_path_buf(),
        )
    };
    flatten(&data, &dir, &dir_label)
}

fn read_dir(
    data: &mut Data,
    dir: &Path,
    label: &Path,
    warnings: &mut Vec<String>,
) -> Result<(), ParseError> {
    let shown = label.display().to_string();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| ParseError::whole(&shown, format!("cannot read the directory: {e}")))?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    for name in names.into_iter().filter(|n| !ignored(n)) {
        let path = dir.join(&name);
        let label = label.join(&name);
        if path.is_dir() {
            read_dir(data, &path, &label, warnings)?;
        } else {
            read_file(data, &path, &label.display().to_string(), warnings)?;
        }
    }
    Ok(())
}

/// One inventory file, tried with the plugins Ansible would try, in its
/// order: YAML (for `.yml`, `.yaml`, `.json` or no extension), then INI.
fn read_file(
    data: &mut Data,
    path: &Path,
    shown: &str,
    warnings: &mut Vec<String>,
) -> Result<(), ParseError> {
    let bytes =
        std::fs::read(path).map_err(|e| ParseError::whole(shown, format!("cannot read: {e}")))?;
    if bytes.starts_with(b"#!") {
        return Err(ParseError::whole(
            shown,
            "an inventory script: only Ansible can run it (install ansible-core)",
        ));
    }
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    if ext == ".toml" {
        return Err(ParseError::whole(
            shown,
            "a TOML Ansible inventory: only Ansible reads those (install ansible-core)",
        ));
    }
    let yaml_first = ext.is_empty() || matches!(ext.as_str(), ".yml" | ".yaml" | ".json");
    let mut yaml_error = None;
    if yaml_first {
        match std::str::from_utf8(&bytes) {
            Ok(text) => {
                let mut trial = data.clone();
                let mut trial_warnings = Vec::new();
                match yaml_inventory::parse(&mut trial, text, shown, &mut trial_warnings) {
                    Ok(()) => {
                        *data = trial;
                        warnings.extend(trial_warnings);
                        return Ok(());
                    }
                    Err(e) => yaml_error = Some(e),
                }
            }
            Err(_) => {
                yaml_error = Some(ParseError::whole(shown, "the file is not valid UTF-8"));
            }
        }
    }
    let text = ini::decode(&bytes, shown)?;
    let mut trial = data.clone();
    match ini::parse(&mut trial, &text, shown) {
        Ok(()) => {
            *data = trial;
            Ok(())
        }
        Err(ini_error) => {
            // The YAML reader's complaint is the one that matters for a
            // file that is YAML (a mapping at the top, or a YAML name).
            let yaml_shaped = !ext.is_empty()
                || std::str::from_utf8(&bytes)
                    .ok()
                    .and_then(|t| yaml::load(t).ok())
                    .is_some_and(|n| matches!(n.data, yaml::Data::Map(_)));
            let mut error = match yaml_error {
                Some(y) if yaml_shaped => y,
                _ => ini_error,
            };
            if bytes.starts_with(b"\xef\xbb\xbf") {
                error.message.push_str(
                    " (the file starts with a UTF-8 byte order mark, which Ansible does not accept: save it without one)",
                );
            }
            Err(error)
        }
    }
}

/// Each host's variables in Ansible's order of precedence (lowest first):
/// `all` in the inventory, its other groups (by depth, priority, name),
/// `group_vars/all`, `group_vars/<group>` in the same order, the host's
/// own variables, `host_vars/<host>`.
fn flatten(data: &Data, dir: &Path, label: &Path) -> Result<Vec<HostEntry>, ParseError> {
    let all = data.group(ALL).expect("all exists");
    let mut group_files: Vec<Option<VarMap>> = vec![None; data.groups.len()];
    let mut entries = Vec::new();
    for (h, host) in data.hosts.iter().enumerate() {
        let groups: Vec<usize> = data
            .sorted(data.groups_of(h))
            .into_iter()
            .filter(|g| *g != all)
            .collect();
        let mut vars = VarMap::default();
        vars.extend(&data.groups[all].vars);
        for g in &groups {
            vars.extend(&data.groups[*g].vars);
        }
        for g in std::iter::once(&all).chain(&groups) {
            if group_files[*g].is_none() {
                group_files[*g] = Some(vars_files::load(
                    dir,
                    "group_vars",
                    &data.groups[*g].name,
                    label,
                )?);
            }
            vars.extend(group_files[*g].as_ref().expect("just loaded"));
        }
        vars.extend(&host.vars);
        vars.extend(&vars_files::load(dir, "host_vars", &host.name, label)?);
        let mut names: Vec<String> = groups
            .iter()
            .map(|g| data.groups[*g].name.clone())
            .collect();
        names.sort();
        entries.push(HostEntry {
            name: host.name.clone(),
            groups: names,
            vars,
            origin: host.origin.clone(),
        });
    }
    Ok(entries)
}

/// The built-in reader on text alone (no `group_vars/` or `host_vars/`):
/// YAML when it is a YAML mapping, else INI.
pub fn read_text(text: &str, shown: &str) -> Result<Vec<HostEntry>, ParseError> {
    let mut data = Data::new();
    let mut warnings = Vec::new();
    let mut trial = data.clone();
    let is_map = yaml::load(text).is_ok_and(|n| matches!(n.data, yaml::Data::Map(_)));
    if is_map && yaml_inventory::parse(&mut trial, text, shown, &mut warnings).is_ok() {
        data = trial;
    } else {
        ini::parse(&mut data, text, shown)?;
    }
    data.reconcile();
    let empty = tempfile_free_dir();
    flatten(&data, &empty, Path::new(""))
}

/// A folder with no `group_vars/` or `host_vars/` in it.
fn tempfile_free_dir() -> PathBuf {
    PathBuf::from("\0no-vars-dir")
}
