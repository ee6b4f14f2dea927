//! Choosing a token source from what the user gave: a secret wins, `--use-msi` asks for the
//! managed identity, and otherwise the Azure CLI login is used (as aks-engine's `--auth-method cli`).

use std::sync::Arc;

use secrecy::SecretString;
use url::Url;

use super::{
    AUTHORITY_HOST_ENV, AzureCliToken, ClientSecretToken, ManagedIdentityToken,
    PUBLIC_AUTHORITY_HOST, TokenError, TokenSource,
};

/// How to authenticate to ARM.
#[derive(Debug, Clone)]
pub enum AuthMethod {
    /// A service principal's client secret.
    ClientSecret {
        /// Azure AD authority host; `None` = `AZURE_AUTHORITY_HOST` or the public cloud.
        authority_host: Option<Url>,
        /// Tenant (GUID or domain).
        tenant_id: String,
        /// Application (client) id.
        client_id: String,
        /// The secret (redacted in `Debug`).
        secret: SecretString,
    },
    /// The managed identity of this machine; `client_id` selects a user-assigned one.
    ManagedIdentity {
        /// Client id of a user-assigned identity.
        client_id: Option<String>,
    },
    /// The Azure CLI login.
    AzureCli {
        /// Tenant to ask the CLI for, if not its default.
        tenant_id: Option<String>,
    },
}

impl AuthMethod {
    /// The usual precedence: a client secret when one is given (needs a client id), else the
    /// managed identity when `use_msi`, else the Azure CLI.
    pub fn choose(
        tenant_id: Option<&str>,
        client_id: Option<&str>,
        client_secret: Option<SecretString>,
        use_msi: bool,
    ) -> Result<Self, TokenError> {
        match (client_secret, use_msi) {
            (Some(secret), _) => {
                let client_id = client_id.ok_or_else(|| {
                    TokenError::Config("a client secret needs a client id".into())
                })?;
                let tenant_id = tenant_id.ok_or_else(|| {
                    TokenError::Config(
                        "a client secret needs a tenant id (or tenant discovery)".into(),
                    )
                })?;
                Ok(Self::ClientSecret {
                    authority_host: None,
                    tenant_id: tenant_id.to_owned(),
                    client_id: client_id.to_owned(),
                    secret,
                })
            }
            (None, true) => Ok(Self::ManagedIdentity {
                client_id: client_id.map(str::to_owned),
            }),
            (None, false) => Ok(Self::AzureCli {
                tenant_id: tenant_id.map(str::to_owned),
            }),
        }
    }
}

/// The authority host: explicit, else `AZURE_AUTHORITY_HOST`, else the public cloud.
pub(crate) fn authority_host(explicit: Option<&Url>) -> Result<Url, TokenError> {
    if let Some(u) = explicit {
        return Ok(u.clone());
    }
    let raw = std::env::var(AUTHORITY_HOST_ENV).unwrap_or_else(|_| PUBLIC_AUTHORITY_HOST.into());
    Url::parse(&raw)
        .map_err(|e| TokenError::Config(format!("{AUTHORITY_HOST_ENV}={raw:?} is not a URL: {e}")))
}

/// Builds the token source for `method`.
pub fn token_source(method: &AuthMethod) -> Result<Arc<dyn TokenSource>, TokenError> {
    Ok(match method {
        AuthMethod::ClientSecret {
            authority_host: host,
            tenant_id,
            client_id,
            secret,
        } => Arc::new(ClientSecretToken::new(
            &authority_host(host.as_ref())?,
            tenant_id,
            client_id.clone(),
            secret.clone(),
        )?),
        AuthMethod::ManagedIdentity { client_id } => {
            Arc::new(ManagedIdentityToken::new(client_id.as_deref())?)
        }
        AuthMethod::AzureCli { tenant_id } => Arc::new(AzureCliToken::new(tenant_id.as_deref())?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_wins_then_msi_then_cli() {
        let m =
            AuthMethod::choose(Some("t"), Some("c"), Some(SecretString::from("s")), true).unwrap();
        assert!(matches!(m, AuthMethod::ClientSecret { .. }));
        let m = AuthMethod::choose(Some("t"), Some("c"), None, true).unwrap();
        assert!(matches!(m, AuthMethod::ManagedIdentity { client_id: Some(ref c) } if c == "c"));
        let m = AuthMethod::choose(Some("t"), None, None, false).unwrap();
        assert!(matches!(m, AuthMethod::AzureCli { tenant_id: Some(ref t) } if t == "t"));
    }

    #[test]
    fn a_secret_without_client_id_is_refused() {
        let err =
            AuthMethod::choose(Some("t"), None, Some(SecretString::from("s")), false).unwrap_err();
        assert!(err.to_string().contains("client id"), "{err}");
    }

    #[test]
    fn debug_of_the_method_hides_the_secret() {
        let m = AuthMethod::choose(
            Some("t"),
            Some("c"),
            Some(SecretString::from("pa55")),
            false,
        )
        .unwrap();
        assert!(!format!("{m:?}").contains("pa55"));
    }
}
