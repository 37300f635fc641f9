//! Removing a file's backups over SFTP, for a secret that must not stay
//! recoverable (`credentials forget --purge`).

use std::time::SystemTime;

use russh_sftp::protocol::StatusCode;

use super::paths;
use super::sftp::{self, Op};
use super::write::{OpFail, OpResult, Remote};
use crate::node::backup::{self, Listed};

/// See [`crate::node::Node::remove_backups`]: one listing, then every
/// removal at once.
pub async fn remove_backups(op: &Op<'_>, remote: &Remote) -> OpResult<Vec<String>> {
    let (dir, file) = paths::split(&remote.path);
    let fail = |path: &str| {
        let shown = paths::display(path, remote.kind);
        move |failure| OpFail::Sftp {
            path: shown,
            failure,
        }
    };
    let listed: Vec<Listed> = match op.list_with_attrs(dir).await {
        Ok(entries) => entries
            .into_iter()
            .map(|(name, attrs)| Listed::new(name, sftp::mtime(&attrs)))
            .collect(),
        Err(failure) if failure.is(StatusCode::NoSuchFile) => return Ok(Vec::new()),
        Err(failure) => return Err(fail(dir)(failure)),
    };
    let names = backup::purgeable(file, &listed, SystemTime::now());
    let paths: Vec<String> = names.iter().map(|n| paths::join(dir, n)).collect();
    let removed = sftp::join_all(paths.iter().map(|p| op.remove(p))).await;
    for (path, result) in paths.iter().zip(removed) {
        result.map_err(fail(path))?;
    }
    Ok(names)
}
