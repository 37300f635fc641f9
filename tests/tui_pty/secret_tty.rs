//! `--secret-stdin` and `--password-stdin` at a terminal: what is typed is
//! read with the echo off, never shown. The real binary in a pseudo-terminal.

#![cfg(unix)]

use crate::support;

use support::pty::{ENTER, Options};

const SECRET: &str = "Typed-S3cret-at-a-tty";

#[test]
fn a_secret_typed_for_secret_stdin_is_not_echoed() {
    // Before, stdin was read as it is, and the terminal echoed each key.
    let node = support::TempRoot::new();
    for (args, prompt) in [
        (
            vec![
                "credentials",
                "save",
                "--client-id",
                "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
                "--secret-stdin",
            ],
            "Client secret: (typing is not shown)",
        ),
        (
            vec![
                "calendar",
                "set",
                "--provider",
                "office365",
                "--basic-auth",
                "on",
                "--username",
                "svc@contoso.com",
                "--password-stdin",
            ],
            "Calendar password: (typing is not shown)",
        ),
    ] {
        let mut options = Options::new(env!("CARGO_BIN_EXE_ucsconf"));
        options
            .env("UCSCONF_LOG", "off")
            .env_remove("UCSCONF_CONFIG")
            .arg("--root")
            .arg(&node.root)
            .args(&args);
        let mut tty = options.spawn();
        tty.wait_for(prompt);
        tty.send(SECRET);
        tty.send(ENTER);
        let status = tty.wait_exit();
        let raw = String::from_utf8_lossy(&tty.raw()).into_owned();
        assert!(status.success(), "{args:?} exited {status:?}:\n{raw}");
        assert!(!raw.contains("S3cret"), "echoed:\n{raw}");
        assert!(raw.contains("saved"), "{raw}");
    }
}
