use super::*;
use crate::tui::action::Nav;
use crate::tui::widgets::diff;
use tui_input::InputRequest;

const SAMPLE: &str = "; Presence settings\r\n[General]\r\nLogLevel=Info\r\nPollingIntervalSec = 30\r\n\r\n[Webex]\r\nWebexPresence.Enable=0\r\nWebexPresence.MaxUsers=1000\r\n";

fn cx() -> Cx {
    Cx {
        node: 0,
        node_name: "ucs-a".into(),
        ..Cx::default()
    }
}

fn select(tab: &mut PresenceTab, key: &str) {
    let i = tab
        .rows()
        .iter()
        .position(|r| matches!(r, Row::Key(e) if e.key == key))
        .unwrap();
    tab.selected = i;
}

fn type_text(tab: &mut PresenceTab, text: &str, cx: &mut Cx) {
    for c in text.chars() {
        tab.update(Action::Input(InputRequest::InsertChar(c)), cx);
    }
}

#[test]
fn rows_list_sections_then_their_keys() {
    let tab = tab_from_text(SAMPLE);
    let rows = tab.rows();
    assert_eq!(rows.len(), 6);
    assert!(matches!(&rows[0], Row::Section { name: Some(n), keys: 2, .. } if n == "General"));
    assert!(matches!(&rows[4], Row::Key(e) if e.key == "WebexPresence.Enable"));
}

#[test]
fn enter_toggles_a_known_01_key_and_marks_it_unsaved() {
    let mut tab = tab_from_text(SAMPLE);
    let mut cx = cx();
    select(&mut tab, "WebexPresence.Enable");
    tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
    assert!(tab.dirty());
    assert_eq!(
        tab.doc()
            .unwrap()
            .get(Some("webex"), "webexpresence.enable"),
        Some("1")
    );
    tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
    assert!(!tab.dirty(), "toggling back leaves nothing to save");
}

#[test]
fn enter_edits_an_unknown_key_and_esc_cancels() {
    let mut tab = tab_from_text(SAMPLE);
    let mut cx = cx();
    select(&mut tab, "LogLevel");
    tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
    assert!(tab.editing());
    tab.update(Action::Input(InputRequest::DeleteLine), &mut cx);
    type_text(&mut tab, "Debug", &mut cx);
    tab.update(Action::InputCancel, &mut cx);
    assert!(!tab.editing());
    assert!(!tab.dirty());
    tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
    tab.update(Action::Input(InputRequest::DeleteLine), &mut cx);
    type_text(&mut tab, "Debug", &mut cx);
    tab.update(Action::InputCommit, &mut cx);
    assert_eq!(
        tab.doc().unwrap().get(Some("General"), "LogLevel"),
        Some("Debug")
    );
    assert!(tab.dirty());
}

#[test]
fn an_invalid_value_for_a_known_key_is_refused_with_the_error_shown() {
    let text = "[Webex]\r\nWebexPresence.Enable=0\r\nOther=1\r\n";
    let mut tab = tab_from_text(text);
    let mut cx = cx();
    // A known 0/1 key written by hand with a bad value: added through the form.
    tab.update(Action::Presence(PresenceAction::Add), &mut cx);
    tab.update(Action::InputCommit, &mut cx); // section Webex (prefilled)
    type_text(&mut tab, "WebexPresence.Enable", &mut cx);
    tab.update(Action::InputCommit, &mut cx);
    tab.update(Action::Input(InputRequest::DeleteLine), &mut cx);
    type_text(&mut tab, "yes", &mut cx);
    assert!(
        tab.adding.as_ref().unwrap().error.is_some(),
        "live validation"
    );
    tab.update(Action::InputCommit, &mut cx);
    assert!(tab.editing(), "the form stays open on an invalid value");
    assert!(!tab.dirty());
}

#[test]
fn add_a_key_to_a_section() {
    let mut tab = tab_from_text(SAMPLE);
    let mut cx = cx();
    select(&mut tab, "LogLevel");
    tab.update(Action::Presence(PresenceAction::Add), &mut cx);
    tab.update(Action::InputCommit, &mut cx);
    type_text(&mut tab, "NewKey", &mut cx);
    tab.update(Action::InputCommit, &mut cx);
    type_text(&mut tab, "42", &mut cx);
    tab.update(Action::InputCommit, &mut cx);
    assert!(!tab.editing());
    assert_eq!(
        tab.doc().unwrap().get(Some("General"), "NewKey"),
        Some("42")
    );
    assert!(matches!(tab.selected_row(), Some(Row::Key(e)) if e.key == "NewKey"));
}

#[test]
fn a_new_unknown_key_needs_a_section() {
    let mut tab = tab_from_text("");
    let mut cx = cx();
    tab.update(Action::Presence(PresenceAction::Add), &mut cx);
    tab.update(Action::InputCommit, &mut cx);
    type_text(&mut tab, "Mystery", &mut cx);
    tab.update(Action::InputCommit, &mut cx);
    assert!(tab.adding.as_ref().unwrap().error.is_some());
}

#[test]
fn a_known_key_is_not_added_to_another_section() {
    let mut tab = tab_from_text(SAMPLE);
    let mut cx = cx();
    select(&mut tab, "LogLevel");
    tab.update(Action::Presence(PresenceAction::Add), &mut cx);
    tab.update(Action::InputCommit, &mut cx);
    type_text(&mut tab, "WebexPresence.Enable", &mut cx);
    tab.update(Action::InputCommit, &mut cx);
    let error = tab.adding.as_ref().unwrap().error.clone().unwrap();
    assert!(
        error.contains("[Webex]") && error.contains("[General]"),
        "{error}"
    );
    assert_eq!(
        tab.doc()
            .unwrap()
            .get(Some("General"), "WebexPresence.Enable"),
        None
    );
    assert!(!tab.dirty());
}

#[test]
fn a_known_key_finds_its_own_section() {
    let mut tab = tab_from_text("");
    let mut cx = cx();
    tab.update(Action::Presence(PresenceAction::Add), &mut cx);
    tab.update(Action::InputCommit, &mut cx);
    type_text(&mut tab, "WebexPresence.Enable", &mut cx);
    tab.update(Action::InputCommit, &mut cx);
    tab.update(Action::Input(InputRequest::DeleteLine), &mut cx);
    type_text(&mut tab, "1", &mut cx);
    tab.update(Action::InputCommit, &mut cx);
    assert_eq!(
        tab.doc()
            .unwrap()
            .get(Some("Webex"), "WebexPresence.Enable"),
        Some("1")
    );
}

#[test]
fn delete_asks_first_and_deletes_on_yes() {
    let mut tab = tab_from_text(SAMPLE);
    let mut cx = cx();
    select(&mut tab, "WebexPresence.MaxUsers");
    tab.update(Action::Presence(PresenceAction::Delete), &mut cx);
    let Some(Modal::Dialog(dialog)) = cx.modal.take() else {
        panic!("no confirmation");
    };
    assert_eq!(dialog.selected, 1, "the focus starts on No");
    assert!(
        tab.doc()
            .unwrap()
            .get(Some("Webex"), "WebexPresence.MaxUsers")
            .is_some()
    );
    let yes = dialog.action_of(0).unwrap();
    tab.update(yes, &mut cx);
    assert!(
        tab.doc()
            .unwrap()
            .get(Some("Webex"), "WebexPresence.MaxUsers")
            .is_none()
    );
    assert!(tab.dirty());
}

#[test]
fn save_shows_exactly_the_changed_line_then_writes() {
    let mut tab = tab_from_text(SAMPLE);
    let mut cx = cx();
    select(&mut tab, "WebexPresence.Enable");
    tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
    tab.save(&mut cx);
    let Some(Modal::Dialog(dialog)) = cx.modal.take() else {
        panic!("no diff shown");
    };
    let crate::tui::widgets::dialog::DialogBody::Diff(lines) = &dialog.body else {
        panic!("not a diff");
    };
    let changed: Vec<&str> = lines
        .iter()
        .filter(|l| matches!(l.kind, diff::DiffKind::Added | diff::DiffKind::Removed))
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(
        changed,
        ["-WebexPresence.Enable=0", "+WebexPresence.Enable=1"]
    );
    tab.on_file(dialog.action_of(0).unwrap(), &mut cx);
    assert!(matches!(
        cx.effects.as_slice(),
        [Effect::SaveIni {
            file: FileKind::Presence,
            ..
        }]
    ));
}

#[test]
fn nothing_to_save_says_so() {
    let mut tab = tab_from_text(SAMPLE);
    let mut cx = cx();
    tab.save(&mut cx);
    assert!(cx.modal.is_none());
    assert!(cx.status.unwrap().1.contains("No unsaved"));
}

#[test]
fn pending_edits_survive_a_reload_and_saved_ones_vanish() {
    let mut tab = tab_from_text(SAMPLE);
    let mut cx = cx();
    select(&mut tab, "WebexPresence.Enable");
    tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
    // The node now has the value already: the edit vanishes.
    let saved = SAMPLE.replace("Enable=0", "Enable=1");
    tab.loaded(Ok(LoadedIni {
        path: "p".into(),
        snapshot: None,
        doc: Document::parse(saved.as_bytes()).unwrap(),
    }));
    assert!(!tab.dirty());
    // Another change elsewhere on the node: the edit is replayed on it.
    tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
    let other = saved.replace("LogLevel=Info", "LogLevel=Warn");
    tab.loaded(Ok(LoadedIni {
        path: "p".into(),
        snapshot: None,
        doc: Document::parse(other.as_bytes()).unwrap(),
    }));
    assert!(tab.dirty());
    let doc = tab.doc().unwrap();
    assert_eq!(doc.get(Some("Webex"), "WebexPresence.Enable"), Some("0"));
    assert_eq!(doc.get(Some("General"), "LogLevel"), Some("Warn"));
}

#[test]
fn a_conflict_offers_reload_or_overwrite() {
    let mut tab = tab_from_text(SAMPLE);
    let mut cx = cx();
    tab.on_file(
        Action::Saved {
            node: 0,
            file: FileKind::Presence,
            result: Err(crate::tui::action::SaveFailure {
                conflict: true,
                message: "changed".into(),
            }),
        },
        &mut cx,
    );
    let Some(Modal::Dialog(d)) = cx.modal.take() else {
        panic!("no dialog");
    };
    assert!(matches!(
        d.action_of(0),
        Some(Action::ConflictReload(FileKind::Presence))
    ));
    assert!(matches!(
        d.action_of(1),
        Some(Action::ConflictShowDiff(FileKind::Presence))
    ));
    assert!(d.action_of(2).is_none());
    assert_eq!(d.selected, 2);
}

#[test]
fn apply_to_all_takes_the_selected_change() {
    let mut tab = tab_from_text(SAMPLE);
    let mut cx = cx();
    assert!(tab.pending_change().is_none());
    select(&mut tab, "WebexPresence.Enable");
    tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
    let (_, change, text) = tab.pending_change().unwrap();
    assert!(matches!(
        change,
        Change::PresenceSet { ref key, ref value, .. } if key == "WebexPresence.Enable" && value == "1"
    ));
    assert!(text.contains("[Webex]"));
}

#[test]
fn a_key_with_fixed_values_is_picked_from_a_list() {
    let mut tab = tab_from_text("[RichPresence]\r\nRichPresence.WinningTechnology=Jabber\r\n");
    let mut cx = cx();
    select(&mut tab, "RichPresence.WinningTechnology");
    tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
    let Some(Modal::Choice(list)) = cx.modal.take() else {
        panic!("no choice list");
    };
    assert_eq!(list.options[list.selected], "Jabber");
    tab.update(list.target.action("MSTeams".into()), &mut cx);
    let doc = tab.doc().unwrap();
    assert_eq!(
        doc.get(Some("RichPresence"), "RichPresence.WinningTechnology"),
        Some("MSTeams")
    );
}

#[test]
fn added_values_are_written_in_their_documented_spelling() {
    let mut tab = tab_from_text("[General]\r\nLogLevel=Info\r\n");
    let mut cx = cx();
    tab.update(Action::Presence(PresenceAction::Add), &mut cx);
    tab.update(Action::Input(InputRequest::DeleteLine), &mut cx);
    tab.update(Action::InputCommit, &mut cx);
    type_text(&mut tab, "RichPresence.WinningTechnology", &mut cx);
    tab.update(Action::InputCommit, &mut cx);
    tab.update(Action::Input(InputRequest::DeleteLine), &mut cx);
    type_text(&mut tab, " msteams ", &mut cx);
    tab.update(Action::InputCommit, &mut cx);
    let doc = tab.doc().unwrap();
    assert_eq!(
        doc.get(Some("RichPresence"), "RichPresence.WinningTechnology"),
        Some("MSTeams")
    );
}

#[test]
fn folding_and_moving() {
    let mut tab = tab_from_text(SAMPLE);
    let mut cx = cx();
    tab.update(Action::Presence(PresenceAction::Activate), &mut cx);
    assert_eq!(tab.rows().len(), 4);
    tab.update(Action::Nav(Nav::Bottom), &mut cx);
    assert_eq!(tab.selected, 3);
    tab.update(Action::Nav(Nav::Down), &mut cx);
    assert_eq!(tab.selected, 3);
}
