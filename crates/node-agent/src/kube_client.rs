//! The one place the agent builds its Kubernetes client: from `--kubeconfig` when given (tests,
//! running outside the cluster), else the pod's in-cluster service account. Like the cutover's,
//! the client does not retry 429s itself: a disruption budget's refusal must be seen at once.

use std::path::Path;

use kube::Client;
use kube::config::Config;

/// No client could be built.
#[derive(Debug, thiserror::Error)]
pub enum KubeConnectError {
    /// The kubeconfig could not be read or used.
    #[error(transparent)]
    Kubeconfig(#[from] cutover::KubeconfigError),
    /// Not in a pod (or its service account is unreadable), and no `--kubeconfig`.
    #[error("in-cluster Kubernetes configuration (pass --kubeconfig outside a cluster): {0}")]
    InCluster(String),
}

/// A client for `kubeconfig`, else the in-cluster configuration.
pub async fn kube_client(kubeconfig: Option<&Path>) -> Result<Client, KubeConnectError> {
    if let Some(path) = kubeconfig {
        return Ok(cutover::client_from_kubeconfig(path).await?);
    }
    kube_connect::ensure_crypto_provider();
    let mut config = Config::incluster().map_err(|e| KubeConnectError::InCluster(e.to_string()))?;
    config.default_retry = false;
    Client::try_from(config).map_err(|e| KubeConnectError::InCluster(e.to_string()))
}
