//! Imagicle Cloud credentials tested against an OAuth2 token endpoint with
//! the client-credentials grant (SPEC §4, `credentials test`).
//!
//! - Only `https://` token URLs, or `http://` to this machine; checked before
//!   any connection.
//! - Redirects are reported, never followed; connect and total timeouts
//!   (10 s and 30 s unless set).
//! - The proxy: `--proxy` > the node's stored proxy > the environment
//!   (`HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`); see [`ProxyChoice`].
//! - The result is the token's type and lifetime, never the token; an error
//!   is the endpoint's OAuth2 error or the network failure in plain words.
//!   The secret is in no message and no `Debug` text.

mod endpoint;
mod error;
mod probe;
mod proxy;
mod saved;
mod token;
mod transport;

pub use error::{CloudError, NetworkKind};

/// Checks a token URL as a request would, without any connection.
pub fn check_token_url(text: &str) -> Result<(), CloudError> {
    endpoint::check_token_url(text).map(|_| ())
}
pub use probe::{Reached, probe};
pub use proxy::{ProxyChoice, ProxyRoute, resolve_proxy};
pub use saved::{TestOverrides, test_saved_credentials};
pub use token::{
    AuthStyle, Timeouts, TokenInfo, TokenRequest, request_token, request_token_with_env,
};
