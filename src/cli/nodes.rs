//! `nodes`: each node's transport, root and whether it can be reached.

use super::args::Cli;
use super::on_each;
use super::output::Report;
use crate::ops::Target;
use crate::{Error, Result};

pub async fn run(cli: &Cli, targets: &[Target]) -> u8 {
    on_each(cli, targets, |t| async move { probe(&t).await }).await
}

async fn probe(target: &Target) -> Result<Report> {
    let node = &target.node;
    let started = std::time::Instant::now();
    let root = node.stat("").await?;
    let elapsed = started.elapsed();
    if root.is_none() {
        return Err(Error::Failed(format!(
            "{} ({}): the root {} does not exist",
            node.name(),
            node.transport(),
            node.root()
        )));
    }
    let mut report = Report::default();
    report
        .line(format!(
            "{}\t{}\t{}\treachable ({} ms)",
            node.name(),
            node.transport(),
            node.root(),
            elapsed.as_millis()
        ))
        .field("transport", node.transport().to_string())
        .field("root", node.root())
        .field("reachable", true)
        .field("rtt_ms", elapsed.as_secs_f64() * 1000.0);
    Ok(report)
}
