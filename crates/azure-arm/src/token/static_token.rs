//! A fixed token, for tests and for callers that already hold one.

use std::time::{Duration, SystemTime};

use secrecy::SecretString;

use super::{AccessToken, TokenFuture, TokenSource};

/// Always returns the same token, valid for a day.
#[derive(Debug, Clone)]
pub struct StaticToken {
    token: SecretString,
}

impl StaticToken {
    /// A source that always yields `token`.
    pub fn new(token: impl Into<SecretString>) -> Self {
        Self {
            token: token.into(),
        }
    }
}

impl TokenSource for StaticToken {
    fn token(&self) -> TokenFuture<'_> {
        let token = AccessToken {
            token: self.token.clone(),
            expires_at: SystemTime::now() + Duration::from_secs(86_400),
        };
        Box::pin(async move { Ok(token) })
    }

    fn describe(&self) -> &'static str {
        "static token"
    }
}
