//! Everything the command line prints goes through here: per-node prefixes,
//! `warning: ` lines, the JSON document, and the exit code (SPEC §2). All
//! of it is escaped on the way out (see [`super::term`]).

use serde_json::{Map, Value, json};

use super::term::{Out, errln};

use crate::cluster::NodeResult;
use crate::error_class::ErrorClass;

/// Exit code when some nodes failed and others succeeded.
pub const EXIT_PARTIAL: u8 = 4;

/// What one command produced on one node.
#[derive(Debug, Default)]
pub struct Report {
    /// Human lines for stdout.
    pub lines: Vec<String>,
    /// Warnings, without the `warning: ` prefix.
    pub warnings: Vec<String>,
    /// This node's fields in the JSON document.
    pub json: Map<String, Value>,
    /// The lines are a value a script reads (`presence get`): exact when
    /// stdout is not a terminal.
    pub exact: bool,
}

impl Report {
    pub fn line(&mut self, text: impl Into<String>) -> &mut Self {
        self.lines.push(text.into());
        self
    }

    pub fn field(&mut self, key: &str, value: impl Into<Value>) -> &mut Self {
        self.json.insert(key.to_string(), value.into());
        self
    }
}

/// The exit code for a set of per-node outcomes.
pub fn exit_code(classes: &[Option<ErrorClass>]) -> u8 {
    let failed: Vec<ErrorClass> = classes.iter().flatten().copied().collect();
    match failed.first() {
        None => 0,
        Some(_) if failed.len() < classes.len() => EXIT_PARTIAL,
        Some(first) if failed.iter().all(|c| c == first) => first.exit_code(),
        Some(_) => ErrorClass::Failed.exit_code(),
    }
}

/// Prints every node's outcome in order and returns the exit code.
pub fn finish(results: Vec<NodeResult<Report>>, json: bool) -> u8 {
    let multi = results.len() > 1;
    let prefix = |node: &str| {
        if multi {
            format!("{}: ", crate::text::escape_untrusted(node))
        } else {
            String::new()
        }
    };
    let mut out = Out::new();
    let mut docs = Vec::new();
    let mut classes = Vec::new();
    for r in results {
        let p = prefix(&r.node);
        match r.result {
            Ok(report) => {
                classes.push(None);
                for w in &report.warnings {
                    errln!("warning: {p}{w}");
                }
                if json {
                    let mut doc = Map::new();
                    doc.insert("node".into(), json!(r.node));
                    doc.insert("ok".into(), json!(true));
                    doc.extend(report.json);
                    if !report.warnings.is_empty() {
                        doc.insert("warnings".into(), json!(report.warnings));
                    }
                    docs.push(Value::Object(doc));
                } else {
                    for line in &report.lines {
                        if report.exact {
                            out.data(&p, line);
                        } else {
                            out.line(&format!("{p}{line}"));
                        }
                    }
                }
            }
            Err(e) => {
                tracing::warn!(node = %r.node, "failed: {e}");
                classes.push(Some(e.class()));
                errln!("error: {p}{e}");
                if json {
                    docs.push(json!({
                        "node": r.node,
                        "ok": false,
                        "error": e.to_string(),
                        "exit_code": e.class().exit_code(),
                    }));
                }
            }
        }
    }
    let code = exit_code(&classes);
    if json {
        let doc = json!({ "nodes": docs, "exit_code": code });
        out.json(&doc);
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_spec() {
        use ErrorClass::*;
        assert_eq!(exit_code(&[None, None]), 0);
        assert_eq!(exit_code(&[Some(Conflict)]), 3);
        assert_eq!(exit_code(&[Some(Invalid), Some(Invalid)]), 2);
        assert_eq!(exit_code(&[Some(Invalid), Some(Failed)]), 1);
        assert_eq!(exit_code(&[None, Some(Failed)]), EXIT_PARTIAL);
    }
}
