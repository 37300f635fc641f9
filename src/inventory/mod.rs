//! The inventory (`nodes.toml`, SPEC §1, or an Ansible INI inventory): which
//! nodes there are, how each is reached, where its files live, and which
//! groups they belong to.

pub mod ansible;
pub use crate::provenance;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::node::ssh::SshOptions;
use crate::node::{LocalNode, Node, SshNode, Transport};
use crate::ops::Target;
use crate::paths::Paths;
use crate::provenance::{Kind, Origin, Origins};
use crate::{Error, Result};

/// Where the inventory was found, and why (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag(PathBuf),
    Env(PathBuf),
    UserConfig(PathBuf),
}

impl Source {
    pub fn path(&self) -> &Path {
        match self {
            Source::Flag(p) | Source::Env(p) | Source::UserConfig(p) => p,
        }
    }
}

/// One node as the inventory describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    pub name: String,
    /// `None`: the node is this machine.
    pub host: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub identity_file: Option<String>,
    pub known_hosts: Option<String>,
    /// OpenSSH's ProxyJump (`[user@]host[:port],...`); wins over `~/.ssh/config`'s.
    pub proxy_jump: Option<String>,
    /// The root, as the node spells it (local roots resolved against the inventory's folder).
    pub root: String,
    pub paths: Paths,
    /// The OAuth2 token endpoint `credentials test` asks (no default: it is per deployment).
    pub cloud_token_url: Option<String>,
    /// The scope asked for with the token, if the endpoint needs one.
    pub cloud_scope: Option<String>,
    /// The groups the node belongs to (`--group`), sorted.
    pub groups: Vec<String>,
    /// Where the inventory set each field (`host`, `port`, `user`,
    /// `identity_file`, `known_hosts`, `proxy_jump`, `root`, `transport`).
    pub origins: Origins,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    pub path: PathBuf,
    pub nodes: Vec<NodeSpec>,
    /// What read it: `nodes.toml`, `built-in` or `ansible-inventory (PATH)`.
    pub reader: String,
    /// What the reader skipped, as Ansible warns.
    pub warnings: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    #[serde(default)]
    defaults: Entry,
    #[serde(default)]
    node: Vec<Entry>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: Option<String>,
    host: Option<String>,
    port: Option<u16>,
    user: Option<String>,
    identity_file: Option<String>,
    known_hosts: Option<String>,
    proxy_jump: Option<String>,
    root: Option<String>,
    paths: Option<PathOverrides>,
    cloud_token_url: Option<String>,
    cloud_scope: Option<String>,
    groups: Option<Vec<String>>,
}

/// Where an inventory moves a node's files: `presence`, each form file by
/// its command (`calendar`), `credentials`, `node_key`, `log`.
#[derive(Debug, Default, Clone)]
pub(crate) struct PathOverrides(BTreeMap<String, String>);

impl PathOverrides {
    /// Every key an override may have, in the order errors list them.
    pub(crate) fn keys() -> &'static [&'static str] {
        static KEYS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
        KEYS.get_or_init(|| {
            let mut keys = vec!["presence"];
            keys.extend(crate::settings::FormId::ALL.map(|f| f.command()));
            keys.extend(["credentials", "node_key", "log"]);
            keys
        })
    }

    pub(crate) fn set(&mut self, key: &str, path: String) {
        self.0.insert(key.to_string(), path);
    }

    pub(crate) fn apply(&self, paths: &mut Paths) {
        for (key, over) in &self.0 {
            let path = over.replace('\\', "/");
            match key.as_str() {
                "presence" => paths.presence = path,
                "credentials" => paths.credentials = path,
                "node_key" => paths.node_key = path,
                "log" => paths.log = path,
                form => {
                    paths.forms.insert(form.to_string(), path);
                }
            }
        }
    }
}

impl<'de> Deserialize<'de> for PathOverrides {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, String>::deserialize(deserializer)?;
        if let Some(unknown) = map.keys().find(|k| !Self::keys().contains(&k.as_str())) {
            return Err(serde::de::Error::unknown_field(unknown, Self::keys()));
        }
        Ok(PathOverrides(map))
    }
}

/// Finds the inventory: `--config FILE`, else `$UCSCONF_CONFIG`, else
/// `<user config dir>/ucsconf/nodes.toml` when it exists.
pub fn locate(flag: Option<&Path>) -> Option<Source> {
    if let Some(p) = flag {
        return Some(Source::Flag(p.to_path_buf()));
    }
    if let Some(p) = std::env::var_os("UCSCONF_CONFIG").filter(|v| !v.is_empty()) {
        return Some(Source::Env(PathBuf::from(p)));
    }
    let user = dirs::config_dir()?.join("ucsconf").join("nodes.toml");
    user.is_file().then_some(Source::UserConfig(user))
}

/// The pseudo-group every node is in (as in Ansible).
pub const ALL_GROUP: &str = "all";

impl Inventory {
    /// Reads the inventory at `path`; an Ansible one with the reader
    /// `$UCSCONF_INVENTORY_READER` asks for (default: Ansible where installed).
    pub fn load(path: &Path) -> Result<Inventory> {
        let reader = ansible::Reader::from_env().map_err(Error::Invalid)?;
        Inventory::load_with(path, reader)
    }

    /// Reads the inventory at `path`, an Ansible one with `reader`.
    pub fn load_with(path: &Path, reader: ansible::Reader) -> Result<Inventory> {
        if path.is_dir() {
            return Inventory::read_ansible(path, reader);
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Invalid(format!("inventory {}: {e}", path.display())))?;
        if ansible::named_like(path)
            || (toml::from_str::<FileFormat>(&text).is_err() && ansible::looks_like(&text))
        {
            return Inventory::read_ansible(path, reader);
        }
        Inventory::parse(&text, path)
    }

    /// An Ansible inventory file or directory, with its `group_vars/` and `host_vars/`.
    fn read_ansible(path: &Path, reader: ansible::Reader) -> Result<Inventory> {
        let invalid =
            |msg: String| Error::Invalid(format!("inventory {} (Ansible): {msg}", path.display()));
        let (hosts, warnings, program) = ansible::read(path, reader).map_err(invalid)?;
        let base = if path.is_dir() {
            path
        } else {
            path.parent().unwrap_or(Path::new(""))
        };
        let nodes = Inventory::nodes_of(&hosts, base).map_err(invalid)?;
        Ok(Inventory {
            path: path.to_path_buf(),
            nodes,
            reader: ansible::describe_reader(program.as_deref()),
            warnings,
        })
    }

    fn nodes_of(
        hosts: &[ansible::HostEntry],
        base: &Path,
    ) -> std::result::Result<Vec<NodeSpec>, String> {
        if hosts.is_empty() {
            return Err("no hosts".into());
        }
        let nodes = hosts
            .iter()
            .map(|h| {
                ansible::connection::node_spec(h, base).map_err(|e| format!("host {}: {e}", h.name))
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        check_names(&nodes)?;
        Ok(nodes)
    }

    /// Parses inventory text: an Ansible INI inventory when the file's name
    /// says so (`.ini`, `.cfg`, `hosts`) or when it is not TOML but reads
    /// like one; else `nodes.toml`. Relative local roots are taken from the
    /// file's folder.
    pub fn parse(text: &str, path: &Path) -> Result<Inventory> {
        let invalid = |msg: String| Error::Invalid(format!("inventory {}: {msg}", path.display()));
        if ansible::named_like(path) {
            return Inventory::parse_ansible(text, path);
        }
        let file: FileFormat = match toml::from_str(text) {
            Ok(file) => file,
            Err(_) if ansible::looks_like(text) => return Inventory::parse_ansible(text, path),
            Err(e) => return Err(invalid(e.to_string())),
        };
        Inventory::from_toml(file, path)
    }

    /// Parses an Ansible inventory's text with the built-in reader (no
    /// `group_vars/` or `host_vars/`: see [`Inventory::load`]).
    pub fn parse_ansible(text: &str, path: &Path) -> Result<Inventory> {
        let invalid =
            |msg: String| Error::Invalid(format!("inventory {} (Ansible): {msg}", path.display()));
        let base = path.parent().unwrap_or(Path::new(""));
        let hosts = ansible::read_text(text, &path.display().to_string())
            .map_err(|e| invalid(e.to_string()))?;
        let nodes = Inventory::nodes_of(&hosts, base).map_err(invalid)?;
        Ok(Inventory {
            path: path.to_path_buf(),
            nodes,
            reader: ansible::describe_reader(None),
            warnings: Vec::new(),
        })
    }

    fn from_toml(file: FileFormat, path: &Path) -> Result<Inventory> {
        let invalid = |msg: String| Error::Invalid(format!("inventory {}: {msg}", path.display()));
        if file.defaults.name.is_some() {
            return Err(invalid("[defaults] cannot have a name".into()));
        }
        let base = path.parent().unwrap_or(Path::new(""));
        let mut nodes: Vec<NodeSpec> = Vec::new();
        let shown = path.display().to_string();
        for (i, entry) in file.node.iter().enumerate() {
            let spec = merge(&file.defaults, entry, base, &shown, i + 1)
                .map_err(|m| invalid(format!("node {}: {m}", i + 1)))?;
            nodes.push(spec);
        }
        if nodes.is_empty() {
            return Err(invalid("no [[node]] entries".into()));
        }
        check_names(&nodes).map_err(invalid)?;
        Ok(Inventory {
            path: path.to_path_buf(),
            nodes,
            reader: "nodes.toml".into(),
            warnings: Vec::new(),
        })
    }

    /// Every group a node is in, sorted (`all` not included).
    pub fn groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = self.nodes.iter().flat_map(|n| n.groups.clone()).collect();
        groups.sort();
        groups.dedup();
        groups
    }

    /// The nodes named and the nodes of the groups named (both
    /// case-insensitively, in the inventory's order), or all when nothing
    /// is named. `all` is every node.
    pub fn select_with_groups(&self, names: &[String], groups: &[String]) -> Result<Vec<NodeSpec>> {
        if groups.is_empty() {
            return self.select(names);
        }
        let known = self.groups();
        for group in groups {
            let exists = group.eq_ignore_ascii_case(ALL_GROUP)
                || known.iter().any(|g| g.eq_ignore_ascii_case(group));
            if !exists {
                let listed = if known.is_empty() {
                    "it has none".to_string()
                } else {
                    format!("groups: {}", known.join(", "))
                };
                return Err(Error::Invalid(format!(
                    "no group named {group} in {} ({listed})",
                    self.path.display()
                )));
            }
        }
        let named = self.select(names)?;
        let named = if names.is_empty() { Vec::new() } else { named };
        let in_group = |n: &NodeSpec| {
            groups.iter().any(|g| {
                g.eq_ignore_ascii_case(ALL_GROUP)
                    || n.groups.iter().any(|m| m.eq_ignore_ascii_case(g))
            })
        };
        Ok(self
            .nodes
            .iter()
            .filter(|n| in_group(n) || named.iter().any(|m| m.name == n.name))
            .cloned()
            .collect())
    }

    /// The nodes named (case-insensitively), or all when none are named.
    pub fn select(&self, names: &[String]) -> Result<Vec<NodeSpec>> {
        if names.is_empty() {
            return Ok(self.nodes.clone());
        }
        names
            .iter()
            .map(|name| {
                self.nodes
                    .iter()
                    .find(|n| n.name.eq_ignore_ascii_case(name))
                    .cloned()
                    .ok_or_else(|| {
                        let known: Vec<&str> = self.nodes.iter().map(|n| n.name.as_str()).collect();
                        Error::Invalid(format!(
                            "no node named {name} in {} (nodes: {})",
                            self.path.display(),
                            known.join(", ")
                        ))
                    })
            })
            .collect()
    }
}

/// Node names are unique (case-insensitively); node and group names are
/// non-empty and have no spaces.
fn check_names(nodes: &[NodeSpec]) -> std::result::Result<(), String> {
    for (i, spec) in nodes.iter().enumerate() {
        check_name("node", &spec.name)?;
        for g in &spec.groups {
            check_name("group", g)?;
        }
        if nodes[..i]
            .iter()
            .any(|n| n.name.eq_ignore_ascii_case(&spec.name))
        {
            return Err(format!("two nodes are named {}", spec.name));
        }
    }
    Ok(())
}

fn check_name(what: &str, name: &str) -> std::result::Result<(), String> {
    // A name is shown on every line and screen: nothing in it may act on
    // the terminal or reorder what is shown (see `text`).
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || crate::text::is_escaped(c))
    {
        return Err(format!(
            "{what} name {} must be non-empty without spaces or control characters",
            crate::text::escape_untrusted(&format!("{name:?}"))
        ));
    }
    Ok(())
}

fn merge(
    defaults: &Entry,
    entry: &Entry,
    base: &Path,
    file: &str,
    index: usize,
) -> std::result::Result<NodeSpec, String> {
    let name = entry.name.clone().ok_or("every [[node]] needs a name")?;
    check_name("node", &name)?;
    let pick = |a: &Option<String>, b: &Option<String>| a.clone().or_else(|| b.clone());
    let mut origins = Origins::new();
    let mut note = |field: &'static str, own: bool, default: bool| {
        let place = if own {
            format!("[[node]] {index}")
        } else if default {
            "[defaults]".to_string()
        } else {
            return;
        };
        let origin = Origin::at(Kind::Inventory, file, None).named(format!("{place} {field}"));
        origins.insert(field, origin);
    };
    note("host", entry.host.is_some(), defaults.host.is_some());
    note("port", entry.port.is_some(), defaults.port.is_some());
    note("user", entry.user.is_some(), defaults.user.is_some());
    note(
        "identity_file",
        entry.identity_file.is_some(),
        defaults.identity_file.is_some(),
    );
    note(
        "known_hosts",
        entry.known_hosts.is_some(),
        defaults.known_hosts.is_some(),
    );
    note(
        "proxy_jump",
        entry.proxy_jump.is_some(),
        defaults.proxy_jump.is_some(),
    );
    note("root", entry.root.is_some(), defaults.root.is_some());
    let proxy_jump = pick(&entry.proxy_jump, &defaults.proxy_jump);
    if let Some(j) = &proxy_jump {
        crate::node::ssh::config::parse_proxy_jump(j)?;
    }
    let host = pick(&entry.host, &defaults.host);
    let root = pick(&entry.root, &defaults.root).ok_or(format!("{name} has no root"))?;
    let root = resolve_root(host.is_none(), root, base);
    let mut paths = Paths::default();
    for over in [&defaults.paths, &entry.paths].into_iter().flatten() {
        over.apply(&mut paths);
    }
    Ok(NodeSpec {
        name,
        host,
        port: entry.port.or(defaults.port),
        user: pick(&entry.user, &defaults.user),
        identity_file: pick(&entry.identity_file, &defaults.identity_file),
        known_hosts: pick(&entry.known_hosts, &defaults.known_hosts),
        proxy_jump,
        root,
        paths,
        cloud_token_url: pick(&entry.cloud_token_url, &defaults.cloud_token_url),
        cloud_scope: pick(&entry.cloud_scope, &defaults.cloud_scope),
        groups: sorted_groups(entry.groups.as_ref().or(defaults.groups.as_ref())),
        origins,
    })
}

/// A local root relative to the inventory's folder, so a whole demo can move.
pub(crate) fn resolve_root(local: bool, root: String, base: &Path) -> String {
    if local && Path::new(&root).is_relative() {
        base.join(&root).display().to_string()
    } else {
        root
    }
}

fn sorted_groups(groups: Option<&Vec<String>>) -> Vec<String> {
    let mut groups = groups.cloned().unwrap_or_default();
    groups.sort();
    groups.dedup();
    groups
}

impl From<&NodeSpec> for crate::node::ssh::SshSpec {
    /// What the SSH transport needs of an entry.
    fn from(spec: &NodeSpec) -> Self {
        crate::node::ssh::SshSpec {
            name: spec.name.clone(),
            host: spec.host.clone(),
            port: spec.port,
            user: spec.user.clone(),
            identity_file: spec.identity_file.clone(),
            known_hosts: spec.known_hosts.clone(),
            proxy_jump: spec.proxy_jump.clone(),
            root: spec.root.clone(),
            origins: spec.origins.clone(),
        }
    }
}

impl NodeSpec {
    /// The ad-hoc local node of `--root DIR`.
    pub fn local(name: &str, root: &Path) -> NodeSpec {
        NodeSpec {
            name: name.to_string(),
            host: None,
            port: None,
            user: None,
            identity_file: None,
            known_hosts: None,
            proxy_jump: None,
            root: root.display().to_string(),
            paths: Paths::default(),
            cloud_token_url: None,
            cloud_scope: None,
            groups: Vec::new(),
            origins: Origins::new(),
        }
    }

    /// How this node is reached.
    pub fn transport(&self) -> Transport {
        match &self.host {
            None => Transport::Local,
            Some(host) => Transport::Ssh {
                user: self.user.clone(),
                host: host.clone(),
                port: self.port.unwrap_or(22),
            },
        }
    }

    /// A target for this node, with the default SSH options.
    pub fn target(&self) -> Target {
        self.target_with(&SshOptions::default())
    }

    /// A target for this node; SSH nodes connect lazily with `options`.
    pub fn target_with(&self, options: &SshOptions) -> Target {
        let node: Arc<dyn Node> = match &self.host {
            None => Arc::new(LocalNode::new(&self.name, &self.root)),
            Some(_) => Arc::new(SshNode::new(self, options.clone())),
        };
        let node = crate::node::logged::logged(node);
        Target::new(node, self.paths.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_and_relative_local_roots_follow_the_file() {
        let text = r#"
            [defaults]
            user = "administrator"
            paths = { log = 'Var\Log\Other.log' }

            [[node]]
            name = "ucs-a"
            root = "ucs-a"

            [[node]]
            name = "ucs-b"
            host = "10.0.0.12"
            root = 'C:\Program Files (x86)\StonevoiceAS'
            paths = { presence = "custom/Presence.ini" }
        "#;
        let inv = Inventory::parse(text, Path::new("demo/nodes.toml")).unwrap();
        let a = &inv.nodes[0];
        assert_eq!(Path::new(&a.root), Path::new("demo").join("ucs-a"));
        assert_eq!(a.paths.log, "Var/Log/Other.log");
        assert_eq!(a.transport(), Transport::Local);
        let b = &inv.nodes[1];
        assert_eq!(b.root, r"C:\Program Files (x86)\StonevoiceAS");
        assert_eq!(b.user.as_deref(), Some("administrator"));
        assert_eq!(b.paths.presence, "custom/Presence.ini");
        assert_eq!(b.paths.log, "Var/Log/Other.log");
        assert_eq!(b.transport().to_string(), "ssh administrator@10.0.0.12");
    }

    #[test]
    fn a_form_file_is_moved_by_its_command_and_a_misspelt_key_is_refused() {
        use crate::settings::FormId;
        let text = "[[node]]\nname='a'\nroot='x'\npaths = { calendar = 'Custom\\Cal.ini' }";
        let inv = Inventory::parse(text, Path::new("n.toml")).unwrap();
        assert_eq!(FormId::Calendar.path(&inv.nodes[0].paths), "Custom/Cal.ini");
        let plain = Inventory::parse("[[node]]\nname='a'\nroot='x'", Path::new("n.toml")).unwrap();
        assert_eq!(
            FormId::Calendar.path(&plain.nodes[0].paths),
            crate::paths::CALENDAR
        );
        let text = "[[node]]\nname='a'\nroot='x'\npaths = { calendr = 'c.ini' }";
        let err = Inventory::parse(text, Path::new("n.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("calendr") && err.contains("`calendar`"),
            "{err}"
        );
        let ini = "ucs-a ansible_host=10.0.0.11 ucsconf_calendar_path=Custom/Cal.ini\n";
        let inv = Inventory::parse_ansible(ini, Path::new("hosts.ini")).unwrap();
        assert_eq!(FormId::Calendar.path(&inv.nodes[0].paths), "Custom/Cal.ini");
        let ini = "ucs-a ansible_host=10.0.0.11 ucsconf_calendr_path=x\n";
        let err = Inventory::parse_ansible(ini, Path::new("hosts.ini"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("ucsconf_calendar_path"), "{err}");
    }

    #[test]
    fn bad_inventories_are_usage_errors_naming_the_problem() {
        let cases = [
            ("", "no [[node]]"),
            ("[[node]]\nroot = 'x'", "needs a name"),
            ("[[node]]\nname = 'a'", "has no root"),
            (
                "[[node]]\nname='a'\nroot='x'\n[[node]]\nname='A'\nroot='y'",
                "two nodes",
            ),
            (
                "[[node]]\nname='a'\nroot='x'\ncolour='red'",
                "unknown field",
            ),
        ];
        for (text, needle) in cases {
            let err = Inventory::parse(text, Path::new("n.toml")).unwrap_err();
            assert_eq!(err.class(), crate::ErrorClass::Invalid);
            assert!(err.to_string().contains(needle), "{err} lacks {needle}");
        }
    }

    #[test]
    fn selecting_an_unknown_node_lists_the_known_ones() {
        let inv = Inventory::parse("[[node]]\nname='a'\nroot='x'", Path::new("n.toml")).unwrap();
        assert_eq!(inv.select(&["A".into()]).unwrap()[0].name, "a");
        let err = inv.select(&["b".into()]).unwrap_err().to_string();
        assert!(err.contains("nodes: a"), "{err}");
    }

    #[test]
    fn groups_select_their_nodes_and_add_to_named_nodes() {
        let text = "[[node]]\nname='a'\nroot='x'\ngroups=['web','dc1']\n\
                    [[node]]\nname='b'\nroot='y'\ngroups=['dc1']\n\
                    [[node]]\nname='c'\nroot='z'\n";
        let inv = Inventory::parse(text, Path::new("n.toml")).unwrap();
        let names = |nodes: Vec<NodeSpec>| nodes.into_iter().map(|n| n.name).collect::<Vec<_>>();
        let pick = |n: &[&str], g: &[&str]| {
            let n: Vec<String> = n.iter().map(|s| s.to_string()).collect();
            let g: Vec<String> = g.iter().map(|s| s.to_string()).collect();
            inv.select_with_groups(&n, &g)
        };
        assert_eq!(inv.groups(), ["dc1", "web"]);
        assert_eq!(names(pick(&[], &["DC1"]).unwrap()), ["a", "b"]);
        assert_eq!(names(pick(&["c"], &["web"]).unwrap()), ["a", "c"]);
        assert_eq!(
            names(pick(&["a"], &["web"]).unwrap()),
            ["a"],
            "no node twice"
        );
        assert_eq!(names(pick(&[], &["all"]).unwrap()), ["a", "b", "c"]);
        let err = pick(&[], &["db"]).unwrap_err();
        assert_eq!(err.class(), crate::ErrorClass::Invalid);
        assert!(err.to_string().contains("groups: dc1, web"), "{err}");
        assert!(
            pick(&["zz"], &["web"]).is_err(),
            "an unknown node still fails"
        );
    }

    #[test]
    fn an_ansible_inventory_is_recognised_by_name_or_content() {
        let text = "[ucs]\nucs-a ansible_host=10.0.0.1\n";
        for path in ["hosts", "inv.ini", "inv.cfg", "nodes.toml", "inventory"] {
            let inv = Inventory::parse(text, Path::new(path)).unwrap();
            assert_eq!(inv.nodes[0].host.as_deref(), Some("10.0.0.1"), "{path}");
            assert_eq!(inv.nodes[0].groups, ["ucs"]);
        }
        // Broken TOML that does not read like Ansible keeps its TOML error.
        let err = Inventory::parse("[[node]]\nname = 'a\n", Path::new("n.toml")).unwrap_err();
        assert!(!err.to_string().contains("Ansible"), "{err}");
        let err = Inventory::parse("[ucs]\na\nA\n", Path::new("hosts")).unwrap_err();
        assert!(err.to_string().contains("two nodes are named A"), "{err}");
    }
}
