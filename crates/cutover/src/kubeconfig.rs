//! A Kubernetes client for the cutover. Unlike kube's default, it does not retry 429s itself:
//! an eviction refused by a disruption budget answers 429, and the drain must see that at once
//! to report the budget and retry on its own schedule within `--drain-timeout`.

use std::path::{Path, PathBuf};

use kube::Client;
use kube::config::{Config, KubeConfigOptions, Kubeconfig};

/// The kubeconfig could not be read or used.
#[derive(Debug, thiserror::Error)]
#[error("kubeconfig {}: {message}", path.display())]
pub struct KubeconfigError {
    /// Its path.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

/// A client for the current context of the kubeconfig at `path`, without automatic retries.
pub async fn client_from_kubeconfig(path: &Path) -> Result<Client, KubeconfigError> {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race to another thread installing one is fine.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
    let err = |message: String| KubeconfigError {
        path: path.to_owned(),
        message,
    };
    let kubeconfig = Kubeconfig::read_from(path).map_err(|e| err(e.to_string()))?;
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .map_err(|e| err(e.to_string()))?;
    config.default_retry = false;
    Client::try_from(config).map_err(|e| err(e.to_string()))
}
