//! The command line's only way out: every line it prints goes through here,
//! escaped by the one rule of [`crate::text`], because most of what it
//! prints comes from nodes, servers and inventories. `clippy.toml` and the
//! print lints keep the rest of the crate from writing to stdout or stderr
//! directly.
//!
//! Human text is always escaped, also into a pipe (a pager or a log
//! collector is a terminal too, later). What a script reads is exact: the
//! JSON document, and the lines a command marks as data (`presence get`)
//! when stdout is not a terminal.
#![allow(clippy::disallowed_methods)]

use std::io::{BufRead, BufWriter, IsTerminal, StdoutLock, Write};

use serde_json::Value;

use crate::text::escape_untrusted_lines;

/// Prints one escaped line on stderr: `errln!("warning: {w}")`.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::term::err_line(&format!($($arg)*))
    };
}
pub(crate) use errln;

/// Prints one escaped line on stdout.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::term::out_line(&format!($($arg)*))
    };
}
pub(crate) use outln;

pub fn err_line(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", escape_untrusted_lines(text));
}

/// Prints `text` escaped on stderr without a newline: a question.
pub fn err_text(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{}", escape_untrusted_lines(text));
    let _ = err.flush();
}

pub fn out_line(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{}", escape_untrusted_lines(text));
}

/// Prints `doc` on stdout as pretty JSON (see [`json_safe`]).
pub fn out_json(doc: &Value) {
    out_raw_line(&json_text(doc));
}

/// Prints `doc` on stdout as JSON on one line (see [`json_safe`]).
pub fn out_json_line(doc: &Value) {
    out_raw_line(&json_safe(doc.to_string()));
}

/// `doc` as pretty JSON (see [`json_safe`]).
pub fn json_text(doc: &Value) -> String {
    json_safe(serde_json::to_string_pretty(doc).unwrap_or_default())
}

/// JSON text made safe on a terminal and still exact: JSON escapes the C0
/// controls itself; DEL, the C1 controls and the bidi controls are written
/// as `\uXXXX` escapes, which decode to the same string.
pub fn json_safe(text: String) -> String {
    // Outside its strings JSON is ASCII, so every such character is inside
    // a string, where a `\u` escape means the same character.
    if !text.chars().any(crate::text::is_escaped) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if crate::text::is_escaped(c) && c != '\n' {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Prints a line the program made itself and has already escaped.
fn out_raw_line(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

/// Writes what the program generated entirely itself (a completion script,
/// the man page) to stdout as it is.
pub fn out_own_bytes(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|_| out.flush())
}

/// Draws `text` (escaped) over the current line of stderr: a progress bar.
pub fn err_redraw(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r{}", crate::text::escape_untrusted(text));
    let _ = err.flush();
}

/// Ends the line [`err_redraw`] drew on.
pub fn err_end_line() {
    let _ = writeln!(std::io::stderr().lock());
}

/// Asks `prompt` (escaped) on stderr and reads a line from the terminal
/// without echo.
pub fn ask_masked(prompt: &str) -> std::io::Result<String> {
    ask_masked_with(prompt, |config| config.output_writer(std::io::stderr()))
}

/// As [`ask_masked`], with the prompt on the terminal itself: for a
/// command whose stderr may be captured.
pub fn ask_masked_on_tty(prompt: &str) -> std::io::Result<String> {
    ask_masked_with(prompt, |config| config)
}

/// The echo goes off before the prompt shows, as readpassphrase(3) does:
/// rpassword turns it off only after writing its prompt, and keys typed as
/// soon as the prompt appears would be echoed in between.
fn ask_masked_with(
    prompt: &str,
    output: impl FnOnce(rpassword::ConfigBuilder) -> rpassword::ConfigBuilder,
) -> std::io::Result<String> {
    let _quiet = echo::off();
    let config = output(rpassword::ConfigBuilder::new()).build();
    rpassword::prompt_password_with_config(crate::text::escape_untrusted(prompt), config)
}

#[cfg(unix)]
mod echo {
    use std::fs::File;
    use std::os::fd::AsRawFd;

    /// The terminal's echo, off until this is dropped.
    pub struct Off {
        tty: File,
        before: libc::termios,
    }

    /// Turns the controlling terminal's echo off; `None` without one (then
    /// rpassword reports that).
    pub fn off() -> Option<Off> {
        let tty = File::options()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()?;
        // SAFETY: a zeroed termios is a valid value for tcgetattr to fill,
        // and the fd is open for the calls.
        let mut before: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(tty.as_raw_fd(), &mut before) } != 0 {
            return None;
        }
        let mut quiet = before;
        quiet.c_lflag &= !(libc::ECHO | libc::ECHONL);
        // SAFETY: as above; `quiet` is a termios the terminal just gave.
        if unsafe { libc::tcsetattr(tty.as_raw_fd(), libc::TCSANOW, &quiet) } != 0 {
            return None;
        }
        Some(Off { tty, before })
    }

    impl Drop for Off {
        fn drop(&mut self) {
            // SAFETY: the fd is open; `before` came from tcgetattr.
            unsafe { libc::tcsetattr(self.tty.as_raw_fd(), libc::TCSANOW, &self.before) };
        }
    }
}

/// On Windows the console echoes a key when it is read, not when it is
/// typed: rpassword's order is safe there.
#[cfg(not(unix))]
mod echo {
    pub fn off() {}
}

/// Asks `question` on stderr and reads the answer from stdin (a terminal or
/// a pipe; blocking): only y or yes is a yes.
pub fn yes_no(question: &str) -> std::io::Result<bool> {
    err_text(question);
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    if !std::io::stdin().is_terminal() {
        // Echo a piped answer, so the transcript reads like a dialogue.
        errln!("{}", line.trim());
    }
    let answer = line.trim().to_ascii_lowercase();
    Ok(answer == "y" || answer == "yes")
}

pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Stdout for many lines, with one write for the whole output: stdout is
/// line-buffered, and a syscall per line was most of the cost of printing a
/// log tail.
pub struct Out {
    out: BufWriter<StdoutLock<'static>>,
    terminal: bool,
}

impl Out {
    pub fn new() -> Out {
        let stdout = std::io::stdout();
        let terminal = stdout.is_terminal();
        Out {
            out: BufWriter::new(stdout.lock()),
            terminal,
        }
    }

    /// One line of human text, escaped.
    pub fn line(&mut self, text: &str) {
        let _ = writeln!(self.out, "{}", escape_untrusted_lines(text));
    }

    /// A `prefix` (escaped) and a value a script may read: exact into a
    /// pipe or a file, escaped on a terminal.
    pub fn data(&mut self, prefix: &str, value: &str) {
        let prefix = escape_untrusted_lines(prefix);
        if self.terminal {
            let _ = writeln!(self.out, "{prefix}{}", escape_untrusted_lines(value));
        } else {
            let _ = writeln!(self.out, "{prefix}{value}");
        }
    }

    pub fn json(&mut self, doc: &Value) {
        let _ = writeln!(self.out, "{}", json_text(doc));
    }
}

impl Default for Out {
    fn default() -> Self {
        Out::new()
    }
}

impl Drop for Out {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_stays_exact_without_raw_controls() {
        let value = "\u{1b}]0;t\u{7}\u{7f}\u{9b}2J\u{202e}é\n";
        let doc = serde_json::json!({ "v": value });
        let text = json_text(&doc);
        assert!(
            !text.contains(|c: char| crate::text::is_escaped(c) && c != '\n'),
            "{text}"
        );
        assert!(text.contains("\\u007f\\u009b2J\\u202eé"), "{text}");
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["v"], value);
    }
}
