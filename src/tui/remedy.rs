//! A doctor's remedy in the editor's words: its tabs and keys, where the
//! command line names commands (`doctor::Remedy`'s `Display`).

use super::action::TabId;
use crate::doctor::Remedy;
use crate::settings::FormId;

/// How to fix a finding, said to someone in the editor.
pub fn editor_text(remedy: &Remedy) -> String {
    match remedy {
        Remedy::Advice(text) => text.clone(),
        Remedy::CheckConnection => {
            "check the host, the network and the SSH settings, then R reloads the node".into()
        }
        Remedy::EnableWebexPresence => format!(
            "set WebexPresence.Enable to 1 in {} and save with Ctrl-S (if the customer uses Webex Calling)",
            tab(TabId::Presence)
        ),
        Remedy::FillIn(file) => format!("fill in {} and save with Ctrl-S", form(*file)),
        Remedy::Correct(file) => format!("correct it in {} and save with Ctrl-S", form(*file)),
        Remedy::Review(file) => format!("review the settings in {}", form(*file)),
        Remedy::SaveCredentials => format!(
            "type the Client ID and secret in {} and press Save",
            tab(TabId::System)
        ),
        Remedy::RetypeProxyPassword => format!(
            "type the proxy password again in {} and press Save",
            tab(TabId::System)
        ),
        Remedy::Retype(file, _) => format!("type it again in {} and save with Ctrl-S", form(*file)),
        Remedy::RecoverNodeKey => format!(
            "put the key file back from a backup of this node; if it is lost, type those values \
             again in {} and {} (the editor asks before it makes a new key)",
            tab(TabId::System),
            form_tabs()
        ),
    }
}

/// `the Calendar tab (3)`.
fn tab(id: TabId) -> String {
    format!("the {} tab ({})", id.title(), id.index() + 1)
}

fn form(file: FormId) -> String {
    tab(TabId::Form(file))
}

/// Every form file's tab, as `the Calendar tab (3)`.
fn form_tabs() -> String {
    FormId::ALL.map(form).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every remedy the editor shows, with one of each form file.
    fn every_remedy() -> Vec<Remedy> {
        let mut all = vec![
            Remedy::Advice("restore it from another node".into()),
            Remedy::CheckConnection,
            Remedy::EnableWebexPresence,
            Remedy::SaveCredentials,
            Remedy::RetypeProxyPassword,
            Remedy::RecoverNodeKey,
        ];
        for file in FormId::ALL {
            all.extend([
                Remedy::FillIn(file),
                Remedy::Correct(file),
                Remedy::Review(file),
                Remedy::Retype(file, "BasicAuth.Password"),
            ]);
        }
        all
    }

    #[test]
    fn the_editor_names_its_tabs_not_commands() {
        for remedy in every_remedy() {
            let text = editor_text(&remedy);
            assert!(!text.contains("ucsconf "), "{remedy:?}: {text}");
            assert!(!text.contains("--"), "{remedy:?}: {text}");
            // The command line's words, for the same remedy, differ.
            if !matches!(remedy, Remedy::Advice(_)) {
                assert_ne!(text, remedy.to_string(), "{remedy:?}");
            }
        }
    }

    #[test]
    fn remedies_point_at_the_tab_that_fixes_them() {
        assert!(editor_text(&Remedy::SaveCredentials).contains("the System Parameters tab (1)"));
        assert!(editor_text(&Remedy::EnableWebexPresence).contains("the Presence.ini tab (2)"));
        assert!(editor_text(&Remedy::FillIn(FormId::Calendar)).contains("the Calendar tab (3)"));
        assert_eq!(
            editor_text(&Remedy::Advice("check the log folder's permissions".into())),
            "check the log folder's permissions"
        );
    }
}
