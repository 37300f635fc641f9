//! `doctor`: what is wrong with each node, and how to fix it.

use serde_json::json;

use super::args::Cli;
use super::output::{self, Report};
use crate::cluster;
use crate::doctor::{self, Severity};
use crate::ops::Target;

pub async fn run(cli: &Cli, targets: &[Target]) -> u8 {
    let results = cluster::for_each(targets, cli.parallel, |t| async move {
        let findings = doctor::check(&t).await;
        Ok((doctor::healthy(&findings), report(&findings)))
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

fn report(findings: &[doctor::Finding]) -> Report {
    let mut report = Report::default();
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
            json!({ "severity": severity, "what": f.what, "fix": f.fix })
        })
        .collect();
    report
        .field("healthy", doctor::healthy(findings))
        .field("findings", json);
    report
}
