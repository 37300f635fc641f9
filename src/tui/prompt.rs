//! Questions background work asks the admin and waits for: the passphrase
//! of an encrypted SSH key, and whether a node without posix-rename may be
//! overwritten in place. The SSH node calls a blocking callback off the
//! async threads; the callback sends the question to the interface on the
//! action channel and blocks until the answer comes back on a channel of
//! its own. An interface that is gone answers "no passphrase" and "no".

use std::sync::{Arc, Mutex};

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use secrecy::SecretString;
use tokio::sync::mpsc::UnboundedSender;

use super::action::Action;
use super::effects::Msg;
use super::theme::Theme;
use super::widgets::input::TextInput;
use crate::node::ssh::SshOptions;

pub use super::reply::{Confirm, Reply};

/// A passphrase question as the interface holds it while the admin types.
#[derive(Debug)]
pub struct PassphrasePrompt {
    /// "Passphrase for ~/.ssh/id_ed25519: ", from the SSH login.
    pub prompt: String,
    pub input: TextInput,
    pub reply: Reply,
}

impl PassphrasePrompt {
    pub fn new(prompt: String, reply: Reply) -> PassphrasePrompt {
        PassphrasePrompt {
            prompt,
            input: TextInput::masked(),
            reply,
        }
    }
}

impl PassphrasePrompt {
    /// A box in the middle: the question, the masked field, what the keys do.
    pub fn render(&self, frame: &mut Frame, theme: &Theme) {
        let area = frame.area();
        let rect = super::widgets::centered(area, area.width.saturating_sub(6).min(72), 7);
        frame.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_type(BorderType::Rounded)
            .border_style(theme.title)
            .style(theme.dialog)
            .title(Span::styled(" Key passphrase ", theme.title));
        let inner = block.inner(rect).inner(Margin::new(1, 0));
        frame.render_widget(block, rect);
        if inner.height < 4 {
            return;
        }
        let question = Line::from(Span::styled(
            super::sanitize(self.prompt.trim_end()).into_owned(),
            theme.dialog,
        ));
        frame.render_widget(
            Paragraph::new(question).wrap(Wrap { trim: true }),
            Rect::new(inner.x, inner.y, inner.width, 2),
        );
        let field = Rect::new(inner.x, inner.y + 2, inner.width, 1);
        self.input.render(frame, field, theme.selection);
        let keys = Line::from(vec![
            Span::styled("Enter", theme.hint_key),
            Span::styled(" unlock the key   ", theme.hint_text),
            Span::styled("Esc", theme.hint_key),
            Span::styled(" skip it", theme.hint_text),
        ]);
        frame.render_widget(keys, Rect::new(inner.x, inner.y + 3, inner.width, 1));
    }
}

/// Hands the SSH login a passphrase callback that asks the running interface.
#[derive(Clone, Default)]
pub struct Prompter {
    tx: Arc<Mutex<Option<UnboundedSender<Msg>>>>,
}

impl std::fmt::Debug for Prompter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Prompter")
    }
}

impl Prompter {
    pub fn new() -> Prompter {
        Prompter::default()
    }

    /// `options` with the passphrase and in-place callbacks asking through
    /// this prompter.
    pub fn ssh_options(&self, mut options: SshOptions) -> SshOptions {
        let prompter = self.clone();
        options.passphrase = Some(Arc::new(move |prompt: &str| prompter.ask(prompt)));
        let prompter = self.clone();
        options.confirm_in_place = Some(Arc::new(move |node: &str| prompter.ask_in_place(node)));
        options
    }

    /// From now on questions go to this channel.
    pub fn connect(&self, tx: UnboundedSender<Msg>) {
        if let Ok(mut slot) = self.tx.lock() {
            *slot = Some(tx);
        }
    }

    /// No interface any more: questions are answered "none" at once.
    pub fn disconnect(&self) {
        if let Ok(mut slot) = self.tx.lock() {
            *slot = None;
        }
    }

    /// Blocks until the admin answers (must not run on an async thread).
    pub fn ask(&self, prompt: &str) -> Option<SecretString> {
        let tx = self.tx.lock().ok()?.clone()?;
        let (reply, answer) = Reply::channel();
        let question = Action::AskPassphrase {
            prompt: prompt.to_string(),
            reply,
        };
        tx.send(Msg::Action(Box::new(question))).ok()?;
        // Every sender gone (the interface ended) reads as "no passphrase".
        answer.recv().ok().flatten()
    }

    /// Whether `node`'s files may be overwritten in place; blocks until the
    /// admin answers (must not run on an async thread).
    pub fn ask_in_place(&self, node: &str) -> bool {
        let Some(tx) = self.tx.lock().ok().and_then(|tx| tx.clone()) else {
            return false;
        };
        let (reply, answer) = Confirm::channel();
        let question = Action::AskInPlace {
            node: node.to_string(),
            reply,
        };
        if tx.send(Msg::Action(Box::new(question))).is_err() {
            return false;
        }
        answer.recv().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn a_question_reaches_the_channel_and_the_answer_comes_back() {
        let prompter = Prompter::new();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        prompter.connect(tx);
        let asking = {
            let p = prompter.clone();
            std::thread::spawn(move || p.ask("Passphrase for id_test: "))
        };
        let Some(Msg::Action(action)) = rx.blocking_recv() else {
            panic!("no question");
        };
        let Action::AskPassphrase { prompt, reply } = *action else {
            panic!("not a passphrase question");
        };
        assert_eq!(prompt, "Passphrase for id_test: ");
        reply.send(Some(SecretString::from("open sesame")));
        let answer = asking.join().unwrap().expect("an answer");
        assert_eq!(answer.expose_secret(), "open sesame");
    }

    #[test]
    fn without_an_interface_the_answer_is_none() {
        let prompter = Prompter::new();
        assert!(prompter.ask("Passphrase: ").is_none());
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        prompter.connect(tx);
        drop(rx);
        assert!(prompter.ask("Passphrase: ").is_none());
        prompter.disconnect();
        assert!(prompter.ask("Passphrase: ").is_none());
    }

    #[test]
    fn the_in_place_question_reaches_the_channel_and_a_dropped_one_is_no() {
        let prompter = Prompter::new();
        assert!(!prompter.ask_in_place("ucs-b"), "no interface: no");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        prompter.connect(tx);
        for yes in [true, false] {
            let asking = {
                let p = prompter.clone();
                std::thread::spawn(move || p.ask_in_place("ucs-b"))
            };
            let Some(Msg::Action(action)) = rx.blocking_recv() else {
                panic!("no question");
            };
            let Action::AskInPlace { node, reply } = *action else {
                panic!("not the in-place question");
            };
            assert_eq!(node, "ucs-b");
            if yes {
                reply.send(true);
            } else {
                drop(reply);
            }
            assert_eq!(asking.join().unwrap(), yes);
        }
        let options = prompter.ssh_options(SshOptions::default());
        assert!(options.confirm_in_place.is_some() && options.passphrase.is_some());
    }

    #[test]
    fn a_dropped_question_answers_none() {
        let prompter = Prompter::new();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        prompter.connect(tx);
        let asking = {
            let p = prompter.clone();
            std::thread::spawn(move || p.ask("Passphrase: "))
        };
        let question = rx.blocking_recv();
        drop(question);
        assert!(asking.join().unwrap().is_none());
    }
}
