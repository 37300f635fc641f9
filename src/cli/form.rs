//! `<file> show|set` for every form file (`calendar show|set`), from the
//! file's description.

use std::future::Future;
use std::pin::Pin;

use serde_json::{Map, Value};

use super::args::{Cli, FormAction, FormCommand};
use super::fields::FieldFlags;
use super::output::Report;
use super::{on_each, saved_report, secret};
use crate::ops::{self, Change, FieldValue, Target};
use crate::settings::FormVisitor;
use crate::settings::form::{Form, FormFile};
use crate::{Error, Result};

pub async fn run(cli: &Cli, command: &FormCommand, targets: &[Target]) -> Result<u8> {
    let file = command.file;
    Ok(match &command.action {
        FormAction::Show => {
            on_each(cli, targets, |t| async move { file.visit(Show(&t)).await }).await
        }
        FormAction::Set(flags) => {
            let change = Change::Form {
                file,
                fields: file.visit(Fields(flags))?,
            };
            let rule = super::key_rule(flags.new_key);
            on_each(cli, targets, |t| {
                let change = change.clone();
                async move {
                    let applied = ops::apply_with(&t, &change, rule)
                        .await
                        .map_err(super::new_key_hint)?;
                    Ok(saved_report(file.path(&t.paths), &applied, super::SAVED))
                }
            })
            .await
        }
    })
}

/// The fields a `set` changes; a secret only from stdin (or the prompt).
struct Fields<'a>(&'a FieldFlags);

impl FormVisitor for Fields<'_> {
    type Out = Result<Vec<(usize, FieldValue)>>;
    fn visit<F: FormFile>(self) -> Self::Out {
        let flags = self.0;
        if let Some(flag) = flags.secret_in_argv {
            return Err(secret::refuse_argument(
                &format!("--{flag}"),
                &format!("--{flag}-stdin"),
            ));
        }
        let mut fields = flags.values.clone();
        if let Some(i) = flags.secret_stdin {
            let spec = F::ALL[i].spec();
            let prompt = format!("{}: ", capitalized(spec.noun));
            let typed = secret::read(true, &prompt, &format!("--{}-stdin", spec.flag))?;
            fields.push((i, FieldValue::Password(typed)));
        }
        if fields.is_empty() {
            return Err(Error::invalid(format!(
                "nothing to set: give at least one option (see `ucsconf {} set --help`)",
                F::COMMAND
            )));
        }
        Ok(fields)
    }
}

/// `Calendar password` from `calendar password`.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `show` on one node: every field, then the errors and warnings.
struct Show<'a>(&'a Target);

impl<'a> FormVisitor for Show<'a> {
    type Out = Pin<Box<dyn Future<Output = Result<Report>> + Send + 'a>>;
    fn visit<F: FormFile>(self) -> Self::Out {
        Box::pin(async move {
            let target = self.0;
            let loaded = ops::load_ini(target, F::path(&target.paths)).await?;
            let form = Form::<F>::from_document(&loaded.doc);
            let mut report = Report::default();
            let mut fields = Map::new();
            for &field in F::ALL {
                let shown = form.display(field);
                let key = field.spec().key;
                report.line(format!("{key:<24} {shown}"));
                fields.insert(key.to_string(), Value::String(shown));
            }
            let findings = form.validate();
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
        })
    }
}
