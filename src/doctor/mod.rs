//! What is wrong with a node, and how to fix it: the checks behind `doctor`.

mod online;
mod remedy;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use crate::Error;
use crate::node::Readers;
use crate::ops::{self, Target};
use crate::settings::form::{Form, FormFile};
use crate::settings::seal::{NodeKey, SealError};
use crate::settings::{FormId, FormVisitor};

pub use remedy::Remedy;

pub use online::{
    Endpoint, OnlineOptions, OnlineReport, Probe, WEBEX_APIS, check_online, online_endpoints,
    standard_endpoints,
};

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
    pub fix: Remedy,
}

fn problem(what: impl Into<String>, fix: impl Into<Remedy>) -> Finding {
    Finding {
        severity: Severity::Problem,
        what: what.into(),
        fix: fix.into(),
    }
}

fn warning(what: impl Into<String>, fix: impl Into<Remedy>) -> Finding {
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
                Remedy::CheckConnection,
            )];
        }
    }
    let mut found = Vec::new();
    presence(target, &mut found).await;
    for file in FormId::ALL {
        found.extend(file.visit(FormChecks(target)).await);
    }
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
                    Remedy::EnableWebexPresence,
                ));
            }
        }
    }
}

/// A form file's findings: missing, or its errors and warnings.
struct FormChecks<'a>(&'a Target);

impl<'a> FormVisitor for FormChecks<'a> {
    type Out = Pin<Box<dyn Future<Output = Vec<Finding>> + Send + 'a>>;
    fn visit<F: FormFile>(self) -> Self::Out {
        Box::pin(async move {
            let path = F::path(&self.0.paths);
            let command = F::COMMAND;
            let (missing, _) = F::IF_MISSING;
            match ops::load_ini(self.0, path).await {
                Err(e) => vec![unreadable(path, &e)],
                Ok(l) if l.snapshot.is_none() => vec![warning(
                    format!("{path} is missing: {missing}"),
                    Remedy::FillIn(F::ID),
                )],
                Ok(l) => {
                    let report = Form::<F>::from_document(&l.doc).validate();
                    let errors = report.errors.into_iter().map(|e| {
                        problem(format!("{command}: {}", e.message), Remedy::Correct(F::ID))
                    });
                    let warnings = report.warnings.into_iter().map(|w| {
                        warning(format!("{command}: {}", w.message), Remedy::Review(F::ID))
                    });
                    errors.chain(warnings).collect()
                }
            }
        })
    }
}

async fn credentials(target: &Target, found: &mut Vec<Finding>) {
    let path = &target.paths.credentials;
    let store = match ops::load_store(target).await {
        Ok(s) => s,
        Err(e) => return found.push(unreadable(path, &e)),
    };
    let key_path = &target.paths.node_key;
    match target.node.readers(key_path).await {
        Ok(Readers::Others { who, fix }) => found.push(problem(
            format!("the node key {key_path} is readable by other users ({who})"),
            fix,
        )),
        Ok(Readers::Unchecked { what, fix }) => found.push(warning(
            format!("whether only its owner may read the node key {key_path} is not known: {what}"),
            format!("to make sure, run on the node: {fix}"),
        )),
        Ok(Readers::Absent | Readers::OwnerOnly) => {}
        Err(e) => found.push(problem(
            format!("{key_path}: {e}"),
            "check the file's permissions",
        )),
    }
    sealed_values(target, &store, found).await;
    if store.store.client_id().is_none() {
        found.push(problem(
            "no Imagicle Cloud services credentials saved",
            Remedy::SaveCredentials,
        ));
    }
}

/// Whether every sealed value opens with the node key; a key that is
/// missing or unusable while values depend on it is one problem naming them.
async fn sealed_values(target: &Target, store: &ops::LoadedStore, found: &mut Vec<Finding>) {
    // A store or Calendar.ini that cannot be read is reported on its own.
    let Ok(sealed) = ops::sealed_values(target).await else {
        return;
    };
    if sealed.is_empty() {
        return;
    }
    let key_path = &target.paths.node_key;
    let described: Vec<String> = sealed.iter().map(|v| v.describe(&target.paths)).collect();
    let key = match ops::read_key(target).await {
        Ok(ops::KeyState::Present(key)) => key,
        Ok(ops::KeyState::Missing) => {
            return found.push(problem(
                format!(
                    "the node key {key_path} is missing, but {} sealed with it: nothing sealed \
                     opens without it, and ucsconf makes no new key over it",
                    listed(&described)
                ),
                Remedy::RecoverNodeKey,
            ));
        }
        Ok(ops::KeyState::Unusable { why, .. }) => {
            return found.push(problem(
                format!(
                    "the node key {key_path} cannot be used ({why}), and {} sealed with it",
                    listed(&described)
                ),
                Remedy::RecoverNodeKey,
            ));
        }
        Err(e) => return found.push(problem(format!("{key_path}: {e}"), "check the file")),
    };
    for value in sealed {
        let opened = match value {
            ops::SealedValue::ClientSecret => store.store.open_secret(&key).map(drop),
            ops::SealedValue::ProxyPassword => store.store.open_proxy_password(&key).map(drop),
            ops::SealedValue::Form(file, field) => {
                file.visit(OpenSecret {
                    target,
                    key: &key,
                    field,
                })
                .await
            }
        };
        let Err(why) = opened else { continue };
        found.push(match value {
            ops::SealedValue::ClientSecret => problem(
                format!(
                    "{}: the saved credentials cannot be opened ({why})",
                    target.paths.credentials
                ),
                Remedy::SaveCredentials,
            ),
            ops::SealedValue::ProxyPassword => problem(
                format!("the proxy password does not open with the node key ({why})"),
                Remedy::RetypeProxyPassword,
            ),
            ops::SealedValue::Form(file, field) => problem(
                format!(
                    "the {} does not open with the node key ({why})",
                    file.noun_of(field)
                ),
                Remedy::Retype(file, field),
            ),
        });
    }
}

/// Whether a form file's sealed secret opens with `key` (a file that cannot
/// be read is reported on its own).
struct OpenSecret<'a> {
    target: &'a Target,
    key: &'a NodeKey,
    field: &'static str,
}

impl<'a> FormVisitor for OpenSecret<'a> {
    type Out = Pin<Box<dyn Future<Output = Result<(), SealError>> + Send + 'a>>;
    fn visit<F: FormFile>(self) -> Self::Out {
        Box::pin(async move {
            let Ok(loaded) = ops::load_ini(self.target, F::path(&self.target.paths)).await else {
                return Ok(());
            };
            let form = Form::<F>::from_document(&loaded.doc);
            match F::with_key(self.field) {
                Some(field) => form.open_secret(field, self.key).map(drop),
                None => Ok(()),
            }
        })
    }
}

/// `a was`, `a and b were`.
fn listed(items: &[String]) -> String {
    match items {
        [one] => format!("{one} was"),
        [rest @ .., last] => format!("{} and {last} were", rest.join(", ")),
        [] => String::new(),
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
