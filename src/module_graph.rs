//! The modules' import graph, read from the sources, and its cycles: the
//! check behind "no import cycles" in ARCHITECTURE.md.
//!
//! A module is a file (`node/ssh/write.rs` is `node::ssh::write`, a
//! `mod.rs` is its folder). Module A depends on B when A's code (not its
//! tests, not its comments) names a path into B through `crate::` or
//! `super::`, `use` trees included. A module and its own descendants may
//! name each other freely: that is what a folder is for.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every module of the crate under `src` and the modules it depends on.
pub fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = BTreeMap::new();
    collect(src, src, &mut files);
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    let reexports = files
        .get("")
        .map(|text| root_reexports(text))
        .unwrap_or_default();
    let mut graph = BTreeMap::new();
    for (module, text) in &files {
        if module.is_empty() || is_test_module(module) {
            continue;
        }
        let mut deps = BTreeSet::new();
        for path in paths_named(&code_of(text)) {
            let Some(full) = absolute(module, &path) else {
                continue;
            };
            let target = owning_module(&full, &modules, &reexports);
            let related = target.is_empty()
                || &target == module
                || module.starts_with(&format!("{target}::"))
                || target.starts_with(&format!("{module}::"));
            if !related {
                deps.insert(target);
            }
        }
        graph.insert(module.clone(), deps);
    }
    graph
}

/// The groups of modules that depend on one another in a circle, each
/// sorted, largest first (Tarjan's strongly connected components).
pub fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a str) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph[v].iter().filter(|w| self.graph.contains_key(*w)) {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut group = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    group.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if group.len() > 1 {
                    group.sort();
                    self.found.push(group);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found
        .sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    walk.found
}

fn collect(src: &Path, dir: &Path, files: &mut BTreeMap<String, String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("the source folder")
        .map(|e| e.expect("a folder entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(src, &path, files);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path.strip_prefix(src).expect("under src");
        let mut parts: Vec<String> = relative
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
            parts.pop();
        }
        if parts == ["main"] {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a source file");
        files.insert(parts.join("::"), text);
    }
}

fn is_test_module(module: &str) -> bool {
    let last = module.rsplit("::").next().unwrap_or(module);
    last == "tests" || last.ends_with("_tests")
}

/// The text without comments and without its `#[cfg(test)]` items.
fn code_of(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed == "#[cfg(test)]" {
            // The test module or item that follows, to its closing brace at
            // the same indentation (or its `;`).
            let indent = line.len() - trimmed.len();
            for inner in lines.by_ref() {
                let t = inner.trim_start();
                let at = inner.len() - t.len();
                if at == indent && (t.starts_with('}') || t.ends_with(';')) {
                    break;
                }
            }
            continue;
        }
        let without_comment = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        code.push_str(without_comment);
        code.push('\n');
    }
    code
}

/// Every path after `crate::` or `super::`, with `use` trees expanded:
/// `crate::node::{self, backup::Listed}` gives `crate::node` and
/// `crate::node::backup::Listed`.
fn paths_named(code: &str) -> Vec<Vec<String>> {
    let bytes = code.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !code.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let rest = &code[i..];
        let starts = ["crate::", "super::"]
            .iter()
            .find(|p| rest.starts_with(**p))
            .filter(|_| i == 0 || !is_ident(bytes[i - 1]));
        if let Some(prefix) = starts {
            let head = prefix.trim_end_matches(':').to_string();
            let end = tree(code, i + prefix.len(), vec![head], &mut found);
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    found
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Reads a path (or a `{...}` group of them) at `at`, after `prefix`;
/// returns where it ended.
fn tree(code: &str, mut at: usize, mut prefix: Vec<String>, found: &mut Vec<Vec<String>>) -> usize {
    let bytes = code.as_bytes();
    loop {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if at < bytes.len() && bytes[at] == b'{' {
            at += 1;
            loop {
                at = tree(code, at, prefix.clone(), found);
                while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                match bytes.get(at) {
                    Some(b',') => at += 1,
                    Some(b'}') => return at + 1,
                    _ => return at,
                }
                while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                if bytes.get(at) == Some(&b'}') {
                    return at + 1;
                }
            }
        }
        let start = at;
        while at < bytes.len() && is_ident(bytes[at]) {
            at += 1;
        }
        if start == at {
            found.push(prefix);
            return at;
        }
        let segment = &code[start..at];
        if segment != "self" {
            prefix.push(segment.to_string());
        }
        if code[at..].starts_with("::") {
            at += 2;
        } else {
            found.push(prefix);
            return at;
        }
    }
}

/// `path` (starting `crate` or `super`) as a path from the crate's root.
fn absolute(module: &str, path: &[String]) -> Option<Vec<String>> {
    let mut base: Vec<String> = if path.first()? == "crate" {
        Vec::new()
    } else {
        module.split("::").map(str::to_string).collect()
    };
    let mut rest = &path[1..];
    if path[0] == "super" {
        base.pop()?;
        while rest.first().is_some_and(|s| s == "super") {
            base.pop()?;
            rest = &rest[1..];
        }
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The deepest module that `path` is in; a name the crate's root re-exports
/// (`crate::Error`) is in the module it comes from.
fn owning_module(
    path: &[String],
    modules: &BTreeSet<String>,
    reexports: &BTreeMap<String, String>,
) -> String {
    if let Some(from) = path.first().and_then(|name| reexports.get(name)) {
        return from.clone();
    }
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|candidate| modules.contains(candidate))
        .unwrap_or_default()
}

/// `pub use error::{Error, Result};` in the root: each name's module.
fn root_reexports(text: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        let rest = rest.trim_end_matches(';');
        let Some((module, items)) = rest.split_once("::") else {
            continue;
        };
        for item in items.trim_matches(|c| c == '{' || c == '}').split(',') {
            let name = item.trim();
            if !name.is_empty() {
                names.insert(name.to_string(), module.to_string());
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_trees_and_super_paths_are_read() {
        let code = "use crate::node::{self, backup::{Listed, KEEP}};\nuse super::super::x::Y;\nlet a = crate::Error::Failed;";
        let paths = paths_named(code);
        let shown: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
        assert_eq!(
            shown,
            [
                "crate::node",
                "crate::node::backup::Listed",
                "crate::node::backup::KEEP",
                "super::super::x::Y",
                "crate::Error::Failed"
            ]
        );
        assert_eq!(
            absolute("a::b::c", &paths[3]).unwrap().join("::"),
            "a::x::Y"
        );
    }

    #[test]
    fn tests_and_comments_are_not_dependencies() {
        let code = code_of(
            "use a::b; // see crate::x\n/// [`crate::y`]\n#[cfg(test)]\nmod tests {\n    use crate::z;\n}\nfn f() {}\n",
        );
        assert!(!code.contains("crate::"), "{code}");
        assert!(code.contains("fn f()"), "{code}");
    }

    /// The crate's own graph has no cycle: a module that needs one above
    /// it fails here, naming the circle.
    #[test]
    fn the_crate_has_no_import_cycles() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let graph = graph(&src);
        assert!(
            graph["tui::ui"].contains("tui::state") && graph["ops"].contains("node"),
            "the graph was read: {graph:?}"
        );
        let found = cycles(&graph);
        let describe = |group: &Vec<String>| {
            group
                .iter()
                .map(|m| {
                    let inside: Vec<_> = graph[m].iter().filter(|d| group.contains(d)).collect();
                    format!("{m} -> {inside:?}")
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let shown: Vec<String> = found.iter().map(describe).collect();
        assert!(found.is_empty(), "the cycles:\n{}", shown.join("\n--\n"));
    }

    #[test]
    fn a_cycle_is_found_and_a_chain_is_not() {
        let graph: BTreeMap<String, BTreeSet<String>> = [
            ("a", vec!["b"]),
            ("b", vec!["c"]),
            ("c", vec!["a"]),
            ("d", vec!["a"]),
        ]
        .into_iter()
        .map(|(m, deps)| (m.to_string(), deps.into_iter().map(String::from).collect()))
        .collect();
        assert_eq!(cycles(&graph), [vec!["a", "b", "c"]]);
    }
}
