//! The HTTP client under the OAuth2 exchange: reqwest with rustls, no
//! redirects, bounded time and body size, the chosen proxy and nothing else.
//!
//! It answers oauth2 only with a `200` response; everything else (a
//! redirect, a 407, an error status, a network failure) becomes a
//! [`CloudError`] here, worded from the status and the parsed error JSON.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use oauth2::http::header::{AUTHORIZATION, HeaderValue};
use oauth2::{AsyncHttpClient, HttpRequest, HttpResponse};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::{Url, form_urlencoded};
use zeroize::Zeroizing;

use super::endpoint::address;
use super::error::{CloudError, NetworkKind, Secrets, duration_text};
use super::proxy::ProxyRoute;
use super::{AuthStyle, Timeouts};

/// Largest answer read from the endpoint; a token response is a few KiB.
const MAX_BODY: usize = 256 * 1024;

pub(crate) struct EndpointClient {
    http: reqwest::Client,
    /// `host:port` of the token endpoint.
    endpoint: String,
    /// `host:port` of the proxy, and whether credentials go to it.
    proxy: Option<(String, bool)>,
    timeouts: Timeouts,
    /// Added to each request here, not by oauth2, so that every copy of the
    /// secret made on the way is one this code wipes.
    auth: Option<ClientAuth>,
    /// Scrubbed from whatever the servers send back.
    secrets: Arc<Secrets>,
}

/// The client's credentials, and how they are presented (RFC 6749 §2.3.1).
pub(crate) struct ClientAuth {
    pub client_id: String,
    pub secret: SecretString,
    pub style: AuthStyle,
}

impl ClientAuth {
    /// `request` (as oauth2 builds it without a secret: the client ID in the
    /// form) with the credentials: `client_secret` after the client ID in
    /// the form, or both in an `Authorization: Basic` header instead, each
    /// form-encoded, exactly as oauth2 would send them.
    fn apply(&self, request: HttpRequest) -> Result<HttpRequest, CloudError> {
        use base64::Engine as _;
        let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let secret = Zeroizing::new(encode(self.secret.expose_secret()));
        let (mut parts, body) = request.into_parts();
        let body = match self.style {
            AuthStyle::Body => {
                let field = b"&client_secret=";
                let mut full = Vec::with_capacity(body.len() + field.len() + secret.len());
                full.extend_from_slice(&body);
                full.extend_from_slice(field);
                full.extend_from_slice(secret.as_bytes());
                full
            }
            AuthStyle::Basic => {
                let pair =
                    Zeroizing::new(format!("{}:{}", encode(&self.client_id), secret.as_str()));
                let encoded = Zeroizing::new(
                    base64::engine::general_purpose::STANDARD.encode(pair.as_bytes()),
                );
                let header = Zeroizing::new(format!("Basic {}", encoded.as_str()));
                let mut value =
                    HeaderValue::from_str(&header).map_err(|_| CloudError::Network {
                        kind: NetworkKind::Other,
                        peer: "token endpoint".into(),
                        detail: "the credentials do not fit in a header".into(),
                    })?;
                value.set_sensitive(true);
                parts.headers.insert(AUTHORIZATION, value);
                let form = form_urlencoded::parse(&body).filter(|(name, _)| name != "client_id");
                form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(form)
                    .finish()
                    .into_bytes()
            }
        };
        Ok(oauth2::http::Request::from_parts(parts, body))
    }
}

impl EndpointClient {
    pub(crate) fn new(
        target: &Url,
        route: Option<&ProxyRoute>,
        timeouts: Timeouts,
        auth: Option<ClientAuth>,
        secrets: Arc<Secrets>,
    ) -> Result<EndpointClient, CloudError> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.total)
            .user_agent(concat!("ucsconf/", env!("CARGO_PKG_VERSION")))
            // Nothing from the environment or the system: the route is decided by the caller.
            .no_proxy();
        if let Some(route) = route {
            builder = builder.proxy(reqwest_proxy(route)?);
        }
        let http = builder.build().map_err(|_| CloudError::Network {
            kind: NetworkKind::Other,
            peer: format!("token endpoint {}", address(target)),
            detail: "the HTTP client could not be set up (TLS roots)".into(),
        })?;
        Ok(EndpointClient {
            http,
            endpoint: address(target),
            proxy: route.map(|r| (r.address(), r.has_credentials())),
            timeouts,
            auth,
            secrets,
        })
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, CloudError> {
        let request = match &self.auth {
            Some(auth) => auth.apply(request)?,
            None => request,
        };
        let request = reqwest::Request::try_from(request).map_err(|_| CloudError::Network {
            kind: NetworkKind::Other,
            peer: format!("token endpoint {}", self.endpoint),
            detail: "the request could not be built".into(),
        })?;
        let mut response = self
            .http
            .execute(request)
            .await
            .map_err(|e| self.network_error(&e))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(redirected(&response, &self.secrets));
        }
        if let (StatusCode::PROXY_AUTHENTICATION_REQUIRED, Some((proxy, sent_credentials))) =
            (status, &self.proxy)
        {
            return Err(CloudError::ProxyAuth {
                proxy: proxy.clone(),
                sent_credentials: *sent_credentials,
            });
        }
        let body = self.read_body(&mut response).await?;
        if status != StatusCode::OK {
            return Err(refusal(status, &body, &self.secrets));
        }
        let mut answer = http_response(status);
        if let Some(kind) = response.headers().get(CONTENT_TYPE) {
            answer = answer.header(CONTENT_TYPE, kind);
        }
        answer.body(body).map_err(|_| CloudError::BadResponse {
            why: "malformed HTTP response".into(),
        })
    }

    /// Whether the endpoint answers: its status, whatever it is (a 407
    /// from the proxy is the proxy's refusal, not an answer). The body is
    /// not read.
    pub(crate) async fn probe(&self, url: &Url) -> Result<u16, CloudError> {
        let response = self
            .http
            .get(url.clone())
            .send()
            .await
            .map_err(|e| self.network_error(&e))?;
        let status = response.status();
        if let (StatusCode::PROXY_AUTHENTICATION_REQUIRED, Some((proxy, sent_credentials))) =
            (status, &self.proxy)
        {
            return Err(CloudError::ProxyAuth {
                proxy: proxy.clone(),
                sent_credentials: *sent_credentials,
            });
        }
        Ok(status.as_u16())
    }

    async fn read_body(&self, response: &mut reqwest::Response) -> Result<Vec<u8>, CloudError> {
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.network_error(&e))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(CloudError::BadResponse {
                    why: format!("the answer is larger than {} KiB", MAX_BODY / 1024),
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// A reqwest failure in plain words. Its own text is not used (only the
    /// innermost cause: an OS, DNS or TLS message), so no request part can leak.
    fn network_error(&self, e: &reqwest::Error) -> CloudError {
        let chain = causes(e);
        let innermost = chain.last().map(|c| c.to_string()).unwrap_or_default();
        let proxy_peer = self.proxy.as_ref().map(|(p, _)| format!("proxy {p}"));
        let endpoint_peer = match &self.proxy {
            Some((p, _)) => format!("token endpoint {} (via proxy {p})", self.endpoint),
            None => format!("token endpoint {}", self.endpoint),
        };
        // Where the TCP connection goes: the proxy when there is one.
        let first_hop = proxy_peer
            .clone()
            .unwrap_or_else(|| format!("token endpoint {}", self.endpoint));
        let texts: Vec<String> = chain.iter().map(|c| c.to_string()).collect();
        let has = |needle: &str| texts.iter().any(|t| t.contains(needle));
        let (kind, peer, detail) = if has("proxy authorization required") {
            if let Some((proxy, sent)) = &self.proxy {
                return CloudError::ProxyAuth {
                    proxy: proxy.clone(),
                    sent_credentials: *sent,
                };
            }
            (NetworkKind::ProxyTunnel, first_hop, innermost)
        } else if let Some(tls) = chain.iter().find_map(|c| as_tls(*c)) {
            (NetworkKind::Tls, endpoint_peer, tls.to_string())
        } else if e.is_timeout() && e.is_connect() {
            let limit = format!("connect timeout {}", duration_text(self.timeouts.connect));
            (NetworkKind::ConnectTimeout, first_hop, limit)
        } else if e.is_timeout() {
            let limit = format!("timeout {}", duration_text(self.timeouts.total));
            (NetworkKind::Timeout, endpoint_peer, limit)
        } else if has("dns error") {
            (NetworkKind::Dns, first_hop, innermost)
        } else if chain.iter().any(|c| {
            c.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
        }) {
            (NetworkKind::Refused, first_hop, String::new())
        } else if has("tunnel error") {
            let proxy = proxy_peer.unwrap_or(first_hop);
            (NetworkKind::ProxyTunnel, proxy, String::new())
        } else {
            (NetworkKind::Other, endpoint_peer, innermost)
        };
        CloudError::Network {
            kind,
            peer,
            detail: self.secrets.clean(&detail),
        }
    }
}

impl<'c> AsyncHttpClient<'c> for EndpointClient {
    type Error = CloudError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, CloudError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

fn reqwest_proxy(route: &ProxyRoute) -> Result<reqwest::Proxy, CloudError> {
    let proxy = reqwest::Proxy::all(route.url()).map_err(|_| CloudError::BadProxyUrl {
        url: route.url().to_owned(),
        why: "not usable as a proxy".into(),
    })?;
    Ok(if route.has_credentials() {
        let password = route.password().map(|p| p.expose_secret()).unwrap_or("");
        proxy.basic_auth(route.user().unwrap_or(""), password)
    } else {
        proxy
    })
}

/// Every error in the chain below `e` (not `e` itself, whose text names the URL).
fn causes(e: &reqwest::Error) -> Vec<&(dyn std::error::Error + 'static)> {
    let mut chain = Vec::new();
    let mut next = std::error::Error::source(e);
    while let Some(cause) = next {
        chain.push(cause);
        next = cause.source();
    }
    chain
}

/// A rustls error, also when wrapped in `io::Error`s (whose `source()`
/// skips the wrapped error itself).
fn as_tls<'e>(mut cause: &'e (dyn std::error::Error + 'static)) -> Option<&'e rustls::Error> {
    loop {
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        cause = cause.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

fn http_response(status: StatusCode) -> oauth2::http::response::Builder {
    oauth2::http::Response::builder().status(status.as_u16())
}

fn redirected(response: &reqwest::Response, secrets: &Secrets) -> CloudError {
    let location = response
        .headers()
        .get(LOCATION)
        .map(|l| secrets.clean(&String::from_utf8_lossy(l.as_bytes())))
        .unwrap_or_else(|| "(no Location header)".into());
    CloudError::Redirected {
        status: response.status().as_u16(),
        location,
    }
}

/// The OAuth2 error body (RFC 6749 §5.2); other fields are ignored.
#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    error_description: Option<String>,
}

/// An error status: the OAuth2 error when the body is one, else the status alone.
fn refusal(status: StatusCode, body: &[u8], secrets: &Secrets) -> CloudError {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(parsed) if !parsed.error.trim().is_empty() => CloudError::Endpoint {
            status: status.as_u16(),
            code: secrets.clean(&parsed.error),
            description: parsed
                .error_description
                .map(|d| secrets.clean(&d))
                .filter(|d| !d.is_empty()),
        },
        _ => CloudError::Status {
            status: status.as_u16(),
        },
    }
}
