//! The command line end to end: the real binary on local nodes, the
//! cluster engine, the online checks, limits and packaging. Runs on Windows.

#[path = "../support/mod.rs"]
mod support;

mod cloud;
mod cluster;
mod commands;
mod crash_safety;
mod doctor_online;
mod history;
mod limits;
mod node_key;
mod node_local;
mod packaging;
mod windows_local;
