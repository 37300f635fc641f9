//! Where the answers to questions asked from a background task go: a
//! passphrase for the SSH login, a yes or no. At the bottom of the TUI, so
//! actions can carry them.

use std::sync::mpsc;

use secrecy::SecretString;

/// Where the answer to one question goes.
#[derive(Debug, Clone)]
pub struct Reply(mpsc::Sender<Option<SecretString>>);

impl Reply {
    /// A reply and where its answer arrives.
    pub fn channel() -> (Reply, mpsc::Receiver<Option<SecretString>>) {
        let (tx, rx) = mpsc::channel();
        (Reply(tx), rx)
    }

    /// Answers; a question nobody waits for any more is dropped silently.
    pub fn send(&self, answer: Option<SecretString>) {
        let _ = self.0.send(answer);
    }
}

/// Where a yes/no answer goes. A question dropped unanswered (its dialog
/// closed, the interface gone) reads as no.
#[derive(Debug, Clone)]
pub struct Confirm(mpsc::Sender<bool>);

impl Confirm {
    /// A reply and where its answer arrives.
    pub fn channel() -> (Confirm, mpsc::Receiver<bool>) {
        let (tx, rx) = mpsc::channel();
        (Confirm(tx), rx)
    }

    pub fn send(&self, yes: bool) {
        let _ = self.0.send(yes);
    }
}
