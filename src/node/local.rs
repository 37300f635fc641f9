//! The local filesystem as a node.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use async_trait::async_trait;

use super::backup::{self, Listed};
use super::{
    DirEntry, Expected, FileStat, LastCheckHook, Node, NodeError, Readers, Snapshot, Transport,
    Version, Written,
};
use crate::platform::{self, retry};

/// A node whose root is a directory on this machine.
#[derive(Debug, Clone)]
pub struct LocalNode {
    name: String,
    root: PathBuf,
    root_display: String,
    before_last_check: Option<LastCheckHook>,
}

impl LocalNode {
    pub fn new(name: impl Into<String>, root: impl Into<PathBuf>) -> LocalNode {
        let root = root.into();
        LocalNode {
            name: name.into(),
            root_display: root.display().to_string(),
            root,
            before_last_check: None,
        }
    }

    /// Runs `hook` at the last moment of every write ([`LastCheckHook`]).
    pub fn with_last_check_hook(mut self, hook: LastCheckHook) -> LocalNode {
        self.before_last_check = Some(hook);
        self
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
        let join = crate::blocking::run(move || f(local, shown)).await;
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

    async fn replace_keeping(
        &self,
        path: &str,
        bytes: &[u8],
        expected: &Expected,
        private: bool,
        keep: &[String],
    ) -> Result<Written, NodeError> {
        let (bytes, expected, keep) = (bytes.to_vec(), expected.clone(), keep.to_vec());
        let hook = self.before_last_check.clone();
        self.blocking(path, move |local, shown| {
            let write = NewContent {
                bytes: &bytes,
                expected: &expected,
                private,
                keep: &keep,
            };
            replace_file(&local, &shown, &write, hook.as_ref())
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

    async fn readers(&self, path: &str) -> Result<Readers, NodeError> {
        let fix = platform::key_fix(self.root(), path);
        self.blocking(path, move |local, shown| {
            let meta = match fs::metadata(&local) {
                Ok(m) => m,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Readers::Absent),
                Err(e) => return Err(NodeError::io(&shown, e)),
            };
            Ok(
                match platform::owner_only(&local, &meta).map_err(|e| NodeError::io(&shown, e))? {
                    Some(true) => Readers::OwnerOnly,
                    Some(false) => Readers::Others {
                        who: platform::who_else(&meta),
                        fix,
                    },
                    None => Readers::Unchecked {
                        what: "this platform cannot tell who may read it".into(),
                        fix,
                    },
                },
            )
        })
        .await
    }

    async fn remove_keeping(
        &self,
        path: &str,
        expected: &Version,
        keep: &[String],
    ) -> Result<Written, NodeError> {
        let (expected, keep) = (expected.clone(), keep.to_vec());
        let hook = self.before_last_check.clone();
        self.blocking(path, move |local, shown| {
            remove_file(
                &local,
                &shown,
                &Expected::Version(expected),
                &keep,
                hook.as_ref(),
            )
        })
        .await
    }

    async fn remove_backups(&self, path: &str) -> Result<Vec<String>, NodeError> {
        self.blocking(path, |local, _| remove_backups_of(&local))
            .await
    }
}

/// See [`Node::remove_backups`].
fn remove_backups_of(local: &Path) -> Result<Vec<String>, NodeError> {
    let (dir, file) = split_local(local);
    let names = backup::purgeable(&file, &listing(&dir, &file), SystemTime::now());
    for name in &names {
        let path = dir.join(name);
        fs::remove_file(&path).map_err(|e| NodeError::io(&path.display().to_string(), e))?;
    }
    Ok(names)
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

/// Fails with `Conflict`/`AlreadyExists` unless the file is exactly as
/// expected; returns what is there.
fn check_unchanged(
    local: &Path,
    shown: &str,
    expected: &Expected,
) -> Result<Option<Snapshot>, NodeError> {
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
        (Expected::Absent, None) => Ok(None),
        (Expected::Absent, Some(_)) => Err(NodeError::AlreadyExists {
            path: shown.to_string(),
        }),
        (Expected::Version(v), Some(s)) if s.version == *v => Ok(Some(s)),
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

/// A backup made for a write that is under way: kept (and old backups
/// pruned) once the write happened, removed if it did not.
struct PendingBackup {
    path: PathBuf,
    name: String,
}

impl PendingBackup {
    /// Writes `bytes` (the content being replaced, as checked) to a new
    /// `<file>.<UTC timestamp>.bak` beside it, flushed to disk, with the
    /// file's owner, group and mode (`like`; 0600 for a `private` file)
    /// from its creation on.
    fn make(
        dir: &Path,
        file: &str,
        shown: &str,
        bytes: &[u8],
        (like, private): (&fs::Metadata, bool),
        local: &Path,
    ) -> Result<PendingBackup, NodeError> {
        let io_err = |e| NodeError::io(shown, e);
        let now = SystemTime::now();
        let mut attempt = backup::next_attempt(file, now, &listing(dir, file));
        let (name, mut out) = loop {
            let name = backup::backup_name(file, now, attempt);
            match create_like(&dir.join(&name), like, private) {
                Ok(f) => break (name, f),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 10_000 => {
                    attempt += 1
                }
                Err(e) => return Err(io_err(e)),
            }
        };
        let made = PendingBackup {
            path: dir.join(&name),
            name,
        };
        let written = platform::protect_like(local, &out)
            .and_then(|_| out.write_all(bytes))
            .and_then(|_| out.sync_all());
        drop(out);
        match written {
            Ok(()) => Ok(made),
            Err(e) => {
                made.discard();
                Err(io_err(e))
            }
        }
    }

    /// The write happened: the backup stays, and old ones beyond the newest
    /// five (never this one) and leftovers of interrupted writes go.
    fn keep(self, dir: &Path, file: &str, named: &[String]) -> String {
        let listed = listing(dir, file);
        // What cannot be removed is harmless; the write itself succeeded.
        for name in backup::backups_to_prune(file, &listed, &self.name, named) {
            let _ = fs::remove_file(dir.join(name));
        }
        remove_stale_temps(dir, file, &listed);
        self.path.display().to_string()
    }

    /// The write did not happen: the file still holds what the backup does.
    fn discard(self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// The backups and temporary files of `file` in `dir`, with their times.
fn listing(dir: &Path, file: &str) -> Vec<Listed> {
    let Ok(read) = fs::read_dir(dir) else {
        return Vec::new();
    };
    read.filter_map(|e| {
        let entry = e.ok()?;
        let name = entry.file_name().into_string().ok()?;
        let ours = name.starts_with(file) || backup::is_temp_of(file, &name);
        ours.then(|| {
            let mtime = entry.metadata().and_then(|m| m.modified()).ok();
            Listed::new(name, mtime)
        })
    })
    .collect()
}

/// Removes the temporary files of `file` that interrupted writes left behind.
fn remove_stale_temps(dir: &Path, file: &str, listed: &[Listed]) {
    let now = SystemTime::now();
    for l in listed.iter().filter(|l| backup::is_temp_of(file, &l.name)) {
        if l.mtime.is_some_and(|m| backup::is_stale(m, now)) {
            let _ = fs::remove_file(dir.join(&l.name));
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

/// What a replace writes, and how.
struct NewContent<'a> {
    bytes: &'a [u8],
    expected: &'a Expected,
    private: bool,
    /// Backups kept beyond the newest five ([`Node::replace_keeping`]).
    keep: &'a [String],
}

fn replace_file(
    local: &Path,
    shown: &str,
    write: &NewContent<'_>,
    hook: Option<&LastCheckHook>,
) -> Result<Written, NodeError> {
    let NewContent {
        bytes,
        expected,
        private,
        keep,
    } = *write;
    let io_err = |e| NodeError::io(shown, e);
    let (dir, file) = split_local(local);
    let current = check_unchanged(local, shown, expected)?;
    if !dir.as_os_str().is_empty() {
        fs::create_dir_all(&dir).map_err(io_err)?;
    }
    // What the new file and the backup take after: the file being replaced.
    let like = match &current {
        Some(_) => Some(fs::metadata(local).map_err(io_err)?),
        None => None,
    };
    let tmp = dir.join(backup::temp_name(&file));
    let result = (|| {
        let mut out = create_temp(&tmp, private, like.as_ref()).map_err(io_err)?;
        out.write_all(bytes)
            .and_then(|_| out.sync_all())
            .map_err(io_err)?;
        if private {
            platform::check_private(&out).map_err(io_err)?;
        }
        let mtime = out.metadata().ok().and_then(|m| m.modified().ok());
        drop(out);
        let backup = match (&current, &like) {
            (Some(current), Some(like)) => Some(PendingBackup::make(
                &dir,
                &file,
                shown,
                &current.bytes,
                (like, private),
                local,
            )?),
            _ => None,
        };
        match put_in_place(&tmp, local, shown, expected, hook) {
            Ok(()) => {
                sync_dir(&dir);
                Ok(Written {
                    backup: backup.map(|b| b.keep(&dir, &file, keep)),
                    version: Some(Version::of(bytes, mtime)),
                })
            }
            Err(e) => {
                // Nothing was replaced: the file still holds what the backup does.
                if let Some(b) = backup {
                    b.discard();
                }
                Err(e)
            }
        }
    })();
    // After a rename the temp name is gone; after a hard link or a failure it is ours to remove.
    let _ = fs::remove_file(&tmp);
    result
}

/// The last look (nothing changed meanwhile), then the temporary file
/// takes the file's place. An error means the file was not replaced.
fn put_in_place(
    tmp: &Path,
    local: &Path,
    shown: &str,
    expected: &Expected,
    hook: Option<&LastCheckHook>,
) -> Result<(), NodeError> {
    LastCheckHook::run(hook, shown);
    check_unchanged(local, shown, expected)?;
    match expected {
        Expected::Absent => create_only(tmp, local, shown, |a, b| fs::hard_link(a, b)),
        Expected::Version(_) => rename(tmp, local).map_err(|e| NodeError::io(shown, e)),
    }
}

/// Removes the file if it is still as expected, keeping a backup if it was removed.
fn remove_file(
    local: &Path,
    shown: &str,
    expected: &Expected,
    keep: &[String],
    hook: Option<&LastCheckHook>,
) -> Result<Written, NodeError> {
    let io_err = |e| NodeError::io(shown, e);
    let (dir, file) = split_local(local);
    let Some(current) = check_unchanged(local, shown, expected)? else {
        unreachable!("a version was expected, so the file was there");
    };
    let like = fs::metadata(local).map_err(io_err)?;
    let backup = PendingBackup::make(&dir, &file, shown, &current.bytes, (&like, false), local)?;
    LastCheckHook::run(hook, shown);
    let removed = check_unchanged(local, shown, expected)
        .and_then(|_| retry::on_busy_file(|| fs::remove_file(local)).map_err(io_err));
    match removed {
        Ok(()) => Ok(Written {
            backup: Some(backup.keep(&dir, &file, keep)),
            version: None,
        }),
        Err(e) => {
            backup.discard();
            Err(e)
        }
    }
}

/// Puts `tmp` at `local` only if nothing is there, never over a file that
/// appeared meanwhile: a hard link, which fails on an existing name; where
/// links are not supported (FAT, some network shares), a create-new claims
/// the name first, and the rename then replaces only that empty claim.
fn create_only(
    tmp: &Path,
    local: &Path,
    shown: &str,
    link: impl Fn(&Path, &Path) -> io::Result<()>,
) -> Result<(), NodeError> {
    let exists = || NodeError::AlreadyExists {
        path: shown.to_string(),
    };
    match link(tmp, local) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(exists()),
        Err(_) => {}
    }
    match platform::create_new_options().open(local) {
        Ok(claim) => drop(claim),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(exists()),
        Err(e) => return Err(NodeError::io(shown, e)),
    }
    rename(tmp, local).map_err(|e| {
        let _ = fs::remove_file(local);
        NodeError::io(shown, e)
    })
}

/// Renames over a file, waiting a little while another program holds it.
fn rename(tmp: &Path, local: &Path) -> io::Result<()> {
    retry::on_busy_file(|| fs::rename(tmp, local))
}

/// The temporary file of a write: like the file it replaces (`like`), or a
/// plain new file (0644 less the umask on Unix); private when asked.
fn create_temp(tmp: &Path, private: bool, like: Option<&fs::Metadata>) -> io::Result<File> {
    let file = match like {
        Some(like) => create_like(tmp, like, private)?,
        None => create_new(tmp, if private { 0o600 } else { 0o644 })?,
    };
    if private {
        platform::make_private(&file)?;
    }
    Ok(file)
}

/// Creates a new file with `mode` (Unix; less the umask).
fn create_new(path: &Path, mode: u32) -> io::Result<File> {
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut options = platform::create_new_options();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    options.open(path)
}

/// Creates a new file that ends up with the owner, group and mode of
/// `like` (mode 0600 when `private`), and is never open to anyone else on
/// the way: on Unix it starts as 0600, takes the owner and group where this
/// process may set them (root: both; others: a group they are in), then its
/// mode. (On Windows the access list is the folder's, or the private one.)
fn create_like(path: &Path, like: &fs::Metadata, private: bool) -> io::Result<File> {
    let file = create_new(path, 0o600)?;
    if let Err(e) = dress_like(&file, like, private) {
        drop(file);
        let _ = fs::remove_file(path);
        return Err(e);
    }
    Ok(file)
}

#[cfg(unix)]
fn dress_like(file: &File, like: &fs::Metadata, private: bool) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt, fchown};
    // Best effort: an owner or group this process may not give is left as
    // it is; who could not read the old file cannot be let in this way.
    if fchown(file, Some(like.uid()), Some(like.gid())).is_err() {
        let _ = fchown(file, None, Some(like.gid()));
    }
    let mode = if private { 0o600 } else { like.mode() & 0o7777 };
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn dress_like(_file: &File, _like: &fs::Metadata, _private: bool) -> io::Result<()> {
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn no_links(_: &Path, _: &Path) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "no hard links here",
        ))
    }

    #[test]
    fn without_hard_links_creating_never_overwrites_a_file_that_appeared() {
        // Before, the fallback was a plain rename: it replaced the other
        // writer's file (a node key created at the same moment, say).
        let dir = tempfile::tempdir().unwrap();
        let (tmp, target) = (dir.path().join("new.tmp"), dir.path().join("ucsconf.key"));
        fs::write(&tmp, b"ours").unwrap();
        fs::write(&target, b"theirs").unwrap();
        let err = create_only(&tmp, &target, "ucsconf.key", no_links).unwrap_err();
        assert!(matches!(err, NodeError::AlreadyExists { .. }), "{err}");
        assert_eq!(fs::read(&target).unwrap(), b"theirs");

        fs::remove_file(&target).unwrap();
        create_only(&tmp, &target, "ucsconf.key", no_links).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"ours");
        assert!(!tmp.exists(), "renamed into place");
    }
}
