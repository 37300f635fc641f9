//! `presence show|get|set|unset`.

use serde_json::json;

use super::args::{Cli, PresenceCommand};
use super::output::Report;
use super::{on_each, saved_report};
use crate::ops::{self, Change, Target};
use crate::settings::presence::{self, SectionProblem};
use crate::{Error, Result};

pub async fn run(cli: &Cli, command: &PresenceCommand, targets: &[Target]) -> Result<u8> {
    Ok(match command {
        PresenceCommand::Show => on_each(cli, targets, |t| async move { show(&t).await }).await,
        PresenceCommand::Get { key, section } => {
            on_each(cli, targets, |t| {
                let (key, section) = (key.clone(), section.clone());
                async move { get(&t, section.as_deref(), &key).await }
            })
            .await
        }
        PresenceCommand::Set {
            key,
            value,
            section,
        } => {
            // Node-independent checks first: a bad value is one error, not one per node.
            presence::validate(key, value).map_err(|e| Error::invalid(format!("{key}: {e}")))?;
            let change = Change::PresenceSet {
                section: section.clone(),
                key: key.clone(),
                value: value.clone(),
            };
            apply(cli, targets, change).await
        }
        PresenceCommand::Unset { key, section } => {
            let change = Change::PresenceUnset {
                section: section.clone(),
                key: key.clone(),
            };
            apply(cli, targets, change).await
        }
    })
}

async fn apply(cli: &Cli, targets: &[Target], change: Change) -> u8 {
    on_each(cli, targets, |t| {
        let change = change.clone();
        async move {
            let applied = ops::apply(&t, &change).await?;
            Ok(saved_report(&t.paths.presence, &applied, super::SAVED))
        }
    })
    .await
}

async fn load_existing(target: &Target) -> Result<ops::LoadedIni> {
    let loaded = ops::load_ini(target, &target.paths.presence).await?;
    if loaded.snapshot.is_none() {
        return Err(Error::Failed(format!(
            "{} not found under {}",
            target.paths.presence,
            target.node.root()
        )));
    }
    Ok(loaded)
}

async fn show(target: &Target) -> Result<Report> {
    let loaded = load_existing(target).await?;
    let mut report = Report::default();
    let mut current: Option<Option<String>> = None;
    let mut entries = Vec::new();
    for e in loaded.doc.entries() {
        if current.as_ref() != Some(&e.section) {
            if let Some(name) = &e.section {
                report.line(format!("[{name}]"));
            }
            current = Some(e.section.clone());
        }
        report.line(format!("{}={}", e.key, e.value));
        entries.push(json!({ "section": e.section, "key": e.key, "value": e.value }));
    }
    report.field("entries", entries);
    Ok(report)
}

async fn get(target: &Target, section: Option<&str>, key: &str) -> Result<Report> {
    let loaded = load_existing(target).await?;
    let section = ops::resolve_presence_section(&loaded.doc, section, key, false)?;
    let value = loaded
        .doc
        .get(section.as_deref(), key)
        .ok_or_else(|| match &section {
            Some(s) => Error::Failed(format!("{key} is not set in section [{s}] of Presence.ini")),
            None => Error::Failed(format!("{key} is not set in Presence.ini")),
        })?
        .to_string();
    let mut report = Report {
        exact: true,
        ..Report::default()
    };
    report
        .line(value.clone())
        .field("section", json!(section))
        .field("key", key)
        .field("value", value);
    Ok(report)
}

/// A section problem, with the flag that settles it.
pub(crate) fn section_hint(problem: &SectionProblem) -> String {
    match problem {
        SectionProblem::NotItsOwn { own, .. } => {
            format!("{problem}: give --section {own}, or leave --section out")
        }
        SectionProblem::UnknownNewKey { key } => {
            format!("{key} is not in Presence.ini and is not a known key: give --section to add it")
        }
        SectionProblem::Several { .. } => format!("{problem}: choose one with --section"),
        SectionProblem::NoFile { .. } => format!("{problem}: give --section to create it"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ini::Document;

    #[test]
    fn the_core_says_what_is_wrong_and_the_command_line_adds_its_flag() {
        let doc = Document::parse(b"[A]\r\nK=1\r\n[B]\r\nK=2\r\n").unwrap();
        let cases = [
            (
                ops::resolve_presence_section(&doc, None, "K", false),
                "K is in several sections ([A], [B])",
                ": choose one with --section",
            ),
            (
                ops::resolve_presence_section(&doc, None, "New", true),
                "New is not in Presence.ini and is not a known key: its section is needed",
                "",
            ),
            (
                ops::resolve_presence_section(&doc, Some("A"), "WebexPresence.Enable", true),
                "WebexPresence.Enable belongs in section [Webex], not [A]",
                ": give --section Webex, or leave --section out",
            ),
        ];
        for (result, core, flag) in cases {
            let e = result.unwrap_err();
            assert_eq!(e.to_string(), core, "no flag in the core's words");
            assert_eq!(e.class(), crate::ErrorClass::Invalid);
            let Error::Section(problem) = &e else {
                panic!("{e:?}")
            };
            let cli = section_hint(problem);
            assert!(cli.contains("--section"), "{cli}");
            if !flag.is_empty() {
                assert_eq!(cli, format!("{core}{flag}"));
            }
        }
    }
}
