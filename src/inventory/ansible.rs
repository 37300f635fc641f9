//! Ansible INI inventories, so that admins who keep one already need no
//! second list: hosts with `ansible_host`, `ansible_port`, `ansible_user`,
//! `ansible_ssh_private_key_file` and `ansible_connection=local`; host
//! ranges (`ucs[01:04]`) and `host:port`; `[group]`, `[group:children]`,
//! `[group:vars]` and `[all:vars]`. Variables apply as in Ansible: `all`
//! first, then groups from the outermost in (by name at equal depth), then
//! the host's own.
//!
//! ucsconf's own settings are variables too: `ucsconf_root` (default: the
//! suite's standard Windows root), `ucsconf_known_hosts`,
//! `ucsconf_<file>_path` (`presence`, `calendar`, `credentials`,
//! `node_key`, `log`), `ucsconf_cloud_token_url`, `ucsconf_cloud_scope`.
//! A `UserKnownHostsFile=` in `ansible_ssh_common_args` or
//! `ansible_ssh_extra_args` is honoured as well.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use super::{NodeSpec, PathOverrides, resolve_root};
use crate::paths::{Paths, WINDOWS_ROOT};

/// The group of hosts listed before any section, or in none.
pub const UNGROUPED: &str = "ungrouped";

/// ucsconf's own variables (a misspelt one is an error, not ignored).
const OWN_VARS: &[&str] = &[
    "ucsconf_root",
    "ucsconf_known_hosts",
    "ucsconf_presence_path",
    "ucsconf_calendar_path",
    "ucsconf_credentials_path",
    "ucsconf_node_key_path",
    "ucsconf_log_path",
    "ucsconf_cloud_token_url",
    "ucsconf_cloud_scope",
];

/// Whether the file's name says it is an Ansible inventory.
pub fn named_like(path: &Path) -> bool {
    let lower = |s: Option<&std::ffi::OsStr>| {
        s.and_then(|s| s.to_str())
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    let ext = lower(path.extension());
    lower(path.file_name()) == "hosts" || ext == "ini" || ext == "cfg"
}

/// Whether text reads like an Ansible INI inventory rather than TOML: a
/// `[group]` section and a host line (a name not followed by `=`), or an
/// Ansible-only section kind.
pub fn looks_like(text: &str) -> bool {
    let (mut header, mut ansible) = (false, false);
    for (_, line) in meaningful_lines(text) {
        if let Some(h) = header_of(line) {
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

/// The nodes of an Ansible inventory; `base` is the file's folder.
pub fn parse(text: &str, base: &Path) -> Result<Vec<NodeSpec>, String> {
    let parsed = read(text)?;
    if parsed.hosts.is_empty() {
        return Err("no hosts".into());
    }
    let depths = depths(&parsed)?;
    parsed
        .hosts
        .iter()
        .map(|host| node(&parsed, &depths, host, base).map_err(|e| format!("host {host}: {e}")))
        .collect()
}

fn meaningful_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
}

/// `[x]` → `x`.
fn header_of(line: &str) -> Option<&str> {
    line.strip_prefix('[')?.strip_suffix(']').map(str::trim)
}

#[derive(Debug, Default)]
struct Group {
    hosts: BTreeSet<String>,
    children: BTreeSet<String>,
    vars: Vec<(String, String)>,
}

#[derive(Debug, Default)]
struct Parsed {
    groups: BTreeMap<String, Group>,
    /// In order of first appearance.
    hosts: Vec<String>,
    host_vars: HashMap<String, Vec<(String, String)>>,
}

enum Section {
    Hosts(Option<String>),
    Vars(String),
    Children(String),
}

fn section(header: &str) -> Result<Section, String> {
    let (name, kind) = match header.rsplit_once(':') {
        Some((name, kind)) => (name.trim(), Some(kind.trim())),
        None => (header, None),
    };
    if name.is_empty() || name.chars().any(char::is_whitespace) {
        return Err(format!("bad group name in [{header}]"));
    }
    let name = name.to_string();
    match kind {
        None => Ok(Section::Hosts(Some(name))),
        Some("vars") => Ok(Section::Vars(name)),
        Some("children") => Ok(Section::Children(name)),
        Some(other) => Err(format!(
            "[{header}]: unknown section kind {other:?} (use :vars or :children)"
        )),
    }
}

fn read(text: &str) -> Result<Parsed, String> {
    let mut parsed = Parsed::default();
    let mut current = Section::Hosts(None);
    for (n, line) in meaningful_lines(text) {
        let at = |e: String| format!("line {n}: {e}");
        if let Some(h) = header_of(line) {
            current = section(h).map_err(at)?;
            let name = match &current {
                Section::Hosts(Some(g)) | Section::Vars(g) | Section::Children(g) => g,
                Section::Hosts(None) => unreachable!("a header names a group"),
            };
            parsed.groups.entry(name.clone()).or_default();
            continue;
        }
        match &current {
            Section::Hosts(group) => host_line(&mut parsed, group.as_deref(), line).map_err(at)?,
            Section::Vars(group) => {
                let (key, value) = line
                    .split_once('=')
                    .ok_or_else(|| at(format!("expected name=value, found {line:?}")))?;
                let var = (key.trim().to_string(), unquote(value.trim()));
                parsed
                    .groups
                    .entry(group.clone())
                    .or_default()
                    .vars
                    .push(var);
            }
            Section::Children(group) => {
                let child = line.split_whitespace().next().unwrap_or(line).to_string();
                if child == *group {
                    return Err(at(format!("{group} cannot be its own child")));
                }
                parsed.groups.entry(child.clone()).or_default();
                parsed
                    .groups
                    .entry(group.clone())
                    .or_default()
                    .children
                    .insert(child);
            }
        }
    }
    Ok(parsed)
}

/// `pattern [name=value]...`: one host or a range of them.
fn host_line(parsed: &mut Parsed, group: Option<&str>, line: &str) -> Result<(), String> {
    let mut tokens = split_tokens(line)?.into_iter();
    let pattern = tokens.next().ok_or("empty host line")?;
    let mut vars = Vec::new();
    for token in tokens {
        let (key, value) = token
            .split_once('=')
            .ok_or_else(|| format!("expected name=value after the host, found {token:?}"))?;
        vars.push((key.to_string(), value.to_string()));
    }
    for (host, port) in expand(&pattern)?.into_iter().map(|h| split_port(&h)) {
        if !parsed.hosts.contains(&host) {
            parsed.hosts.push(host.clone());
        }
        let own = parsed.host_vars.entry(host.clone()).or_default();
        if let Some(port) = port {
            own.push(("ansible_port".into(), port));
        }
        own.extend(vars.iter().cloned());
        if let Some(g) = group {
            parsed
                .groups
                .entry(g.to_string())
                .or_default()
                .hosts
                .insert(host);
        }
    }
    Ok(())
}

/// `host:2222` → the port apart (an IPv6 address, with several colons, is left whole).
fn split_port(host: &str) -> (String, Option<String>) {
    match host.split_once(':') {
        Some((name, port))
            if !port.contains(':')
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (name.to_string(), Some(port.to_string()))
        }
        _ => (host.to_string(), None),
    }
}

/// Splits a line into shell-like words: quotes group and are removed, a
/// word starting with `#` begins a comment.
fn split_tokens(line: &str) -> Result<Vec<String>, String> {
    let mut tokens = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.peek() {
            None | Some('#') => return Ok(tokens),
            Some(_) => {}
        }
        let mut token = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
            match c {
                '\'' | '"' => loop {
                    match chars.next() {
                        None => return Err(format!("unclosed {c} quote")),
                        Some(q) if q == c => break,
                        Some('\\') if c == '"' => token.extend(chars.next()),
                        Some(other) => token.push(other),
                    }
                },
                other => token.push(other),
            }
        }
        tokens.push(token);
    }
}

/// A value wholly in matching quotes loses them.
fn unquote(value: &str) -> String {
    for q in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    value.to_string()
}

/// Expands `[01:10]`, `[a:f]` and `[1:10:2]` ranges in a host pattern.
fn expand(pattern: &str) -> Result<Vec<String>, String> {
    let Some(open) = pattern.find('[') else {
        return Ok(vec![pattern.to_string()]);
    };
    let close = pattern[open..]
        .find(']')
        .map(|i| open + i)
        .ok_or_else(|| format!("{pattern}: unclosed ["))?;
    let (head, range, tail) = (
        &pattern[..open],
        &pattern[open + 1..close],
        &pattern[close + 1..],
    );
    let parts: Vec<&str> = range.split(':').collect();
    let bad = || format!("{pattern}: bad range [{range}]");
    let (start, end, step) = match parts.as_slice() {
        [s, e] => (*s, *e, 1),
        [s, e, step] => (*s, *e, step.parse::<usize>().map_err(|_| bad())?),
        _ => return Err(bad()),
    };
    if step == 0 {
        return Err(bad());
    }
    let items: Vec<String> = match (start.parse::<u64>(), end.parse::<u64>()) {
        (Ok(a), Ok(b)) if a <= b => {
            let width = if start.len() > 1 && start.starts_with('0') {
                start.len()
            } else {
                0
            };
            (a..=b)
                .step_by(step)
                .map(|i| format!("{i:0width$}"))
                .collect()
        }
        _ => {
            let (Some(a), Some(b)) = (single_char(start), single_char(end)) else {
                return Err(bad());
            };
            if a > b {
                return Err(bad());
            }
            (a..=b).step_by(step).map(String::from).collect()
        }
    };
    if items.len() > 10_000 {
        return Err(format!("{pattern}: the range is too large"));
    }
    let mut hosts = Vec::new();
    for item in items {
        for rest in expand(tail)? {
            hosts.push(format!("{head}{item}{rest}"));
        }
    }
    Ok(hosts)
}

fn single_char(s: &str) -> Option<char> {
    let mut chars = s.chars();
    let c = chars.next().filter(char::is_ascii_alphabetic)?;
    chars.next().is_none().then_some(c)
}

/// Each group's depth below `all` (a group no one lists as a child is at 1).
fn depths(parsed: &Parsed) -> Result<HashMap<String, usize>, String> {
    let mut parents: HashMap<&str, Vec<&str>> = HashMap::new();
    for (name, group) in &parsed.groups {
        for child in &group.children {
            parents
                .entry(child.as_str())
                .or_default()
                .push(name.as_str());
        }
    }
    fn depth<'a>(
        group: &'a str,
        parents: &HashMap<&'a str, Vec<&'a str>>,
        memo: &mut HashMap<String, usize>,
        path: &mut Vec<&'a str>,
    ) -> Result<usize, String> {
        if group == super::ALL_GROUP {
            return Ok(0);
        }
        if let Some(d) = memo.get(group) {
            return Ok(*d);
        }
        if path.contains(&group) {
            return Err(format!("the groups {} contain each other", path.join(", ")));
        }
        path.push(group);
        let mut d = 1;
        for parent in parents.get(group).into_iter().flatten() {
            d = d.max(depth(parent, parents, memo, path)? + 1);
        }
        path.pop();
        memo.insert(group.to_string(), d);
        Ok(d)
    }
    let mut memo = HashMap::new();
    for name in parsed.groups.keys() {
        depth(name, &parents, &mut memo, &mut Vec::new())?;
    }
    Ok(memo)
}

/// The groups `host` is in: those listing it, and their ancestors.
fn groups_of(parsed: &Parsed, host: &str) -> BTreeSet<String> {
    let mut groups: BTreeSet<String> = parsed
        .groups
        .iter()
        .filter(|(_, g)| g.hosts.contains(host))
        .map(|(n, _)| n.clone())
        .collect();
    loop {
        let parents: Vec<String> = parsed
            .groups
            .iter()
            .filter(|(n, g)| !groups.contains(*n) && g.children.iter().any(|c| groups.contains(c)))
            .map(|(n, _)| n.clone())
            .collect();
        if parents.is_empty() {
            break;
        }
        groups.extend(parents);
    }
    groups.remove(super::ALL_GROUP);
    if groups.is_empty() {
        groups.insert(UNGROUPED.to_string());
    }
    groups
}

/// The host's variables: `all`, then its groups outermost first, then its own.
fn vars_of(
    parsed: &Parsed,
    depths: &HashMap<String, usize>,
    host: &str,
    groups: &BTreeSet<String>,
) -> HashMap<String, String> {
    let mut ordered: Vec<&String> = groups.iter().collect();
    ordered.sort_by_key(|g| (depths.get(*g).copied().unwrap_or(1), (*g).clone()));
    let all = parsed.groups.get(super::ALL_GROUP);
    let layers = all
        .into_iter()
        .chain(ordered.iter().filter_map(|g| parsed.groups.get(*g)))
        .map(|g| &g.vars)
        .chain(parsed.host_vars.get(host));
    let mut vars = HashMap::new();
    for layer in layers {
        for (k, v) in layer {
            vars.insert(k.clone(), v.clone());
        }
    }
    vars
}

fn node(
    parsed: &Parsed,
    depths: &HashMap<String, usize>,
    host: &str,
    base: &Path,
) -> Result<NodeSpec, String> {
    let groups = groups_of(parsed, host);
    let vars = vars_of(parsed, depths, host, &groups);
    let get = |keys: &[&str]| keys.iter().find_map(|k| vars.get(*k)).cloned();
    if let Some(unknown) = vars
        .keys()
        .find(|k| k.starts_with("ucsconf_") && !OWN_VARS.contains(&k.as_str()))
    {
        return Err(format!(
            "unknown variable {unknown} (ucsconf reads {})",
            OWN_VARS.join(", ")
        ));
    }
    let connection = get(&["ansible_connection"]).unwrap_or_default();
    let local = connection == "local";
    // WinRM's port is not SSH's: the SSH defaults apply to such hosts.
    let winrm = matches!(connection.as_str(), "winrm" | "psrp");
    let port = match get(&["ansible_port", "ansible_ssh_port"]) {
        Some(p) if !winrm && !local => Some(
            p.parse::<u16>()
                .map_err(|_| format!("ansible_port {p:?} is not a port number"))?,
        ),
        _ => None,
    };
    let root = get(&["ucsconf_root"]).unwrap_or_else(|| WINDOWS_ROOT.to_string());
    let mut paths = Paths::default();
    PathOverrides {
        presence: get(&["ucsconf_presence_path"]),
        calendar: get(&["ucsconf_calendar_path"]),
        credentials: get(&["ucsconf_credentials_path"]),
        node_key: get(&["ucsconf_node_key_path"]),
        log: get(&["ucsconf_log_path"]),
    }
    .apply(&mut paths);
    let ssh_args = [
        get(&["ansible_ssh_common_args"]),
        get(&["ansible_ssh_extra_args"]),
    ];
    Ok(NodeSpec {
        name: host.to_string(),
        host: (!local).then(|| get(&["ansible_host", "ansible_ssh_host"]).unwrap_or(host.into())),
        port,
        user: get(&["ansible_user", "ansible_ssh_user"]).filter(|_| !local),
        identity_file: get(&["ansible_ssh_private_key_file", "ansible_private_key_file"])
            .filter(|_| !local),
        known_hosts: get(&["ucsconf_known_hosts"]).or_else(|| {
            ssh_args
                .iter()
                .flatten()
                .find_map(|a| known_hosts_option(a))
        }),
        root: resolve_root(local, root, base),
        paths,
        cloud_token_url: get(&["ucsconf_cloud_token_url"]),
        cloud_scope: get(&["ucsconf_cloud_scope"]),
        groups: groups.into_iter().collect(),
    })
}

/// `UserKnownHostsFile=FILE` among ssh options (`/dev/null` ignored: it
/// would mean trusting nothing, or everything).
fn known_hosts_option(args: &str) -> Option<String> {
    split_tokens(args).ok()?.iter().find_map(|token| {
        let (key, value) = token.trim_start_matches("-o").split_once('=')?;
        let file = value.split_whitespace().next()?;
        (key.trim().eq_ignore_ascii_case("UserKnownHostsFile") && file != "/dev/null")
            .then(|| file.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
# The UC Suite cluster
ucs-lab ansible_connection=local ucsconf_root=lab

[prod]
ucs-a ansible_host=10.0.0.11
ucs-b ansible_host=10.0.0.12 ansible_port=2222 ansible_user="Admin User"

[dr]
ucs-[c:d].contoso.local:2200

[cluster:children]
prod
dr

[cluster:vars]
ansible_user=administrator
ucsconf_known_hosts = "~/.ssh/ucs_known_hosts"

[dr:vars]
ucsconf_root='D:\UC Suite'
ansible_ssh_private_key_file=~/.ssh/dr_key

[all:vars]
ansible_port=22
ucsconf_log_path=Var\Log\Other.log
"#;

    fn by_name<'a>(nodes: &'a [NodeSpec], name: &str) -> &'a NodeSpec {
        nodes.iter().find(|n| n.name == name).unwrap()
    }

    #[test]
    fn hosts_groups_and_variables_resolve_as_in_ansible() {
        assert!(looks_like(SAMPLE));
        let nodes = parse(SAMPLE, Path::new("inv")).unwrap();
        let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "ucs-lab",
                "ucs-a",
                "ucs-b",
                "ucs-c.contoso.local",
                "ucs-d.contoso.local"
            ]
        );
        let lab = by_name(&nodes, "ucs-lab");
        assert_eq!(lab.host, None);
        assert_eq!(Path::new(&lab.root), Path::new("inv").join("lab"));
        assert_eq!(lab.groups, [UNGROUPED]);

        let a = by_name(&nodes, "ucs-a");
        assert_eq!(a.host.as_deref(), Some("10.0.0.11"));
        assert_eq!(a.port, Some(22), "all:vars");
        assert_eq!(a.user.as_deref(), Some("administrator"), "parent group");
        assert_eq!(a.root, WINDOWS_ROOT);
        assert_eq!(a.known_hosts.as_deref(), Some("~/.ssh/ucs_known_hosts"));
        assert_eq!(a.paths.log, "Var/Log/Other.log");
        assert_eq!(a.groups, ["cluster", "prod"]);

        let b = by_name(&nodes, "ucs-b");
        assert_eq!(b.port, Some(2222), "the host's own wins");
        assert_eq!(b.user.as_deref(), Some("Admin User"));

        let c = by_name(&nodes, "ucs-c.contoso.local");
        assert_eq!(c.host.as_deref(), Some("ucs-c.contoso.local"));
        assert_eq!(c.port, Some(2200));
        assert_eq!(
            c.root, r"D:\UC Suite",
            "the child group wins over its parent"
        );
        assert_eq!(c.identity_file.as_deref(), Some("~/.ssh/dr_key"));
        assert_eq!(c.groups, ["cluster", "dr"]);
    }

    #[test]
    fn ranges_expand_with_padding_and_steps() {
        assert_eq!(expand("w[01:03]").unwrap(), ["w01", "w02", "w03"]);
        assert_eq!(expand("w[1:5:2]x").unwrap(), ["w1x", "w3x", "w5x"]);
        assert_eq!(expand("[a:b][1:2]").unwrap(), ["a1", "a2", "b1", "b2"]);
        assert!(expand("w[3:1]").is_err());
        assert!(expand("w[1:").is_err());
    }

    #[test]
    fn toml_is_not_taken_for_ansible() {
        assert!(!looks_like("[[node]]\nname = 'a'\nroot = 'x'\n"));
        assert!(!looks_like("[defaults]\nuser = \"x\"\n"));
        assert!(!looks_like("just-a-host\n"), "no group section");
        assert!(looks_like("[web]\nhost1\n"));
        assert!(named_like(Path::new("x/hosts")));
        assert!(named_like(Path::new("x/inventory.INI")));
        assert!(!named_like(Path::new("x/nodes.toml")));
    }

    #[test]
    fn mistakes_are_named_with_their_line() {
        let cases = [
            ("[web:kids]\n", "line 1: [web:kids]: unknown section kind"),
            ("[web]\nh1 ansible_user\n", "line 2: expected name=value"),
            ("[web]\nh1 x='open\n", "line 2: unclosed ' quote"),
            (
                "[a:children]\nb\n[b:children]\na\n[a]\nh\n",
                "contain each other",
            ),
            ("[web]\nh1 ucsconf_rot=x\n", "unknown variable ucsconf_rot"),
            ("[web]\nh1 ansible_port=ssh\n", "not a port number"),
            ("[web]\n", "no hosts"),
        ];
        for (text, needle) in cases {
            let err = parse(text, Path::new("")).unwrap_err();
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn known_hosts_come_from_ssh_options_too() {
        let text = "[web]\nh1 ansible_ssh_common_args='-o StrictHostKeyChecking=yes -o UserKnownHostsFile=/etc/ucs_hosts'\nh2 ansible_ssh_extra_args='-o UserKnownHostsFile=/dev/null'\n";
        let nodes = parse(text, Path::new("")).unwrap();
        assert_eq!(nodes[0].known_hosts.as_deref(), Some("/etc/ucs_hosts"));
        assert_eq!(nodes[1].known_hosts, None);
    }

    #[test]
    fn winrm_ports_are_not_used_for_ssh() {
        let text = "[win]\nh1 ansible_connection=winrm ansible_port=5986 ansible_user=admin\n";
        let node = &parse(text, Path::new("")).unwrap()[0];
        assert_eq!((node.port, node.user.as_deref()), (None, Some("admin")));
    }
}
