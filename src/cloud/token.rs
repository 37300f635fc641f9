//! The client-credentials grant (RFC 6749 §4.4) with oauth2 over
//! [`EndpointClient`], and what is kept of the answer: never the token.

use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
};
use std::sync::Arc;

use oauth2::{
    AccessToken, AuthType, ClientId, EndpointNotSet, EndpointSet, RefreshToken, RequestTokenError,
    Scope, StandardRevocableToken, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use url::Url;

use super::endpoint::check_token_url;
use super::error::{CloudError, Secrets};
use super::proxy::{ProxyChoice, ProxyRoute, resolve_for};
use super::transport::{ClientAuth, EndpointClient};

/// How the client authenticates to the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthStyle {
    /// `Authorization: Basic` with the form-encoded ID and secret.
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Body,
}

impl AuthStyle {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthStyle::Basic => "basic",
            AuthStyle::Body => "body",
        }
    }
}

impl FromStr for AuthStyle {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "basic" => Ok(AuthStyle::Basic),
            "body" => Ok(AuthStyle::Body),
            _ => Err("expected basic or body".to_owned()),
        }
    }
}

/// Time limits of one token request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// For the TCP connection (to the proxy when there is one).
    pub connect: Duration,
    /// For the whole exchange, answer included.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            total: Duration::from_secs(30),
        }
    }
}

/// One token request. Its `Debug` never shows the secret.
#[derive(Clone)]
pub struct TokenRequest {
    pub token_url: String,
    pub client_id: String,
    pub secret: SecretString,
    /// Space-separated scopes; `None`: no scope parameter.
    pub scope: Option<String>,
    pub auth: AuthStyle,
    pub proxy: ProxyChoice,
    pub timeouts: Timeouts,
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRequest")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("secret", &"[hidden]")
            .field("scope", &self.scope)
            .field("auth", &self.auth)
            .field("proxy", &self.proxy)
            .field("timeouts", &self.timeouts)
            .finish()
    }
}

/// What a successful request tells (the token itself is dropped at once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// As the endpoint spelled it, e.g. `Bearer`.
    pub token_type: String,
    /// The token's lifetime (`expires_in`), when the endpoint gave one.
    pub expires_in: Option<Duration>,
    /// The scope granted, when the endpoint said.
    pub scope: Option<String>,
    pub token_url: String,
    pub client_id: String,
    /// `host:port` of the proxy the request went through.
    pub via: Option<String>,
}

impl TokenInfo {
    /// `token issued, valid 60 min (via proxy.corp.local:3128)`.
    pub fn summary(&self) -> String {
        let mut text = "token issued".to_owned();
        match self.expires_in {
            Some(d) => text.push_str(&format!(", valid {}", lifetime(d))),
            None => text.push_str(" (no lifetime given)"),
        }
        if let Some(via) = &self.via {
            text.push_str(&format!(" (via {via})"));
        }
        text
    }
}

/// `45 s` under two minutes, else whole minutes rounded (3599 s is `60 min`).
fn lifetime(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 120 {
        format!("{secs} s")
    } else {
        format!("{} min", (secs + 30) / 60)
    }
}

/// Asks the endpoint for a token; the environment is the process's own.
pub fn request_token(
    req: &TokenRequest,
) -> impl Future<Output = Result<TokenInfo, CloudError>> + Send + use<'_> {
    request_token_with_env(req, &|name| std::env::var(name).ok())
}

/// [`request_token`] with `env` looking up environment variables (used only
/// for [`ProxyChoice::Environment`], before the future is returned). URLs
/// are checked before any connection.
pub fn request_token_with_env<'a>(
    req: &'a TokenRequest,
    env: &dyn Fn(&str) -> Option<String>,
) -> impl Future<Output = Result<TokenInfo, CloudError>> + Send + use<'a> {
    let checked = check_token_url(&req.token_url)
        .and_then(|url| resolve_for(&req.proxy, &url, env).map(|route| (url, route)));
    async move {
        let (url, route) = checked?;
        let secrets = Arc::new(request_secrets(req, route.as_ref()));
        // In the program's log too, scrubbed for as long as they are in use.
        let _in_use = (
            crate::telemetry::scrub_while(req.secret.expose_secret()),
            route
                .as_ref()
                .and_then(ProxyRoute::password)
                .map(|p| crate::telemetry::scrub_while(p.expose_secret())),
        );
        exchange(req, url, route, secrets.clone())
            .await
            .map_err(|e| e.scrubbed(&secrets))
    }
}

type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    IssuedToken,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

async fn exchange(
    req: &TokenRequest,
    url: Url,
    route: Option<ProxyRoute>,
    secrets: Arc<Secrets>,
) -> Result<TokenInfo, CloudError> {
    // The secret is added by the transport: oauth2 never holds a copy.
    let auth = ClientAuth {
        client_id: req.client_id.clone(),
        secret: req.secret.clone(),
        style: req.auth,
    };
    let client = EndpointClient::new(
        &url,
        route.as_ref(),
        req.timeouts,
        Some(auth),
        secrets.clone(),
    )?;
    let oauth: OAuthClient = oauth2::Client::new(ClientId::new(req.client_id.clone()))
        .set_auth_type(AuthType::RequestBody)
        .set_token_uri(TokenUrl::from_url(url));
    let scopes = req
        .scope
        .iter()
        .flat_map(|s| s.split_whitespace())
        .map(|s| Scope::new(s.to_owned()));
    let issued = oauth
        .exchange_client_credentials()
        .add_scopes(scopes)
        .request_async(&client)
        .await
        .map_err(|e| from_oauth(e, &secrets))?;
    Ok(TokenInfo {
        token_type: secrets.clean(&issued.token_type.0),
        expires_in: issued.expires_in.map(Duration::from_secs),
        scope: issued.scope.map(|s| secrets.clean(&s)),
        token_url: req.token_url.trim().to_owned(),
        client_id: req.client_id.clone(),
        via: route.map(|r| r.address()),
    })
}

/// What the request carries that no answer may print: the client secret as
/// it is sent (form-encoded, in the Basic header or the form), and the
/// proxy's password (in its Basic header).
fn request_secrets(req: &TokenRequest, route: Option<&ProxyRoute>) -> Secrets {
    let mut secrets = Secrets::default();
    secrets.add_secret(Some(&req.client_id), req.secret.expose_secret(), true);
    if let Some(password) = route.and_then(ProxyRoute::password) {
        let user = route.and_then(ProxyRoute::user).unwrap_or("");
        secrets.add_secret(Some(user), password.expose_secret(), false);
    }
    secrets
}

fn from_oauth(
    e: RequestTokenError<CloudError, BasicErrorResponse>,
    secrets: &Secrets,
) -> CloudError {
    match e {
        RequestTokenError::Request(e) => e,
        // Error statuses are handled by the transport; this is a 200 with an error body.
        RequestTokenError::ServerResponse(r) => CloudError::Endpoint {
            status: 200,
            code: secrets.clean(r.error().as_ref()),
            description: r.error_description().map(|d| secrets.clean(d)),
        },
        // The body is not quoted: it may hold a token.
        RequestTokenError::Parse(e, _) => CloudError::BadResponse {
            why: match e.inner().classify() {
                serde_json::error::Category::Data => format!(
                    "a field is missing or malformed at {} (access_token and token_type are required)",
                    e.path()
                ),
                _ => "not JSON".into(),
            },
        },
        RequestTokenError::Other(why) => CloudError::BadResponse {
            why: secrets.clean(&why),
        },
    }
}

/// The token response (RFC 6749 §5.1), tolerant of `expires_in` sent as a
/// string (Azure AD v1) and of a non-string `scope`.
#[derive(Deserialize, Serialize)]
struct IssuedToken {
    access_token: AccessToken,
    token_type: TokenKind,
    #[serde(default, deserialize_with = "seconds")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "text_or_none")]
    scope: Option<String>,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(transparent)]
struct TokenKind(String);

impl oauth2::TokenType for TokenKind {}

impl oauth2::TokenResponse for IssuedToken {
    type TokenType = TokenKind;

    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }
    fn token_type(&self) -> &TokenKind {
        &self.token_type
    }
    fn expires_in(&self) -> Option<Duration> {
        self.expires_in.map(Duration::from_secs)
    }
    fn refresh_token(&self) -> Option<&RefreshToken> {
        None
    }
    fn scopes(&self) -> Option<&Vec<Scope>> {
        None
    }
}

fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f.round() as u64))
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("expires_in is not a number of seconds")),
        Value::String(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom("expires_in is not a number of seconds")),
        _ => Err(serde::de::Error::custom(
            "expires_in is not a number of seconds",
        )),
    }
}

fn text_or_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_read_naturally() {
        assert_eq!(lifetime(Duration::from_secs(3599)), "60 min");
        assert_eq!(lifetime(Duration::from_secs(3600)), "60 min");
        assert_eq!(lifetime(Duration::from_secs(45)), "45 s");
        assert_eq!(lifetime(Duration::from_secs(86400)), "1440 min");
    }

    #[test]
    fn token_responses_are_read_leniently_and_never_shown() {
        let t: IssuedToken = serde_json::from_str(
            r#"{"access_token":"eyJ.SECRET","token_type":"Bearer","expires_in":"3599","ext_expires_in":1}"#,
        )
        .unwrap();
        assert_eq!(t.expires_in, Some(3599));
        assert!(!format!("{t:?}").contains("SECRET"));
        let t: IssuedToken =
            serde_json::from_str(r#"{"access_token":"x","token_type":"bearer","scope":["a"]}"#)
                .unwrap();
        assert_eq!((t.expires_in, t.scope), (None, None));
        assert!(
            serde_json::from_str::<IssuedToken>(
                r#"{"access_token":"x","token_type":"Bearer","expires_in":"soon"}"#
            )
            .is_err()
        );
    }

    #[test]
    fn auth_style_parses() {
        assert_eq!("Body".parse::<AuthStyle>(), Ok(AuthStyle::Body));
        assert_eq!(AuthStyle::default(), AuthStyle::Basic);
        assert!("digest".parse::<AuthStyle>().is_err());
    }
}
