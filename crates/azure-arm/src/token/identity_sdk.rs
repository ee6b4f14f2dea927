//! Azure CLI and managed-identity tokens through `azure_identity`, which already knows how to run
//! `az account get-access-token` and how to talk to IMDS / App Service. We add a cache in front
//! (the CLI credential does not cache and would spawn `az` for every request).

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use azure_core::credentials::TokenCredential;
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, ManagedIdentityCredential,
    ManagedIdentityCredentialOptions, UserAssignedId,
};
use secrecy::SecretString;
use tokio::sync::Mutex;

use super::{ARM_SCOPE, AccessToken, TokenError, TokenFuture, TokenSource};

/// An `azure_identity` credential with a token cache.
struct CachedSdkCredential {
    name: &'static str,
    credential: Arc<dyn TokenCredential>,
    cache: Mutex<Option<AccessToken>>,
}

impl CachedSdkCredential {
    fn new(name: &'static str, credential: Arc<dyn TokenCredential>) -> Self {
        Self {
            name,
            credential,
            cache: Mutex::new(None),
        }
    }

    async fn token(&self) -> Result<AccessToken, TokenError> {
        let mut cache = self.cache.lock().await;
        if let Some(t) = cache.as_ref().filter(|t| t.is_fresh()) {
            return Ok(t.clone());
        }
        let got = self
            .credential
            .get_token(&[ARM_SCOPE], None)
            .await
            .map_err(|e| TokenError::Sdk {
                credential: self.name,
                message: e.to_string(),
            })?;
        let fresh = AccessToken {
            token: SecretString::from(got.token.secret()),
            expires_at: SystemTime::from(got.expires_on),
        };
        *cache = Some(fresh.clone());
        Ok(fresh)
    }
}

/// Tokens of the account logged in to the Azure CLI (`az login`).
pub struct AzureCliToken(CachedSdkCredential);

impl fmt::Debug for AzureCliToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AzureCliToken")
    }
}

impl AzureCliToken {
    /// Uses `az`; `tenant_id` picks a tenant other than the CLI's default one.
    pub fn new(tenant_id: Option<&str>) -> Result<Self, TokenError> {
        let options = AzureCliCredentialOptions {
            tenant_id: tenant_id.map(str::to_owned),
            ..Default::default()
        };
        let credential = AzureCliCredential::new(Some(options)).map_err(|e| TokenError::Sdk {
            credential: "Azure CLI",
            message: e.to_string(),
        })?;
        Ok(Self(CachedSdkCredential::new("Azure CLI", credential)))
    }
}

impl TokenSource for AzureCliToken {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(self.0.token())
    }

    fn describe(&self) -> &'static str {
        "Azure CLI"
    }
}

/// Tokens of the managed identity of the VM / App Service this runs on.
pub struct ManagedIdentityToken(CachedSdkCredential);

impl fmt::Debug for ManagedIdentityToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ManagedIdentityToken")
    }
}

impl ManagedIdentityToken {
    /// The system-assigned identity, or the user-assigned one with `client_id`.
    pub fn new(client_id: Option<&str>) -> Result<Self, TokenError> {
        let options = ManagedIdentityCredentialOptions {
            user_assigned_id: client_id.map(|c| UserAssignedId::ClientId(c.to_owned())),
            ..Default::default()
        };
        let credential =
            ManagedIdentityCredential::new(Some(options)).map_err(|e| TokenError::Sdk {
                credential: "managed identity",
                message: e.to_string(),
            })?;
        Ok(Self(CachedSdkCredential::new(
            "managed identity",
            credential,
        )))
    }
}

impl TokenSource for ManagedIdentityToken {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(self.0.token())
    }

    fn describe(&self) -> &'static str {
        "managed identity"
    }
}
