//! The interface's data that tabs and overlays share: what is loading,
//! the overlays, the status line, and [`Cx`], through which a tab's update
//! reports back. Below `state` and the tabs, so both can use it.

use super::action::{Action, ApplyOutcome, Dialog, Effect};
use crate::cluster::DriftRow;
use crate::doctor::Finding;
use crate::journal::history::{Change, Outside};
use crate::journal::restore::Prepared;

/// Something loaded in the background.
#[derive(Debug, Clone, Default)]
pub enum Load<T> {
    #[default]
    Loading,
    Ready(T),
    Failed(String),
}

impl<T> Load<T> {
    pub fn ready(&self) -> Option<&T> {
        match self {
            Load::Ready(t) => Some(t),
            _ => None,
        }
    }

    pub fn from_result(result: Result<T, String>) -> Load<T> {
        match result {
            Ok(t) => Load::Ready(t),
            Err(e) => Load::Failed(e),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Ok,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
    pub id: u64,
}

/// The drift overlay: loading, then the rows.
#[derive(Debug, Clone, Default)]
pub struct DriftView {
    pub loading: bool,
    pub rows: Vec<DriftRow>,
    pub errors: Vec<(String, String)>,
    pub scroll: usize,
}

/// The History overlay (`h`): reading every node's journal, then the changes.
#[derive(Debug, Clone, Default)]
pub struct HistoryView {
    pub loading: bool,
    /// Newest first, over every node.
    pub changes: Vec<Change>,
    pub outside: Vec<(String, Outside)>,
    /// Journals that could not be read, and lines skipped, per node.
    pub problems: Vec<String>,
    /// The selected change of [`HistoryView::shown`].
    pub selected: usize,
    /// Only the changes made on this node (`None`: every node's).
    pub node: Option<String>,
}

impl HistoryView {
    /// The changes shown, for the cluster or the one node.
    pub fn shown(&self) -> Vec<&Change> {
        self.changes
            .iter()
            .filter(|c| self.node.as_ref().is_none_or(|n| c.nodes.contains(n)))
            .collect()
    }

    /// `c`: this node's changes only (`node`), or every node's.
    pub fn toggle_scope(&mut self, node: &str) {
        self.node = match self.node {
            Some(_) => None,
            None => Some(node.to_string()),
        };
        self.selected = 0;
    }

    /// The id of the selected change.
    pub fn selected_change(&self) -> Option<String> {
        self.shown().get(self.selected).map(|c| c.change.clone())
    }
}

/// A restore previewed, waiting for the yes: per node (by index), what to write.
#[derive(Debug, Clone)]
pub struct PendingRestore {
    pub change: String,
    pub nodes: Vec<(usize, Vec<Prepared>)>,
}

/// The doctor overlay: checking, then every node's findings (problems first).
#[derive(Debug, Clone, Default)]
pub struct DoctorView {
    pub loading: bool,
    pub nodes: Vec<(String, Vec<Finding>)>,
    pub scroll: usize,
}

impl DoctorView {
    /// Lines drawn before wrapping: one per node, two per finding.
    pub fn len(&self) -> usize {
        self.nodes.iter().map(|(_, f)| 1 + 2 * f.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// The results of "apply to all", a line per node.
#[derive(Debug, Clone, Default)]
pub struct ResultsView {
    pub title: String,
    pub pending: bool,
    pub rows: Vec<(String, ApplyOutcome)>,
    pub scroll: usize,
}

/// Where a value picked from a [`ChoiceList`] goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickTarget {
    /// The field at this place of the shown form file.
    Form(usize),
    Presence {
        section: Option<String>,
        key: String,
    },
    /// A file of the log folder to read.
    LogFile,
}

impl PickTarget {
    /// The action that sets `value`.
    pub fn action(&self, value: String) -> Action {
        match self.clone() {
            PickTarget::Form(field) => Action::Form(super::action::FormAction::Pick(field, value)),
            PickTarget::Presence { section, key } => {
                Action::Presence(super::action::PresenceAction::Pick {
                    section,
                    key,
                    value,
                })
            }
            PickTarget::LogFile => Action::LogOpenFile(value),
        }
    }
}

/// A list to pick one value from; the pick is replayed as an action.
#[derive(Debug, Clone)]
pub struct ChoiceList {
    pub title: String,
    pub options: Vec<String>,
    pub selected: usize,
    pub target: PickTarget,
}

/// Whatever sits on top of the tab and takes the keys.
#[derive(Debug, Clone)]
pub enum Modal {
    Dialog(Dialog),
    Help { scroll: usize },
    Drift(DriftView),
    Doctor(DoctorView),
    Results(ResultsView),
    Choice(ChoiceList),
    History(HistoryView),
}

/// What a tab's handler asks of the rest of the interface.
#[derive(Debug, Default)]
pub struct Cx {
    pub node: usize,
    pub node_name: String,
    pub effects: Vec<Effect>,
    pub modal: Option<Modal>,
    pub status: Option<(StatusKind, String)>,
}

impl Cx {
    pub fn info(&mut self, text: impl Into<String>) {
        self.status = Some((StatusKind::Info, text.into()));
    }
    pub fn ok(&mut self, text: impl Into<String>) {
        self.status = Some((StatusKind::Ok, text.into()));
    }
    pub fn error(&mut self, text: impl Into<String>) {
        self.status = Some((StatusKind::Error, text.into()));
    }
}
