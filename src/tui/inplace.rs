//! The question asked when a node's SSH server lacks posix-rename: its files
//! cannot be replaced atomically, so a save is refused unless the admin
//! allows overwriting in place. Focused on No; Yes retries the save (with
//! the same conflict check) and holds for that node's later saves.

use super::action::Action;
use super::action::Dialog;
use super::prompt::Confirm;

/// "Overwrite in place?", focused on No; closing it in any other way is a no.
pub fn dialog(node: &str, reply: Confirm) -> Dialog {
    let body = vec![
        format!(
            "The SSH server of {node} does not offer posix-rename@openssh.com: files there \
             cannot be replaced atomically. Nothing was written."
        ),
        String::new(),
        "Overwrite in place: the file is backed up (<file>.<time>.bak) and checked for \
         changes made since it was read, then overwritten."
            .to_string(),
        "This is not atomic: if the connection or the server fails during the write, the \
         file can be left truncated or half written (restore it from the backup)."
            .to_string(),
        String::new(),
        format!(
            "Once allowed, it stays allowed for {node} until you quit (ucsconf --in-place \
             allows it from the start)."
        ),
    ];
    Dialog::confirm(
        format!("No atomic replace on {node}"),
        body,
        "Overwrite in place",
        Action::AllowInPlace(reply),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::{Receiver, TryRecvError};

    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

    use super::super::action::Action;
    use super::super::app::action_for;
    use super::super::effects::Msg;
    use super::super::state::{Modal, State, update};
    use super::super::tests::fixture;
    use super::super::widgets::dialog::DialogBody;
    use super::*;

    fn press(state: &mut State, code: KeyCode) {
        let msg = Msg::Term(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        if let Some(action) = action_for(state, msg) {
            update(state, action);
        }
    }

    fn ask(state: &mut State, node: &str) -> Receiver<bool> {
        let (reply, answer) = Confirm::channel();
        update(
            state,
            Action::AskInPlace {
                node: node.into(),
                reply,
            },
        );
        answer
    }

    fn dialog_text(state: &State) -> String {
        let Some(Modal::Dialog(d)) = &state.modal else {
            panic!("no dialog: {:?}", state.modal);
        };
        let DialogBody::Text(lines) = &d.body else {
            panic!("not a text dialog");
        };
        format!("{}\n{}", d.title, lines.join("\n"))
    }

    #[test]
    fn the_question_explains_the_risk_and_enter_answers_no() {
        let mut state = fixture();
        let answer = ask(&mut state, "ucs-b");
        let text = dialog_text(&state);
        assert!(text.contains("No atomic replace on ucs-b"), "{text}");
        assert!(text.contains("posix-rename"), "{text}");
        assert!(text.contains("backed up"), "{text}");
        assert!(text.contains("not atomic"), "{text}");
        assert_eq!(answer.try_recv(), Err(TryRecvError::Empty), "still asked");
        // The focus starts on No.
        press(&mut state, KeyCode::Enter);
        assert!(state.modal.is_none());
        assert_eq!(answer.recv(), Err(std::sync::mpsc::RecvError), "a no");
    }

    #[test]
    fn yes_answers_yes_and_esc_no() {
        let mut state = fixture();
        let answer = ask(&mut state, "ucs-b");
        press(&mut state, KeyCode::Char('y'));
        assert_eq!(answer.try_recv(), Ok(true));
        assert!(state.modal.is_none());

        let answer = ask(&mut state, "ucs-b");
        press(&mut state, KeyCode::Esc);
        assert!(state.modal.is_none());
        assert!(answer.recv().is_err(), "Esc is a no");
    }

    #[test]
    fn questions_of_several_nodes_wait_their_turn_behind_an_open_dialog() {
        let mut state = fixture();
        let b = ask(&mut state, "ucs-b");
        let c = ask(&mut state, "ucs-c");
        assert!(dialog_text(&state).contains("ucs-b"));
        press(&mut state, KeyCode::Char('n'));
        assert!(b.recv().is_err());
        assert!(dialog_text(&state).contains("ucs-c"));
        assert_eq!(c.try_recv(), Err(TryRecvError::Empty));
        press(&mut state, KeyCode::Char('y'));
        assert_eq!(c.try_recv(), Ok(true));
        assert!(state.modal.is_none());
    }

    #[test]
    fn the_whole_question_fits_an_80_by_24_terminal() {
        let mut state = fixture();
        let _answer = ask(&mut state, "ucs-b");
        let theme = super::super::theme::built_in("default").unwrap();
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        terminal
            .draw(|f| super::super::ui::render(f, &state, &theme))
            .unwrap();
        let screen = terminal.backend().to_string();
        for text in [
            "No atomic replace on ucs-b",
            "Nothing was written",
            "Overwrite in place",
            "--in-place",
        ] {
            assert!(screen.contains(text), "{text} missing:\n{screen}");
        }
    }
}
