//! `calendar show|set`.

use serde_json::{Map, Value};

use super::args::{CalendarCommand, CalendarSetArgs, Cli};
use super::output::Report;
use super::{on_each, saved_report, secret};
use crate::ops::{self, Change, FieldValue, Target};
use crate::settings::FormId;
use crate::settings::calendar::{CalendarSettings, Field};
use crate::{Error, Result};

pub async fn run(cli: &Cli, command: &CalendarCommand, targets: &[Target]) -> Result<u8> {
    Ok(match command {
        CalendarCommand::Show => on_each(cli, targets, |t| async move { show(&t).await }).await,
        CalendarCommand::Set(args) => {
            let fields = fields(args)?.into_iter().map(|(f, v)| (f as usize, v));
            let change = Change::Form {
                file: FormId::Calendar,
                fields: fields.collect(),
            };
            let rule = super::key_rule(args.0.new_key);
            on_each(cli, targets, |t| {
                let change = change.clone();
                async move {
                    let applied = ops::apply_with(&t, &change, rule)
                        .await
                        .map_err(super::new_key_hint)?;
                    Ok(saved_report(&t.paths.calendar, &applied, super::SAVED))
                }
            })
            .await
        }
    })
}

/// The fields a `calendar set` changes; the password only from stdin.
fn fields(args: &CalendarSetArgs) -> Result<Vec<(Field, FieldValue)>> {
    let flags = &args.0;
    if let Some(flag) = flags.secret_in_argv {
        return Err(secret::refuse_argument(
            &format!("--{flag}"),
            &format!("--{flag}-stdin"),
        ));
    }
    let mut fields: Vec<(Field, FieldValue)> = flags
        .values
        .iter()
        .map(|(i, value)| (Field::ALL[*i], value.clone()))
        .collect();
    if flags.secret_stdin {
        let password = secret::read(true, "Calendar password: ", "--password-stdin")?;
        fields.push((Field::Password, FieldValue::Password(password)));
    }
    if fields.is_empty() {
        return Err(Error::invalid(
            "nothing to set: give at least one option (see `ucsconf calendar set --help`)",
        ));
    }
    Ok(fields)
}

async fn show(target: &Target) -> Result<Report> {
    let loaded = ops::load_ini(target, &target.paths.calendar).await?;
    let settings = CalendarSettings::from_document(&loaded.doc);
    let mut report = Report::default();
    let mut fields = Map::new();
    for field in Field::ALL {
        let shown = settings.display(field);
        report.line(format!("{:<24} {shown}", field.key()));
        fields.insert(field.key().to_string(), Value::String(shown));
    }
    let findings = settings.validate();
    for e in &findings.errors {
        report.warnings.push(format!("invalid: {}", e.message));
    }
    report
        .warnings
        .extend(findings.warnings.iter().map(|w| w.message.clone()));
    report.field("settings", fields);
    report.field(
        "errors",
        findings
            .errors
            .iter()
            .map(|e| e.message.clone())
            .collect::<Vec<_>>(),
    );
    Ok(report)
}
