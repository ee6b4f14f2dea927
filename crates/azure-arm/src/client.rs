//! The HTTP layer: bearer auth, `api-version`, request ids, retries, and ARM error bodies.

use std::sync::Arc;
use std::time::SystemTime;

use reqwest::Method;
use reqwest::header::{HeaderMap, USER_AGENT};
use secrecy::ExposeSecret;
use serde_json::Value;
use url::Url;

use crate::config::ArmConfig;
use crate::error::{ArmError, ArmErrorResponse, DecodeError, ErrorDetail, RequestIds};
use crate::retry::{is_retryable_status, parse_retry_after};
use crate::token::TokenSource;

/// Header carrying our per-request id.
pub const CLIENT_REQUEST_ID: &str = "x-ms-client-request-id";
/// Header carrying ARM's request id.
pub const REQUEST_ID: &str = "x-ms-request-id";
/// Header carrying ARM's correlation id.
pub const CORRELATION_ID: &str = "x-ms-correlation-request-id";

/// A successful (non-error) ARM response, body fully read.
#[derive(Debug, Clone)]
pub struct ArmResponse {
    /// HTTP method of the request.
    pub method: Method,
    /// URL requested.
    pub url: Url,
    /// HTTP status (2xx/3xx).
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// Response body.
    pub body: Vec<u8>,
}

impl ArmResponse {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `x-ms-request-id` and `x-ms-correlation-request-id`.
    pub fn ids(&self) -> RequestIds {
        ids_of(&self.headers)
    }

    /// The body as JSON; an empty body is `null`.
    pub fn json(&self) -> Result<Value, ArmError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| self.decode_error(e.to_string()))
    }

    /// The body decoded into `T`.
    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, ArmError> {
        serde_json::from_slice(&self.body).map_err(|e| self.decode_error(e.to_string()))
    }

    /// An answer this response's body cannot be read as: `detail` says why (the error names
    /// the request, status and request ids).
    pub fn decode_error(&self, detail: String) -> ArmError {
        ArmError::Decode(Box::new(DecodeError {
            method: self.method.to_string(),
            url: self.url.to_string(),
            status: self.status,
            detail,
            ids: self.ids(),
        }))
    }

    /// `Retry-After` as a duration.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.header("retry-after")
            .and_then(|v| parse_retry_after(v, SystemTime::now()))
    }
}

fn ids_of(headers: &HeaderMap) -> RequestIds {
    let get = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    RequestIds {
        request_id: get(REQUEST_ID),
        correlation_id: get(CORRELATION_ID),
    }
}

/// A thin Azure Resource Manager client for one subscription.
pub struct ArmClient {
    http: reqwest::Client,
    config: ArmConfig,
    tokens: Arc<dyn TokenSource>,
    subscription_id: String,
}

impl std::fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArmClient")
            .field("base_url", &self.config.base_url.as_str())
            .field("subscription_id", &self.subscription_id)
            .field("auth", &self.tokens.describe())
            .finish()
    }
}

impl ArmClient {
    /// A client for `subscription_id`, authenticating with `tokens`.
    pub fn new(
        config: ArmConfig,
        tokens: Arc<dyn TokenSource>,
        subscription_id: impl Into<String>,
    ) -> Result<Self, ArmError> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .build()
            .map_err(|source| ArmError::Transport {
                method: "-".into(),
                url: config.base_url.to_string(),
                source,
            })?;
        Ok(Self {
            http,
            config,
            tokens,
            subscription_id: subscription_id.into(),
        })
    }

    /// The subscription this client works in.
    pub fn subscription_id(&self) -> &str {
        &self.subscription_id
    }

    /// The settings.
    pub fn config(&self) -> &ArmConfig {
        &self.config
    }

    /// The underlying HTTP client (for unauthenticated calls such as tenant discovery).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// `{base}/{segments...}?api-version=..`, each segment percent-encoded.
    pub fn url_for_segments(&self, segments: &[&str], api_version: &str) -> Result<Url, ArmError> {
        let mut url = self.config.base_url.clone();
        {
            let mut path = url.path_segments_mut().map_err(|()| ArmError::Url {
                url: self.config.base_url.to_string(),
                detail: "not a base URL".into(),
            })?;
            path.pop_if_empty();
            path.extend(segments);
        }
        url.query_pairs_mut()
            .append_pair("api-version", api_version);
        Ok(url)
    }

    /// `{base}{resource_id}?api-version=..` for a full resource id (`/subscriptions/...`).
    pub fn url_for_id(&self, resource_id: &str, api_version: &str) -> Result<Url, ArmError> {
        if !resource_id.starts_with('/') || resource_id.contains("..") || resource_id.contains('?')
        {
            return Err(ArmError::Url {
                url: resource_id.to_owned(),
                detail: "a resource id must be an absolute path like /subscriptions/...".into(),
            });
        }
        let segments: Vec<&str> = resource_id.split('/').filter(|s| !s.is_empty()).collect();
        self.url_for_segments(&segments, api_version)
    }

    /// Whether `url` is on the Resource Manager host (so it may receive our bearer token).
    pub(crate) fn check_same_origin(&self, url: &Url) -> Result<(), ArmError> {
        if url.origin() == self.config.base_url.origin() {
            Ok(())
        } else {
            Err(ArmError::ForeignUrl {
                url: url.to_string(),
                base: self.config.base_url.to_string(),
            })
        }
    }

    /// Sends one request (with retries on 408/429/5xx/connection errors). Error statuses become
    /// [`ArmError::Api`]; everything else is returned.
    pub async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<ArmResponse, ArmError> {
        self.check_same_origin(&url)?;
        let policy = &self.config.retry;
        // Attempts made so far; the policy counts every try, the first included.
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let token = self.tokens.token().await?;
            let client_request_id = uuid::Uuid::new_v4().to_string();
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(token.token.expose_secret())
                .header(CLIENT_REQUEST_ID, &client_request_id)
                .header(USER_AGENT, &self.config.user_agent);
            if let Some(b) = body {
                req = req.json(b);
            }
            tracing::debug!(%method, %url, %client_request_id, "ARM request");
            let outcome = req.send().await;
            let resp = match outcome {
                Ok(r) => r,
                Err(e) if policy.allows_another(attempts) && (e.is_connect() || e.is_timeout()) => {
                    let wait = policy.delay(attempts, None);
                    tracing::warn!(%method, %url, error = %e, ?wait, "ARM request failed, retrying");
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Err(e) => {
                    return Err(ArmError::Transport {
                        method: method.to_string(),
                        url: url.to_string(),
                        source: e.without_url(),
                    });
                }
            };
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let ids = ids_of(&headers);
            let bytes = resp.bytes().await.map_err(|e| ArmError::Transport {
                method: method.to_string(),
                url: url.to_string(),
                source: e.without_url(),
            })?;
            if is_retryable_status(status) && policy.allows_another(attempts) {
                let retry_after = headers
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, SystemTime::now()));
                let wait = policy.delay(attempts, retry_after);
                tracing::warn!(%method, %url, status, %ids, ?wait, "ARM request throttled or failed, retrying");
                tokio::time::sleep(wait).await;
                continue;
            }
            if status >= 400 {
                let error = ErrorDetail::from_body(&bytes).unwrap_or_else(|| ErrorDetail {
                    code: "Unknown".into(),
                    message: String::from_utf8_lossy(&bytes).chars().take(500).collect(),
                    ..Default::default()
                });
                return Err(ArmError::Api(Box::new(ArmErrorResponse {
                    method: method.to_string(),
                    url: url.to_string(),
                    status,
                    error,
                    ids,
                })));
            }
            return Ok(ArmResponse {
                method,
                url,
                status,
                headers,
                body: bytes.to_vec(),
            });
        }
    }

    /// GET a resource by id as JSON.
    pub async fn get_json(&self, resource_id: &str, api_version: &str) -> Result<Value, ArmError> {
        let url = self.url_for_id(resource_id, api_version)?;
        self.send(Method::GET, url, None).await?.json()
    }
}
