//! Time to draw a full 200x60 log view (100,000 entries kept) into a
//! `TestBackend`: the frame budget is 2 ms. Also: a search highlighted, the
//! cluster view of three nodes, and what merging a batch into it costs.
//! Run with `cargo run --release --example bench_render`.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tui_input::InputRequest;
use ucsconf::tui::action::{Action, LogsAction, TabId};
use ucsconf::tui::state::{NodeState, State, update};
use ucsconf::tui::theme;
use ucsconf::tui::ui;

const FRAMES: usize = 500;

/// `count` entries a second apart, starting at `offset_ms` past 00:00.
fn lines_from(count: usize, offset_ms: usize) -> Vec<String> {
    let levels = ["INFO", "DEBUG", "WARN", "INFO", "ERROR", "INFO"];
    let mut out = Vec::with_capacity(count + count / 6);
    for i in 0..count {
        let level = levels[i % levels.len()];
        let s = i + offset_ms / 1000;
        out.push(format!(
            "2026-11-{:02} {:02}:{:02}:{:02},{:03} {level:<5} Suite.Presence   poll {} users in {} ms; \
             request https://ucs.corp.local/api/attendant/status?id={i} from 10.0.{}.{} answered with a body long enough to need wrapping",
            1 + s / 86_400,
            (s / 3600) % 24,
            (s / 60) % 60,
            s % 60,
            offset_ms % 1000,
            1000 + i % 5000,
            800 + i % 400,
            i % 250,
            i % 200
        ));
        if level == "ERROR" {
            out.push("   at Suite.Calendar.Ews.Sync() in Ews.cs:line 214".to_string());
            out.push("   at Suite.Calendar.Worker.Run() in Worker.cs:line 88".to_string());
        }
    }
    out
}

fn lines(count: usize) -> Vec<String> {
    lines_from(count, 0)
}

fn measure(label: &str, state: &State) {
    let theme = theme::built_in("default").expect("built-in theme");
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("test backend");
    let mut times: Vec<Duration> = Vec::with_capacity(FRAMES);
    for _ in 0..FRAMES {
        let start = Instant::now();
        terminal
            .draw(|f| ui::render(f, state, &theme))
            .expect("draw");
        times.push(start.elapsed());
    }
    times.sort();
    let total: Duration = times.iter().sum();
    let mean = total / FRAMES as u32;
    let pct = |p: f64| times[((FRAMES as f64 * p) as usize).min(FRAMES - 1)];
    println!(
        "{label:<28} mean {:>8.3} ms   median {:>8.3} ms   p99 {:>8.3} ms   max {:>8.3} ms   {}",
        mean.as_secs_f64() * 1e3,
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        times[FRAMES - 1].as_secs_f64() * 1e3,
        if pct(0.5) < Duration::from_millis(2) {
            "within 2 ms"
        } else {
            "OVER 2 ms"
        }
    );
}

fn main() {
    let mut state = State::new(
        vec![NodeState::new("ucs-a", "local", "/srv/ucs/ucs-a")],
        None,
    );
    let start = Instant::now();
    update(
        &mut state,
        Action::LogLines {
            node: 0,
            lines: lines(120_000),
            reset: true,
            credit: Default::default(),
        },
    );
    println!(
        "loaded {} entries ({} kept) in {:.1} ms",
        state.nodes[0].logs.total,
        state.nodes[0].logs.len(),
        start.elapsed().as_secs_f64() * 1e3
    );
    update(&mut state, Action::GoTab(TabId::Logs));
    println!("{FRAMES} frames of 200x60 each:");
    measure("following", &state);
    update(&mut state, Action::Logs(LogsAction::ToggleWrap));
    measure("following, wrapped", &state);
    update(&mut state, Action::Logs(LogsAction::ToggleWrap));
    for _ in 0..4 {
        update(&mut state, Action::Logs(LogsAction::CycleLevel));
    }
    measure("level >= ERROR", &state);
    update(&mut state, Action::Logs(LogsAction::CycleLevel));
    let start = Instant::now();
    update(&mut state, Action::Logs(LogsAction::Search));
    for c in "users in 9[0-9]".chars() {
        update(&mut state, Action::Input(InputRequest::InsertChar(c)));
    }
    update(&mut state, Action::InputCommit);
    println!(
        "search over the {} entries (count, jump) in {:.1} ms",
        state.nodes[0].logs.len(),
        start.elapsed().as_secs_f64() * 1e3
    );
    measure("search highlighted", &state);
    cluster();
}

/// Three nodes, each with 120,000 lines a second apart (offset by a third
/// of a second), merged.
fn cluster() {
    let names = ["ucs-a", "ucs-b", "ucs-c"];
    let nodes = names
        .iter()
        .map(|n| NodeState::new(n, "local", "/srv/ucs"))
        .collect();
    let mut state = State::new(nodes, None);
    for node in 0..names.len() {
        update(
            &mut state,
            Action::LogLines {
                node,
                lines: lines_from(120_000, node * 333),
                reset: true,
                credit: Default::default(),
            },
        );
    }
    update(&mut state, Action::GoTab(TabId::Logs));
    let start = Instant::now();
    update(&mut state, Action::Logs(LogsAction::ToggleCluster));
    let cluster = state.cluster.as_ref().expect("the cluster view");
    println!(
        "cluster view of 3 x {} entries built in {:.1} ms ({} kept)",
        state.nodes[0].logs.len(),
        start.elapsed().as_secs_f64() * 1e3,
        cluster.len()
    );
    // Batches of 100 entries from one node, each reaching 30 s back into
    // what the others logged (clocks and polls are never in step).
    let rounds = 50;
    let batches: Vec<Vec<String>> = (0..rounds)
        .map(|r| lines_from(100, ((120_000 + r * 100 - 30) * 1000) + 500))
        .collect();
    let start = Instant::now();
    for batch in batches {
        update(
            &mut state,
            Action::LogLines {
                node: 1,
                lines: batch,
                reset: false,
                credit: Default::default(),
            },
        );
    }
    println!(
        "merging a 100-entry batch into it: {:.3} ms each (mean of {rounds})",
        start.elapsed().as_secs_f64() * 1e3 / rounds as f64
    );
    measure("cluster view, 3 nodes", &state);
}
