//! The part of OpenSSH's client configuration (`~/.ssh/config`) that decides
//! where a node is: HostName, Port, User, IdentityFile, UserKnownHostsFile,
//! ProxyJump and IdentityAgent, found through `Host` blocks (and `Match host`,
//! `Match originalhost`, `Match all`), with `Include`. As in OpenSSH the first
//! value found wins, except IdentityFile, whose values add up.

use std::path::{Path, PathBuf};

/// What the configuration says about one host. Values are as written; the
/// caller expands tokens with [`expand`] once user and port are known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostConfig {
    pub host_name: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub identity_files: Vec<String>,
    pub known_hosts_files: Vec<String>,
    pub proxy_jump: Option<String>,
    pub identity_agent: Option<String>,
    /// Where each value was taken from: keyword (lowercase) → file and line
    /// (the first line for IdentityFile).
    pub origins: std::collections::BTreeMap<String, (String, usize)>,
}

/// How deep `Include` may nest (OpenSSH stops at 16 too).
const MAX_INCLUDE_DEPTH: usize = 16;

impl HostConfig {
    /// The configuration for `host` in `file`; a missing file is an empty configuration.
    pub fn load(file: &Path, host: &str) -> std::io::Result<HostConfig> {
        let mut config = HostConfig::default();
        let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut includes = |pattern: &str| include_files(&base, pattern);
        let label = file.display().to_string();
        match std::fs::read_to_string(file) {
            Ok(text) => config.apply(&text, &label, host, &mut includes, 0),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        Ok(config)
    }

    /// The configuration for `host` in `text`; `include` lists the files
    /// (name and text) an `Include` argument names.
    pub fn parse(
        text: &str,
        host: &str,
        include: &mut dyn FnMut(&str) -> Vec<(String, String)>,
    ) -> Self {
        let mut config = HostConfig::default();
        config.apply(text, "config", host, include, 0);
        config
    }

    fn apply(
        &mut self,
        text: &str,
        label: &str,
        host: &str,
        include: &mut dyn FnMut(&str) -> Vec<(String, String)>,
        depth: usize,
    ) {
        let host = host.to_ascii_lowercase();
        // Lines before the first Host/Match apply to every host.
        let mut active = true;
        for (n, line) in text.lines().enumerate() {
            let Some((keyword, args)) = split_line(line) else {
                continue;
            };
            match keyword.as_str() {
                "host" => active = host_matches(&host, &args),
                "match" => active = match_matches(&host, &args),
                "include" if active && depth < MAX_INCLUDE_DEPTH => {
                    for arg in &args {
                        for (name, included) in include(arg) {
                            self.apply(&included, &name, &host, include, depth + 1);
                        }
                    }
                }
                _ if active && self.set(&keyword, args) => {
                    self.origins
                        .entry(keyword.clone())
                        .or_insert_with(|| (label.to_string(), n + 1));
                }
                _ => {}
            }
        }
    }

    /// Takes a keyword's value; whether it was taken (the first one wins).
    fn set(&mut self, keyword: &str, mut args: Vec<String>) -> bool {
        if args.is_empty() {
            return false;
        }
        let first = args[0].clone();
        fn first_wins(slot: &mut Option<String>, value: String) -> bool {
            let taken = slot.is_none();
            slot.get_or_insert(value);
            taken
        }
        match keyword {
            "hostname" => first_wins(&mut self.host_name, first),
            "port" if self.port.is_none() => {
                self.port = first.parse().ok();
                self.port.is_some()
            }
            "user" => first_wins(&mut self.user, first),
            "identityfile" => {
                self.identity_files.push(first);
                true
            }
            "userknownhostsfile" if self.known_hosts_files.is_empty() => {
                self.known_hosts_files.append(&mut args);
                true
            }
            "proxyjump" => first_wins(&mut self.proxy_jump, first),
            "identityagent" => first_wins(&mut self.identity_agent, first),
            _ => false,
        }
    }
}

/// The keyword (lowercase) and arguments of a configuration line; `None`
/// for blank lines and comments. `Keyword value`, `Keyword=value` and
/// double-quoted arguments are understood.
fn split_line(line: &str) -> Option<(String, Vec<String>)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let keyword = line[..end].to_ascii_lowercase();
    let rest = line[end..].trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest);
    Some((keyword, split_args(rest)))
}

fn split_args(text: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut started) = (false, false);
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    args.push(std::mem::take(&mut current));
                    started = false;
                }
            }
            c => {
                current.push(c);
                started = true;
            }
        }
    }
    if started {
        args.push(current);
    }
    args
}

/// A `Host` line matches when a pattern matches and no negated one does.
fn host_matches(host: &str, patterns: &[String]) -> bool {
    let mut matched = false;
    for p in patterns {
        let p = p.to_ascii_lowercase();
        if let Some(negated) = p.strip_prefix('!') {
            if pattern_list_matches(host, negated) {
                return false;
            }
        } else if pattern_list_matches(host, &p) {
            matched = true;
        }
    }
    matched
}

/// `Match` with criteria this parser can judge: `all`, `host`, `originalhost`
/// (no canonicalisation, so both are the name given). Any other criterion
/// (`exec`, `user`...) makes the block not apply rather than guessing.
fn match_matches(host: &str, args: &[String]) -> bool {
    let mut i = 0;
    let mut all = true;
    while i < args.len() {
        let criterion = args[i].to_ascii_lowercase();
        let (negate, criterion) = match criterion.strip_prefix('!') {
            Some(c) => (true, c.to_string()),
            None => (false, criterion),
        };
        let result = match criterion.as_str() {
            "all" => true,
            "host" | "originalhost" => {
                i += 1;
                let Some(list) = args.get(i) else {
                    return false;
                };
                pattern_list_matches(host, &list.to_ascii_lowercase())
            }
            _ => return false,
        };
        all &= result != negate;
        i += 1;
    }
    all
}

/// A comma-separated list of patterns (OpenSSH's `match_pattern_list`).
fn pattern_list_matches(host: &str, list: &str) -> bool {
    let mut matched = false;
    for p in list.split(',') {
        if let Some(negated) = p.strip_prefix('!') {
            if glob(negated, host) {
                return false;
            }
        } else if glob(p, host) {
            matched = true;
        }
    }
    matched
}

/// `*` and `?` wildcards, nothing else.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// The files an `Include` argument names (name and text): relative to the
/// configuration's folder, `~` expanded, `*`/`?` in the file name.
fn include_files(base: &Path, pattern: &str) -> Vec<(String, String)> {
    let path = expand_home(pattern);
    let path = if Path::new(&path).is_absolute() {
        PathBuf::from(path)
    } else {
        base.join(path)
    };
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Vec::new();
    };
    let name = name.to_string_lossy();
    let mut files: Vec<PathBuf> = if name.contains(['*', '?']) {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .filter(|e| glob(&name, &e.file_name().to_string_lossy()))
                    .map(|e| e.path())
                    .collect()
            })
            .unwrap_or_default()
    } else {
        vec![path.clone()]
    };
    files.sort();
    files
        .iter()
        .filter_map(|f| Some((f.display().to_string(), std::fs::read_to_string(f).ok()?)))
        .collect()
}

fn expand_home(value: &str) -> String {
    match (value.strip_prefix('~'), dirs::home_dir()) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with(['/', '\\']) => {
            format!("{}{rest}", home.display())
        }
        _ => value.to_string(),
    }
}

/// What `%` tokens stand for in a value.
#[derive(Debug, Clone, Default)]
pub struct Tokens<'a> {
    /// `%h`: the remote host name.
    pub host: &'a str,
    /// `%n`: the host as given (the alias).
    pub alias: &'a str,
    /// `%p`
    pub port: u16,
    /// `%r`
    pub remote_user: &'a str,
    /// `%u`
    pub local_user: &'a str,
}

/// Expands a leading `~` and the tokens `%%`, `%h`, `%n`, `%p`, `%r`, `%u`
/// and `%d` (home folder); an unknown token is kept as written.
pub fn expand(value: &str, tokens: &Tokens) -> String {
    let home = dirs::home_dir()
        .map(|h| h.display().to_string())
        .unwrap_or_default();
    let value = expand_home(value);
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('h') => out.push_str(tokens.host),
            Some('n') => out.push_str(tokens.alias),
            Some('p') => out.push_str(&tokens.port.to_string()),
            Some('r') => out.push_str(tokens.remote_user),
            Some('u') => out.push_str(tokens.local_user),
            Some('d') => out.push_str(&home),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// One hop of a `ProxyJump` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JumpHost {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

/// Parses `ProxyJump` (`[user@]host[:port]` or `ssh://[user@]host[:port]`,
/// comma-separated, in the order they are passed through; `none`: no jump).
pub fn parse_proxy_jump(value: &str) -> Result<Vec<JumpHost>, String> {
    if value.eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    value.split(',').map(parse_jump_host).collect()
}

fn parse_jump_host(item: &str) -> Result<JumpHost, String> {
    let bad = || format!("bad ProxyJump entry {item:?}");
    let text = item.trim();
    let text = text.strip_prefix("ssh://").unwrap_or(text);
    let (user, rest) = match text.rsplit_once('@') {
        Some((u, r)) => (Some(u.to_string()), r),
        None => (None, text),
    };
    let (host, port) = if let Some(bracketed) = rest.strip_prefix('[') {
        let (h, after) = bracketed.split_once(']').ok_or_else(bad)?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().map_err(|_| bad())?),
            None if after.is_empty() => None,
            None => return Err(bad()),
        };
        (h.to_string(), port)
    } else {
        match rest.split_once(':') {
            Some((h, p)) => (h.to_string(), Some(p.parse().map_err(|_| bad())?)),
            None => (rest.to_string(), None),
        }
    };
    if host.is_empty() || user.as_deref() == Some("") {
        return Err(bad());
    }
    Ok(JumpHost { user, host, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Vec<(String, String)> {
        Vec::new()
    }

    const CONFIG: &str = r#"
# global comment
User fallback

Host ucs-a ucs-b
    HostName 10.0.0.%h
    Port 2222
    IdentityFile ~/.ssh/ucs_key
    ProxyJump admin@bastion:2200

Host ucs-* !ucs-secret
    Port 2022
    IdentityFile=/keys/second
    UserKnownHostsFile "/keys/known hosts" /keys/other

Host *
    User everyone
    IdentityFile /keys/last
    IdentityAgent none
"#;

    #[test]
    fn first_value_wins_and_identity_files_add_up() {
        let c = HostConfig::parse(CONFIG, "UCS-A", &mut none);
        assert_eq!(c.host_name.as_deref(), Some("10.0.0.%h"));
        assert_eq!(c.port, Some(2222));
        assert_eq!(c.user.as_deref(), Some("fallback"));
        assert_eq!(
            c.identity_files,
            ["~/.ssh/ucs_key", "/keys/second", "/keys/last"]
        );
        assert_eq!(c.known_hosts_files, ["/keys/known hosts", "/keys/other"]);
        assert_eq!(c.proxy_jump.as_deref(), Some("admin@bastion:2200"));
        assert_eq!(c.identity_agent.as_deref(), Some("none"));
        assert_eq!(c.origins["user"], ("config".to_string(), 3));
        assert_eq!(c.origins["port"], ("config".to_string(), 7));
    }

    #[test]
    fn negated_patterns_exclude_a_host() {
        let c = HostConfig::parse(CONFIG, "ucs-secret", &mut none);
        assert_eq!(c.port, None);
        assert_eq!(c.identity_files, ["/keys/last"]);
        let other = HostConfig::parse(CONFIG, "ucs-c", &mut none);
        assert_eq!(other.port, Some(2022));
        assert_eq!(other.host_name, None);
    }

    #[test]
    fn match_blocks_apply_only_when_they_can_be_judged() {
        let text = "Match host ucs-?\n  Port 1\nMatch exec true\n  User x\nMatch all\n  User y\n";
        let c = HostConfig::parse(text, "ucs-1", &mut none);
        assert_eq!((c.port, c.user.as_deref()), (Some(1), Some("y")));
        let c = HostConfig::parse(text, "ucs-10", &mut none);
        assert_eq!(c.port, None);
    }

    #[test]
    fn includes_are_read_in_place() {
        let mut include = |arg: &str| {
            assert_eq!(arg, "conf.d/*");
            vec![("inc".to_string(), "Host ucs-a\n  Port 7\n".to_string())]
        };
        let c = HostConfig::parse("Include conf.d/*\nHost *\n Port 8\n", "ucs-a", &mut include);
        assert_eq!(c.port, Some(7));
        assert_eq!(c.origins["port"], ("inc".to_string(), 2));
    }

    #[test]
    fn includes_and_missing_files_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("conf.d")).unwrap();
        std::fs::write(
            dir.path().join("conf.d/a.conf"),
            "Host x\n HostName real-x\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("config"), "Include conf.d/*.conf\n").unwrap();
        let c = HostConfig::load(&dir.path().join("config"), "x").unwrap();
        assert_eq!(c.host_name.as_deref(), Some("real-x"));
        let missing = HostConfig::load(&dir.path().join("nope"), "x").unwrap();
        assert_eq!(missing, HostConfig::default());
    }

    #[test]
    fn globs() {
        assert!(glob("ucs-*", "ucs-a"));
        assert!(glob("*", ""));
        assert!(glob("u?s*b", "ucs-ab"));
        assert!(!glob("ucs-?", "ucs-10"));
        assert!(!glob("a*c", "abd"));
    }

    #[test]
    fn tokens_expand() {
        let t = Tokens {
            host: "10.0.0.5",
            alias: "ucs-a",
            port: 22,
            remote_user: "admin",
            local_user: "me",
        };
        assert_eq!(
            expand("%n-%h:%p %r@%u 100%%", &t),
            "ucs-a-10.0.0.5:22 admin@me 100%"
        );
        assert_eq!(expand("%x", &t), "%x");
    }

    #[test]
    fn proxy_jumps_parse() {
        let jumps = parse_proxy_jump("admin@bastion:2200,ssh://[::1]:22,plain").unwrap();
        assert_eq!(
            jumps,
            [
                JumpHost {
                    user: Some("admin".into()),
                    host: "bastion".into(),
                    port: Some(2200)
                },
                JumpHost {
                    user: None,
                    host: "::1".into(),
                    port: Some(22)
                },
                JumpHost {
                    user: None,
                    host: "plain".into(),
                    port: None
                },
            ]
        );
        assert_eq!(parse_proxy_jump("none").unwrap(), []);
        assert!(parse_proxy_jump("host:port").is_err());
        assert!(parse_proxy_jump("@host").is_err());
    }
}
