//! Connecting with the kubeconfig aks-engine wrote (`kubeconfig/kubeconfig.<location>.json`;
//! JSON is valid YAML, so kube's reader takes it as is).

use std::path::{Path, PathBuf};

use kube::Client;
use kube::config::{Config, KubeConfigOptions, Kubeconfig};

use crate::error::ControllerError;

/// Where aks-engine puts the admin kubeconfig for `location` in its output directory.
pub fn aks_engine_kubeconfig_path(output_dir: &Path, location: &str) -> PathBuf {
    output_dir
        .join("kubeconfig")
        .join(format!("kubeconfig.{location}.json"))
}

/// Makes sure rustls has a process-wide crypto provider. With more than one provider compiled in
/// (kube's and reqwest's features unify), rustls cannot choose by itself and would panic.
fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race to another thread installing one is fine.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
}

/// A client for the current context of the kubeconfig at `path`.
pub async fn client_from_kubeconfig(path: &Path) -> Result<Client, ControllerError> {
    ensure_crypto_provider();
    let err = |message: String| ControllerError::Kubeconfig {
        path: path.to_owned(),
        message,
    };
    let kubeconfig = Kubeconfig::read_from(path).map_err(|e| err(e.to_string()))?;
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .map_err(|e| err(e.to_string()))?;
    Client::try_from(config).map_err(|e| err(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_follows_aks_engine_layout() {
        assert_eq!(
            aks_engine_kubeconfig_path(Path::new("_output/x"), "eastus"),
            Path::new("_output/x/kubeconfig/kubeconfig.eastus.json")
        );
    }
}
