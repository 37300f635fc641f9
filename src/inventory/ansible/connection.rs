//! From a host's variables to how ucsconf reaches it, deciding as Ansible's
//! `ssh` connection plugin does: of `ansible_host`/`ansible_ssh_host`,
//! `ansible_port`/`ansible_ssh_port`, `ansible_user`/`ansible_ssh_user` and
//! `ansible_private_key_file`/`ansible_ssh_private_key_file` the *last*
//! one defined wins (the `ansible_ssh_*` name, wherever each was set);
//! `ansible_ssh_args` comes before those on the ssh command line and
//! `ansible_ssh_common_args`, `ansible_ssh_extra_args` after them, and for
//! OpenSSH the first value given wins. What ucsconf cannot do as written
//! (WinRM, a password, a ProxyCommand) is refused, never done another way.

use std::path::Path;

use super::data::Var;
use super::template;
use super::value::Value;
use super::{HostEntry, shlex};
use crate::inventory::{NodeSpec, PathOverrides, resolve_root};
use crate::node::ssh::config::parse_proxy_jump;
use crate::paths::{Paths, WINDOWS_ROOT};
use crate::provenance::{Kind, Origin, Origins};

/// ucsconf's own variables (a misspelt one is an error, not ignored): its
/// root, known_hosts, `ucsconf_<file>_path` for each file it may move, the
/// cloud token endpoint and scope.
pub fn own_vars() -> &'static [String] {
    static VARS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    VARS.get_or_init(|| {
        let paths = PathOverrides::keys()
            .iter()
            .map(|k| format!("ucsconf_{k}_path"));
        ["ucsconf_root", "ucsconf_known_hosts"]
            .map(String::from)
            .into_iter()
            .chain(paths)
            .chain(
                [
                    "ucsconf_cloud_token_url",
                    "ucsconf_cloud_scope",
                    "ucsconf_ignore_password",
                ]
                .map(String::from),
            )
            .collect()
    })
}

/// A variable's value after rendering, and where it was set.
struct Found {
    value: Value,
    origin: Origin,
}

struct Host<'a> {
    entry: &'a HostEntry,
}

impl Host<'_> {
    fn raw(&self, name: &str) -> Option<&Var> {
        self.entry.vars.get(name)
    }

    fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.raw(name) {
            return Some(v.value.clone());
        }
        let host = &self.entry.name;
        match name {
            "inventory_hostname" => Some(Value::Str(host.clone())),
            "inventory_hostname_short" => Some(Value::Str(
                if host.contains(':') || host.parse::<std::net::Ipv4Addr>().is_ok() {
                    host.clone()
                } else {
                    host.split('.').next().unwrap_or(host).to_string()
                },
            )),
            "group_names" => Some(Value::List(
                self.entry
                    .groups
                    .iter()
                    .map(|g| Value::Str(g.clone()))
                    .collect(),
            )),
            _ => None,
        }
    }

    /// The last of `names` that is defined and not null, rendered.
    fn last_of(&self, names: &[&str]) -> Result<Option<Found>, String> {
        let Some((name, var)) = names.iter().rev().find_map(|n| {
            self.raw(n)
                .filter(|v| v.value != Value::Null)
                .map(|v| (*n, v))
        }) else {
            return Ok(None);
        };
        let value = template::render(name, &var.value, &|n| self.lookup(n))?;
        Ok(Some(Found {
            value,
            origin: var.origin.clone(),
        }))
    }

    fn text(&self, names: &[&str]) -> Result<Option<(String, Origin)>, String> {
        let Some(found) = self.last_of(names)? else {
            return Ok(None);
        };
        let name = found
            .origin
            .name
            .clone()
            .unwrap_or_else(|| names[0].to_string());
        match found.value.as_text() {
            Some(t) => Ok(Some((t, found.origin))),
            None => Err(format!(
                "{name} is {}, where Ansible needs a string ({})",
                found.value.kind(),
                found.origin
            )),
        }
    }
}

/// The node this host is for ucsconf; `base` is the inventory's folder.
pub fn node_spec(entry: &HostEntry, base: &Path) -> Result<NodeSpec, String> {
    let host = Host { entry };
    if let Some((unknown, var)) = entry
        .vars
        .iter()
        .find(|(k, _)| k.starts_with("ucsconf_") && !own_vars().iter().any(|v| v == *k))
    {
        return Err(format!(
            "unknown variable {unknown} ({}; ucsconf reads {})",
            var.origin,
            own_vars().join(", ")
        ));
    }
    let mut origins = Origins::new();
    let connection = host.text(&["ansible_connection"])?;
    let local = match connection.as_ref().map(|(c, o)| (c.as_str(), o)) {
        None => false,
        Some((c, o)) => match c.strip_prefix("ansible.builtin.").unwrap_or(c) {
            "ssh" | "smart" | "paramiko" | "paramiko_ssh" => {
                origins.insert("transport", o.clone());
                false
            }
            "local" => {
                origins.insert("transport", o.clone());
                true
            }
            "winrm" | "psrp" => {
                return Err(format!(
                    "ansible_connection={c} ({o}): ucsconf reaches Windows nodes over SSH, not WinRM. \
                     Enable Win32-OpenSSH on the node (Settings > Apps > Optional features > OpenSSH Server, \
                     then `Start-Service sshd; Set-Service sshd -StartupType Automatic`), and set \
                     ansible_connection=ssh and ansible_shell_type=powershell for it (its ansible_port \
                     must then be the SSH port, not WinRM's)"
                ));
            }
            other => {
                return Err(format!(
                    "ansible_connection={other} ({o}): ucsconf reaches nodes over SSH or on this machine \
                     (ssh or local)"
                ));
            }
        },
    };
    let root = match host.text(&["ucsconf_root"])? {
        Some((r, o)) => {
            origins.insert("root", o);
            r
        }
        None => WINDOWS_ROOT.to_string(),
    };
    let mut overrides = PathOverrides::default();
    for key in PathOverrides::keys() {
        if let Some((path, _)) = host.text(&[&format!("ucsconf_{key}_path")])? {
            overrides.set(key, path);
        }
    }
    let mut paths = Paths::default();
    overrides.apply(&mut paths);
    let cloud_token_url = host.text(&["ucsconf_cloud_token_url"])?.map(|(t, _)| t);
    let cloud_scope = host.text(&["ucsconf_cloud_scope"])?.map(|(t, _)| t);
    let groups = entry.groups.clone();
    if local {
        return Ok(NodeSpec {
            name: entry.name.clone(),
            host: None,
            port: None,
            user: None,
            identity_file: None,
            known_hosts: None,
            proxy_jump: None,
            root: resolve_root(true, root, base),
            paths,
            cloud_token_url,
            cloud_scope,
            groups,
            origins,
        });
    }
    refuse_password(&host)?;
    let (address, address_origin) = match host.text(&["ansible_host", "ansible_ssh_host"])? {
        Some(found) => found,
        None => (entry.name.clone(), Origin::bare(Kind::InventoryName)),
    };
    let ssh_args = host.text(&["ansible_ssh_args"])?;
    let common = host.text(&["ansible_ssh_common_args"])?;
    let extra = host.text(&["ansible_ssh_extra_args"])?;
    let before = options(ssh_args.as_ref())?;
    let after: Vec<SshOption> = [common.as_ref(), extra.as_ref()]
        .into_iter()
        .map(options)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    let first = |opts: &[SshOption], key: &str| opts.iter().find(|o| o.key == key).cloned();
    // ssh_args, then Ansible's own -o Port/IdentityFile/User, then the rest.
    let pick = |key: &str, vars: &[&str]| -> Result<Option<(String, Origin)>, String> {
        if let Some(o) = first(&before, key) {
            return Ok(Some((o.value, o.origin)));
        }
        if !vars.is_empty()
            && let Some(found) = host.text(vars)?
        {
            return Ok(Some(found));
        }
        Ok(first(&after, key).map(|o| (o.value, o.origin)))
    };
    let port = match pick("port", &["ansible_port", "ansible_ssh_port"])? {
        None => None,
        Some((p, o)) => {
            let n = port_number(&p).ok_or_else(|| {
                format!(
                    "{} {p:?} is not a port number ({o})",
                    o.name.as_deref().unwrap_or("port")
                )
            })?;
            origins.insert("port", o);
            Some(n)
        }
    };
    let user = pick("user", &["ansible_user", "ansible_ssh_user"])?.map(|(u, o)| {
        origins.insert("user", o);
        u
    });
    let identity_file = pick(
        "identityfile",
        &["ansible_private_key_file", "ansible_ssh_private_key_file"],
    )?
    .map(|(k, o)| {
        origins.insert("identity_file", o);
        k
    });
    let address = match pick("hostname", &[])? {
        Some((h, o)) => {
            origins.insert("host", o);
            h
        }
        None => {
            origins.insert("host", address_origin);
            address
        }
    };
    let known_hosts = match host.text(&["ucsconf_known_hosts"])? {
        Some((k, o)) => Some((k, o)),
        None => pick("userknownhostsfile", &[])?
            // /dev/null would mean trusting nothing, or everything: ignored.
            .filter(|(k, _)| k != "/dev/null"),
    }
    .map(|(k, o)| {
        origins.insert("known_hosts", o);
        k
    });
    let proxy_jump = match pick("proxyjump", &[])? {
        Some((j, o)) => {
            parse_proxy_jump(&j).map_err(|e| format!("{e} ({o})"))?;
            origins.insert("proxy_jump", o);
            Some(j)
        }
        None => None,
    };
    if let Some(o) = first(&before, "proxycommand").or_else(|| first(&after, "proxycommand"))
        && !o.value.eq_ignore_ascii_case("none")
    {
        return Err(format!(
            "a ProxyCommand in the ssh arguments ({}): ucsconf cannot run commands to reach a node; \
             write the bastion as -o ProxyJump=user@bastion (or -J user@bastion) instead",
            o.origin
        ));
    }
    Ok(NodeSpec {
        name: entry.name.clone(),
        host: Some(address),
        port,
        user,
        identity_file,
        known_hosts,
        proxy_jump,
        root: resolve_root(false, root, base),
        paths,
        cloud_token_url,
        cloud_scope,
        groups,
        origins,
    })
}

/// ucsconf logs in with keys (the agent or a key file), never a password:
/// a host whose inventory gives one is refused, unless the admin says the
/// password may be ignored (`ucsconf_ignore_password=true`).
fn refuse_password(host: &Host) -> Result<(), String> {
    let names = [
        "ansible_password",
        "ansible_ssh_pass",
        "ansible_ssh_password",
    ];
    let Some((name, var)) = names.iter().rev().find_map(|n| {
        host.raw(n)
            .filter(|v| v.value != Value::Null)
            .map(|v| (*n, v))
    }) else {
        return Ok(());
    };
    let ignore = host
        .raw("ucsconf_ignore_password")
        .map(|v| match &v.value {
            Value::Bool(b) => *b,
            Value::Str(s) => matches!(s.to_ascii_lowercase().as_str(), "true" | "yes" | "1" | "on"),
            Value::Int(i) => *i != 0,
            _ => false,
        })
        .unwrap_or(false);
    if ignore {
        return Ok(());
    }
    Err(format!(
        "{name} is set ({}): ucsconf logs in with SSH keys only (the ssh-agent or a key file), so it \
         cannot use that password. Put the node's key in the agent or set ansible_ssh_private_key_file, \
         and set ucsconf_ignore_password=true for this host",
        var.origin
    ))
}

/// Ansible's `int` for a port: a whole number, `"2222"`, or `22.0`.
fn port_number(text: &str) -> Option<u16> {
    let t = text.trim();
    if let Ok(p) = t.parse::<u16>() {
        return Some(p);
    }
    let f: f64 = t.parse().ok()?;
    (f.fract() == 0.0 && (0.0..=65535.0).contains(&f)).then_some(f as u16)
}

/// One OpenSSH option from an ssh argument string, by its lowercase name.
#[derive(Debug, Clone)]
struct SshOption {
    key: String,
    value: String,
    origin: Origin,
}

/// OpenSSH's flags that take an argument.
const FLAGS_WITH_ARGUMENT: &str = "BbcDEeFIiJLlmOopQRSWw";

/// The options an argument string gives, in order (`-o Key=Value`,
/// `-oKey Value`, `-J`, `-p`, `-l`, `-i`); `-F` is refused.
fn options(args: Option<&(String, Origin)>) -> Result<Vec<SshOption>, String> {
    let Some((text, origin)) = args else {
        return Ok(Vec::new());
    };
    let words =
        shlex::split(text, false).map_err(|e| format!("{e} in the ssh arguments ({origin})"))?;
    let mut out = Vec::new();
    let mut words = words
        .into_iter()
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty());
    let mut push = |key: &str, value: String| {
        out.push(SshOption {
            key: key.to_string(),
            value,
            origin: origin.clone(),
        })
    };
    while let Some(word) = words.next() {
        let Some(flags) = word.strip_prefix('-') else {
            continue;
        };
        for (i, flag) in flags.char_indices() {
            if !FLAGS_WITH_ARGUMENT.contains(flag) {
                continue;
            }
            let attached = &flags[i + flag.len_utf8()..];
            let value = if attached.is_empty() {
                words.next().unwrap_or_default()
            } else {
                attached.to_string()
            };
            match flag {
                'o' => {
                    let (key, value) = match value.split_once('=') {
                        Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
                        None => match value.trim().split_once(char::is_whitespace) {
                            Some((k, v)) => (k.to_string(), v.trim().to_string()),
                            None => (value.clone(), String::new()),
                        },
                    };
                    let value = value.trim_matches('"').to_string();
                    push(&key.to_ascii_lowercase(), value);
                }
                'J' => push("proxyjump", value),
                'p' => push("port", value),
                'l' => push("user", value),
                'i' => push("identityfile", value),
                'F' => {
                    return Err(format!(
                        "-F {value} in the ssh arguments ({origin}): ucsconf reads ~/.ssh/config only"
                    ));
                }
                _ => {}
            }
            break;
        }
    }
    Ok(out)
}
