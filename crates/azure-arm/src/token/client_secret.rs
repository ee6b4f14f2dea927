//! OAuth2 client-credentials grant against the Azure AD v2 token endpoint, written here.
//!
//! Why not `azure_identity::ClientSecretCredential`: in azure_identity 1.0 its authority host must
//! use `https` (it rejects anything else when building the credential), so it cannot be pointed at
//! the plain-http loopback server our tests run. The grant is a single form POST, so owning it costs
//! little: `POST {authority}/{tenant}/oauth2/v2.0/token` with `client_id`, `client_secret`,
//! `scope`, `grant_type=client_credentials`; the token is cached until shortly before it expires.

use std::fmt;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

use super::{ARM_SCOPE, AccessToken, TokenError, TokenFuture, TokenSource};

/// Tokens for a service principal with a client secret, cached until [`super::REFRESH_SKEW`]
/// before expiry.
pub struct ClientSecretToken {
    http: reqwest::Client,
    endpoint: Url,
    client_id: String,
    secret: SecretString,
    scope: String,
    cache: Mutex<Option<AccessToken>>,
}

impl fmt::Debug for ClientSecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretToken")
            .field("endpoint", &self.endpoint.as_str())
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// Whether a tenant id can go into a URL path as is (GUID or domain name).
fn valid_tenant(tenant: &str) -> bool {
    !tenant.is_empty()
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

impl ClientSecretToken {
    /// A source for `client_id`/`secret` in `tenant_id`, asking `authority_host`
    /// (e.g. `https://login.microsoftonline.com`).
    pub fn new(
        authority_host: &Url,
        tenant_id: &str,
        client_id: impl Into<String>,
        secret: SecretString,
    ) -> Result<Self, TokenError> {
        if !valid_tenant(tenant_id) {
            return Err(TokenError::Config(format!(
                "tenant id {tenant_id:?} is not a GUID or domain name"
            )));
        }
        let client_id = client_id.into();
        if client_id.is_empty() {
            return Err(TokenError::Config("client id is empty".into()));
        }
        if secret.expose_secret().is_empty() {
            return Err(TokenError::Config("client secret is empty".into()));
        }
        let base = authority_host.as_str().trim_end_matches('/');
        let endpoint =
            Url::parse(&format!("{base}/{tenant_id}/oauth2/v2.0/token")).map_err(|e| {
                TokenError::Config(format!(
                    "authority host {authority_host} is not a base URL: {e}"
                ))
            })?;
        Ok(Self {
            http: reqwest::Client::new(),
            endpoint,
            client_id,
            secret,
            scope: ARM_SCOPE.to_owned(),
            cache: Mutex::new(None),
        })
    }

    /// The token endpoint this source posts to.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    async fn fetch(&self) -> Result<AccessToken, TokenError> {
        let url = self.endpoint.to_string();
        let form = [
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.secret.expose_secret()),
            ("scope", self.scope.as_str()),
            ("grant_type", "client_credentials"),
        ];
        tracing::debug!(endpoint = %url, client_id = %self.client_id, "requesting Azure AD token");
        let resp = self
            .http
            .post(self.endpoint.clone())
            .form(&form)
            .send()
            .await
            .map_err(|source| TokenError::Transport {
                url: url.clone(),
                source: source.without_url(),
            })?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|source| TokenError::Transport {
            url: url.clone(),
            source: source.without_url(),
        })?;
        let json: Value = serde_json::from_slice(&body).map_err(|e| TokenError::BadResponse {
            url: url.clone(),
            status,
            detail: format!("not JSON: {e}"),
        })?;
        if !(200..300).contains(&status) {
            let field = |k: &str| json.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            return Err(TokenError::Aad {
                url,
                status,
                error: field("error"),
                description: field("error_description"),
                trace_id: field("trace_id"),
                correlation_id: field("correlation_id"),
            });
        }
        parse_token_response(&json).map_err(|detail| TokenError::BadResponse {
            url,
            status,
            detail,
        })
    }
}

/// Reads `access_token` and `expires_in` (a number, or a string as v1 endpoints send it).
fn parse_token_response(json: &Value) -> Result<AccessToken, String> {
    let token = json
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or("no access_token")?;
    let expires_in = match json.get("expires_in") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .ok_or("no numeric expires_in")?;
    Ok(AccessToken {
        token: SecretString::from(token),
        expires_at: SystemTime::now() + Duration::from_secs(expires_in),
    })
}

impl TokenSource for ClientSecretToken {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            let mut cache = self.cache.lock().await;
            if let Some(t) = cache.as_ref().filter(|t| t.is_fresh()) {
                return Ok(t.clone());
            }
            let fresh = self.fetch().await?;
            *cache = Some(fresh.clone());
            Ok(fresh)
        })
    }

    fn describe(&self) -> &'static str {
        "client secret"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn token_response_accepts_numeric_and_string_expiry() {
        let a = parse_token_response(&json!({"access_token": "x", "expires_in": 3599})).unwrap();
        assert!(a.is_fresh());
        let b = parse_token_response(&json!({"access_token": "x", "expires_in": "3599"})).unwrap();
        assert!(b.is_fresh());
        let stale = parse_token_response(&json!({"access_token": "x", "expires_in": 10})).unwrap();
        assert!(
            !stale.is_fresh(),
            "tokens inside the refresh skew are not fresh"
        );
        assert!(parse_token_response(&json!({"expires_in": 1})).is_err());
        assert!(parse_token_response(&json!({"access_token": "x"})).is_err());
    }

    #[test]
    fn rejects_tenant_ids_that_would_change_the_path() {
        let host = Url::parse("https://login.microsoftonline.com").unwrap();
        let err =
            ClientSecretToken::new(&host, "../evil", "id", SecretString::from("s")).unwrap_err();
        assert!(matches!(err, TokenError::Config(_)));
        let ok = ClientSecretToken::new(
            &host,
            "contoso.onmicrosoft.com",
            "id",
            SecretString::from("s"),
        )
        .unwrap();
        assert_eq!(
            ok.endpoint().as_str(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
    }

    #[test]
    fn debug_hides_the_secret() {
        let host = Url::parse("http://127.0.0.1:1").unwrap();
        let t = ClientSecretToken::new(&host, "t", "id", SecretString::from("topsecret")).unwrap();
        assert!(!format!("{t:?}").contains("topsecret"));
    }
}
