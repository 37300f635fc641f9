//! The support archive (`ucsconf bundle`): per node, the log entries of a
//! window of time across rotated files, the settings files, the
//! credentials store with its secrets sealed away, doctor's findings and
//! ucsconf's journal, with anything that looks like a secret redacted; and
//! a manifest saying what is in it.
//!
//! The log is streamed from the node into the archive, entry by entry:
//! memory stays bounded whatever the window, and only the window is read
//! (found by the time bisection). The archive is written to a temporary
//! file beside the target and renamed over it once complete: a failure
//! leaves no partial archive.

pub mod scrub;

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::doctor::{self, Finding, Severity};
use crate::logs::history::LogHistory;
use crate::logs::redact::redact;
use crate::logs::when::format_ms;
use crate::node::NodeError;
use crate::ops::Target;
use crate::paths::Paths;
use crate::settings::form::FormFile;
use crate::settings::{FormId, FormVisitor};
use crate::{Error, Result};

/// Settings files larger than this are left out (they are not settings).
const MAX_SETTINGS: u64 = 8 * 1024 * 1024;
/// ucsconf's journal of changes is included, when the node has one, up to
/// this size (it is written far smaller).
const MAX_JOURNAL: u64 = 64 * 1024 * 1024;

/// What goes in the archive.
#[derive(Debug, Clone)]
pub struct Request {
    /// Log entries stamped from here (log-scale ms, see [`crate::logs::when`]).
    pub since: i64,
    /// ... to here (`None`: the end of the log).
    pub until: Option<i64>,
    /// Written in the manifest.
    pub version: String,
}

/// How far one node's log has been copied, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The node's index in the targets.
    pub node: usize,
    /// Bytes of the window copied so far, of `total`.
    pub done: u64,
    pub total: u64,
    /// The node is finished (with or without errors).
    pub finished: bool,
}

/// What was collected from one node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeSummary {
    pub name: String,
    /// The folder of the archive that holds its files.
    pub folder: String,
    pub entries: u64,
    /// Bytes read from the node's log files (heads, bisection, window).
    pub log_bytes_read: u64,
    /// Bytes of the log the window spans.
    pub window_bytes: u64,
    pub log_parts: Vec<String>,
    pub redactions_log: u64,
    pub redactions_settings: u64,
    pub redactions_journal: u64,
    /// Files in its folder.
    pub files: Vec<String>,
    /// What could not be collected, in words (the rest still was).
    pub errors: Vec<String>,
}

impl NodeSummary {
    pub fn redactions(&self) -> u64 {
        self.redactions_log + self.redactions_settings + self.redactions_journal
    }
}

/// The archive written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub path: PathBuf,
    pub nodes: Vec<NodeSummary>,
}

/// Writes the archive of `targets` to `out`, atomically; `progress` is
/// called as each node's log is copied. A node that fails is recorded in
/// the manifest and the others are still collected.
pub async fn write(
    targets: &[Target],
    request: &Request,
    out: &Path,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Summary> {
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .ok_or_else(|| Error::invalid(format!("{}: not a file name", out.display())))?
        .to_string_lossy()
        .into_owned();
    let tmp = dir.join(crate::node::backup::temp_name(&name));
    let file = crate::platform::create_new_options()
        .open(&tmp)
        .map_err(|e| Error::Failed(format!("{}: {e}", tmp.display())))?;
    let result = fill(file, targets, request, progress).await;
    let finished = result.and_then(|(file, nodes)| {
        file.sync_all().map_err(|e| failed(&tmp, e))?;
        drop(file);
        fs::rename(&tmp, out).map_err(|e| failed(out, e))?;
        Ok(nodes)
    });
    match finished {
        Ok(nodes) => Ok(Summary {
            path: out.to_path_buf(),
            nodes,
        }),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn failed(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Failed(format!("{}: {e}", path.display()))
}

fn zip_error(e: zip::result::ZipError) -> Error {
    Error::Failed(format!("writing the archive: {e}"))
}

async fn fill(
    file: File,
    targets: &[Target],
    request: &Request,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<(File, Vec<NodeSummary>)> {
    let mut zip = ZipWriter::new(file);
    let findings =
        crate::cluster::for_each(targets, crate::cluster::DEFAULT_PARALLEL, |t| async move {
            Ok(doctor::check(&t).await)
        })
        .await;
    let folders = folder_names(targets);
    let mut nodes = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        let mut summary = NodeSummary {
            name: target.name().to_string(),
            folder: folders[i].clone(),
            ..NodeSummary::default()
        };
        let found = findings[i].result.as_ref().map_or(&[][..], Vec::as_slice);
        collect(&mut zip, target, request, found, &mut summary, i, progress).await?;
        progress(Progress {
            node: i,
            done: summary.window_bytes,
            total: summary.window_bytes,
            finished: true,
        });
        nodes.push(summary);
    }
    let manifest = manifest(request, targets, &nodes);
    zip.start_file("manifest.json", options())
        .map_err(zip_error)?;
    let mut bytes = serde_json::to_vec_pretty(&manifest).expect("a manifest always serializes");
    bytes.push(b'\n');
    zip.write_all(&bytes)
        .map_err(|e| failed(Path::new("manifest.json"), e))?;
    let file = zip.finish().map_err(zip_error)?;
    Ok((file, nodes))
}

/// Deflated, owner-only, stamped with this machine's local time now.
fn options() -> SimpleFileOptions {
    use chrono::{Datelike, Timelike};
    let now = crate::logs::when::now_local();
    let stamp = zip::DateTime::from_date_and_time(
        u16::try_from(now.year()).unwrap_or(1980),
        now.month() as u8,
        now.day() as u8,
        now.hour() as u8,
        now.minute() as u8,
        now.second() as u8,
    )
    .unwrap_or_default();
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .unix_permissions(0o600)
        .last_modified_time(stamp)
}

/// A folder name per node: its name with anything but letters, digits,
/// `.`, `-` and `_` replaced, made unique.
fn folder_names(targets: &[Target]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for t in targets {
        let mut base: String = t
            .name()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if base.trim_matches('.').is_empty() {
            base = "node".into();
        }
        let mut name = base.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        names.push(name);
    }
    names
}

/// One node's files into the archive. Errors of the node go into its
/// summary; only a failure to write the archive stops everything.
async fn collect(
    zip: &mut ZipWriter<File>,
    target: &Target,
    request: &Request,
    findings: &[Finding],
    summary: &mut NodeSummary,
    index: usize,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<()> {
    let folder = summary.folder.clone();
    let add = |zip: &mut ZipWriter<File>, summary: &mut NodeSummary, name: &str, bytes: &[u8]| {
        let path = format!("{folder}/{name}");
        zip.start_file(path.as_str(), options())
            .map_err(zip_error)?;
        zip.write_all(bytes)
            .map_err(|e| failed(Path::new(&path), e))?;
        summary.files.push(name.to_string());
        Ok::<(), Error>(())
    };

    // The settings, secrets sealed.
    let mut files: Vec<(&str, &str, Scrub)> =
        vec![("Presence.ini", &target.paths.presence, scrub::ini)];
    files.extend(FormId::ALL.map(|f| f.visit(FormFileIn(&target.paths))));
    files.push((
        "CloudServices.json",
        &target.paths.credentials,
        scrub::store,
    ));
    for (name, path, scrub) in files {
        match target.node.read(path, MAX_SETTINGS).await {
            Ok(Some(snapshot)) => match scrub(&snapshot.bytes) {
                Some((bytes, count)) => {
                    summary.redactions_settings += count as u64;
                    add(zip, summary, name, &bytes)?;
                }
                None => summary
                    .errors
                    .push(format!("{path}: not readable as {name}; left out")),
            },
            Ok(None) => {}
            Err(e) => summary.errors.push(e.to_string()),
        }
    }

    // The journal, line by line through the redaction.
    match target.node.read(&target.paths.journal, MAX_JOURNAL).await {
        Ok(Some(snapshot)) => {
            let text = String::from_utf8_lossy(&snapshot.bytes);
            let mut out = String::with_capacity(text.len());
            for line in text.split_inclusive('\n') {
                let (redacted, n) = redact(line);
                summary.redactions_journal += n as u64;
                out.push_str(&redacted);
            }
            add(zip, summary, "ucsconf-journal.jsonl", out.as_bytes())?;
        }
        Ok(None) => {}
        Err(e) => summary.errors.push(e.to_string()),
    }

    // Doctor's findings.
    let mut text = String::new();
    for f in findings {
        let severity = match f.severity {
            Severity::Problem => "problem",
            Severity::Warning => "warning",
        };
        text.push_str(&format!("{severity}: {}\n", f.what));
        let fix = f.fix.to_string();
        if !fix.is_empty() {
            text.push_str(&format!("  fix: {fix}\n"));
        }
    }
    if findings.is_empty() {
        text.push_str("nothing wrong\n");
    }
    let (text, n) = redact(&text);
    summary.redactions_settings += n as u64;
    add(zip, summary, "doctor.txt", text.as_bytes())?;

    // The log window.
    if let Err(e) = copy_log(zip, target, request, summary, index, progress).await {
        match e {
            Copy::Archive(e) => return Err(e),
            Copy::Node(e) => summary.errors.push(e),
        }
    }
    Ok(())
}

/// Makes a settings file fit for the archive (see [`scrub`]).
type Scrub = fn(&[u8]) -> Option<(Vec<u8>, usize)>;

/// A form file's name, path and scrubbing for the archive.
struct FormFileIn<'a>(&'a Paths);

impl<'a> FormVisitor for FormFileIn<'a> {
    type Out = (&'static str, &'a str, Scrub);
    fn visit<F: FormFile>(self) -> Self::Out {
        (F::LABEL, F::path(self.0), scrub::ini)
    }
}

enum Copy {
    /// Writing the archive failed: stop.
    Archive(Error),
    /// Reading the node failed: recorded, the rest goes on.
    Node(String),
}

/// The entries of the window, streamed into `<node>/<log name>`.
async fn copy_log(
    zip: &mut ZipWriter<File>,
    target: &Target,
    request: &Request,
    summary: &mut NodeSummary,
    index: usize,
    progress: &(dyn Fn(Progress) + Sync),
) -> std::result::Result<(), Copy> {
    let path = &target.paths.log;
    let node_error = |e: io::Error| {
        let text = match e.get_ref().and_then(|i| i.downcast_ref::<NodeError>()) {
            Some(n) => n.to_string(),
            None => format!("{path}: {e}"),
        };
        Copy::Node(text)
    };
    let history = match LogHistory::open(target.node.clone(), path).await {
        Ok(h) => h,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Copy::Node(format!("{path}: the log file does not exist")));
        }
        Err(e) => return Err(node_error(e)),
    };
    summary.log_parts = history.parts().iter().map(|p| p.name.clone()).collect();
    let from = history.seek(request.since).await.map_err(node_error)?;
    let to = match request.until {
        Some(until) => history
            .seek(until.saturating_add(1))
            .await
            .map_err(node_error)?,
        None => history.end(),
    };
    summary.window_bytes = history.span(from, to);
    let (_, name) = crate::node::split_path(path);
    let entry_path = format!("{}/{name}", summary.folder);
    zip.start_file(entry_path.as_str(), options().large_file(true))
        .map_err(|e| Copy::Archive(zip_error(e)))?;
    summary.files.push(name.to_string());
    let mut entries = history.forward(from);
    let mut last_report = 0;
    let mut buf = String::new();
    loop {
        let placed = entries.next_entry().await;
        let placed = match placed {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) => {
                summary.log_bytes_read = history.bytes_read();
                return Err(node_error(e));
            }
        };
        if let (Some(until), Some(t)) = (request.until, placed.entry.timestamp_ms)
            && t > until
        {
            break;
        }
        summary.entries += 1;
        for line in &placed.entry.lines {
            let (redacted, n) = redact(line);
            summary.redactions_log += n as u64;
            buf.push_str(&redacted);
            buf.push('\n');
        }
        if buf.len() >= 256 * 1024 {
            zip.write_all(buf.as_bytes())
                .map_err(|e| Copy::Archive(failed(Path::new(&entry_path), e)))?;
            buf.clear();
            let done = history.span(from, entries.position());
            if done - last_report >= 1 << 20 {
                last_report = done;
                progress(Progress {
                    node: index,
                    done,
                    total: summary.window_bytes,
                    finished: false,
                });
            }
        }
    }
    zip.write_all(buf.as_bytes())
        .map_err(|e| Copy::Archive(failed(Path::new(&entry_path), e)))?;
    summary.log_bytes_read = history.bytes_read();
    Ok(())
}

fn manifest(request: &Request, targets: &[Target], nodes: &[NodeSummary]) -> Value {
    let nodes_json: Vec<Value> = nodes
        .iter()
        .zip(targets)
        .map(|(n, t)| {
            json!({
                "name": n.name,
                "transport": t.node.transport().to_string(),
                "root": t.node.root(),
                "folder": n.folder,
                "files": n.files,
                "log_parts": n.log_parts,
                "log_entries": n.entries,
                "log_window_bytes": n.window_bytes,
                "log_bytes_read": n.log_bytes_read,
                "redactions": {
                    "log": n.redactions_log,
                    "settings": n.redactions_settings,
                    "journal": n.redactions_journal,
                },
                "errors": n.errors.iter().map(|e| redact(e).0.into_owned()).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "ucsconf_version": request.version,
        "created": crate::logs::when::format_local(std::time::SystemTime::now()),
        "window": {
            "since": format_ms(request.since),
            "until": request.until.map(format_ms),
        },
        "redactions": nodes.iter().map(NodeSummary::redactions).sum::<u64>(),
        "nodes": nodes_json,
    })
}
