//! The node agent as `node-agent install` and `create-simple` install it: the collector's VM
//! name prefixes (each recorded group's `vmNamePrefix`), then the install through a kubeconfig.

use std::path::Path;
use std::time::Duration;

use group_sync::StateFile;
use node_agent::install::{self, InstallError, InstallSettings, vm_name_prefix};
use node_agent::kube_client::KubeConnectError;
use spot_api::{SpotClient, SpotError};

use crate::plan::PlannedGroup;

/// One group's prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupPrefix {
    /// The agent pool.
    pub pool: String,
    /// The group (`sig-...`), when it exists.
    pub group_id: Option<String>,
    /// Its `vmNamePrefix`; `None` for v2 groups (Spot names their VMs).
    pub prefix: Option<String>,
}

/// The recorded groups' prefixes could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GroupPrefixError {
    /// A group could not be read from Spot.
    #[error("reading group {group_id} (agent pool `{pool}`) from Spot")]
    Spot {
        /// The agent pool.
        pool: String,
        /// The group.
        group_id: String,
        /// Why.
        #[source]
        source: Box<SpotError>,
    },
}

/// Each group recorded in `state`, with the `vmNamePrefix` it has in Spot now.
pub async fn recorded_prefixes(
    state: &StateFile,
    spot: &SpotClient,
) -> Result<Vec<GroupPrefix>, GroupPrefixError> {
    let mut out = Vec::new();
    for r in state.records() {
        let group = spot
            .get_group(r.generation, &r.group_id)
            .await
            .map_err(|source| GroupPrefixError::Spot {
                pool: r.pool.clone(),
                group_id: r.group_id.clone(),
                source: Box::new(source),
            })?;
        out.push(GroupPrefix {
            pool: r.pool.clone(),
            group_id: Some(r.group_id.clone()),
            prefix: vm_name_prefix(&group.raw),
        });
    }
    Ok(out)
}

/// The prefixes of the groups an import planned (the bodies sent to Spot).
pub fn planned_prefixes(planned: &[PlannedGroup]) -> Vec<GroupPrefix> {
    planned
        .iter()
        .map(|g| GroupPrefix {
            pool: g.pool.clone(),
            group_id: None,
            prefix: vm_name_prefix(&g.body),
        })
        .collect()
}

/// The agent could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum NodeAgentInstallError {
    /// No Kubernetes client.
    #[error(transparent)]
    Kube(#[from] KubeConnectError),
    /// The install.
    #[error(transparent)]
    Install(#[from] InstallError),
}

/// Applies the agent through `kubeconfig` and waits up to `wait` for its rollout (zero: not
/// at all), reporting to `progress`; whether it rolled out.
pub async fn install_node_agent(
    kubeconfig: &Path,
    settings: &InstallSettings,
    wait: Duration,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<bool, NodeAgentInstallError> {
    let client = node_agent::kube_client(Some(kubeconfig)).await?;
    install::apply(&client, &install::manifests(settings), &mut |a| {
        progress(&format!("applied {} {}", a.kind, a.name));
    })
    .await?;
    let interval = (wait / 30).clamp(Duration::from_millis(250), Duration::from_secs(5));
    Ok(
        install::wait_for_rollout(&client, wait, interval, &mut |states| {
            let shown: Vec<String> = states.iter().map(ToString::to_string).collect();
            progress(&format!("waiting for the rollout: {}", shown.join("; ")));
        })
        .await?,
    )
}
