//! Remote paths: `/`-separated strings as SFTP speaks them, never
//! `std::path::Path` (the admin machine and the node may differ in kind).
//!
//! Win32-OpenSSH shows `C:\x` as `/C:/x`; these pure functions map between
//! the root as the inventory spells it, the SFTP form and the form shown to
//! the admin.

/// What kind of machine the SFTP server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteKind {
    Unix,
    Windows,
}

/// The kind of a node, from the server's answer to `realpath(".")`: a
/// `/X:/` (or bare `/X:`) prefix is Win32-OpenSSH's spelling of a drive.
pub fn kind_from_realpath(cwd: &str) -> RemoteKind {
    if cwd.strip_prefix('/').and_then(drive_prefix).is_some() {
        RemoteKind::Windows
    } else {
        RemoteKind::Unix
    }
}

/// The kind of a node when its root alone tells (saving the `realpath`
/// round trip): a drive (`C:\...`, `/C:/...`) is Windows, an absolute path
/// with `/` only is Unix. Relative roots and backslashes leave it open.
pub fn kind_from_root(root: &str) -> Option<RemoteKind> {
    if drive_prefix(root.strip_prefix('/').unwrap_or(root)).is_some() {
        Some(RemoteKind::Windows)
    } else if root.starts_with('/') && !root.contains('\\') {
        Some(RemoteKind::Unix)
    } else {
        None
    }
}

/// `Some('C')` when `s` starts with a drive (`C:` followed by a separator or nothing).
fn drive_prefix(s: &str) -> Option<char> {
    let mut chars = s.chars();
    let letter = chars.next().filter(char::is_ascii_alphabetic)?;
    if chars.next() != Some(':') {
        return None;
    }
    match chars.next() {
        None | Some('/') | Some('\\') => Some(letter),
        _ => None,
    }
}

/// The SFTP spelling of a root. A Windows root (`C:\Program Files (x86)\X`,
/// or `C:/...`) becomes `/C:/Program Files (x86)/X`; on a Windows node every
/// `\` is a separator. A Unix root is kept as written (a backslash is a valid
/// file name character there). Trailing separators are dropped.
pub fn sftp_root(root: &str, kind: RemoteKind) -> String {
    let mapped = if drive_prefix(root).is_some() {
        format!("/{}", root.replace('\\', "/"))
    } else if kind == RemoteKind::Windows {
        root.replace('\\', "/")
    } else {
        root.to_string()
    };
    trim_trailing_slashes(&mapped)
}

fn trim_trailing_slashes(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() && path.starts_with('/') {
        "/".to_string()
    } else if trimmed.ends_with(':') && drive_prefix(trimmed.trim_start_matches('/')).is_some() {
        // `/C:` alone is not a directory on Win32-OpenSSH; `/C:/` is.
        format!("{trimmed}/")
    } else {
        trimmed.to_string()
    }
}

/// `root` + a relative `/`-separated path (empty segments ignored).
pub fn join(root: &str, relative: &str) -> String {
    let mut out = root.to_string();
    for segment in relative.split('/').filter(|s| !s.is_empty()) {
        if !out.is_empty() && !out.ends_with('/') {
            out.push('/');
        }
        out.push_str(segment);
    }
    out
}

/// Directory and file name of an SFTP path (`"", name` for a bare name).
pub fn split(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(0) => ("/", &path[1..]),
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
}

/// Every ancestor directory of `dir`, shortest first, for creating them in
/// order (`/a/b` → `/a`, `/a/b`; the drive root of `/C:/x` is not included).
pub fn ancestors(dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for (i, segment) in dir.split('/').enumerate() {
        if segment.is_empty() {
            if i == 0 {
                current.push('/');
            }
            continue;
        }
        if !current.is_empty() && !current.ends_with('/') {
            current.push('/');
        }
        current.push_str(segment);
        let is_drive = i == 1 && dir.starts_with('/') && drive_prefix(segment).is_some();
        if !is_drive {
            out.push(current.clone());
        }
    }
    out
}

/// How the admin sees a remote path: `C:\...` on a Windows node.
pub fn display(sftp_path: &str, kind: RemoteKind) -> String {
    match kind {
        RemoteKind::Windows => {
            let bare = match sftp_path.strip_prefix('/') {
                Some(rest) if drive_prefix(rest).is_some() => rest,
                _ => sftp_path,
            };
            bare.replace('/', "\\")
        }
        RemoteKind::Unix => sftp_path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUITE: &str = r"C:\Program Files (x86)\StonevoiceAS";

    #[test]
    fn the_kind_comes_from_the_drive_in_the_working_directory() {
        assert_eq!(kind_from_realpath("/C:/Users/admin"), RemoteKind::Windows);
        assert_eq!(kind_from_realpath("/d:"), RemoteKind::Windows);
        assert_eq!(kind_from_realpath("/home/admin"), RemoteKind::Unix);
        assert_eq!(kind_from_realpath("/"), RemoteKind::Unix);
        assert_eq!(kind_from_realpath("/C:x"), RemoteKind::Unix);
        assert_eq!(kind_from_realpath("/CC:/x"), RemoteKind::Unix);
    }

    #[test]
    fn the_root_tells_the_kind_when_it_is_unambiguous() {
        assert_eq!(kind_from_root(SUITE), Some(RemoteKind::Windows));
        assert_eq!(kind_from_root("/C:/UCS"), Some(RemoteKind::Windows));
        assert_eq!(kind_from_root("d:"), Some(RemoteKind::Windows));
        assert_eq!(kind_from_root("/srv/ucs"), Some(RemoteKind::Unix));
        assert_eq!(kind_from_root("ucs"), None);
        assert_eq!(kind_from_root(r"\Program Files\X"), None);
        assert_eq!(kind_from_root(r"/srv/a\b"), None);
    }

    #[test]
    fn windows_roots_map_to_win32_openssh_paths() {
        let root = sftp_root(SUITE, RemoteKind::Windows);
        assert_eq!(root, "/C:/Program Files (x86)/StonevoiceAS");
        // A drive root maps the same whatever the detected kind.
        assert_eq!(sftp_root(SUITE, RemoteKind::Unix), root);
        assert_eq!(sftp_root(r"D:/UCS/", RemoteKind::Windows), "/D:/UCS");
        assert_eq!(sftp_root(r"C:\", RemoteKind::Windows), "/C:/");
        assert_eq!(
            sftp_root(r"\Program Files\X", RemoteKind::Windows),
            "/Program Files/X"
        );
        assert_eq!(
            join(&root, "Apps/Presence/Settings/Presence.ini"),
            "/C:/Program Files (x86)/StonevoiceAS/Apps/Presence/Settings/Presence.ini"
        );
    }

    #[test]
    fn unix_roots_are_kept_as_written() {
        assert_eq!(sftp_root("/srv/ucs/", RemoteKind::Unix), "/srv/ucs");
        assert_eq!(sftp_root(r"/srv/a\b", RemoteKind::Unix), r"/srv/a\b");
        assert_eq!(sftp_root("ucs", RemoteKind::Unix), "ucs");
        assert_eq!(sftp_root("/", RemoteKind::Unix), "/");
        assert_eq!(join("/", "a//b/"), "/a/b");
        assert_eq!(join("ucs", "a/b"), "ucs/a/b");
        assert_eq!(join("", "a/b"), "a/b");
    }

    #[test]
    fn paths_are_shown_as_the_node_spells_them() {
        let path = "/C:/Program Files (x86)/StonevoiceAS/Var/Secure/ucsconf.key";
        assert_eq!(
            display(path, RemoteKind::Windows),
            r"C:\Program Files (x86)\StonevoiceAS\Var\Secure\ucsconf.key"
        );
        assert_eq!(
            display("/srv/ucs/a.ini", RemoteKind::Unix),
            "/srv/ucs/a.ini"
        );
    }

    #[test]
    fn splits_and_ancestors_skip_the_drive() {
        assert_eq!(split("/a/b.ini"), ("/a", "b.ini"));
        assert_eq!(split("/b.ini"), ("/", "b.ini"));
        assert_eq!(split("b.ini"), ("", "b.ini"));
        assert_eq!(
            ancestors("/srv/ucs/Apps"),
            ["/srv", "/srv/ucs", "/srv/ucs/Apps"]
        );
        assert_eq!(ancestors("/C:/UCS/Apps"), ["/C:/UCS", "/C:/UCS/Apps"]);
        assert_eq!(ancestors("ucs/Apps"), ["ucs", "ucs/Apps"]);
    }
}
