//! Records the commit the binary is built from, for `--version`: the
//! `UCSCONF_BUILD_COMMIT` environment variable when set (packagers building
//! from a tarball), else `git rev-parse --short HEAD` of this crate's own
//! repository, else "unknown". Never fails the build.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=UCSCONF_BUILD_COMMIT");
    let commit = env::var("UCSCONF_BUILD_COMMIT")
        .ok()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .or_else(git_commit)
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=UCSCONF_COMMIT={commit}");
}

fn manifest_dir() -> Option<PathBuf> {
    env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from)
}

/// A git command's trimmed output, run in the crate's folder; `None` when
/// git is missing, fails or prints nothing.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(manifest_dir()?)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn git_commit() -> Option<String> {
    // Only the crate's own repository: a source tarball unpacked inside some
    // other repository must not report that one's commit.
    let top = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?);
    if top.canonicalize().ok()? != manifest_dir()?.canonicalize().ok()? {
        return None;
    }
    // HEAD moves on checkout, the branch's ref on commit: a loose file, or a
    // line of packed-refs until the next commit writes the loose file into
    // its folder. `--git-path` also finds them from a linked worktree.
    watch(&git(&["rev-parse", "--git-path", "HEAD"])?, false);
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(reference) = git(&["rev-parse", "--git-path", &branch]) {
            watch(&reference, true);
        }
        if let Some(packed) = git(&["rev-parse", "--git-path", "packed-refs"]) {
            watch(&packed, false);
        }
    }
    git(&["rev-parse", "--short", "HEAD"])
}

/// Reruns this script when `path` changes. Cargo reruns every time for a
/// missing path, so one is skipped, or (`or_folder`) watched through its
/// folder to notice it appear.
fn watch(path: &str, or_folder: bool) {
    let Some(dir) = manifest_dir() else { return };
    let path = dir.join(path);
    let watched = if path.exists() {
        Some(path.as_path())
    } else if or_folder {
        path.parent().filter(|p| p.exists())
    } else {
        None
    };
    if let Some(p) = watched.and_then(Path::to_str) {
        println!("cargo:rerun-if-changed={p}");
    }
}
