//! The read and write protocol over SFTP, the same as the local node's:
//! conflict check, backup (`<file>.<UTC timestamp>.bak`, newest five kept),
//! a unique temp file beside the target, a last check, then an atomic
//! `posix-rename@openssh.com` over the target. A backup is kept only when
//! the file was replaced: a write that fails removes the one it made.
//!
//! An existing file is replaced pipelined, in four round trips
//! ([`pipelined`]), and so is a file with its journal record side by side
//! ([`replace_pair`]); creating a file, the in-place fallback and removing
//! go one step after another.

mod pipelined;

pub use pipelined::replace_pair;

use std::time::SystemTime;

use russh_sftp::protocol::{FileAttributes, StatusCode};

use super::paths::{self, RemoteKind};
use super::sftp::{self, Failure, HARDLINK, Handle, Op, POSIX_RENAME};
use crate::node::backup::{self, Listed};
use crate::node::{Expected, LastCheckHook, NodeError, Snapshot, Version, Written};

/// Why an operation failed: a node-level answer, or an SFTP failure at a path.
#[derive(Debug)]
pub enum OpFail {
    Node(NodeError),
    Sftp {
        path: String,
        failure: Failure,
    },
    /// One replace of a pair stopped before its rename, with nothing written.
    Paired(PairStop),
}

/// Why one replace of a pair stopped with nothing written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairStop {
    /// It cannot go pipelined (its backup name was taken): the pair is to
    /// be written one after the other.
    Declined,
    /// The other could not be written.
    Partner,
}

impl From<NodeError> for OpFail {
    fn from(e: NodeError) -> Self {
        OpFail::Node(e)
    }
}

pub type OpResult<T> = Result<T, OpFail>;

/// A remote file: its SFTP path and how the admin sees it.
#[derive(Debug, Clone)]
pub struct Remote {
    pub path: String,
    pub shown: String,
    pub kind: RemoteKind,
    /// For messages: the host the node is reached at.
    pub host: String,
    /// Backups kept beyond the newest five ([`crate::node::Node::replace_keeping`]).
    pub keep: Vec<String>,
}

impl Remote {
    pub fn new(path: String, kind: RemoteKind, host: &str) -> Remote {
        Remote {
            shown: paths::display(&path, kind),
            path,
            kind,
            host: host.to_string(),
            keep: Vec::new(),
        }
    }

    /// This file, with the backups of it to keep beyond the newest five.
    pub fn keeping(&self, keep: &[String]) -> Remote {
        Remote {
            keep: keep.to_vec(),
            ..self.clone()
        }
    }

    fn sibling(&self, name: &str) -> Remote {
        let (dir, _) = paths::split(&self.path);
        Remote::new(paths::join(dir, name), self.kind, &self.host)
    }

    fn dir_and_name(&self) -> (&str, &str) {
        paths::split(&self.path)
    }

    fn fail(&self) -> impl Fn(Failure) -> OpFail + '_ {
        move |failure| OpFail::Sftp {
            path: self.shown.clone(),
            failure,
        }
    }

    fn io(&self, message: &str) -> OpFail {
        OpFail::Node(NodeError::io(
            &self.shown,
            std::io::Error::other(message.to_string()),
        ))
    }
}

/// How a replace will be done, given what the server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Temp file, then `posix-rename@openssh.com` (or, when creating, a link or rename that fails if the file appeared).
    Atomic,
    /// No atomic replace: the target is overwritten in place (allowed explicitly only).
    InPlace,
}

/// Refuses before anything is written when the server cannot replace a file
/// atomically (creating one needs no posix-rename).
pub fn method(has_posix_rename: bool, expected: &Expected, allow_in_place: bool) -> Option<Method> {
    match (expected, has_posix_rename, allow_in_place) {
        (Expected::Absent, _, _) | (_, true, _) => Some(Method::Atomic),
        (_, false, true) => Some(Method::InPlace),
        (_, false, false) => None,
    }
}

pub fn posix_rename_missing(remote: &Remote) -> NodeError {
    NodeError::PosixRenameMissing {
        host: remote.host.clone(),
    }
}

/// Reads a whole file of at most `limit` bytes with its attributes.
pub async fn read(
    op: &Op<'_>,
    remote: &Remote,
    limit: u64,
) -> OpResult<Option<(Snapshot, FileAttributes)>> {
    let fail = remote.fail();
    let Some(handle) = op.open_read(&remote.path).await.map_err(&fail)? else {
        return Ok(None);
    };
    let result = read_open(op, remote, &handle, limit).await;
    op.close_unawaited(handle);
    Ok(Some(result?))
}

async fn read_open(
    op: &Op<'_>,
    remote: &Remote,
    handle: &Handle,
    limit: u64,
) -> OpResult<(Snapshot, FileAttributes)> {
    let fail = remote.fail();
    let max = limit.saturating_add(1);
    // The attributes and the first chunks in one round trip.
    let (attrs, data) = tokio::join!(op.fstat(handle), op.read_to_end(handle, 0, max, 2));
    let attrs = attrs.map_err(&fail)?;
    if attrs.is_dir() {
        return Err(remote.io("is a directory, not a file"));
    }
    let too_large = |size| {
        OpFail::Node(NodeError::TooLarge {
            path: remote.shown.clone(),
            size,
            limit,
        })
    };
    if attrs.len() > limit {
        return Err(too_large(attrs.len()));
    }
    let mut data = data.map_err(&fail)?;
    let have = data.len() as u64;
    if attrs.len() > have && have < max {
        // The server capped its answers below the file's size: read on.
        let rest = op
            .read_to_end(handle, have, max - have, 16)
            .await
            .map_err(&fail)?;
        data.extend_from_slice(&rest);
    }
    if data.len() as u64 > limit {
        return Err(too_large(data.len() as u64));
    }
    let version = Version::of(&data, sftp::mtime(&attrs));
    Ok((
        Snapshot {
            bytes: data,
            version,
        },
        attrs,
    ))
}

/// Up to `len` bytes from `offset`.
pub async fn read_at(op: &Op<'_>, remote: &Remote, offset: u64, len: usize) -> OpResult<Vec<u8>> {
    let fail = remote.fail();
    let Some(handle) = op.open_read(&remote.path).await.map_err(&fail)? else {
        return Err(OpFail::Node(NodeError::io(
            &remote.shown,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        )));
    };
    let result = op
        .read_to_end(&handle, offset, len as u64, 16)
        .await
        .map_err(&fail);
    op.close_unawaited(handle);
    result
}

/// Fails with `Conflict`/`AlreadyExists` unless the file is exactly as
/// expected; returns what is there.
async fn check_unchanged(
    op: &Op<'_>,
    remote: &Remote,
    expected: &Expected,
) -> OpResult<Option<(Snapshot, FileAttributes)>> {
    let current = read(op, remote, check_limit(expected)).await;
    judge(remote, expected, current)
}

/// How much of the file a check reads. A file larger than expected has
/// changed: it is not read whole (it may be huge). The bound is never below
/// the settings limit, so that small files are read in the same round trips
/// as before.
fn check_limit(expected: &Expected) -> u64 {
    match expected {
        Expected::Version(v) => v.size.max(crate::ini::MAX_FILE_SIZE),
        Expected::Absent => 0,
    }
}

/// What a check read, judged: `Conflict`/`AlreadyExists` unless it is
/// exactly as expected.
fn judge(
    remote: &Remote,
    expected: &Expected,
    current: OpResult<Option<(Snapshot, FileAttributes)>>,
) -> OpResult<Option<(Snapshot, FileAttributes)>> {
    let path = remote.shown.clone();
    let current = match current {
        Err(OpFail::Node(NodeError::TooLarge { .. })) => {
            return Err(match expected {
                Expected::Absent => NodeError::AlreadyExists { path },
                Expected::Version(_) => NodeError::Conflict { path },
            }
            .into());
        }
        other => other?,
    };
    match (expected, current) {
        (Expected::Absent, None) => Ok(None),
        (Expected::Absent, Some(_)) => Err(NodeError::AlreadyExists { path }.into()),
        (Expected::Version(v), Some(s)) if s.0.version == *v => Ok(Some(s)),
        (Expected::Version(_), _) => Err(NodeError::Conflict { path }.into()),
    }
}

/// Creates the directory and its missing ancestors.
async fn create_dirs(op: &Op<'_>, remote: &Remote, dir: &str) -> OpResult<()> {
    for ancestor in paths::ancestors(dir) {
        if op.stat(&ancestor).await.map_err(remote.fail())?.is_none() {
            match op.mkdir(&ancestor).await {
                Ok(()) => {}
                // Made meanwhile by someone else: fine.
                Err(_) if op.stat(&ancestor).await.ok().flatten().is_some() => {}
                Err(f) => return Err(remote.fail()(f)),
            }
        }
    }
    Ok(())
}

/// Creates `remote` (which must not exist) with `bytes`, flushed to disk;
/// `exact_mode` is set even against the server's umask. Returns the
/// attributes it ended up with. On failure the file is removed.
async fn write_new(
    op: &Op<'_>,
    remote: &Remote,
    bytes: &[u8],
    mode: u32,
    exact_mode: bool,
    make_dirs: bool,
) -> OpResult<FileAttributes> {
    let fail = remote.fail();
    let handle = match op.create_new(&remote.path, mode).await {
        Err(f) if make_dirs && f.is(StatusCode::NoSuchFile) => {
            create_dirs(op, remote, remote.dir_and_name().0).await?;
            op.create_new(&remote.path, mode).await.map_err(&fail)?
        }
        other => other.map_err(&fail)?,
    };
    let written = async {
        let set_mode = async {
            if exact_mode {
                op.fsetstat_mode(&handle, mode).await
            } else {
                Ok(())
            }
        };
        let (set, wrote) = tokio::join!(set_mode, op.write_all(&handle, bytes));
        set.and(wrote).map_err(&fail)?;
        let (synced, attrs) = tokio::join!(op.fsync(&handle), op.fstat(&handle));
        synced.map_err(&fail)?;
        attrs.map_err(&fail)
    }
    .await;
    let closed = op.close(handle).await.map_err(&fail);
    let result = written.and_then(|attrs| closed.map(|_| attrs));
    if result.is_err() {
        let _ = op.remove(&remote.path).await;
    }
    result
}

/// What is there now (it must be as expected) and, when there is a file to
/// back up, what is beside it (for the backup's name and pruning): both in
/// one round trip.
async fn check_and_list(
    op: &Op<'_>,
    remote: &Remote,
    expected: &Expected,
) -> OpResult<(Option<(Snapshot, FileAttributes)>, Vec<Listed>)> {
    if *expected == Expected::Absent {
        return Ok((check_unchanged(op, remote, expected).await?, Vec::new()));
    }
    let dir = match remote.dir_and_name().0 {
        "" => ".",
        dir => dir,
    };
    let (check, listing) = (op.fork(), op.fork());
    let (current, listed) =
        tokio::join!(check_unchanged(&check, remote, expected), listing.list(dir));
    op.joined(&[&check, &listing]);
    Ok((current?, listed.map_err(remote.fail())?))
}

/// A backup made for a write that is under way: kept (and old ones pruned)
/// once the write happened, removed if it did not.
struct PendingBackup {
    remote: Remote,
    name: String,
}

impl PendingBackup {
    /// Copies the current content to `<file>.<UTC timestamp>.bak` beside
    /// the file with the file's permissions (0600 for a `private` file;
    /// `listed`: what the folder holds).
    async fn make(
        op: &Op<'_>,
        remote: &Remote,
        current: &(Snapshot, FileAttributes),
        listed: &[Listed],
        private: bool,
    ) -> OpResult<PendingBackup> {
        let file = remote.dir_and_name().1;
        let mode = match private {
            true => 0o600,
            false => sftp::mode(&current.1).unwrap_or(0o600),
        };
        let content = &current.0.bytes;
        let now = SystemTime::now();
        let mut attempt = backup::next_attempt(file, now, listed);
        loop {
            let name = backup::backup_name(file, now, attempt);
            let candidate = remote.sibling(&name);
            match write_new(op, &candidate, content, mode, false, false).await {
                Ok(_) => {
                    return Ok(PendingBackup {
                        remote: candidate,
                        name,
                    });
                }
                // SFTP v3 reports an existing file as a plain failure: look before trying the next name.
                Err(_)
                    if attempt < 100 && op.stat(&candidate.path).await.ok().flatten().is_some() =>
                {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The write happened: the backup stays, and old ones beyond the newest
    /// five (never this one) and leftovers of interrupted writes go.
    async fn keep(self, op: &Op<'_>, remote: &Remote, listed: &[Listed]) -> String {
        let file = remote.dir_and_name().1;
        let prunes: Vec<String> = backup::backups_to_prune(file, listed, &self.name, &remote.keep)
            .iter()
            .map(|name| remote.sibling(name).path)
            .collect();
        let temps = stale_temps(remote, listed);
        // What cannot be removed is harmless; the write itself succeeded.
        let _ = sftp::join_all(prunes.iter().chain(&temps).map(|p| op.remove(p))).await;
        self.remote.shown
    }

    /// The write did not happen (`failure`): the file still holds what the
    /// backup does, so it goes. Unless the failure is a request that never
    /// got its answer: then the file may have been replaced after all, and
    /// the backup may be the only copy of what it held.
    async fn discard(self, op: &Op<'_>, failure: &OpFail) {
        if !outcome_unknown(failure) {
            let _ = op.remove(&self.remote.path).await;
        }
    }
}

/// Whether a failed request may still have been carried out: its answer
/// never came (the connection dropped, or it timed out).
fn outcome_unknown(failure: &OpFail) -> bool {
    matches!(
        failure,
        OpFail::Sftp {
            failure: Failure::Transport(_),
            ..
        }
    )
}

/// The temporary files of `remote` that interrupted writes left behind
/// (an hour old by the node's clock), of what the folder holds.
fn stale_temps(remote: &Remote, listed: &[Listed]) -> Vec<String> {
    let file = remote.dir_and_name().1;
    let now = SystemTime::now();
    listed
        .iter()
        .filter(|l| backup::is_temp_of(file, &l.name))
        .filter(|l| l.mtime.is_some_and(|m| backup::is_stale(m, now)))
        .map(|l| remote.sibling(&l.name).path)
        .collect()
}

/// A backup of `current`, if there is a file.
async fn backup_if_any(
    op: &Op<'_>,
    remote: &Remote,
    current: Option<&(Snapshot, FileAttributes)>,
    listed: &[Listed],
    private: bool,
) -> OpResult<Option<PendingBackup>> {
    match current {
        Some(current) => Ok(Some(
            PendingBackup::make(op, remote, current, listed, private).await?,
        )),
        None => Ok(None),
    }
}

/// The permissions of a file being replaced: 0600 when private, else the
/// old file's, else 0644.
fn new_mode(private: bool, current: Option<&FileAttributes>) -> (u32, bool) {
    match (private, current.and_then(sftp::mode)) {
        (true, _) => (0o600, false),
        (false, Some(m)) => (m, true),
        (false, None) => (0o644, false),
    }
}

pub async fn replace(
    op: &Op<'_>,
    remote: &Remote,
    bytes: &[u8],
    expected: &Expected,
    private: bool,
    allow_in_place: bool,
    hook: Option<&LastCheckHook>,
) -> OpResult<Written> {
    let has_posix_rename = op.sftp().has_extension(POSIX_RENAME);
    let method = method(has_posix_rename, expected, allow_in_place)
        .ok_or_else(|| posix_rename_missing(remote))?;
    if method == Method::Atomic
        && let Expected::Version(version) = expected
    {
        return pipelined::replace(op, remote, bytes, version, private, hook).await;
    }
    let (current, listed) = check_and_list(op, remote, expected).await?;
    if method == Method::InPlace {
        return replace_in_place(op, remote, bytes, expected, current, &listed, hook).await;
    }
    let created =
        replace_stepwise(op, remote, bytes, expected, private, hook, current, listed).await;
    match created {
        // A server with no rename at all cannot put a new file in place atomically either.
        Err(OpFail::Sftp {
            failure: Failure::Status(..),
            ..
        }) if !has_posix_rename && *expected == Expected::Absent => {
            if !allow_in_place {
                return Err(posix_rename_missing(remote).into());
            }
            create_in_place(op, remote, bytes, private, hook).await
        }
        other => other,
    }
}

/// The in-place fallback for a new file: an exclusive create, so an existing
/// file is never overwritten, then the content written into it (removed
/// again if that fails: there was nothing before).
async fn create_in_place(
    op: &Op<'_>,
    remote: &Remote,
    bytes: &[u8],
    private: bool,
    hook: Option<&LastCheckHook>,
) -> OpResult<Written> {
    let (mode, exact) = new_mode(private, None);
    LastCheckHook::run(hook, &remote.shown);
    let attrs = match write_new(op, remote, bytes, mode, exact, true).await {
        Ok(attrs) => attrs,
        // SFTP v3 has no "exists" status: a refused create is one if the name is taken.
        Err(
            e @ OpFail::Sftp {
                failure: Failure::Status(..),
                ..
            },
        ) => {
            return Err(match op.stat(&remote.path).await {
                Ok(Some(_)) => OpFail::Node(NodeError::AlreadyExists {
                    path: remote.shown.clone(),
                }),
                _ => e,
            });
        }
        Err(e) => return Err(e),
    };
    Ok(Written {
        backup: None,
        version: Some(Version::of(bytes, sftp::mtime(&attrs))),
    })
}

/// The replace one step after another: a creation, or an existing file's
/// replace when the pipelined one found its backup's name taken.
#[allow(clippy::too_many_arguments)]
async fn replace_stepwise(
    op: &Op<'_>,
    remote: &Remote,
    bytes: &[u8],
    expected: &Expected,
    private: bool,
    hook: Option<&LastCheckHook>,
    current: Option<(Snapshot, FileAttributes)>,
    listed: Vec<Listed>,
) -> OpResult<Written> {
    let (mode, exact) = new_mode(private, current.as_ref().map(|c| &c.1));
    let temp = remote.sibling(&backup::temp_name(remote.dir_and_name().1));
    // The new content and the backup of the old are written side by side.
    let (new, old) = (op.fork(), op.fork());
    let (temp_attrs, backup) = tokio::join!(
        write_new(&new, &temp, bytes, mode, exact, true),
        backup_if_any(&old, remote, current.as_ref(), &listed, private)
    );
    op.joined(&[&new, &old]);
    let (temp_attrs, backup) = match (temp_attrs, backup) {
        (Ok(attrs), Ok(backup)) => (attrs, backup),
        // A failed temp file removed itself; a backup made beside it goes too.
        (Err(e), backup) => {
            if let Ok(Some(b)) = backup {
                b.discard(op, &e).await;
            }
            return Err(e);
        }
        (Ok(_), Err(e)) => {
            let _ = op.remove(&temp.path).await;
            return Err(e);
        }
    };
    let mut temp_gone = false;
    let placed = async {
        LastCheckHook::run(hook, &remote.shown);
        // The last look before the file is replaced: nothing changed meanwhile.
        check_unchanged(op, remote, expected).await?;
        match expected {
            Expected::Absent => create_only(op, &temp, remote, &mut temp_gone).await,
            Expected::Version(_) => match op.posix_rename(&temp.path, &remote.path).await {
                Ok(()) => {
                    temp_gone = true;
                    Ok(())
                }
                Err(f) if f.is(StatusCode::OpUnsupported) => {
                    Err(posix_rename_missing(remote).into())
                }
                Err(f) => Err(remote.fail()(f)),
            },
        }
    }
    .await;
    if !temp_gone {
        let _ = op.remove(&temp.path).await;
    }
    let backup = match (placed, backup) {
        (Ok(()), Some(b)) => Some(b.keep(op, remote, &listed).await),
        (Ok(()), None) => None,
        (Err(e), backup) => {
            if let Some(b) = backup {
                b.discard(op, &e).await;
            }
            return Err(e);
        }
    };
    Ok(Written {
        backup,
        version: Some(Version::of(bytes, sftp::mtime(&temp_attrs))),
    })
}

/// Puts the temp file in place only if the target still does not exist.
/// SFTP has no atomic create-if-absent through posix-rename (it replaces),
/// so: `hardlink@openssh.com` when offered (link(2) fails on an existing
/// name, exactly like the local node); where links do not work (a server
/// without the extension, or a filesystem without links), an exclusive
/// create claims the name and posix-rename replaces only that empty claim;
/// without posix-rename either, a plain SFTP rename, which the protocol
/// defines as failing when the target exists.
async fn create_only(
    op: &Op<'_>,
    temp: &Remote,
    remote: &Remote,
    temp_gone: &mut bool,
) -> OpResult<()> {
    let exists = || {
        OpFail::Node(NodeError::AlreadyExists {
            path: remote.shown.clone(),
        })
    };
    // A failure with nothing at the target: the name is free, the way is not.
    let free = async |f: Failure| match f {
        Failure::Transport(_) => Err(remote.fail()(f)),
        f => match op.stat(&remote.path).await {
            Ok(Some(_)) => Err(exists()),
            _ => Ok(f),
        },
    };
    if op.sftp().has_extension(HARDLINK) {
        match op.hardlink(&temp.path, &remote.path).await {
            Ok(()) => return Ok(()),
            Err(f) => {
                free(f).await?;
            }
        }
    }
    if !op.sftp().has_extension(POSIX_RENAME) {
        let renamed = op.rename(&temp.path, &remote.path).await;
        *temp_gone = renamed.is_ok();
        return match renamed {
            Ok(()) => Ok(()),
            Err(f) => Err(remote.fail()(free(f).await?)),
        };
    }
    match op.create_new(&remote.path, 0o600).await {
        Ok(claim) => op.close(claim).await.map_err(remote.fail())?,
        Err(f) => return Err(remote.fail()(free(f).await?)),
    }
    match op.posix_rename(&temp.path, &remote.path).await {
        Ok(()) => {
            *temp_gone = true;
            Ok(())
        }
        Err(f) => {
            let _ = op.remove(&remote.path).await;
            Err(remote.fail()(f))
        }
    }
}

/// The explicitly allowed fallback without posix-rename: back up, look a
/// last time, then overwrite the file in place (not atomic).
async fn replace_in_place(
    op: &Op<'_>,
    remote: &Remote,
    bytes: &[u8],
    expected: &Expected,
    current: Option<(Snapshot, FileAttributes)>,
    listed: &[Listed],
    hook: Option<&LastCheckHook>,
) -> OpResult<Written> {
    let fail = remote.fail();
    let Some(current) = current else {
        unreachable!("creating a file never needs the in-place fallback");
    };
    let backup = PendingBackup::make(op, remote, &current, listed, false).await?;
    LastCheckHook::run(hook, &remote.shown);
    if let Err(e) = check_unchanged(op, remote, expected).await {
        backup.discard(op, &e).await;
        return Err(e);
    }
    let handle = match op.open_truncate(&remote.path).await {
        Ok(handle) => handle,
        // Refused: the file was not opened, so not truncated either.
        Err(f @ Failure::Status(..)) => {
            let e = fail(f);
            backup.discard(op, &e).await;
            return Err(e);
        }
        Err(f) => return Err(kept_in(fail(f), &backup)),
    };
    let written = async {
        op.write_all(&handle, bytes).await?;
        let (synced, attrs) = tokio::join!(op.fsync(&handle), op.fstat(&handle));
        synced?;
        attrs
    }
    .await
    .map_err(&fail);
    let closed = op.close(handle).await.map_err(&fail);
    // From here on the file may hold part of the new content: the backup stays.
    let attrs = written.and_then(|attrs| closed.map(|_| attrs));
    let attrs = attrs.map_err(|e| kept_in(e, &backup))?;
    Ok(Written {
        backup: Some(backup.keep(op, remote, listed).await),
        version: Some(Version::of(bytes, sftp::mtime(&attrs))),
    })
}

/// A failure that may have left the file half-written: it says where the
/// previous content is.
fn kept_in(failure: OpFail, backup: &PendingBackup) -> OpFail {
    let (path, error) = match failure {
        OpFail::Node(NodeError::Io { path, source }) => (path, source),
        OpFail::Sftp { path, failure } => (path, failure.to_io()),
        other => return other,
    };
    let text = format!(
        "{error}; the file may be incomplete: its previous content is in {}",
        backup.remote.shown
    );
    OpFail::Node(NodeError::io(
        &path,
        std::io::Error::new(error.kind(), text),
    ))
}

/// Removes the file if it is still at `expected`, keeping a backup if it was removed.
pub async fn remove(
    op: &Op<'_>,
    remote: &Remote,
    expected: &Version,
    hook: Option<&LastCheckHook>,
) -> OpResult<Written> {
    let expected = Expected::Version(expected.clone());
    let (current, listed) = check_and_list(op, remote, &expected).await?;
    let Some(current) = current else {
        unreachable!("a version was expected, so the file was there");
    };
    let backup = PendingBackup::make(op, remote, &current, &listed, false).await?;
    LastCheckHook::run(hook, &remote.shown);
    let removed = match check_unchanged(op, remote, &expected).await {
        Ok(_) => op.remove(&remote.path).await.map_err(remote.fail()),
        Err(e) => Err(e),
    };
    match removed {
        Ok(()) => Ok(Written {
            backup: Some(backup.keep(op, remote, &listed).await),
            version: None,
        }),
        Err(e) => {
            backup.discard(op, &e).await;
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_posix_rename_only_creation_or_an_allowed_fallback_goes_ahead() {
        let v = Expected::Version(Version::of(b"x", None));
        assert_eq!(method(true, &v, false), Some(Method::Atomic));
        assert_eq!(method(false, &v, false), None);
        assert_eq!(method(false, &v, true), Some(Method::InPlace));
        assert_eq!(
            method(false, &Expected::Absent, false),
            Some(Method::Atomic)
        );
    }

    #[test]
    fn replaced_files_keep_their_mode_unless_private() {
        let attrs = FileAttributes {
            permissions: Some(0o100640),
            ..FileAttributes::empty()
        };
        assert_eq!(new_mode(false, Some(&attrs)), (0o640, true));
        assert_eq!(new_mode(true, Some(&attrs)), (0o600, false));
        assert_eq!(new_mode(false, None), (0o644, false));
    }
}
