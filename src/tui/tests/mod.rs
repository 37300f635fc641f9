//! State tests (actions in, state and effects out, no terminal) and
//! `TestBackend` snapshots of every screen, on a cluster built in memory
//! from real core types, so what is drawn is deterministic.

mod credentials;
mod history;
mod log_view;
mod screens;
mod ssh;
mod state;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use secrecy::SecretString;

use super::action::{Action, ApplyOutcome, Effect, FileKind, Loaded, TabId};
use super::app::action_for;
use super::effects::Msg;
use super::state::{Modal, NodeState, State, StatusKind, update};
use super::theme::{self, Theme};
use super::ui;
use super::widgets::dialog::DialogBody;
use crate::cluster::{Cell, DriftRow};
use crate::doctor::{Finding, Severity};
use crate::ini::Document;
use crate::ops::{Change, LoadedIni, LoadedStore};
use crate::settings::credentials::Store;
use crate::settings::seal::NodeKey;

pub const PRESENCE_A: &str = "; Imagicle Presence service settings\r\n[General]\r\nLogLevel=Info\r\nPollingIntervalSec = 30\r\n\r\n[Webex]\r\nWebexPresence.Enable=0\r\nWebexPresence.MaxUsers=1000\r\n\r\n[Jabber]\r\nServer=cucm-pub.corp.local\r\nPort=5222\r\n";
pub const CALENDAR_O365_BOTH: &str = "[Calendar]\r\nProvider=Office365\r\nBasicAuth=1\r\nBasicAuth.Username=svc-cal@contoso.com\r\nBasicAuth.Password=v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBB\r\nModernAuth=1\r\nModernAuth.TenantId=contoso.onmicrosoft.com\r\nModernAuth.ClientId=9f8e7d6c-1111-2222-3333-444455556666\r\n";
pub const CALENDAR_EXCHANGE: &str = "[Calendar]\r\nProvider=Exchange\r\nExchangeVersion=Exchange2013_SP1\r\nEwsUrl=https://mail.corp.local/EWS/Exchange.asmx\r\nRefreshIntervalSeconds=300\r\n";
pub const CLIENT_ID: &str = "3f2a9c1e-5b7d-4c21-9a0e-1f2e3d4c5b6a";

fn ini(path: &str, text: &str) -> LoadedIni {
    LoadedIni {
        path: path.to_string(),
        snapshot: None,
        doc: Document::parse(text.as_bytes()).expect("valid INI"),
    }
}

fn store(saved: bool) -> LoadedStore {
    let mut store = Store::default();
    if saved {
        let key = NodeKey::generate();
        store
            .save_credentials(&key, CLIENT_ID, &SecretString::from("not shown"))
            .unwrap();
        store
            .set_proxy(
                &key,
                Some((
                    "http://proxy.corp.local:3128",
                    Some("svc-proxy"),
                    Some(&SecretString::from("proxy secret")),
                )),
            )
            .unwrap();
    }
    LoadedStore {
        path: crate::paths::CREDENTIALS.to_string(),
        snapshot: None,
        store,
    }
}

/// Deterministic log lines, with a stack trace and a hostile escape sequence.
pub fn log_lines(count: usize) -> Vec<String> {
    let levels = ["INFO", "DEBUG", "WARN", "INFO", "ERROR"];
    let mut lines = Vec::new();
    for i in 0..count {
        let level = levels[i % levels.len()];
        lines.push(format!(
            "2026-11-22 10:{:02}:{:02},{:03} {level:<5} Suite.Presence   poll {} users in {} ms",
            (i / 60) % 60,
            i % 60,
            (i * 7) % 1000,
            1000 + i,
            800 + (i * 13) % 400
        ));
        if level == "ERROR" {
            lines.push("   at Suite.Calendar.Ews.Sync() in Ews.cs:line 214".to_string());
        }
    }
    lines.push(crate::logs::display_line(
        b"2026-11-22 11:00:00,000 WARN  Suite.Web        \x1b]52;c;aGk=\x07 injected",
        8192,
    ));
    lines
}

/// Three nodes: two loaded (one with credentials, one without), one unreachable.
pub fn fixture() -> State {
    let nodes = vec![
        NodeState::new("ucs-a", "local", "/srv/ucs/ucs-a"),
        NodeState::new(
            "ucs-b",
            "ssh administrator@10.0.0.12",
            r"C:\Program Files (x86)\StonevoiceAS",
        ),
        NodeState::new(
            "ucs-c",
            "ssh administrator@10.0.0.13",
            r"C:\Program Files (x86)\StonevoiceAS",
        ),
    ];
    let mut state = State::new(nodes, Some("demo".to_string()));
    let presence_b = PRESENCE_A.replace("WebexPresence.Enable=0", "WebexPresence.Enable=1");
    let loads = [
        (0, Loaded::Reach(Ok(()))),
        (
            0,
            Loaded::Presence(Ok(ini(crate::paths::PRESENCE, PRESENCE_A))),
        ),
        (
            0,
            Loaded::Form(
                crate::settings::FormId::Calendar,
                Ok(ini(crate::paths::CALENDAR, CALENDAR_O365_BOTH)),
            ),
        ),
        (0, Loaded::Store(Ok(store(true)))),
        (1, Loaded::Reach(Ok(()))),
        (
            1,
            Loaded::Presence(Ok(ini(crate::paths::PRESENCE, &presence_b))),
        ),
        (
            1,
            Loaded::Form(
                crate::settings::FormId::Calendar,
                Ok(ini(crate::paths::CALENDAR, CALENDAR_EXCHANGE)),
            ),
        ),
        (1, Loaded::Store(Ok(store(false)))),
        (
            2,
            Loaded::Reach(Err("10.0.0.13:22: connection refused".to_string())),
        ),
        (
            2,
            Loaded::Presence(Err("10.0.0.13:22: connection refused".to_string())),
        ),
        (
            2,
            Loaded::Form(
                crate::settings::FormId::Calendar,
                Err("10.0.0.13:22: connection refused".to_string()),
            ),
        ),
        (
            2,
            Loaded::Store(Err("10.0.0.13:22: connection refused".to_string())),
        ),
    ];
    for (node, loaded) in loads {
        update(&mut state, Action::Loaded { node, loaded });
    }
    update(
        &mut state,
        Action::LogLines {
            node: 0,
            lines: log_lines(60),
            reset: true,
            credit: Default::default(),
        },
    );
    state.nodes[0].logs.started = true;
    // ucs-c's "unreachable" status message has faded.
    state.status = None;
    state
}

fn key(code: KeyCode) -> Msg {
    Msg::Term(Event::Key(KeyEvent::new_with_kind(
        code,
        KeyModifiers::NONE,
        KeyEventKind::Press,
    )))
}

/// Feeds a key through the keymap, as the event loop does.
fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    match action_for(state, key(code)) {
        Some(action) => update(state, action),
        None => Vec::new(),
    }
}

fn ctrl(state: &mut State, c: char) -> Vec<Effect> {
    let msg = Msg::Term(Event::Key(KeyEvent::new_with_kind(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
        KeyEventKind::Press,
    )));
    match action_for(state, msg) {
        Some(action) => update(state, action),
        None => Vec::new(),
    }
}

fn select_key(state: &mut State, key: &str) {
    let rows = state.nodes[state.current].presence.rows();
    let i = rows
        .iter()
        .position(|r| matches!(r, super::tabs::presence::Row::Key(e) if e.key == key))
        .unwrap();
    state.nodes[state.current].presence.selected = i;
}

fn draw(state: &State, theme: &Theme, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| ui::render(f, state, theme)).unwrap();
    terminal
}

fn screen(state: &State, width: u16, height: u16) -> String {
    let theme = theme::built_in("default").unwrap();
    draw(state, &theme, width, height).backend().to_string()
}

/// Compares `text` with its snapshot. Every snapshot is taken here, so they
/// all live in this folder's `snapshots/` under this module's name.
fn snapshot_text(name: &str, text: String) {
    insta::assert_snapshot!(name, text);
}

fn snapshot(name: &str, state: &State, width: u16, height: u16) {
    snapshot_text(name, screen(state, width, height));
}

fn dialog_text(state: &State) -> String {
    let Some(Modal::Dialog(d)) = &state.modal else {
        panic!("no dialog: {:?}", state.modal);
    };
    let DialogBody::Text(lines) = &d.body else {
        panic!("not a text dialog");
    };
    format!("{}\n{}", d.title, lines.join("\n"))
}
