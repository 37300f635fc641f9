//! The whole interface state and `update`, the only place it changes.
//! Global actions are handled here; everything about one tab is delegated to
//! that tab's module, which reports back through a [`Cx`].

use std::collections::VecDeque;
use std::time::Duration;

use super::action::Dialog;
use super::action::LogsAction;
use super::action::{Action, ApplyOutcome, Effect, FileKind, Loaded, Nav, TabId};
use super::history;
use super::keymap::Ctx;
use super::model::PendingRestore;
pub use super::model::{
    ChoiceList, Cx, DoctorView, DriftView, HistoryView, Load, Modal, PickTarget, ResultsView,
    Status, StatusKind,
};
use super::prompt::PassphrasePrompt;
use super::tabs::Tab;
use super::tabs::{logs::LogsTab, presence::PresenceTab, system::SystemTab};
use crate::ops::Change;
use crate::settings::FormId;

/// How long a status message stays.
pub const STATUS_TTL: Duration = Duration::from_secs(5);
pub const STATUS_ERROR_TTL: Duration = Duration::from_secs(12);

/// One node: who it is, whether it answers, and each tab's own state.
#[derive(Debug)]
pub struct NodeState {
    pub name: String,
    pub transport: String,
    pub root: String,
    pub reach: Load<()>,
    pub system: SystemTab,
    pub presence: PresenceTab,
    /// The form files' tabs, in the order of `FormId::ALL`.
    pub forms: Vec<Box<dyn Tab>>,
    pub logs: LogsTab,
}

impl NodeState {
    /// The name and root come from the inventory: they are kept escaped,
    /// as every screen shows them.
    pub fn new(name: &str, transport: &str, root: &str) -> NodeState {
        NodeState {
            name: super::sanitize(name).into_owned(),
            transport: transport.to_string(),
            root: super::sanitize(root).into_owned(),
            reach: Load::Loading,
            system: SystemTab::default(),
            presence: PresenceTab::default(),
            forms: FormId::ALL.map(super::tabs::form::new_tab).into(),
            logs: LogsTab::default(),
        }
    }

    /// The tab `id` of this node: the one place a tab is found by its id.
    pub fn tab(&self, id: TabId) -> &dyn Tab {
        match id {
            TabId::System => &self.system,
            TabId::Presence => &self.presence,
            TabId::Form(file) => &*self.forms[file as usize],
            TabId::Logs => &self.logs,
        }
    }

    pub fn tab_mut(&mut self, id: TabId) -> &mut dyn Tab {
        match id {
            TabId::System => &mut self.system,
            TabId::Presence => &mut self.presence,
            TabId::Form(file) => &mut *self.forms[file as usize],
            TabId::Logs => &mut self.logs,
        }
    }

    /// How many of this node's files have unsaved edits.
    pub fn unsaved(&self) -> usize {
        TabId::all().iter().filter(|t| self.tab_dirty(**t)).count()
    }

    pub fn tab_dirty(&self, tab: TabId) -> bool {
        self.tab(tab).dirty()
    }
}

#[derive(Debug)]
pub struct State {
    pub nodes: Vec<NodeState>,
    pub current: usize,
    pub tab: TabId,
    pub modal: Option<Modal>,
    pub status: Option<Status>,
    pub title: Option<String>,
    pub quit: bool,
    next_status: u64,
    /// The change waiting for the "apply to all" confirmation.
    pending_apply: Option<(FileKind, Change)>,
    /// The restore waiting for its confirmation.
    pending_restore: Option<PendingRestore>,
    /// Passphrase questions, the first one shown (above everything else).
    pub prompts: VecDeque<PassphrasePrompt>,
    /// Dialogs that arrived while another was open, shown in turn.
    queued: VecDeque<Modal>,
    /// The cluster view of the logs, while it is on (`c`).
    pub cluster: Option<LogsTab>,
    /// Entries each log view keeps.
    pub log_capacity: usize,
}

impl State {
    pub fn new(nodes: Vec<NodeState>, title: Option<String>) -> State {
        State {
            nodes,
            current: 0,
            tab: TabId::System,
            modal: None,
            status: None,
            title,
            quit: false,
            next_status: 0,
            pending_apply: None,
            pending_restore: None,
            prompts: VecDeque::new(),
            queued: VecDeque::new(),
            cluster: None,
            log_capacity: super::tabs::logs::DEFAULT_CAPACITY,
        }
    }

    /// Entries each log view keeps (set before any log line arrives).
    pub fn set_log_capacity(&mut self, capacity: usize) {
        self.log_capacity = capacity.max(1);
        for node in &mut self.nodes {
            node.logs.capacity = self.log_capacity;
        }
    }

    /// The log view on screen in the Logs tab: the cluster's or the node's.
    pub fn log_view(&self) -> &LogsTab {
        match &self.cluster {
            Some(cluster) => cluster,
            None => &self.node().logs,
        }
    }

    /// Whether `action` can change what is on screen: a log batch or a
    /// test's progress for something not shown does not.
    pub fn redraws(&self, action: &Action) -> bool {
        match action {
            Action::LogLines { node, .. } | Action::LogNote { node, .. } => {
                self.tab == TabId::Logs && (self.cluster.is_some() || *node == self.current)
            }
            Action::TestProgress { node, .. } => self.tab == TabId::System && *node == self.current,
            _ => true,
        }
    }

    /// The tab on screen: the node's, or the cluster's log view.
    pub fn shown_tab(&self) -> &dyn Tab {
        match (&self.cluster, self.tab) {
            (Some(cluster), TabId::Logs) => cluster,
            _ => self.node().tab(self.tab),
        }
    }

    fn editing(&self) -> bool {
        self.shown_tab().editing()
    }

    /// Shows `modal` now, or after the one open now closes.
    fn open(&mut self, modal: Modal) {
        if self.modal.is_none() {
            self.modal = Some(modal);
        } else {
            self.queued.push_back(modal);
        }
    }

    /// The work to start with: every node is probed and loaded at once.
    pub fn start(&self) -> Vec<Effect> {
        (0..self.nodes.len()).map(Effect::LoadNode).collect()
    }

    pub fn node(&self) -> &NodeState {
        &self.nodes[self.current]
    }

    fn node_mut(&mut self) -> &mut NodeState {
        &mut self.nodes[self.current]
    }

    /// Unsaved files over all nodes.
    pub fn unsaved(&self) -> usize {
        self.nodes.iter().map(NodeState::unsaved).sum()
    }

    /// The key layers active now, the first one first.
    pub fn layers(&self) -> Vec<Ctx> {
        if !self.prompts.is_empty() {
            return vec![Ctx::Input];
        }
        match &self.modal {
            Some(Modal::Dialog(_)) => vec![Ctx::Dialog],
            Some(Modal::Choice(_)) => vec![Ctx::Choice],
            Some(_) => vec![Ctx::Overlay],
            None if self.nodes.is_empty() => vec![Ctx::Global],
            None if self.editing() => vec![Ctx::Input],
            None if self.tab == TabId::Logs && self.log_view().searching() => {
                vec![Ctx::LogSearch, Ctx::Logs, Ctx::Nav, Ctx::Global]
            }
            None => vec![Ctx::of_tab(self.tab), Ctx::Nav, Ctx::Global],
        }
    }

    fn cx(&self, node: usize) -> Cx {
        Cx {
            node,
            node_name: self
                .nodes
                .get(node)
                .map(|n| n.name.clone())
                .unwrap_or_default(),
            ..Cx::default()
        }
    }

    /// Applies what a tab handler asked for; returns its effects.
    fn finish(&mut self, cx: Cx) -> Vec<Effect> {
        let mut effects = cx.effects;
        if let Some(modal) = cx.modal {
            self.modal = Some(modal);
        }
        if let Some((kind, text)) = cx.status {
            effects.push(self.set_status(kind, text));
        }
        effects
    }

    /// Shows a status message; the returned effect fades it later.
    pub fn set_status(&mut self, kind: StatusKind, text: impl Into<String>) -> Effect {
        self.next_status += 1;
        let id = self.next_status;
        self.status = Some(Status {
            kind,
            text: text.into(),
            id,
        });
        let after = if kind == StatusKind::Error {
            STATUS_ERROR_TTL
        } else {
            STATUS_TTL
        };
        Effect::ExpireStatus { id, after }
    }

    fn switch_tab(&mut self, tab: TabId) -> Vec<Effect> {
        self.tab = tab;
        self.ensure_log()
    }

    /// Starts tailing the current node's log the first time it is shown.
    fn ensure_log(&mut self) -> Vec<Effect> {
        if self.tab != TabId::Logs || self.nodes.is_empty() {
            return Vec::new();
        }
        let current = self.current;
        let logs = &mut self.node_mut().logs;
        if logs.started {
            return Vec::new();
        }
        logs.started = true;
        vec![Effect::StartLog(current)]
    }

    /// The cluster view on (every node's log followed, merged) or off.
    fn toggle_cluster(&mut self) -> Vec<Effect> {
        if self.cluster.take().is_some() {
            let name = self.node().name.clone();
            return vec![self.set_status(StatusKind::Info, format!("Log of {name}"))];
        }
        let names = self.nodes.iter().map(|n| n.name.clone()).collect();
        let logs: Vec<&LogsTab> = self.nodes.iter().map(|n| &n.logs).collect();
        let cluster = LogsTab::cluster(names, self.log_capacity, &self.node().logs, &logs);
        self.cluster = Some(cluster);
        let mut effects = Vec::new();
        for (i, node) in self.nodes.iter_mut().enumerate() {
            if !node.logs.started {
                node.logs.started = true;
                effects.push(Effect::StartLog(i));
            }
        }
        let text = format!(
            "Cluster view: the logs of {} nodes merged by time (c again: one node)",
            self.nodes.len()
        );
        effects.push(self.set_status(StatusKind::Info, text));
        effects
    }

    fn switch_node(&mut self, forward: bool) -> Vec<Effect> {
        let n = self.nodes.len();
        if n < 2 {
            return Vec::new();
        }
        self.current = if forward {
            (self.current + 1) % n
        } else {
            (self.current + n - 1) % n
        };
        self.ensure_log()
    }
}

/// The one place state changes: an action in, the work to start out.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let effects = apply(state, action);
    if state.modal.is_none() {
        state.modal = state.queued.pop_front();
    }
    effects
}

fn apply(state: &mut State, action: Action) -> Vec<Effect> {
    if let Action::AskPassphrase { prompt, reply } = action {
        state
            .prompts
            .push_back(PassphrasePrompt::new(prompt, reply));
        return Vec::new();
    }
    if !state.prompts.is_empty()
        && matches!(
            action,
            Action::InputCommit | Action::InputCancel | Action::Input(_)
        )
    {
        passphrase(state, action);
        return Vec::new();
    }
    if state.nodes.is_empty() {
        return match action {
            Action::Quit | Action::QuitNow => {
                state.quit = true;
                Vec::new()
            }
            _ => Vec::new(),
        };
    }
    match action {
        Action::Quit => quit(state),
        Action::QuitNow => {
            state.quit = true;
            Vec::new()
        }
        Action::GoTab(tab) => state.switch_tab(tab),
        Action::NextTab => state.switch_tab(state.tab.next()),
        Action::PrevTab => state.switch_tab(state.tab.prev()),
        Action::NextNode => state.switch_node(true),
        Action::PrevNode => state.switch_node(false),
        Action::Help => {
            state.modal = Some(Modal::Help { scroll: 0 });
            Vec::new()
        }
        Action::ShowDrift => {
            state.modal = Some(Modal::Drift(DriftView {
                loading: true,
                ..DriftView::default()
            }));
            vec![Effect::CollectDrift]
        }
        Action::ShowHistory => {
            state.modal = Some(Modal::History(HistoryView {
                loading: true,
                ..HistoryView::default()
            }));
            vec![Effect::ReadHistory]
        }
        Action::HistoryScope => {
            let name = state.node().name.clone();
            if let Some(Modal::History(view)) = &mut state.modal {
                view.toggle_scope(&name);
            }
            Vec::new()
        }
        Action::HistoryRestore => {
            let Some(Modal::History(view)) = &state.modal else {
                return Vec::new();
            };
            let Some(change) = view.selected_change() else {
                return Vec::new();
            };
            let text = format!("Reading what restoring change {change} puts back…");
            vec![
                Effect::PrepareRestore { change },
                state.set_status(StatusKind::Info, text),
            ]
        }
        Action::History {
            changes,
            outside,
            problems,
        } => {
            if let Some(Modal::History(view)) = &mut state.modal {
                *view = HistoryView {
                    changes,
                    outside,
                    problems,
                    node: view.node.take(),
                    ..HistoryView::default()
                };
            }
            Vec::new()
        }
        Action::RestorePrepared { change, plans } => {
            let names: Vec<&str> = state.nodes.iter().map(|n| n.name.as_str()).collect();
            match history::preview(&names, change, plans) {
                Ok((dialog, pending)) => {
                    state.pending_restore = Some(pending);
                    // The preview takes the History overlay's place; any other waits.
                    if matches!(state.modal, Some(Modal::History(_))) {
                        state.modal = None;
                    }
                    state.open(Modal::Dialog(dialog));
                    Vec::new()
                }
                Err(text) => vec![state.set_status(StatusKind::Error, text)],
            }
        }
        Action::RestoreConfirmed => {
            let Some(pending) = state.pending_restore.take() else {
                return Vec::new();
            };
            state.modal = Some(Modal::Results(history::results_view(&pending.change)));
            vec![Effect::ApplyRestore {
                nodes: pending.nodes,
            }]
        }
        Action::Restored { results, kinds } => {
            let (kind, text) = history::outcome(&results);
            if let Some(Modal::Results(view)) = &mut state.modal {
                view.pending = false;
                view.rows = results;
            }
            let mut effects = history::reloads(kinds, state.nodes.len());
            effects.push(state.set_status(kind, text));
            effects
        }
        Action::ShowDoctor => {
            state.modal = Some(Modal::Doctor(DoctorView {
                loading: true,
                ..DoctorView::default()
            }));
            vec![Effect::CheckHealth]
        }
        Action::Close => {
            state.modal = None;
            Vec::new()
        }
        Action::Save => save(state),
        Action::ApplyAll => apply_all(state),
        Action::ApplyAllConfirmed => apply_all_confirmed(state),
        Action::Reload => reload(state),
        Action::ReloadConfirmed => {
            let current = state.current;
            let node = state.node_mut();
            node.reach = Load::Loading;
            for &tab in TabId::all() {
                node.tab_mut(tab).discard();
            }
            vec![Effect::LoadNode(current)]
        }
        Action::Nav(nav) => navigate(state, nav),
        Action::DialogYes
        | Action::DialogNo
        | Action::DialogNext
        | Action::DialogPrev
        | Action::DialogChoose => dialog(state, action),
        Action::InputCommit | Action::InputCancel | Action::Input(_) => {
            on_tab(state, state.tab, action)
        }
        Action::System(_) => on_tab(state, TabId::System, action),
        Action::Presence(_) => on_tab(state, TabId::Presence, action),
        Action::Form(_) => on_tab(state, state.tab, action),
        Action::Logs(LogsAction::ToggleCluster) => state.toggle_cluster(),
        Action::Logs(_) => on_tab(state, TabId::Logs, action),
        Action::WriteConfirmed(file)
        | Action::ConflictReload(file)
        | Action::ConflictShowDiff(file) => on_file(state, state.current, file, action),
        Action::Loaded { node, loaded } => on_loaded(state, node, loaded),
        Action::Saved { node, file, .. } | Action::OverwriteBase { node, file, .. } => {
            on_file(state, node, file, action)
        }
        Action::LogLines {
            node,
            lines,
            reset,
            credit,
        } => {
            if node < state.nodes.len() {
                if let Some(cluster) = &mut state.cluster {
                    cluster.push_node_lines(node, lines.clone(), reset);
                }
                state.nodes[node].logs.push_lines(lines, reset);
            }
            // Applied: the follower may read its next batch.
            drop(credit);
            Vec::new()
        }
        Action::LogNote { node, text } => {
            if let Some(n) = state.nodes.get_mut(node) {
                n.logs.note = (!text.is_empty()).then_some(text);
            }
            Vec::new()
        }
        Action::LogOpenFile(_) => {
            // Another file is one node's: the cluster view gives way.
            state.cluster = None;
            on_tab(state, TabId::Logs, action)
        }
        Action::LogPast {
            node,
            id,
            cluster,
            result,
        } => {
            let mut cx = state.cx(node);
            let view = match (cluster, &mut state.cluster) {
                (true, Some(view)) => Some(view),
                (true, None) => None,
                (false, _) => state.nodes.get_mut(node).map(|n| &mut n.logs),
            };
            if let Some(view) = view {
                view.show_past(node, id, result, &mut cx);
            }
            state.finish(cx)
        }
        Action::LogFiles { node, result } => match result {
            Ok(files) if files.is_empty() => {
                vec![state.set_status(StatusKind::Info, "The log folder has no files")]
            }
            Ok(files) => {
                let name = state.nodes.get(node).map_or("", |n| n.name.as_str());
                state.open(Modal::Choice(ChoiceList {
                    title: format!("Log files of {name} (Var/Log)"),
                    options: files,
                    selected: 0,
                    target: PickTarget::LogFile,
                }));
                Vec::new()
            }
            Err(e) => vec![state.set_status(StatusKind::Error, format!("Log folder: {e}"))],
        },
        Action::TestProgress { node, .. } | Action::TestDone { node, .. } => {
            on_test(state, node, action)
        }
        Action::Applied { file, results } => applied(state, file, results),
        Action::Drift { rows, errors } => {
            if let Some(Modal::Drift(view)) = &mut state.modal {
                view.loading = false;
                view.rows = rows;
                view.errors = errors;
            }
            Vec::new()
        }
        Action::Doctor { mut nodes } => {
            if let Some(Modal::Doctor(view)) = &mut state.modal {
                for (_, findings) in &mut nodes {
                    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
                }
                view.loading = false;
                view.nodes = nodes;
            }
            Vec::new()
        }
        Action::StatusExpired(id) => {
            if state.status.as_ref().is_some_and(|s| s.id == id) {
                state.status = None;
            }
            Vec::new()
        }
        Action::HostKeyUnknown { node, info } => {
            if let Some(n) = state.nodes.get(node) {
                let dialog = super::hostkey::unknown_key_dialog(node, &n.name, &info);
                state.open(Modal::Dialog(dialog));
            }
            Vec::new()
        }
        Action::HostKeyChanged {
            node,
            host,
            fingerprint,
            known_hosts,
        } => {
            if let Some(n) = state.nodes.get(node) {
                let dialog =
                    super::hostkey::changed_key_dialog(&n.name, &host, &fingerprint, &known_hosts);
                state.open(Modal::Dialog(dialog));
            }
            Vec::new()
        }
        Action::NewKeyAsked {
            node,
            message,
            retry,
        } => {
            if let Some(n) = state.nodes.get(node) {
                state.open(Modal::Dialog(new_key_dialog(&n.name, &message, *retry)));
            }
            Vec::new()
        }
        Action::SaveWithNewKey(retry) => vec![*retry],
        Action::TrustHostKey { node, info } => vec![Effect::TrustHostKey { node, info }],
        Action::HostKeyTrusted { node, host, result } => {
            host_key_trusted(state, node, &host, result)
        }
        Action::AskPassphrase { .. } => Vec::new(),
        Action::AskInPlace { node, reply } => {
            state.open(Modal::Dialog(super::inplace::dialog(&node, reply)));
            Vec::new()
        }
        Action::AllowInPlace(reply) => {
            reply.send(true);
            Vec::new()
        }
        Action::TaskFailed(text) => {
            vec![state.set_status(StatusKind::Error, format!("Internal error: {text}"))]
        }
        Action::Resize => Vec::new(),
    }
}

/// "Make a new node key?", focused on No: a yes loses what was sealed with
/// the missing key, for good.
fn new_key_dialog(name: &str, message: &str, retry: Effect) -> Dialog {
    Dialog::confirm(
        format!("Make a new node key on {name}?"),
        vec![
            format!("Not saved: {message}."),
            String::new(),
            "A new key cannot open what was sealed with the old one: those values are lost \
             for good and must be typed again. If the key file can be put back, choose No \
             and restore it instead."
                .to_string(),
        ],
        "Make a new key",
        Action::SaveWithNewKey(Box::new(retry)),
    )
}

fn quit(state: &mut State) -> Vec<Effect> {
    let unsaved = state.unsaved();
    if unsaved == 0 {
        state.quit = true;
        return Vec::new();
    }
    let plural = if unsaved == 1 {
        "file has"
    } else {
        "files have"
    };
    state.modal = Some(Modal::Dialog(Dialog::confirm(
        "Quit?",
        vec![format!(
            "{unsaved} {plural} unsaved changes. Quit and lose them?"
        )],
        "Quit",
        Action::QuitNow,
    )));
    Vec::new()
}

fn reload(state: &mut State) -> Vec<Effect> {
    let node = state.node();
    if node.unsaved() == 0 {
        return update(state, Action::ReloadConfirmed);
    }
    let name = node.name.clone();
    state.modal = Some(Modal::Dialog(Dialog::confirm(
        "Reload?",
        vec![format!(
            "Read {name}'s files again and drop its unsaved edits?"
        )],
        "Reload",
        Action::ReloadConfirmed,
    )));
    Vec::new()
}

fn save(state: &mut State) -> Vec<Effect> {
    let tab = state.tab;
    let mut cx = state.cx(state.current);
    state.nodes[state.current].tab_mut(tab).save(&mut cx);
    state.finish(cx)
}

fn apply_all(state: &mut State) -> Vec<Effect> {
    let pending = state.node().tab(state.tab).pending_change();
    let Some((file, change, description)) = pending else {
        let effect = state.set_status(
            StatusKind::Info,
            "No change to apply: edit a setting first (A applies it to every node)",
        );
        return vec![effect];
    };
    let names: Vec<&str> = state.nodes.iter().map(|n| n.name.as_str()).collect();
    let body = vec![
        description,
        String::new(),
        format!("On every node: {}", names.join(", ")),
        "Each node is read, changed and written on its own; a node that fails does not stop the others.".to_string(),
    ];
    state.pending_apply = Some((file, change));
    state.modal = Some(Modal::Dialog(Dialog::confirm(
        format!("Apply to all {} nodes?", state.nodes.len()),
        body,
        "Apply",
        Action::ApplyAllConfirmed,
    )));
    Vec::new()
}

fn apply_all_confirmed(state: &mut State) -> Vec<Effect> {
    let Some((file, change)) = state.pending_apply.take() else {
        return Vec::new();
    };
    state.modal = Some(Modal::Results(ResultsView {
        title: format!("Apply to all: {}", file.label()),
        pending: true,
        rows: Vec::new(),
        scroll: 0,
    }));
    vec![Effect::ApplyAll { file, change }]
}

fn applied(state: &mut State, file: FileKind, results: Vec<(String, ApplyOutcome)>) -> Vec<Effect> {
    let failed = results
        .iter()
        .filter(|(_, r)| matches!(r, ApplyOutcome::Conflict(_) | ApplyOutcome::Error(_)))
        .count();
    if let Some(Modal::Results(view)) = &mut state.modal {
        view.pending = false;
        view.rows = results;
    }
    let mut effects: Vec<Effect> = (0..state.nodes.len())
        .map(|node| Effect::LoadFile { node, file })
        .collect();
    let (kind, text) = if failed == 0 {
        (
            StatusKind::Ok,
            format!("✓ {} applied on every node", file.label()),
        )
    } else {
        (
            StatusKind::Error,
            format!("{} not applied on {failed} node(s)", file.label()),
        )
    };
    effects.push(state.set_status(kind, text));
    effects
}

fn navigate(state: &mut State, nav: Nav) -> Vec<Effect> {
    match &mut state.modal {
        Some(Modal::Dialog(d)) => d.scroll(nav),
        Some(Modal::Help { scroll }) => {
            *scroll = super::widgets::scrolled(*scroll, nav, super::keymap::help_len(), 10)
        }
        Some(Modal::Drift(view)) => {
            view.scroll = super::widgets::scrolled(view.scroll, nav, view.rows.len(), 10)
        }
        Some(Modal::Doctor(view)) => {
            view.scroll = super::widgets::scrolled(view.scroll, nav, view.len(), 10)
        }
        Some(Modal::Results(view)) => {
            view.scroll = super::widgets::scrolled(view.scroll, nav, view.rows.len(), 10)
        }
        Some(Modal::Choice(list)) => {
            list.selected = super::widgets::moved(list.selected, nav, list.options.len())
        }
        Some(Modal::History(view)) => {
            view.selected = super::widgets::moved(view.selected, nav, view.shown().len())
        }
        None => return on_tab(state, state.tab, Action::Nav(nav)),
    }
    Vec::new()
}

fn dialog(state: &mut State, action: Action) -> Vec<Effect> {
    let Some(modal) = state.modal.take() else {
        return Vec::new();
    };
    let chosen = match modal {
        Modal::Dialog(mut d) => match action {
            Action::DialogNext => {
                d.next();
                state.modal = Some(Modal::Dialog(d));
                return Vec::new();
            }
            Action::DialogPrev => {
                d.prev();
                state.modal = Some(Modal::Dialog(d));
                return Vec::new();
            }
            Action::DialogYes => d.action_of(0),
            Action::DialogChoose => d.action_of(d.selected),
            _ => None,
        },
        Modal::Choice(list) => match action {
            Action::DialogChoose => list
                .options
                .get(list.selected)
                .map(|v| list.target.action(v.clone())),
            _ => None,
        },
        other => {
            state.modal = Some(other);
            return Vec::new();
        }
    };
    match chosen {
        Some(action) => update(state, action),
        None => {
            // Declined: a change held for "apply to all" (it may carry a secret) goes,
            // and so does a restore previewed.
            state.pending_apply = None;
            state.pending_restore = None;
            Vec::new()
        }
    }
}

fn on_tab(state: &mut State, tab: TabId, action: Action) -> Vec<Effect> {
    let current = state.current;
    let mut cx = state.cx(current);
    let shown: &mut dyn Tab = match (&mut state.cluster, tab) {
        (Some(cluster), TabId::Logs) => cluster,
        _ => state.nodes[current].tab_mut(tab),
    };
    shown.update(action, &mut cx);
    state.finish(cx)
}

fn on_file(state: &mut State, node: usize, file: FileKind, action: Action) -> Vec<Effect> {
    if node >= state.nodes.len() {
        return Vec::new();
    }
    let mut cx = state.cx(node);
    state.nodes[node]
        .tab_mut(file.tab())
        .on_file(action, &mut cx);
    state.finish(cx)
}

/// After a host key was added: connect again.
fn host_key_trusted(
    state: &mut State,
    node: usize,
    host: &str,
    result: Result<String, String>,
) -> Vec<Effect> {
    let Some(n) = state.nodes.get_mut(node) else {
        return Vec::new();
    };
    match result {
        Ok(file) => {
            n.reach = Load::Loading;
            let text = format!(
                "✓ host key of {host} added to {file}; connecting to {}…",
                n.name
            );
            vec![
                Effect::LoadNode(node),
                state.set_status(StatusKind::Ok, text),
            ]
        }
        Err(e) => vec![state.set_status(
            StatusKind::Error,
            format!("The host key of {host} was not added: {e}"),
        )],
    }
}

/// Typing into the passphrase question; Enter answers, Esc answers "none".
fn passphrase(state: &mut State, action: Action) {
    let Some(prompt) = state.prompts.front_mut() else {
        return;
    };
    match action {
        Action::Input(request) => {
            prompt.input.handle(request);
        }
        Action::InputCommit | Action::InputCancel => {
            let Some(prompt) = state.prompts.pop_front() else {
                return;
            };
            let answer = matches!(action, Action::InputCommit).then(|| prompt.input.into_secret());
            prompt.reply.send(answer);
        }
        _ => {}
    }
}

fn on_test(state: &mut State, node: usize, action: Action) -> Vec<Effect> {
    if node >= state.nodes.len() {
        return Vec::new();
    }
    let mut cx = state.cx(node);
    state.nodes[node].system.on_test(action, &mut cx);
    state.finish(cx)
}

fn on_loaded(state: &mut State, node: usize, loaded: Loaded) -> Vec<Effect> {
    let Some(n) = state.nodes.get_mut(node) else {
        return Vec::new();
    };
    match loaded {
        Loaded::Reach(result) => {
            if let Err(e) = &result {
                let text = format!("✗ {}: {e}", n.name);
                n.reach = Load::from_result(result);
                return vec![state.set_status(StatusKind::Error, text)];
            }
            n.reach = Load::from_result(result)
        }
        file => {
            if let Some(kind) = file.file() {
                n.tab_mut(kind.tab()).on_loaded(file);
            }
        }
    }
    Vec::new()
}
