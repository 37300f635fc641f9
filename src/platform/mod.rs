//! Where Windows and Unix differ for local files: who may read a private
//! file, retrying a replace while another program holds the file, which
//! node to work on when there is no inventory, and who runs ucsconf.
//!
//! The decisions are platform-neutral data and functions ([`acl`], [`retry`],
//! [`default_node`]), tested on every platform; the Win32 calls are a thin
//! layer compiled on Windows only.

pub mod account;
pub mod acl;
pub mod retry;
#[cfg(windows)]
mod windows;
pub mod wine;

use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::path::Path;

/// Options that create a new file to write (the temporary file of a replace,
/// a backup). On Windows nobody else may open it while it is being written
/// (a handle opened before its access list is set would keep its rights),
/// and the handle may set and read that list.
pub fn create_new_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        use windows_sys::Win32::Foundation::GENERIC_WRITE;
        use windows_sys::Win32::Storage::FileSystem::{
            FILE_READ_ATTRIBUTES, READ_CONTROL, WRITE_DAC,
        };
        options
            .share_mode(0)
            .access_mode(GENERIC_WRITE | READ_CONTROL | WRITE_DAC | FILE_READ_ATTRIBUTES);
    }
    options
}

/// Makes a new, still empty file private. On Windows: a protected DACL for
/// Administrators and SYSTEM ([`acl::private_acl`]). On Unix the file was
/// already created with mode 0600.
pub fn make_private(file: &File) -> io::Result<()> {
    #[cfg(windows)]
    {
        windows::make_private(file)
    }
    #[cfg(not(windows))]
    {
        let _ = file;
        Ok(())
    }
}

/// Checks, after writing, that a private file really is (Windows: reads the
/// DACL back and refuses anything but the private one).
pub fn check_private(file: &File) -> io::Result<()> {
    #[cfg(windows)]
    {
        windows::check_private(file)
    }
    #[cfg(not(windows))]
    {
        let _ = file;
        Ok(())
    }
}

/// Makes `to` (a new backup, still empty) private when `from` is, so a copy
/// of a private file is as private as the file. On Unix the mode is copied
/// separately; on Windows a DACL that cannot be read counts as private.
pub fn protect_like(from: &Path, to: &File) -> io::Result<()> {
    #[cfg(windows)]
    if windows::is_private(from).unwrap_or(true) {
        return windows::make_private(to);
    }
    let _ = (from, to);
    Ok(())
}

/// Whether only the owner (Unix: no group or other mode bits) or only the
/// private readers (Windows: the DACL) can read the file. `None`: unknown.
pub fn owner_only(path: &Path, meta: &Metadata) -> io::Result<Option<bool>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = path;
        Ok(Some(meta.permissions().mode() & 0o077 == 0))
    }
    #[cfg(windows)]
    {
        let _ = meta;
        windows::is_private(path).map(Some)
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = (path, meta);
        Ok(None)
    }
}

/// Who else may read a file that is not private, in words.
pub fn who_else(meta: &Metadata) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        format!("its mode is {:04o}", meta.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        "its access list lets accounts other than Administrators and SYSTEM in".to_owned()
    }
}

/// How to make the node key private again by hand, for a local node at
/// `root` (the root as displayed, the key path relative and `/`-separated).
pub fn key_fix(root: &str, key_path: &str) -> String {
    if cfg!(windows) {
        let local = format!(
            "{}\\{}",
            root.trim_end_matches(['\\', '/']),
            key_path.replace('/', "\\")
        );
        acl::private_fix(&local, true)
    } else {
        acl::private_fix(key_path, false)
    }
}

/// What to work on when no inventory is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultNode {
    /// This machine is a node: edit the suite at its standard root.
    StandardRoot,
    /// Nothing to work on. `root_missing`: this is Windows, but the suite's
    /// standard root is not here (say so).
    Nothing { root_missing: bool },
}

/// With no inventory, a Windows machine with the suite's standard root is
/// the node itself (an admin on RDP); anything else has no node to work on.
pub fn default_node(os_is_windows: bool, standard_root_exists: bool) -> DefaultNode {
    match (os_is_windows, standard_root_exists) {
        (true, true) => DefaultNode::StandardRoot,
        (windows, _) => DefaultNode::Nothing {
            root_missing: windows,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_windows_node_with_the_standard_root_edits_itself() {
        assert_eq!(default_node(true, true), DefaultNode::StandardRoot);
    }

    #[test]
    fn without_the_standard_root_or_off_windows_there_is_nothing() {
        assert_eq!(
            default_node(true, false),
            DefaultNode::Nothing { root_missing: true }
        );
        // A folder of that name elsewhere is not a Windows node.
        for exists in [true, false] {
            assert_eq!(
                default_node(false, exists),
                DefaultNode::Nothing {
                    root_missing: false
                }
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn owner_only_reads_the_mode_on_unix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, b"k").unwrap();
        for (mode, private) in [(0o600, true), (0o640, false), (0o604, false)] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let meta = std::fs::metadata(&path).unwrap();
            assert_eq!(owner_only(&path, &meta).unwrap(), Some(private), "{mode:o}");
        }
    }

    #[test]
    fn new_files_are_created_exclusively() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new");
        let file = create_new_options().open(&path).unwrap();
        if !wine::skip_test(wine::NO_ACLS) {
            make_private(&file).unwrap();
            check_private(&file).unwrap();
            protect_like(&path, &file).unwrap();
        }
        drop(file);
        let again = create_new_options().open(&path).unwrap_err();
        assert_eq!(again.kind(), io::ErrorKind::AlreadyExists);
    }

    #[test]
    fn the_key_fix_names_the_key() {
        let fix = key_fix("/srv/node", "Var/Secure/ucsconf.key");
        assert!(fix.contains("ucsconf.key"), "{fix}");
    }
}
