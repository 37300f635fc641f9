//! The node's log folder (`Var/Log`): every file in it, for `logs --list`
//! and the editor's log picker, and a name in it resolved for `--file`.

use std::collections::VecDeque;
use std::io;
use std::time::SystemTime;

use crate::node::{Node, NodeError};

/// The suite's log folder, relative to the node's root.
pub const LOG_DIR: &str = "Var/Log";
/// How deep the listing looks (`Var/Log/w3wp/x.log` is one folder down).
const DEPTH: usize = 3;
/// At most this many files are listed (a folder of millions stays cheap).
pub const MAX_FILES: usize = 5000;

/// A file in the log folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFileInfo {
    /// Relative to [`LOG_DIR`], `/`-separated (`w3wp/ApplicationSuite.log`).
    pub name: String,
    pub len: u64,
    pub mtime: Option<SystemTime>,
}

/// Every file under `dir` (relative to the root), sorted by name; `Ok(None)`
/// when `dir` does not exist. `truncated`: more than [`MAX_FILES`].
pub async fn list(
    node: &dyn Node,
    dir: &str,
) -> Result<Option<(Vec<LogFileInfo>, bool)>, NodeError> {
    let mut files = Vec::new();
    let mut truncated = false;
    let mut queue = VecDeque::from([(String::new(), 1usize)]);
    while let Some((prefix, depth)) = queue.pop_front() {
        let path = match prefix.strip_suffix('/') {
            Some(folder) => format!("{dir}/{folder}"),
            None => dir.to_string(),
        };
        let entries = match node.list_dir(&path).await {
            Ok(Some(entries)) => entries,
            Ok(None) if prefix.is_empty() => return Ok(None),
            Err(e) if prefix.is_empty() => return Err(e),
            // A folder below that vanished or cannot be read is left out.
            _ => continue,
        };
        for entry in entries {
            let name = format!("{prefix}{}", entry.name);
            if entry.is_dir {
                if depth < DEPTH {
                    queue.push_back((format!("{name}/"), depth + 1));
                }
            } else if files.len() < MAX_FILES {
                files.push(LogFileInfo {
                    name,
                    len: entry.len,
                    mtime: entry.mtime,
                });
            } else {
                truncated = true;
            }
        }
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Some((files, truncated)))
}

/// `NAME` of `logs --file NAME` as a path relative to the root: a file
/// inside the log folder, never outside it.
pub fn resolve(name: &str) -> io::Result<String> {
    let name = name.replace('\\', "/");
    let parts: Vec<&str> = name.split('/').filter(|p| !p.is_empty()).collect();
    let bad = parts.is_empty()
        || parts
            .iter()
            .any(|p| *p == "." || *p == ".." || p.contains(':'));
    if bad {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{name:?}: name a file inside {LOG_DIR} (as `logs --list` shows it)"),
        ));
    }
    Ok(format!("{LOG_DIR}/{}", parts.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_inside_the_log_folder() {
        assert_eq!(
            resolve("w3wp/ApplicationSuite.log.1").unwrap(),
            "Var/Log/w3wp/ApplicationSuite.log.1"
        );
        assert_eq!(
            resolve(r"w3wp\Other.log").unwrap(),
            "Var/Log/w3wp/Other.log"
        );
        for bad in [
            "",
            "/",
            "../Secure/CloudServices.json",
            "w3wp/../../x",
            "C:/x",
            "./a",
        ] {
            assert!(resolve(bad).is_err(), "{bad}");
        }
    }
}
