//! `doctor [--online]`: what is wrong with each node, and how to fix it.

use std::collections::HashMap;

use serde_json::json;

use super::args::{Cli, Command, DoctorArgs};
use super::output::{self, Report};
use super::select_specs;
use crate::cluster;
use crate::doctor::{self, Endpoint, Finding, OnlineOptions, OnlineReport, Severity};
use crate::ops::Target;

pub async fn run(cli: &Cli, targets: &[Target]) -> u8 {
    let online = match online_options(cli) {
        Ok(o) => o,
        Err(e) => {
            super::term::errln!("error: {e}");
            return e.class().exit_code();
        }
    };
    let results = cluster::for_each(targets, cli.parallel, |t| {
        let online = online
            .as_ref()
            .map(|per_node| per_node.get(t.name()).cloned().unwrap_or_default());
        async move {
            let mut findings = doctor::check(&t).await;
            let checked = match &online {
                Some(options) => Some(doctor::check_online(&t, options).await),
                None => None,
            };
            if let Some(checked) = &checked {
                findings.extend(checked.findings.iter().cloned());
                findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
            }
            Ok((
                doctor::healthy(&findings),
                report(&findings, checked.as_ref()),
            ))
        }
    })
    .await;
    let mut healthy = true;
    let reports = results
        .into_iter()
        .map(|r| cluster::NodeResult {
            node: r.node,
            result: r.result.map(|(ok, report)| {
                healthy &= ok;
                report
            }),
        })
        .collect();
    let code = output::finish(reports, cli.json);
    if code == 0 && !healthy { 1 } else { code }
}

/// With `--online`: each node's options (its own token URL from the
/// inventory; `--endpoint` in place of the standard endpoints).
fn online_options(cli: &Cli) -> crate::Result<Option<HashMap<String, OnlineOptions>>> {
    let Some(Command::Doctor(DoctorArgs {
        online: true,
        endpoints,
    })) = &cli.command
    else {
        return Ok(None);
    };
    let mut base = OnlineOptions::default();
    if !endpoints.is_empty() {
        base.fixed = endpoints
            .iter()
            .map(|url| Endpoint::new("given with --endpoint", url.trim()))
            .collect();
    }
    let per_node = select_specs(cli)?
        .into_iter()
        .map(|spec| {
            let mut options = base.clone();
            options.token_url = spec.cloud_token_url.filter(|u| !u.trim().is_empty());
            (spec.name, options)
        })
        .collect();
    Ok(Some(per_node))
}

fn report(findings: &[Finding], online: Option<&OnlineReport>) -> Report {
    let mut report = Report::default();
    if let Some(online) = online {
        for probe in &online.probes {
            if let Ok(reached) = &probe.result {
                let via = reached
                    .via
                    .as_deref()
                    .map_or_else(|| "direct".to_owned(), |p| format!("via proxy {p}"));
                report.line(format!(
                    "✓ {} answers (HTTP {}, {via}, from this machine)",
                    probe.endpoint.url, reached.status
                ));
            }
        }
    }
    for f in findings {
        match f.severity {
            Severity::Problem => {
                report.line(format!("✗ {}", f.what));
                report.line(format!("    fix: {}", f.fix));
            }
            Severity::Warning => report.warnings.push(format!("{} (fix: {})", f.what, f.fix)),
        }
    }
    if doctor::healthy(findings) {
        let note = if findings.is_empty() {
            ""
        } else {
            " (see the warnings)"
        };
        report.line(format!("✓ nothing wrong{note}"));
    }
    let json: Vec<_> = findings
        .iter()
        .map(|f| {
            let severity = match f.severity {
                Severity::Problem => "problem",
                Severity::Warning => "warning",
            };
            json!({ "severity": severity, "what": f.what, "fix": f.fix.to_string() })
        })
        .collect();
    report
        .field("healthy", doctor::healthy(findings))
        .field("findings", json);
    if let Some(online) = online {
        report.field("online", online_json(online));
    }
    report
}

fn online_json(online: &OnlineReport) -> serde_json::Value {
    online
        .probes
        .iter()
        .map(|p| match &p.result {
            Ok(r) => json!({
                "url": p.endpoint.url, "what": p.endpoint.what, "answers": true,
                "status": r.status, "proxy": r.via,
            }),
            Err(e) => json!({
                "url": p.endpoint.url, "what": p.endpoint.what, "answers": false, "error": e,
            }),
        })
        .collect()
}
