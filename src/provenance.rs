//! Where each value of a resolved node came from, for `ucsconf inventory`
//! (like `ssh -G` and `ansible-inventory --host`): a line of an inventory
//! file or of a `group_vars`/`host_vars` file, `ansible-inventory`, a line
//! of `~/.ssh/config`, or a default.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Value as Json, json};

/// What kind of place a value was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The inventory file itself (nodes.toml or an Ansible inventory).
    Inventory,
    /// A `group_vars/` file.
    GroupVars,
    /// A `host_vars/` file.
    HostVars,
    /// `ansible-inventory --list` (which does not say which file).
    AnsibleInventory,
    /// The OpenSSH client configuration.
    SshConfig,
    /// The node's name in the inventory, used as its address.
    InventoryName,
    /// Nothing said it: ucsconf's (or OpenSSH's) default.
    Default,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Inventory => "inventory",
            Kind::GroupVars => "group_vars",
            Kind::HostVars => "host_vars",
            Kind::AnsibleInventory => "ansible-inventory",
            Kind::SshConfig => "ssh_config",
            Kind::InventoryName => "inventory_name",
            Kind::Default => "default",
        }
    }
}

/// One value's origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub kind: Kind,
    /// The file, as the user named it or as found beside the inventory.
    pub file: Option<String>,
    /// 1-based.
    pub line: Option<usize>,
    /// The variable, key or keyword that gave it (`ansible_host`, `HostName`).
    pub name: Option<String>,
}

impl Origin {
    pub fn at(kind: Kind, file: impl Into<String>, line: Option<usize>) -> Origin {
        Origin {
            kind,
            file: Some(file.into()),
            line,
            name: None,
        }
    }

    pub fn default_value() -> Origin {
        Origin {
            kind: Kind::Default,
            file: None,
            line: None,
            name: None,
        }
    }

    pub fn bare(kind: Kind) -> Origin {
        Origin {
            kind,
            ..Origin::default_value()
        }
    }

    pub fn named(mut self, name: impl Into<String>) -> Origin {
        self.name = Some(name.into());
        self
    }

    pub fn to_json(&self) -> Json {
        json!({
            "kind": self.kind.as_str(),
            "file": self.file,
            "line": self.line,
            "name": self.name,
        })
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.name.as_deref();
        match (self.kind, &self.file, self.line) {
            (Kind::Default, _, _) => write!(f, "default"),
            (Kind::InventoryName, _, _) => write!(f, "the inventory name"),
            (Kind::AnsibleInventory, _, _) => {
                write!(f, "ansible-inventory")?;
                if let Some(n) = name {
                    write!(f, " ({n})")?;
                }
                Ok(())
            }
            (_, file, line) => {
                write!(f, "{}", file.as_deref().unwrap_or("?"))?;
                if let Some(l) = line {
                    write!(f, " line {l}")?;
                }
                if let Some(n) = name {
                    write!(f, " ({n})")?;
                }
                Ok(())
            }
        }
    }
}

/// The origin of each field of a node that the inventory set; a field with
/// none is left to `~/.ssh/config` or the default.
pub type Origins = BTreeMap<&'static str, Origin>;
