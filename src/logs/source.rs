//! Where log bytes come from: a local file, or a file on a [`Node`].

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;

use crate::node::Node;

/// Size and identity of the log file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogStat {
    pub len: u64,
    /// Changes when the file is replaced by another one (inode), where known.
    pub id: Option<u64>,
}

/// Random access to a log file that may be appended to, rotated or truncated.
#[async_trait]
pub trait LogSource: Send + Sync {
    /// `Ok(None)` when the file does not exist (between rotation and re-creation).
    async fn stat(&self) -> io::Result<Option<LogStat>>;
    /// Up to `len` bytes from `offset`; fewer at the end of the file.
    async fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>>;
}

/// A log file on the local filesystem. Opens, reads and closes on each call,
/// so the writer can always rotate it (on Windows an open handle can block that).
#[derive(Debug, Clone)]
pub struct LocalLog {
    pub path: PathBuf,
}

/// A log file on a node, through the node's transport.
#[derive(Clone)]
pub struct NodeLog {
    pub node: Arc<dyn Node>,
    /// Relative to the node's root, `/`-separated.
    pub path: String,
}

#[async_trait]
impl LogSource for LocalLog {
    async fn stat(&self) -> io::Result<Option<LogStat>> {
        todo!()
    }
    async fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let _ = (offset, len);
        todo!()
    }
}

#[async_trait]
impl LogSource for NodeLog {
    async fn stat(&self) -> io::Result<Option<LogStat>> {
        todo!()
    }
    async fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let _ = (offset, len);
        todo!()
    }
}
