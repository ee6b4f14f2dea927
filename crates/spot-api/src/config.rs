//! Client settings: base URL, timeouts, retry policy, User-Agent.

use crate::retry::RetryPolicy;
use std::time::Duration;

/// The public Spot API.
pub const DEFAULT_BASE_URL: &str = "https://api.spotinst.io";

/// Settings of a [`crate::SpotClient`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL (`--spot-api-url` / `SPOTINST_BASE_URL`); plain `http` only to loopback hosts.
    pub base_url: String,
    /// Timeout of one request, response body included.
    pub timeout: Duration,
    /// Timeout of establishing a connection.
    pub connect_timeout: Duration,
    /// Retry policy of every call.
    pub retry: RetryPolicy,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            user_agent: user_agent(),
        }
    }
}

/// `spotinst-aks-engine/<version> (<os>; <arch>)`.
pub fn user_agent() -> String {
    format!(
        "spotinst-aks-engine/{} ({}; {})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agent_names_tool_version_os_arch() {
        let ua = user_agent();
        assert!(ua.starts_with("spotinst-aks-engine/0."), "{ua}");
        assert!(ua.contains(std::env::consts::OS) && ua.contains(std::env::consts::ARCH));
    }
}
