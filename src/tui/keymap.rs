//! The one table of key bindings. It decides what a key does (by the layers
//! active: dialog > text input > tab > global) and generates both the `?`
//! overlay and the hint line, so they cannot disagree.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, FormAction, LogsAction, PresenceAction, SystemAction, TabId};
use crate::settings::FormId;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ctx {
    Global,
    /// Movement inside every tab.
    Nav,
    System,
    Presence,
    /// A form file's tab (Calendar).
    Form,
    Logs,
    /// The log view while a search is set: `n`/`N` move between matches
    /// (instead of between nodes).
    LogSearch,
    /// A confirmation or choice dialog.
    Dialog,
    /// A scrolled overlay (help, drift, health, results).
    Overlay,
    /// A list to pick a value from.
    Choice,
    /// A text field being edited: keys not bound here are typed.
    Input,
}

impl Ctx {
    pub fn title(self) -> &'static str {
        match self {
            Ctx::Global => "Everywhere",
            Ctx::Nav => "Moving",
            Ctx::System => "System Parameters",
            Ctx::Presence => "Presence.ini",
            Ctx::Form => form_titles(),
            Ctx::Logs => "Logs",
            Ctx::LogSearch => "Logs, while a search is set",
            Ctx::Dialog => "Dialogs",
            Ctx::Overlay => "Overlays (help, drift, health, history, results)",
            Ctx::Choice => "Choice lists",
            Ctx::Input => "Editing a field",
        }
    }

    /// A form file's tab, named by the form files' titles.
    pub fn of_tab(tab: TabId) -> Ctx {
        match tab {
            TabId::System => Ctx::System,
            TabId::Presence => Ctx::Presence,
            TabId::Form(_) => Ctx::Form,
            TabId::Logs => Ctx::Logs,
        }
    }

    /// Whether this layer deliberately takes keys of `lower` while it is on
    /// (a mode: searching the log makes `n`/`N` move between matches).
    pub fn shadows(self, lower: Ctx) -> bool {
        matches!((self, lower), (Ctx::LogSearch, Ctx::Global))
    }

    /// The order the `?` overlay lists contexts in.
    pub const ALL: [Ctx; 11] = [
        Ctx::Global,
        Ctx::Nav,
        Ctx::System,
        Ctx::Presence,
        Ctx::Form,
        Ctx::Logs,
        Ctx::LogSearch,
        Ctx::Input,
        Ctx::Dialog,
        Ctx::Choice,
        Ctx::Overlay,
    ];
}

/// A key with its modifiers (Shift is folded into the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            mods: KeyModifiers::NONE,
        }
    }

    pub const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        }
    }

    /// The key of a terminal event, normalized: `N` with or without Shift is
    /// `N`; Shift-Tab is BackTab.
    pub fn of(event: &KeyEvent) -> Key {
        let mut mods = event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match event.code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            KeyCode::Tab if event.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            other => other,
        };
        if code == KeyCode::BackTab {
            mods -= KeyModifiers::SHIFT;
        }
        Key { code, mods }
    }

    pub fn label(self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                c.to_ascii_uppercase().to_string()
            }
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            other => format!("{other:?}"),
        };
        let mut label = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            label.push_str("Ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            label.push_str("Alt-");
        }
        label + &base
    }
}

/// Whether and how a binding shows in the hint line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    No,
    Yes,
    /// Shown with this key label and text instead (one hint for a family).
    As(&'static str, &'static str),
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub ctx: Ctx,
    pub keys: Vec<Key>,
    pub action: Action,
    pub desc: &'static str,
    pub hint: Hint,
}

impl Binding {
    pub fn keys_label(&self) -> String {
        self.keys
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The (keys, text) pair of the hint line, if shown there.
    pub fn hint(&self) -> Option<(String, &'static str)> {
        match self.hint {
            Hint::No => None,
            Hint::Yes => Some((self.keys_label(), self.desc)),
            Hint::As(keys, text) => Some((keys.to_string(), text)),
        }
    }
}

fn bind(ctx: Ctx, keys: &[Key], action: Action, desc: &'static str, hint: Hint) -> Binding {
    Binding {
        ctx,
        keys: keys.to_vec(),
        action,
        desc,
        hint,
    }
}

/// The form files' tab titles, for the heading of their keys.
fn form_titles() -> &'static str {
    static TITLES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TITLES.get_or_init(|| {
        let titles: Vec<&str> = FormId::ALL.iter().map(|f| f.tab_title()).collect();
        titles.join(", ")
    })
}

/// `1`, `2`, ... for each tab in order.
fn tab_bindings() -> Vec<Binding> {
    TabId::all()
        .iter()
        .copied()
        .zip('1'..='9')
        .map(|(tab, digit)| {
            bind(
                Ctx::Global,
                &[Key::ch(digit)],
                Action::GoTab(tab),
                tab.title(),
                Hint::No,
            )
        })
        .collect()
}

/// Every binding, in the order the help overlay and the hint line show them.
#[rustfmt::skip]
pub fn bindings() -> Vec<Binding> {
    use super::action::Nav as Mv;
    use Ctx::*;
    use Hint::{As, No, Yes};
    use KeyCode as K;
    let p = Key::plain;
    let c = Key::ch;
    vec![
        // Tabs first, so their hints lead the hint line.
        bind(System, &[p(K::Enter)], Action::System(SystemAction::Activate), "edit field / press button", As("Enter", "edit/press")),
        bind(System, &[p(K::Esc)], Action::System(SystemAction::CancelTest), "cancel the running credentials test", No),
        bind(Presence, &[p(K::Enter)], Action::Presence(PresenceAction::Activate), "edit value, toggle a 0/1 key, fold a section", As("Enter", "edit/toggle")),
        bind(Presence, &[c('a')], Action::Presence(PresenceAction::Add), "add a key", As("a/d", "add/delete")),
        bind(Presence, &[c('d')], Action::Presence(PresenceAction::Delete), "delete the selected key", No),
        bind(Presence, &[c('r')], Action::Presence(PresenceAction::ToggleRaw), "raw file view on/off", As("r", "raw")),
        bind(Form, &[p(K::Enter), c(' ')], Action::Form(FormAction::Activate), "edit field, toggle, choose", As("Enter", "edit/toggle")),
        bind(Logs, &[c(' '), c('f')], Action::Logs(LogsAction::ToggleFollow), "pause / follow", As("Space", "pause")),
        bind(Logs, &[c('w')], Action::Logs(LogsAction::ToggleWrap), "wrap long lines on/off", As("w", "wrap")),
        bind(Logs, &[c('/')], Action::Logs(LogsAction::Search), "search (regular expression): matches highlighted, n/N jump", As("/", "search")),
        bind(Logs, &[c('&')], Action::Logs(LogsAction::Filter), "filter: show only the entries matching a regular expression", As("&", "filter")),
        bind(Logs, &[c('l')], Action::Logs(LogsAction::CycleLevel), "minimum level: all, DEBUG, INFO, WARN, ERROR", As("l", "level")),
        bind(Logs, &[c('e')], Action::Logs(LogsAction::NextError), "next (newer) ERROR or worse", As("e/E", "error")),
        bind(Logs, &[c('E')], Action::Logs(LogsAction::PrevError), "previous (older) ERROR or worse", No),
        bind(Logs, &[c('c')], Action::Logs(LogsAction::ToggleCluster), "cluster view: every node's log merged by time", As("c", "cluster")),
        bind(Logs, &[c('t')], Action::Logs(LogsAction::AskTime), "jump to a time (\"2026-12-02 02:13\", \"02:13\", \"2h\"), across rotated files", As("t", "time")),
        bind(Logs, &[c('o')], Action::Logs(LogsAction::PickFile), "open another file of the log folder (Var/Log)", As("o", "open")),
        bind(Logs, &[p(K::Esc)], Action::Logs(LogsAction::ClearSearch), "clear the search, then the filter", No),
        bind(LogSearch, &[c('n')], Action::Logs(LogsAction::NextMatch), "next (newer) match", As("n/N", "match")),
        bind(LogSearch, &[c('N')], Action::Logs(LogsAction::PrevMatch), "previous (older) match", No),
        // Moving inside a tab.
        bind(Nav, &[p(K::Up), c('k')], Action::Nav(Mv::Up), "up (logs: scroll up, pauses)", No),
        bind(Nav, &[p(K::Down), c('j')], Action::Nav(Mv::Down), "down", No),
        bind(Nav, &[p(K::PageUp)], Action::Nav(Mv::PageUp), "page up", No),
        bind(Nav, &[p(K::PageDown)], Action::Nav(Mv::PageDown), "page down", No),
        bind(Nav, &[p(K::Home), c('g')], Action::Nav(Mv::Top), "first", No),
        bind(Nav, &[p(K::End), c('G')], Action::Nav(Mv::Bottom), "last (logs: follow again)", No),
        // Everywhere.
        bind(Global, &[Key::ctrl('s')], Action::Save, "save the tab's file (shows the diff first)", As("Ctrl-S", "save")),
        bind(Global, &[c('A')], Action::ApplyAll, "apply the current change to all nodes", As("A", "apply to all")),
        bind(Global, &[c('D')], Action::ShowDrift, "drift: settings that differ between nodes", As("D", "drift")),
        bind(Global, &[c('h')], Action::ShowHistory, "history: what ucsconf changed on each node; restore a change", As("h", "history")),
        bind(Global, &[c('H')], Action::ShowDoctor, "health: what is wrong on each node, with fixes", No),
        bind(Global, &[c('n')], Action::NextNode, "next node", As("n/N", "node")),
        bind(Global, &[c('N')], Action::PrevNode, "previous node", No),
    ]
    .into_iter()
    .chain(tab_bindings())
    .chain([
        bind(Global, &[p(K::Tab)], Action::NextTab, "next tab", No),
        bind(Global, &[p(K::BackTab)], Action::PrevTab, "previous tab", No),
        bind(Global, &[c('R')], Action::Reload, "reload this node (retries one that failed)", No),
        bind(Global, &[c('?')], Action::Help, "all key bindings", As("?", "help")),
        bind(Global, &[c('q'), Key::ctrl('c')], Action::Quit, "quit (asks when something is unsaved)", As("q", "quit")),
        // Editing a field.
        bind(Input, &[p(K::Enter)], Action::InputCommit, "accept", Yes),
        bind(Input, &[p(K::Esc)], Action::InputCancel, "cancel the edit", Yes),
        // Dialogs.
        bind(Dialog, &[c('y')], Action::DialogYes, "yes (the first button)", Yes),
        bind(Dialog, &[c('n'), p(K::Esc)], Action::DialogNo, "no / cancel", As("n/Esc", "no")),
        bind(Dialog, &[p(K::Enter)], Action::DialogChoose, "press the focused button", As("Enter", "choose")),
        bind(Dialog, &[p(K::Left), p(K::BackTab)], Action::DialogPrev, "focus the previous button", No),
        bind(Dialog, &[p(K::Right), p(K::Tab)], Action::DialogNext, "focus the next button", As("←/→", "button")),
        bind(Dialog, &[p(K::Up), c('k')], Action::Nav(Mv::Up), "scroll up", No),
        bind(Dialog, &[p(K::Down), c('j')], Action::Nav(Mv::Down), "scroll down", No),
        bind(Dialog, &[p(K::PageUp)], Action::Nav(Mv::PageUp), "page up", No),
        bind(Dialog, &[p(K::PageDown)], Action::Nav(Mv::PageDown), "page down", No),
        // Choice lists.
        bind(Choice, &[p(K::Up), c('k')], Action::Nav(Mv::Up), "up", No),
        bind(Choice, &[p(K::Down), c('j')], Action::Nav(Mv::Down), "down", No),
        bind(Choice, &[p(K::Enter)], Action::DialogChoose, "choose", Yes),
        bind(Choice, &[p(K::Esc)], Action::Close, "cancel", Yes),
        // Overlays.
        bind(Overlay, &[p(K::Up), c('k')], Action::Nav(Mv::Up), "scroll up", No),
        bind(Overlay, &[p(K::Down), c('j')], Action::Nav(Mv::Down), "scroll down", No),
        bind(Overlay, &[p(K::PageUp)], Action::Nav(Mv::PageUp), "page up", No),
        bind(Overlay, &[p(K::PageDown)], Action::Nav(Mv::PageDown), "page down", No),
        bind(Overlay, &[p(K::Home), c('g')], Action::Nav(Mv::Top), "top", No),
        bind(Overlay, &[p(K::End), c('G')], Action::Nav(Mv::Bottom), "bottom", No),
        bind(Overlay, &[p(K::Enter)], Action::HistoryRestore, "history: preview restoring the selected change", No),
        bind(Overlay, &[c('c')], Action::HistoryScope, "history: this node's changes only, or every node's", No),
        bind(Overlay, &[p(K::Esc), c('?')], Action::Close, "close", As("Esc", "close")),
    ])
    .collect()
}

/// The action for a key event given the active layers (first wins). In the
/// text-input layer, keys it does not bind are typed into the field.
pub fn lookup(layers: &[Ctx], event: &KeyEvent) -> Option<Action> {
    let key = Key::of(event);
    let table = bindings();
    for ctx in layers {
        if let Some(b) = table
            .iter()
            .find(|b| b.ctx == *ctx && b.keys.contains(&key))
        {
            return Some(b.action.clone());
        }
        if *ctx == Ctx::Input {
            return tui_input::backend::crossterm::to_input_request(&Event::Key(*event))
                .map(Action::Input);
        }
    }
    None
}

/// The hint line's entries for the active layers, in table order; a
/// binding whose keys an earlier layer takes is left out.
pub fn hints(layers: &[Ctx]) -> Vec<(String, &'static str)> {
    let table = bindings();
    let taken = |ctx: Ctx, key: &Key| {
        layers
            .iter()
            .take_while(|c| **c != ctx)
            .any(|c| table.iter().any(|b| b.ctx == *c && b.keys.contains(key)))
    };
    layers
        .iter()
        .flat_map(|ctx| {
            table
                .iter()
                .filter(move |b| b.ctx == *ctx)
                .filter(|b| !b.keys.iter().all(|k| taken(b.ctx, k)))
                .filter_map(|b| b.hint())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The help overlay's rows: keys and what they do, by context.
pub fn help_lines() -> Vec<(String, String)> {
    let table = bindings();
    let mut lines = Vec::new();
    for ctx in Ctx::ALL {
        lines.push((String::new(), ctx.title().to_string()));
        for b in table.iter().filter(|b| b.ctx == ctx) {
            lines.push((b.keys_label(), b.desc.to_string()));
        }
        if ctx == Ctx::Input {
            lines.push((
                "other keys".into(),
                "typed into the field (←/→ Home End, Ctrl-U clears)".into(),
            ));
        }
        lines.push((String::new(), String::new()));
    }
    lines
}

pub fn help_len() -> usize {
    help_lines().len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::action::Nav;
    use ratatui::crossterm::event::KeyEventKind;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new_with_kind(code, mods, KeyEventKind::Press)
    }

    /// Every stack of layers the interface can have at once.
    fn stacks() -> Vec<Vec<Ctx>> {
        let mut stacks: Vec<Vec<Ctx>> = TabId::all()
            .iter()
            .map(|t| vec![Ctx::of_tab(*t), Ctx::Nav, Ctx::Global])
            .collect();
        stacks.push(vec![Ctx::LogSearch, Ctx::Logs, Ctx::Nav, Ctx::Global]);
        for modal in [Ctx::Dialog, Ctx::Overlay, Ctx::Choice, Ctx::Input] {
            stacks.push(vec![modal]);
        }
        stacks
    }

    #[test]
    fn no_key_is_bound_twice_in_any_stack_of_layers() {
        let table = bindings();
        for stack in stacks() {
            let mut seen = std::collections::HashMap::new();
            for b in table.iter().filter(|b| stack.contains(&b.ctx)) {
                for key in &b.keys {
                    if let Some((ctx, other)) = seen.insert(*key, (b.ctx, b.desc))
                        && !ctx.shadows(b.ctx)
                    {
                        panic!(
                            "{} bound to both {other:?} and {:?} in {stack:?}",
                            key.label(),
                            b.desc
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn shift_letters_and_ctrl_keys_are_normalized() {
        let layers = [Ctx::Presence, Ctx::Nav, Ctx::Global];
        let n = lookup(&layers, &press(KeyCode::Char('N'), KeyModifiers::SHIFT));
        assert!(matches!(n, Some(Action::PrevNode)));
        let s = lookup(&layers, &press(KeyCode::Char('s'), KeyModifiers::CONTROL));
        assert!(matches!(s, Some(Action::Save)));
        let back = lookup(&layers, &press(KeyCode::BackTab, KeyModifiers::SHIFT));
        assert!(matches!(back, Some(Action::PrevTab)));
    }

    #[test]
    fn escape_never_quits() {
        for stack in stacks() {
            let action = lookup(&stack, &press(KeyCode::Esc, KeyModifiers::NONE));
            assert!(
                !matches!(action, Some(Action::Quit | Action::QuitNow)),
                "{stack:?}"
            );
        }
    }

    #[test]
    fn the_input_layer_types_unbound_keys() {
        let typed = lookup(
            &[Ctx::Input],
            &press(KeyCode::Char('q'), KeyModifiers::NONE),
        );
        assert!(matches!(
            typed,
            Some(Action::Input(tui_input::InputRequest::InsertChar('q')))
        ));
        let commit = lookup(&[Ctx::Input], &press(KeyCode::Enter, KeyModifiers::NONE));
        assert!(matches!(commit, Some(Action::InputCommit)));
    }

    #[test]
    fn the_tab_layer_comes_before_the_global_one() {
        let enter = lookup(
            &[Ctx::Presence, Ctx::Nav, Ctx::Global],
            &press(KeyCode::Enter, KeyModifiers::NONE),
        );
        assert!(matches!(
            enter,
            Some(Action::Presence(PresenceAction::Activate))
        ));
        let none = lookup(
            &[Ctx::Logs, Ctx::Nav, Ctx::Global],
            &press(KeyCode::Char('a'), KeyModifiers::NONE),
        );
        assert!(none.is_none());
    }

    #[test]
    fn hints_follow_the_layers() {
        let hints = hints(&[Ctx::Presence, Ctx::Nav, Ctx::Global]);
        let texts: Vec<&str> = hints.iter().map(|(_, t)| *t).collect();
        assert_eq!(texts[0], "edit/toggle");
        assert!(texts.contains(&"quit"));
        assert!(!texts.contains(&"wrap long lines on/off"));
    }

    #[test]
    fn searching_the_log_makes_n_move_between_matches_and_says_so() {
        let stack = [Ctx::LogSearch, Ctx::Logs, Ctx::Nav, Ctx::Global];
        let n = lookup(&stack, &press(KeyCode::Char('n'), KeyModifiers::NONE));
        assert!(matches!(n, Some(Action::Logs(LogsAction::NextMatch))));
        let texts: Vec<&str> = hints(&stack).iter().map(|(_, t)| *t).collect();
        assert!(texts.contains(&"match"));
        assert!(
            !texts.contains(&"node"),
            "n/N no longer switch nodes: {texts:?}"
        );
        let plain = [Ctx::Logs, Ctx::Nav, Ctx::Global];
        let n = lookup(&plain, &press(KeyCode::Char('n'), KeyModifiers::NONE));
        assert!(matches!(n, Some(Action::NextNode)));
    }

    #[test]
    fn every_binding_has_a_description_and_a_key() {
        for b in bindings() {
            assert!(!b.desc.is_empty());
            assert!(!b.keys.is_empty());
        }
    }

    #[test]
    fn navigation_keys_move() {
        let up = lookup(&[Ctx::Overlay], &press(KeyCode::Up, KeyModifiers::NONE));
        assert!(matches!(up, Some(Action::Nav(Nav::Up))));
    }
}
