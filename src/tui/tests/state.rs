//! Actions in, state and effects out: keys, tabs, quitting, saving, apply-to-all, drift, doctor.

use super::*;
use crate::doctor::Remedy;
use crate::tui::tabs::Tab;

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
            result: Ok(crate::tui::action::SaveInfo {
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

pub(super) fn finding(severity: Severity, what: &str, fix: impl Into<Remedy>) -> Finding {
    Finding {
        severity,
        what: what.into(),
        fix: fix.into(),
    }
}

/// Three nodes: one well, one with a warning then a problem (out of order on
/// purpose), one unreachable.
pub(super) fn doctor_findings() -> Vec<(String, Vec<Finding>)> {
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
                    Remedy::SaveCredentials,
                ),
            ],
        ),
        (
            "ucs-c".into(),
            vec![finding(
                Severity::Problem,
                "unreachable: 10.0.0.13:22: connection refused",
                Remedy::CheckConnection,
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
        crate::tui::state::Load::Failed(_)
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
