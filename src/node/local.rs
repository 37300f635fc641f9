//! The local filesystem as a node.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use async_trait::async_trait;

use super::backup;
use super::{DirEntry, Expected, FileStat, Node, NodeError, Snapshot, Transport, Version, Written};
use crate::platform::{self, retry};

/// A node whose root is a directory on this machine.
#[derive(Debug, Clone)]
pub struct LocalNode {
    name: String,
    root: PathBuf,
    root_display: String,
}

impl LocalNode {
    pub fn new(name: impl Into<String>, root: impl Into<PathBuf>) -> LocalNode {
        let root = root.into();
        LocalNode {
            name: name.into(),
            root_display: root.display().to_string(),
            root,
        }
    }

    /// The local path of a `/`-separated path relative to the root.
    pub fn resolve(&self, path: &str) -> PathBuf {
        path.split('/')
            .filter(|s| !s.is_empty())
            .fold(self.root.clone(), |p, segment| p.join(segment))
    }

    async fn blocking<T, F>(&self, path: &str, f: F) -> Result<T, NodeError>
    where
        T: Send + 'static,
        F: FnOnce(PathBuf, String) -> Result<T, NodeError> + Send + 'static,
    {
        let local = self.resolve(path);
        let shown = local.display().to_string();
        let join = tokio::task::spawn_blocking(move || f(local, shown)).await;
        join.unwrap_or_else(|e| {
            Err(NodeError::Unreachable(format!(
                "local file task failed: {e}"
            )))
        })
    }
}

#[async_trait]
impl Node for LocalNode {
    fn name(&self) -> &str {
        &self.name
    }

    fn transport(&self) -> Transport {
        Transport::Local
    }

    fn root(&self) -> &str {
        &self.root_display
    }

    async fn read(&self, path: &str, limit: u64) -> Result<Option<Snapshot>, NodeError> {
        self.blocking(path, move |local, shown| read_file(&local, &shown, limit))
            .await
    }

    async fn stat(&self, path: &str) -> Result<Option<FileStat>, NodeError> {
        self.blocking(path, |local, shown| match fs::metadata(&local) {
            Ok(m) => Ok(Some(FileStat {
                len: m.len(),
                mtime: m.modified().ok(),
                id: file_id(&m),
            })),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(NodeError::io(&shown, e)),
        })
        .await
    }

    async fn list_dir(&self, path: &str) -> Result<Option<Vec<DirEntry>>, NodeError> {
        self.blocking(path, |local, shown| match list_local(&local) {
            Ok(entries) => Ok(Some(entries)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(NodeError::io(&shown, e)),
        })
        .await
    }

    async fn read_at(&self, path: &str, offset: u64, len: usize) -> Result<Vec<u8>, NodeError> {
        self.blocking(path, move |local, shown| {
            read_range(&local, offset, len).map_err(|e| NodeError::io(&shown, e))
        })
        .await
    }

    async fn replace(
        &self,
        path: &str,
        bytes: &[u8],
        expected: &Expected,
        private: bool,
    ) -> Result<Written, NodeError> {
        let (bytes, expected) = (bytes.to_vec(), expected.clone());
        self.blocking(path, move |local, shown| {
            replace_file(&local, &shown, &bytes, &expected, private)
        })
        .await
    }

    async fn owner_only(&self, path: &str) -> Result<Option<bool>, NodeError> {
        self.blocking(path, |local, shown| match fs::metadata(&local) {
            Ok(m) => platform::owner_only(&local, &m).map_err(|e| NodeError::io(&shown, e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(NodeError::io(&shown, e)),
        })
        .await
    }

    async fn remove(&self, path: &str, expected: &Version) -> Result<Written, NodeError> {
        let expected = expected.clone();
        self.blocking(path, move |local, shown| {
            let expected = Expected::Version(expected);
            check_unchanged(&local, &shown, &expected)?;
            let backup = write_backup(&local, &shown)?;
            check_unchanged(&local, &shown, &expected)?;
            retry::on_busy_file(|| fs::remove_file(&local))
                .map_err(|e| NodeError::io(&shown, e))?;
            Ok(Written {
                backup,
                version: None,
            })
        })
        .await
    }
}

pub(crate) fn read_file(
    local: &Path,
    shown: &str,
    limit: u64,
) -> Result<Option<Snapshot>, NodeError> {
    let mut file = match File::open(local) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(NodeError::io(shown, e)),
    };
    let meta = file.metadata().map_err(|e| NodeError::io(shown, e))?;
    if meta.is_dir() {
        return Err(NodeError::io(
            shown,
            io::Error::other("is a directory, not a file"),
        ));
    }
    let too_large = |size| NodeError::TooLarge {
        path: shown.to_string(),
        size,
        limit,
    };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // Read one byte past the limit to notice a file that grew meanwhile.
    (&mut file)
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| NodeError::io(shown, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    let version = Version::of(&bytes, meta.modified().ok());
    Ok(Some(Snapshot { bytes, version }))
}

/// A directory's entries; one that vanishes while listed is left out, and
/// a name that is not valid Unicode is shown lossily.
fn list_local(dir: &Path) -> io::Result<Vec<DirEntry>> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        // Follows symbolic links, as SFTP's stat of a listed name would.
        let Ok(meta) = fs::metadata(entry.path()) else {
            continue;
        };
        entries.push(DirEntry {
            name: entry.file_name().to_string_lossy().into_owned(),
            is_dir: meta.is_dir(),
            len: meta.len(),
            mtime: meta.modified().ok(),
        });
    }
    Ok(entries)
}

fn read_range(local: &Path, offset: u64, len: usize) -> io::Result<Vec<u8>> {
    let mut file = File::open(local)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut buf = Vec::with_capacity(len);
    file.take(len as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// An identity that changes when the file is replaced (the inode on Unix).
#[cfg(unix)]
pub(crate) fn file_id(meta: &fs::Metadata) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    Some(meta.ino())
}

#[cfg(not(unix))]
pub(crate) fn file_id(_meta: &fs::Metadata) -> Option<u64> {
    None
}

/// Fails with `Conflict`/`AlreadyExists` unless the file is exactly as expected.
fn check_unchanged(local: &Path, shown: &str, expected: &Expected) -> Result<(), NodeError> {
    // A file larger than expected has changed: it is not read (it may be huge).
    let limit = match expected {
        Expected::Version(v) => v.size,
        Expected::Absent => 0,
    };
    let current = match read_file(local, shown, limit) {
        Err(NodeError::TooLarge { .. }) => return Err(changed(expected, shown)),
        other => other?,
    };
    match (expected, current) {
        (Expected::Absent, None) => Ok(()),
        (Expected::Absent, Some(_)) => Err(NodeError::AlreadyExists {
            path: shown.to_string(),
        }),
        (Expected::Version(v), Some(s)) if s.version == *v => Ok(()),
        (Expected::Version(_), _) => Err(NodeError::Conflict {
            path: shown.to_string(),
        }),
    }
}

/// The error for a file that is not as expected.
fn changed(expected: &Expected, shown: &str) -> NodeError {
    let path = shown.to_string();
    match expected {
        Expected::Absent => NodeError::AlreadyExists { path },
        Expected::Version(_) => NodeError::Conflict { path },
    }
}

/// Copies the current content to `<file>.<UTC timestamp>.bak` and prunes old
/// backups. `Ok(None)`: there was no file to back up.
fn write_backup(local: &Path, shown: &str) -> Result<Option<String>, NodeError> {
    let Some(current) = read_file(local, shown, u64::MAX)? else {
        return Ok(None);
    };
    let (dir, file) = split_local(local);
    let now = SystemTime::now();
    let io_err = |e| NodeError::io(shown, e);
    let mut attempt = backup::next_attempt(&file, now, &dir_names(&dir));
    let (backup_path, mut out) = loop {
        let candidate = dir.join(backup::backup_name(&file, now, attempt));
        match platform::create_new_options().open(&candidate) {
            Ok(f) => break (candidate, f),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 10_000 => attempt += 1,
            Err(e) => return Err(io_err(e)),
        }
    };
    copy_permissions(local, &backup_path);
    if let Err(e) = platform::protect_like(local, &out) {
        drop(out);
        let _ = fs::remove_file(&backup_path);
        return Err(io_err(e));
    }
    out.write_all(&current.bytes)
        .and_then(|_| out.sync_all())
        .map_err(io_err)?;
    prune_backups(&dir, &file);
    Ok(Some(backup_path.display().to_string()))
}

fn dir_names(dir: &Path) -> Vec<String> {
    let Ok(read) = fs::read_dir(dir) else {
        return Vec::new();
    };
    read.filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect()
}

/// Removes the backups beyond the newest five, and temporary files of
/// `file` that interrupted writes left behind.
fn prune_backups(dir: &Path, file: &str) {
    let names = dir_names(dir);
    // What cannot be removed is harmless; the write itself succeeded.
    for name in backup::backups_to_prune(file, &names) {
        let _ = fs::remove_file(dir.join(name));
    }
    let now = SystemTime::now();
    for name in names.iter().filter(|n| backup::is_temp_of(file, n)) {
        let path = dir.join(name);
        let modified = fs::symlink_metadata(&path).and_then(|m| m.modified());
        if modified.is_ok_and(|m| backup::is_stale(m, now)) {
            let _ = fs::remove_file(path);
        }
    }
}

fn split_local(local: &Path) -> (PathBuf, String) {
    let dir = local.parent().map(Path::to_path_buf).unwrap_or_default();
    let file = local
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    (dir, file)
}

fn replace_file(
    local: &Path,
    shown: &str,
    bytes: &[u8],
    expected: &Expected,
    private: bool,
) -> Result<Written, NodeError> {
    let io_err = |e| NodeError::io(shown, e);
    let (dir, file) = split_local(local);
    check_unchanged(local, shown, expected)?;
    if !dir.as_os_str().is_empty() {
        fs::create_dir_all(&dir).map_err(io_err)?;
    }
    let tmp = dir.join(backup::temp_name(&file));
    let result = (|| {
        let mut out = create_temp(&tmp, private).map_err(io_err)?;
        if !private {
            copy_permissions(local, &tmp);
        }
        out.write_all(bytes)
            .and_then(|_| out.sync_all())
            .map_err(io_err)?;
        if private {
            platform::check_private(&out).map_err(io_err)?;
        }
        let mtime = out.metadata().ok().and_then(|m| m.modified().ok());
        drop(out);
        let backup = match expected {
            Expected::Absent => None,
            Expected::Version(_) => write_backup(local, shown)?,
        };
        // The last look before the file is replaced: nothing changed meanwhile.
        check_unchanged(local, shown, expected)?;
        match expected {
            // A hard link fails if the target appeared meanwhile: create-if-absent, atomically.
            Expected::Absent => match fs::hard_link(&tmp, local) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(NodeError::AlreadyExists {
                        path: shown.to_string(),
                    });
                }
                Err(_) => rename(&tmp, local).map_err(io_err)?,
            },
            Expected::Version(_) => rename(&tmp, local).map_err(io_err)?,
        }
        sync_dir(&dir);
        Ok(Written {
            backup,
            version: Some(Version::of(bytes, mtime)),
        })
    })();
    // After a rename the temp name is gone; after a hard link or a failure it is ours to remove.
    let _ = fs::remove_file(&tmp);
    result
}

/// Renames over a file, waiting a little while another program holds it.
fn rename(tmp: &Path, local: &Path) -> io::Result<()> {
    retry::on_busy_file(|| fs::rename(tmp, local))
}

fn create_temp(tmp: &Path, private: bool) -> io::Result<File> {
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut options = platform::create_new_options();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    let file = options.open(tmp)?;
    if private {
        platform::make_private(&file)?;
    }
    Ok(file)
}

/// The new file keeps the old one's permissions (best effort).
fn copy_permissions(from: &Path, to: &Path) {
    if let Ok(meta) = fs::metadata(from) {
        let _ = fs::set_permissions(to, meta.permissions());
    }
}

/// Makes the rename durable (Unix); elsewhere the rename is already journaled.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
