//! A Spot API client from flags, SPOTINST_* variables and ~/.spotinst/credentials.

use std::time::Duration;

use spot_api::{
    ClientConfig, CredentialsError, ExplicitCredentials, SecretString, SpotClient, SpotError,
};

/// Per-request timeout unless the user says otherwise (`--spot-timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// No Spot client: the credentials could not be resolved, or the client not built (spot-api's
/// errors, which say which source or setting is wrong).
#[derive(Debug, thiserror::Error)]
pub enum SpotAccessError {
    /// No token or account could be resolved.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// The client cannot be built from the settings.
    #[error(transparent)]
    Client(#[from] Box<SpotError>),
}

/// What the user gave (flags or, for the quick start, its resolved inputs).
#[derive(Debug, Clone)]
pub struct SpotAccess {
    /// `--token` (redacted in `Debug`).
    pub token: Option<SecretString>,
    /// `--account`; `None` means from the environment or credentials file.
    pub account: Option<String>,
    /// The Spot API's base URL.
    pub base_url: String,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl SpotAccess {
    /// Resolves credentials (flags, environment, credentials file) and builds the client.
    pub fn client(&self) -> Result<SpotClient, SpotAccessError> {
        let explicit = ExplicitCredentials {
            token: self.token.clone(),
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
        Ok(SpotClient::new(config, credentials).map_err(Box::new)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let access = SpotAccess {
            token: Some(SecretString::from("spot-t0ken")),
            account: Some("act-1".into()),
            base_url: spot_api::DEFAULT_BASE_URL.into(),
            timeout: Duration::from_secs(5),
        };
        let shown = format!("{access:?}");
        assert!(!shown.contains("spot-t0ken"), "{shown}");
        assert!(shown.contains("act-1"), "{shown}");
    }
}
