//! The SFTP layer: one raw session per connection, file primitives built on
//! it, and counters of requests and round trips (a batch of requests in
//! flight together is one round trip).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use russh_sftp::client::RawSftpSession;
use russh_sftp::client::error::Error as SftpError;
use russh_sftp::protocol::{FileAttributes, OpenFlags, Packet, StatusCode};

use super::order::{Order, Watched};
use crate::node::backup::Listed;

/// Largest read asked for at once. Old servers cap reads at 64 KiB; a
/// shorter answer is handled anyway.
const READ_CHUNK: u32 = 64 * 1024;
/// Largest write sent at once (fits every server's packet limit).
pub const WRITE_CHUNK: usize = 32 * 1024;
/// Requests kept in flight together when a file needs several.
pub const PIPELINE: usize = 16;

pub const POSIX_RENAME: &str = "posix-rename@openssh.com";
pub const HARDLINK: &str = "hardlink@openssh.com";
pub const FSYNC: &str = "fsync@openssh.com";

/// How many SFTP requests a node has sent, and in how many round trips.
#[derive(Debug, Default)]
pub struct Counters {
    requests: AtomicU64,
    round_trips: AtomicU64,
}

/// A snapshot of a node's SFTP [`Counters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SftpStats {
    pub requests: u64,
    pub round_trips: u64,
}

impl Counters {
    pub fn snapshot(&self) -> SftpStats {
        SftpStats {
            requests: self.requests.load(Ordering::Relaxed),
            round_trips: self.round_trips.load(Ordering::Relaxed),
        }
    }
}

impl std::ops::Sub for SftpStats {
    type Output = SftpStats;
    fn sub(self, rhs: SftpStats) -> SftpStats {
        SftpStats {
            requests: self.requests - rhs.requests,
            round_trips: self.round_trips - rhs.round_trips,
        }
    }
}

/// Why an SFTP request failed.
#[derive(Debug, Clone)]
pub enum Failure {
    /// The server answered with an error status.
    Status(StatusCode, String),
    /// The session broke (closed, timed out, garbled): the connection is unusable.
    Transport(String),
}

impl Failure {
    pub fn is(&self, code: StatusCode) -> bool {
        matches!(self, Failure::Status(c, _) if *c == code)
    }

    /// An `io::Error` of the matching kind, for [`crate::node::NodeError::Io`].
    pub fn to_io(&self) -> std::io::Error {
        use std::io::ErrorKind;
        match self {
            Failure::Status(code, msg) => {
                let kind = match code {
                    StatusCode::NoSuchFile => ErrorKind::NotFound,
                    StatusCode::PermissionDenied => ErrorKind::PermissionDenied,
                    StatusCode::OpUnsupported => ErrorKind::Unsupported,
                    _ => ErrorKind::Other,
                };
                let text = if msg.is_empty() {
                    code.to_string()
                } else {
                    msg.clone()
                };
                std::io::Error::new(kind, text)
            }
            Failure::Transport(msg) => std::io::Error::other(format!("connection lost: {msg}")),
        }
    }
}

impl From<SftpError> for Failure {
    fn from(e: SftpError) -> Failure {
        match e {
            SftpError::Status(s) => Failure::Status(s.status_code, s.error_message),
            SftpError::Limited(m) => Failure::Status(StatusCode::Failure, m),
            other => Failure::Transport(other.to_string()),
        }
    }
}

pub type SftpResult<T> = Result<T, Failure>;

/// One SFTP session and what the server said it supports.
pub struct Sftp {
    raw: RawSftpSession,
    extensions: HashMap<String, String>,
    counters: Arc<Counters>,
    broken: AtomicBool,
    order: Arc<Order>,
    /// The last backup this session made of each file: its name at counter
    /// 0 (which holds the second it was made in) and its counter, so that a
    /// second write within the same second guesses the next free name.
    backups: std::sync::Mutex<HashMap<String, (String, u32)>>,
    /// The session's clock for counting round trips (see [`Op`]): the
    /// deepest step sent so far, and the deepest answered.
    sent: AtomicU64,
    answered: AtomicU64,
}

impl Sftp {
    /// Starts the protocol on an open `sftp` subsystem stream.
    pub async fn start<S>(stream: S, timeout: Duration, counters: Arc<Counters>) -> SftpResult<Sftp>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let config = russh_sftp::client::Config {
            request_timeout_secs: timeout.as_secs().max(1),
            ..Default::default()
        };
        let order = Arc::new(Order::default());
        let raw = RawSftpSession::new_with_config(Watched::new(stream, order.clone()), config);
        let version = raw.init().await?;
        Ok(Sftp {
            raw,
            extensions: version.extensions,
            counters,
            broken: AtomicBool::new(false),
            order,
            backups: Default::default(),
            sent: AtomicU64::new(0),
            answered: AtomicU64::new(0),
        })
    }

    /// How many answers so far came before the answer to an older request
    /// (see [`super::order`]): pipelined writes are refused when this grows.
    pub fn reordered(&self) -> u64 {
        self.order.reordered()
    }

    pub fn has_extension(&self, name: &str) -> bool {
        self.extensions.contains_key(name)
    }

    /// The counter to try first for a backup of `path` whose name at
    /// counter 0 is `first_name`: past the last one this session made in
    /// the same second.
    pub fn backup_counter(&self, path: &str, first_name: &str) -> u32 {
        let made = self.backups.lock().unwrap_or_else(|p| p.into_inner());
        match made.get(path) {
            Some((name, counter)) if name == first_name => counter + 1,
            _ => 0,
        }
    }

    /// Remembers the backup of `path` just made.
    pub fn made_backup(&self, path: &str, first_name: &str, counter: u32) {
        let mut made = self.backups.lock().unwrap_or_else(|p| p.into_inner());
        made.insert(path.to_string(), (first_name.to_string(), counter));
    }

    /// False once a request failed for a reason other than the server's answer.
    pub fn is_usable(&self) -> bool {
        !self.broken.load(Ordering::Relaxed)
    }

    /// A fresh view for one operation: its first requests go out after
    /// the answers seen so far.
    pub fn op(&self) -> Op<'_> {
        Op {
            sftp: self,
            last_done: AtomicU64::new(self.answered.load(Ordering::Relaxed)),
            root: None,
            mutated: AtomicBool::new(false),
        }
    }
}

/// One operation's view of the session: counts its round trips and
/// remembers whether it asked for any change (then it must not be retried).
///
/// Round trips are counted on the session's clock: a request sent right
/// after a reply came in is one step later than that reply; requests sent
/// together share a step, and so do those of operations running side by
/// side (a read of the file and of the journal together is the round trips
/// of one). The session's round trips are the steps it went through. (An
/// async chain sends its next request in the same poll that saw the reply,
/// so the last reply seen is the one it waited for.) Chains of several
/// requests within one operation each follow their own replies: see
/// [`Op::fork`].
pub struct Op<'a> {
    sftp: &'a Sftp,
    /// The step of the reply this chain saw last.
    last_done: AtomicU64,
    /// The operation a fork belongs to (which keeps whether anything
    /// changed); `None` for the operation itself.
    root: Option<&'a Op<'a>>,
    mutated: AtomicBool,
}

/// An open file handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handle(String);

impl<'a> Op<'a> {
    fn root(&self) -> &Op<'a> {
        self.root.unwrap_or(self)
    }

    pub fn mutated(&self) -> bool {
        self.root().mutated.load(Ordering::Relaxed)
    }

    /// A view for a chain of requests run beside others: it starts where
    /// this one is and counts into the same operation. [`Op::joined`] takes
    /// the chains' ends back.
    pub fn fork(&self) -> Op<'_> {
        Op {
            sftp: self.sftp,
            last_done: AtomicU64::new(self.last_done.load(Ordering::Relaxed)),
            root: Some(self.root()),
            mutated: AtomicBool::new(false),
        }
    }

    /// Continues after forks ran side by side: from the latest of their ends.
    pub fn joined(&self, forks: &[&Op<'_>]) {
        let end = forks.iter().map(|f| f.last_done.load(Ordering::Relaxed));
        self.last_done
            .fetch_max(end.max().unwrap_or(0), Ordering::Relaxed);
    }

    pub fn sftp(&self) -> &Sftp {
        self.sftp
    }

    async fn call<T, E, F>(&self, mutating: bool, request: F) -> SftpResult<T>
    where
        F: Future<Output = Result<T, E>>,
        Failure: From<E>,
    {
        let root = self.root();
        if mutating {
            root.mutated.store(true, Ordering::Relaxed);
        }
        let counters = &self.sftp.counters;
        counters.requests.fetch_add(1, Ordering::Relaxed);
        let step = self.last_done.load(Ordering::Relaxed) + 1;
        let later = step.saturating_sub(self.sftp.sent.fetch_max(step, Ordering::Relaxed));
        counters.round_trips.fetch_add(later, Ordering::Relaxed);
        let result = request.await.map_err(Failure::from);
        self.last_done.store(step, Ordering::Relaxed);
        self.sftp.answered.fetch_max(step, Ordering::Relaxed);
        if let Err(Failure::Transport(_)) = &result {
            self.sftp.broken.store(true, Ordering::Relaxed);
        }
        result
    }

    pub async fn realpath(&self, path: &str) -> SftpResult<String> {
        let name = self.call(false, self.sftp.raw.realpath(path)).await?;
        name.files
            .into_iter()
            .next()
            .map(|f| f.filename)
            .ok_or_else(|| Failure::Transport("realpath answered no name".into()))
    }

    /// `Ok(None)`: no such file.
    pub async fn stat(&self, path: &str) -> SftpResult<Option<FileAttributes>> {
        match self.call(false, self.sftp.raw.stat(path)).await {
            Ok(a) => Ok(Some(a.attrs)),
            Err(f) if f.is(StatusCode::NoSuchFile) => Ok(None),
            Err(f) => Err(f),
        }
    }

    /// `Ok(None)`: no such file.
    pub async fn open_read(&self, path: &str) -> SftpResult<Option<Handle>> {
        let request = self
            .sftp
            .raw
            .open(path, OpenFlags::READ, FileAttributes::empty());
        match self.call(false, request).await {
            Ok(h) => Ok(Some(Handle(h.handle))),
            Err(f) if f.is(StatusCode::NoSuchFile) => Ok(None),
            Err(f) => Err(f),
        }
    }

    /// Creates a new file (failing if it exists) with the given permissions.
    pub async fn create_new(&self, path: &str, mode: u32) -> SftpResult<Handle> {
        let flags = OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::EXCLUDE;
        let attrs = FileAttributes {
            permissions: Some(mode),
            ..FileAttributes::empty()
        };
        let h = self
            .call(true, self.sftp.raw.open(path, flags, attrs))
            .await?;
        Ok(Handle(h.handle))
    }

    /// [`Op::create_new`] for a file beside the one an operation changes (a
    /// temp file, a backup) that nothing was written to yet: it does not
    /// count as a change, so an operation that lost its connection here is
    /// still run again on a new one (what it may leave is an empty file, as
    /// an interrupted write may).
    pub async fn create_aside(&self, path: &str, mode: u32) -> SftpResult<Handle> {
        let flags = OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::EXCLUDE;
        let attrs = FileAttributes {
            permissions: Some(mode),
            ..FileAttributes::empty()
        };
        let h = self
            .call(false, self.sftp.raw.open(path, flags, attrs))
            .await?;
        Ok(Handle(h.handle))
    }

    /// Opens an existing file for writing, truncating it.
    pub async fn open_truncate(&self, path: &str) -> SftpResult<Handle> {
        let flags = OpenFlags::WRITE | OpenFlags::TRUNCATE;
        let h = self
            .call(
                true,
                self.sftp.raw.open(path, flags, FileAttributes::empty()),
            )
            .await?;
        Ok(Handle(h.handle))
    }

    /// Closes a handle without waiting for the answer, for a file that was
    /// only read (nothing depends on the outcome): one round trip less. The
    /// request is sent at once, so the server (which answers in order)
    /// handles it before anything sent after it.
    pub fn close_unawaited(&self, handle: Handle) {
        self.sftp.counters.requests.fetch_add(1, Ordering::Relaxed);
        let mut close = std::pin::pin!(self.sftp.raw.close(handle.0));
        // russh-sftp writes the request on the first poll; the answer then
        // arrives for a request no one waits for, and is dropped.
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        if let std::task::Poll::Ready(Err(e)) = close.as_mut().poll(&mut cx)
            && matches!(Failure::from(e), Failure::Transport(_))
        {
            self.sftp.broken.store(true, Ordering::Relaxed);
        }
    }

    pub async fn close(&self, handle: Handle) -> SftpResult<()> {
        self.call(false, self.sftp.raw.close(handle.0))
            .await
            .map(drop)
    }

    pub async fn fstat(&self, handle: &Handle) -> SftpResult<FileAttributes> {
        Ok(self
            .call(false, self.sftp.raw.fstat(handle.0.as_str()))
            .await?
            .attrs)
    }

    /// `Ok(None)` at the end of the file.
    async fn read_chunk(
        &self,
        handle: &Handle,
        offset: u64,
        len: u32,
    ) -> SftpResult<Option<Vec<u8>>> {
        match self
            .call(false, self.sftp.raw.read(handle.0.as_str(), offset, len))
            .await
        {
            Ok(d) => Ok(Some(d.data)),
            Err(f) if f.is(StatusCode::Eof) => Ok(None),
            Err(f) => Err(f),
        }
    }

    /// Reads from `offset` until the end of the file or `max` bytes, with
    /// `ahead` chunk reads in flight in the first round trip (two cover a
    /// small file and its end) and more after. A short answer is resumed
    /// from where it stopped unless the next chunk confirms the end.
    pub async fn read_to_end(
        &self,
        handle: &Handle,
        offset: u64,
        max: u64,
        ahead: usize,
    ) -> SftpResult<Vec<u8>> {
        let mut out = Vec::new();
        let mut ahead = ahead.max(1);
        loop {
            let done = out.len() as u64;
            if done >= max {
                return Ok(out);
            }
            let chunk = u64::from(READ_CHUNK);
            let wanted: Vec<(u64, u64)> = (0..ahead as u64)
                .map(|i| {
                    (
                        done + i * chunk,
                        (max - done).saturating_sub(i * chunk).min(chunk),
                    )
                })
                .filter(|(_, len)| *len > 0)
                .collect();
            let reads = wanted
                .iter()
                .map(|&(start, len)| self.read_chunk(handle, offset + start, len as u32));
            let mut results = join_all(reads).await.into_iter().zip(wanted).peekable();
            while let Some((result, (_, want))) = results.next() {
                let data = match result? {
                    Some(data) if !data.is_empty() => data,
                    // The end of the file (an empty answer counts as one).
                    _ => return Ok(out),
                };
                out.extend_from_slice(&data);
                if (data.len() as u64) < want {
                    // Short: the end of the file if the next chunk says so,
                    // else a server cap, and later chunks are misplaced.
                    if let Some((Ok(None), _)) = results.peek() {
                        return Ok(out);
                    }
                    break;
                }
            }
            ahead = PIPELINE;
        }
    }

    /// Writes all of `bytes` from offset 0, pipelined.
    pub async fn write_all(&self, handle: &Handle, bytes: &[u8]) -> SftpResult<()> {
        let chunks: Vec<(u64, &[u8])> = bytes
            .chunks(WRITE_CHUNK)
            .enumerate()
            .map(|(i, c)| ((i * WRITE_CHUNK) as u64, c))
            .collect();
        for batch in chunks.chunks(PIPELINE) {
            let writes = batch.iter().map(|(offset, data)| {
                self.call(
                    true,
                    self.sftp
                        .raw
                        .write(handle.0.as_str(), *offset, data.to_vec()),
                )
            });
            for result in join_all(writes).await {
                result?;
            }
        }
        Ok(())
    }

    pub async fn fsetstat_mode(&self, handle: &Handle, mode: u32) -> SftpResult<()> {
        let attrs = FileAttributes {
            permissions: Some(mode),
            ..FileAttributes::empty()
        };
        self.call(true, self.sftp.raw.fsetstat(handle.0.as_str(), attrs))
            .await
            .map(drop)
    }

    /// Flushes the file to disk where the server offers `fsync@openssh.com`.
    pub async fn fsync(&self, handle: &Handle) -> SftpResult<()> {
        if !self.sftp.has_extension(FSYNC) {
            return Ok(());
        }
        self.call(false, self.sftp.raw.fsync(handle.0.as_str()))
            .await
            .map(drop)
    }

    pub async fn remove(&self, path: &str) -> SftpResult<()> {
        self.call(true, self.sftp.raw.remove(path)).await.map(drop)
    }

    pub async fn mkdir(&self, path: &str) -> SftpResult<()> {
        self.call(true, self.sftp.raw.mkdir(path, FileAttributes::empty()))
            .await
            .map(drop)
    }

    /// Plain SFTP rename: fails when `to` exists (the protocol says so).
    pub async fn rename(&self, from: &str, to: &str) -> SftpResult<()> {
        self.call(true, self.sftp.raw.rename(from, to))
            .await
            .map(drop)
    }

    pub async fn hardlink(&self, from: &str, to: &str) -> SftpResult<()> {
        self.call(true, self.sftp.raw.hardlink(from, to))
            .await
            .map(drop)
    }

    /// `posix-rename@openssh.com`: replaces `to` atomically.
    pub async fn posix_rename(&self, from: &str, to: &str) -> SftpResult<()> {
        let data = [from, to]
            .iter()
            .flat_map(|s| {
                let mut field = (s.len() as u32).to_be_bytes().to_vec();
                field.extend_from_slice(s.as_bytes());
                field
            })
            .collect();
        let reply = self
            .call(true, self.sftp.raw.extended(POSIX_RENAME, data))
            .await?;
        match reply {
            Packet::Status(s) if s.status_code == StatusCode::Ok => Ok(()),
            Packet::Status(s) => Err(Failure::Status(s.status_code, s.error_message)),
            _ => Err(Failure::Transport(
                "unexpected answer to posix-rename".into(),
            )),
        }
    }

    /// Writes one piece of a file at `offset`.
    pub async fn write_at(&self, handle: &Handle, offset: u64, data: &[u8]) -> SftpResult<()> {
        self.call(
            true,
            self.sftp
                .raw
                .write(handle.0.as_str(), offset, data.to_vec()),
        )
        .await
        .map(drop)
    }

    pub async fn opendir(&self, dir: &str) -> SftpResult<Handle> {
        let handle = self.call(false, self.sftp.raw.opendir(dir)).await?.handle;
        Ok(Handle(handle))
    }

    /// The next names of an open directory (`.` and `..` left out);
    /// `Ok(None)` at its end.
    pub async fn readdir(&self, handle: &Handle) -> SftpResult<Option<Vec<Listed>>> {
        match self
            .call(false, self.sftp.raw.readdir(handle.0.as_str()))
            .await
        {
            Ok(batch) => Ok(Some(
                batch
                    .files
                    .into_iter()
                    .filter(|f| f.filename != "." && f.filename != "..")
                    .map(|f| Listed::new(f.filename, mtime(&f.attrs)))
                    .collect(),
            )),
            Err(f) if f.is(StatusCode::Eof) => Ok(None),
            Err(f) => Err(f),
        }
    }

    /// The names in a directory with their modification times (`.` and
    /// `..` left out).
    pub async fn list(&self, dir: &str) -> SftpResult<Vec<Listed>> {
        let entries = self.list_with_attrs(dir).await?;
        Ok(entries
            .into_iter()
            .map(|(name, attrs)| Listed::new(name, mtime(&attrs)))
            .collect())
    }

    /// The names in a directory with the attributes the listing carries
    /// (`.` and `..` left out): no request per file.
    pub async fn list_with_attrs(&self, dir: &str) -> SftpResult<Vec<(String, FileAttributes)>> {
        let handle = self.call(false, self.sftp.raw.opendir(dir)).await?.handle;
        let mut entries = Vec::new();
        let result = loop {
            match self
                .call(false, self.sftp.raw.readdir(handle.as_str()))
                .await
            {
                Ok(batch) => entries.extend(
                    batch
                        .files
                        .into_iter()
                        .filter(|f| f.filename != "." && f.filename != "..")
                        .map(|f| (f.filename, f.attrs)),
                ),
                Err(f) if f.is(StatusCode::Eof) => break Ok(entries),
                Err(f) => break Err(f),
            }
        };
        self.close_unawaited(Handle(handle));
        result
    }
}

pub use crate::join::{all as join_all, both};

/// An SFTP modification time (whole seconds).
pub fn mtime(attrs: &FileAttributes) -> Option<SystemTime> {
    attrs
        .mtime
        .map(|secs| UNIX_EPOCH + Duration::from_secs(u64::from(secs)))
}

/// Permission bits (no file type) of a file, when the server says.
pub fn mode(attrs: &FileAttributes) -> Option<u32> {
    attrs.permissions.map(|p| p & 0o7777)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_all_keeps_order() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let out = rt.block_on(join_all((0..5u64).map(|i| async move {
            tokio::time::sleep(Duration::from_millis(5 * (5 - i))).await;
            i
        })));
        assert_eq!(out, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn statuses_map_to_io_kinds() {
        let f = Failure::Status(StatusCode::NoSuchFile, String::new());
        assert_eq!(f.to_io().kind(), std::io::ErrorKind::NotFound);
        let f = Failure::Status(StatusCode::PermissionDenied, "denied".into());
        assert_eq!(f.to_io().kind(), std::io::ErrorKind::PermissionDenied);
        assert_eq!(f.to_io().to_string(), "denied");
    }
}
