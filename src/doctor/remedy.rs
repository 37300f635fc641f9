//! How to fix a finding. The checks say what to do; the words depend on
//! where they are read: [`Remedy`]'s `Display` names the commands of the
//! command line (doctor's text and JSON, the support bundle), and the editor
//! words the same remedy with its tabs and keys (`tui::remedy`).

use std::fmt;

use crate::settings::form::FormFile;
use crate::settings::schema::Kind;
use crate::settings::{FormId, FormVisitor};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remedy {
    /// Advice that names nothing of ucsconf's, the same wherever it is read.
    Advice(String),
    /// Check the node's host, the network and the SSH settings.
    CheckConnection,
    /// Turn Webex Calling presence retrieval on, if the customer uses it.
    EnableWebexPresence,
    /// Write the form file, which is missing.
    FillIn(FormId),
    /// Correct the form file's invalid settings.
    Correct(FormId),
    /// Review the form file's settings.
    Review(FormId),
    /// Save the Imagicle Cloud services credentials (again).
    SaveCredentials,
    /// Type the proxy password again (it no longer opens).
    RetypeProxyPassword,
    /// Type a form file's sealed field again (its key).
    Retype(FormId, &'static str),
    /// The node key is gone while values are sealed with it: put it back,
    /// or make a new one and type those values again.
    RecoverNodeKey,
}

impl From<&str> for Remedy {
    fn from(text: &str) -> Remedy {
        Remedy::Advice(text.to_owned())
    }
}

impl From<String> for Remedy {
    fn from(text: String) -> Remedy {
        Remedy::Advice(text)
    }
}

impl fmt::Display for Remedy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Remedy::Advice(text) => f.write_str(text),
            Remedy::CheckConnection => {
                f.write_str("check the host, the network and the SSH settings (`ucsconf nodes`)")
            }
            Remedy::EnableWebexPresence => f.write_str(
                "ucsconf presence set WebexPresence.Enable 1 (if the customer uses Webex Calling)",
            ),
            Remedy::FillIn(file) => f.write_str(&file.visit(Command(Step::FillIn))),
            Remedy::Correct(file) => f.write_str(&file.visit(Command(Step::Correct))),
            Remedy::Review(file) => f.write_str(&file.visit(Command(Step::Review))),
            Remedy::Retype(file, field) => f.write_str(&file.visit(Command(Step::Retype(field)))),
            Remedy::SaveCredentials => {
                f.write_str("ucsconf credentials save --client-id ID (the secret is asked for)")
            }
            Remedy::RetypeProxyPassword => f.write_str(
                "type the proxy password again in System Parameters (ucsconf TUI, tab 1)",
            ),
            Remedy::RecoverNodeKey => {
                let mut commands = vec!["ucsconf credentials save --client-id ID --new-key".into()];
                commands.extend(FormId::ALL.iter().flat_map(|f| f.visit(NewKey)));
                write!(
                    f,
                    "put the key file back from a backup of this node; if it is lost, make a new \
                     key and type those values again ({}; the editor asks)",
                    commands.join(", ")
                )
            }
        }
    }
}

/// A form file's remedy as a command.
#[derive(Clone, Copy)]
enum Step {
    FillIn,
    Correct,
    Review,
    Retype(&'static str),
}

struct Command(Step);

impl FormVisitor for Command {
    type Out = String;
    fn visit<F: FormFile>(self) -> String {
        let command = F::COMMAND;
        match self.0 {
            Step::FillIn => format!("ucsconf {command} set {}", F::IF_MISSING.1),
            Step::Correct => format!("ucsconf {command} set ... (see ucsconf {command} show)"),
            Step::Review => format!("review the {command} settings (ucsconf {command} show)"),
            Step::Retype(key) => match F::with_key(key) {
                Some(field) => format!(
                    "ucsconf {command} set --{}-stdin (type it again)",
                    field.spec().flag
                ),
                None => format!("ucsconf {command} set (type it again)"),
            },
        }
    }
}

/// The commands that type a form file's sealed fields again under a new key.
struct NewKey;

impl FormVisitor for NewKey {
    type Out = Vec<String>;
    fn visit<F: FormFile>(self) -> Vec<String> {
        F::ALL
            .iter()
            .map(|f| f.spec())
            .filter(|s| matches!(s.kind, Kind::Secret { .. }))
            .map(|s| format!("{} set --{}-stdin --new-key", F::COMMAND, s.flag))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_names_the_commands_of_every_file() {
        assert_eq!(
            Remedy::RecoverNodeKey.to_string(),
            "put the key file back from a backup of this node; if it is lost, make a new key \
             and type those values again (ucsconf credentials save --client-id ID --new-key, \
             calendar set --password-stdin --new-key; the editor asks)"
        );
        assert_eq!(
            Remedy::FillIn(FormId::Calendar).to_string(),
            "ucsconf calendar set --provider ... (if operators need calendar states)"
        );
        assert_eq!(
            Remedy::Retype(FormId::Calendar, "BasicAuth.Password").to_string(),
            "ucsconf calendar set --password-stdin (type it again)"
        );
        assert_eq!(
            FormId::Calendar.noun_of("BasicAuth.Password"),
            "calendar password"
        );
        assert_eq!(Remedy::from("check the file").to_string(), "check the file");
    }
}
