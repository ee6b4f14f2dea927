//! Connecting with the kubeconfig aks-engine wrote (`kubeconfig/kubeconfig.<location>.json`;
//! JSON is valid YAML, so kube's reader takes it as is).

use std::path::{Path, PathBuf};

use kube::Client;

use crate::error::ControllerError;

/// Where aks-engine puts the admin kubeconfig for `location` in its output directory.
pub fn aks_engine_kubeconfig_path(output_dir: &Path, location: &str) -> PathBuf {
    output_dir
        .join("kubeconfig")
        .join(format!("kubeconfig.{location}.json"))
}

/// A client for the current context of the kubeconfig at `path` (kube's default retries), built
/// by the one builder, [`kube_connect`].
pub async fn client_from_kubeconfig(path: &Path) -> Result<Client, ControllerError> {
    Ok(kube_connect::client_from_kubeconfig(path, kube_connect::Retries::Default).await?)
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
