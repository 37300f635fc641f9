//! `credentials show|save|forget`.

use super::args::{Cli, CredentialsCommand};
use super::output::Report;
use super::{on_each, saved_report, secret};
use crate::ops::{self, Applied, Change, Target};
use crate::{Error, Result};

pub async fn run(cli: &Cli, command: &CredentialsCommand, targets: &[Target]) -> Result<u8> {
    let change = match command {
        CredentialsCommand::Show => {
            return Ok(on_each(cli, targets, |t| async move { show(&t).await }).await);
        }
        CredentialsCommand::Save {
            client_id,
            secret_stdin,
            secret: given,
        } => {
            if given.is_some() {
                return Err(secret::refuse_argument("--secret", "--secret-stdin"));
            }
            if client_id.trim().is_empty() {
                return Err(Error::invalid("the client ID is empty"));
            }
            let secret = secret::read(*secret_stdin, "Client secret: ", "--secret-stdin")?;
            Change::CredentialsSave {
                client_id: client_id.clone(),
                secret,
            }
        }
        CredentialsCommand::Forget => Change::CredentialsForget,
    };
    Ok(on_each(cli, targets, |t| {
        let change = change.clone();
        async move {
            let applied: Applied = ops::apply(&t, &change).await?;
            Ok(saved_report(&t.paths.credentials, &applied))
        }
    })
    .await)
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
