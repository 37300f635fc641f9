//! One module per tab: its state, its key handling, its drawing. What the
//! tabs that edit a file share (save messages, conflicts) lives here.

pub mod file_edit;
pub mod form;
pub mod logs;
pub mod presence;
pub mod system;

use ratatui::Frame;
use ratatui::layout::Rect;

use super::action::{Action, Effect, FileKind, Loaded, SaveFailure, SaveInfo};
use super::action::{Button, Dialog};
use super::model::{Cx, Load, Modal};
use super::theme::Theme;
pub use super::widgets::{ellipsize, label};

/// What every tab does. The state holds the tabs and hands each its own
/// actions and results through this, without knowing which tab it is.
pub trait Tab: std::fmt::Debug {
    /// The tab's own keys and edits (it is the one shown).
    fn update(&mut self, action: Action, cx: &mut Cx);

    /// Draws the tab: a pure function of its state.
    fn render(&self, frame: &mut Frame, area: Rect, rcx: &RenderCx);

    /// Whether a text field has the keyboard.
    fn editing(&self) -> bool {
        false
    }

    /// Whether the tab holds edits not saved yet.
    fn dirty(&self) -> bool {
        false
    }

    /// Drops the unsaved edits.
    fn discard(&mut self) {}

    /// Ctrl-S: shows what would be written and asks.
    fn save(&mut self, cx: &mut Cx);

    /// The change "apply to all" would make, the file it is in, and its summary.
    fn pending_change(&self) -> Option<(FileKind, crate::ops::Change, String)> {
        None
    }

    /// A file was read from the node (a tab takes its own, ignores the rest).
    fn on_loaded(&mut self, _loaded: Loaded) {}

    /// What happened to a save or an overwrite of the tab's file.
    fn on_file(&mut self, _action: Action, _cx: &mut Cx) {}
}

/// What drawing a tab may look at.
pub struct RenderCx<'a> {
    pub theme: &'a Theme,
    /// Every node, for the views across the cluster.
    pub peers: Vec<Peer<'a>>,
    /// The node shown (an index into `peers`).
    pub node: usize,
}

/// One node as a tab sees it beside its own: its name (escaped), whether
/// it answers, and its tabs.
pub struct Peer<'a> {
    pub name: &'a str,
    pub reach: &'a Load<()>,
    pub presence: &'a presence::PresenceTab,
    pub logs: &'a logs::LogsTab,
}

/// The status line after a successful save.
pub fn saved_message(file: FileKind, node: &str, info: &SaveInfo) -> String {
    if info.unchanged {
        return format!(
            "{} on {node} already had these values: nothing written",
            file.label()
        );
    }
    let mut text = format!("✓ {} saved on {node}", file.label());
    if let Some(backup) = &info.backup {
        let name = backup.rsplit(['/', '\\']).next().unwrap_or(backup);
        text.push_str(&format!(" (backup {name})"));
    }
    match info.warnings.len() {
        0 => {}
        1 => text.push_str(&format!(" · warning: {}", info.warnings[0])),
        n => text.push_str(&format!(" · {n} warnings")),
    }
    text
}

/// What a tab that edits `file` does with the outcome of a save: the status
/// line and a reload on success, the reload-or-overwrite choice on a
/// conflict, the error otherwise. Returns whether the file was saved.
pub fn after_save(cx: &mut Cx, file: FileKind, result: Result<SaveInfo, SaveFailure>) -> bool {
    match result {
        Ok(info) => {
            cx.ok(saved_message(file, &cx.node_name.clone(), &info));
            reload(cx, file);
            true
        }
        Err(f) if f.conflict => {
            cx.modal = Some(conflict_modal(file, &cx.node_name, &f.message));
            false
        }
        Err(f) => {
            cx.error(format!("{} not saved: {}", file.label(), f.message));
            false
        }
    }
}

/// Reads `file` again on the current node.
pub fn reload(cx: &mut Cx, file: FileKind) {
    cx.effects.push(Effect::LoadFile {
        node: cx.node,
        file,
    });
}

/// Reads what the node has now, to show the diff of an overwrite.
pub fn load_overwrite_base(cx: &mut Cx, file: FileKind) {
    cx.effects.push(Effect::LoadOverwriteBase {
        node: cx.node,
        file,
    });
}

/// The choice offered when a file changed on the node after it was read.
pub fn conflict_modal(file: FileKind, node: &str, message: &str) -> Modal {
    Modal::Dialog(Dialog::choices(
        format!("{} changed on {node}", file.label()),
        vec![
            message.to_string(),
            String::new(),
            "Reload: read the file again; your unsaved edits are dropped.".to_string(),
            "Overwrite: see what the node has now, then write your version over it.".to_string(),
        ],
        vec![
            Button {
                label: "Reload".into(),
                action: Some(Box::new(Action::ConflictReload(file))),
            },
            Button {
                label: "Overwrite…".into(),
                action: Some(Box::new(Action::ConflictShowDiff(file))),
            },
            Button {
                label: "Cancel".into(),
                action: None,
            },
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_message_names_the_backup_file_only() {
        let info = SaveInfo {
            unchanged: false,
            backup: Some("Apps/Presence/Settings/Presence.ini.20261122T101500Z.bak".into()),
            warnings: vec![],
        };
        assert_eq!(
            saved_message(FileKind::Presence, "ucs-a", &info),
            "✓ Presence.ini saved on ucs-a (backup Presence.ini.20261122T101500Z.bak)"
        );
    }
}
