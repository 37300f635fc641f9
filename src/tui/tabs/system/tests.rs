use super::*;
use crate::settings::credentials::Store;
use crate::tui::action::{SaveFailure, SaveInfo};
use secrecy::ExposeSecret;
use tui_input::InputRequest;

fn cx() -> Cx {
    Cx {
        node: 0,
        node_name: "ucs-a".into(),
        ..Cx::default()
    }
}

fn focus(tab: &mut SystemTab, item: Item) {
    tab.focus = tab.items().iter().position(|i| *i == item).unwrap();
}

fn type_into(tab: &mut SystemTab, item: Item, text: &str, cx: &mut Cx) {
    focus(tab, item);
    tab.update(Action::System(SystemAction::Activate), cx);
    assert!(tab.editing());
    for c in text.chars() {
        tab.update(Action::Input(InputRequest::InsertChar(c)), cx);
    }
    tab.update(Action::InputCommit, cx);
}

fn saved_store() -> Store {
    let key = crate::settings::seal::NodeKey::generate();
    let mut store = Store::default();
    store
        .save_credentials(
            &key,
            "3f2a9c1e-0000-1111-2222-333344445555",
            &SecretString::from("s"),
        )
        .unwrap();
    store
}

#[test]
fn no_credentials_offers_the_fields_and_save() {
    let tab = tab_with_store(Store::default());
    assert_eq!(tab.items()[..3], [Item::ClientId, Item::Secret, Item::Save]);
}

#[test]
fn saved_credentials_offer_test_and_forget() {
    let tab = tab_with_store(saved_store());
    assert_eq!(tab.items()[..2], [Item::Test, Item::Forget]);
}

#[test]
fn typed_secret_is_handed_to_the_save_then_forgotten() {
    let mut tab = tab_with_store(Store::default());
    let mut cx = cx();
    type_into(&mut tab, Item::ClientId, "abc-123", &mut cx);
    type_into(&mut tab, Item::Secret, "topsecret", &mut cx);
    assert!(tab.dirty());
    assert!(!format!("{tab:?}").contains("topsecret"));
    focus(&mut tab, Item::Save);
    tab.update(Action::System(SystemAction::Activate), &mut cx);
    let Some(Modal::Dialog(d)) = cx.modal.take() else {
        panic!("no confirmation");
    };
    let crate::tui::widgets::dialog::DialogBody::Text(body) = &d.body else {
        panic!()
    };
    assert!(body.iter().all(|l| !l.contains("topsecret")));
    tab.on_file(d.action_of(0).unwrap(), &mut cx);
    let [
        Effect::SaveSystem {
            credentials: Some((id, secret)),
            proxy: None,
            ..
        },
    ] = cx.effects.as_slice()
    else {
        panic!("{:?}", cx.effects);
    };
    assert_eq!(id, "abc-123");
    assert_eq!(secret.expose_secret(), "topsecret");
    assert!(!format!("{:?}", cx.effects).contains("topsecret"));
    // Kept while the write is under way (a conflict may need it again),
    // dropped once it is written.
    tab.on_file(saved(Ok(info())), &mut cx);
    assert!(tab.secret.is_none(), "the secret is not kept");
    assert!(!tab.dirty());
}

fn saved(result: Result<SaveInfo, SaveFailure>) -> Action {
    Action::Saved {
        node: 0,
        file: FileKind::Credentials,
        result,
    }
}

fn info() -> SaveInfo {
    SaveInfo {
        unchanged: false,
        backup: None,
        warnings: Vec::new(),
    }
}

#[test]
fn a_conflict_offers_reload_or_overwrite_over_what_the_node_has_now() {
    let mut tab = tab_with_store(Store::default());
    let mut cx = cx();
    type_into(&mut tab, Item::ClientId, "abc-123", &mut cx);
    type_into(&mut tab, Item::Secret, "topsecret", &mut cx);
    tab.save(&mut cx);
    let Some(Modal::Dialog(d)) = cx.modal.take() else {
        panic!("no confirmation");
    };
    tab.on_file(d.action_of(0).unwrap(), &mut cx);
    cx.effects.clear();
    let conflict = SaveFailure {
        conflict: true,
        message: "CloudServices.json changed on the node".into(),
    };
    tab.on_file(saved(Err(conflict)), &mut cx);
    let Some(Modal::Dialog(d)) = cx.modal.take() else {
        panic!("no conflict dialog: {:?}", cx.status);
    };
    let labels: Vec<&str> = d.buttons.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["Reload", "Overwrite…", "Cancel"]);
    // Overwrite: the diff against the store the node has now, then the
    // typed values written over that version.
    tab.on_file(d.action_of(1).unwrap(), &mut cx);
    assert!(matches!(
        cx.effects.as_slice(),
        [Effect::LoadOverwriteBase { .. }]
    ));
    cx.effects.clear();
    let now = LoadedStore {
        path: crate::paths::CREDENTIALS.to_string(),
        snapshot: None,
        store: saved_store(),
    };
    tab.on_file(
        Action::OverwriteBase {
            node: 0,
            file: FileKind::Credentials,
            loaded: Loaded::Store(Ok(now)),
        },
        &mut cx,
    );
    let Some(Modal::Dialog(d)) = cx.modal.take() else {
        panic!("no overwrite diff: {:?}", cx.status);
    };
    assert!(
        d.title.starts_with("Overwrite CloudServices.json"),
        "{}",
        d.title
    );
    let crate::tui::widgets::dialog::DialogBody::Diff(lines) = &d.body else {
        panic!("not a diff");
    };
    let shown: String = lines.iter().map(|l| format!("{l:?}")).collect();
    assert!(
        shown.contains("abc-123") && shown.contains("3f2a9c1e"),
        "{shown}"
    );
    assert!(!shown.contains("topsecret"));
    tab.on_file(d.action_of(0).unwrap(), &mut cx);
    let [
        Effect::SaveSystem {
            loaded,
            credentials: Some((id, _)),
            ..
        },
    ] = cx.effects.as_slice()
    else {
        panic!("{:?}", cx.effects);
    };
    assert_eq!(id, "abc-123");
    assert!(
        loaded.store.client_id().is_some(),
        "written over the node's version"
    );
}

#[test]
fn a_client_id_without_a_secret_is_refused() {
    let mut tab = tab_with_store(Store::default());
    let mut cx = cx();
    type_into(&mut tab, Item::ClientId, "abc", &mut cx);
    tab.save(&mut cx);
    assert!(cx.modal.is_none());
    assert!(cx.status.unwrap().1.contains("Client secret"));
}

#[test]
fn forget_asks_with_no_as_default() {
    let mut tab = tab_with_store(saved_store());
    let mut cx = cx();
    focus(&mut tab, Item::Forget);
    tab.update(Action::System(SystemAction::Activate), &mut cx);
    let Some(Modal::Dialog(d)) = cx.modal.take() else {
        panic!("no confirmation");
    };
    assert_eq!(d.selected, 1);
    assert!(d.action_of(1).is_none());
    assert!(cx.effects.is_empty());
    tab.update(d.action_of(0).unwrap(), &mut cx);
    assert!(matches!(
        cx.effects.as_slice(),
        [Effect::ForgetCredentials { node: 0 }]
    ));
    assert!(matches!(
        tab.pending_change(),
        Some((_, Change::CredentialsForget, _))
    ));
}

fn start(tab: &mut SystemTab, cx: &mut Cx) -> u64 {
    focus(tab, Item::Test);
    tab.update(Action::System(SystemAction::Activate), cx);
    let [Effect::TestCredentials { node: 0, id }] = cx.effects.as_slice() else {
        panic!("{:?}", cx.effects);
    };
    let id = *id;
    cx.effects.clear();
    id
}

#[test]
fn the_test_button_starts_a_test_that_counts_seconds_then_shows_the_token() {
    let mut tab = tab_with_store(saved_store());
    let mut cx = cx();
    let id = start(&mut tab, &mut cx);
    assert_eq!(tab.test, TestState::Running { id, secs: 0 });
    // A second press while it runs starts nothing.
    tab.update(Action::System(SystemAction::Activate), &mut cx);
    assert!(cx.effects.is_empty());
    tab.on_test(
        Action::TestProgress {
            node: 0,
            id,
            secs: 3,
        },
        &mut cx,
    );
    assert_eq!(tab.test, TestState::Running { id, secs: 3 });
    let summary = "token issued, valid 60 min (via proxy.corp.local:3128)".to_string();
    tab.on_test(
        Action::TestDone {
            node: 0,
            id,
            result: Ok(summary.clone()),
        },
        &mut cx,
    );
    assert_eq!(tab.test, TestState::Passed(summary));
    assert!(cx.status.unwrap().1.contains("✓ token issued"));
}

#[test]
fn esc_cancels_a_running_test_and_its_late_answer_is_ignored() {
    let mut tab = tab_with_store(saved_store());
    let mut cx = cx();
    let id = start(&mut tab, &mut cx);
    tab.update(Action::System(SystemAction::CancelTest), &mut cx);
    assert!(matches!(
        cx.effects.as_slice(),
        [Effect::CancelTest { node: 0 }]
    ));
    assert_eq!(tab.test, TestState::Failed("cancelled".into()));
    tab.on_test(
        Action::TestProgress {
            node: 0,
            id,
            secs: 9,
        },
        &mut cx,
    );
    tab.on_test(
        Action::TestDone {
            node: 0,
            id,
            result: Ok("token issued".into()),
        },
        &mut cx,
    );
    assert_eq!(tab.test, TestState::Failed("cancelled".into()));
    // Esc with nothing running does nothing.
    cx.effects.clear();
    tab.update(Action::System(SystemAction::CancelTest), &mut cx);
    assert!(cx.effects.is_empty());
}

#[test]
fn an_older_test_cannot_overwrite_a_newer_one() {
    let mut tab = tab_with_store(saved_store());
    let mut cx = cx();
    let first = start(&mut tab, &mut cx);
    tab.update(Action::System(SystemAction::CancelTest), &mut cx);
    cx.effects.clear();
    let second = start(&mut tab, &mut cx);
    assert_ne!(first, second);
    let done = |id, result| Action::TestDone {
        node: 0,
        id,
        result,
    };
    tab.on_test(done(first, Ok("old".into())), &mut cx);
    assert!(tab.testing());
    tab.on_test(
        done(second, Err("the token endpoint refused".into())),
        &mut cx,
    );
    assert_eq!(
        tab.test,
        TestState::Failed("the token endpoint refused".into())
    );
}

#[test]
fn proxy_edits_are_saved_with_a_sealed_password() {
    let mut tab = tab_with_store(saved_store());
    let mut cx = cx();
    type_into(&mut tab, Item::ProxyUrl, "http://proxy:3128", &mut cx);
    type_into(&mut tab, Item::ProxyPassword, "pw", &mut cx);
    assert!(tab.dirty());
    tab.save(&mut cx);
    let Some(Modal::Dialog(d)) = cx.modal.take() else {
        panic!("no confirmation");
    };
    tab.on_file(d.action_of(0).unwrap(), &mut cx);
    let [
        Effect::SaveSystem {
            credentials: None,
            proxy: Some(Some(p)),
            ..
        },
    ] = cx.effects.as_slice()
    else {
        panic!("{:?}", cx.effects);
    };
    assert_eq!(p.url, "http://proxy:3128");
    assert_eq!(p.password.as_ref().unwrap().expose_secret(), "pw");
}
