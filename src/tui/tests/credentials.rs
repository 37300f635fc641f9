//! The credentials test: running, passed, failed, cancelled, against a real endpoint.

use super::*;

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
        crate::tui::tabs::system::TestState::Passed(s) if s.contains("60 min")
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
