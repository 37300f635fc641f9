//! Untrusted text on every overlay and line of the TUI: each place that
//! can show a node's, a server's or an inventory's text is given a hostile
//! string, and the drawn screen must show it escaped by the one rule, not
//! with its controls dropped (ratatui drops them silently) nor scrubbed by
//! the last guard in `ui` (which shows U+FFFD).

use super::action::Dialog;
use super::action::{Action, ApplyOutcome, Loaded};
use super::state::{
    ChoiceList, DoctorView, DriftView, Modal, PickTarget, ResultsView, State, Status, StatusKind,
    update,
};
use super::tests::fixture;
use crate::cluster::{Cell, DriftRow};
use crate::doctor::{Finding, Severity};

/// Short enough to be drawn whole in a row or a cell of a table.
const HOSTILE: &str = "\u{1b}]0;pwn\u{7}a \u{202e}fdp \u{9b}3m";

/// Each word of [`HOSTILE`] after its control, and how the control must
/// be shown before it: by the one rule, or by Rust's `{:?}` in a quoted
/// value of a core message (also escaped).
const SHOWN: [(&str, [&str; 2]); 3] = [
    ("]0;pwn", ["\\x1b", "\\u{1b}"]),
    ("fdp", ["\\u{202e}", "\\u{202e}"]),
    ("3m", ["\\x9b", "\\u{9b}"]),
];

fn screen(state: &State) -> String {
    let theme = super::theme::built_in("default").unwrap();
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(220, 50)).unwrap();
    terminal
        .draw(|f| super::ui::render(f, state, &theme))
        .unwrap();
    terminal.backend().to_string()
}

/// Every trace of [`HOSTILE`] on the screen is its escaped form, and at
/// least `at_least` of them are there.
fn assert_escaped(state: &State, place: &str, at_least: usize) {
    let text = screen(state);
    assert!(
        !text.contains('\u{fffd}'),
        "{place}: scrubbed, not escaped:\n{text}"
    );
    for (word, escapes) in SHOWN {
        let at: Vec<usize> = text.match_indices(word).map(|(i, _)| i).collect();
        let bare = at
            .iter()
            .filter(|&&i| !escapes.iter().any(|e| text[..i].ends_with(e)))
            .count();
        assert!(
            at.len() >= at_least && bare == 0,
            "{place}: {word:?} shown {} times, {bare} without its escape:\n{text}",
            at.len()
        );
    }
}

fn with_modal(modal: Modal) -> State {
    let mut state = fixture();
    state.modal = Some(modal);
    state
}

#[test]
fn dialogs_lists_and_overlays_escape_their_text() {
    let dialog = Dialog::confirm(
        format!("Trust {HOSTILE}?"),
        vec![format!("The SSH server {HOSTILE} offered a key")],
        "Yes",
        Action::Quit,
    );
    assert_escaped(&with_modal(Modal::Dialog(dialog)), "dialog", 2);

    let choice = ChoiceList {
        title: format!("Log files of {HOSTILE}"),
        options: vec![format!("F-{HOSTILE}.log"), "plain.log".into()],
        selected: 1,
        target: PickTarget::Presence {
            section: None,
            key: "K".into(),
        },
    };
    assert_escaped(&with_modal(Modal::Choice(choice)), "choice list", 2);

    let results = ResultsView {
        title: format!("Set {HOSTILE}"),
        pending: false,
        rows: vec![
            (
                "ucs-a".into(),
                ApplyOutcome::Error(format!("server said {HOSTILE}")),
            ),
            (
                "ucs-b".into(),
                ApplyOutcome::Conflict(format!("changed by {HOSTILE}")),
            ),
        ],
        scroll: 0,
    };
    assert_escaped(&with_modal(Modal::Results(results)), "apply results", 3);

    let doctor = DoctorView {
        loading: false,
        nodes: vec![(
            "ucs-a".into(),
            vec![Finding {
                severity: Severity::Problem,
                what: format!("cannot read {HOSTILE}"),
                fix: format!("restore {HOSTILE}").into(),
            }],
        )],
        scroll: 0,
    };
    assert_escaped(&with_modal(Modal::Doctor(doctor)), "doctor", 2);

    let drift = DriftView {
        loading: false,
        rows: vec![DriftRow {
            setting: format!("K-{HOSTILE}"),
            cells: vec![
                Cell::Value(format!("v{HOSTILE}")),
                Cell::Value("1".into()),
                Cell::Unreachable,
            ],
        }],
        errors: vec![("ucs-c".into(), format!("refused: {HOSTILE}"))],
        scroll: 0,
    };
    assert_escaped(&with_modal(Modal::Drift(drift)), "drift", 3);
}

#[test]
fn status_and_error_lines_escape_their_text() {
    let mut state = fixture();
    state.status = Some(Status {
        kind: StatusKind::Error,
        text: format!("✗ ucs-a: {HOSTILE}"),
        id: 1,
    });
    assert_escaped(&state, "status line", 1);

    let mut state = fixture();
    update(
        &mut state,
        Action::Loaded {
            node: 2,
            loaded: Loaded::Reach(Err(format!("10.0.0.13:22: {HOSTILE}"))),
        },
    );
    state.current = 2;
    state.status = None;
    assert_escaped(&state, "unreachable node", 1);
}

#[test]
fn node_names_and_roots_are_escaped_in_the_header_and_strip() {
    let nodes = vec![
        super::state::NodeState::new(&format!("a{HOSTILE}"), "local", &format!("/srv/{HOSTILE}")),
        super::state::NodeState::new("b", "local", "/srv/b"),
    ];
    let state = State::new(nodes, None);
    assert_escaped(&state, "header and node strip", 2);
}

#[test]
fn the_settings_tabs_escape_the_files_text() {
    let ini = |path: &str, text: String| crate::ops::LoadedIni {
        path: path.to_string(),
        snapshot: None,
        doc: crate::ini::Document::parse(text.as_bytes()).expect("valid INI"),
    };
    let mut state = fixture();
    let presence = format!("; C-{HOSTILE}\r\n[S-{HOSTILE}]\r\nK-{HOSTILE}=V-{HOSTILE}\r\n");
    update(
        &mut state,
        Action::Loaded {
            node: 0,
            loaded: Loaded::Presence(Ok(ini(crate::paths::PRESENCE, presence))),
        },
    );
    let calendar = format!(
        "[Calendar]\r\nProvider=Exchange\r\nEwsUrl=https://m/{HOSTILE}\r\nBasicAuth=1\r\nBasicAuth.Username=u-{HOSTILE}\r\n"
    );
    update(
        &mut state,
        Action::Loaded {
            node: 0,
            loaded: Loaded::Form(
                crate::settings::FormId::Calendar,
                Ok(ini(crate::paths::CALENDAR, calendar)),
            ),
        },
    );
    update(&mut state, Action::GoTab(super::action::TabId::Presence));
    assert_escaped(&state, "Presence.ini tree", 2);
    update(
        &mut state,
        Action::Presence(super::action::PresenceAction::ToggleRaw),
    );
    assert_escaped(&state, "Presence.ini raw view", 3);
    update(
        &mut state,
        Action::GoTab(super::action::TabId::Form(
            crate::settings::FormId::Calendar,
        )),
    );
    assert_escaped(&state, "Calendar", 2);
}
