//! The event loop: terminal events and background results arrive on one
//! channel; each is turned into an action and applied; the screen is drawn
//! only when something arrived (queued messages are merged into one frame,
//! and bursts are held to about 30 frames a second). No timer ticks.
//!
//! This is the TUI's one way to the terminal; every frame's text is escaped
//! before it is drawn (see `ui::draw`).
#![allow(clippy::disallowed_methods)]

use std::io::{self, Stdout};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use ratatui::crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use super::action::Action;
use super::effects::{Msg, Runner};
use super::keymap;
use super::state::{NodeState, State, update};
use super::theme::Theme;
use super::ui;
use crate::ops::Target;

/// The shortest time between two frames.
const FRAME: Duration = Duration::from_millis(33);

/// Whether the interface owns the terminal (for the panic hook).
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();
static UI_THREAD: std::sync::Mutex<Option<ThreadId>> = std::sync::Mutex::new(None);

fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, cursor::Show);
}

fn on_ui_thread() -> bool {
    let ui = UI_THREAD.lock().map(|g| *g).unwrap_or(None);
    ui.is_none_or(|id| id == std::thread::current().id())
}

/// A panic on the interface's thread restores the terminal, then reports as
/// usual. One in a background task is caught by its supervisor and shown in
/// the status line instead, so it must not print over the screen.
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if ACTIVE.load(Ordering::SeqCst) {
                if !on_ui_thread() {
                    return;
                }
                ACTIVE.store(false, Ordering::SeqCst);
                restore_terminal();
            }
            previous(info);
        }));
    });
}

/// Raw mode and the alternate screen for as long as it lives.
struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl TerminalGuard {
    fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        if let Ok(mut g) = UI_THREAD.lock() {
            *g = Some(std::thread::current().id());
        }
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        // Cleared here rather than with `Terminal::clear`, which asks the
        // terminal for the cursor position (a round trip some consoles never answer).
        let setup = execute!(io::stdout(), EnterAlternateScreen, Clear(ClearType::All))
            .and_then(|_| Terminal::new(CrosstermBackend::new(io::stdout())));
        match setup {
            Ok(terminal) => Ok(TerminalGuard { terminal }),
            Err(e) => {
                ACTIVE.store(false, Ordering::SeqCst);
                restore_terminal();
                Err(e)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if ACTIVE.swap(false, Ordering::SeqCst) {
            restore_terminal();
        }
    }
}

/// Reads terminal events on a thread of its own (blocking reads cost nothing
/// while idle) and forwards them.
fn spawn_input(tx: UnboundedSender<Msg>) {
    std::thread::Builder::new()
        .name("ucsconf-input".into())
        .spawn(move || {
            while let Ok(event) = event::read() {
                if tx.send(Msg::Term(event)).is_err() {
                    break;
                }
            }
        })
        .map(|_| ())
        .unwrap_or_else(|_| ());
}

/// The action for one message, if any: keys only on press, through the keymap.
pub fn action_for(state: &State, msg: Msg) -> Option<Action> {
    match msg {
        Msg::Action(action) => Some(*action),
        Msg::Term(Event::Key(key)) if key.kind == KeyEventKind::Press => {
            keymap::lookup(&state.layers(), &key)
        }
        Msg::Term(Event::Resize(..)) => Some(Action::Resize),
        Msg::Term(_) => None,
    }
}

/// Applies one message; returns whether the screen needs drawing.
fn handle(state: &mut State, runner: &Runner, msg: Msg) -> bool {
    let Some(action) = action_for(state, msg) else {
        return false;
    };
    let redraw = state.redraws(&action);
    for effect in update(state, action) {
        runner.run(effect);
    }
    redraw
}

pub fn node_states(targets: &[Target]) -> Vec<NodeState> {
    targets
        .iter()
        .map(|t| NodeState::new(t.name(), &t.node.transport().to_string(), t.node.root()))
        .collect()
}

pub async fn run(targets: Vec<Target>, theme: Theme, title: Option<String>) -> anyhow::Result<()> {
    run_with(targets, super::TuiOptions::new(theme, title)).await
}

/// [`run`] with every option.
pub async fn run_with(targets: Vec<Target>, options: super::TuiOptions) -> anyhow::Result<()> {
    let super::TuiOptions {
        theme,
        title,
        test_overrides,
        specs,
        ssh_options,
        prompter,
        log_capacity,
    } = options;
    let mut state = State::new(node_states(&targets), title);
    state.set_log_capacity(log_capacity);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let overrides = targets
        .iter()
        .map(|t| test_overrides.get(t.name()).cloned().unwrap_or_default())
        .collect();
    let specs = targets
        .iter()
        .map(|t| specs.iter().find(|s| s.name == t.name()).cloned())
        .collect();
    let runner = Runner::new(targets, tx.clone())
        .with_test_overrides(overrides)
        .with_specs(specs, ssh_options);
    prompter.connect(tx.clone());
    let result = event_loop(&mut state, &runner, tx, &mut rx, &theme).await;
    prompter.disconnect();
    result
}

async fn event_loop(
    state: &mut State,
    runner: &Runner,
    tx: mpsc::UnboundedSender<Msg>,
    rx: &mut UnboundedReceiver<Msg>,
    theme: &Theme,
) -> anyhow::Result<()> {
    let mut guard = TerminalGuard::enter()?;
    spawn_input(tx);
    for effect in state.start() {
        runner.run(effect);
    }
    guard.terminal.draw(|f| ui::render(f, state, theme))?;
    let mut last_draw = Instant::now();
    while let Some(msg) = rx.recv().await {
        let mut redraw = handle(state, runner, msg);
        redraw |= drain(state, runner, rx);
        if state.quit {
            break;
        }
        if !redraw {
            continue;
        }
        let deadline = last_draw + FRAME;
        while Instant::now() < deadline && !state.quit {
            match tokio::time::timeout_at(deadline.into(), rx.recv()).await {
                Ok(Some(msg)) => {
                    handle(state, runner, msg);
                    drain(state, runner, rx);
                }
                Ok(None) | Err(_) => break,
            }
        }
        if state.quit {
            break;
        }
        guard.terminal.draw(|f| ui::render(f, state, theme))?;
        last_draw = Instant::now();
    }
    drop(guard);
    Ok(())
}

/// Takes every message already queued (one frame for all of them).
fn drain(state: &mut State, runner: &Runner, rx: &mut UnboundedReceiver<Msg>) -> bool {
    let mut redraw = false;
    while let Ok(msg) = rx.try_recv() {
        redraw |= handle(state, runner, msg);
        if state.quit {
            break;
        }
    }
    redraw
}
