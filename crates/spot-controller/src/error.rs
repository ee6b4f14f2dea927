//! Controller installation errors: which object, and what the API server said.

use std::time::Duration;

/// Why the controller could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum ControllerError {
    /// The kubeconfig could not be read or used.
    #[error(transparent)]
    Kubeconfig(#[from] kube_connect::KubeconfigError),
    /// The API server refused or failed an apply.
    #[error("applying {kind} {name}: {message}{}", status.map(|s| format!(" (HTTP {s}{})", reason.as_deref().map(|r| format!(", {r}")).unwrap_or_default())).unwrap_or_default())]
    Apply {
        /// Kind, e.g. `Deployment`.
        kind: &'static str,
        /// `namespace/name` or `name`.
        name: String,
        /// HTTP status from the API server, when it answered.
        status: Option<u16>,
        /// Its `reason`, e.g. `Forbidden`.
        reason: Option<String>,
        /// Its message (or the client error).
        message: String,
    },
    /// Reading the Deployment during the rollout wait failed.
    #[error("reading Deployment {name}: {message}")]
    Status {
        /// `namespace/name`.
        name: String,
        /// What went wrong.
        message: String,
    },
    /// The Deployment did not roll out in time.
    #[error("Deployment {name} did not roll out within {timeout:?}: {last}")]
    RolloutTimeout {
        /// `namespace/name`.
        name: String,
        /// The limit.
        timeout: Duration,
        /// The last status seen.
        last: String,
    },
}

impl ControllerError {
    /// Maps a kube client error for `kind name` into [`ControllerError::Apply`].
    pub(crate) fn apply(kind: &'static str, name: String, err: kube::Error) -> Self {
        match err {
            kube::Error::Api(status) => Self::Apply {
                kind,
                name,
                status: Some(status.code).filter(|c| *c != 0),
                reason: Some(status.reason.clone()).filter(|r| !r.is_empty()),
                message: status.message.clone(),
            },
            other => Self::Apply {
                kind,
                name,
                status: None,
                reason: None,
                message: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_error_names_the_object_and_status() {
        let e = ControllerError::Apply {
            kind: "ClusterRole",
            name: "spotinst-kubernetes-cluster-controller".into(),
            status: Some(403),
            reason: Some("Forbidden".into()),
            message: "clusterroles is forbidden".into(),
        };
        assert_eq!(
            e.to_string(),
            "applying ClusterRole spotinst-kubernetes-cluster-controller: clusterroles is forbidden (HTTP 403, Forbidden)"
        );
    }
}
