//! State tests (actions in, state and effects out, no terminal) and
//! `TestBackend` snapshots of every screen, on a cluster built in memory
//! from real core types, so what is drawn is deterministic.

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
            Loaded::Calendar(Ok(ini(crate::paths::CALENDAR, CALENDAR_O365_BOTH))),
        ),
        (0, Loaded::Store(Ok(store(true)))),
        (1, Loaded::Reach(Ok(()))),
        (
            1,
            Loaded::Presence(Ok(ini(crate::paths::PRESENCE, &presence_b))),
        ),
        (
            1,
            Loaded::Calendar(Ok(ini(crate::paths::CALENDAR, CALENDAR_EXCHANGE))),
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
            Loaded::Calendar(Err("10.0.0.13:22: connection refused".to_string())),
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

// ---- state ----

#[test]
fn releases_are_ignored_and_presses_act() {
    let mut state = fixture();
    let release = Msg::Term(Event::Key(KeyEvent::new_with_kind(
        KeyCode::Char('2'),
        KeyModifiers::NONE,
        KeyEventKind::Release,
    )));
    assert!(action_for(&state, release).is_none());
    press(&mut state, KeyCode::Char('2'));
    assert_eq!(state.tab, TabId::Presence);
}

#[test]
fn tabs_switch_by_number_and_tab_key_and_the_log_starts_once() {
    let mut state = fixture();
    state.nodes[0].logs.started = false;
    press(&mut state, KeyCode::Tab);
    assert_eq!(state.tab, TabId::Presence);
    press(&mut state, KeyCode::BackTab);
    assert_eq!(state.tab, TabId::System);
    let effects = press(&mut state, KeyCode::Char('4'));
    assert_eq!(state.tab, TabId::Logs);
    assert!(matches!(effects.as_slice(), [Effect::StartLog(0)]));
    press(&mut state, KeyCode::Char('1'));
    assert!(
        press(&mut state, KeyCode::Char('4')).is_empty(),
        "started once"
    );
    let effects = press(&mut state, KeyCode::Char('n'));
    assert_eq!(state.current, 1);
    assert!(matches!(effects.as_slice(), [Effect::StartLog(1)]));
}

#[test]
fn quit_without_unsaved_changes_quits_at_once() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('q'));
    assert!(state.quit);
}

#[test]
fn quit_with_unsaved_changes_asks_and_defaults_to_no() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('2'));
    select_key(&mut state, "WebexPresence.Enable");
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.unsaved(), 1);
    press(&mut state, KeyCode::Char('q'));
    assert!(!state.quit);
    assert!(matches!(state.modal, Some(Modal::Dialog(_))));
    press(&mut state, KeyCode::Enter); // the focus is on No
    assert!(!state.quit);
    assert!(state.modal.is_none());
    press(&mut state, KeyCode::Char('q'));
    press(&mut state, KeyCode::Char('y'));
    assert!(state.quit);
}

#[test]
fn escape_never_quits_anywhere() {
    let mut state = fixture();
    for tab in ['1', '2', '3', '4'] {
        press(&mut state, KeyCode::Char(tab));
        press(&mut state, KeyCode::Esc);
        assert!(!state.quit);
    }
    press(&mut state, KeyCode::Char('?'));
    press(&mut state, KeyCode::Esc);
    assert!(state.modal.is_none());
    assert!(!state.quit);
}

#[test]
fn each_node_keeps_its_own_unsaved_edits() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('2'));
    select_key(&mut state, "WebexPresence.Enable");
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('n'));
    assert_eq!(state.current, 1);
    assert!(!state.nodes[1].presence.dirty());
    press(&mut state, KeyCode::Char('N'));
    assert!(state.nodes[0].presence.dirty());
    let doc = state.nodes[0].presence.doc().unwrap();
    assert_eq!(doc.get(Some("Webex"), "WebexPresence.Enable"), Some("1"));
}

#[test]
fn ctrl_s_shows_the_diff_and_yes_writes() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('2'));
    select_key(&mut state, "WebexPresence.Enable");
    press(&mut state, KeyCode::Enter);
    assert!(
        ctrl(&mut state, 's').is_empty(),
        "nothing written before the diff is accepted"
    );
    let Some(Modal::Dialog(d)) = &state.modal else {
        panic!("no diff dialog");
    };
    assert!(matches!(d.body, DialogBody::Diff(_)));
    let effects = press(&mut state, KeyCode::Char('y'));
    assert!(matches!(
        effects.as_slice(),
        [
            Effect::SaveIni {
                node: 0,
                file: FileKind::Presence,
                ..
            },
            Effect::ExpireStatus { .. }
        ]
    ));
    // The result comes back: the file is read again.
    let effects = update(
        &mut state,
        Action::Saved {
            node: 0,
            file: FileKind::Presence,
            result: Ok(super::action::SaveInfo {
                unchanged: false,
                backup: Some("x/Presence.ini.20261122T101500Z.bak".into()),
                warnings: vec![],
            }),
        },
    );
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::LoadFile {
            node: 0,
            file: FileKind::Presence
        }
    )));
    assert_eq!(state.status.as_ref().unwrap().kind, StatusKind::Ok);
}

#[test]
fn apply_to_all_confirms_then_reports_per_node_and_reloads() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('2'));
    select_key(&mut state, "WebexPresence.Enable");
    press(&mut state, KeyCode::Enter);
    assert!(press(&mut state, KeyCode::Char('A')).is_empty());
    assert!(matches!(state.modal, Some(Modal::Dialog(_))));
    let effects = press(&mut state, KeyCode::Char('y'));
    let [
        Effect::ApplyAll {
            file: FileKind::Presence,
            change,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert!(matches!(change, Change::PresenceSet { value, .. } if value == "1"));
    let effects = update(
        &mut state,
        Action::Applied {
            file: FileKind::Presence,
            results: vec![
                (
                    "ucs-a".into(),
                    ApplyOutcome::Done {
                        backup: None,
                        warnings: vec![],
                    },
                ),
                ("ucs-b".into(), ApplyOutcome::Unchanged),
                (
                    "ucs-c".into(),
                    ApplyOutcome::Error("connection refused".into()),
                ),
            ],
        },
    );
    let reloads = effects
        .iter()
        .filter(|e| {
            matches!(
                e,
                Effect::LoadFile {
                    file: FileKind::Presence,
                    ..
                }
            )
        })
        .count();
    assert_eq!(reloads, 3);
    let Some(Modal::Results(view)) = &state.modal else {
        panic!("no results");
    };
    assert_eq!(view.rows.len(), 3);
    assert_eq!(state.status.as_ref().unwrap().kind, StatusKind::Error);
}

#[test]
fn declining_apply_to_all_drops_the_held_change() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('2'));
    select_key(&mut state, "WebexPresence.Enable");
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('A'));
    press(&mut state, KeyCode::Esc);
    assert!(state.modal.is_none());
    // A stray confirmation afterwards applies nothing.
    assert!(update(&mut state, Action::ApplyAllConfirmed).is_empty());
}

#[test]
fn apply_to_all_without_a_change_says_so() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('2'));
    press(&mut state, KeyCode::Char('A'));
    assert!(state.modal.is_none());
    assert!(state.status.as_ref().unwrap().text.contains("No change"));
}

#[test]
fn drift_is_collected_in_the_background_then_shown() {
    let mut state = fixture();
    let effects = press(&mut state, KeyCode::Char('D'));
    assert!(matches!(effects.as_slice(), [Effect::CollectDrift]));
    update(
        &mut state,
        Action::Drift {
            rows: vec![DriftRow {
                setting: "Presence.ini [Webex] WebexPresence.Enable".into(),
                cells: vec![
                    Cell::Value("0".into()),
                    Cell::Value("1".into()),
                    Cell::Unreachable,
                ],
            }],
            errors: vec![("ucs-c".into(), "connection refused".into())],
        },
    );
    let Some(Modal::Drift(view)) = &state.modal else {
        panic!("no drift view");
    };
    assert!(!view.loading);
    assert_eq!(view.rows.len(), 1);
}

fn finding(severity: Severity, what: &str, fix: &str) -> Finding {
    Finding {
        severity,
        what: what.into(),
        fix: fix.into(),
    }
}

/// Three nodes: one well, one with a warning then a problem (out of order on
/// purpose), one unreachable.
fn doctor_findings() -> Vec<(String, Vec<Finding>)> {
    vec![
        ("ucs-a".into(), Vec::new()),
        (
            "ucs-b".into(),
            vec![
                finding(
                    Severity::Warning,
                    "the log C:\\ProgramData\\Imagicle\\Logs\\ApplicationServer.log was last written 3 days ago",
                    "check that the Imagicle services run",
                ),
                finding(
                    Severity::Problem,
                    "Webex presence is on but no cloud credentials are saved; presence cannot be retrieved from Webex without a token, so every user shows as unknown",
                    "save the client ID and secret on the System tab",
                ),
            ],
        ),
        (
            "ucs-c".into(),
            vec![finding(
                Severity::Problem,
                "unreachable: 10.0.0.13:22: connection refused",
                "check the host, the network and the SSH settings (`ucsconf nodes`)",
            )],
        ),
    ]
}

#[test]
fn the_doctor_checks_in_the_background_then_lists_problems_first() {
    let mut state = fixture();
    let effects = press(&mut state, KeyCode::Char('H'));
    assert!(matches!(effects.as_slice(), [Effect::CheckHealth]));
    assert!(screen(&state, 120, 40).contains("Checking every node…"));
    update(
        &mut state,
        Action::Doctor {
            nodes: doctor_findings(),
        },
    );
    let Some(Modal::Doctor(view)) = &state.modal else {
        panic!("no doctor view");
    };
    assert!(!view.loading);
    let names: Vec<&str> = view.nodes.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["ucs-a", "ucs-b", "ucs-c"]);
    let severities: Vec<Severity> = view.nodes[1].1.iter().map(|f| f.severity).collect();
    assert_eq!(severities, [Severity::Problem, Severity::Warning]);
    let text = screen(&state, 120, 40);
    assert!(text.contains("✓ ucs-a  nothing wrong"), "{text}");
    assert!(text.contains("✗ ucs-b  1 problem, 1 warning"), "{text}");
    assert!(text.contains("1 of 3 nodes without problems"), "{text}");
    press(&mut state, KeyCode::Esc);
    assert!(state.modal.is_none());
}

#[test]
fn doctor_findings_for_a_closed_overlay_are_dropped() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('H'));
    press(&mut state, KeyCode::Esc);
    update(
        &mut state,
        Action::Doctor {
            nodes: doctor_findings(),
        },
    );
    assert!(state.modal.is_none());
}

#[test]
fn the_doctor_wraps_long_findings_within_the_overlay() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('H'));
    update(
        &mut state,
        Action::Doctor {
            nodes: doctor_findings(),
        },
    );
    let text = screen(&state, 60, 20);
    assert!(
        text.contains("unknown"),
        "the end of a long finding is kept: {text}"
    );
    for line in text.lines() {
        assert!(line.chars().count() <= 62, "{line}");
    }
}

#[test]
fn the_status_fades_by_an_event_for_its_own_id_only() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('2'));
    let effects = press(&mut state, KeyCode::Char('A'));
    let [Effect::ExpireStatus { id, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    update(&mut state, Action::StatusExpired(id + 1));
    assert!(state.status.is_some());
    update(&mut state, Action::StatusExpired(*id));
    assert!(state.status.is_none());
}

#[test]
fn an_unreachable_node_does_not_hold_the_others() {
    let state = fixture();
    assert!(state.nodes[0].presence.doc().is_some());
    assert!(state.nodes[1].presence.doc().is_some());
    assert!(matches!(
        state.nodes[2].reach,
        super::state::Load::Failed(_)
    ));
}

#[test]
fn forget_goes_through_a_confirmation_defaulting_to_no() {
    let mut state = fixture();
    // ucs-a has credentials: Test, then Forget.
    press(&mut state, KeyCode::Down);
    press(&mut state, KeyCode::Enter);
    assert!(matches!(state.modal, Some(Modal::Dialog(_))));
    assert!(
        press(&mut state, KeyCode::Enter).is_empty(),
        "Enter on the default (No) does nothing"
    );
    press(&mut state, KeyCode::Enter);
    let effects = press(&mut state, KeyCode::Char('y'));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::ForgetCredentials { node: 0 }))
    );
}

#[test]
fn typing_in_a_field_does_not_trigger_global_keys() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('2'));
    select_key(&mut state, "LogLevel");
    press(&mut state, KeyCode::Enter);
    for c in "qnD?".chars() {
        press(&mut state, KeyCode::Char(c));
    }
    assert!(!state.quit);
    assert_eq!(state.current, 0);
    assert!(state.modal.is_none());
    press(&mut state, KeyCode::Enter);
    let doc = state.nodes[0].presence.doc().unwrap();
    assert_eq!(doc.get(Some("General"), "LogLevel"), Some("InfoqnD?"));
}

#[test]
fn a_failed_background_task_shows_an_error() {
    let mut state = fixture();
    update(&mut state, Action::TaskFailed("boom".into()));
    let status = state.status.as_ref().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(status.text.contains("boom"));
}

#[test]
fn raw_view_and_delete_from_keys() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('2'));
    press(&mut state, KeyCode::Char('r'));
    assert!(state.nodes[0].presence.raw);
    press(&mut state, KeyCode::Char('r'));
    select_key(&mut state, "Port");
    press(&mut state, KeyCode::Char('d'));
    press(&mut state, KeyCode::Char('y'));
    let doc = state.nodes[0].presence.doc().unwrap();
    assert!(doc.get(Some("Jabber"), "Port").is_none());
}

// ---- rendering ----

fn snapshot(name: &str, state: &State, width: u16, height: u16) {
    insta::assert_snapshot!(name, screen(state, width, height));
}

#[test]
fn snapshot_every_tab_at_two_sizes() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut state = fixture();
        snapshot(&format!("system_{w}x{h}"), &state, w, h);
        press(&mut state, KeyCode::Char('2'));
        select_key(&mut state, "WebexPresence.Enable");
        press(&mut state, KeyCode::Enter);
        snapshot(&format!("presence_{w}x{h}"), &state, w, h);
        press(&mut state, KeyCode::Char('3'));
        snapshot(&format!("calendar_{w}x{h}"), &state, w, h);
        press(&mut state, KeyCode::Char('4'));
        snapshot(&format!("logs_{w}x{h}"), &state, w, h);
    }
}

#[test]
fn snapshot_system_without_credentials_and_an_unreachable_node() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('n'));
    snapshot("system_none_saved_80x24", &state, 80, 24);
    press(&mut state, KeyCode::Char('n'));
    snapshot("unreachable_80x24", &state, 80, 24);
}

#[test]
fn snapshot_help_overlay() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('?'));
    snapshot("help_80x24", &state, 80, 24);
    snapshot("help_120x40", &state, 120, 40);
}

#[test]
fn snapshot_confirmation_and_diff_dialogs() {
    let mut state = fixture();
    press(&mut state, KeyCode::Down);
    press(&mut state, KeyCode::Enter);
    snapshot("confirm_forget_80x24", &state, 80, 24);
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Char('2'));
    select_key(&mut state, "WebexPresence.Enable");
    press(&mut state, KeyCode::Enter);
    ctrl(&mut state, 's');
    snapshot("save_diff_80x24", &state, 80, 24);
}

#[test]
fn snapshot_both_auth_warning_is_first_and_strongest() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('3'));
    let text = screen(&state, 120, 40);
    let both = text.find("Both").expect("the both-auth warning is shown");
    let other = text.find("⚠").unwrap();
    assert!(
        other < both && both - other < 8,
        "the both-auth warning comes first"
    );
    let theme = theme::built_in("default").unwrap();
    let terminal = draw(&state, &theme, 120, 40);
    let buffer = terminal.backend().buffer();
    let row = (0..40)
        .find(|y| {
            (0..120)
                .map(|x| buffer[(x, *y)].symbol().to_string())
                .collect::<String>()
                .contains("Both")
        })
        .unwrap();
    let cell = (0..120)
        .find(|x| buffer[(*x, row)].symbol() == "⚠")
        .unwrap();
    assert_eq!(buffer[(cell, row)].style().bg, theme.warning_strong.bg);
    snapshot("calendar_both_auth_120x40", &state, 120, 40);
}

#[test]
fn snapshot_drift_and_results_overlays() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('D'));
    update(
        &mut state,
        Action::Drift {
            rows: vec![
                DriftRow {
                    setting: "Presence.ini [Webex] WebexPresence.Enable".into(),
                    cells: vec![
                        Cell::Value("0".into()),
                        Cell::Value("1".into()),
                        Cell::Unreachable,
                    ],
                },
                DriftRow {
                    setting: "Cloud credentials client ID".into(),
                    cells: vec![
                        Cell::Value(CLIENT_ID.into()),
                        Cell::Absent,
                        Cell::Unreachable,
                    ],
                },
            ],
            errors: vec![("ucs-c".into(), "10.0.0.13:22: connection refused".into())],
        },
    );
    snapshot("drift_120x40", &state, 120, 40);
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Char('2'));
    select_key(&mut state, "WebexPresence.Enable");
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('A'));
    press(&mut state, KeyCode::Char('y'));
    update(
        &mut state,
        Action::Applied {
            file: FileKind::Presence,
            results: vec![
                (
                    "ucs-a".into(),
                    ApplyOutcome::Done {
                        backup: Some(
                            "Apps/Presence/Settings/Presence.ini.20261122T101500Z.bak".into(),
                        ),
                        warnings: vec![],
                    },
                ),
                ("ucs-b".into(), ApplyOutcome::Unchanged),
                (
                    "ucs-c".into(),
                    ApplyOutcome::Error("10.0.0.13:22: connection refused".into()),
                ),
            ],
        },
    );
    snapshot("apply_results_80x24", &state, 80, 24);
}

#[test]
fn snapshot_doctor_overlay() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('H'));
    update(
        &mut state,
        Action::Doctor {
            nodes: doctor_findings(),
        },
    );
    snapshot("doctor_120x40", &state, 120, 40);
}

#[test]
fn snapshot_too_small() {
    let state = fixture();
    snapshot("too_small_50x12", &state, 50, 12);
}

#[test]
fn no_color_draws_no_colour_and_keeps_the_selection_visible() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('2'));
    select_key(&mut state, "WebexPresence.Enable");
    let mono = theme::mono();
    let terminal = draw(&state, &mono, 80, 24);
    let buffer = terminal.backend().buffer();
    for cell in buffer.content() {
        assert_eq!(
            cell.fg,
            ratatui::style::Color::Reset,
            "no foreground colour"
        );
        assert_eq!(
            cell.bg,
            ratatui::style::Color::Reset,
            "no background colour"
        );
    }
    let text = terminal.backend().to_string();
    let line = text
        .lines()
        .find(|l| l.contains("WebexPresence.Enable") && l.contains('›'))
        .expect("the selected row carries the marker");
    assert!(!line.is_empty());
    let (x, y) = (0..24)
        .flat_map(|y| (0..80).map(move |x| (x, y)))
        .find(|(x, y)| buffer[(*x, *y)].symbol() == "›")
        .unwrap();
    assert!(
        buffer[(x + 3, y)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED),
        "the selected row is reversed"
    );
    insta::assert_snapshot!("no_color_presence_80x24", text);
}

#[test]
fn no_escape_from_a_log_line_reaches_the_screen() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('4'));
    let text = screen(&state, 120, 40);
    assert!(!text.contains('\u{1b}'));
    assert!(text.contains("\\x1b]52;c;aGk=\\x07"), "{text}");
}

// ---- the credentials test ----

#[test]
fn the_test_button_runs_in_the_background_and_esc_cancels_it() {
    let mut state = fixture();
    // ucs-a has credentials: the focus starts on Test.
    let effects = press(&mut state, KeyCode::Enter);
    let [Effect::TestCredentials { node: 0, id }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let id = *id;
    update(
        &mut state,
        Action::TestProgress {
            node: 0,
            id,
            secs: 2,
        },
    );
    assert!(screen(&state, 80, 24).contains("testing… 2 s"));
    let effects = press(&mut state, KeyCode::Esc);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::CancelTest { node: 0 }))
    );
    assert!(!state.quit);
    assert!(screen(&state, 80, 24).contains("Test: ✗ cancelled"));
}

#[test]
fn a_test_result_reaches_its_own_node_even_when_another_is_shown() {
    let mut state = fixture();
    let effects = press(&mut state, KeyCode::Enter);
    let [Effect::TestCredentials { id, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let id = *id;
    press(&mut state, KeyCode::Char('n'));
    update(
        &mut state,
        Action::TestDone {
            node: 0,
            id,
            result: Ok("token issued, valid 60 min".into()),
        },
    );
    assert!(!state.nodes[1].system.testing());
    assert!(matches!(
        &state.nodes[0].system.test,
        super::tabs::system::TestState::Passed(s) if s.contains("60 min")
    ));
    assert!(state.status.as_ref().unwrap().text.starts_with("ucs-a: ✓"));
}

#[test]
fn snapshot_the_credentials_test_running_passed_and_failed() {
    let mut state = fixture();
    let effects = press(&mut state, KeyCode::Enter);
    let [Effect::TestCredentials { id, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let id = *id;
    update(
        &mut state,
        Action::TestProgress {
            node: 0,
            id,
            secs: 7,
        },
    );
    snapshot("system_test_running_80x24", &state, 80, 24);
    update(
        &mut state,
        Action::TestDone {
            node: 0,
            id,
            result: Ok("token issued, valid 60 min (via proxy.corp.local:3128)".into()),
        },
    );
    snapshot("system_test_passed_80x24", &state, 80, 24);
    let effects = press(&mut state, KeyCode::Enter);
    let [Effect::TestCredentials { id, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    update(
        &mut state,
        Action::TestDone {
            node: 0,
            id: *id,
            result: Err(
                "no token URL for ucs-a: give --token-url URL, or set cloud_token_url \
                         for the node (or under [defaults]) in nodes.toml"
                    .into(),
            ),
        },
    );
    snapshot("system_test_failed_80x24", &state, 80, 24);
}

mod live {
    //! The real effects on a real local node, against a token endpoint on loopback.

    use std::time::Duration;

    use serde_json::json;
    use tokio::sync::mpsc::{self, UnboundedReceiver};
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::cloud::{ProxyChoice, TestOverrides};
    use crate::inventory::NodeSpec;
    use crate::tui::app::node_states;
    use crate::tui::effects::Runner;
    use crate::tui::tabs::system::TestState;

    struct Live {
        _dir: tempfile::TempDir,
        state: State,
        runner: Runner,
        rx: UnboundedReceiver<Msg>,
    }

    impl Live {
        async fn start(overrides: TestOverrides) -> Live {
            let dir = tempfile::tempdir().unwrap();
            let target = NodeSpec::local("ucs-a", dir.path()).target();
            crate::ops::save_credentials(
                &target,
                CLIENT_ID,
                &SecretString::from("s3cret-value"),
                crate::ops::KeyRule::Keep,
            )
            .await
            .unwrap();
            let targets = vec![target];
            let state = State::new(node_states(&targets), None);
            let (tx, rx) = mpsc::unbounded_channel();
            let runner = Runner::new(targets, tx).with_test_overrides(vec![overrides]);
            let mut live = Live {
                _dir: dir,
                state,
                runner,
                rx,
            };
            for effect in live.state.start() {
                live.runner.run(effect);
            }
            live.pump(|s| s.nodes[0].system.load.ready().is_some())
                .await;
            live
        }

        fn act(&mut self, msg: Msg) {
            if let Some(action) = action_for(&self.state, msg) {
                for effect in update(&mut self.state, action) {
                    self.runner.run(effect);
                }
            }
        }

        /// Runs the loop until `done` holds (failing after a generous deadline).
        async fn pump(&mut self, done: impl Fn(&State) -> bool) {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
            while !done(&self.state) {
                let msg = tokio::time::timeout_at(deadline, self.rx.recv())
                    .await
                    .expect("the background work answered")
                    .expect("the channel is open");
                self.act(msg);
            }
        }

        fn test(&self) -> &TestState {
            &self.state.nodes[0].system.test
        }
    }

    fn to(server: &MockServer) -> TestOverrides {
        TestOverrides {
            token_url: Some(format!("{}/oauth2/token", server.uri())),
            proxy: Some(ProxyChoice::Direct),
            ..TestOverrides::default()
        }
    }

    #[tokio::test]
    async fn a_token_from_the_endpoint_is_shown_with_its_lifetime() {
        if crate::platform::wine::skip_test(crate::platform::wine::NO_ACLS) {
            return;
        }
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": "opaque-token", "token_type": "Bearer", "expires_in": 3599
            })))
            .expect(1)
            .mount(&server)
            .await;
        let mut live = Live::start(to(&server)).await;
        live.act(key(KeyCode::Enter));
        assert!(live.state.nodes[0].system.testing());
        live.pump(|s| !s.nodes[0].system.testing()).await;
        assert_eq!(
            live.test(),
            &TestState::Passed("token issued, valid 60 min".into())
        );
        let text = screen(&live.state, 80, 24);
        assert!(
            text.contains("Test: ✓ token issued, valid 60 min"),
            "{text}"
        );
        assert!(!text.contains("opaque-token") && !text.contains("s3cret"));
    }

    #[tokio::test]
    async fn a_missing_node_key_is_replaced_only_after_a_yes_that_names_the_loss() {
        if crate::platform::wine::skip_test(crate::platform::wine::NO_ACLS) {
            return;
        }
        let mut live = Live::start(TestOverrides::default()).await;
        let key_file = live._dir.path().join(crate::paths::NODE_KEY);
        std::fs::remove_file(&key_file).unwrap();
        let save = |state: &State| Effect::SaveSystem {
            node: 0,
            loaded: state.nodes[0].system.load.ready().cloned().unwrap(),
            credentials: None,
            proxy: Some(Some(crate::tui::action::ProxyEdit {
                url: "http://proxy.corp.local:3128".into(),
                user: None,
                password: Some(SecretString::from("new-proxy-pw")),
            })),
            key: crate::ops::KeyRule::Keep,
        };
        live.runner.run(save(&live.state));
        live.pump(|s| matches!(s.modal, Some(Modal::Dialog(_))))
            .await;
        let text = dialog_text(&live.state);
        assert!(text.contains("Make a new node key on ucs-a?"), "{text}");
        assert!(text.contains("the cloud client secret"), "{text}");
        assert!(!key_file.exists(), "nothing made before the yes");
        // The focus is on No: Enter makes nothing.
        live.act(key(KeyCode::Enter));
        assert!(live.state.modal.is_none());
        assert!(!key_file.exists());

        live.runner.run(save(&live.state));
        live.pump(|s| matches!(s.modal, Some(Modal::Dialog(_))))
            .await;
        live.act(key(KeyCode::Char('y')));
        live.pump(|s| {
            s.status
                .as_ref()
                .is_some_and(|st| st.text.contains("saved on ucs-a"))
        })
        .await;
        assert!(key_file.exists());
        let status = &live.state.status.as_ref().unwrap().text;
        assert!(status.contains("a new node key"), "{status}");
    }

    #[tokio::test]
    async fn without_a_token_url_the_usage_error_is_shown() {
        if crate::platform::wine::skip_test(crate::platform::wine::NO_ACLS) {
            return;
        }
        let mut live = Live::start(TestOverrides::default()).await;
        live.act(key(KeyCode::Enter));
        live.pump(|s| !s.nodes[0].system.testing()).await;
        let TestState::Failed(text) = live.test() else {
            panic!("{:?}", live.test());
        };
        assert!(text.contains("no token URL for ucs-a"), "{text}");
        assert!(text.contains("cloud_token_url"), "{text}");
    }

    #[tokio::test]
    async fn esc_aborts_a_slow_test_and_nothing_comes_back() {
        if crate::platform::wine::skip_test(crate::platform::wine::NO_ACLS) {
            return;
        }
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(600)))
            .mount(&server)
            .await;
        let mut live = Live::start(to(&server)).await;
        live.act(key(KeyCode::Enter));
        assert!(live.runner.test_running(0));
        // The request reaches the endpoint before the test is cancelled.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
        {
            assert!(tokio::time::Instant::now() < deadline, "no request made");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        live.act(key(KeyCode::Esc));
        assert_eq!(live.test(), &TestState::Failed("cancelled".into()));
        while live.runner.test_running(0) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the test was not aborted"
            );
            tokio::task::yield_now().await;
        }
        while let Ok(msg) = live.rx.try_recv() {
            if let Msg::Action(action) = &msg {
                assert!(
                    !matches!(**action, Action::TestDone { .. }),
                    "an aborted test answered"
                );
            }
            live.act(msg);
        }
        assert_eq!(live.test(), &TestState::Failed("cancelled".into()));
    }
}

// ---- SSH: host keys, passphrases, retries ----

const HOST_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILJI8xMoHLC4r/rStrCya70gEwEYX7uPiIgdnuRFzYRq";
/// What `ssh-keygen -lf` prints for [`HOST_KEY`].
const HOST_KEY_FINGERPRINT: &str = "SHA256:wZc7XaaaQK3byUmKtu4WoE/WlNZgQDq7TuttkMo0IB4";

fn host_key_info() -> crate::node::ssh::HostKeyInfo {
    let key = crate::node::ssh::PublicKey::from_openssh(HOST_KEY).unwrap();
    crate::node::ssh::HostKeyInfo {
        host: "10.0.0.13".into(),
        port: 22,
        alias: "10.0.0.13".into(),
        key_type: key.algorithm().as_str().to_string(),
        fingerprint: crate::node::ssh::known_hosts::fingerprint(&key),
        key,
        known_hosts: std::path::PathBuf::from("/home/admin/.ssh/known_hosts"),
        known: false,
        other_keys: None,
    }
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

#[test]
fn an_unknown_host_key_is_shown_and_no_trusts_nothing() {
    let mut state = fixture();
    update(
        &mut state,
        Action::HostKeyUnknown {
            node: 2,
            info: Box::new(host_key_info()),
        },
    );
    let text = dialog_text(&state);
    assert!(text.contains("Unknown host key: ucs-c"), "{text}");
    assert!(text.contains(HOST_KEY_FINGERPRINT), "{text}");
    assert!(text.contains("ssh-ed25519"), "{text}");
    assert!(text.contains("10.0.0.13"), "{text}");
    snapshot("host_key_unknown_80x24", &state, 80, 24);
    // The focus is on No: Enter trusts nothing.
    assert!(press(&mut state, KeyCode::Enter).is_empty());
    assert!(state.modal.is_none());
    assert!(matches!(
        state.nodes[2].reach,
        super::state::Load::Failed(_)
    ));
}

#[test]
fn a_host_known_with_other_keys_is_a_warning_and_only_the_override_trusts() {
    let mut state = fixture();
    let mut shown = host_key_info();
    shown.other_keys = Some(crate::node::ssh::OtherKeys {
        types: vec!["ssh-rsa".into(), "ecdsa-sha2-nistp256".into()],
        at: "/home/admin/.ssh/known_hosts line 3".into(),
    });
    let open = |state: &mut State| {
        update(
            state,
            Action::HostKeyUnknown {
                node: 2,
                info: Box::new(shown.clone()),
            },
        );
    };
    open(&mut state);
    let text = dialog_text(&state);
    assert!(text.contains("HOST KNOWN WITH OTHER KEYS: ucs-c"), "{text}");
    assert!(
        text.contains("known with other keys: ssh-rsa, ecdsa-sha2-nistp256"),
        "{text}"
    );
    assert!(text.contains("known_hosts line 3"), "{text}");
    assert!(text.contains(HOST_KEY_FINGERPRINT), "{text}");
    // Neither Enter nor y trusts it: both close.
    assert!(press(&mut state, KeyCode::Enter).is_empty());
    assert!(state.modal.is_none());
    open(&mut state);
    assert!(press(&mut state, KeyCode::Char('y')).is_empty());
    assert!(state.modal.is_none());
    // Only the override, chosen on purpose.
    open(&mut state);
    press(&mut state, KeyCode::Tab);
    let effects = press(&mut state, KeyCode::Enter);
    let [Effect::TrustHostKey { node: 2, info }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(info.fingerprint, HOST_KEY_FINGERPRINT);
}

#[test]
fn yes_trusts_exactly_the_key_shown_then_connects_again() {
    let mut state = fixture();
    let shown = host_key_info();
    update(
        &mut state,
        Action::HostKeyUnknown {
            node: 2,
            info: Box::new(shown.clone()),
        },
    );
    let effects = press(&mut state, KeyCode::Char('y'));
    let [Effect::TrustHostKey { node: 2, info }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(info.key, shown.key);
    assert_eq!(info.fingerprint, HOST_KEY_FINGERPRINT);
    assert_eq!(info.known_hosts, shown.known_hosts);
    let effects = update(
        &mut state,
        Action::HostKeyTrusted {
            node: 2,
            host: "10.0.0.13".into(),
            result: Ok("/home/admin/.ssh/known_hosts".into()),
        },
    );
    assert!(matches!(effects.first(), Some(Effect::LoadNode(2))));
    assert!(matches!(state.nodes[2].reach, super::state::Load::Loading));
    let status = state.status.as_ref().unwrap();
    assert_eq!(status.kind, StatusKind::Ok);
    assert!(
        status
            .text
            .contains("added to /home/admin/.ssh/known_hosts")
    );
}

#[test]
fn a_changed_host_key_is_a_warning_with_no_way_past_it() {
    let mut state = fixture();
    update(
        &mut state,
        Action::HostKeyChanged {
            node: 2,
            host: "10.0.0.13".into(),
            fingerprint: HOST_KEY_FINGERPRINT.into(),
            known_hosts: "/home/admin/.ssh/known_hosts line 4".into(),
        },
    );
    let text = dialog_text(&state);
    assert!(text.contains("HOST KEY CHANGED: ucs-c"), "{text}");
    assert!(text.contains("intercepting"), "{text}");
    assert!(
        text.contains("/home/admin/.ssh/known_hosts line 4"),
        "{text}"
    );
    let Some(Modal::Dialog(d)) = &state.modal else {
        unreachable!()
    };
    assert!(
        d.buttons.iter().all(|b| b.action.is_none()),
        "no button acts"
    );
    snapshot("host_key_changed_80x24", &state, 80, 24);
    assert!(press(&mut state, KeyCode::Char('y')).is_empty());
    assert!(state.modal.is_none());
}

#[test]
fn host_key_questions_of_several_nodes_come_one_after_the_other() {
    let mut state = fixture();
    for node in [1, 2] {
        update(
            &mut state,
            Action::HostKeyUnknown {
                node,
                info: Box::new(host_key_info()),
            },
        );
    }
    assert!(dialog_text(&state).contains("ucs-b"));
    press(&mut state, KeyCode::Esc);
    assert!(dialog_text(&state).contains("ucs-c"));
    press(&mut state, KeyCode::Esc);
    assert!(state.modal.is_none());
}

#[test]
fn a_passphrase_is_asked_masked_and_esc_answers_none() {
    let mut state = fixture();
    let (reply, answer) = super::prompt::Reply::channel();
    update(
        &mut state,
        Action::AskPassphrase {
            prompt: "Passphrase for /home/admin/.ssh/id_ed25519: ".into(),
            reply,
        },
    );
    assert_eq!(state.layers(), vec![super::keymap::Ctx::Input]);
    for c in "qn?2".chars() {
        press(&mut state, KeyCode::Char(c));
    }
    assert!(!state.quit && state.current == 0 && state.tab == TabId::System);
    let text = screen(&state, 80, 24);
    assert!(text.contains("••••"), "{text}");
    assert!(!text.contains("qn?2"));
    assert!(!format!("{state:?}").contains("qn?2"));
    snapshot("passphrase_80x24", &state, 80, 24);
    press(&mut state, KeyCode::Enter);
    let given = answer.try_recv().unwrap().expect("a passphrase");
    assert_eq!(secrecy::ExposeSecret::expose_secret(&given), "qn?2");
    assert!(state.prompts.is_empty());

    let (reply, answer) = super::prompt::Reply::channel();
    update(
        &mut state,
        Action::AskPassphrase {
            prompt: "Passphrase for id_rsa: ".into(),
            reply,
        },
    );
    press(&mut state, KeyCode::Char('x'));
    press(&mut state, KeyCode::Esc);
    assert!(answer.try_recv().unwrap().is_none());
    assert!(state.prompts.is_empty());
    assert!(!state.quit);
}

#[test]
fn r_retries_a_failed_node_showing_it_connecting() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('n'));
    press(&mut state, KeyCode::Char('n'));
    assert!(screen(&state, 80, 24).contains("(R retries)"));
    let effects = press(&mut state, KeyCode::Char('R'));
    assert!(matches!(effects.as_slice(), [Effect::LoadNode(2)]));
    assert!(screen(&state, 100, 24).contains("ucs-c connecting…"));
    let effects = update(
        &mut state,
        Action::Loaded {
            node: 2,
            loaded: Loaded::Reach(Err("10.0.0.13:22: connection refused".into())),
        },
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::ExpireStatus { .. }))
    );
    let status = state.status.as_ref().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(
        status
            .text
            .contains("ucs-c: 10.0.0.13:22: connection refused")
    );
}

// ---- the log view: search, filter, errors, cluster ----

fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        press(state, KeyCode::Char(c));
    }
}

/// Lines of another node, interleaving with [`log_lines`] in time.
fn other_node_lines(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            format!(
                "2026-11-22 10:{:02}:{:02},500 INFO  Suite.Calendar   sync of room-{i}@contoso.com from 10.0.0.12 done",
                (i / 60) % 60,
                i % 60
            )
        })
        .collect()
}

#[test]
fn snapshot_log_search_filter_and_error_jumps() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('4'));
    press(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "users in 10[0-9]");
    snapshot("logs_search_typing_80x24", &state, 80, 24);
    press(&mut state, KeyCode::Enter);
    assert_eq!(
        state.layers()[0],
        super::keymap::Ctx::LogSearch,
        "n/N move between matches now"
    );
    press(&mut state, KeyCode::Char('N'));
    assert_eq!(state.current, 0, "N did not switch nodes");
    snapshot("logs_search_80x24", &state, 80, 24);
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Char('&'));
    type_text(&mut state, "ERROR|WARN");
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('E'));
    snapshot("logs_filter_error_80x24", &state, 80, 24);
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Char('n'));
    assert_eq!(state.current, 1, "without a search n switches nodes again");
}

#[test]
fn the_cluster_view_merges_every_node_and_starts_their_logs() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('4'));
    let effects = press(&mut state, KeyCode::Char('c'));
    let started: Vec<usize> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::StartLog(n) => Some(*n),
            _ => None,
        })
        .collect();
    assert_eq!(started, [1, 2], "the logs not followed yet are started");
    assert!(state.cluster.is_some());
    // A batch from another node is merged in by time; it redraws now.
    let batch = Action::LogLines {
        node: 1,
        lines: other_node_lines(60),
        reset: true,
        credit: Default::default(),
    };
    assert!(state.redraws(&batch));
    update(&mut state, batch);
    let cluster = state.cluster.as_ref().unwrap();
    assert_eq!(cluster.total, 61 + 60);
    let times: Vec<i64> = cluster.entries().map(|e| e.time).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "ordered by time");
    let text = screen(&state, 100, 30);
    assert!(
        text.contains("ucs-a │ 2026-11-22 10:00:59,413 ERROR"),
        "{text}"
    );
    assert!(
        text.contains("ucs-b │ 2026-11-22 10:00:59,500 INFO"),
        "{text}"
    );
    assert!(
        text.contains("ucs-a │    at Suite.Calendar.Ews.Sync()"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "no escape reaches the screen");
    assert!(text.contains("\\x1b]52;c;aGk=\\x07"), "{text}");
    snapshot("logs_cluster_100x30", &state, 100, 30);
    // c again: back to one node's log.
    press(&mut state, KeyCode::Char('c'));
    assert!(state.cluster.is_none());
    assert!(screen(&state, 100, 30).contains("FOLLOWING · ucs-a"));
}

#[test]
fn a_log_batch_for_a_node_not_shown_draws_nothing() {
    let mut state = fixture();
    let batch = |node| Action::LogLines {
        node,
        lines: vec!["2026-11-22 12:00:00,000 INFO x".into()],
        reset: false,
        credit: Default::default(),
    };
    assert!(!state.redraws(&batch(0)), "the Logs tab is not shown");
    press(&mut state, KeyCode::Char('4'));
    assert!(state.redraws(&batch(0)));
    assert!(!state.redraws(&batch(1)), "another node's log");
    let tick = Action::TestProgress {
        node: 0,
        id: 1,
        secs: 1,
    };
    assert!(!state.redraws(&tick), "a test's counter on another tab");
}

#[test]
fn the_log_capacity_applies_to_every_view() {
    let mut state = fixture();
    state.set_log_capacity(5);
    update(
        &mut state,
        Action::LogLines {
            node: 1,
            lines: other_node_lines(20),
            reset: true,
            credit: Default::default(),
        },
    );
    assert_eq!(state.nodes[1].logs.len(), 5);
    press(&mut state, KeyCode::Char('4'));
    press(&mut state, KeyCode::Char('c'));
    assert_eq!(state.cluster.as_ref().unwrap().len(), 5);
}

#[test]
fn a_log_batch_releases_its_follower_once_applied_and_only_then() {
    let mut state = fixture();
    let before = state.nodes[0].logs.total;
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(1));
    let permit = gate.clone().try_acquire_owned().unwrap();
    let batch = Action::LogLines {
        node: 0,
        lines: vec!["2026-11-22 12:00:00,000 INFO x".into()],
        reset: false,
        credit: crate::tui::action::LogCredit::new(permit),
    };
    let copy = batch.clone();
    assert_eq!(gate.available_permits(), 0, "in flight: the follower waits");
    drop(copy);
    assert_eq!(gate.available_permits(), 0, "a clone holds nothing");
    update(&mut state, batch);
    assert_eq!(
        gate.available_permits(),
        1,
        "applied: the next batch may come"
    );
    assert_eq!(state.nodes[0].logs.total, before + 1);
}
