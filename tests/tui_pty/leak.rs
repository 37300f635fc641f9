//! No secret leaks, end to end. Distinctive secrets (a client secret typed
//! on the command line's stdin, another typed in the TUI, a calendar
//! password, two proxy passwords) go through every command and the TUI, with
//! the program's own log at its most verbose. Then every byte the program
//! produced is searched for each secret in clear, URL-encoded, form-encoded
//! and base64 (at every alignment, so also inside a Basic header): stdout and
//! stderr of every run, the program's log files, every file under the node
//! roots (the sealed store, the calendar file, backups, the journal and the node key
//! included: none may hold a secret in any of these forms), and the raw
//! output of the pseudo-terminal. Token endpoint and proxy are wiremock
//! servers on loopback; the failing one echoes the secret back, as a
//! careless server might.

#![cfg(unix)]

use crate::support;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use secrecy::SecretString;
use serde_json::json;
use support::pty::{ENTER, Options, Tui};
use ucsconf::inventory::NodeSpec;
use ucsconf::ops;
use url::form_urlencoded;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const CLIENT_ID: &str = "5b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
const CLI_SECRET: &str = "Qz8~Lk+Vw/Np=Rt%Ys&Hb Xc";
const TUI_SECRET: &str = "Tg5~Mv+Jd/Wq=Ke%Zp&Fn";
const CAL_PASSWORD: &str = "Cw3!Bn7#Xr9^Lm@Dv";
const PROXY_USER: &str = "svc-proxy";
const PROXY_PASSWORD: &str = "Pr6$Hj2*Sd8(Vk)Ny";
const TUI_PROXY_PASSWORD: &str = "Ux4$Ny7*Ge1(Qa)Wo";

const SECRETS: &[(&str, &str)] = &[
    ("client secret (CLI)", CLI_SECRET),
    ("client secret (TUI)", TUI_SECRET),
    ("calendar password", CAL_PASSWORD),
    ("proxy password (stored)", PROXY_PASSWORD),
    ("proxy password (TUI)", TUI_PROXY_PASSWORD),
];

// --- What a leak looks like ----------------------------------------------------

/// Every form a secret could be written in, each with a name.
fn needles(secret: &str) -> Vec<(String, Vec<u8>)> {
    let form: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let percent = form.replace('+', "%20");
    let mut out = vec![
        ("clear".to_owned(), secret.as_bytes().to_vec()),
        ("form-encoded".to_owned(), form.clone().into_bytes()),
        ("URL-encoded".to_owned(), percent.clone().into_bytes()),
        (
            "URL-encoded, lower-case hex".to_owned(),
            lower_hex(&percent).into_bytes(),
        ),
    ];
    // What a cut could leave of it (the scrubber leaves at most 3 characters).
    let start: String = secret.chars().take(6).collect();
    let end: String = secret.chars().skip(secret.chars().count() - 6).collect();
    out.push((
        "clear, its first 6 characters".to_owned(),
        start.into_bytes(),
    ));
    out.push(("clear, its last 6 characters".to_owned(), end.into_bytes()));
    for (what, text) in [("clear", secret), ("form-encoded", form.as_str())] {
        for (alphabet, engine) in [("base64", &STANDARD), ("base64url", &URL_SAFE)] {
            for (k, run) in base64_runs(text.as_bytes(), engine).into_iter().enumerate() {
                out.push((format!("{alphabet} of the {what} secret, offset {k}"), run));
            }
        }
    }
    out
}

/// `%2F` written `%2f`.
fn lower_hex(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            out.extend(chars.by_ref().take(2).map(|h| h.to_ascii_lowercase()));
        }
    }
    out
}

/// The base64 characters that depend on `bytes` alone, for each of the three
/// positions the bytes can start at in a longer encoded text.
fn base64_runs(bytes: &[u8], engine: &base64::engine::GeneralPurpose) -> Vec<Vec<u8>> {
    (0..3)
        .map(|k| {
            let mut input = vec![0u8; k];
            input.extend_from_slice(bytes);
            let encoded = engine.encode(&input);
            // Character i holds bits 6i..6i+6 of the input.
            let first = (8 * k).div_ceil(6);
            let end = 8 * (k + bytes.len()) / 6;
            encoded.as_bytes()[first..end].to_vec()
        })
        .collect()
}

/// Where each secret shows up in `haystack`, in any of its forms.
fn hits(label: &str, haystack: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    for (name, secret) in SECRETS {
        for (form, needle) in needles(secret) {
            if haystack
                .windows(needle.len())
                .any(|w| w == needle.as_slice())
            {
                found.push(format!("{name} ({form}) in {label}"));
            }
        }
    }
    found
}

#[test]
fn the_search_finds_every_form_of_a_secret() {
    let id_form: String = form_urlencoded::byte_serialize(CLIENT_ID.as_bytes()).collect();
    let secret_form: String = form_urlencoded::byte_serialize(CLI_SECRET.as_bytes()).collect();
    let basic = STANDARD.encode(format!("{id_form}:{secret_form}"));
    let proxy_basic = STANDARD.encode(format!("{PROXY_USER}:{PROXY_PASSWORD}"));
    for (planted, secret) in [
        (format!("x {CLI_SECRET} y"), CLI_SECRET),
        (format!("client_secret={secret_form}&"), CLI_SECRET),
        (
            format!("p={}", lower_hex(&secret_form.replace('+', "%20"))),
            CLI_SECRET,
        ),
        (format!("Authorization: Basic {basic}"), CLI_SECRET),
        (
            format!("Proxy-Authorization: Basic {proxy_basic}"),
            PROXY_PASSWORD,
        ),
        (format!("a{}", STANDARD.encode(TUI_SECRET)), TUI_SECRET),
        (URL_SAFE.encode(format!("ab{CAL_PASSWORD}")), CAL_PASSWORD),
    ] {
        let found = hits("planted", planted.as_bytes());
        let name = SECRETS.iter().find(|(_, s)| *s == secret).unwrap().0;
        assert!(
            found.iter().any(|h| h.starts_with(name)),
            "{planted:?} was not recognised as a leak of the {name}: {found:?}"
        );
    }
    assert!(hits("clean", b"Credentials saved using Client ID: x").is_empty());
}

// --- The servers ---------------------------------------------------------------

/// The client ID and secret presented, from a Basic header or the form body.
fn presented(request: &Request) -> (Option<String>, Option<String>) {
    let unform = |s: &str| {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let basic = request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    if let Some((id, secret)) = basic.as_deref().and_then(|b| b.split_once(':')) {
        return (Some(unform(id)), Some(unform(secret)));
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(&request.body).into_owned().collect();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    (get("client_id"), get("client_secret"))
}

/// A token endpoint that issues tokens for `accepts`, refuses anything else
/// and echoes what it was given; answers any GET (the doctor's probes).
/// With `proxy_auth`, it also plays a proxy that wants these credentials.
struct Endpoint {
    accepts: Vec<&'static str>,
    proxy_auth: Option<String>,
}

impl Respond for Endpoint {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if let Some(expected) = &self.proxy_auth {
            let given = request
                .headers
                .get("proxy-authorization")
                .and_then(|v| v.to_str().ok());
            if given != Some(expected.as_str()) {
                return ResponseTemplate::new(407);
            }
        }
        if request.method.as_str() == "GET" {
            return ResponseTemplate::new(200).set_body_string("ok");
        }
        if request.url.path().contains("echo-at-the-cut") {
            // The proxy's credentials as they reached it, then the client
            // secret where the message is cut (600 characters).
            let secret = presented(request).1.unwrap_or_default();
            let proxy = request
                .headers
                .get("proxy-authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Basic "))
                .and_then(|b| STANDARD.decode(b).ok())
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let head = format!("via {proxy}: ");
            let pad = "x".repeat(594 - head.chars().count());
            return ResponseTemplate::new(401).set_body_json(json!({
                "error": "invalid_client",
                "error_description": format!("{head}{pad}{secret} is not valid"),
            }));
        }
        match presented(request) {
            (Some(id), Some(secret))
                if id == CLIENT_ID && self.accepts.contains(&secret.as_str()) =>
            {
                ResponseTemplate::new(200).set_body_json(json!({
                    "access_token": "issued-token", "token_type": "Bearer", "expires_in": 3600
                }))
            }
            (_, secret) => {
                let echoed = secret.unwrap_or_default();
                ResponseTemplate::new(401)
                    .insert_header("x-echo", echoed.as_str())
                    .set_body_json(json!({
                        "error": "invalid_client",
                        "error_description": format!("AADSTS7000215: Invalid client secret provided: {echoed} ({})", STANDARD.encode(&echoed)),
                    }))
            }
        }
    }
}

async fn endpoint(accepts: Vec<&'static str>, proxy_auth: Option<String>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(Endpoint {
            accepts,
            proxy_auth,
        })
        .mount(&server)
        .await;
    server
}

// --- Running the binary --------------------------------------------------------

struct World {
    dir: tempfile::TempDir,
    /// Everything the program printed, by run.
    outputs: Vec<(String, Vec<u8>)>,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["state", "home", "config"] {
            fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        World {
            dir,
            outputs: Vec::new(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The environment of every run: a private state dir for the log (at
    /// trace level), no inventory, proxy or terminal from the caller.
    fn env(&self) -> Vec<(&'static str, String)> {
        let p = |s: &str| self.path(s).display().to_string();
        vec![
            ("XDG_STATE_HOME", p("state")),
            ("HOME", p("home")),
            ("XDG_CONFIG_HOME", p("config")),
            ("XDG_DATA_HOME", p("home/.local/share")),
            ("UCSCONF_LOG", "trace".into()),
        ]
    }

    fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ucsconf"));
        for var in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "NO_PROXY",
            "no_proxy",
            "ALL_PROXY",
            "all_proxy",
            "UCSCONF_CONFIG",
            "NO_COLOR",
        ] {
            c.env_remove(var);
        }
        c.envs(self.env());
        c
    }

    /// Runs `ucsconf --config <inventory> ARGS` with `stdin`; checks the exit
    /// code is one of `codes`; keeps the output for the search.
    fn run(&mut self, args: &[&str], stdin: &str, codes: &[i32]) -> String {
        let mut cmd = self.command();
        cmd.arg("--config")
            .arg(self.path("nodes.toml"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("the binary starts");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let label = args.join(" ");
        let code = out.status.code().unwrap_or(-1);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            codes.contains(&code),
            "`{label}` exited {code}, expected one of {codes:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        self.outputs
            .push((format!("stdout of `{label}`"), out.stdout));
        self.outputs
            .push((format!("stderr of `{label}`"), out.stderr));
        format!("{stdout}{stderr}")
    }

    /// Every file under `dir`, recursively.
    fn files(dir: &Path) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in fs::read_dir(&d).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    found.push(path);
                }
            }
        }
        found.sort();
        found
    }
}

fn inventory(token_url: &str, nodes: &[&str]) -> String {
    let mut text = format!("[defaults]\ncloud_token_url = \"{token_url}\"\n");
    for n in nodes {
        text.push_str(&format!("\n[[node]]\nname = \"{n}\"\nroot = \"{n}\"\n"));
    }
    text
}

/// Seals a proxy with its password into the node's store (no command sets
/// one; the TUI does, below).
async fn store_proxy(root: &Path, url: &str) {
    let target = NodeSpec::local("ucs-a", root).target();
    let key = ops::node_key(&target, true).await.unwrap().unwrap();
    let loaded = ops::load_store(&target).await.unwrap();
    let mut store = loaded.store.clone();
    let password = SecretString::from(PROXY_PASSWORD);
    store
        .set_proxy(&key, Some((url, Some(PROXY_USER), Some(&password))))
        .unwrap();
    ops::save_store(&target, &loaded, &store).await.unwrap();
}

// --- The TUI in a pseudo-terminal ------------------------------------------------

/// Selects the field, opens its editor, types `text` and commits it.
fn type_into(tui: &mut Tui, field: &str, text: &str) {
    tui.select(field);
    let before = tui.screen();
    tui.send(ENTER);
    tui.wait_until("the field's editor", |s| s != before);
    tui.send(text);
    tui.send(ENTER);
}

/// Types a client secret and a proxy password in System Parameters, saves,
/// tests and forgets; returns the raw terminal output.
fn drive_the_tui(world: &World, proxy_url: &str) -> Vec<u8> {
    let mut options = Options::new(env!("CARGO_BIN_EXE_ucsconf"));
    options.arg("--config").arg(world.path("tui.toml"));
    for var in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"] {
        options.env_remove(var);
    }
    for (key, value) in world.env() {
        options.env(key, value);
    }
    let mut tui = options.spawn();
    tui.wait_until("System Parameters with its fields", |s| {
        s.contains("Imagicle Cloud services authentication data") && s.contains("Client secret")
    });
    type_into(&mut tui, "Client ID", CLIENT_ID);
    tui.wait_for(CLIENT_ID);
    type_into(&mut tui, "Client secret", TUI_SECRET);
    tui.wait_for("••••");
    type_into(&mut tui, "URL", proxy_url);
    tui.wait_for(proxy_url);
    type_into(&mut tui, "User", PROXY_USER);
    tui.wait_for(PROXY_USER);
    type_into(&mut tui, "Password", TUI_PROXY_PASSWORD);
    tui.wait_for("(new)");
    tui.select("[ Save ]");
    tui.send(ENTER);
    tui.wait_for("Save System Parameters on");
    tui.send("y");
    tui.wait_for("Credentials saved using Client ID");
    tui.select("[ Test ]");
    tui.send(ENTER);
    tui.wait_until("the test's outcome", |s| {
        s.contains("not available") || s.contains("token issued") || s.contains("refused")
    });
    tui.select("[ Forget ]");
    tui.send(ENTER);
    tui.wait_for("Forget the credentials?");
    tui.send("y");
    tui.wait_until("the credentials to be gone", |s| {
        s.contains("Client secret") && !s.contains("Credentials saved using Client ID")
    });
    tui.send("q");
    let status = tui.wait_exit();
    assert!(status.success(), "the TUI exited with {status:?}");
    tui.raw()
}

/// The records of a node's journal (searched for secrets with every file
/// under the roots, below).
fn journal_records(root: &Path) -> Vec<serde_json::Value> {
    let text =
        fs::read_to_string(root.join("Var/Secure/ucsconf-journal.jsonl")).unwrap_or_default();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

// --- The test ------------------------------------------------------------------

#[test]
fn no_secret_leaks_from_any_command_the_tui_or_the_log() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let proxy_auth = format!(
        "Basic {}",
        STANDARD.encode(format!("{PROXY_USER}:{PROXY_PASSWORD}"))
    );
    let tui_proxy_auth = format!(
        "Basic {}",
        STANDARD.encode(format!("{PROXY_USER}:{TUI_PROXY_PASSWORD}"))
    );
    let accepting = rt.block_on(endpoint(vec![CLI_SECRET, TUI_SECRET], None));
    let refusing = rt.block_on(endpoint(vec![], None));
    let proxy = rt.block_on(endpoint(vec![CLI_SECRET], Some(proxy_auth)));
    let tui_proxy = rt.block_on(endpoint(vec![TUI_SECRET], Some(tui_proxy_auth)));
    let token_url = format!("{}/oauth2/token", accepting.uri());
    let refusing_url = format!("{}/oauth2/token", refusing.uri());

    let mut world = World::new();
    fs::write(
        world.path("nodes.toml"),
        inventory(&token_url, &["ucs-a", "ucs-b"]),
    )
    .unwrap();
    fs::write(world.path("tui.toml"), inventory(&token_url, &["tui-node"])).unwrap();
    for node in ["ucs-a", "ucs-b", "tui-node"] {
        let log = world.path(&format!("{node}/Var/Log/w3wp/ApplicationSuite.log"));
        fs::create_dir_all(log.parent().unwrap()).unwrap();
        fs::write(&log, "2026-11-22 10:15:00,000 INFO  Suite.Web  started\r\n").unwrap();
    }

    let w = &mut world;
    w.run(&["nodes"], "", &[0]);
    w.run(
        &[
            "presence",
            "set",
            "WebexPresence.Enable",
            "1",
            "--section",
            "Webex",
        ],
        "",
        &[0],
    );
    w.run(&["presence", "show"], "", &[0]);
    w.run(
        &["--json", "presence", "get", "WebexPresence.Enable"],
        "",
        &[0],
    );

    // The client secret: saved from stdin, never from an argument.
    w.run(
        &[
            "credentials",
            "save",
            "--client-id",
            CLIENT_ID,
            "--secret-stdin",
        ],
        &format!("{CLI_SECRET}\n"),
        &[0],
    );
    let refused = w.run(
        &[
            "credentials",
            "save",
            "--client-id",
            CLIENT_ID,
            "--secret",
            CLI_SECRET,
        ],
        "",
        &[2],
    );
    assert!(refused.contains("--secret is refused"), "{refused}");
    let shown = w.run(&["credentials", "show"], "", &[0]);
    assert!(
        shown.contains("Credentials saved using Client ID"),
        "{shown}"
    );
    w.run(&["--json", "credentials", "show"], "", &[0]);

    // Tested against the endpoint: success, basic and body, text and JSON...
    let ok = w.run(&["credentials", "test", "--proxy", "direct"], "", &[0]);
    assert!(ok.contains("token issued"), "{ok}");
    w.run(
        &["--json", "credentials", "test", "--proxy", "direct"],
        "",
        &[0],
    );
    w.run(
        &["credentials", "test", "--proxy", "direct", "--auth", "body"],
        "",
        &[0],
    );
    // ...and refused by one that echoes the secret back.
    for auth in ["basic", "body"] {
        let args = [
            "credentials",
            "test",
            "--proxy",
            "direct",
            "--auth",
            auth,
            "--token-url",
            &refusing_url,
        ];
        let refused = w.run(&args, "", &[1]);
        assert!(refused.contains("invalid_client"), "{refused}");
        let mut json_args = vec!["--json"];
        json_args.extend(args);
        w.run(&json_args, "", &[1]);
    }

    // Through the proxy saved on ucs-a, with its sealed password.
    rt.block_on(store_proxy(&w.path("ucs-a"), &proxy.uri()));
    let via = w.run(&["--node", "ucs-a", "credentials", "test"], "", &[0]);
    assert!(via.contains("via"), "{via}");
    w.run(
        &["--json", "--node", "ucs-a", "credentials", "test"],
        "",
        &[0],
    );
    // Refused through it, by a server that echoes both secrets, one at the cut.
    let echo_url = format!("{}/echo-at-the-cut/token", proxy.uri());
    for json in [false, true] {
        let mut args = vec![
            "--node",
            "ucs-a",
            "credentials",
            "test",
            "--token-url",
            &echo_url,
        ];
        if json {
            args.insert(0, "--json");
        }
        let echoed = w.run(&args, "", &[1]);
        assert!(echoed.contains("invalid_client"), "{echoed}");
    }

    // The calendar password: from stdin, never from an argument.
    w.run(
        &[
            "calendar",
            "set",
            "--provider",
            "office365",
            "--basic-auth",
            "on",
            "--username",
            "svc@contoso.com",
            "--password-stdin",
        ],
        &format!("{CAL_PASSWORD}\n"),
        &[0],
    );
    w.run(&["calendar", "set", "--password", CAL_PASSWORD], "", &[2]);
    w.run(&["calendar", "show"], "", &[0]);
    w.run(&["--json", "calendar", "show"], "", &[0]);

    w.run(&["diff"], "", &[0, 1]);
    w.run(&["--json", "diff"], "", &[0, 1]);
    w.run(&["doctor"], "", &[0, 1]);
    w.run(&["--json", "doctor"], "", &[0, 1]);
    let probe = format!("{}/", accepting.uri());
    let online = w.run(&["doctor", "--online", "--endpoint", &probe], "", &[0, 1]);
    assert!(online.contains("answers"), "{online}");
    w.run(
        &["--json", "doctor", "--online", "--endpoint", &probe],
        "",
        &[0, 1],
    );
    w.run(&["logs", "--lines", "5"], "", &[0]);
    // The support bundle, while the store, the proxy and the calendar hold secrets.
    let archive = w.path("support.zip");
    let archive_arg = archive.display().to_string();
    w.run(
        &[
            "bundle",
            "--since",
            "2026-11-22 00:00",
            "--out",
            &archive_arg,
        ],
        "",
        &[0],
    );
    let members = support::unzipped(&archive);
    assert!(
        members.contains_key("ucs-a/CloudServices.json")
            && members.contains_key("ucs-b/Calendar.ini"),
        "the bundle lacks the settings: {:?}",
        members.keys().collect::<Vec<_>>()
    );
    w.outputs.extend(
        members
            .into_iter()
            .map(|(name, bytes)| (format!("{name} in the bundle"), bytes)),
    );
    w.run(&["presence", "unset", "WebexPresence.Enable"], "", &[0]);
    w.run(&["credentials", "forget"], "", &[0]);
    let gone = w.run(&["credentials", "show"], "", &[0]);
    assert!(gone.contains("No credentials saved"), "{gone}");
    // The journal: listed, and the forgotten credentials restored from it.
    let history = w.run(&["history", "--file", "credentials"], "", &[0]);
    assert!(history.contains("secret: sealed (changed)"), "{history}");
    w.run(&["--json", "history"], "", &[0]);
    let forgotten = journal_records(&w.path("ucs-a"))
        .into_iter()
        .rev()
        .find(|r| r["file"] == "credentials")
        .expect("the forget is journaled");
    let change = forgotten["change"].as_str().unwrap().to_string();
    w.run(&["restore", &change, "--yes"], "", &[0]);
    let back = w.run(&["credentials", "show"], "", &[0]);
    assert!(back.contains("Credentials saved using Client ID"), "{back}");
    w.run(&["credentials", "forget", "--purge"], "", &[0]);

    // The TUI: a secret and a proxy password typed, saved, tested, forgotten.
    let pty = drive_the_tui(&world, &tui_proxy.uri());
    let carried = rt
        .block_on(proxy.received_requests())
        .map_or(0, |r| r.len());
    assert!(carried > 0, "the stored proxy carried no request");

    // Every node's journal recorded the credentials it was given, the TUI's too.
    for node in ["ucs-a", "ucs-b", "tui-node"] {
        let records = journal_records(&world.path(node));
        assert!(
            records.iter().any(|r| r["file"] == "credentials"),
            "{node}: no credentials in its journal: {records:?}"
        );
    }

    // The program's own log exists and recorded the work.
    let logs = World::files(&world.path("state/ucsconf/logs"));
    assert!(!logs.is_empty(), "no log file under the state directory");
    let log_text: String = logs
        .iter()
        .map(|p| fs::read_to_string(p).unwrap())
        .collect();
    assert!(
        log_text.contains("written") && log_text.contains("CloudServices.json"),
        "the log does not show the writes:\n{log_text}"
    );

    // The TUI's work is in the log, and nothing of the log reached its screen.
    assert!(
        log_text.contains("tui-node"),
        "the TUI's writes are not logged"
    );
    let pty_text = String::from_utf8_lossy(&pty);
    assert!(
        !pty_text.contains("ucsconf started") && !pty_text.contains("ucsconf::telemetry"),
        "log lines were drawn on the terminal"
    );

    let mut found = Vec::new();
    for (label, bytes) in &world.outputs {
        found.extend(hits(label, bytes));
    }
    for file in logs {
        found.extend(hits(
            &format!("the log {}", file.display()),
            &fs::read(&file).unwrap(),
        ));
    }
    let mut searched = 0;
    for node in ["ucs-a", "ucs-b", "tui-node"] {
        for file in World::files(&world.path(node)) {
            searched += 1;
            found.extend(hits(
                &format!("{}", file.display()),
                &fs::read(&file).unwrap(),
            ));
        }
    }
    assert!(searched >= 10, "only {searched} node files were written");
    found.extend(hits("the terminal output of the TUI", &pty));
    assert!(found.is_empty(), "secrets leaked:\n{}", found.join("\n"));
}

#[test]
fn a_log_that_cannot_be_opened_never_fails_a_command() {
    let world = World::new();
    // The state "directory" is a file: the log folder cannot be created.
    let blocker = world.path("state/blocker");
    fs::write(&blocker, "").unwrap();
    let root = world.path("node");
    fs::create_dir_all(&root).unwrap();
    let out = world
        .command()
        .env("XDG_STATE_HOME", &blocker)
        .env("XDG_DATA_HOME", &blocker)
        .arg("--root")
        .arg(&root)
        .args([
            "presence",
            "set",
            "WebexPresence.Enable",
            "1",
            "--section",
            "Webex",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("saved"));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
