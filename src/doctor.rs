//! What is wrong with a node, and how to fix it: the checks behind `doctor`.

use std::time::{Duration, SystemTime};

use crate::Error;
use crate::ops::{self, Target};
use crate::settings::calendar::CalendarSettings;

/// A log not written for this long is suspicious: the suite logs constantly.
pub const QUIET_LOG: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Problem,
}

/// One thing found on a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// What is wrong, in words.
    pub what: String,
    /// How to fix it.
    pub fix: String,
}

fn problem(what: impl Into<String>, fix: impl Into<String>) -> Finding {
    Finding {
        severity: Severity::Problem,
        what: what.into(),
        fix: fix.into(),
    }
}

fn warning(what: impl Into<String>, fix: impl Into<String>) -> Finding {
    Finding {
        severity: Severity::Warning,
        what: what.into(),
        fix: fix.into(),
    }
}

/// Runs every check on one node. An unreachable node is one problem, not an error.
pub async fn check(target: &Target) -> Vec<Finding> {
    match target.node.stat("").await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return vec![problem(
                format!("the root {} does not exist", target.node.root()),
                "fix `root` for this node in the inventory",
            )];
        }
        Err(e) => {
            return vec![problem(
                format!("unreachable: {e}"),
                "check the host, the network and the SSH settings (`ucsconf nodes`)",
            )];
        }
    }
    let mut found = Vec::new();
    presence(target, &mut found).await;
    calendar(target, &mut found).await;
    credentials(target, &mut found).await;
    log(target, &mut found).await;
    found.sort_by_key(|f| std::cmp::Reverse(f.severity));
    found
}

fn unreadable(path: &str, e: &Error) -> Finding {
    problem(
        format!("{path} cannot be read: {e}"),
        "fix or restore the file (ucsconf keeps backups beside it as *.bak)",
    )
}

async fn presence(target: &Target, found: &mut Vec<Finding>) {
    let path = &target.paths.presence;
    match ops::load_ini(target, path).await {
        Err(e) => found.push(unreadable(path, &e)),
        Ok(l) if l.snapshot.is_none() => found.push(problem(
            format!("{path} is missing"),
            "restore it from another node or reinstall the Presence service",
        )),
        Ok(l) => {
            let on = l
                .doc
                .get(Some("Webex"), "WebexPresence.Enable")
                .or_else(|| {
                    let sections = l.doc.sections_with_key("WebexPresence.Enable");
                    let first = sections.first()?;
                    l.doc.get(first.as_deref(), "WebexPresence.Enable")
                })
                .is_some_and(|v| v.trim() == "1");
            if !on {
                found.push(warning(
                    "Webex Calling presence retrieval is off (WebexPresence.Enable is not 1)",
                    "ucsconf presence set WebexPresence.Enable 1 (if the customer uses Webex Calling)",
                ));
            }
        }
    }
}

async fn calendar(target: &Target, found: &mut Vec<Finding>) {
    let path = &target.paths.calendar;
    match ops::load_ini(target, path).await {
        Err(e) => found.push(unreadable(path, &e)),
        Ok(l) if l.snapshot.is_none() => found.push(warning(
            format!("{path} is missing: no calendar integration"),
            "ucsconf calendar set --provider ... (if operators need calendar states)",
        )),
        Ok(l) => {
            let report = CalendarSettings::from_document(&l.doc).validate();
            for e in report.errors {
                found.push(problem(
                    format!("calendar: {}", e.message),
                    "ucsconf calendar set ... (see ucsconf calendar show)",
                ));
            }
            for w in report.warnings {
                found.push(warning(
                    format!("calendar: {}", w.message),
                    "review the calendar settings",
                ));
            }
        }
    }
}

async fn credentials(target: &Target, found: &mut Vec<Finding>) {
    let path = &target.paths.credentials;
    let store = match ops::load_store(target).await {
        Ok(s) => s,
        Err(e) => return found.push(unreadable(path, &e)),
    };
    let key_path = &target.paths.node_key;
    match target.node.owner_only(key_path).await {
        Ok(Some(false)) => found.push(problem(
            format!("the node key {key_path} is readable by other users"),
            crate::platform::key_fix(target.node.root(), key_path),
        )),
        Ok(_) => {}
        Err(e) => found.push(problem(
            format!("{key_path}: {e}"),
            "check the file's permissions",
        )),
    }
    if store.store.client_id().is_none() {
        return found.push(problem(
            "no Imagicle Cloud services credentials saved",
            "ucsconf credentials save --client-id ID (the secret is asked for)",
        ));
    }
    let opened = match ops::node_key(target, false).await {
        Ok(Some(key)) => store
            .store
            .open_secret(&key)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Ok(None) => Err(format!("the node key {key_path} is missing")),
        Err(e) => Err(e.to_string()),
    };
    if let Err(why) = opened {
        found.push(problem(
            format!("{path}: the saved credentials cannot be opened ({why})"),
            "save them again: ucsconf credentials save --client-id ID",
        ));
    }
}

async fn log(target: &Target, found: &mut Vec<Finding>) {
    let path = &target.paths.log;
    match target.node.stat(path).await {
        Ok(None) => found.push(warning(
            format!("the application log {path} is missing"),
            "check that the suite is running and logging",
        )),
        Ok(Some(stat)) => {
            let age = stat
                .mtime
                .and_then(|m| SystemTime::now().duration_since(m).ok())
                .unwrap_or_default();
            if age > QUIET_LOG {
                found.push(warning(
                    format!(
                        "the application log was last written {} hours ago",
                        age.as_secs() / 3600
                    ),
                    "check that the suite's web application (w3wp) is running",
                ));
            }
        }
        Err(e) => found.push(problem(
            format!("{path}: {e}"),
            "check the log folder's permissions",
        )),
    }
}

/// True when nothing but warnings was found.
pub fn healthy(findings: &[Finding]) -> bool {
    findings.iter().all(|f| f.severity == Severity::Warning)
}
