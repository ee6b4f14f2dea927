//! The errors that stop an agent before it runs (setup); once running, the agents log, count
//! and retry instead.

/// An agent could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeAgentError {
    /// No Kubernetes client.
    #[error(transparent)]
    Kube(#[from] crate::kube_client::KubeConnectError),
    /// The metadata service URL.
    #[error(transparent)]
    Imds(#[from] crate::imds::ImdsError),
    /// The metrics address.
    #[error(transparent)]
    Metrics(#[from] crate::metrics::MetricsBindError),
    /// The collector's Azure settings.
    #[error(transparent)]
    Azure(#[from] crate::azure_json::AzureSettingsError),
    /// The ARM client.
    #[error(transparent)]
    Arm(#[from] azure_arm::ArmError),
    /// The ARM credentials.
    #[error(transparent)]
    Token(#[from] Box<azure_arm::TokenError>),
    /// Listing the Nodes (`gc --once`).
    #[error(transparent)]
    ListNodes(#[from] cutover::KubeError),
}
