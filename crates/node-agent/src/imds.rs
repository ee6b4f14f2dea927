//! The Azure Instance Metadata Service: the scheduled events document and this VM's name. Only
//! `GET`s: approving an event (`POST StartRequests`) would make Azure evict the VM at once, so
//! this client cannot do it. Never through a proxy (the service is link-local).

use std::time::Duration;

use url::Url;

use crate::decide::events::ScheduledEvents;

/// The metadata service's address on every Azure VM.
pub const DEFAULT_IMDS_URL: &str = "http://169.254.169.254";
/// The scheduled events API version.
pub const SCHEDULED_EVENTS_API_VERSION: &str = "2020-07-01";
/// The instance metadata API version.
pub const INSTANCE_API_VERSION: &str = "2021-02-01";

/// A metadata call that failed.
#[derive(Debug, thiserror::Error)]
pub enum ImdsError {
    /// The URL given is not a base URL.
    #[error("metadata service URL {url:?}: {detail}")]
    Url {
        /// As given.
        url: String,
        /// What is wrong.
        detail: String,
    },
    /// No answer.
    #[error("GET {url}")]
    Transport {
        /// The URL called.
        url: String,
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// An error status.
    #[error("GET {url} answered HTTP {status}: {body}")]
    Status {
        /// The URL called.
        url: String,
        /// HTTP status.
        status: u16,
        /// The body (truncated).
        body: String,
    },
    /// A body that is not what the API documents.
    #[error("GET {url}: unreadable answer: {detail}")]
    Decode {
        /// The URL called.
        url: String,
        /// What was wrong.
        detail: String,
    },
}

/// A client of the metadata service.
#[derive(Debug, Clone)]
pub struct Imds {
    http: reqwest::Client,
    base: Url,
}

impl Imds {
    /// A client for the service at `base` (normally [`DEFAULT_IMDS_URL`]).
    pub fn new(base: &str, timeout: Duration) -> Result<Self, ImdsError> {
        let err = |detail: String| ImdsError::Url {
            url: base.to_owned(),
            detail,
        };
        let base = azure_arm::config::parse_base_url(base).map_err(err)?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(timeout)
            .build()
            .map_err(|e| err(e.to_string()))?;
        Ok(Self { http, base })
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        url.set_path(path);
        url.query_pairs_mut().extend_pairs(query);
        url
    }

    async fn get_text(&self, url: Url) -> Result<String, ImdsError> {
        let shown = url.to_string();
        let resp = self
            .http
            .get(url)
            .header("Metadata", "true")
            .send()
            .await
            .map_err(|source| ImdsError::Transport {
                url: shown.clone(),
                source: source.without_url(),
            })?;
        let status = resp.status().as_u16();
        let body = resp.text().await.map_err(|source| ImdsError::Transport {
            url: shown.clone(),
            source: source.without_url(),
        })?;
        if status >= 300 {
            return Err(ImdsError::Status {
                url: shown,
                status,
                body: body.chars().take(300).collect(),
            });
        }
        Ok(body)
    }

    /// `GET /metadata/scheduledevents?api-version=2020-07-01`.
    pub async fn scheduled_events(&self) -> Result<ScheduledEvents, ImdsError> {
        let url = self.url(
            "/metadata/scheduledevents",
            &[("api-version", SCHEDULED_EVENTS_API_VERSION)],
        );
        let shown = url.to_string();
        let body = self.get_text(url).await?;
        serde_json::from_str(&body).map_err(|e| ImdsError::Decode {
            url: shown,
            detail: e.to_string(),
        })
    }

    /// This VM's name: `GET /metadata/instance/compute/name?api-version=2021-02-01&format=text`.
    pub async fn vm_name(&self) -> Result<String, ImdsError> {
        let url = self.url(
            "/metadata/instance/compute/name",
            &[("api-version", INSTANCE_API_VERSION), ("format", "text")],
        );
        let shown = url.to_string();
        let name = self.get_text(url).await?.trim().to_owned();
        if name.is_empty() {
            return Err(ImdsError::Decode {
                url: shown,
                detail: "an empty VM name".into(),
            });
        }
        Ok(name)
    }
}
