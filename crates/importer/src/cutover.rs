//! The cutover of an imported output directory, as `spotinst-aks-engine cutover` and
//! `create-simple --scale-source-to-zero` both run it: the imported pools with the scale sets
//! aks-engine made for them, the kubeconfig, and the run itself (the `cutover` crate's).

use std::path::{Path, PathBuf};

use aks_engine::{OutputDir, ScaleSetError, ScaleSetEvaluator};
use arm_template::DeployTimePolicy;
use cutover::{
    Clients, CutoverError, CutoverOptions, CutoverPool, CutoverReport, KubeconfigError, Progress,
};
use group_sync::GroupRecord;
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
    /// The cutover itself failed.
    #[error(transparent)]
    Cutover(#[from] CutoverError),
}

/// Each recorded group's pool with its source scale set. The import's state file does not hold
/// the scale set, so its name is evaluated from the directory's template (no network; unlike
/// planning, the cluster's requirements are not checked again: the groups exist already).
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
            Ok(CutoverPool::from_record(
                record,
                scale_set.name(),
                resource_group,
            ))
        })
        .collect()
}

/// Runs (or resumes) the cutover of `pools` through the kubeconfig at `kubeconfig`; the ARM
/// client is made only now (tenant discovery costs a round trip).
pub async fn run(
    output_dir: &Path,
    pools: &[CutoverPool],
    kubeconfig: &Path,
    spot: &SpotClient,
    arm: &mut ArmConnection,
    options: &CutoverOptions,
    progress: &mut dyn Progress,
) -> Result<CutoverReport, CutoverRunError> {
    let kube = cutover::client_from_kubeconfig(kubeconfig).await?;
    let arm = arm.client().await?;
    let clients = Clients {
        kube: &kube,
        spot,
        arm: &arm,
    };
    Ok(cutover::run_cutover(output_dir, pools, clients, options, progress).await?)
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
        }
    }

    #[test]
    fn recorded_pools_get_their_scale_set_from_the_template() {
        let dir = example();
        let pools = imported_pools(&dir, &[record("agentpool1")], "sub", "rg").unwrap();
        assert_eq!(pools.len(), 1);
        assert_eq!(pools[0].scale_set, "k8s-agentpool1-31415926-vmss");
        assert_eq!(pools[0].resource_group, "rg");
        assert_eq!(pools[0].group_id, "sig-1");

        let err = imported_pools(&dir, &[record("nopool")], "sub", "rg").unwrap_err();
        let err = crate::error_chain(&err);
        assert!(err.contains("agent pool `nopool`"), "{err}");
    }
}
