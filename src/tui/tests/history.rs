//! The History overlay: `h` reads every journal, the changes are listed
//! with their fields, Enter previews the restore, a yes writes it and the
//! results come back per node, the way apply-to-all reports.

use super::*;
use crate::journal::history::{Change as JournalChange, Outside};
use crate::journal::restore::{Prepared, Step};
use crate::journal::{FieldChange, FileKind as JournalFile};

fn field(old: &str, new: &str) -> FieldChange {
    FieldChange {
        field: "[Webex] WebexPresence.Enable".into(),
        old: Some(old.into()),
        new: Some(new.into()),
        sealed: false,
    }
}

fn changes() -> Vec<JournalChange> {
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    vec![
        JournalChange {
            change: "c0ffee01".into(),
            file: "credentials".into(),
            path: "Var/Secure/CloudServices.json".into(),
            time: at("2026-12-02T02:10:00Z"),
            user: "admin".into(),
            host: "rdp-01".into(),
            restores: None,
            nodes: vec!["ucs-b".into()],
            fields: vec![(
                "ucs-b".into(),
                vec![FieldChange {
                    field: "secret".into(),
                    old: None,
                    new: None,
                    sealed: true,
                }],
                0,
            )],
        },
        JournalChange {
            change: "a1b2c3d4".into(),
            file: "presence".into(),
            path: "Apps/Presence/Settings/Presence.ini".into(),
            time: at("2026-12-02T02:00:00Z"),
            user: "admin".into(),
            host: "rdp-01".into(),
            restores: None,
            nodes: vec!["ucs-a".into(), "ucs-b".into(), "ucs-c".into()],
            fields: ["ucs-a", "ucs-b", "ucs-c"]
                .map(|n| (n.to_string(), vec![field("0", "1\x1b[2J")], 0))
                .to_vec(),
        },
    ]
}

fn prepared() -> Prepared {
    Prepared {
        step: Step {
            kind: JournalFile::Presence,
            path: "Apps/Presence/Settings/Presence.ini".into(),
            changes: vec!["a1b2c3d4".into()],
            backup: Some("Presence.ini.20261202T020000.000Z.bak".into()),
            content_sha: None,
            now_sha: None,
        },
        current: None,
        content: Some(b"[Webex]\r\nWebexPresence.Enable=0\r\n".to_vec()),
        fields: vec![field("1", "0")],
        more_fields: 0,
    }
}

fn opened() -> State {
    let mut state = fixture();
    let effects = press(&mut state, KeyCode::Char('h'));
    assert!(
        matches!(effects.as_slice(), [Effect::ReadHistory]),
        "{effects:?}"
    );
    update(
        &mut state,
        Action::History {
            changes: changes(),
            outside: vec![(
                "ucs-c".into(),
                Outside {
                    file: "presence".into(),
                    path: "Apps/Presence/Settings/Presence.ini".into(),
                    after_change: "a1b2c3d4".into(),
                    modified: None,
                },
            )],
            problems: vec![
                "ucs-b: Var/Secure/ucsconf-journal.jsonl line 3: not a journal record; skipped"
                    .into(),
            ],
        },
    );
    state
}

#[test]
fn h_lists_every_node_s_changes_with_their_fields_and_c_keeps_this_node_s() {
    let mut state = opened();
    let text = screen(&state, 120, 30);
    assert!(text.contains("History: what ucsconf changed"), "{text}");
    assert!(text.contains("c0ffee01  credentials"), "{text}");
    assert!(text.contains("secret: sealed (changed)"), "{text}");
    assert!(text.contains("a1b2c3d4  presence"), "{text}");
    assert!(text.contains("on ucs-a, ucs-b, ucs-c"), "{text}");
    assert!(
        text.contains("ucs-c: Apps/Presence/Settings/Presence.ini: changed outside ucsconf (after change a1b2c3d4)"),
        "{text}"
    );
    assert!(
        text.contains("line 3: not a journal record; skipped"),
        "{text}"
    );
    assert!(
        !text.contains('\x1b'),
        "escapes from a journal are not drawn"
    );

    // ucs-a only: the credentials change on ucs-b is not its own.
    press(&mut state, KeyCode::Char('c'));
    let text = screen(&state, 120, 30);
    assert!(text.contains("(ucs-a only)"), "{text}");
    assert!(!text.contains("c0ffee01"), "{text}");
    press(&mut state, KeyCode::Char('c'));
    assert!(screen(&state, 120, 30).contains("c0ffee01"));
}

#[test]
fn enter_previews_the_restore_and_a_yes_writes_it_with_a_result_per_node() {
    let mut state = opened();
    press(&mut state, KeyCode::Down);
    let effects = press(&mut state, KeyCode::Enter);
    assert!(
        matches!(effects.first(), Some(Effect::PrepareRestore { change }) if change == "a1b2c3d4"),
        "{effects:?}"
    );
    update(
        &mut state,
        Action::RestorePrepared {
            change: "a1b2c3d4".into(),
            plans: vec![
                (0, Ok((vec![prepared()], Vec::new()))),
                (1, Ok((vec![prepared()], Vec::new()))),
                (2, Err("Apps/Presence/Settings/Presence.ini was changed outside ucsconf since change a1b2c3d4: nothing was written".into())),
            ],
        },
    );
    let text = dialog_text(&state);
    assert!(
        text.contains("Restore change a1b2c3d4 on 2 node(s)?"),
        "{text}"
    );
    assert!(
        text.contains("ucs-a: Apps/Presence/Settings/Presence.ini: back to Presence.ini.20261202T020000.000Z.bak"),
        "{text}"
    );
    assert!(
        text.contains("[Webex] WebexPresence.Enable: 1 → 0"),
        "{text}"
    );
    assert!(
        text.contains("✗ ucs-c: Apps/Presence/Settings/Presence.ini was changed outside"),
        "{text}"
    );

    let effects = press(&mut state, KeyCode::Char('y'));
    let [Effect::ApplyRestore { nodes }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(nodes.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [0, 1]);
    assert!(matches!(&state.modal, Some(Modal::Results(v)) if v.pending));

    let effects = update(
        &mut state,
        Action::Restored {
            results: vec![
                (
                    "ucs-a".into(),
                    ApplyOutcome::Done {
                        backup: Some("Presence.ini.x.bak".into()),
                        warnings: vec![],
                    },
                ),
                (
                    "ucs-b".into(),
                    ApplyOutcome::Conflict("changed meanwhile".into()),
                ),
            ],
            kinds: vec![JournalFile::Presence],
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
    assert_eq!(reloads, 3, "every node reloads the file restored");
    let Some(Modal::Results(view)) = &state.modal else {
        panic!("no results");
    };
    assert_eq!(view.rows.len(), 2);
    assert_eq!(view.title, "Restore change a1b2c3d4");
    assert_eq!(state.status.as_ref().unwrap().kind, StatusKind::Error);
}

#[test]
fn a_no_writes_nothing_and_a_change_with_nothing_to_restore_says_why() {
    let mut state = opened();
    update(
        &mut state,
        Action::RestorePrepared {
            change: "a1b2c3d4".into(),
            plans: vec![(0, Ok((vec![prepared()], Vec::new())))],
        },
    );
    assert!(press(&mut state, KeyCode::Char('n')).is_empty());
    assert!(
        update(&mut state, Action::RestoreConfirmed).is_empty(),
        "the preview is gone"
    );

    update(
        &mut state,
        Action::RestorePrepared {
            change: "a1b2c3d4".into(),
            plans: vec![(0, Err("the backup the journal names is missing".into()))],
        },
    );
    let status = state.status.as_ref().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(
        status.text.contains("nothing to restore"),
        "{}",
        status.text
    );
    assert!(
        status.text.contains("backup the journal names is missing"),
        "{}",
        status.text
    );
}
