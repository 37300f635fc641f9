//! Ansible's inventory model (`inventory/data.py`, `group.py`, `host.py`):
//! groups with hosts, children, depth and priority; hosts with the groups
//! that list them; variables set on each, with where they were set.

use std::collections::HashMap;

use super::value::{Value, Vars};
use crate::provenance::Origin;

pub const ALL: &str = "all";
pub const UNGROUPED: &str = "ungrouped";

/// A variable's value and where it was set.
#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    pub value: Value,
    pub origin: Origin,
}

pub type VarMap = Vars<Var>;

#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub hosts: Vec<usize>,
    pub children: Vec<usize>,
    pub parents: Vec<usize>,
    pub depth: i64,
    pub priority: i64,
    pub vars: VarMap,
}

#[derive(Debug, Clone)]
pub struct Host {
    pub name: String,
    pub vars: VarMap,
    /// Where the host was first named.
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct Data {
    pub groups: Vec<Group>,
    group_index: HashMap<String, usize>,
    pub hosts: Vec<Host>,
    host_index: HashMap<String, usize>,
}

impl Default for Data {
    fn default() -> Self {
        Data::new()
    }
}

impl Data {
    /// With `all` and `ungrouped` (a child of `all`), as Ansible starts.
    pub fn new() -> Data {
        let mut data = Data {
            groups: Vec::new(),
            group_index: HashMap::new(),
            hosts: Vec::new(),
            host_index: HashMap::new(),
        };
        let all = data.add_group(ALL).expect("a name");
        let ungrouped = data.add_group(UNGROUPED).expect("a name");
        data.add_child_group(all, ungrouped).expect("no loop");
        data
    }

    pub fn group(&self, name: &str) -> Option<usize> {
        self.group_index.get(name).copied()
    }

    pub fn host(&self, name: &str) -> Option<usize> {
        self.host_index.get(name).copied()
    }

    pub fn add_group(&mut self, name: &str) -> Result<usize, String> {
        if name.is_empty() {
            return Err("Invalid empty/false group name provided".into());
        }
        if let Some(g) = self.group(name) {
            return Ok(g);
        }
        self.groups.push(Group {
            name: name.to_string(),
            hosts: Vec::new(),
            children: Vec::new(),
            parents: Vec::new(),
            depth: 0,
            priority: 1,
            vars: VarMap::default(),
        });
        let g = self.groups.len() - 1;
        self.group_index.insert(name.to_string(), g);
        Ok(g)
    }

    /// Adds the host if it is new (a port given then becomes its
    /// `ansible_port`; a port on a host already known is ignored, as in
    /// Ansible), and puts it in `group`.
    pub fn add_host(
        &mut self,
        name: &str,
        group: Option<usize>,
        port: Option<i128>,
        origin: &Origin,
    ) -> Result<usize, String> {
        if name.is_empty() {
            return Err("Invalid empty host name provided".into());
        }
        let h = match self.host(name) {
            Some(h) => h,
            None => {
                let mut vars = VarMap::default();
                if let Some(p) = port.filter(|p| *p != 0) {
                    let var = Var {
                        value: Value::Int(p),
                        origin: origin.clone().named("host:port"),
                    };
                    vars.set("ansible_port", var);
                }
                self.hosts.push(Host {
                    name: name.to_string(),
                    vars,
                    origin: origin.clone(),
                });
                let h = self.hosts.len() - 1;
                self.host_index.insert(name.to_string(), h);
                h
            }
        };
        if let Some(g) = group
            && !self.groups[g].hosts.contains(&h)
        {
            self.groups[g].hosts.push(h);
        }
        Ok(h)
    }

    /// Every group above `g`.
    pub fn ancestors(&self, g: usize) -> Vec<usize> {
        let mut seen: Vec<usize> = Vec::new();
        let mut todo: Vec<usize> = self.groups[g].parents.clone();
        while let Some(p) = todo.pop() {
            if !seen.contains(&p) {
                seen.push(p);
                todo.extend(self.groups[p].parents.iter().copied());
            }
        }
        seen
    }

    /// `Group.add_child_group`: refuses loops, and keeps each group's depth
    /// the longest path from its roots.
    pub fn add_child_group(&mut self, parent: usize, child: usize) -> Result<(), String> {
        if parent == child {
            return Err("can't add group to itself".into());
        }
        if self.groups[parent].children.contains(&child) {
            return Ok(());
        }
        if self.ancestors(parent).contains(&child) {
            return Err(format!(
                "Adding group '{}' as child to '{}' creates a recursive dependency loop.",
                self.groups[child].name, self.groups[parent].name
            ));
        }
        self.groups[parent].children.push(child);
        let depth = self.groups[parent].depth + 1;
        self.groups[child].depth = self.groups[child].depth.max(depth);
        self.deepen_children(child);
        if !self.groups[child].parents.contains(&parent) {
            self.groups[child].parents.push(parent);
        }
        Ok(())
    }

    fn deepen_children(&mut self, g: usize) {
        let mut todo = vec![g];
        while let Some(p) = todo.pop() {
            let depth = self.groups[p].depth + 1;
            for c in self.groups[p].children.clone() {
                if self.groups[c].depth < depth {
                    self.groups[c].depth = depth;
                    todo.push(c);
                }
            }
        }
    }

    /// `InventoryData.add_child`: a group or a host into a group.
    pub fn add_child(&mut self, parent: &str, child: &str, origin: &Origin) -> Result<(), String> {
        let p = self
            .group(parent)
            .ok_or_else(|| format!("{parent} is not a known group"))?;
        if let Some(c) = self.group(child) {
            self.add_child_group(p, c)
        } else if self.host(child).is_some() {
            self.add_host(child, Some(p), None, origin).map(|_| ())
        } else {
            Err(format!("{child} is not a known host nor group"))
        }
    }

    /// `Group.set_variable`: `ansible_group_priority` sets the priority
    /// (Python's `int()` of the value) and is not kept as a variable.
    pub fn set_group_var(&mut self, g: usize, name: &str, var: Var) -> Result<(), String> {
        if name == "ansible_group_priority" {
            self.groups[g].priority = py_int(&var.value).ok_or_else(|| {
                format!(
                    "invalid literal for int() with base 10: {:?} (ansible_group_priority)",
                    var.value.as_text().unwrap_or_default()
                )
            })?;
            return Ok(());
        }
        self.groups[g].vars.set(name, var);
        Ok(())
    }

    pub fn set_host_var(&mut self, h: usize, name: &str, var: Var) {
        self.hosts[h].vars.set(name, var);
    }

    /// `reconcile_inventory`: groups without parents go under `all`; a host
    /// in no group is `ungrouped`, and one in another group is not.
    pub fn reconcile(&mut self) {
        let all = self.group(ALL).expect("all exists");
        let ungrouped = self.group(UNGROUPED).expect("ungrouped exists");
        for g in 0..self.groups.len() {
            if g != all && self.groups[g].parents.is_empty() {
                self.add_child_group(all, g).expect("all is no one's child");
            }
        }
        for h in 0..self.hosts.len() {
            let groups = self.groups_of(h);
            if groups.contains(&ungrouped) {
                if groups.iter().any(|g| *g != all && *g != ungrouped) {
                    self.groups[ungrouped].hosts.retain(|x| *x != h);
                }
            } else if groups.iter().all(|g| *g == all) {
                self.groups[ungrouped].hosts.push(h);
            }
        }
    }

    /// The groups that list `h` and their ancestors.
    pub fn groups_of(&self, h: usize) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for (g, group) in self.groups.iter().enumerate() {
            if group.hosts.contains(&h) {
                for a in std::iter::once(g).chain(self.ancestors(g)) {
                    if !out.contains(&a) {
                        out.push(a);
                    }
                }
            }
        }
        out
    }

    /// `sort_groups`: by depth, then priority, then name.
    pub fn sorted(&self, mut groups: Vec<usize>) -> Vec<usize> {
        groups.sort_by(|a, b| {
            let (a, b) = (&self.groups[*a], &self.groups[*b]);
            (a.depth, a.priority, &a.name).cmp(&(b.depth, b.priority, &b.name))
        });
        groups
    }
}

/// Python's `int()` of a value.
fn py_int(value: &Value) -> Option<i64> {
    match value {
        Value::Int(i) => i64::try_from(*i).ok(),
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Float(f) if f.is_finite() => Some(f.trunc() as i64),
        Value::Str(s) | Value::Unsafe(s) => {
            let t = s.trim();
            let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '_') {
                return None;
            }
            t.replace('_', "").parse().ok()
        }
        _ => None,
    }
}
