//! What can happen: [`Action`]s come from keys (through the keymap) and from
//! background work; [`Effect`]s are the work `update` asks for. Neither holds
//! a secret in a form `Debug` would show (secrets travel as `SecretString`).

use std::time::Duration;

use secrecy::SecretString;
use tui_input::InputRequest;

use crate::cluster::DriftRow;
use crate::doctor::Finding;
use crate::ini::Document;
use crate::journal::FileKind as JournalFile;
use crate::journal::history::{Change as JournalChange, Outside};
use crate::journal::restore::Prepared;
use crate::node::ssh::HostKeyInfo;
use crate::ops::{Change, KeyRule, LoadedIni, LoadedStore};
use crate::settings::FormId;

pub use super::tabs::logs::past::{LogQuery, PastLines};

/// The four tabs, in their order on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TabId {
    System,
    Presence,
    /// The tab of a form file (Calendar).
    Form(FormId),
    Logs,
}

impl TabId {
    /// Every tab, in order: System Parameters, Presence.ini, each form
    /// file, then Logs.
    pub fn all() -> &'static [TabId] {
        static ALL: std::sync::OnceLock<Vec<TabId>> = std::sync::OnceLock::new();
        ALL.get_or_init(|| {
            let mut tabs = vec![TabId::System, TabId::Presence];
            tabs.extend(FormId::ALL.map(TabId::Form));
            tabs.push(TabId::Logs);
            tabs
        })
    }

    pub fn title(self) -> &'static str {
        match self {
            TabId::System => "System Parameters",
            TabId::Presence => "Presence.ini",
            TabId::Form(file) => file.tab_title(),
            TabId::Logs => "Logs",
        }
    }

    pub fn index(self) -> usize {
        TabId::all().iter().position(|t| *t == self).unwrap_or(0)
    }

    pub fn next(self) -> TabId {
        let all = TabId::all();
        all[(self.index() + 1) % all.len()]
    }

    pub fn prev(self) -> TabId {
        let all = TabId::all();
        all[(self.index() + all.len() - 1) % all.len()]
    }
}

/// Which settings file an operation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Presence,
    /// A file of described fields (Calendar.ini).
    Form(FormId),
    Credentials,
}

impl FileKind {
    /// The tab that edits the file.
    pub fn tab(self) -> TabId {
        match self {
            FileKind::Presence => TabId::Presence,
            FileKind::Form(file) => TabId::Form(file),
            FileKind::Credentials => TabId::System,
        }
    }

    /// Where the file is on a node.
    pub fn path(self, paths: &crate::paths::Paths) -> &str {
        match self {
            FileKind::Presence => &paths.presence,
            FileKind::Form(file) => file.path(paths),
            FileKind::Credentials => &paths.credentials,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FileKind::Presence => "Presence.ini",
            FileKind::Form(file) => file.label(),
            FileKind::Credentials => "CloudServices.json",
        }
    }
}

pub use super::widgets::Nav;

/// A form file's values ([`crate::settings::form::Form`]) of whichever file,
/// on their way to the background save, which knows the file's type again.
#[derive(Clone)]
pub struct AnyForm(std::sync::Arc<dyn std::any::Any + Send + Sync>);

impl AnyForm {
    pub fn new<F: crate::settings::form::FormFile>(form: crate::settings::form::Form<F>) -> Self {
        AnyForm(std::sync::Arc::new(form))
    }

    /// The values, when they are of the file `F`.
    pub fn get<F: crate::settings::form::FormFile>(
        &self,
    ) -> Option<&crate::settings::form::Form<F>> {
        self.0.downcast_ref()
    }
}

impl std::fmt::Debug for AnyForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AnyForm(..)")
    }
}

/// A dialog whose buttons replay actions.
pub type Dialog = super::widgets::dialog::Dialog<Action>;
/// A button of a [`Dialog`].
pub type Button = super::widgets::dialog::Button<Action>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SystemAction {
    /// Edit the focused field or press the focused button.
    Activate,
    /// Forget the saved credentials (after the confirmation).
    ForgetConfirmed,
    /// Stop the credentials test running on this node (Esc).
    CancelTest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PresenceAction {
    /// Edit the selected value, toggle a 0/1 key, or fold a section.
    Activate,
    Add,
    Delete,
    DeleteConfirmed {
        section: Option<String>,
        key: String,
    },
    /// A value picked from the list of a key with a fixed set of values.
    Pick {
        section: Option<String>,
        key: String,
        value: String,
    },
    ToggleRaw,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormAction {
    Activate,
    /// A value picked from a choice list, for the field at this place.
    Pick(usize, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogsAction {
    ToggleFollow,
    ToggleWrap,
    CycleLevel,
    Search,
    /// Clear the search, else the filter, else the mark of the last jump.
    ClearSearch,
    /// Show only the entries matching a regular expression.
    Filter,
    NextMatch,
    PrevMatch,
    /// The next (newer) entry at ERROR or worse.
    NextError,
    PrevError,
    /// The merged log of every node, or back to this node's.
    ToggleCluster,
    /// Ask for a moment and show the log there (across rotated files).
    AskTime,
    /// Pick another file of the log folder to read.
    PickFile,
}

/// What a background save reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveInfo {
    /// Nothing differed: the file was not rewritten.
    pub unchanged: bool,
    pub backup: Option<String>,
    pub warnings: Vec<String>,
}

/// Why a background save failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveFailure {
    /// The file changed on the node after it was read.
    pub conflict: bool,
    pub message: String,
}

/// One node's outcome of "apply to all".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyOutcome {
    Done {
        backup: Option<String>,
        warnings: Vec<String>,
    },
    Unchanged,
    Conflict(String),
    Error(String),
}

/// What a node's restore would write (by node index): the files to put
/// back and what is left alone, or why it cannot be restored.
pub type NodePlan = (usize, Result<(Vec<Prepared>, Vec<String>), String>);

/// A file (or the node itself) as loaded in the background.
#[derive(Debug, Clone)]
pub enum Loaded {
    /// Whether the node answered at all.
    Reach(Result<(), String>),
    Presence(Result<LoadedIni, String>),
    Form(FormId, Result<LoadedIni, String>),
    Store(Result<LoadedStore, String>),
}

impl Loaded {
    /// The file read (`None`: the node's reachability).
    pub fn file(&self) -> Option<FileKind> {
        match self {
            Loaded::Reach(_) => None,
            Loaded::Presence(_) => Some(FileKind::Presence),
            Loaded::Form(file, _) => Some(FileKind::Form(*file)),
            Loaded::Store(_) => Some(FileKind::Credentials),
        }
    }
}

/// Travels with a batch of log lines: the follower that sent it reads its
/// next batch only once the interface has applied this one and dropped it.
/// A log that grows faster than it can be shown waits in the file, not in
/// the channel. A clone (kept for a test, say) holds nothing.
#[derive(Default)]
pub struct LogCredit(#[allow(dead_code)] Option<tokio::sync::OwnedSemaphorePermit>);

impl LogCredit {
    pub fn new(permit: tokio::sync::OwnedSemaphorePermit) -> LogCredit {
        LogCredit(Some(permit))
    }
}

impl Clone for LogCredit {
    fn clone(&self) -> LogCredit {
        LogCredit(None)
    }
}

impl std::fmt::Debug for LogCredit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogCredit")
    }
}

#[derive(Debug, Clone)]
pub enum Action {
    // Global.
    Quit,
    QuitNow,
    GoTab(TabId),
    NextTab,
    PrevTab,
    NextNode,
    PrevNode,
    Save,
    ApplyAll,
    ApplyAllConfirmed,
    ShowDrift,
    /// Open the History overlay: every node's journal (`h`).
    ShowHistory,
    /// In History: this node's changes only, or every node's.
    HistoryScope,
    /// In History: preview restoring the selected change.
    HistoryRestore,
    /// The restore previewed was confirmed.
    RestoreConfirmed,
    /// Open the doctor overlay: what is wrong on each node.
    ShowDoctor,
    Help,
    Reload,
    ReloadConfirmed,
    /// Close the overlay or dialog on top (Esc).
    Close,
    Nav(Nav),
    // Dialogs.
    DialogYes,
    DialogNo,
    DialogNext,
    DialogPrev,
    DialogChoose,
    // Text input.
    InputCommit,
    InputCancel,
    Input(InputRequest),
    // Tabs.
    System(SystemAction),
    Presence(PresenceAction),
    /// The shown form file's own actions.
    Form(FormAction),
    Logs(LogsAction),
    /// Write a file after its diff was shown.
    WriteConfirmed(FileKind),
    /// After a conflict: read the file again, dropping the edits.
    ConflictReload(FileKind),
    /// After a conflict: show what the node has now, then offer to overwrite.
    ConflictShowDiff(FileKind),
    // Results of background work.
    Loaded {
        node: usize,
        loaded: Loaded,
    },
    Saved {
        node: usize,
        file: FileKind,
        result: Result<SaveInfo, SaveFailure>,
    },
    /// The current file on the node, read to show the diff of an overwrite.
    OverwriteBase {
        node: usize,
        file: FileKind,
        loaded: Loaded,
    },
    LogLines {
        node: usize,
        lines: Vec<String>,
        /// The first batch (the tail): replaces whatever was there.
        reset: bool,
        credit: LogCredit,
    },
    LogNote {
        node: usize,
        text: String,
    },
    /// Read a file of the node's log folder (picked with `o`).
    LogOpenFile(String),
    /// A view away from the live end, as read (see [`Effect::LogPast`]).
    LogPast {
        node: usize,
        id: u64,
        /// For the cluster view (each node's part is merged in).
        cluster: bool,
        result: Result<PastLines, String>,
    },
    /// The files of a node's log folder, to pick one.
    LogFiles {
        node: usize,
        result: Result<Vec<String>, String>,
    },
    Applied {
        file: FileKind,
        results: Vec<(String, ApplyOutcome)>,
    },
    Drift {
        rows: Vec<DriftRow>,
        errors: Vec<(String, String)>,
    },
    /// Every node's journal, merged (see [`Effect::ReadHistory`]).
    History {
        changes: Vec<JournalChange>,
        outside: Vec<(String, Outside)>,
        problems: Vec<String>,
    },
    /// What restoring `change` writes on each node it was made on.
    RestorePrepared {
        change: String,
        plans: Vec<NodePlan>,
    },
    /// A restore written: a result per node, and the kinds of file restored.
    Restored {
        results: Vec<(String, ApplyOutcome)>,
        kinds: Vec<JournalFile>,
    },
    /// The doctor's findings, per node name, in the nodes' order.
    Doctor {
        nodes: Vec<(String, Vec<Finding>)>,
    },
    StatusExpired(u64),
    /// A credentials test still runs: `secs` since it started (sent once a second).
    TestProgress {
        node: usize,
        id: u64,
        secs: u64,
    },
    /// A credentials test ended: the token's summary, or the error in words.
    TestDone {
        node: usize,
        id: u64,
        result: Result<String, String>,
    },
    /// A save was refused because the node key is missing (or cannot be
    /// used) while sealed values depend on it: ask whether to make a new
    /// key, which loses them, by running `retry` (the same save, allowed to).
    NewKeyAsked {
        node: usize,
        /// The refusal, naming the values that would be lost.
        message: String,
        retry: Box<Effect>,
    },
    /// The admin chose to make a new node key: run the save again.
    SaveWithNewKey(Box<Effect>),
    /// An SSH node's host key is not in known_hosts: ask whether to trust it.
    HostKeyUnknown {
        node: usize,
        info: Box<HostKeyInfo>,
    },
    /// An SSH node's host key differs from the one known_hosts has.
    HostKeyChanged {
        node: usize,
        host: String,
        fingerprint: String,
        /// The file and line of the old key ("~/.ssh/known_hosts line 4").
        known_hosts: String,
    },
    /// Add exactly this key to its known_hosts file, then connect again.
    TrustHostKey {
        node: usize,
        info: Box<HostKeyInfo>,
    },
    /// The key was added (`Ok`: the file), or could not be.
    HostKeyTrusted {
        node: usize,
        host: String,
        result: Result<String, String>,
    },
    /// An SSH login needs the passphrase of an encrypted key; the answer
    /// goes back on `reply` (`None`: skip the key).
    AskPassphrase {
        prompt: String,
        reply: super::reply::Reply,
    },
    /// A node's server lacks posix-rename: ask whether its files may be
    /// overwritten in place; the answer goes back on `reply` (dropped: no).
    AskInPlace {
        node: String,
        reply: super::reply::Confirm,
    },
    /// The admin allowed overwriting in place: answer yes.
    AllowInPlace(super::reply::Confirm),
    /// A background task failed unexpectedly.
    TaskFailed(String),
    /// The terminal was resized: only redraw.
    Resize,
}

/// Background work asked for by `update`; each runs on a tokio task and
/// reports back with an [`Action`].
#[derive(Debug, Clone)]
pub enum Effect {
    /// Probe the node and load every settings file.
    LoadNode(usize),
    LoadFile {
        node: usize,
        file: FileKind,
    },
    SaveIni {
        node: usize,
        file: FileKind,
        loaded: LoadedIni,
        doc: Document,
    },
    /// Validate, seal and write a form file's values over `loaded`.
    SaveForm {
        node: usize,
        file: FormId,
        loaded: LoadedIni,
        form: AnyForm,
        /// What to do if a new secret needs a key the node no longer has.
        key: KeyRule,
    },
    /// Read the file as it is now, to diff an overwrite against it.
    LoadOverwriteBase {
        node: usize,
        file: FileKind,
    },
    /// Save typed credentials and/or proxy settings, in that order.
    SaveSystem {
        node: usize,
        loaded: LoadedStore,
        credentials: Option<(String, SecretString)>,
        /// `Some(None)`: remove the proxy.
        proxy: Option<Option<ProxyEdit>>,
        /// What to do if a secret needs a key the node no longer has.
        key: KeyRule,
    },
    ForgetCredentials {
        node: usize,
    },
    StartLog(usize),
    /// Read the log of `nodes` away from its live end.
    LogPast {
        nodes: Vec<usize>,
        id: u64,
        cluster: bool,
        query: LogQuery,
    },
    /// List the files of a node's log folder.
    ListLogFiles {
        node: usize,
    },
    ApplyAll {
        file: FileKind,
        change: Change,
    },
    CollectDrift,
    /// Read every node's journal.
    ReadHistory,
    /// Read and check what restoring `change` puts back on each node.
    PrepareRestore {
        change: String,
    },
    /// Write a confirmed restore: per node (by index), its files.
    ApplyRestore {
        nodes: Vec<(usize, Vec<Prepared>)>,
    },
    /// Run the doctor's checks on every node.
    CheckHealth,
    /// Ask the node's token endpoint for a token with its saved credentials.
    TestCredentials {
        node: usize,
        id: u64,
    },
    /// Add a host key to known_hosts (the admin said yes).
    TrustHostKey {
        node: usize,
        info: Box<HostKeyInfo>,
    },
    /// Abort the node's running credentials test.
    CancelTest {
        node: usize,
    },
    ExpireStatus {
        id: u64,
        after: Duration,
    },
}

/// A proxy as typed in the System tab.
#[derive(Debug, Clone)]
pub struct ProxyEdit {
    pub url: String,
    pub user: Option<String>,
    /// `None`: keep the stored password; `Some("")`: clear it.
    pub password: Option<SecretString>,
}
