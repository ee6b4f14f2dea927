//! The cutover of an imported output directory, as `spotinst-aks-engine cutover` and
//! `create-simple --scale-source-to-zero` both run it: the imported pools with the scale sets
//! aks-engine made for them, the kubeconfig, and the run itself (the `cutover` crate's).

use std::path::{Path, PathBuf};

use aks_engine::{OutputDir, ScaleSetError, ScaleSetEvaluator};
use arm_template::DeployTimePolicy;
use cutover::{
    Clients, CutoverError, CutoverOptions, CutoverPool, CutoverReport, CutoverState,
    KubeconfigError, Progress, ScaleSetChecks, SourceScaleSet,
};
use group_sync::{CancellationToken, GroupRecord};
use spot_api::SpotClient;

use crate::azure_access::{ArmConnectError, ArmConnection};

/// The scale sets of the imported pools could not be found from the directory's template.
#[derive(Debug, thiserror::Error)]
pub enum ImportedPoolsError {
    /// The template cannot be evaluated at all.
    #[error(transparent)]
    Template(#[from] ScaleSetError),
    /// One recorded pool's scale set cannot be evaluated.
    #[error(
        "agent pool `{pool}` (recorded with group {group_id}): its scale set in {}",
        dir.display()
    )]
    Pool {
        /// The agent pool.
        pool: String,
        /// Its recorded group's id.
        group_id: String,
        /// The output directory.
        dir: PathBuf,
        /// Why the scale set cannot be evaluated.
        #[source]
        source: Box<ScaleSetError>,
    },
    /// The template names no cluster suffix for a pool's scale set, so the scale set in Azure
    /// cannot be proven to be this cluster's.
    #[error(
        "agent pool `{pool}`: its scale set in {} has no `resourceNameSuffix` tag and the template no `nameSuffix` parameter: the scale set in Azure cannot be checked to be this cluster's",
        dir.display()
    )]
    NoNameSuffix {
        /// The agent pool.
        pool: String,
        /// The output directory.
        dir: PathBuf,
    },
}

/// A cutover that could not start, or stopped: the cluster, Azure, or the cutover itself
/// (each error names what it was doing).
#[derive(Debug, thiserror::Error)]
pub enum CutoverRunError {
    /// No Kubernetes client could be made from the kubeconfig.
    #[error(transparent)]
    Kubeconfig(#[from] KubeconfigError),
    /// No Resource Manager client could be made.
    #[error(transparent)]
    Arm(#[from] ArmConnectError),
    /// The API server did not answer (connection, TLS, timeout).
    #[error("the API server {server} (kubeconfig {}) did not answer", kubeconfig.display())]
    Unanswered {
        /// Its URL.
        server: String,
        /// The kubeconfig naming it.
        kubeconfig: PathBuf,
        /// The call that failed, and why.
        #[source]
        source: Box<CutoverError>,
    },
    /// The cutover itself failed.
    #[error(transparent)]
    Cutover(#[from] CutoverError),
}

/// `err`, or, when the API server did not answer, `err` under the server's address.
fn name_the_server(err: CutoverError, kube: &kube_connect::Connection) -> CutoverRunError {
    let unanswered = match &err {
        CutoverError::Kube(k) | CutoverError::Drain { source: k, .. } => k.unanswered(),
        _ => false,
    };
    if unanswered {
        CutoverRunError::Unanswered {
            server: kube.server.clone(),
            kubeconfig: kube.kubeconfig.clone(),
            source: Box::new(err),
        }
    } else {
        CutoverRunError::Cutover(err)
    }
}

/// Each recorded group's pool with its source scale set. The import's state file does not hold
/// the scale set, so its name and tags (`poolName`, `resourceNameSuffix`: what the scale set in
/// Azure must say before the cutover touches it) are evaluated from the directory's template
/// (no network; unlike planning, the cluster's requirements are not checked again: the groups
/// exist already).
///
/// The scale set's resource group is the one the import recorded for the pool; `resource_group`
/// (the command's, see [`crate::scope::home_resource_group`]) only for a record written before
/// the home was recorded.
pub fn imported_pools(
    dir: &OutputDir,
    records: &[GroupRecord],
    subscription_id: &str,
    resource_group: &str,
) -> Result<Vec<CutoverPool>, ImportedPoolsError> {
    let context = aks_engine::deployment_context(dir, subscription_id, resource_group);
    let evaluator = ScaleSetEvaluator::new(dir, context, DeployTimePolicy::Mark, None)?;
    records
        .iter()
        .map(|record| {
            let scale_set =
                evaluator
                    .evaluate(&record.pool)
                    .map_err(|source| ImportedPoolsError::Pool {
                        pool: record.pool.clone(),
                        group_id: record.group_id.clone(),
                        dir: dir.path.clone(),
                        source: Box::new(source),
                    })?;
            let tag = |key: &str| {
                scale_set
                    .resource
                    .pointer(&format!("/tags/{key}"))
                    .and_then(serde_json::Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            let name_suffix = tag(cutover::decide::scale_set::NAME_SUFFIX_TAG)
                .or_else(|| {
                    let value = evaluator.deployment().parameter("nameSuffix").ok()?;
                    value.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
                })
                .ok_or_else(|| ImportedPoolsError::NoNameSuffix {
                    pool: record.pool.clone(),
                    dir: dir.path.clone(),
                })?;
            Ok(CutoverPool::from_record(
                record,
                SourceScaleSet {
                    // Unknown (a dry run or `status` without -s): the view matches nodes in
                    // any subscription; a cutover refuses it.
                    subscription: if subscription_id == crate::scope::PLACEHOLDER_SUBSCRIPTION {
                        String::new()
                    } else {
                        subscription_id.to_owned()
                    },
                    resource_group: record
                        .resource_group
                        .as_deref()
                        .unwrap_or(resource_group)
                        .to_owned(),
                    name: scale_set.name().to_owned(),
                    name_suffix,
                },
            ))
        })
        .collect()
}

/// Runs (or resumes) the cutover of `pools` through the kubeconfig at `kubeconfig`, until
/// `cancel` fires. The ARM client comes first: without usable Azure credentials nothing is
/// touched (the cutover reads each scale set before its first cordon, but those in `checked`:
/// read by [`check`] already).
#[allow(clippy::too_many_arguments)]
pub async fn run(
    output_dir: &Path,
    pools: &[CutoverPool],
    checked: &ScaleSetChecks,
    kubeconfig: &Path,
    spot: &SpotClient,
    arm: &mut ArmConnection,
    options: &CutoverOptions,
    progress: &mut dyn Progress,
    cancel: &CancellationToken,
) -> Result<CutoverReport, CutoverRunError> {
    let arm = arm.client().await?;
    let kube = kube_connect::connect(kubeconfig, kube_connect::Retries::Off).await?;
    let clients = Clients {
        kube: &kube.client,
        spot,
        arm: &arm,
    };
    cutover::run_cutover_checked(
        output_dir, pools, checked, clients, options, progress, cancel,
    )
    .await
    .map_err(|e| name_the_server(e, &kube))
}

/// Reads each of `pools`' scale set from Azure by its full id and checks it is the one the
/// import read (what `cutover` does before the confirmation prompt: it also proves the Azure
/// credentials), and which of those `output_dir`'s cutover record says are retired are above 0
/// again. Changes nothing.
pub async fn check(
    output_dir: &Path,
    pools: &[&CutoverPool],
    arm: &mut ArmConnection,
) -> Result<ScaleSetChecks, CutoverRunError> {
    let state = CutoverState::load(&CutoverState::path_in(output_dir))?;
    let arm = arm.client().await?;
    Ok(cutover::check_scale_sets(&arm, &state, pools).await?)
}

/// The pools of `pools` whose cutover `output_dir`'s record says finished (retired), for the
/// same group and scale set: those whose scale set `sync` reads for a revival. No network.
pub fn retired<'a>(
    output_dir: &Path,
    pools: &'a [CutoverPool],
) -> Result<Vec<&'a CutoverPool>, CutoverError> {
    let state = CutoverState::load(&CutoverState::path_in(output_dir))?;
    Ok(pools
        .iter()
        .filter(|p| cutover::verify::is_retired(&state, p))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use elastigroup::ApiGeneration;

    fn example() -> OutputDir {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo-cluster");
        OutputDir::load(&dir).unwrap()
    }

    fn record(pool: &str) -> GroupRecord {
        GroupRecord {
            pool: pool.into(),
            group_id: "sig-1".into(),
            generation: ApiGeneration::V3,
            name: "g".into(),
            created_at: "2026-12-06T00:00:00Z".into(),
            updated_at: None,
            resource_group: None,
            subscription_id: None,
        }
    }

    #[test]
    fn recorded_pools_get_their_scale_set_from_the_template() {
        let dir = example();
        let pools = imported_pools(&dir, &[record("agentpool1")], "sub", "rg").unwrap();
        assert_eq!(pools.len(), 1);
        assert_eq!(pools[0].scale_set, "k8s-agentpool1-31415926-vmss");
        assert_eq!(pools[0].resource_group, "rg");
        assert_eq!(pools[0].subscription, "sub");
        assert_eq!(
            pools[0].name_suffix, "31415926",
            "the resourceNameSuffix tag"
        );
        assert_eq!(pools[0].group_id, "sig-1");

        // H1: the scale set is in the resource group the import recorded
        let mut recorded = record("agentpool1");
        recorded.resource_group = Some("spotaks".into());
        let pools = imported_pools(&dir, &[recorded], "sub", "rg").unwrap();
        assert_eq!(pools[0].resource_group, "spotaks");

        let err = imported_pools(&dir, &[record("nopool")], "sub", "rg").unwrap_err();
        let err = crate::error_chain(&err);
        assert!(err.contains("agent pool `nopool`"), "{err}");
    }
}
