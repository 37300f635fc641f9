//! The real binary in a pseudo-terminal, read back through a terminal
//! emulator: for the end-to-end tests and the benchmarks.
//!
//! Every wait is for the screen to change (a condition variable the reader
//! thread signals after each read), with a deadline; there are no fixed
//! sleeps. The child is killed when the [`Tui`] is dropped.

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use portable_pty::{
    ChildKiller, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system,
};

/// How long a wait lasts before it fails, unless told otherwise.
pub const DEADLINE: Duration = Duration::from_secs(20);

pub const ENTER: &str = "\r";
pub const UP: &str = "\x1b[A";
pub const DOWN: &str = "\x1b[B";

/// What the binary is started with; [`Options::spawn`] starts it.
#[derive(Clone)]
pub struct Options {
    bin: PathBuf,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    env_remove: Vec<OsString>,
    rows: u16,
    cols: u16,
    keep_raw: bool,
}

impl Options {
    /// `bin` in a terminal of 120 x 40, with `TERM=xterm-256color` and
    /// without `NO_COLOR`, keeping the raw output.
    pub fn new(bin: impl AsRef<Path>) -> Options {
        Options {
            bin: bin.as_ref().to_path_buf(),
            args: Vec::new(),
            env: Vec::new(),
            env_remove: vec!["NO_COLOR".into()],
            rows: 40,
            cols: 120,
            keep_raw: true,
        }
    }

    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Options {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<S: AsRef<OsStr>>(&mut self, args: impl IntoIterator<Item = S>) -> &mut Options {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Set after the removals, so it wins over them (`NO_COLOR=1`).
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Options {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Not inherited from the caller's environment.
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Options {
        self.env_remove.push(key.as_ref().to_owned());
        self
    }

    pub fn size(&mut self, rows: u16, cols: u16) -> &mut Options {
        (self.rows, self.cols) = (rows, cols);
        self
    }

    /// Whether every byte written to the terminal is kept for [`Tui::raw`];
    /// a long benchmark counts them only.
    pub fn keep_raw(&mut self, keep: bool) -> &mut Options {
        self.keep_raw = keep;
        self
    }

    pub fn spawn(&self) -> Tui {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: self.rows,
                cols: self.cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut cmd = CommandBuilder::new(&self.bin);
        cmd.args(&self.args);
        cmd.env("TERM", "xterm-256color");
        for key in &self.env_remove {
            cmd.env_remove(key);
        }
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        let started = Instant::now();
        let mut child = pty.slave.spawn_command(cmd).expect("the binary starts");
        let pid = child.process_id().expect("the child's pid");
        let killer = child.clone_killer();
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let output = Arc::new((
            Mutex::new(Output {
                parser: vt100::Parser::new(self.rows, self.cols, 0),
                raw: Vec::new(),
                keep_raw: self.keep_raw,
                bytes: 0,
                closed: false,
                exit: None,
            }),
            Condvar::new(),
        ));
        let shared = output.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            loop {
                let n = reader.read(&mut buf).unwrap_or(0);
                let (lock, cvar) = &*shared;
                let mut out = relock(lock);
                if n == 0 {
                    out.closed = true;
                    cvar.notify_all();
                    return;
                }
                out.parser.process(&buf[..n]);
                out.bytes += n as u64;
                if out.keep_raw {
                    out.raw.extend_from_slice(&buf[..n]);
                }
                cvar.notify_all();
            }
        });
        // The terminal's other end is held until the child is reaped, then
        // closed, so the reads end only once all it wrote is in: closed by
        // the child's exit, a terminal may lose its last lines (seen on a
        // loaded machine).
        let shared = output.clone();
        let slave = pty.slave;
        std::thread::spawn(move || {
            let status = child.wait().expect("the child's exit");
            drop(slave);
            relock(&shared.0).exit = Some(status);
            shared.1.notify_all();
        });
        Tui {
            _master: pty.master,
            writer,
            killer,
            pid,
            output,
            started,
        }
    }
}

struct Output {
    parser: vt100::Parser,
    raw: Vec<u8>,
    keep_raw: bool,
    bytes: u64,
    /// The reads ended: the child exited and all it wrote was read.
    closed: bool,
    exit: Option<ExitStatus>,
}

/// A wait that failed panics while holding the lock; what it guards is still
/// good to read (the screen for the next failure message, the child's kill).
fn relock(lock: &Mutex<Output>) -> MutexGuard<'_, Output> {
    lock.lock().unwrap_or_else(|e| e.into_inner())
}

/// The binary running in a pseudo-terminal.
pub struct Tui {
    _master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    killer: Box<dyn ChildKiller + Send + Sync>,
    pid: u32,
    output: Arc<(Mutex<Output>, Condvar)>,
    started: Instant,
}

impl Tui {
    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    pub fn screen(&self) -> String {
        relock(&self.output.0).parser.screen().contents()
    }

    /// Everything written to the terminal (empty without [`Options::keep_raw`]).
    pub fn raw(&self) -> Vec<u8> {
        relock(&self.output.0).raw.clone()
    }

    /// How many bytes were written to the terminal.
    pub fn bytes(&self) -> u64 {
        relock(&self.output.0).bytes
    }

    /// When the child was spawned.
    pub fn started(&self) -> Instant {
        self.started
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Waits until `done` holds for the screen; panics with the screen after
    /// [`DEADLINE`] or when the program has closed the terminal.
    pub fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        self.wait_until_within(DEADLINE, what, done)
    }

    pub fn wait_until_within(
        &self,
        within: Duration,
        what: &str,
        done: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + within;
        let (lock, cvar) = &*self.output;
        let mut out = relock(lock);
        loop {
            let screen = out.parser.screen().contents();
            if done(&screen) {
                return screen;
            }
            let now = Instant::now();
            if now >= deadline || out.closed {
                panic!("waited for {what}; the screen shows:\n{screen}");
            }
            out = cvar
                .wait_timeout(out, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |s| s.contains(text))
    }

    /// Moves the selection marker `›` until its row contains `text`: up or
    /// down toward the first row showing `text`, down while none does yet
    /// (the list scrolls it into view).
    pub fn select(&mut self, text: &str) {
        for _ in 0..60 {
            let screen = self.screen();
            let rows: Vec<&str> = screen.lines().collect();
            let selected = rows.iter().position(|l| l.contains('›'));
            let current = selected.map_or("", |i| rows[i]).to_string();
            if current.contains(text) {
                return;
            }
            let target = rows.iter().position(|l| l.contains(text));
            let up = matches!((selected, target), (Some(s), Some(t)) if t < s);
            self.send(if up { UP } else { DOWN });
            self.wait_until("the selection to move", |s| {
                selected_line(s).unwrap_or("") != current
            });
        }
        panic!("{text} never got selected:\n{}", self.screen());
    }

    /// Waits for the program to exit; panics after [`DEADLINE`].
    pub fn wait_exit(&mut self) -> ExitStatus {
        self.try_wait_exit().expect("the program did not exit")
    }

    /// The exit status, or `None` if the program still runs after [`DEADLINE`].
    /// Everything it wrote has been read when this returns.
    pub fn try_wait_exit(&mut self) -> Option<ExitStatus> {
        let deadline = Instant::now() + DEADLINE;
        let (lock, cvar) = &*self.output;
        let mut out = relock(lock);
        while !(out.closed && out.exit.is_some()) {
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            out = cvar
                .wait_timeout(out, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        out.exit.clone()
    }

    /// Presses `q` and gives the program [`DEADLINE`] to exit; if it does
    /// not, dropping it kills it.
    pub fn quit(mut self) {
        self.send("q");
        let _ = self.try_wait_exit();
    }
}

/// The row carrying the selection marker.
pub fn selected_line(screen: &str) -> Option<&str> {
    screen.lines().find(|l| l.contains('›'))
}

impl Drop for Tui {
    fn drop(&mut self) {
        if relock(&self.output.0).exit.is_none() {
            let _ = self.killer.kill();
        }
    }
}

/// The release binary the benchmarks run: `$UCSCONF_BIN`, or
/// `target/release/ucsconf` of this package; exits if it is missing.
pub fn release_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("UCSCONF_BIN") {
        return PathBuf::from(bin);
    }
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/ucsconf");
    if !bin.is_file() {
        eprintln!(
            "{} is missing: run `cargo build --release` first (or set UCSCONF_BIN)",
            bin.display()
        );
        std::process::exit(2);
    }
    bin
}
