//! `nodes`: each node's transport, root, whether it can be reached, the
//! round-trip time of one request and, over SSH, the time to connect.

use std::time::Duration;

use super::args::Cli;
use super::on_each;
use super::output::Report;
use crate::Result;
use crate::node::Transport;
use crate::ops::Target;

pub async fn run(cli: &Cli, targets: &[Target]) -> u8 {
    // With several nodes each line is already prefixed with the node's name.
    let named = targets.len() == 1;
    on_each(cli, targets, |t| async move { probe(&t, named).await }).await
}

async fn probe(target: &Target, named: bool) -> Result<Report> {
    let node = &target.node;
    // The first request connects (over SSH) if needed; the quicker of two is the round trip.
    let first = node.round_trip().await?;
    let rtt = first.min(node.round_trip().await?);
    let transport = node.transport();
    // As the node measured it when it connected (possibly before this command asked).
    let connect = node
        .connect_time()
        .filter(|_| transport != Transport::Local);
    let timing = match connect {
        Some(c) => format!("round trip {}, connected in {}", ms(rtt), ms(c)),
        None => format!("round trip {}", ms(rtt)),
    };
    let mut report = Report::default();
    report
        .line(format!(
            "{}{transport}\t{}\treachable ({timing})",
            if named {
                format!("{}\t", node.name())
            } else {
                String::new()
            },
            node.root(),
        ))
        .field("transport", transport.to_string())
        .field("root", node.root())
        .field("reachable", true)
        .field("rtt_ms", millis(rtt))
        .field("connect_ms", serde_json::json!(connect.map(millis)));
    Ok(report)
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn ms(d: Duration) -> String {
    let m = millis(d);
    if m < 10.0 {
        format!("{m:.1} ms")
    } else {
        format!("{m:.0} ms")
    }
}
