//! A Spot API client from flags, SPOTINST_* variables and ~/.spotinst/credentials.

use std::time::Duration;

use anyhow::Result;
use spot_api::{ClientConfig, ExplicitCredentials, SpotClient};

/// What the user gave on the command line.
#[derive(Debug, Clone)]
pub struct SpotAccess {
    pub token: Option<String>,
    pub account: Option<String>,
    pub base_url: String,
    pub timeout: Duration,
}

impl SpotAccess {
    /// Resolves credentials (flags, environment, credentials file) and builds the client.
    pub fn client(&self) -> Result<SpotClient> {
        let explicit = ExplicitCredentials {
            token: self.token.clone().map(spot_api::Secret::from),
            account: self.account.clone(),
        };
        let credentials = spot_api::resolve_from_process(&explicit)?;
        let config = ClientConfig {
            base_url: self.base_url.clone(),
            timeout: self.timeout,
            ..ClientConfig::default()
        };
        tracing::info!(
            "Spot API at {} (token from {})",
            config.base_url,
            credentials.token_source
        );
        Ok(SpotClient::new(config, credentials)?)
    }
}
