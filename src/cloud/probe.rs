//! Whether an endpoint answers at all from here, through the proxy that
//! applies: the online half of `doctor`. Any HTTP status is an answer; only
//! a failure to connect, resolve, negotiate TLS or pass the proxy is not.

use std::sync::Arc;

use secrecy::ExposeSecret;

use super::endpoint::check_token_url;
use super::error::{CloudError, Secrets};
use super::proxy::{ProxyChoice, ProxyRoute, resolve_for};
use super::token::Timeouts;
use super::transport::EndpointClient;

/// An endpoint that answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    /// The HTTP status of the answer (redirects are not followed).
    pub status: u16,
    /// `host:port` of the proxy the request went through.
    pub via: Option<String>,
}

/// Sends one `GET` to `url` (`https://`, or `http://` to this machine) and
/// reads nothing of the answer but its status. `env` looks up environment
/// variables for [`ProxyChoice::Environment`].
pub async fn probe(
    url: &str,
    proxy: &ProxyChoice,
    timeouts: Timeouts,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<Reached, CloudError> {
    let target = check_token_url(url)?;
    let route = resolve_for(proxy, &target, env)?;
    let mut secrets = Secrets::default();
    let password = route.as_ref().and_then(ProxyRoute::password);
    if let Some(password) = password {
        let user = route.as_ref().and_then(ProxyRoute::user).unwrap_or("");
        secrets.add_secret(Some(user), password.expose_secret(), false);
    }
    let _in_use = password.map(|p| crate::telemetry::scrub_while(p.expose_secret()));
    let secrets = Arc::new(secrets);
    let client = EndpointClient::new(&target, route.as_ref(), timeouts, None, secrets.clone())?;
    let status = client
        .probe(&target)
        .await
        .map_err(|e| unlabelled(e).scrubbed(&secrets))?;
    Ok(Reached {
        status,
        via: route.map(|r| r.address()),
    })
}

/// The transport names its peer "token endpoint ..."; a probe's peer is
/// just the endpoint.
fn unlabelled(e: CloudError) -> CloudError {
    match e {
        CloudError::Network { kind, peer, detail } => CloudError::Network {
            kind,
            peer: peer.replacen("token endpoint ", "", 1),
            detail,
        },
        other => other,
    }
}
