//! Nodes over SSH, against a real OpenSSH sshd on 127.0.0.1 started by the
//! harness (tests/support/sshd.rs): connecting, files, commands, following a
//! log, the support bundle. Unix only: the harness runs Linux's sshd.

#[path = "../support/mod.rs"]
mod support;

mod bundle;
mod cli;
mod connect;
mod follow;
mod journal;
mod node;
