//! An existing file replaced atomically in four round trips. Requests that
//! do not wait on one another's answers go out together, and those on one
//! handle (write, flush, close) rely on the server carrying them out in the
//! order sent, as OpenSSH's sftp-server does and OpenSSH's own client
//! assumes. A server seen answering out of order gets the replace refused
//! before the file is touched.
//!
//! 1. Open the file (the check), the folder (for the backup's name,
//!    pruning and leftovers), the temp file and the backup, both 0600.
//! 2. Read the file; list the folder; write the temp file. Then, at the
//!    last moment ([`LastCheckHook`]), open the file again for the last check.
//! 3. The file is as expected: the backup gets its content and mode and is
//!    flushed and closed; the temp file gets its mode and is flushed and
//!    closed; leftovers of interrupted writes go; then the last check reads
//!    the file (after the backup, in the server's order).
//! 4. Nothing changed: the temp file is renamed over the file, and backups
//!    beyond the newest five are removed in the same round trip.
//!
//! The protocol is the stepwise one's (conflict check, backup, last check,
//! atomic rename): every answer the rename depends on is in before it is
//! sent. A backup name taken (another writer within the same second) falls
//! back to the stepwise replace, which looks for the next free one.

use std::future::Future;
use std::pin::Pin;
use std::time::SystemTime;

use russh_sftp::protocol::StatusCode;
use tokio::sync::oneshot;

use super::{
    Expected, LastCheckHook, NodeError, OpFail, OpResult, PairStop, Remote, Version, Written,
    check_limit, judge, new_mode, outcome_unknown, posix_rename_missing, read_open,
    replace_stepwise, stale_temps,
};
use crate::node::backup::{self, Listed};
use crate::node::ssh::sftp::{self, Handle, Op, PIPELINE, SftpResult, WRITE_CHUNK};

/// One request, to be sent with others of its round trip.
type Request<'a> = Pin<Box<dyn Future<Output = SftpResult<()>> + Send + 'a>>;

/// What a failed replace must not leave behind: handles still open and
/// files it made. Cleared in one round trip (the closes go first, so that
/// a server that cannot remove an open file removes these).
struct Leftovers<'a, 'o> {
    op: &'a Op<'o>,
    handles: Vec<Handle>,
    files: Vec<String>,
}

impl<'a, 'o> Leftovers<'a, 'o> {
    fn new(op: &'a Op<'o>) -> Self {
        Leftovers {
            op,
            handles: Vec::new(),
            files: Vec::new(),
        }
    }

    fn opened(&mut self, handle: &Handle) {
        self.handles.push(handle.clone());
    }

    /// A close of `handle` was sent.
    fn closed(&mut self, handle: &Handle) {
        self.handles.retain(|h| h != handle);
    }

    fn made(&mut self, path: &str) {
        self.files.push(path.to_string());
    }

    /// `path` is not to be removed any more.
    fn kept(&mut self, path: &str) {
        self.files.retain(|f| f != path);
    }

    async fn clear(self) {
        for handle in self.handles {
            self.op.close_unawaited(handle);
        }
        // What cannot be removed is harmless: the file was not touched.
        let _ = sftp::join_all(self.files.iter().map(|f| self.op.remove(f))).await;
    }

    async fn fail<T>(self, e: OpFail) -> OpResult<T> {
        self.clear().await;
        Err(e)
    }
}

/// The requests writing `bytes` from offset `from` on, in order.
fn writes<'a>(
    op: &'a Op<'_>,
    handle: &'a Handle,
    bytes: &'a [u8],
    from: usize,
) -> Vec<Request<'a>> {
    bytes[from..]
        .chunks(WRITE_CHUNK)
        .enumerate()
        .map(|(i, chunk)| -> Request<'a> {
            Box::pin(op.write_at(handle, (from + i * WRITE_CHUNK) as u64, chunk))
        })
        .collect()
}

/// Writes all but the last [`PIPELINE`] pieces of `bytes` now (a large
/// file only): the rest goes with the requests that follow it. Returns
/// where the rest starts.
async fn write_head(op: &Op<'_>, handle: &Handle, bytes: &[u8]) -> SftpResult<usize> {
    let pieces = bytes.len().div_ceil(WRITE_CHUNK);
    if pieces <= PIPELINE {
        return Ok(0);
    }
    let head = (pieces - PIPELINE) * WRITE_CHUNK;
    op.write_all(handle, &bytes[..head]).await?;
    Ok(head)
}

/// Reads the rest of a folder's listing when two batches did not reach its end.
async fn list_rest(
    op: &Op<'_>,
    folder: &Handle,
    batches: [SftpResult<Option<Vec<Listed>>>; 2],
) -> SftpResult<Vec<Listed>> {
    let mut listed = Vec::new();
    for batch in batches {
        match batch? {
            Some(names) => listed.extend(names),
            None => return Ok(listed),
        }
    }
    while let Some(names) = op.readdir(folder).await? {
        listed.extend(names);
    }
    Ok(listed)
}

pub async fn replace(
    op: &Op<'_>,
    remote: &Remote,
    bytes: &[u8],
    version: &Version,
    private: bool,
    hook: Option<&LastCheckHook>,
) -> OpResult<Written> {
    replace_coupled(
        op,
        remote,
        Content::Now(bytes),
        version,
        private,
        hook,
        None,
    )
    .await
}

/// A file and its follower ([`crate::node::Follower`]) replaced side by side
/// in the four round trips of one: the follower's content is made as soon
/// as the file's backup is named (its first answers), and neither is
/// renamed until both are ready; then both renames go together, the file's
/// first. `None`: one of them could not go pipelined (a backup name taken),
/// and nothing was written.
#[allow(clippy::too_many_arguments)]
pub async fn replace_pair(
    op: &Op<'_>,
    first: &Remote,
    bytes: &[u8],
    version: &Version,
    private: bool,
    second: &Remote,
    second_version: &Version,
    make: &(dyn Fn(Option<&str>) -> Vec<u8> + Send + Sync),
    hook: Option<&LastCheckHook>,
) -> Option<(OpResult<Written>, OpResult<Written>)> {
    let (gate, second_gate) = Gate::pair();
    let (named, named_rx) = oneshot::channel::<String>();
    let (content, content_rx) = oneshot::channel();
    let (a, b) = (op.fork(), op.fork());
    let first_couple = Couple {
        named: Some(named),
        gate,
    };
    let second_couple = Couple {
        named: None,
        gate: second_gate,
    };
    let (first, second, ()) = tokio::join!(
        replace_coupled(
            &a,
            first,
            Content::Now(bytes),
            version,
            private,
            hook,
            Some(first_couple)
        ),
        replace_coupled(
            &b,
            second,
            Content::Later(content_rx),
            second_version,
            false,
            hook,
            Some(second_couple)
        ),
        async move {
            if let Ok(backup) = named_rx.await {
                let _ = content.send(make(Some(&backup)));
            }
        },
    );
    op.joined(&[&a, &b]);
    let declined = |r: &OpResult<Written>| matches!(r, Err(OpFail::Paired(PairStop::Declined)));
    (!declined(&first) && !declined(&second)).then_some((first, second))
}

/// The content of a replace: known, or made once the file it follows has
/// its backup named.
enum Content<'a> {
    Now(&'a [u8]),
    Later(oneshot::Receiver<Vec<u8>>),
}

/// What ties one replace of a pair to the other.
struct Couple {
    /// The file's: told its backup's path (as shown) once it is named.
    named: Option<oneshot::Sender<String>>,
    gate: Gate,
}

/// Each replace of a pair waits here before its rename for the other to
/// be ready; one that stopped (dropped its half) stops the other.
struct Gate {
    ready: oneshot::Sender<()>,
    partner: oneshot::Receiver<()>,
}

impl Gate {
    fn pair() -> (Gate, Gate) {
        let (a_ready, a_partner) = oneshot::channel();
        let (b_ready, b_partner) = oneshot::channel();
        (
            Gate {
                ready: a_ready,
                partner: b_partner,
            },
            Gate {
                ready: b_ready,
                partner: a_partner,
            },
        )
    }

    /// Whether the other is ready too.
    async fn pass(self) -> bool {
        let _ = self.ready.send(());
        self.partner.await.is_ok()
    }
}

async fn replace_coupled(
    op: &Op<'_>,
    remote: &Remote,
    content: Content<'_>,
    version: &Version,
    private: bool,
    hook: Option<&LastCheckHook>,
    mut couple: Option<Couple>,
) -> OpResult<Written> {
    let fail = remote.fail();
    let expected = Expected::Version(version.clone());
    let reordered = op.sftp().reordered();
    let (dir, file) = remote.dir_and_name();
    let dir = if dir.is_empty() { "." } else { dir };
    let temp = remote.sibling(&backup::temp_name(file));
    let now = SystemTime::now();
    let first_name = backup::backup_name(file, now, 0);
    let counter = op.sftp().backup_counter(&remote.path, &first_name);
    let backup_name = backup::backup_name(file, now, counter);
    let backup = remote.sibling(&backup_name);

    // 1: everything opened at once.
    let (check, folder, temp_handle, backup_handle) = tokio::join!(
        op.open_read(&remote.path),
        op.opendir(dir),
        op.create_aside(&temp.path, 0o600),
        op.create_aside(&backup.path, 0o600),
    );
    let mut left = Leftovers::new(op);
    for handle in [
        &check.as_ref().ok().and_then(Option::as_ref),
        &folder.as_ref().ok(),
    ]
    .into_iter()
    .flatten()
    {
        left.opened(handle);
    }
    if let Ok(h) = &temp_handle {
        left.opened(h);
        left.made(&temp.path);
    }
    if let Ok(h) = &backup_handle {
        left.opened(h);
        left.made(&backup.path);
    }
    let check = match check {
        Ok(Some(h)) => h,
        Ok(None) => {
            return left
                .fail(
                    NodeError::Conflict {
                        path: remote.shown.clone(),
                    }
                    .into(),
                )
                .await;
        }
        Err(f) => return left.fail(fail(f)).await,
    };
    let (folder, temp_handle) = match (folder, temp_handle) {
        (Ok(folder), Ok(temp_handle)) => (folder, temp_handle),
        (Err(f), _) | (_, Err(f)) => return left.fail(fail(f)).await,
    };
    let Ok(backup_handle) = backup_handle else {
        // The name is taken: the stepwise replace finds the next free one.
        left.clear().await;
        return match (couple, content) {
            (Some(_), _) => Err(OpFail::Paired(PairStop::Declined)),
            (None, Content::Now(bytes)) => {
                stepwise(op, remote, bytes, &expected, private, hook).await
            }
            (None, Content::Later(_)) => unreachable!("content comes later only in a pair"),
        };
    };
    if let Some(named) = couple.as_mut().and_then(|c| c.named.take()) {
        let _ = named.send(backup.shown.clone());
    }
    let made;
    let bytes: &[u8] = match content {
        Content::Now(bytes) => bytes,
        Content::Later(made_later) => match made_later.await {
            Ok(bytes) => {
                made = bytes;
                &made
            }
            Err(_) => return left.fail(OpFail::Paired(PairStop::Partner)).await,
        },
    };

    // 2: the check's read, the listing, the temp file's content; then the
    // last check's open.
    let from = match write_head(op, &temp_handle, bytes).await {
        Ok(from) => from,
        Err(f) => return left.fail(fail(f)).await,
    };
    let limit = check_limit(&expected);
    let ((current, batches), (wrote, recheck)) = sftp::both(
        sftp::both(
            read_open(op, remote, &check, limit),
            sftp::join_all([op.readdir(&folder), op.readdir(&folder)]),
        ),
        sftp::both(
            sftp::join_all(writes(op, &temp_handle, bytes, from)),
            async {
                LastCheckHook::run(hook, &remote.shown);
                op.open_read(&remote.path).await
            },
        ),
    )
    .await;
    op.close_unawaited(check.clone());
    left.closed(&check);
    if let Ok(Some(h)) = &recheck {
        left.opened(h);
    }
    let batches: [_; 2] = batches.try_into().expect("two batches");
    let listed = list_rest(op, &folder, batches).await;
    op.close_unawaited(folder.clone());
    left.closed(&folder);
    let current = match judge(remote, &expected, current.map(Some)) {
        Ok(Some(current)) => current,
        Ok(None) => unreachable!("a version was expected, so the file was there"),
        Err(e) => return left.fail(e).await,
    };
    let (listed, recheck) = match (
        listed,
        wrote.into_iter().collect::<SftpResult<()>>(),
        recheck,
    ) {
        (Ok(listed), Ok(()), Ok(Some(recheck))) => (listed, recheck),
        (_, _, Ok(None)) => {
            return left
                .fail(
                    NodeError::Conflict {
                        path: remote.shown.clone(),
                    }
                    .into(),
                )
                .await;
        }
        (Err(f), _, _) | (_, Err(f), _) | (_, _, Err(f)) => return left.fail(fail(f)).await,
    };
    let others: Vec<Listed> = listed
        .iter()
        .filter(|l| l.name != backup_name)
        .cloned()
        .collect();
    if backup::next_attempt(file, now, &others) > counter {
        // A later name was used this second elsewhere: a new backup must
        // come after it. The last moment has passed: no second hook.
        left.clear().await;
        if couple.is_some() {
            return Err(OpFail::Paired(PairStop::Declined));
        }
        return stepwise(op, remote, bytes, &expected, private, None).await;
    }

    // 3: the backup and the temp file finished, leftovers removed, then
    // the last check's read.
    let (mode, exact) = new_mode(private, Some(&current.1));
    let backup_mode = match private {
        true => 0o600,
        false => sftp::mode(&current.1).unwrap_or(0o600),
    };
    let old = &current.0.bytes;
    let from = match write_head(op, &backup_handle, old).await {
        Ok(from) => from,
        Err(f) => return left.fail(fail(f)).await,
    };
    let mut finish = writes(op, &backup_handle, old, from);
    if backup_mode != 0o600 {
        finish.push(Box::pin(op.fsetstat_mode(&backup_handle, backup_mode)));
    }
    finish.push(Box::pin(op.fsync(&backup_handle)));
    finish.push(Box::pin(op.close(backup_handle.clone())));
    if exact || mode != 0o600 {
        finish.push(Box::pin(op.fsetstat_mode(&temp_handle, mode)));
    }
    finish.push(Box::pin(op.fsync(&temp_handle)));
    let stale = stale_temps(remote, &listed);
    let ((finished, temp_attrs), (closed, (removed, last))) = sftp::both(
        sftp::both(sftp::join_all(finish), op.fstat(&temp_handle)),
        sftp::both(
            op.close(temp_handle.clone()),
            sftp::both(
                sftp::join_all(stale.iter().map(|p| op.remove(p))),
                read_open(op, remote, &recheck, limit),
            ),
        ),
    )
    .await;
    let _ = removed; // Leftovers that cannot be removed are harmless.
    for handle in [&backup_handle, &temp_handle] {
        left.closed(handle);
    }
    op.close_unawaited(recheck.clone());
    left.closed(&recheck);
    if let Err(e) = judge(remote, &expected, last.map(Some)) {
        return left.fail(e).await;
    }
    let temp_attrs = match finished
        .into_iter()
        .chain([closed])
        .collect::<SftpResult<()>>()
        .and(temp_attrs)
    {
        Ok(attrs) => attrs,
        Err(f) => return left.fail(fail(f)).await,
    };
    if temp_attrs.size != Some(bytes.len() as u64) {
        return left
            .fail(remote.io("the temporary file did not get the whole content"))
            .await;
    }
    if op.sftp().reordered() != reordered {
        return left
            .fail(remote.io(
                "the server answered requests out of order; refusing to replace the file \
                 (writes here rely on answers in order)",
            ))
            .await;
    }

    // 4: the rename (in a pair, once the other is ready too), and the
    // backups beyond the newest five. A rename that fails keeps the backup
    // once old ones are gone, so five remain.
    if let Some(couple) = couple
        && !couple.gate.pass().await
    {
        return left.fail(OpFail::Paired(PairStop::Partner)).await;
    }
    let prunes: Vec<String> = backup::backups_to_prune(file, &listed, &backup_name, &remote.keep)
        .iter()
        .map(|name| remote.sibling(name).path)
        .collect();
    let (renamed, _) = sftp::both(
        op.posix_rename(&temp.path, &remote.path),
        sftp::join_all(prunes.iter().map(|p| op.remove(p))),
    )
    .await;
    match renamed {
        Ok(()) => {
            op.sftp().made_backup(&remote.path, &first_name, counter);
            Ok(Written {
                backup: Some(backup.shown),
                version: Some(Version::of(bytes, sftp::mtime(&temp_attrs))),
            })
        }
        Err(f) => {
            let e = match f.is(StatusCode::OpUnsupported) {
                true => posix_rename_missing(remote).into(),
                false => fail(f),
            };
            if !prunes.is_empty() || outcome_unknown(&e) {
                left.kept(&backup.path);
            }
            left.fail(e).await
        }
    }
}

/// The stepwise replace from the start.
async fn stepwise(
    op: &Op<'_>,
    remote: &Remote,
    bytes: &[u8],
    expected: &Expected,
    private: bool,
    hook: Option<&LastCheckHook>,
) -> OpResult<Written> {
    let (current, listed) = super::check_and_list(op, remote, expected).await?;
    replace_stepwise(op, remote, bytes, expected, private, hook, current, listed).await
}

/// Against OpenSSH's real sftp-server, run as a child process; a relay
/// between it and the session can hand its answers over in pairs swapped,
/// as a server answering out of order would.
#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::io::{Read, Write};
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};
    use std::sync::Arc;
    use std::sync::mpsc;
    use std::time::Duration;

    use super::super::{self as write, Remote};
    use crate::node::ssh::paths::RemoteKind;
    use crate::node::ssh::sftp::{Counters, Sftp};
    use crate::node::{Expected, NodeError};

    const SFTP_SERVERS: &[&str] = &[
        "/usr/lib/openssh/sftp-server",
        "/usr/libexec/openssh/sftp-server",
        "/usr/libexec/sftp-server",
    ];

    #[allow(clippy::print_stderr)] // A test's own notice, not a node's text.
    fn sftp_server() -> Option<PathBuf> {
        if let Some(p) = SFTP_SERVERS.iter().map(Path::new).find(|p| p.is_file()) {
            return Some(p.to_path_buf());
        }
        if std::env::var("UCSCONF_SKIP_SSH_TESTS").as_deref() == Ok("1") {
            eprintln!("\n*** SKIPPED: OpenSSH's sftp-server is not installed ***\n");
            return None;
        }
        panic!(
            "OpenSSH's sftp-server was not found (looked in {SFTP_SERVERS:?}): install the \
             `openssh-sftp-server` package, or set UCSCONF_SKIP_SSH_TESTS=1 to skip the SSH tests"
        );
    }

    /// One SFTP packet (length prefix included) from `from`; `None` at the end.
    fn packet(from: &mut impl Read) -> Option<Vec<u8>> {
        let mut length = [0u8; 4];
        from.read_exact(&mut length).ok()?;
        let mut p = length.to_vec();
        p.resize(4 + u32::from_be_bytes(length) as usize, 0);
        from.read_exact(&mut p[4..]).ok()?;
        Some(p)
    }

    /// An SFTP session on a fresh sftp-server; `swap`: its answers handed
    /// over in pairs, the second first (a lone answer waits 20 ms for a
    /// partner, then goes alone).
    async fn session(server: &Path, swap: bool) -> Sftp {
        let mut child = Command::new(server)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let (ours, theirs) = tokio::net::UnixStream::pair().unwrap();
        let theirs = theirs.into_std().unwrap();
        theirs.set_nonblocking(false).unwrap();
        let (mut to_server, mut from_server) =
            (child.stdin.take().unwrap(), child.stdout.take().unwrap());
        let mut requests = theirs.try_clone().unwrap();
        std::thread::spawn(move || {
            let mut buf = vec![0; 64 * 1024];
            while let Ok(n @ 1..) = requests.read(&mut buf) {
                if to_server.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        });
        let (tx, rx) = mpsc::channel::<Vec<u8>>();
        std::thread::spawn(move || {
            while let Some(p) = packet(&mut from_server) {
                if tx.send(p).is_err() {
                    break;
                }
            }
        });
        let mut answers = theirs;
        std::thread::spawn(move || {
            let mut held: Option<Vec<u8>> = None;
            loop {
                let next = match held {
                    Some(_) => rx.recv_timeout(Duration::from_millis(20)),
                    None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
                };
                let out: Vec<Vec<u8>> = match (next, held.take()) {
                    (Ok(p), Some(h)) => vec![p, h],
                    (Ok(p), None) if swap => {
                        held = Some(p);
                        continue;
                    }
                    (Ok(p), None) => vec![p],
                    (Err(mpsc::RecvTimeoutError::Timeout), Some(h)) => vec![h],
                    (Err(_), h) => {
                        if let Some(h) = h {
                            let _ = answers.write_all(&h);
                        }
                        break;
                    }
                };
                for p in out {
                    if answers.write_all(&p).is_err() {
                        return;
                    }
                }
            }
            let _ = child.kill();
            let _ = child.wait();
        });
        Sftp::start(ours, Duration::from_secs(10), Arc::new(Counters::default()))
            .await
            .unwrap()
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn a_server_answering_out_of_order_is_refused_and_nothing_changes() {
        let Some(server) = sftp_server() else { return };
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("Presence.ini");
        std::fs::write(&file, b"[Webex]\r\nold\r\n").unwrap();
        let remote = Remote::new(file.display().to_string(), RemoteKind::Unix, "local");

        // In order, the same replace goes through (the setup works).
        let sftp = session(&server, false).await;
        let op = sftp.op();
        let (snap, _) = write::read(&op, &remote, 1 << 20).await.unwrap().unwrap();
        let expected = Expected::Version(snap.version);
        write::replace(&op, &remote, b"in order", &expected, false, false, None)
            .await
            .unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"in order");
        assert_eq!(sftp.reordered(), 0);

        // Another file (no backup of it made this second, which would send
        // the replace the stepwise way).
        let file = dir.path().join("Calendar.ini");
        std::fs::write(&file, b"[Calendar]\r\nold\r\n").unwrap();
        let remote = Remote::new(file.display().to_string(), RemoteKind::Unix, "local");
        let before = names(dir.path());
        let sftp = session(&server, true).await;
        let op = sftp.op();
        let (snap, _) = write::read(&op, &remote, 1 << 20).await.unwrap().unwrap();
        let expected = Expected::Version(snap.version);
        let err = write::replace(&op, &remote, b"swapped", &expected, false, false, None)
            .await
            .unwrap_err();
        let text = match err {
            write::OpFail::Node(NodeError::Io { source, .. }) => source.to_string(),
            other => panic!("{other:?}"),
        };
        assert!(text.contains("answered requests out of order"), "{text}");
        assert!(sftp.reordered() > 0);
        assert_eq!(
            std::fs::read(&file).unwrap(),
            b"[Calendar]\r\nold\r\n",
            "not replaced"
        );
        assert_eq!(names(dir.path()), before, "no temp file, no new backup");
    }
}
