use ratatui::text::Span;
use tui_input::InputRequest;

use super::view::wrap_spans;
use super::*;

fn cx() -> Cx {
    Cx::default()
}

fn line(i: usize, level: &str) -> String {
    format!(
        "2026-11-22 10:{:02}:{:02},000 {level} Suite.Test message {i}",
        (i / 60) % 60,
        i % 60
    )
}

/// A line at second `s` of the day (so tests control the merge order).
fn at(s: usize, text: &str) -> String {
    format!(
        "2026-11-22 {:02}:{:02}:{:02},000 INFO  {text}",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

fn typed(tab: &mut LogsTab, action: LogsAction, text: &str, cx: &mut Cx) {
    tab.update(Action::Logs(action), cx);
    assert!(tab.editing());
    for c in text.chars() {
        tab.update(Action::Input(InputRequest::InsertChar(c)), cx);
    }
    tab.update(Action::InputCommit, cx);
}

fn bottom_text(tab: &LogsTab) -> &str {
    tab.entries[tab.index_of(tab.bottom_seq().unwrap())]
        .lines()
        .next()
        .unwrap()
}

fn focused_text(tab: &LogsTab) -> Option<&str> {
    let f = tab.focus?;
    tab.entries[tab.index_of(f)].lines().next()
}

#[test]
fn continuation_lines_join_the_previous_entry() {
    let mut tab = LogsTab::default();
    tab.push_lines(
        vec![
            line(1, "ERROR"),
            "   at Suite.Calendar.Ews.Sync()".into(),
            line(2, "INFO"),
        ],
        true,
    );
    assert_eq!(tab.len(), 2);
    let first = tab.entries().next().unwrap();
    assert_eq!(first.line_count(), 2);
    assert_eq!(first.level, Some(Level::Error));
    // A continuation in a later batch still joins the last entry.
    tab.push_lines(vec!["   at Suite.Worker.Run()".into()], false);
    assert_eq!(tab.len(), 2);
    assert_eq!(tab.entries().last().unwrap().line_count(), 2);
}

#[test]
fn the_ring_buffer_is_bounded() {
    let mut tab = LogsTab::with_capacity(10);
    tab.push_lines((0..25).map(|i| line(i, "INFO")).collect(), true);
    assert_eq!(tab.len(), 10);
    assert_eq!(tab.total, 25);
    assert!(
        tab.entries()
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .ends_with("message 15")
    );
    assert!(
        tab.status_line("ucs-a").contains("10/25 entries (10 kept)"),
        "{}",
        tab.status_line("ucs-a")
    );
}

#[test]
fn scrolling_up_pauses_and_counts_new_entries() {
    let mut tab = LogsTab::default();
    let mut cx = cx();
    tab.push_lines((0..50).map(|i| line(i, "INFO")).collect(), true);
    tab.update(Action::Nav(Nav::Up), &mut cx);
    assert!(!tab.follow);
    assert_eq!(tab.waiting(), 1);
    tab.push_lines((50..53).map(|i| line(i, "INFO")).collect(), false);
    assert_eq!(tab.waiting(), 4);
    assert!(
        tab.status_line("ucs-a")
            .starts_with("PAUSED · 4 new entries · ucs-a")
    );
    tab.update(Action::Nav(Nav::Bottom), &mut cx);
    assert!(tab.follow);
    assert_eq!(tab.waiting(), 0);
    assert!(
        tab.status_line("ucs-a")
            .starts_with("FOLLOWING · ucs-a · 53/53 entries")
    );
}

#[test]
fn the_paused_view_stays_on_its_entry_while_old_ones_drop() {
    let mut tab = LogsTab::with_capacity(20);
    let mut cx = cx();
    tab.push_lines((0..20).map(|i| line(i, "INFO")).collect(), true);
    tab.update(Action::Nav(Nav::Up), &mut cx);
    let anchor = tab.anchor;
    tab.push_lines((20..25).map(|i| line(i, "INFO")).collect(), false);
    assert_eq!(tab.anchor, anchor);
    assert!(bottom_text(&tab).ends_with("message 18"));
}

#[test]
fn level_filter_cycles_filters_and_counts() {
    let mut tab = LogsTab::default();
    let mut cx = cx();
    tab.push_lines(
        vec![line(1, "DEBUG"), line(2, "WARN"), line(3, "ERROR")],
        true,
    );
    for _ in 0..3 {
        tab.update(Action::Logs(LogsAction::CycleLevel), &mut cx);
    }
    assert_eq!(tab.min_level, Some(Level::Warn));
    assert_eq!(tab.entries().filter(|e| tab.visible(e)).count(), 2);
    assert_eq!(tab.shown(), 2);
    assert!(
        tab.status_line("ucs-a")
            .contains("2/3 entries · level ≥ WARN")
    );
    tab.push_lines(vec![line(4, "INFO"), line(5, "FATAL")], false);
    assert_eq!(tab.shown(), 3);
    tab.update(Action::Logs(LogsAction::CycleLevel), &mut cx);
    tab.update(Action::Logs(LogsAction::CycleLevel), &mut cx);
    assert_eq!(tab.min_level, None);
    assert_eq!(tab.shown(), 5);
}

#[test]
fn search_highlights_without_hiding_and_counts_as_lines_arrive() {
    let mut tab = LogsTab::default();
    let mut cx = cx();
    tab.push_lines(vec![line(1, "INFO"), line(2, "INFO")], true);
    typed(&mut tab, LogsAction::Search, "message 2|timeout", &mut cx);
    assert_eq!(tab.search_matches(), Some(1));
    assert_eq!(tab.shown(), 2, "a search hides nothing");
    tab.push_lines(vec![line(3, "INFO"), "  request timeout".into()], false);
    assert_eq!(tab.search_matches(), Some(2));
    tab.push_lines(vec![line(4, "INFO"), "  timeout again".into()], false);
    assert_eq!(tab.search_matches(), Some(3));
    // A second matching continuation line does not count the entry twice.
    tab.push_lines(vec!["  timeout once more".into()], false);
    assert_eq!(tab.search_matches(), Some(3));
    assert!(
        tab.status_line("ucs-a")
            .contains("/message 2|timeout/ 3 matches")
    );
    tab.update(Action::Logs(LogsAction::ClearSearch), &mut cx);
    assert_eq!(tab.search_matches(), None);
}

#[test]
fn a_search_jumps_to_the_newest_match_and_n_and_shift_n_move_between_matches() {
    let mut tab = LogsTab::default();
    let mut cx = cx();
    let lines: Vec<String> = (0..30)
        .map(|i| {
            if i % 10 == 3 {
                at(i, &format!("request {i} timeout"))
            } else {
                at(i, &format!("request {i} ok"))
            }
        })
        .collect();
    tab.push_lines(lines, true);
    typed(&mut tab, LogsAction::Search, "timeout", &mut cx);
    assert_eq!(tab.search_matches(), Some(3));
    assert!(!tab.follow, "the jump pauses the view");
    assert!(focused_text(&tab).unwrap().contains("request 23 timeout"));
    assert_eq!(focused_text(&tab), Some(bottom_text(&tab)));
    tab.update(Action::Logs(LogsAction::PrevMatch), &mut cx);
    assert!(focused_text(&tab).unwrap().contains("request 13 timeout"));
    tab.update(Action::Logs(LogsAction::PrevMatch), &mut cx);
    assert!(focused_text(&tab).unwrap().contains("request 3 timeout"));
    cx.status = None;
    tab.update(Action::Logs(LogsAction::PrevMatch), &mut cx);
    assert!(focused_text(&tab).unwrap().contains("request 3 timeout"));
    // Nothing older is kept: the search goes on in the rotated files.
    assert!(
        cx.status
            .take()
            .unwrap()
            .1
            .contains("searching the rotated files")
    );
    assert_eq!(cx.effects.len(), 1);
    cx.effects.clear();
    tab.update(Action::Logs(LogsAction::NextMatch), &mut cx);
    assert!(focused_text(&tab).unwrap().contains("request 13 timeout"));
    // End follows again and forgets the mark.
    tab.update(Action::Nav(Nav::Bottom), &mut cx);
    assert!(tab.follow && tab.focus.is_none());
}

#[test]
fn the_filter_shows_only_matching_entries_and_the_search_works_within_it() {
    let mut tab = LogsTab::default();
    let mut cx = cx();
    tab.push_lines(
        vec![
            at(1, "Suite.Calendar sync ok"),
            at(2, "Suite.Presence poll"),
            at(3, "Suite.Calendar sync failed"),
            "   at Suite.Calendar.Ews.Sync()".into(),
            at(4, "Suite.Web request"),
        ],
        true,
    );
    typed(&mut tab, LogsAction::Filter, "Calendar", &mut cx);
    assert_eq!(tab.shown(), 2);
    let visible: Vec<&str> = tab
        .entries()
        .filter(|e| tab.visible(e))
        .map(|e| e.lines().next().unwrap())
        .collect();
    assert!(
        visible.iter().all(|l| l.contains("Calendar")),
        "{visible:?}"
    );
    assert!(tab.status_line("ucs-a").contains("2/4 entries"));
    assert!(tab.status_line("ucs-a").contains("filter /Calendar/"));
    // New entries are filtered as they come; a continuation can make one match.
    tab.push_lines(vec![at(5, "Suite.Web x"), "   Calendar.dll".into()], false);
    assert_eq!(tab.shown(), 3);
    typed(&mut tab, LogsAction::Search, "failed|sync ok|Web", &mut cx);
    assert_eq!(tab.search_matches(), Some(3), "only shown entries count");
    // Esc: the search goes first, then the filter.
    tab.update(Action::Logs(LogsAction::ClearSearch), &mut cx);
    assert!(tab.search_matches().is_none());
    assert_eq!(tab.shown(), 3);
    tab.update(Action::Logs(LogsAction::ClearSearch), &mut cx);
    assert_eq!(tab.shown(), 5);
}

#[test]
fn e_and_shift_e_jump_between_errors_or_worse() {
    let mut tab = LogsTab::default();
    let mut cx = cx();
    tab.push_lines(
        vec![
            line(1, "ERROR"),
            line(2, "INFO"),
            line(3, "FATAL"),
            line(4, "WARN"),
            line(5, "INFO"),
        ],
        true,
    );
    tab.update(Action::Logs(LogsAction::PrevError), &mut cx);
    assert!(focused_text(&tab).unwrap().ends_with("message 3"));
    tab.update(Action::Logs(LogsAction::PrevError), &mut cx);
    assert!(focused_text(&tab).unwrap().ends_with("message 1"));
    tab.update(Action::Logs(LogsAction::NextError), &mut cx);
    assert!(focused_text(&tab).unwrap().ends_with("message 3"));
    tab.update(Action::Logs(LogsAction::NextError), &mut cx);
    assert!(focused_text(&tab).unwrap().ends_with("message 3"));
    assert!(cx.status.unwrap().1.contains("No newer ERROR entry"));
}

#[test]
fn a_bad_regex_is_shown_not_applied() {
    let mut tab = LogsTab::default();
    let mut cx = cx();
    for action in [LogsAction::Search, LogsAction::Filter] {
        tab.update(Action::Logs(action), &mut cx);
        tab.update(Action::Input(InputRequest::InsertChar('(')), &mut cx);
        assert!(tab.editor_error.is_some());
        tab.update(Action::InputCommit, &mut cx);
        assert!(tab.editing());
        tab.update(Action::InputCancel, &mut cx);
    }
    assert!(tab.search.is_none() && tab.filter.is_none());
}

fn cluster_of(names: &[&str]) -> LogsTab {
    let empty = LogsTab::default();
    let logs: Vec<&LogsTab> = names.iter().map(|_| &empty).collect();
    LogsTab::cluster(
        names.iter().map(|n| n.to_string()).collect(),
        DEFAULT_CAPACITY,
        &empty,
        &logs,
    )
}

fn order(tab: &LogsTab) -> Vec<String> {
    tab.entries()
        .map(|e| {
            let text = e.lines().next().unwrap().rsplit("INFO  ").next().unwrap();
            format!("{}:{text}", tab.tags.as_ref().unwrap()[e.node])
        })
        .collect()
}

#[test]
fn the_cluster_view_merges_batches_by_time_stably() {
    let mut tab = cluster_of(&["a", "b"]);
    tab.push_node_lines(0, vec![at(10, "a10"), at(20, "a20"), at(30, "a30")], true);
    tab.push_node_lines(1, vec![at(5, "b5"), at(20, "b20"), at(25, "b25")], true);
    assert_eq!(
        order(&tab),
        ["b:b5", "a:a10", "a:a20", "b:b20", "b:b25", "a:a30"],
        "equal times keep arrival order"
    );
    tab.push_node_lines(0, vec![at(26, "a26"), at(40, "a40")], false);
    assert_eq!(order(&tab)[5..], ["a:a26", "a:a30", "a:a40"]);
    assert_eq!(tab.total, 8);
    assert!(
        tab.status_line("cluster of 2 nodes")
            .contains("8/8 entries")
    );
}

#[test]
fn cluster_continuation_lines_join_their_own_node_entry() {
    let mut tab = cluster_of(&["a", "b"]);
    tab.push_node_lines(0, vec![at(10, "a10 failed")], true);
    tab.push_node_lines(1, vec![at(11, "b11")], true);
    tab.push_node_lines(0, vec!["   at A.Run()".into()], false);
    let a = tab.entries().find(|e| e.node == 0).unwrap();
    assert_eq!(
        a.lines().collect::<Vec<_>>(),
        [at(10, "a10 failed").as_str(), "   at A.Run()"]
    );
    assert_eq!(tab.len(), 2);
}

#[test]
fn a_paused_cluster_view_stays_on_its_entry_when_older_lines_merge_in_above() {
    let mut tab = cluster_of(&["a", "b"]);
    let mut cx = cx();
    tab.push_node_lines(
        0,
        (0..10).map(|i| at(i * 10, &format!("a{i}"))).collect(),
        true,
    );
    tab.update(Action::Nav(Nav::Up), &mut cx);
    tab.update(Action::Nav(Nav::Up), &mut cx);
    assert!(bottom_text(&tab).ends_with("a7"));
    tab.push_node_lines(
        1,
        (0..10).map(|i| at(i * 10 + 5, &format!("b{i}"))).collect(),
        true,
    );
    assert!(bottom_text(&tab).ends_with("a7"), "{}", bottom_text(&tab));
    assert_eq!(tab.waiting(), 5, "b7, a8, b8, a9, b9 wait below");
}

#[test]
fn the_cluster_view_is_bounded_and_keeps_the_newest() {
    let empty = LogsTab::default();
    let mut tab = LogsTab::cluster(vec!["a".into(), "b".into()], 10, &empty, &[&empty, &empty]);
    tab.push_node_lines(
        0,
        (0..20).map(|i| at(i * 2, &format!("a{i}"))).collect(),
        true,
    );
    tab.push_node_lines(
        1,
        (0..20).map(|i| at(i * 2 + 1, &format!("b{i}"))).collect(),
        true,
    );
    assert_eq!(tab.len(), 10);
    assert_eq!(tab.total, 40);
    assert_eq!(order(&tab)[0], "a:a15");
    assert_eq!(order(&tab)[9], "b:b19");
    assert!(tab.status_line("c").contains("10/40 entries (10 kept)"));
}

#[test]
fn the_cluster_view_starts_from_what_each_node_holds_with_the_same_settings() {
    let mut cx = cx();
    let mut a = LogsTab::default();
    a.push_lines(vec![at(1, "a1 timeout"), at(3, "a3")], true);
    typed(&mut a, LogsAction::Search, "timeout", &mut cx);
    a.update(Action::Logs(LogsAction::ToggleWrap), &mut cx);
    let mut b = LogsTab::default();
    b.push_lines(vec![at(2, "b2 timeout"), at(4, "b4")], true);
    let tab = LogsTab::cluster(vec!["a".into(), "b".into()], 100, &a, &[&a, &b]);
    assert_eq!(
        order(&tab),
        ["a:a1 timeout", "b:b2 timeout", "a:a3", "b:b4"]
    );
    assert!(tab.wrap);
    assert_eq!(tab.search_matches(), Some(2));
}

#[test]
fn wrap_cuts_rows_to_the_width() {
    let rows = wrap_spans(vec![Span::raw("abcdefghij")], 4);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2].to_string(), "ij");
}

#[test]
fn thousands_are_grouped() {
    assert_eq!(group(48211), "48,211");
    assert_eq!(group(100000), "100,000");
    assert_eq!(group(7), "7");
}

#[test]
fn a_runaway_stack_trace_stays_bounded_across_batches() {
    let mut tab = LogsTab::with_capacity(10);
    let trace = |n: usize| {
        (0..n)
            .map(|i| format!("   at Frame{i}()"))
            .collect::<Vec<_>>()
    };
    let mut first = vec![line(1, "ERROR")];
    first.extend(trace(MAX_LINES_PER_ENTRY - 3));
    tab.push_lines(first, true);
    // The rest arrives in a later batch: it continues the same entry.
    tab.push_lines(trace(10), false);
    let entry = tab.entries().next().unwrap();
    assert_eq!(tab.len(), 1);
    assert_eq!(entry.line_count(), MAX_LINES_PER_ENTRY);
    assert_eq!(entry.lines().count(), MAX_LINES_PER_ENTRY);
    assert_eq!(entry.lines().last(), Some("   at Frame1()"));
    assert_eq!(entry.level, Some(Level::Error));
}

#[test]
fn a_search_never_matches_across_two_lines() {
    let cx = &mut cx();
    let mut tab = LogsTab::with_capacity(10);
    tab.push_lines(vec![line(1, "INFO") + " alpha", "beta".into()], true);
    typed(&mut tab, LogsAction::Search, "alpha\\sbeta", cx);
    assert_eq!(tab.search_matches(), Some(0));
    tab.update(Action::Logs(LogsAction::ClearSearch), cx);
    typed(&mut tab, LogsAction::Search, "^beta$", cx);
    assert_eq!(tab.search_matches(), Some(1));
}

fn past_lines(lines: Vec<String>, focus: Option<&str>) -> past::PastLines {
    past::PastLines {
        lines,
        focus: focus.map(|t| entry::parse_timestamp(t).unwrap()),
        title: "AT test".into(),
    }
}

#[test]
fn t_asks_for_a_time_and_a_bad_one_keeps_the_field_open() {
    let mut tab = LogsTab::default();
    let mut cx = Cx { node: 3, ..cx() };
    typed(&mut tab, LogsAction::AskTime, "half past two", &mut cx);
    assert!(tab.editing(), "a bad time keeps the field open");
    assert!(tab.editor_error.is_some());
    assert!(cx.effects.is_empty());
    tab.update(Action::InputCancel, &mut cx);
    typed(&mut tab, LogsAction::AskTime, "2026-12-02 02:13", &mut cx);
    assert!(!tab.editing());
    let want = entry::parse_timestamp("2026-12-02 02:13:00,000").unwrap();
    match cx.effects.as_slice() {
        [
            Effect::LogPast {
                nodes,
                cluster: false,
                query: past::LogQuery::At(at),
                ..
            },
        ] => {
            assert_eq!(nodes, &[3]);
            assert_eq!(*at, want);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_past_view_shows_the_moment_until_end_goes_back_live() {
    let mut tab = LogsTab::default();
    let mut cx = cx();
    tab.push_lines(vec![line(50, "INFO"), line(51, "INFO")], true);
    let past_text: Vec<String> = (0..6).map(|s| at(2 * 3600 + 10 * s, "old")).collect();
    tab.show_past(
        0,
        7,
        Ok(past_lines(past_text, Some("2026-11-22 02:00:25,000"))),
        &mut cx,
    );
    assert!(tab.in_past());
    let view = &tab.past.as_ref().unwrap().view;
    // The first entry at or after 02:00:25 is the one at 02:00:30.
    assert!(
        focused_text(view)
            .unwrap()
            .starts_with("2026-11-22 02:00:30")
    );
    assert!(bottom_text(view).starts_with("2026-11-22 02:00:30"));
    assert!(view.status_line("n").starts_with("AT test"));
    // Live lines keep arriving underneath.
    tab.push_lines(vec![line(52, "INFO")], false);
    assert_eq!(tab.len(), 3);
    tab.update(Action::Nav(Nav::Bottom), &mut cx);
    assert!(!tab.in_past() && tab.follow);
    assert!(bottom_text(&tab).ends_with("message 52"));
}

#[test]
fn the_cluster_past_view_merges_every_nodes_part_by_time() {
    let mut tab = cluster_of(&["a", "b"]);
    let mut cx = cx();
    let a = vec![at(100, "a1"), at(300, "a2")];
    let b = vec![at(200, "b1"), at(400, "b2")];
    tab.show_past(
        0,
        9,
        Ok(past_lines(a, Some("2026-11-22 00:05:00,000"))),
        &mut cx,
    );
    tab.show_past(
        1,
        9,
        Ok(past_lines(b, Some("2026-11-22 00:03:00,000"))),
        &mut cx,
    );
    let view = &tab.past.as_ref().unwrap().view;
    assert_eq!(order(view), ["a:a1", "b:b1", "a:a2", "b:b2"]);
    assert!(focused_text(view).unwrap().contains("b1"));
    // Another request replaces the view.
    tab.show_past(1, 10, Ok(past_lines(vec![at(5, "new")], None)), &mut cx);
    assert_eq!(order(&tab.past.as_ref().unwrap().view), ["b:new"]);
}

#[test]
fn past_the_oldest_kept_entry_e_and_n_search_the_rotated_files() {
    let mut tab = LogsTab::default();
    let mut cx = cx();
    tab.push_lines(vec![line(1, "INFO"), line(2, "ERROR")], true);
    tab.update(Action::Logs(LogsAction::PrevError), &mut cx);
    assert!(focused_text(&tab).unwrap().ends_with("message 2"));
    assert!(cx.effects.is_empty());
    tab.update(Action::Logs(LogsAction::PrevError), &mut cx);
    let before = entry::parse_timestamp(&line(1, "INFO")).unwrap();
    match cx.effects.as_slice() {
        [
            Effect::LogPast {
                query:
                    past::LogQuery::Older {
                        before: b,
                        what: past::Wanted::Error,
                    },
                ..
            },
        ] => assert_eq!(*b, before),
        other => panic!("{other:?}"),
    }
    cx.effects.clear();
    typed(&mut tab, LogsAction::Search, "nowhere", &mut cx);
    cx.effects.clear();
    tab.update(Action::Logs(LogsAction::PrevMatch), &mut cx);
    assert!(matches!(
        cx.effects.as_slice(),
        [Effect::LogPast {
            query: past::LogQuery::Older {
                what: past::Wanted::Pattern(p),
                ..
            },
            ..
        }] if p == "nowhere"
    ));
}

#[test]
fn a_failed_read_says_why_and_keeps_the_live_view() {
    let mut tab = LogsTab::default();
    let mut cx = cx();
    tab.show_past(0, 1, Err("no older ERROR entry in the log".into()), &mut cx);
    assert!(!tab.in_past());
    assert!(cx.status.unwrap().1.contains("no older ERROR"));
}
