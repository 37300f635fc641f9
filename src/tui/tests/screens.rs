//! Snapshots of every screen and overlay, at the sizes admins use.

use super::*;

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
            nodes: super::state::doctor_findings(),
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
    snapshot_text("no_color_presence_80x24", text);
}

#[test]
fn no_escape_from_a_log_line_reaches_the_screen() {
    let mut state = fixture();
    press(&mut state, KeyCode::Char('4'));
    let text = screen(&state, 120, 40);
    assert!(!text.contains('\u{1b}'));
    assert!(text.contains("\\x1b]52;c;aGk=\\x07"), "{text}");
}
