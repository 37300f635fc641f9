//! Text ucsconf does not control (a node's files and log, its folder's
//! names, an inventory, a server's errors) never reaches a terminal as
//! escape sequences: each string of a hostile corpus is put in each of
//! those places, and every command that prints the place runs once in a
//! pseudo-terminal, where nothing may arrive unescaped, and once through a
//! pipe, where `presence get` and `--json` must be exact.

#![cfg(unix)]

use crate::support;

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use support::pty::{ENTER, Options};
use ucsconf::text::{escape_untrusted, is_escaped};

/// The corpus: each string with a word of its own after the controls, so a
/// dropped control (the word shown without its escape) is caught too.
const CORPUS: [&str; 8] = [
    "\u{1b}]0;pwned\u{7}osc",
    "\u{1b}[31mcolour",
    "\u{1b}[2J\u{1b}[1;1Hcursor",
    "\u{9b}31mcsi",
    "\u{202e}fdp.exe",
    "nul\u{0}byte",
    "del\u{7f}byte",
    "ok\rFAKE",
];

fn escaped(text: &str) -> String {
    escape_untrusted(text).into_owned()
}

/// A string for a TOML basic string: every escaped character as `\uXXXX`.
fn toml(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' | '\\' => out.extend(['\\', c]),
            c if is_escaped(c) => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// What a terminal received that it must not have: an escaped character
/// (a pty turns `\n` into `\r\n`, so a CR is allowed before LF only, and
/// `cr_ok` allows it everywhere, for a progress bar that redraws its line).
fn unescaped(bytes: &[u8], cr_ok: bool) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        let allowed =
            c == '\n' || c == '\t' || (c == '\r' && (cr_ok || chars.get(i + 1) == Some(&'\n')));
        if is_escaped(c) && !allowed {
            let from = i.saturating_sub(20);
            let around: String = chars[from..(i + 20).min(chars.len())].iter().collect();
            found.push(format!("U+{:04X} in {around:?}", u32::from(c)));
        }
    }
    found
}

/// The suite roots of a cluster whose every untrusted place holds the
/// corpus: node `i` is named and rooted with string `i`, and its files and
/// log hold every string.
struct World {
    dir: tempfile::TempDir,
    inventory: PathBuf,
    roots: Vec<PathBuf>,
}

const PRESENCE: &str = "Apps/Presence/Settings/Presence.ini";

/// Node names cannot hold the corpus: the inventory refuses them (see
/// [`hostile_node_names_are_refused_and_the_refusal_is_escaped`]).
fn node_name(i: usize) -> String {
    format!("n{i}")
}

/// The section of string `h`'s key: a `]` would end the section's name.
fn section_of(h: &str) -> String {
    format!("S-{}", h.replace(']', ")"))
}

/// A file name cannot hold NUL: the rest of the string goes in.
fn in_a_name(h: &str) -> String {
    h.replace('\0', "")
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let mut inventory = String::from("# every name and root hostile\n");
        let mut roots = Vec::new();
        for (i, h) in CORPUS.iter().enumerate() {
            let root = dir.path().join(format!("r{i}-{}", in_a_name(h)));
            let write = |rel: &str, bytes: &[u8]| {
                let path = root.join(rel);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, bytes).unwrap();
            };
            let mut presence = String::new();
            for h in CORPUS.iter().filter(|h| !h.contains('\0')) {
                let section = section_of(h);
                presence.push_str(&format!("[{section}]\r\n; C-{h}\r\nK-{h}=V-{h}\r\n"));
            }
            presence.push_str(&format!("[General]\r\nPlain=node{i}\r\n"));
            write(PRESENCE, presence.as_bytes());
            write(
                "Apps/AttendantConsole/Settings/Calendar.ini",
                format!(
                    "[Calendar]\r\nProvider=Exchange\r\nEwsUrl=https://mail.corp.local/{h}\r\n\
                     BasicAuth=1\r\nBasicAuth.Username=u-{h}\r\n"
                )
                .as_bytes(),
            );
            let log: String = CORPUS
                .iter()
                .enumerate()
                .map(|(j, h)| format!("2026-12-02 02:0{j}:00,000 ERROR Suite.Web - L-{h}\n"))
                .collect();
            write("Var/Log/w3wp/ApplicationSuite.log", log.as_bytes());
            write(&format!("Var/Log/F-{}.log", in_a_name(h)), b"x\n");
            inventory.push_str(&format!(
                "\n[[node]]\nname = \"{}\"\nroot = \"{}\"\n",
                toml(&node_name(i)),
                toml(&root.display().to_string())
            ));
            roots.push(root);
        }
        // A node whose root is missing: its errors name the root.
        let gone = dir
            .path()
            .join(format!("gone-{}", in_a_name(&CORPUS.concat())));
        inventory.push_str(&format!(
            "\n[[node]]\nname = \"gone\"\nroot = \"{}\"\n",
            toml(&gone.display().to_string())
        ));
        let path = dir.path().join("nodes.toml");
        std::fs::write(&path, inventory).unwrap();
        World {
            dir,
            inventory: path,
            roots,
        }
    }

    fn args(&self, args: &[&str]) -> Vec<String> {
        let mut all = vec!["--config".to_string(), self.inventory.display().to_string()];
        all.extend(args.iter().map(|a| a.to_string()));
        all
    }

    /// The command in a pseudo-terminal: everything it wrote there.
    fn in_terminal(&self, args: &[&str]) -> Vec<u8> {
        in_terminal(&self.args(args), "")
    }

    fn through_pipe(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_ucsconf"))
            .args(self.args(args))
            .env("UCSCONF_LOG", "off")
            .env_remove("UCSCONF_CONFIG")
            .output()
            .unwrap()
    }
}

/// `args` run in a pseudo-terminal, `answer` typed in: what it wrote there.
fn in_terminal(args: &[String], answer: &str) -> Vec<u8> {
    let mut options = Options::new(env!("CARGO_BIN_EXE_ucsconf"));
    options
        .args(args)
        .env("UCSCONF_LOG", "off")
        .env_remove("UCSCONF_CONFIG")
        .size(50, 400);
    let mut run = options.spawn();
    if !answer.is_empty() {
        run.wait_until("the question", |s| s.contains("[y/N]"));
        run.send(answer);
    }
    run.wait_exit();
    run.raw()
}

/// Runs `args` in a terminal: nothing arrives unescaped, and every string
/// of the corpus is shown (escaped) in `shown(i)`.
fn terminal_check(world: &World, args: &[&str], cr_ok: bool, shown: impl Fn(usize) -> String) {
    let raw = world.in_terminal(args);
    let bad = unescaped(&raw, cr_ok);
    let text = String::from_utf8_lossy(&raw);
    assert!(
        bad.is_empty(),
        "{args:?} sent to the terminal: {bad:#?}\n{text}"
    );
    for i in 0..CORPUS.len() {
        let expected = shown(i);
        assert!(
            text.contains(&expected),
            "{args:?}: {expected:?} not shown:\n{text}"
        );
    }
}

#[test]
fn roots_values_file_names_and_errors_are_escaped_on_every_command() {
    let world = World::new();
    let root = |i: usize| escaped(&world.roots[i].display().to_string());
    // A file with NUL is refused as binary: the error names the node.
    let value = |prefix: &'static str| {
        move |i: usize| match CORPUS[i] {
            h if h.contains('\0') => format!("error: {}: ", node_name(i)),
            h => format!("{prefix}{}", escaped(h)),
        }
    };
    let name = |i: usize| node_name(i);
    terminal_check(&world, &["nodes"], false, root);
    terminal_check(&world, &["inventory"], false, root);
    // Values, keys and sections of every string on every node.
    terminal_check(&world, &["presence", "show"], false, |i| match CORPUS[i] {
        h if h.contains('\0') => name(i),
        h => format!("K-{}=V-{}", escaped(h), escaped(h)),
    });
    terminal_check(&world, &["calendar", "show"], false, value("u-"));
    terminal_check(&world, &["diff"], false, value("u-"));
    terminal_check(&world, &["credentials", "show"], false, name);
    terminal_check(&world, &["doctor"], false, name);
    terminal_check(&world, &["logs", "--lines", "20"], false, |i| {
        format!("L-{}", escaped(CORPUS[i]))
    });
    terminal_check(&world, &["logs", "--list"], false, |i| {
        format!("F-{}.log", escaped(&in_a_name(CORPUS[i])))
    });
    let out = world.dir.path().join("bundle.zip");
    terminal_check(
        &world,
        &["bundle", "--out", out.to_str().unwrap()],
        true,
        name,
    );
    // An error names the missing root.
    let gone = world
        .dir
        .path()
        .join(format!("gone-{}", in_a_name(&CORPUS.concat())));
    for args in [
        &["--node", "gone", "presence", "show"][..],
        &["--node", "gone", "doctor"],
    ] {
        let raw = world.in_terminal(args);
        let text = String::from_utf8_lossy(&raw);
        assert!(unescaped(&raw, false).is_empty(), "{args:?}: {text}");
        assert!(
            text.contains(&escaped(&gone.display().to_string())),
            "{args:?}: the root is not named:\n{text}"
        );
    }
    for args in [
        &["--json", "nodes"][..],
        &["--json", "presence", "show"],
        &["--json", "calendar", "show"],
        &["--json", "diff"],
        &["--json", "logs", "--lines", "20"],
        &["--json", "--node", "gone", "presence", "show"],
    ] {
        let raw = world.in_terminal(args);
        let bad = unescaped(&raw, false);
        assert!(bad.is_empty(), "{args:?} sent to the terminal: {bad:#?}");
    }
}

#[test]
fn hostile_node_names_are_refused_and_the_refusal_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    for (i, h) in CORPUS.iter().enumerate() {
        let name = format!("ucs-{h}");
        let toml_inventory = dir.path().join(format!("{i}.toml"));
        std::fs::write(
            &toml_inventory,
            format!("[[node]]\nname = \"{}\"\nroot = \"r\"\n", toml(&name)),
        )
        .unwrap();
        let yaml_inventory = dir.path().join(format!("{i}.yml"));
        std::fs::write(
            &yaml_inventory,
            format!(
                "all:\n  hosts:\n    \"{}\":\n      ansible_host: 127.0.0.1\n",
                toml(&name)
            ),
        )
        .unwrap();
        for inventory in [&toml_inventory, &yaml_inventory] {
            let args: Vec<String> = [
                "--config",
                inventory.to_str().unwrap(),
                "--inventory-reader",
                "builtin",
                "nodes",
            ]
            .iter()
            .map(|a| a.to_string())
            .collect();
            let raw = in_terminal(&args, "");
            let text = String::from_utf8_lossy(&raw);
            assert!(unescaped(&raw, false).is_empty(), "{i}: {text}");
            // Refused as a name, or earlier as a host pattern (`[` starts a range).
            assert!(
                text.contains("error: inventory ") && text.contains("ucs-"),
                "{i}: {text}"
            );
            let out = Command::new(env!("CARGO_BIN_EXE_ucsconf"))
                .args(&args)
                .env("UCSCONF_LOG", "off")
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{i}: {inventory:?}");
        }
    }
}

#[test]
fn get_is_exact_into_a_pipe_and_escaped_at_a_terminal() {
    let world = World::new();
    for (i, h) in CORPUS.iter().enumerate().filter(|(_, h)| !h.contains('\0')) {
        let (section, key) = (section_of(h), format!("K-{h}"));
        let args = [
            "--node",
            &node_name(0),
            "presence",
            "get",
            &key,
            "--section",
            &section,
        ];
        let out = world.through_pipe(&args);
        assert!(out.status.success(), "{i}: {:?}", out);
        assert_eq!(out.stdout, format!("V-{h}\n").into_bytes(), "{i}");

        let raw = world.in_terminal(&args);
        assert!(unescaped(&raw, false).is_empty(), "{i}: {raw:?}");
        let text = String::from_utf8_lossy(&raw);
        assert!(text.contains(&format!("V-{}", escaped(h))), "{i}: {text}");

        let mut json = vec!["--json"];
        json.extend(args);
        let out = world.through_pipe(&json);
        assert!(unescaped(&out.stdout, false).is_empty(), "{i}");
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["nodes"][0]["value"], format!("V-{h}"), "{i}");
        assert_eq!(doc["nodes"][0]["key"], key, "{i}");
    }
}

#[test]
fn json_is_exact_and_human_text_is_escaped_through_a_pipe() {
    let world = World::new();
    let out = world.through_pipe(&["--json", "nodes"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["node"].as_str().unwrap())
        .collect();
    let mut expected: Vec<String> = (0..CORPUS.len()).map(node_name).collect();
    expected.push("gone".to_string());
    assert_eq!(names, expected);

    let out = world.through_pipe(&["--json", "logs", "--lines", "20"]);
    assert!(unescaped(&out.stdout, false).is_empty());
    serde_json::from_slice::<Value>(&out.stdout).expect("valid JSON");

    // A pager or a log collector shows piped text later: escaped there too.
    for args in [&["presence", "show"][..], &["nodes"], &["diff"], &["logs"]] {
        let out = world.through_pipe(args);
        let bad = unescaped(&out.stdout, false);
        assert!(bad.is_empty(), "{args:?}: {bad:#?}");
        let bad = unescaped(&out.stderr, false);
        assert!(bad.is_empty(), "{args:?} on stderr: {bad:#?}");
    }
}

#[tokio::test]
async fn a_token_servers_error_text_is_escaped() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error": "invalid_client",
            "error_description": "bad \u{1b}]0;pwned\u{7}osc \u{202e}fdp.exe \u{9b}31mcsi",
        })))
        .mount(&server)
        .await;
    let node = support::TempRoot::new();
    let saved = node
        .command()
        .args([
            "credentials",
            "save",
            "--client-id",
            "9f8e7d6c-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
            "--secret-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"a secret\n")?;
            child.wait()
        })
        .unwrap();
    assert!(saved.success());
    let url = format!("{}/token", server.uri());
    let args: Vec<String> = [
        "--root",
        node.root.to_str().unwrap(),
        "credentials",
        "test",
        "--token-url",
        &url,
        "--proxy",
        "direct",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    let raw = tokio::task::spawn_blocking(move || in_terminal(&args, ""))
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(unescaped(&raw, false).is_empty(), "{text}");
    assert!(text.contains("\\x1b]0;pwned\\x07osc"), "{text}");
    assert!(text.contains("\\u{202e}fdp.exe"), "{text}");
}

#[test]
fn the_host_key_question_and_its_answer_escape_what_the_inventory_gave() {
    let Some(sshd) = support::sshd::Sshd::start() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let root = sshd.root("n0");
    let known_hosts = home
        .path()
        .join(format!("known_hosts-{}", in_a_name(&CORPUS.concat())));
    let inventory = home.path().join("nodes.toml");
    std::fs::write(
        &inventory,
        format!(
            "[[node]]\nname = 'n0'\nhost = '127.0.0.1'\nport = {}\nuser = '{}'\n\
             identity_file = '{}'\nknown_hosts = \"{}\"\nroot = '{}'\n",
            sshd.port,
            support::sshd::current_user(),
            sshd.client_key.display(),
            toml(&known_hosts.display().to_string()),
            root.display()
        ),
    )
    .unwrap();
    let args: Vec<String> = ["--config", inventory.to_str().unwrap(), "trust", "n0"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    let raw = in_terminal(&args, &format!("y{ENTER}"));
    let text = String::from_utf8_lossy(&raw);
    assert!(unescaped(&raw, false).is_empty(), "{text}");
    assert!(text.contains("The host key of n0 at 127.0.0.1:"), "{text}");
    assert!(
        text.contains(&format!(
            "to {}",
            escaped(&known_hosts.display().to_string())
        )),
        "{text}"
    );
    assert!(known_hosts.exists(), "the key was added");
}

/// The TUI, end to end: what the real binary writes to a terminal holds
/// none of the corpus's sequences, and every tab shows them escaped.
#[test]
fn the_tui_shows_the_corpus_escaped_on_every_tab() {
    let world = World::new();
    let mut options = Options::new(env!("CARGO_BIN_EXE_ucsconf"));
    options
        .args(world.args(&[]))
        .env("UCSCONF_LOG", "off")
        .env_remove("UCSCONF_CONFIG")
        .size(50, 220);
    let mut tui = options.spawn();
    let first = escaped(&node_name(0));
    tui.wait_until("the first node's name in the header", |s| {
        s.contains("1 System Parameters") && s.contains(&first)
    });
    let steps: [(&str, String); 6] = [
        ("2", format!("V-{}", escaped(CORPUS[1]))),
        ("3", format!("mail.corp.local/{}", escaped(CORPUS[0]))),
        ("4", format!("L-{}", escaped(CORPUS[0]))),
        ("D", "node1".to_string()),
        ("\u{1b}", format!("L-{}", escaped(CORPUS[0]))),
        ("n", escaped(&node_name(1))),
    ];
    for (key, shown) in steps {
        tui.send(key);
        tui.wait_until(&format!("{shown:?} after {key:?}"), |s| s.contains(&shown));
    }
    tui.send("o");
    tui.wait_until("the log folder's files", |s| {
        s.contains(&format!("F-{}.log", escaped(CORPUS[1])))
    });
    tui.send("\u{1b}");
    // Not at once: an Esc and a key together are Alt and the key.
    tui.wait_until("the list closed", |s| !s.contains("Log files of"));
    tui.send("q");
    assert!(tui.try_wait_exit().is_some(), "q did not quit");
    let text = String::from_utf8_lossy(&tui.raw()).into_owned();
    // The corpus as it would be sent: drawing never contains these (colours
    // are `38;5;N`, the cursor moves to where text is drawn, not before a word).
    let sent = [
        "\u{1b}]0;pwned",
        "\u{1b}[31mcolour",
        "\u{1b}[1;1Hcursor",
        "ok\rFAKE",
        "\u{9b}",
        "\u{202e}",
        "\u{0}",
        "\u{7f}",
        "\u{7}",
    ];
    for raw in sent {
        assert!(!text.contains(raw), "{raw:?} reached the terminal");
    }
}

#[test]
fn a_tampered_credential_store_is_refused_without_echoing_it() {
    for h in CORPUS {
        let node = support::TempRoot::new();
        let store = serde_json::json!({
            "version": 1,
            "client_id": format!("c-{h}"),
            "secret": "v1:x",
            "proxy": {"url": format!("http://p-{h}:3128"), "user": format!("u-{h}")},
        });
        node.write(
            "Var/Secure/CloudServices.json",
            store.to_string().as_bytes(),
        );
        for command in [&["credentials", "show"][..], &["doctor"], &["diff"]] {
            let mut args = vec!["--root".to_string(), node.root.display().to_string()];
            args.extend(command.iter().map(|a| a.to_string()));
            let raw = in_terminal(&args, "");
            let text = String::from_utf8_lossy(&raw);
            assert!(unescaped(&raw, false).is_empty(), "{command:?}: {text}");
            assert!(
                text.contains("Var/Secure/CloudServices.json"),
                "{command:?}: {text}"
            );
        }
    }
}
