//! Where the collector's Azure access comes from: the cloud-provider file aks-engine writes on
//! every master (`/etc/kubernetes/azure.json`), or the usual `AZURE_*` environment, with
//! `--subscription` / `--resource-group` winning over both.

use std::path::{Path, PathBuf};

use azure_arm::AuthMethod;
use secrecy::SecretString;
use serde::Deserialize;

/// Where aks-engine writes the Azure cloud-provider configuration on masters.
pub const AZURE_JSON_PATH: &str = "/etc/kubernetes/azure.json";

/// The fields of `azure.json` the collector reads.
#[derive(Debug, Clone, Default)]
pub struct CloudConfig {
    /// `tenantId`.
    pub tenant_id: Option<String>,
    /// `subscriptionId`.
    pub subscription_id: Option<String>,
    /// `resourceGroup`.
    pub resource_group: Option<String>,
    /// `aadClientId`.
    pub aad_client_id: Option<String>,
    /// `aadClientSecret` (redacted in `Debug`).
    pub aad_client_secret: Option<SecretString>,
    /// `useManagedIdentityExtension`.
    pub use_managed_identity_extension: bool,
    /// `userAssignedIdentityID`.
    pub user_assigned_identity_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OnDisk {
    tenant_id: Option<String>,
    subscription_id: Option<String>,
    resource_group: Option<String>,
    aad_client_id: Option<String>,
    aad_client_secret: Option<String>,
    #[serde(default)]
    use_managed_identity_extension: bool,
    #[serde(rename = "userAssignedIdentityID")]
    user_assigned_identity_id: Option<String>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The collector's Azure settings could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AzureSettingsError {
    /// The file exists but cannot be read.
    #[error("reading {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not the cloud-provider JSON.
    #[error("{} is not an Azure cloud-provider configuration: {detail}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The JSON error (never the file's content).
        detail: String,
    },
    /// A value was found nowhere.
    #[error("no {what}: pass {flag}, set {env}, or provide {AZURE_JSON_PATH}")]
    Missing {
        /// What is missing.
        what: &'static str,
        /// The flag.
        flag: &'static str,
        /// The environment variable.
        env: &'static str,
    },
    /// The file names a client secret without its client or tenant id.
    #[error("{}: aadClientSecret needs {field}", path.display())]
    Incomplete {
        /// The file.
        path: PathBuf,
        /// The missing field.
        field: &'static str,
    },
    /// The environment's credentials do not form a token request.
    #[error("Azure credentials from the environment")]
    Credentials(#[source] Box<azure_arm::TokenError>),
}

/// Reads `path`; `None` when it does not exist.
pub fn read_cloud_config(path: &Path) -> Result<Option<CloudConfig>, AzureSettingsError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(AzureSettingsError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    let raw: OnDisk = serde_json::from_slice(&bytes).map_err(|e| AzureSettingsError::Parse {
        path: path.to_owned(),
        // Line and column only: serde's message could quote a secret.
        detail: format!("invalid JSON at line {} column {}", e.line(), e.column()),
    })?;
    Ok(Some(CloudConfig {
        tenant_id: non_empty(raw.tenant_id),
        subscription_id: non_empty(raw.subscription_id),
        resource_group: non_empty(raw.resource_group),
        aad_client_id: non_empty(raw.aad_client_id),
        aad_client_secret: non_empty(raw.aad_client_secret).map(SecretString::from),
        use_managed_identity_extension: raw.use_managed_identity_extension,
        user_assigned_identity_id: non_empty(raw.user_assigned_identity_id),
    }))
}

/// What the collector talks to ARM with.
#[derive(Debug, Clone)]
pub struct GcAzure {
    /// How to get tokens.
    pub auth: AuthMethod,
    /// The cluster's subscription.
    pub subscription_id: String,
    /// The cluster's resource group.
    pub resource_group: String,
}

/// What the user gave besides the file.
#[derive(Debug, Clone, Default)]
pub struct GcAzureFlags {
    /// `--subscription`.
    pub subscription: Option<String>,
    /// `--resource-group`.
    pub resource_group: Option<String>,
    /// `--use-msi` (environment credentials only).
    pub use_msi: bool,
}

/// Settles the collector's Azure access: credentials from the file when it has some, else the
/// environment (`AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`, `AZURE_TENANT_ID`); the scope from the
/// flags, else the file, else `AZURE_SUBSCRIPTION_ID` / `AZURE_RESOURCE_GROUP`.
pub fn resolve(
    file: Option<(&Path, &CloudConfig)>,
    env: &dyn Fn(&str) -> Option<String>,
    flags: &GcAzureFlags,
) -> Result<GcAzure, AzureSettingsError> {
    let env = |k: &str| non_empty(env(k));
    let config = file.map(|(_, c)| c);
    let subscription_id = non_empty(flags.subscription.clone())
        .or_else(|| config.and_then(|c| c.subscription_id.clone()))
        .or_else(|| env("AZURE_SUBSCRIPTION_ID"))
        .ok_or(AzureSettingsError::Missing {
            what: "subscription",
            flag: "--subscription",
            env: "AZURE_SUBSCRIPTION_ID",
        })?;
    let resource_group = non_empty(flags.resource_group.clone())
        .or_else(|| config.and_then(|c| c.resource_group.clone()))
        .or_else(|| env("AZURE_RESOURCE_GROUP"))
        .ok_or(AzureSettingsError::Missing {
            what: "resource group",
            flag: "--resource-group",
            env: "AZURE_RESOURCE_GROUP",
        })?;
    let from_file = match file {
        Some((_, c)) if c.use_managed_identity_extension => Some(AuthMethod::ManagedIdentity {
            client_id: c.user_assigned_identity_id.clone(),
        }),
        Some((path, c)) => match &c.aad_client_secret {
            Some(secret) => {
                let incomplete = |field| AzureSettingsError::Incomplete {
                    path: path.to_owned(),
                    field,
                };
                Some(AuthMethod::ClientSecret {
                    authority_host: None,
                    tenant_id: c.tenant_id.clone().ok_or_else(|| incomplete("tenantId"))?,
                    client_id: c
                        .aad_client_id
                        .clone()
                        .ok_or_else(|| incomplete("aadClientId"))?,
                    secret: secret.clone(),
                })
            }
            None => None,
        },
        None => None,
    };
    let auth = match from_file {
        Some(a) => a,
        None => AuthMethod::choose(
            env("AZURE_TENANT_ID").as_deref(),
            env("AZURE_CLIENT_ID").as_deref(),
            env("AZURE_CLIENT_SECRET").map(SecretString::from),
            flags.use_msi,
        )
        .map_err(|e| AzureSettingsError::Credentials(Box::new(e)))?,
    };
    Ok(GcAzure {
        auth,
        subscription_id,
        resource_group,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(json: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("azure.json");
        std::fs::write(&path, json).unwrap();
        (dir, path)
    }

    const NO_ENV: &dyn Fn(&str) -> Option<String> = &|_| None;

    #[test]
    fn a_service_principal_file_gives_everything() {
        let (_d, path) = write(
            r#"{"cloud": "AzurePublicCloud", "tenantId": "t", "subscriptionId": "s", "aadClientId": "c",
                "aadClientSecret": "sp-pa55", "resourceGroup": "rg", "location": "eastus",
                "useManagedIdentityExtension": false, "userAssignedIdentityID": ""}"#,
        );
        let c = read_cloud_config(&path).unwrap().unwrap();
        assert!(!format!("{c:?}").contains("sp-pa55"));
        let gc = resolve(Some((&path, &c)), NO_ENV, &GcAzureFlags::default()).unwrap();
        assert_eq!(
            (gc.subscription_id.as_str(), gc.resource_group.as_str()),
            ("s", "rg")
        );
        assert!(
            matches!(gc.auth, AuthMethod::ClientSecret { ref tenant_id, ref client_id, .. } if tenant_id == "t" && client_id == "c")
        );
        let flags = GcAzureFlags {
            subscription: Some("s2".into()),
            resource_group: Some("rg2".into()),
            use_msi: false,
        };
        let gc = resolve(Some((&path, &c)), NO_ENV, &flags).unwrap();
        assert_eq!(
            (gc.subscription_id.as_str(), gc.resource_group.as_str()),
            ("s2", "rg2")
        );
    }

    #[test]
    fn a_managed_identity_file_uses_the_identity() {
        let (_d, path) = write(
            r#"{"tenantId": "t", "subscriptionId": "s", "aadClientId": "msi", "aadClientSecret": "msi",
                "resourceGroup": "rg", "useManagedIdentityExtension": true, "userAssignedIdentityID": "uai"}"#,
        );
        let c = read_cloud_config(&path).unwrap().unwrap();
        let gc = resolve(Some((&path, &c)), NO_ENV, &GcAzureFlags::default()).unwrap();
        assert!(
            matches!(gc.auth, AuthMethod::ManagedIdentity { client_id: Some(ref id) } if id == "uai")
        );
    }

    #[test]
    fn without_a_file_the_environment_is_used() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            read_cloud_config(&dir.path().join("none.json"))
                .unwrap()
                .is_none()
        );
        let env = |k: &str| {
            match k {
                "AZURE_SUBSCRIPTION_ID" => Some("s"),
                "AZURE_RESOURCE_GROUP" => Some("rg"),
                "AZURE_TENANT_ID" => Some("t"),
                "AZURE_CLIENT_ID" => Some("c"),
                "AZURE_CLIENT_SECRET" => Some("x"),
                _ => None,
            }
            .map(str::to_owned)
        };
        let gc = resolve(None, &env, &GcAzureFlags::default()).unwrap();
        assert!(matches!(gc.auth, AuthMethod::ClientSecret { .. }));
        let err = resolve(None, NO_ENV, &GcAzureFlags::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no subscription: pass --subscription, set AZURE_SUBSCRIPTION_ID, or provide /etc/kubernetes/azure.json"
        );
    }

    #[test]
    fn bad_files_are_named_without_their_content() {
        let (_d, path) = write(r#"{"aadClientSecret": "sp-pa55" "#);
        let err = read_cloud_config(&path).unwrap_err().to_string();
        assert!(
            err.contains("is not an Azure cloud-provider configuration"),
            "{err}"
        );
        assert!(!err.contains("sp-pa55"), "{err}");
        let (_d, path) =
            write(r#"{"subscriptionId": "s", "resourceGroup": "rg", "aadClientSecret": "x"}"#);
        let c = read_cloud_config(&path).unwrap().unwrap();
        let err = resolve(Some((&path, &c)), NO_ENV, &GcAzureFlags::default()).unwrap_err();
        assert!(
            err.to_string().ends_with("aadClientSecret needs tenantId"),
            "{err}"
        );
    }
}
