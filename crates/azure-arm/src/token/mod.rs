//! Where bearer tokens for ARM come from, behind one small object-safe trait so the client and the
//! tests do not care: a client secret, the Azure CLI, a managed identity, or a fixed test token.

mod client_secret;
mod identity_sdk;
mod select;
mod static_token;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use secrecy::SecretString;

pub use client_secret::ClientSecretToken;
pub use identity_sdk::{AzureCliToken, ManagedIdentityToken};
pub use select::{AuthMethod, token_source};
pub use static_token::StaticToken;

/// The OAuth2 scope for Azure Resource Manager (v2 endpoint form).
pub const ARM_SCOPE: &str = "https://management.azure.com/.default";

/// The public-cloud Azure AD authority host.
pub const PUBLIC_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";

/// Environment variable that overrides the authority host (same name the Azure SDKs use).
pub const AUTHORITY_HOST_ENV: &str = "AZURE_AUTHORITY_HOST";

/// A token is refreshed this long before it expires, so a request never races the expiry.
pub const REFRESH_SKEW: Duration = Duration::from_secs(120);

/// A bearer token and when it stops being valid.
#[derive(Clone, Debug)]
pub struct AccessToken {
    /// The bearer token (redacted in `Debug`).
    pub token: SecretString,
    /// When the token expires.
    pub expires_at: SystemTime,
}

impl AccessToken {
    /// Whether the token is still usable for at least [`REFRESH_SKEW`].
    pub fn is_fresh(&self) -> bool {
        SystemTime::now() + REFRESH_SKEW < self.expires_at
    }
}

/// Why a token could not be obtained. Never contains the secret or the token.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The token endpoint could not be reached.
    #[error("token request to {url} failed")]
    Transport {
        /// The token endpoint.
        url: String,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// Azure AD refused the request (AAD error body).
    #[error(
        "Azure AD token request to {url} failed with HTTP {status}: {error}: {description} (trace id {trace_id}, correlation id {correlation_id})"
    )]
    Aad {
        /// The token endpoint.
        url: String,
        /// HTTP status.
        status: u16,
        /// AAD `error` code, e.g. `invalid_client`.
        error: String,
        /// AAD `error_description`.
        description: String,
        /// AAD `trace_id`.
        trace_id: String,
        /// AAD `correlation_id`.
        correlation_id: String,
    },
    /// The token endpoint answered something that is not a token.
    #[error("token endpoint {url} answered HTTP {status} with an unreadable body: {detail}")]
    BadResponse {
        /// The token endpoint.
        url: String,
        /// HTTP status.
        status: u16,
        /// What was wrong.
        detail: String,
    },
    /// The settings cannot form a token request.
    #[error("invalid credential settings: {0}")]
    Config(String),
    /// A credential from `azure_identity` (Azure CLI, managed identity) failed.
    #[error("{credential} could not get a token: {message}")]
    Sdk {
        /// Which credential.
        credential: &'static str,
        /// Its error message.
        message: String,
    },
}

/// The future a [`TokenSource`] returns.
pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<AccessToken, TokenError>> + Send + 'a>>;

/// Something that hands out ARM bearer tokens, caching them as it sees fit.
pub trait TokenSource: Send + Sync {
    /// A token valid for ARM.
    fn token(&self) -> TokenFuture<'_>;

    /// A short human name, for messages ("client secret", "Azure CLI", ...).
    fn describe(&self) -> &'static str;
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let t = AccessToken {
            token: SecretString::from("hunter2"),
            expires_at: SystemTime::now(),
        };
        let shown = format!("{t:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(t.token.expose_secret(), "hunter2");
    }
}
