//! `credentials show|save|forget|test`.

use std::collections::HashMap;

use super::args::{Cli, CredentialsCommand};
use super::output::Report;
use super::{on_each, saved_report, secret, select_specs};
use crate::cloud::{self, AuthStyle, ProxyChoice, TestOverrides, TokenInfo};
use crate::ops::{self, Applied, Change, Target};
use crate::{Error, Result};

/// `forget` rewrites the store without the credentials (it may keep a proxy).
const FORGOTTEN: super::Done = super::Done {
    written: "credentials removed",
    unchanged: "no credentials to remove",
};

pub async fn run(cli: &Cli, command: &CredentialsCommand, targets: &[Target]) -> Result<u8> {
    let (change, rule, done) = match command {
        CredentialsCommand::Show => {
            return Ok(on_each(cli, targets, |t| async move { show(&t).await }).await);
        }
        CredentialsCommand::Save {
            client_id,
            secret_stdin,
            secret: given,
            new_key,
        } => {
            if given.is_some() {
                return Err(secret::refuse_argument("--secret", "--secret-stdin"));
            }
            if client_id.trim().is_empty() {
                return Err(Error::invalid("the client ID is empty"));
            }
            let secret = secret::read(*secret_stdin, "Client secret: ", "--secret-stdin")?;
            (
                Change::CredentialsSave {
                    client_id: client_id.clone(),
                    secret,
                },
                super::key_rule(*new_key),
                super::SAVED,
            )
        }
        CredentialsCommand::Forget { purge } => {
            return Ok(forget(cli, targets, *purge).await);
        }
        CredentialsCommand::Test {
            token_url,
            scope,
            proxy,
            auth,
        } => {
            let flags = test_flags(token_url, scope, proxy, *auth)?;
            return test(cli, targets, &flags).await;
        }
    };
    Ok(on_each(cli, targets, |t| {
        let change = change.clone();
        async move {
            let applied: Applied = ops::apply_with(&t, &change, rule)
                .await
                .map_err(super::new_key_hint)?;
            Ok(saved_report(&t.paths.credentials, &applied, done))
        }
    })
    .await)
}

/// Removes the credentials; with `purge`, then the store's backups too.
async fn forget(cli: &Cli, targets: &[Target], purge: bool) -> u8 {
    on_each(cli, targets, |t| async move {
        let mut applied = ops::apply(&t, &Change::CredentialsForget).await?;
        if let (true, ops::Saved::Written(w)) = (purge, &mut applied.saved) {
            // Its backup is purged with the others: not named as kept.
            w.backup = None;
        }
        let mut report = saved_report(&t.paths.credentials, &applied, FORGOTTEN);
        if purge {
            let removed = ops::purge_store_backups(&t).await.map_err(|e| {
                Error::Failed(format!(
                    "the credentials were removed, but not all the backups of {}: {e}",
                    t.paths.credentials
                ))
            })?;
            let line = match removed.len() {
                0 => "no backups to remove".to_string(),
                1 => "1 backup removed".to_string(),
                n => format!("{n} backups removed"),
            };
            report
                .line(format!("{}: {line}", t.paths.credentials))
                .field("backups_removed", removed);
        }
        Ok(report)
    })
    .await
}

/// Shows which client ID is saved, after checking that its secret still opens
/// with the node's key (a store that does not is reported, never rewritten).
async fn show(target: &Target) -> Result<Report> {
    let loaded = ops::load_store(target).await?;
    if loaded.store.client_id().is_some() {
        let opened = match ops::node_key(target, false).await? {
            None => Err(format!("the node key {} is missing", target.paths.node_key)),
            Some(key) => loaded.store.open_secret(&key).map_err(|e| e.to_string()),
        };
        if let Err(why) = opened {
            return Err(Error::Failed(format!(
                "{}: the saved credentials cannot be opened ({why}); the file was left untouched",
                loaded.path
            )));
        }
    }
    let mut report = Report::default();
    report
        .line(loaded.store.status_line())
        .field("client_id", serde_json::json!(loaded.store.client_id()));
    Ok(report)
}

/// The flags of `credentials test`, checked once for all nodes.
fn test_flags(
    token_url: &Option<String>,
    scope: &Option<String>,
    proxy: &Option<String>,
    auth: Option<AuthStyle>,
) -> Result<TestOverrides> {
    if let Some(url) = token_url {
        cloud::check_token_url(url)?;
    }
    Ok(TestOverrides {
        token_url: token_url.clone(),
        scope: scope.clone(),
        proxy: proxy.as_deref().map(ProxyChoice::from_flag).transpose()?,
        auth,
        timeouts: None,
    })
}

/// Tests every node's own saved credentials, through its own proxy, with its
/// inventory's token URL and scope unless the flags give them.
async fn test(cli: &Cli, targets: &[Target], flags: &TestOverrides) -> Result<u8> {
    let per_node: HashMap<String, TestOverrides> = select_specs(cli)?
        .iter()
        .map(|spec| (spec.name.clone(), flags.clone().with_inventory(spec)))
        .collect();
    Ok(on_each(cli, targets, |t| {
        let overrides = per_node
            .get(t.name())
            .cloned()
            .unwrap_or_else(|| flags.clone());
        async move {
            let info = cloud::test_saved_credentials(&t, &overrides).await?;
            Ok(test_report(&info, overrides.auth.unwrap_or_default()))
        }
    })
    .await)
}

fn test_report(info: &TokenInfo, auth: AuthStyle) -> Report {
    let mut report = Report::default();
    report
        .line(format!("\u{2713} {}", info.summary()))
        .field("token_type", info.token_type.clone())
        .field(
            "expires_in",
            serde_json::json!(info.expires_in.map(|d| d.as_secs())),
        )
        .field("scope", serde_json::json!(info.scope))
        .field("token_url", info.token_url.clone())
        .field("client_id", info.client_id.clone())
        .field("proxy", serde_json::json!(info.via))
        .field("auth", auth.as_str());
    report
}
