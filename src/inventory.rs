//! The inventory (`nodes.toml`, SPEC §1): which nodes there are, how each is
//! reached, and where its files live.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::node::ssh::SshOptions;
use crate::node::{LocalNode, Node, SshNode, Transport};
use crate::ops::Target;
use crate::paths::Paths;
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
    /// The root, as the node spells it (local roots resolved against the inventory's folder).
    pub root: String,
    pub paths: Paths,
    /// The OAuth2 token endpoint `credentials test` asks (no default: it is per deployment).
    pub cloud_token_url: Option<String>,
    /// The scope asked for with the token, if the endpoint needs one.
    pub cloud_scope: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    pub path: PathBuf,
    pub nodes: Vec<NodeSpec>,
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
    root: Option<String>,
    paths: Option<PathOverrides>,
    cloud_token_url: Option<String>,
    cloud_scope: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PathOverrides {
    presence: Option<String>,
    calendar: Option<String>,
    credentials: Option<String>,
    node_key: Option<String>,
    log: Option<String>,
}

impl PathOverrides {
    fn apply(&self, paths: &mut Paths) {
        let pairs = [
            (&self.presence, &mut paths.presence),
            (&self.calendar, &mut paths.calendar),
            (&self.credentials, &mut paths.credentials),
            (&self.node_key, &mut paths.node_key),
            (&self.log, &mut paths.log),
        ];
        for (over, path) in pairs {
            if let Some(p) = over {
                *path = p.replace('\\', "/");
            }
        }
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

impl Inventory {
    pub fn load(path: &Path) -> Result<Inventory> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Invalid(format!("inventory {}: {e}", path.display())))?;
        Inventory::parse(&text, path)
    }

    /// Parses inventory text; relative local roots are taken from the file's folder.
    pub fn parse(text: &str, path: &Path) -> Result<Inventory> {
        let invalid = |msg: String| Error::Invalid(format!("inventory {}: {msg}", path.display()));
        let file: FileFormat = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if file.defaults.name.is_some() {
            return Err(invalid("[defaults] cannot have a name".into()));
        }
        let base = path.parent().unwrap_or(Path::new(""));
        let mut nodes: Vec<NodeSpec> = Vec::new();
        for (i, entry) in file.node.iter().enumerate() {
            let spec = merge(&file.defaults, entry, base)
                .map_err(|m| invalid(format!("node {}: {m}", i + 1)))?;
            if nodes
                .iter()
                .any(|n| n.name.eq_ignore_ascii_case(&spec.name))
            {
                return Err(invalid(format!("two nodes are named {}", spec.name)));
            }
            nodes.push(spec);
        }
        if nodes.is_empty() {
            return Err(invalid("no [[node]] entries".into()));
        }
        Ok(Inventory {
            path: path.to_path_buf(),
            nodes,
        })
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

fn merge(defaults: &Entry, entry: &Entry, base: &Path) -> std::result::Result<NodeSpec, String> {
    let name = entry.name.clone().ok_or("every [[node]] needs a name")?;
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "node name {name:?} must be non-empty without spaces"
        ));
    }
    let pick = |a: &Option<String>, b: &Option<String>| a.clone().or_else(|| b.clone());
    let host = pick(&entry.host, &defaults.host);
    let root = pick(&entry.root, &defaults.root).ok_or(format!("{name} has no root"))?;
    let root = match host {
        // A local root relative to the inventory's folder, so a whole demo can move.
        None if Path::new(&root).is_relative() => base.join(&root).display().to_string(),
        _ => root,
    };
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
        root,
        paths,
        cloud_token_url: pick(&entry.cloud_token_url, &defaults.cloud_token_url),
        cloud_scope: pick(&entry.cloud_scope, &defaults.cloud_scope),
    })
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
            root: root.display().to_string(),
            paths: Paths::default(),
            cloud_token_url: None,
            cloud_scope: None,
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
        let node = crate::telemetry::logged(node);
        Target {
            node,
            paths: self.paths.clone(),
        }
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
}
