//! `node-agent install`: the agent's objects (a namespace, a ServiceAccount, the least
//! ClusterRole and its binding, the `preempt` DaemonSet and the `gc` Deployment), applied with
//! server-side apply under the tool's field manager (the Spot controller's apply code), then
//! their rollout awaited. Re-applying the same settings changes nothing.

pub mod manifests;
pub mod prefixes;
pub mod rollout;

use kube::Client;
use spot_controller::{Applied, ControllerError, apply_object};

pub use manifests::{
    AgentManifests, DAEMON_SET_NAME, DEPLOYMENT_NAME, InstallSettings, NAME, NAMESPACE, manifests,
};
pub use prefixes::vm_name_prefix;
pub use rollout::{RolloutState, wait_for_rollout};

/// Why the agent could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// No image was given.
    #[error(
        "the node agent needs this tool's image: pass --image IMAGE or set SPOTINST_AKS_ENGINE_IMAGE (build and push it from the project's Dockerfile, see docs/node-agent.md)"
    )]
    NoImage,
    /// No VM name prefix: the collector would match nothing (or, worse, everything).
    #[error(
        "no VM name prefix for the collector: pass --name-prefix PREFIX (a group's vmNamePrefix), or -o DIR with recorded v3 groups"
    )]
    NoPrefixes,
    /// A prefix that cannot be one.
    #[error("--name-prefix {0:?}: a VM name prefix is a non-empty name without spaces or '/'")]
    BadPrefix(String),
    /// An apply failed.
    #[error(transparent)]
    Apply(#[from] ControllerError),
    /// Reading a workload during the rollout wait failed.
    #[error("reading {kind} {name}: {message}")]
    Status {
        /// Kind.
        kind: &'static str,
        /// `namespace/name`.
        name: String,
        /// What went wrong.
        message: String,
    },
    /// The rollout did not finish in time.
    #[error("the node agent did not roll out within {timeout:?}: {last}")]
    RolloutTimeout {
        /// The limit.
        timeout: std::time::Duration,
        /// The last states seen.
        last: String,
    },
}

/// Applies every object in order, reporting each to `progress`; stops at the first failure.
pub async fn apply(
    client: &Client,
    m: &AgentManifests,
    progress: &mut (dyn FnMut(&Applied) + Send),
) -> Result<Vec<Applied>, InstallError> {
    let mut done = Vec::with_capacity(6);
    let mut record = |a: Applied, done: &mut Vec<Applied>| {
        progress(&a);
        done.push(a);
    };
    record(
        apply_object(client, "Namespace", &m.namespace).await?,
        &mut done,
    );
    record(
        apply_object(client, "ServiceAccount", &m.service_account).await?,
        &mut done,
    );
    record(
        apply_object(client, "ClusterRole", &m.cluster_role).await?,
        &mut done,
    );
    record(
        apply_object(client, "ClusterRoleBinding", &m.cluster_role_binding).await?,
        &mut done,
    );
    record(
        apply_object(client, "DaemonSet", &m.daemon_set).await?,
        &mut done,
    );
    record(
        apply_object(client, "Deployment", &m.deployment).await?,
        &mut done,
    );
    Ok(done)
}
