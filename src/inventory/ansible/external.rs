//! Ansible itself as the reader: `ansible-inventory -i SRC --list`, whose
//! JSON gives the groups and every host's variables after Ansible's own
//! precedence (inventory plugins, scripts, vaults and all). It is found as
//! `$UCSCONF_ANSIBLE_INVENTORY`, else `ansible-inventory` on PATH. Nothing
//! secret is put on its command line: only the inventory's path.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value as Json;

use super::HostEntry;
use super::data::{ALL, Var, VarMap};
use super::value::Value;
use crate::provenance::{Kind, Origin};

/// The environment variable that names the program.
pub const PROGRAM_VAR: &str = "UCSCONF_ANSIBLE_INVENTORY";

/// Where `ansible-inventory` is, if anywhere.
pub fn find() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(PROGRAM_VAR).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        if p.components().count() > 1 {
            return Some(p);
        }
        return search_path(&p.to_string_lossy());
    }
    search_path("ansible-inventory")
}

fn search_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Runs Ansible on `source` and reads what it printed.
pub fn read(program: &Path, source: &Path) -> Result<Vec<HostEntry>, String> {
    let output = Command::new(program)
        .arg("-i")
        .arg(source)
        .arg("--list")
        // Without these Ansible only warns about a source it cannot parse
        // and lists no hosts.
        .env("ANSIBLE_INVENTORY_UNPARSED_FAILED", "True")
        .env("ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED", "True")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_FORCE_COLOR", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "{} failed ({}):\n{}",
            program.display(),
            output.status,
            stderr.trim_end()
        ));
    }
    let json: Json = serde_json::from_slice(&output.stdout).map_err(|e| {
        format!(
            "{} printed something that is not JSON: {e}",
            program.display()
        )
    })?;
    from_list(&json)
}

/// The hosts of `ansible-inventory --list` output.
pub fn from_list(json: &Json) -> Result<Vec<HostEntry>, String> {
    let doc = json
        .as_object()
        .ok_or("ansible-inventory --list did not print a JSON object")?;
    let strings = |v: Option<&Json>| -> Vec<String> {
        v.and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut hosts_of: HashMap<&str, Vec<String>> = HashMap::new();
    let mut children_of: HashMap<&str, Vec<String>> = HashMap::new();
    for (name, group) in doc {
        if name == "_meta" {
            continue;
        }
        hosts_of.insert(name, strings(group.get("hosts")));
        children_of.insert(name, strings(group.get("children")));
    }
    // Host order: from `all` down, each group's hosts before its children.
    let mut order: Vec<String> = Vec::new();
    let mut groups_of: HashMap<String, Vec<String>> = HashMap::new();
    let mut seen_groups: HashSet<String> = HashSet::new();
    fn walk(
        group: &str,
        path: &mut Vec<String>,
        hosts_of: &HashMap<&str, Vec<String>>,
        children_of: &HashMap<&str, Vec<String>>,
        order: &mut Vec<String>,
        groups_of: &mut HashMap<String, Vec<String>>,
        seen: &mut HashSet<String>,
    ) {
        if path.iter().any(|g| g == group) {
            return;
        }
        path.push(group.to_string());
        seen.insert(group.to_string());
        for host in hosts_of.get(group).into_iter().flatten() {
            if !order.contains(host) {
                order.push(host.clone());
            }
            let groups = groups_of.entry(host.clone()).or_default();
            for g in path.iter() {
                if g != ALL && !groups.contains(g) {
                    groups.push(g.clone());
                }
            }
        }
        for child in children_of.get(group).into_iter().flatten() {
            walk(child, path, hosts_of, children_of, order, groups_of, seen);
        }
        path.pop();
    }
    walk(
        ALL,
        &mut Vec::new(),
        &hosts_of,
        &children_of,
        &mut order,
        &mut groups_of,
        &mut seen_groups,
    );
    let hostvars = doc
        .get("_meta")
        .and_then(|m| m.get("hostvars"))
        .and_then(Json::as_object);
    for name in hostvars.into_iter().flat_map(|h| h.keys()) {
        if !order.contains(name) {
            order.push(name.clone());
        }
    }
    Ok(order
        .into_iter()
        .map(|name| {
            let mut vars = VarMap::default();
            if let Some(Json::Object(map)) = hostvars.and_then(|h| h.get(&name)) {
                for (k, v) in map {
                    let origin = Origin::bare(Kind::AnsibleInventory).named(k.clone());
                    vars.set(
                        k,
                        Var {
                            value: Value::from_json(v),
                            origin,
                        },
                    );
                }
            }
            let mut groups = groups_of.remove(&name).unwrap_or_default();
            groups.sort();
            HostEntry {
                origin: Origin::bare(Kind::AnsibleInventory),
                name,
                groups,
                vars,
            }
        })
        .collect())
}
