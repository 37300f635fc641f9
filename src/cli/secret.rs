//! Secrets come from standard input or a masked prompt, never from argv.

use std::io::{IsTerminal, Read};

use secrecy::SecretString;

use crate::{Error, Result};

/// The refusal for a secret given as an argument.
pub fn refuse_argument(flag: &str, stdin_flag: &str) -> Error {
    Error::invalid(format!(
        "{flag} is refused: a secret on the command line shows in `ps` and shell history; \
         use {stdin_flag} or the masked prompt"
    ))
}

/// Reads a secret: all of stdin (one trailing newline removed) when
/// `from_stdin`, else a masked prompt on the terminal. A terminal on stdin
/// echoes what is typed: there, `from_stdin` reads one line with the echo
/// off instead, after `prompt` on stderr.
pub fn read(from_stdin: bool, prompt: &str, stdin_flag: &str) -> Result<SecretString> {
    let text = if from_stdin && std::io::stdin().is_terminal() {
        super::term::ask_masked(&format!("{prompt}(typing is not shown) "))
            .map_err(|e| Error::invalid(format!("reading the secret: {e}")))?
    } else if from_stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Error::invalid(format!("reading the secret from stdin: {e}")))?;
        let trimmed = text.strip_suffix('\n').unwrap_or(&text);
        let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed).to_string();
        zeroize::Zeroize::zeroize(&mut text);
        trimmed
    } else if std::io::stdin().is_terminal() {
        super::term::ask_masked_on_tty(prompt)
            .map_err(|e| Error::invalid(format!("reading the secret: {e}")))?
    } else {
        return Err(Error::invalid(format!(
            "no terminal to ask for the secret: pipe it in with {stdin_flag}"
        )));
    };
    if text.is_empty() {
        return Err(Error::invalid("the secret is empty"));
    }
    Ok(SecretString::from(text))
}
