//! SSH in the editor: unknown and changed host keys, passphrases, retries.

use super::*;

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
        crate::tui::state::Load::Failed(_)
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
    assert!(matches!(
        state.nodes[2].reach,
        crate::tui::state::Load::Loading
    ));
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
    let (reply, answer) = crate::tui::prompt::Reply::channel();
    update(
        &mut state,
        Action::AskPassphrase {
            prompt: "Passphrase for /home/admin/.ssh/id_ed25519: ".into(),
            reply,
        },
    );
    assert_eq!(state.layers(), vec![crate::tui::keymap::Ctx::Input]);
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

    let (reply, answer) = crate::tui::prompt::Reply::channel();
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
