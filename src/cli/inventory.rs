//! `inventory`: every selected node as ucsconf will reach it, resolved
//! without connecting (the inventory, then `~/.ssh/config`, then the
//! defaults), with where each value came from: like `ssh -G` and
//! `ansible-inventory --host`, for when a node goes to the wrong place.

use serde_json::{Value as Json, json};

use super::args::Cli;
use super::output::{self, Report};
use crate::cluster::NodeResult;
use crate::inventory::{self, NodeSpec};
use crate::node::ssh::Endpoint;
use crate::provenance::Origin;
use crate::{Error, Result};

pub fn run(cli: &Cli) -> Result<u8> {
    let (specs, path, reader) = match (&cli.root, inventory::locate(cli.config.as_deref())) {
        (None, Some(source)) => {
            let inv = super::load(cli, source.path())?;
            let specs = inv.select_with_groups(&cli.nodes, &cli.groups)?;
            (specs, Some(inv.path.display().to_string()), inv.reader)
        }
        _ => (super::select_specs(cli)?, None, "none".to_string()),
    };
    let options = super::ssh::options(cli);
    let results = specs
        .iter()
        .map(|spec| NodeResult {
            node: spec.name.clone(),
            result: describe(spec, &options, path.as_deref(), &reader),
        })
        .collect();
    Ok(output::finish(results, cli.json))
}

fn origin_json(origin: Option<&Origin>) -> Json {
    origin.map_or(Json::Null, Origin::to_json)
}

fn describe(
    spec: &NodeSpec,
    options: &crate::node::ssh::SshOptions,
    path: Option<&str>,
    reader: &str,
) -> Result<Report> {
    let mut report = Report::default();
    let mut from = serde_json::Map::new();
    let line = |report: &mut Report, field: &str, value: String, origin: Option<&Origin>| {
        let origin_text = origin.map(|o| format!("\t({o})")).unwrap_or_default();
        report.line(format!("{field:<14}{value}{origin_text}"));
    };
    report
        .field("inventory", json!(path))
        .field("reader", reader)
        .field("root", spec.root.as_str())
        .field("groups", json!(spec.groups));
    if spec.host.is_none() {
        let transport_origin = spec.origins.get("transport");
        line(&mut report, "transport", "local".into(), transport_origin);
        line(
            &mut report,
            "root",
            spec.root.clone(),
            spec.origins.get("root"),
        );
        line(&mut report, "groups", spec.groups.join(", "), None);
        from.insert("transport".into(), origin_json(transport_origin));
        from.insert("root".into(), origin_json(spec.origins.get("root")));
        report
            .field("transport", "local")
            .field("host", Json::Null)
            .field("port", Json::Null)
            .field("user", Json::Null)
            .field("identity_file", Json::Null)
            .field("known_hosts", json!([]))
            .field("proxy_jump", Json::Null)
            .field("jump_hosts", json!([]))
            .field("from", Json::Object(from));
        return Ok(report);
    }
    let explained = crate::node::ssh::explain(&spec.into(), options).map_err(Error::from)?;
    let target = &explained.route.target;
    let get = |f: &str| explained.from.get(f);
    let identity: Vec<String> = target
        .identity_files
        .iter()
        .filter(|(_, asked)| *asked)
        .map(|(p, _)| p.display().to_string())
        .collect();
    let identity_file = identity.first().cloned();
    let known_hosts: Vec<String> = target
        .known_hosts
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let jumps: Vec<Json> = explained.route.jumps.iter().map(jump_json).collect();
    let jump_text: Vec<String> = explained
        .route
        .jumps
        .iter()
        .map(|j| format!("{}@{}:{}", j.user, j.host, j.port))
        .collect();
    line(
        &mut report,
        "transport",
        "ssh".into(),
        spec.origins.get("transport"),
    );
    line(&mut report, "host", target.host.clone(), get("host"));
    line(&mut report, "port", target.port.to_string(), get("port"));
    line(&mut report, "user", target.user.clone(), get("user"));
    let identity_shown = identity_file
        .clone()
        .unwrap_or_else(|| "(agent, then the default keys)".into());
    line(
        &mut report,
        "identity_file",
        identity_shown,
        get("identity_file"),
    );
    line(
        &mut report,
        "known_hosts",
        known_hosts.join(" "),
        get("known_hosts"),
    );
    let jumps_shown = if jump_text.is_empty() {
        "(none)".to_string()
    } else {
        jump_text.join(", ")
    };
    line(&mut report, "jump_hosts", jumps_shown, get("proxy_jump"));
    line(
        &mut report,
        "root",
        spec.root.clone(),
        spec.origins.get("root"),
    );
    line(&mut report, "groups", spec.groups.join(", "), None);
    for f in [
        "host",
        "port",
        "user",
        "identity_file",
        "known_hosts",
        "proxy_jump",
    ] {
        from.insert(f.into(), origin_json(get(f)));
    }
    from.insert(
        "transport".into(),
        origin_json(spec.origins.get("transport")),
    );
    from.insert("root".into(), origin_json(spec.origins.get("root")));
    let proxy_jump = spec.proxy_jump.clone();
    report
        .field("transport", "ssh")
        .field("alias", target.alias.as_str())
        .field("host", target.host.as_str())
        .field("port", target.port)
        .field("user", target.user.as_str())
        .field("identity_file", json!(identity_file))
        .field("known_hosts", json!(known_hosts))
        .field("proxy_jump", json!(proxy_jump))
        .field("jump_hosts", Json::Array(jumps))
        .field("from", Json::Object(from));
    Ok(report)
}

fn jump_json(j: &Endpoint) -> Json {
    json!({ "alias": j.alias, "host": j.host, "port": j.port, "user": j.user })
}
