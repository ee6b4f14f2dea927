//! A Kubernetes client for the cutover, through the one builder ([`kube_connect`]). Unlike kube's
//! default, it does not retry 429s itself: an eviction refused by a disruption budget answers
//! 429, and the drain must see that at once to report the budget and retry on its own schedule
//! within `--drain-timeout`.

use std::path::Path;

use kube::Client;
pub use kube_connect::KubeconfigError;

/// A client for the current context of the kubeconfig at `path`, without automatic retries.
pub async fn client_from_kubeconfig(path: &Path) -> Result<Client, KubeconfigError> {
    kube_connect::client_from_kubeconfig(path, kube_connect::Retries::Off).await
}
