//! `group_vars/` and `host_vars/` beside an inventory file or inside an
//! inventory directory (Ansible's `host_group_vars` plugin): for a name,
//! the first of `NAME`, `NAME.yml`, `NAME.yaml`, `NAME.json` that exists;
//! a directory of that name is read whole, file by file in sorted order.

use std::path::{Path, PathBuf};

use super::ParseError;
use super::data::{Var, VarMap};
use super::yaml::{self, Data as Y};
use crate::provenance::{Kind, Origin};

const EXTENSIONS: [&str; 3] = [".yml", ".yaml", ".json"];

/// The variables `group_vars/NAME` (or `host_vars/NAME`) in `dir` give.
pub fn load(dir: &Path, sub: &str, name: &str, label: &Path) -> Result<VarMap, ParseError> {
    let mut vars = VarMap::default();
    // Names like /path/to/chroot are skipped, as Ansible does.
    if name.starts_with(std::path::MAIN_SEPARATOR) || name.is_empty() {
        return Ok(vars);
    }
    let base = dir.join(sub);
    if !base.is_dir() {
        return Ok(vars);
    }
    let kind = if sub == "group_vars" {
        Kind::GroupVars
    } else {
        Kind::HostVars
    };
    for file in find(&base, name) {
        let shown = label
            .join(sub)
            .join(file.strip_prefix(&base).unwrap_or(&file));
        let shown = shown.display().to_string();
        let bytes = std::fs::read(&file)
            .map_err(|e| ParseError::whole(&shown, format!("cannot read: {e}")))?;
        if bytes.starts_with(b"$ANSIBLE_VAULT") {
            return Err(ParseError::whole(
                &shown,
                "the file is encrypted with ansible-vault: only Ansible can read it (install \
                 ansible-core, or keep connection settings outside vaulted files)",
            ));
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| ParseError::whole(&shown, "the file is not valid UTF-8"))?;
        let root = yaml::load(&text).map_err(|e| ParseError {
            file: shown.clone(),
            line: e.line,
            message: format!("YAML parsing failed: {}", e.message),
        })?;
        // Empty files are ignored; anything else must be a mapping.
        if !root.is_truthy() {
            continue;
        }
        let Y::Map(pairs) = &root.data else {
            return Err(ParseError::at(
                &shown,
                root.line,
                format!(
                    "Could not process '{shown}': failed to combine variables, expected dicts but got a 'dict' and a '{}'.",
                    root.type_name()
                ),
            ));
        };
        for (k, v) in pairs {
            let key = yaml::key_text(k);
            let origin = Origin::at(kind, shown.clone(), Some(k.line)).named(key.clone());
            vars.set(
                &key,
                Var {
                    value: v.to_value(),
                    origin,
                },
            );
        }
    }
    Ok(vars)
}

/// `DataLoader.find_vars_files`.
fn find(base: &Path, name: &str) -> Vec<PathBuf> {
    for ext in std::iter::once("").chain(EXTENSIONS) {
        let path = base.join(format!("{name}{ext}"));
        if path.is_dir() {
            return dir_files(&path);
        }
        if path.exists() {
            return vec![path];
        }
    }
    Vec::new()
}

fn dir_files(dir: &Path) -> Vec<PathBuf> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut found = Vec::new();
    for name in names {
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        let path = dir.join(&name);
        let ext = Path::new(&name)
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default();
        if path.is_dir() && ext.is_empty() {
            found.extend(dir_files(&path));
        } else if path.is_file() && (ext.is_empty() || EXTENSIONS.contains(&ext.as_str())) {
            found.push(path);
        }
    }
    found
}
