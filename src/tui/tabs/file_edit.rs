//! The one way a tab writes its file: the diff of what would be written,
//! asked before anything is written; the write over the version read; on a
//! conflict, Reload (drop the edits) or Overwrite (the diff against what the
//! node has now, then the write over that). Each tab says what its file
//! looks like; the flow, its words and its dialogs are the same for all.

use super::{after_save, load_overwrite_base, reload};
use crate::tui::action::{Action, Dialog, FileKind, Loaded};
use crate::tui::model::{Cx, Modal};
use crate::tui::widgets::diff;

/// What a tab that writes a file gives the shared flow.
pub trait EditsFile {
    /// The file as read from the node.
    type Base: Clone;
    const FILE: FileKind;

    /// The file as read, when it was.
    fn base(&self) -> Option<&Self::Base>;
    /// Where the tab keeps what the node had when a conflict was shown.
    fn overwrite_base(&mut self) -> &mut Option<Self::Base>;
    /// The tab's own file out of a load result.
    fn take(loaded: Loaded) -> Option<Result<Self::Base, String>>;
    /// The file's text as read, for the diff.
    fn text(base: &Self::Base) -> String;
    /// The text as the edits would write it over `base` (secrets shown as
    /// placeholders, since they are sealed only when written).
    fn preview(&self, base: &Self::Base) -> Result<String, String>;
    /// Starts the background write of the edits over `base`; false when
    /// there is nothing to write.
    fn write(&mut self, base: Self::Base, cx: &mut Cx) -> bool;
    /// Drops the edits.
    fn discard(&mut self);
    /// After the file was written: what the tab forgets (typed secrets).
    fn written(&mut self) {}
}

/// Asks "Write FILE on NODE?" with the diff of what would be written over
/// the file as read.
pub fn confirm_write<T: EditsFile>(tab: &mut T, cx: &mut Cx) {
    let Some(base) = tab.base().cloned() else {
        return cx.info(format!("{} is not loaded", T::FILE.label()));
    };
    *tab.overwrite_base() = None;
    ask(tab, &base, "Write", cx);
}

/// The diff dialog whose Yes writes: `verb` is Write or Overwrite.
fn ask<T: EditsFile>(tab: &T, base: &T::Base, verb: &str, cx: &mut Cx) {
    match tab.preview(base) {
        Ok(text) => {
            let lines = diff::unified(&T::text(base), &text, 3);
            cx.modal = Some(Modal::Dialog(Dialog::diff(
                format!("{verb} {} on {}?", T::FILE.label(), cx.node_name),
                lines,
                verb,
                Action::WriteConfirmed(T::FILE),
            )));
        }
        Err(e) => cx.error(format!("Not saved: {e}")),
    }
}

/// The file's part of the flow: the write confirmed, its outcome, and the
/// answers to a conflict.
pub fn on_file<T: EditsFile>(tab: &mut T, action: Action, cx: &mut Cx) {
    match action {
        Action::WriteConfirmed(_) => {
            let base = tab.overwrite_base().take().or_else(|| tab.base().cloned());
            if let Some(base) = base
                && tab.write(base, cx)
            {
                cx.info(format!("Writing {} on {}…", T::FILE.label(), cx.node_name));
            }
        }
        Action::Saved { result, .. } => {
            let saved = after_save(cx, T::FILE, result);
            if saved {
                tab.written();
            }
        }
        Action::ConflictReload(_) => {
            tab.discard();
            reload(cx, T::FILE);
        }
        Action::ConflictShowDiff(_) => load_overwrite_base(cx, T::FILE),
        Action::OverwriteBase { loaded, .. } => match T::take(loaded) {
            Some(Ok(current)) => {
                ask(tab, &current, "Overwrite", cx);
                if cx.modal.is_some() {
                    *tab.overwrite_base() = Some(current);
                }
            }
            Some(Err(e)) => cx.error(format!("{} could not be read: {e}", T::FILE.label())),
            None => {}
        },
        _ => {}
    }
}
