//! Ansible's INI inventory reader (`plugins/inventory/ini.py`), rule for
//! rule: sections `[group]`, `[group:vars]`, `[group:children]` (a trailing
//! `# comment` allowed); hosts before any section are `ungrouped`; host
//! lines split like Python's `shlex` and every value read like Python's
//! `ast.literal_eval`; `[group:vars]` values are the whole rest of the line
//! (so `user=admin # note` is the text `admin # note`, as in Ansible);
//! `[x:vars]` or a child that names a group never declared is an error.

use std::sync::LazyLock;

use regex::Regex;

use super::data::{Data, UNGROUPED, Var};
use super::pyliteral::parse_value;
use super::{ParseError, ranges, shlex};
use crate::provenance::{Kind, Origin};

#[derive(Clone, Copy, PartialEq)]
enum State {
    Hosts,
    Vars,
    Children,
}

struct Pending {
    line: usize,
    state: State,
    parents: Vec<String>,
}

/// Python's `str.splitlines()`.
pub fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let is_break = matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if is_break {
            lines.push(&text[start..i]);
            let mut end = i + c.len_utf8();
            if c == '\r' && chars.peek().map(|(_, n)| *n) == Some('\n') {
                chars.next();
                end += 1;
            }
            start = end;
        }
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// Python's `str.strip()`.
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c))
}

/// The file's text as Ansible decodes it: UTF-8, except that comment lines
/// may hold other bytes (they become empty).
pub fn decode(bytes: &[u8], file: &str) -> Result<String, ParseError> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let mut out = String::new();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match std::str::from_utf8(line) {
            Ok(l) => out.push_str(l),
            Err(_) if matches!(line.first(), Some(b'#' | b';')) => {}
            Err(_) => {
                return Err(ParseError::at(file, i + 1, "the line is not valid UTF-8"));
            }
        }
    }
    Ok(out)
}

/// Reads one INI inventory into `data`.
pub fn parse(data: &mut Data, text: &str, file: &str) -> Result<(), ParseError> {
    static SECTION: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$").unwrap());
    static GROUP_NAME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^([^:\]\s]+)\s*(?:#.*)?$").unwrap());
    let mut pending: Vec<(String, Pending)> = Vec::new();
    let mut group = UNGROUPED.to_string();
    let mut state = State::Hosts;
    for (i, raw) in split_lines(text).into_iter().enumerate() {
        let n = i + 1;
        let at = |msg: String| ParseError::at(file, n, msg);
        let origin = Origin::at(Kind::Inventory, file, Some(n));
        let line = py_strip(raw);
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(m) = SECTION.captures(line) {
            group = m[1].to_string();
            state = match m.get(2).map(|t| t.as_str()) {
                None | Some("hosts") => State::Hosts,
                Some("vars") => State::Vars,
                Some("children") => State::Children,
                Some(other) => {
                    return Err(at(format!(
                        "Section [{group}:{other}] has unknown type: {other}"
                    )));
                }
            };
            if data.group(&group).is_none() {
                // [x:vars] alone does not declare x: it must be declared somewhere.
                if state == State::Vars && !pending.iter().any(|(g, _)| *g == group) {
                    pending.push((
                        group.clone(),
                        Pending {
                            line: n,
                            state,
                            parents: Vec::new(),
                        },
                    ));
                }
                data.add_group(&group).map_err(at)?;
            }
            if state != State::Vars
                && let Some(pos) = pending.iter().position(|(g, _)| *g == group)
            {
                match pending[pos].1.state {
                    State::Children => {
                        add_pending_children(data, &group, &mut pending, &origin).map_err(at)?
                    }
                    _ => {
                        pending.remove(pos);
                    }
                }
            }
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            return Err(at(format!(
                "Invalid section entry: '{line}'. Please make sure that there are no spaces in \
                 the section entry, and that there are no other invalid characters"
            )));
        }
        let g = data.group(&group).expect("the current group exists");
        match state {
            State::Hosts => host_line(data, g, line, &origin).map_err(at)?,
            State::Vars => {
                let (key, value) = line
                    .split_once('=')
                    .ok_or_else(|| at(format!("Expected key=value, got: {line}")))?;
                let (key, value) = (py_strip(key), py_strip(value));
                let var = Var {
                    value: parse_value(value),
                    origin: origin.clone().named(key),
                };
                data.set_group_var(g, key, var).map_err(at)?;
            }
            State::Children => {
                let child = GROUP_NAME
                    .captures(line)
                    .map(|m| m[1].to_string())
                    .ok_or_else(|| at(format!("Expected group name, got: {line}")))?;
                if data.group(&child).is_none() {
                    match pending.iter_mut().find(|(g, _)| *g == child) {
                        Some((_, p)) => p.parents.push(group.clone()),
                        None => pending.push((
                            child,
                            Pending {
                                line: n,
                                state,
                                parents: vec![group.clone()],
                            },
                        )),
                    }
                } else {
                    data.add_child(&group, &child, &origin).map_err(at)?;
                }
            }
        }
    }
    if let Some((name, p)) = pending.first() {
        let msg = match p.state {
            State::Vars => format!("Section [{name}:vars] not valid for undefined group '{name}'."),
            _ => format!(
                "Section [{}:children] includes undefined group '{name}'.",
                p.parents.last().map(String::as_str).unwrap_or("?")
            ),
        };
        return Err(ParseError::at(file, p.line, msg));
    }
    Ok(())
}

fn add_pending_children(
    data: &mut Data,
    group: &str,
    pending: &mut Vec<(String, Pending)>,
    origin: &Origin,
) -> Result<(), String> {
    let Some(pos) = pending.iter().position(|(g, _)| g == group) else {
        return Ok(());
    };
    let parents = pending[pos].1.parents.clone();
    for parent in parents {
        data.add_child(&parent, group, origin)?;
        let parent_pending = pending
            .iter()
            .any(|(g, p)| *g == parent && p.state == State::Children);
        if parent_pending {
            add_pending_children(data, &parent, pending, origin)?;
        }
    }
    if let Some(pos) = pending.iter().position(|(g, _)| g == group) {
        pending.remove(pos);
    }
    Ok(())
}

/// `pattern [key=value]...`
fn host_line(data: &mut Data, group: usize, line: &str, origin: &Origin) -> Result<(), String> {
    let tokens = shlex::split(line, true)
        .map_err(|e| format!("Error parsing host definition '{line}': {e}"))?;
    let pattern = tokens.first().cloned().unwrap_or_default();
    let (hosts, port) = expand_host_pattern(&pattern)?;
    let mut vars: Vec<(String, Var)> = Vec::new();
    for token in &tokens[1..] {
        let (key, value) = token
            .split_once('=')
            .ok_or_else(|| format!("Expected key=value host variable assignment, got: {token}"))?;
        let var = Var {
            value: parse_value(value),
            origin: origin.clone().named(key),
        };
        match vars.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = var,
            None => vars.push((key.to_string(), var)),
        }
    }
    for host in hosts {
        let h = data.add_host(&host, Some(group), port, origin)?;
        for (key, var) in &vars {
            data.set_host_var(h, key, var.clone());
        }
    }
    Ok(())
}

/// `_expand_hostpattern` with the INI reader's extra checks.
pub fn expand_host_pattern(pattern: &str) -> Result<(Vec<String>, Option<i128>), String> {
    let (name, port) = match ranges::parse_address(pattern) {
        Some((name, port)) => (name, port),
        None => (pattern.to_string(), None),
    };
    let hosts = ranges::expand(&name)?;
    if py_strip(pattern).ends_with(':') && port.is_none() {
        return Err(format!(
            "Invalid host pattern '{pattern}' supplied, ending in ':' is not allowed, this \
             character is reserved to provide a port."
        ));
    }
    if hosts.iter().any(|h| py_strip(h) == "---") {
        return Err(format!(
            "Invalid host pattern '{pattern}' supplied, '---' is normally a sign this is a YAML file."
        ));
    }
    Ok((hosts, port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::ansible::value::Value;

    fn read(text: &str) -> Result<Data, ParseError> {
        let mut data = Data::new();
        parse(&mut data, text, "hosts")?;
        data.reconcile();
        Ok(data)
    }

    fn var(data: &Data, host: &str, name: &str) -> Option<Value> {
        let h = data.host(host)?;
        data.hosts[h].vars.get(name).map(|v| v.value.clone())
    }

    #[test]
    fn values_comments_and_quotes_follow_ansible() {
        let data = read(
            "h0 x=1\n[web] # the web servers\n\
             h1:2222 u=\"Admin User\" k=C:\\Users\\a q='C:\\Users\\a' s=\"'03#pa'\" # note\n\
             [web:vars]\nansible_user=admin # not a comment here\np='x' # but here\n",
        )
        .unwrap();
        assert_eq!(var(&data, "h0", "x"), Some(Value::Int(1)));
        assert_eq!(var(&data, "h1", "ansible_port"), Some(Value::Int(2222)));
        assert_eq!(var(&data, "h1", "u"), Some(Value::Str("Admin User".into())));
        assert_eq!(var(&data, "h1", "k"), Some(Value::Str("C:Usersa".into())));
        assert_eq!(
            var(&data, "h1", "q"),
            Some(Value::Str("C:\\Users\\a".into()))
        );
        assert_eq!(var(&data, "h1", "s"), Some(Value::Str("03#pa".into())));
        let web = data.group("web").unwrap();
        let user = data.groups[web].vars.get("ansible_user").unwrap();
        assert_eq!(user.value, Value::Str("admin # not a comment here".into()));
        assert_eq!(user.origin.line, Some(5));
        let p = data.groups[web].vars.get("p").unwrap();
        assert_eq!(p.value, Value::Str("x".into()));
    }

    #[test]
    fn ungrouped_holds_hosts_in_no_other_group() {
        let data = read("a\nb\n[g]\nb\n[all]\nc\n").unwrap();
        let ungrouped = &data.groups[data.group(UNGROUPED).unwrap()];
        let names: Vec<&str> = ungrouped
            .hosts
            .iter()
            .map(|h| data.hosts[*h].name.as_str())
            .collect();
        assert_eq!(names, ["a", "c"]);
    }

    #[test]
    fn group_names_are_case_sensitive() {
        let data = read("[Web]\na\n[web]\nb\n").unwrap();
        assert_ne!(data.group("Web"), data.group("web"));
    }

    #[test]
    fn what_ansible_rejects_is_rejected_with_its_line() {
        let cases = [
            (
                "[x:vars]\na=1\n",
                1,
                "Section [x:vars] not valid for undefined group 'x'",
            ),
            (
                "[p:children]\nc\n",
                2,
                "Section [p:children] includes undefined group 'c'",
            ),
            ("[g]\nh[01:100]\n", 2, "equal-length"),
            ("[g]\nhost:\n", 2, "ending in ':' is not allowed"),
            ("[g:kids]\n", 1, "has unknown type: kids"),
            ("[g x]\n", 1, "Invalid section entry"),
            (
                "[g]\nh1 user\n",
                2,
                "Expected key=value host variable assignment",
            ),
            (
                "[g:vars]\nnovalue\n[g]\n",
                2,
                "Expected key=value, got: novalue",
            ),
            ("[g]\nh x='open\n", 2, "No closing quotation"),
            (
                "[a:children]\nb\n[b:children]\na\n",
                4,
                "recursive dependency loop",
            ),
            (
                "[g:vars]\nansible_group_priority=high\n[g]\n",
                2,
                "invalid literal for int()",
            ),
        ];
        for (text, line, needle) in cases {
            let err = read(text).unwrap_err();
            assert_eq!(err.line, Some(line), "{text:?}: {err}");
            assert!(err.message.contains(needle), "{text:?}: {err}");
        }
        assert!(read("[x:vars]\na=1\n[x]\n").is_ok(), "declared later");
        assert!(
            read("[p:children]\nc\n[c]\nh\n").is_ok(),
            "a child declared later"
        );
    }

    #[test]
    fn python_line_breaks() {
        assert_eq!(split_lines("a\r\nb\rc\nd"), ["a", "b", "c", "d"]);
        assert_eq!(split_lines("a\n"), ["a"]);
    }
}
