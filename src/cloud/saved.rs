//! Testing the credentials saved on a node: open them with the node key and
//! ask the token endpoint, through the proxy that applies to that node.

use super::proxy::ProxyChoice;
use super::token::{AuthStyle, Timeouts, TokenInfo, TokenRequest, request_token};
use crate::inventory::NodeSpec;
use crate::ops::{self, Target};
use crate::{Error, Result};

/// What the caller sets for a test, on top of what the node has saved.
#[derive(Debug, Clone, Default)]
pub struct TestOverrides {
    /// `--token-url`, else the node's `cloud_token_url` (see [`Self::with_inventory`]).
    pub token_url: Option<String>,
    /// `--scope`, else the node's `cloud_scope`.
    pub scope: Option<String>,
    /// `--proxy`. `None`: the node's stored proxy, else the environment.
    pub proxy: Option<ProxyChoice>,
    /// `None`: [`AuthStyle::Basic`].
    pub auth: Option<AuthStyle>,
    /// `None`: 10 s to connect, 30 s in all.
    pub timeouts: Option<Timeouts>,
}

impl TestOverrides {
    /// Fills the token URL and scope not given from the node's inventory
    /// entry (its own values, else `[defaults]`).
    pub fn with_inventory(mut self, spec: &NodeSpec) -> TestOverrides {
        self.token_url = self.token_url.or_else(|| spec.cloud_token_url.clone());
        self.scope = self.scope.or_else(|| spec.cloud_scope.clone());
        self
    }
}

/// Asks the token endpoint for a token with the credentials saved on the
/// node. The proxy is `overrides.proxy`, else the node's stored proxy (its
/// password opened with the node key), else the environment's.
///
/// Errors: no token URL (`Error::Invalid`, saying how to set one), no
/// credentials saved, a store or key that cannot be opened, or the
/// [`CloudError`](super::CloudError) of the request. Dropping the future
/// cancels the test.
pub async fn test_saved_credentials(
    target: &Target,
    overrides: &TestOverrides,
) -> Result<TokenInfo> {
    let token_url = overrides
        .token_url
        .clone()
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| no_token_url(target.name()))?;
    let loaded = ops::load_store(target).await?;
    let Some(client_id) = loaded.store.client_id().map(str::to_owned) else {
        return Err(Error::NoCredentials {
            node: target.name().to_owned(),
            path: loaded.path,
        });
    };
    let cannot_open = |why: String| {
        Error::Failed(format!(
            "{}: the saved credentials cannot be opened ({why}); the file was left untouched",
            loaded.path
        ))
    };
    let key = ops::node_key(target, false)
        .await?
        .ok_or_else(|| cannot_open(format!("the node key {} is missing", target.paths.node_key)))?;
    let secret = loaded
        .store
        .open_secret(&key)
        .map_err(|e| cannot_open(e.to_string()))?
        .ok_or_else(|| cannot_open("no secret".into()))?;
    let proxy = match (&overrides.proxy, loaded.store.proxy()) {
        (Some(choice), _) => choice.clone(),
        (None, Some(stored)) => ProxyChoice::Url {
            url: stored.url,
            user: stored.user,
            password: loaded
                .store
                .open_proxy_password(&key)
                .map_err(|e| cannot_open(format!("proxy password: {e}")))?,
        },
        (None, None) => ProxyChoice::Environment,
    };
    let request = TokenRequest {
        token_url,
        client_id,
        secret,
        scope: overrides.scope.clone().filter(|s| !s.trim().is_empty()),
        auth: overrides.auth.unwrap_or_default(),
        proxy,
        timeouts: overrides.timeouts.unwrap_or_default(),
    };
    Ok(request_token(&request).await?)
}

fn no_token_url(node: &str) -> Error {
    Error::Invalid(format!(
        "no token URL for {node}: give --token-url URL, or set cloud_token_url for the node \
         (or under [defaults]) in nodes.toml"
    ))
}
