//! Reaching Azure Resource Manager from what the user gave: flags and the usual AZURE_*
//! variables. Used by the import pipeline (to resolve `reference()`) and by `create-simple`
//! (scale the source scale set to zero).

use std::sync::Arc;

use azure_arm::{ArmClient, ArmConfig, ArmError, AuthMethod, TenantDiscoveryError, TokenError};
use secrecy::SecretString;

/// No Resource Manager client could be made from what the user gave.
#[derive(Debug, thiserror::Error)]
pub enum AzureAccessError {
    /// The Resource Manager URL or the client (azure-arm's error says which).
    #[error(transparent)]
    Arm(#[from] ArmError),
    /// The credentials (azure-arm's error says which are missing or refused).
    #[error(transparent)]
    Token(#[from] Box<TokenError>),
    /// The HTTP client for tenant discovery cannot be built.
    #[error("building an HTTP client")]
    Http(#[source] reqwest::Error),
    /// The subscription's tenant cannot be discovered.
    #[error(
        "discovering the tenant of subscription {subscription_id} (set AZURE_TENANT_ID to skip this)"
    )]
    TenantDiscovery {
        /// The subscription.
        subscription_id: String,
        /// Why discovery failed.
        #[source]
        source: TenantDiscoveryError,
    },
}

/// [`ArmConnection::client`] failed: what was tried is in the source.
#[derive(Debug, thiserror::Error)]
#[error("connecting to Azure Resource Manager")]
pub struct ArmConnectError(#[source] pub AzureAccessError);

/// How to authenticate, as given (flags win over the environment; the caller merges them).
#[derive(Debug, Clone, Default)]
pub struct AzureAccess {
    /// Resource Manager URL (`--arm-url`/AZURE_RESOURCE_MANAGER_URL; default public cloud).
    pub arm_url: Option<String>,
    /// Tenant (AZURE_TENANT_ID); `None` with a client secret means discover it
    /// from the subscription.
    pub tenant_id: Option<String>,
    /// Service principal or user-assigned identity client id (AZURE_CLIENT_ID).
    pub client_id: Option<String>,
    /// Service principal secret (redacted in `Debug`).
    pub client_secret: Option<SecretString>,
    /// Use this machine's managed identity.
    pub use_msi: bool,
}

impl AzureAccess {
    /// From the environment (AZURE_RESOURCE_MANAGER_URL is read by [`ArmConfig::from_env`]).
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Self {
        let get = |k: &str| env(k).filter(|v| !v.is_empty());
        AzureAccess {
            arm_url: None,
            tenant_id: get("AZURE_TENANT_ID"),
            client_id: get("AZURE_CLIENT_ID"),
            client_secret: get("AZURE_CLIENT_SECRET").map(SecretString::from),
            use_msi: false,
        }
    }

    /// A client for `subscription_id`. With a client secret and no tenant, the tenant is
    /// discovered from the subscription the way aks-engine does it.
    pub async fn client(&self, subscription_id: &str) -> Result<Arc<ArmClient>, AzureAccessError> {
        let config = ArmConfig::from_env(self.arm_url.as_deref())?;
        let mut tenant = self.tenant_id.clone();
        if tenant.is_none() && self.client_secret.is_some() {
            let http = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(60))
                .build()
                .map_err(AzureAccessError::Http)?;
            let found = azure_arm::discover_tenant(&http, &config.base_url, subscription_id)
                .await
                .map_err(|source| AzureAccessError::TenantDiscovery {
                    subscription_id: subscription_id.to_owned(),
                    source,
                })?;
            tracing::info!("subscription {subscription_id} belongs to tenant {found}");
            tenant = Some(found);
        }
        let method = AuthMethod::choose(
            tenant.as_deref(),
            self.client_id.as_deref(),
            self.client_secret.clone(),
            self.use_msi,
        )
        .map_err(Box::new)?;
        let tokens = azure_arm::token_source(&method).map_err(Box::new)?;
        Ok(Arc::new(ArmClient::new(config, tokens, subscription_id)?))
    }
}

/// An ARM client made on first use (tenant discovery costs a round trip) and reused after:
/// the quick start needs one to resolve deploy-time values and again to scale down.
#[derive(Debug)]
pub struct ArmConnection {
    access: AzureAccess,
    subscription_id: String,
    client: Option<Arc<ArmClient>>,
}

impl ArmConnection {
    /// Nothing is contacted until [`ArmConnection::client`].
    pub fn new(access: AzureAccess, subscription_id: impl Into<String>) -> Self {
        Self {
            access,
            subscription_id: subscription_id.into(),
            client: None,
        }
    }

    /// The client, made on the first call.
    pub async fn client(&mut self) -> Result<Arc<ArmClient>, ArmConnectError> {
        if let Some(c) = &self.client {
            return Ok(c.clone());
        }
        let c = self
            .access
            .client(&self.subscription_id)
            .await
            .map_err(ArmConnectError)?;
        self.client = Some(c.clone());
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn client_secret_from_the_environment_is_kept_out_of_debug() {
        let access =
            AzureAccess::from_env(&|k| (k == "AZURE_CLIENT_SECRET").then(|| "sp-pa55".into()));
        assert_eq!(
            access.client_secret.as_ref().map(|s| s.expose_secret()),
            Some("sp-pa55")
        );
        let shown = format!("{access:?}");
        assert!(!shown.contains("sp-pa55"), "{shown}");
    }
}
