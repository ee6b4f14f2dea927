//! Where ARM is and how patient to be with it. Every delay is configurable so tests run fast.

use std::time::Duration;

use url::Url;

use crate::error::ArmError;

/// Public-cloud Resource Manager.
pub const PUBLIC_RESOURCE_MANAGER: &str = "https://management.azure.com";

/// Environment variable overriding the Resource Manager URL (the CLI's `--arm-url` sets the same).
pub const RESOURCE_MANAGER_ENV: &str = "AZURE_RESOURCE_MANAGER_URL";

/// Retries of one HTTP request on throttling (429), timeouts (408), 5xx and connection errors:
/// the policy shared with the Spot client. ARM's default is [`ArmConfig::DEFAULT_RETRY`].
pub use http_retry::RetryPolicy;

/// How long-running operations are polled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollPolicy {
    /// Delay between polls when the server gives no `Retry-After` (aks-engine uses 5 s).
    pub default_interval: Duration,
    /// Upper bound applied to a server's `Retry-After` between polls.
    pub max_interval: Duration,
    /// Give up after this long.
    pub timeout: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            default_interval: Duration::from_secs(5),
            max_interval: Duration::from_secs(60),
            timeout: Duration::from_secs(30 * 60),
        }
    }
}

/// Settings of an [`crate::ArmClient`].
#[derive(Debug, Clone)]
pub struct ArmConfig {
    /// Resource Manager base URL (`https://management.azure.com` in the public cloud).
    pub base_url: Url,
    /// `User-Agent` header.
    pub user_agent: String,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Retries of single requests.
    pub retry: RetryPolicy,
    /// Long-running operation polling.
    pub poll: PollPolicy,
}

impl ArmConfig {
    /// Five tries in all from one second up; ARM's `Retry-After` on throttling can be long, and
    /// is honoured up to two minutes.
    pub const DEFAULT_RETRY: RetryPolicy = RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(120),
    };

    /// Defaults for `base_url`.
    pub fn new(base_url: Url) -> Self {
        Self {
            base_url,
            user_agent: concat!("spotinst-aks-engine/", env!("CARGO_PKG_VERSION")).to_owned(),
            request_timeout: Duration::from_secs(120),
            retry: Self::DEFAULT_RETRY,
            poll: PollPolicy::default(),
        }
    }

    /// Base URL from `explicit` (a flag), else `AZURE_RESOURCE_MANAGER_URL`, else the public cloud.
    pub fn from_env(explicit: Option<&str>) -> Result<Self, ArmError> {
        let raw = match explicit {
            Some(u) => u.to_owned(),
            None => std::env::var(RESOURCE_MANAGER_ENV)
                .unwrap_or_else(|_| PUBLIC_RESOURCE_MANAGER.to_owned()),
        };
        let base = parse_base_url(&raw).map_err(|detail| ArmError::Url { url: raw, detail })?;
        Ok(Self::new(base))
    }
}

/// `raw` as the base URL of an HTTP API (one paths can be put under); else what is wrong with
/// it, for the caller's error naming the URL. Shared by the ARM, Retail Prices and metadata
/// service clients.
pub fn parse_base_url(raw: &str) -> Result<Url, String> {
    let base = Url::parse(raw).map_err(|e| e.to_string())?;
    if base.cannot_be_a_base() {
        return Err("not a base URL".into());
    }
    Ok(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_url_wins() {
        let c = ArmConfig::from_env(Some("http://127.0.0.1:9/")).unwrap();
        assert_eq!(c.base_url.as_str(), "http://127.0.0.1:9/");
        assert!(c.user_agent.starts_with("spotinst-aks-engine/"));
        assert!(ArmConfig::from_env(Some("not a url")).is_err());
    }
}
