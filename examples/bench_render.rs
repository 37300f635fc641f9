//! Time to draw a full 200x60 log view (100,000 entries kept) into a
//! `TestBackend`: the frame budget is 2 ms. Run with
//! `cargo run --release --example bench_render`.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ucsconf::tui::action::{Action, LogsAction, TabId};
use ucsconf::tui::state::{NodeState, State, update};
use ucsconf::tui::theme;
use ucsconf::tui::ui;

const FRAMES: usize = 500;

fn lines(count: usize) -> Vec<String> {
    let levels = ["INFO", "DEBUG", "WARN", "INFO", "ERROR", "INFO"];
    let mut out = Vec::with_capacity(count + count / 6);
    for i in 0..count {
        let level = levels[i % levels.len()];
        out.push(format!(
            "2026-11-22 10:{:02}:{:02},{:03} {level:<5} Suite.Presence   poll {} users in {} ms; \
             request /api/attendant/status?id={i} answered with a body long enough to need wrapping on a narrow terminal",
            (i / 60) % 60,
            i % 60,
            i % 1000,
            1000 + i % 5000,
            800 + i % 400
        ));
        if level == "ERROR" {
            out.push("   at Suite.Calendar.Ews.Sync() in Ews.cs:line 214".to_string());
            out.push("   at Suite.Calendar.Worker.Run() in Worker.cs:line 88".to_string());
        }
    }
    out
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
}
