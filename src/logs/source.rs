//! Where log bytes come from: a local file, or a file on a [`Node`].

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;

use crate::node::{Node, NodeError};

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

    /// An open handle on the current file, readable after the file is renamed
    /// away, and whose `stat` reports that file (never `None`). Only where
    /// holding a handle cannot get in the writer's way (Unix); `Ok(None)`
    /// elsewhere and by default. A [`super::Follower`] uses it to read the
    /// last bytes of a rotated file. `NotFound` when the file does not exist.
    async fn keep_open(&self) -> io::Result<Option<Box<dyn LogSource>>> {
        Ok(None)
    }
}

#[async_trait]
impl<T: LogSource + ?Sized> LogSource for Box<T> {
    async fn stat(&self) -> io::Result<Option<LogStat>> {
        (**self).stat().await
    }
    async fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        (**self).read_at(offset, len).await
    }
    async fn keep_open(&self) -> io::Result<Option<Box<dyn LogSource>>> {
        (**self).keep_open().await
    }
}

#[async_trait]
impl<T: LogSource + ?Sized> LogSource for Arc<T> {
    async fn stat(&self) -> io::Result<Option<LogStat>> {
        (**self).stat().await
    }
    async fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        (**self).read_at(offset, len).await
    }
    async fn keep_open(&self) -> io::Result<Option<Box<dyn LogSource>>> {
        (**self).keep_open().await
    }
}

/// A log file on the local filesystem. Opens, reads and closes on each call,
/// so the writer can always rotate it (on Windows an open handle can block that).
#[derive(Debug, Clone)]
pub struct LocalLog {
    pub path: PathBuf,
}

impl LocalLog {
    pub fn new(path: impl Into<PathBuf>) -> LocalLog {
        LocalLog { path: path.into() }
    }
}

/// A log file on a node, through the node's transport.
#[derive(Clone)]
pub struct NodeLog {
    pub node: Arc<dyn Node>,
    /// Relative to the node's root, `/`-separated.
    pub path: String,
}

impl NodeLog {
    pub fn new(node: Arc<dyn Node>, path: impl Into<String>) -> NodeLog {
        NodeLog {
            node,
            path: path.into(),
        }
    }
}

impl std::fmt::Debug for NodeLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeLog")
            .field("node", &self.node.name())
            .field("path", &self.path)
            .finish()
    }
}

/// Runs blocking file work off the async threads (in place in a one-shot
/// command: [`crate::blocking`]).
async fn blocking<T, F>(f: F) -> io::Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> io::Result<T> + Send + 'static,
{
    crate::blocking::run(f)
        .await
        .unwrap_or_else(|e| Err(io::Error::other(format!("log file task failed: {e}"))))
}

fn local_stat(path: &Path) -> io::Result<Option<LogStat>> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(io::Error::other(format!(
            "{}: is a directory, not a log file",
            path.display()
        ))),
        Ok(meta) => Ok(Some(LogStat {
            len: meta.len(),
            id: crate::node::local::file_id(&meta),
        })),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Open, read, close. On Windows std opens with FILE_SHARE_READ | WRITE |
/// DELETE, so even during this short read the suite may rename the file.
fn local_read(path: &Path, offset: u64, len: usize) -> io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut buf = Vec::with_capacity(len.min(1 << 24));
    file.take(len as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

#[async_trait]
impl LogSource for LocalLog {
    async fn stat(&self) -> io::Result<Option<LogStat>> {
        let path = self.path.clone();
        blocking(move || local_stat(&path)).await
    }

    async fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let path = self.path.clone();
        blocking(move || local_read(&path, offset, len)).await
    }

    /// On Unix a held descriptor never blocks a rename, and it keeps the old
    /// inode readable after one: the follower uses it to read what the writer
    /// appended between the last poll and the rotation. Never on Windows,
    /// where an open handle could stop the suite from rotating its log.
    async fn keep_open(&self) -> io::Result<Option<Box<dyn LogSource>>> {
        keep_local_open(&self.path).await
    }
}

#[cfg(unix)]
async fn keep_local_open(path: &Path) -> io::Result<Option<Box<dyn LogSource>>> {
    let path = path.to_path_buf();
    let held = blocking(move || held::HeldFile::open(&path)).await?;
    Ok(Some(Box::new(held)))
}

#[cfg(not(unix))]
async fn keep_local_open(_path: &Path) -> io::Result<Option<Box<dyn LogSource>>> {
    Ok(None)
}

#[cfg(unix)]
mod held {
    use std::fs::File;
    use std::io;
    use std::os::unix::fs::{FileExt, MetadataExt};
    use std::path::Path;
    use std::sync::Arc;

    use async_trait::async_trait;

    use super::{LogSource, LogStat, blocking};

    /// An open descriptor on one inode: follows that file wherever it is renamed.
    pub(super) struct HeldFile {
        file: Arc<File>,
    }

    impl HeldFile {
        pub(super) fn open(path: &Path) -> io::Result<HeldFile> {
            let file = File::open(path)?;
            if file.metadata()?.is_dir() {
                return Err(io::Error::other(format!(
                    "{}: is a directory, not a log file",
                    path.display()
                )));
            }
            Ok(HeldFile {
                file: Arc::new(file),
            })
        }
    }

    fn read_fully_at(file: &File, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut buf = vec![0; len];
        let mut filled = 0;
        while filled < len {
            match file.read_at(&mut buf[filled..], offset + filled as u64) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        buf.truncate(filled);
        Ok(buf)
    }

    #[async_trait]
    impl LogSource for HeldFile {
        async fn stat(&self) -> io::Result<Option<LogStat>> {
            let file = Arc::clone(&self.file);
            blocking(move || {
                let meta = file.metadata()?;
                Ok(Some(LogStat {
                    len: meta.len(),
                    id: Some(meta.ino()),
                }))
            })
            .await
        }

        async fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
            let file = Arc::clone(&self.file);
            blocking(move || read_fully_at(&file, offset, len)).await
        }
    }
}

/// Keeps `NotFound` recognisable (a vanished log is not a failure for a follower).
fn node_error(error: NodeError) -> io::Error {
    let kind = match &error {
        NodeError::Io { source, .. } => source.kind(),
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, error)
}

#[async_trait]
impl LogSource for NodeLog {
    async fn stat(&self) -> io::Result<Option<LogStat>> {
        let stat = self.node.stat(&self.path).await.map_err(node_error)?;
        Ok(stat.map(|s| LogStat {
            len: s.len,
            id: s.id,
        }))
    }

    async fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        self.node
            .read_at(&self.path, offset, len)
            .await
            .map_err(node_error)
    }
}
