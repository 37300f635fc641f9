//! The Ansible inventory corpus (`tests/corpus/ansible/*/`): each case is an
//! inventory (a file, or a directory, with `group_vars/` and `host_vars/`
//! where it has them) and `expected.json`, the resolution checked in: every
//! node's transport, host, port, user, key, known_hosts, ProxyJump, root and
//! groups, or the error (file line and problem) for an inventory that is
//! refused.
//!
//! Three readers are held to it: the built-in reader; `ansible-inventory`
//! (ansible-core), compared with the built-in reader on every case, down to
//! each host's groups and variables; and `ucsconf inventory --json`.
//! `ansible-inventory` is found as `$UCSCONF_ANSIBLE_INVENTORY`, else on
//! PATH; without it that test fails, naming what to install, unless
//! `UCSCONF_SKIP_ANSIBLE_TESTS=1`. `UCSCONF_BLESS=1` rewrites the expected
//! nodes from the built-in reader (review the diff before committing it).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use ucsconf::inventory::ansible::{self, Reader, external};
use ucsconf::inventory::{Inventory, NodeSpec};

struct Case {
    name: String,
    dir: PathBuf,
    source: PathBuf,
    expected: Value,
}

impl Case {
    fn expected_file(&self) -> PathBuf {
        self.dir.join("expected.json")
    }

    /// `rejects`, `accepts` (Ansible reads it, ucsconf refuses the host) or `skip`.
    fn ansible(&self) -> &str {
        self.expected["ansible"].as_str().unwrap_or("reads")
    }

    fn error(&self) -> Option<Vec<&str>> {
        self.expected["error"]
            .as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap()).collect())
    }
}

fn corpus() -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/ansible");
    let mut cases: Vec<Case> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|dir| {
            let expected: Value =
                serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                    .unwrap();
            let source = dir.join(expected["source"].as_str().unwrap());
            Case {
                name: dir.file_name().unwrap().to_string_lossy().into_owned(),
                dir,
                source,
                expected,
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

/// A node as `expected.json` records it: what the inventory says (null:
/// left to `~/.ssh/config` or the default); a local root relative to the case.
fn spec_json(case: &Case, spec: &NodeSpec) -> Value {
    let root = match &spec.host {
        None => Path::new(&spec.root)
            .strip_prefix(&case.dir)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| spec.root.clone()),
        Some(_) => spec.root.clone(),
    };
    json!({
        "node": spec.name,
        "transport": if spec.host.is_some() { "ssh" } else { "local" },
        "host": spec.host,
        "port": spec.port,
        "user": spec.user,
        "identity_file": spec.identity_file,
        "known_hosts": spec.known_hosts,
        "proxy_jump": spec.proxy_jump,
        "root": root,
        "groups": spec.groups,
        "log_path": spec.paths.log,
    })
}

fn check_error(case: &Case, err: &str, who: &str) {
    for needle in case.error().unwrap() {
        assert!(
            err.contains(needle),
            "{}: {who}'s error lacks {needle:?}: {err}",
            case.name
        );
    }
}

#[test]
fn the_corpus_covers_what_it_must() {
    let cases = corpus();
    let valid = cases.iter().filter(|c| c.error().is_none()).count();
    let invalid = cases.len() - valid;
    assert!(valid >= 25, "{valid} valid inventories");
    assert!(invalid >= 15, "{invalid} invalid inventories");
    let kinds = |ext: &str| {
        cases
            .iter()
            .filter(|c| c.source.to_string_lossy().ends_with(ext))
            .count()
    };
    assert!(kinds(".yml") + kinds(".yaml") >= 5, "YAML inventories");
    assert!(
        cases.iter().any(|c| c.source.is_dir()),
        "an inventory directory"
    );
    assert!(
        cases.iter().any(|c| c.dir.join("group_vars").is_dir()),
        "group_vars beside a file"
    );
}

#[test]
fn the_builtin_reader_resolves_the_corpus_as_expected() {
    let bless = std::env::var_os("UCSCONF_BLESS").is_some();
    for case in corpus() {
        let result = Inventory::load_with(&case.source, Reader::Builtin);
        match (case.error(), result) {
            (Some(_), Ok(inv)) => panic!("{}: accepted, with {} nodes", case.name, inv.nodes.len()),
            (Some(_), Err(e)) => {
                assert_eq!(e.class().exit_code(), 2, "{}: {e}", case.name);
                check_error(&case, &e.to_string(), "the built-in reader");
                assert!(
                    e.to_string().contains(&case.source.display().to_string()),
                    "{}: the error names the file: {e}",
                    case.name
                );
            }
            (None, Err(e)) => panic!("{}: refused: {e}", case.name),
            (None, Ok(inv)) => {
                let nodes: Vec<Value> = inv.nodes.iter().map(|n| spec_json(&case, n)).collect();
                if bless {
                    let mut doc = case.expected.clone();
                    doc["nodes"] = Value::Array(nodes);
                    let text = serde_json::to_string_pretty(&doc).unwrap() + "\n";
                    std::fs::write(case.expected_file(), text).unwrap();
                    continue;
                }
                assert_eq!(Value::Array(nodes), case.expected["nodes"], "{}", case.name);
            }
        }
    }
}

/// `ansible-inventory`, or why the comparison cannot run.
fn ansible_program() -> Option<PathBuf> {
    if std::env::var_os("UCSCONF_SKIP_ANSIBLE_TESTS").is_some_and(|v| v == "1") {
        eprintln!("SKIPPED: the comparison with ansible-inventory (UCSCONF_SKIP_ANSIBLE_TESTS=1)");
        return None;
    }
    match external::find() {
        Some(p) => Some(p),
        None => panic!(
            "ansible-inventory is not installed: install ansible-core (`python3 -m venv /tmp/ansible && \
             /tmp/ansible/bin/pip install ansible-core`, then UCSCONF_ANSIBLE_INVENTORY=/tmp/ansible/bin/ansible-inventory), \
             or set UCSCONF_SKIP_ANSIBLE_TESTS=1 to skip this test"
        ),
    }
}

/// Each host's groups and variables as JSON, for comparing two readers.
fn hosts_json(hosts: &[ansible::HostEntry]) -> Value {
    let mut map = serde_json::Map::new();
    for h in hosts {
        let vars: serde_json::Map<String, Value> = h
            .vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.value.to_json()))
            .collect();
        map.insert(h.name.clone(), json!({ "groups": h.groups, "vars": vars }));
    }
    Value::Object(map)
}

#[test]
fn ansible_reads_the_corpus_as_the_builtin_reader_does() {
    let Some(program) = ansible_program() else {
        return;
    };
    let mut disagreements = Vec::new();
    for case in corpus() {
        if case.ansible() == "skip" {
            continue;
        }
        let theirs = external::read(&program, &case.source);
        let ours = ansible::read_builtin(&case.source, &mut Vec::new());
        match (case.ansible(), &theirs, &ours) {
            ("rejects", Err(_), Err(_)) => {}
            ("rejects", Ok(_), _) => {
                disagreements.push(format!("{}: Ansible accepted it", case.name))
            }
            ("rejects", _, Ok(_)) => {
                disagreements.push(format!("{}: the built-in reader accepted it", case.name))
            }
            (_, Ok(t), Ok(o)) => {
                let (t, o) = (hosts_json(t), hosts_json(o));
                if t != o {
                    disagreements.push(format!(
                        "{}:\n  ansible-inventory: {t}\n  built-in:          {o}",
                        case.name
                    ));
                }
            }
            (_, t, o) => disagreements.push(format!(
                "{}: ansible-inventory {:?}, built-in {:?}",
                case.name,
                t.as_ref().err(),
                o.as_ref().err().map(|e| e.to_string())
            )),
        }
        // The nodes made from Ansible's answer are the expected ones too.
        if case.ansible() == "rejects" {
            continue;
        }
        match (
            Inventory::load_with(&case.source, Reader::Ansible),
            case.error(),
        ) {
            (Ok(inv), None) => {
                let nodes: Vec<Value> = inv.nodes.iter().map(|n| spec_json(&case, n)).collect();
                let mut nodes = nodes;
                let mut want = case.expected["nodes"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let key = |v: &Value| v["node"].as_str().unwrap_or("").to_string();
                nodes.sort_by_key(key);
                want.sort_by_key(key);
                if nodes != want {
                    disagreements.push(format!(
                        "{}: nodes from Ansible's answer differ:\n  {}\n  {}",
                        case.name,
                        Value::Array(nodes),
                        Value::Array(want)
                    ));
                }
            }
            (Err(e), Some(_)) => check_error(&case, &e.to_string(), "the Ansible reader"),
            (Ok(_), Some(_)) => {
                disagreements.push(format!("{}: accepted through Ansible", case.name))
            }
            (Err(e), None) => {
                disagreements.push(format!("{}: refused through Ansible: {e}", case.name))
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
fn ucsconf_inventory_json_gives_the_expected_resolution() {
    let home = tempfile::tempdir().unwrap();
    for case in corpus() {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ucsconf"))
            .env_remove("UCSCONF_CONFIG")
            .env("UCSCONF_LOG", "off")
            .env("HOME", home.path())
            .env("USERPROFILE", home.path())
            .env("USER", "corpus-user")
            // The built-in reader: the expected errors name its lines (the
            // Ansible reader is held to the same nodes in the test above).
            .args(["--inventory-reader", "builtin", "--config"])
            .arg(&case.source)
            .args(["inventory", "--json"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if case.error().is_some() {
            assert_eq!(out.status.code(), Some(2), "{}: {stderr}", case.name);
            check_error(&case, &stderr, "ucsconf inventory");
            continue;
        }
        assert!(out.status.success(), "{}: {stderr}", case.name);
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let got = doc["nodes"].as_array().unwrap();
        let want = case.expected["nodes"].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{}", case.name);
        let expand = |v: &Value| {
            v.as_str().map(|s| match s.strip_prefix("~/") {
                Some(rest) => home.path().join(rest).display().to_string(),
                None => s.to_string(),
            })
        };
        for w in want {
            let name = w["node"].as_str().unwrap();
            let g = got
                .iter()
                .find(|g| g["node"] == name)
                .unwrap_or_else(|| panic!("{}: no {name}", case.name));
            let at = format!("{} {name}", case.name);
            assert_eq!(g["transport"], w["transport"], "{at}");
            assert_eq!(g["groups"], w["groups"], "{at}");
            if w["transport"] == "local" {
                let root = Path::new(g["root"].as_str().unwrap());
                assert!(
                    root.ends_with(w["root"].as_str().unwrap()),
                    "{at}: {root:?}"
                );
                continue;
            }
            assert_eq!(g["root"], w["root"], "{at}");
            assert_eq!(g["host"], w["host"], "{at}");
            assert_eq!(
                g["port"],
                if w["port"].is_null() {
                    json!(22)
                } else {
                    w["port"].clone()
                },
                "{at}"
            );
            let user = if w["user"].is_null() {
                json!("corpus-user")
            } else {
                w["user"].clone()
            };
            assert_eq!(g["user"], user, "{at}");
            assert_eq!(
                g["identity_file"].as_str().map(str::to_string),
                expand(&w["identity_file"]),
                "{at}"
            );
            let known = expand(&w["known_hosts"])
                .unwrap_or_else(|| home.path().join(".ssh/known_hosts").display().to_string());
            assert_eq!(g["known_hosts"][0].as_str(), Some(known.as_str()), "{at}");
            assert_eq!(g["proxy_jump"], w["proxy_jump"], "{at}");
            for (field, value) in [
                ("port", &w["port"]),
                ("user", &w["user"]),
                ("identity_file", &w["identity_file"]),
            ] {
                let kind = g["from"][field]["kind"].as_str().unwrap_or("");
                assert_eq!(
                    value.is_null(),
                    kind == "default",
                    "{at}: {field} from {kind}"
                );
            }
        }
    }
}
