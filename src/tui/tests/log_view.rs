//! The log view: search, filter, error jumps, the cluster view.

use super::*;

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
        crate::tui::keymap::Ctx::LogSearch,
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
