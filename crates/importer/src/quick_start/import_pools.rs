//! Step 2 of the quick start: the cluster's pools into Spot, through the same import pipeline
//! as `spotinst-aks-engine import` ([`crate::import`]).

use aks_engine::{OutputDir, RequirementOverrides};
use elastigroup::SetAssignment;
use group_sync::{CancellationToken, GroupRequest, PoolOutcome, StateFile, StateLock};
use serde_json::Value;

use super::QuickStartError;
use super::options::QuickStartOptions;
use super::progress::Progress;
use crate::azure_access::ArmConnection;
use crate::import::{self, SyncOptions};
use crate::plan::{self, PlanOptions, PlannedGroup};
use crate::spot_access::{self, SpotAccess};
use crate::summary::{GroupResult, ImportSummary};

/// Plans every pool and imports it; the plan as sent (deploy-time values resolved) and one
/// summary per pool. A plan error is the cluster's; a failure after planning (Azure, Spot, any
/// failed pool) says that a re-run resumes. Once `cancel` fires no new create starts; those in
/// flight finish and are recorded, and the error lists every pool's result.
#[allow(clippy::too_many_arguments)]
pub(super) async fn import_groups(
    dir: &OutputDir,
    opts: &QuickStartOptions,
    subscription_id: &str,
    sets: Vec<SetAssignment>,
    arm: &mut ArmConnection,
    lock: &StateLock,
    progress: &mut dyn Progress,
    cancel: &CancellationToken,
) -> Result<(Vec<PlannedGroup>, Vec<GroupResult>), QuickStartError> {
    let options = PlanOptions {
        pools: Vec::new(),
        generation: opts.generation,
        sets,
        overrides: RequirementOverrides::default(),
        subscription_id: subscription_id.to_owned(),
        resource_group: opts.inputs.resource_group.clone(),
        sizes: opts.sizes.options(dir, true)?,
    };
    let planned = plan::plan(dir, &options, None)?;
    import::report_plan(&planned, false);
    let spot = SpotAccess {
        token: Some(opts.inputs.spot_token.clone()),
        account: Some(opts.inputs.spot_account.clone()),
        base_url: opts.spot_base_url.clone(),
        timeout: spot_access::DEFAULT_TIMEOUT,
    };
    let imported = async {
        let spot = spot.client().map_err(import::ImportError::Spot)?;
        let imported = import::import(
            dir,
            &options,
            planned,
            &spot,
            arm,
            import::StateAccess::Locked(lock),
            SyncOptions {
                cancel: cancel.clone(),
                ..SyncOptions::default()
            },
            &mut |requests: &[GroupRequest]| {
                let pools: Vec<&str> = requests.iter().map(|r| r.pool.as_str()).collect();
                progress.status(format!("creating groups for {}", pools.join(", ")));
            },
        )
        .await?;
        if cancel.is_cancelled() {
            let lines: Vec<String> = imported
                .report
                .pools
                .iter()
                .map(|p| format!("  {p}"))
                .collect();
            return Err(QuickStartError::InterruptedImport { pools: lines });
        }
        if !imported.report.all_succeeded() {
            let lines: Vec<String> = imported
                .report
                .failures()
                .map(|p| format!("  {p}"))
                .collect();
            return Err(QuickStartError::PoolsFailed { failures: lines });
        }
        Ok::<_, QuickStartError>(imported)
    }
    .await
    .map_err(|source| QuickStartError::ImportStep {
        out: opts.output_dir.clone(),
        source: Box::new(source),
    })?;
    let report = imported.report;
    let summary =
        ImportSummary::new(&report, StateFile::path_in(&dir.path)).with_plan(&imported.planned);
    for p in report.pools {
        if let PoolOutcome::Failed { error } = p.outcome {
            return Err(QuickStartError::PoolFailed {
                pool: p.pool,
                source: Box::new(error),
            });
        }
    }
    Ok((imported.planned, summary.groups))
}

/// The identifier the controller must report: the group's (v2 integration), else the DNS prefix.
pub(super) fn cluster_identifier(planned: &[PlannedGroup], dns_prefix: &str) -> String {
    planned
        .iter()
        .find_map(|g| {
            g.body
                .pointer("/group/thirdPartiesIntegration/kubernetes/clusterIdentifier")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        })
        .unwrap_or(dns_prefix)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn planned(body: Value) -> PlannedGroup {
        PlannedGroup {
            pool: "agentpool1".into(),
            scale_set: "k8s-agentpool1-1-vmss".into(),
            name: "g".into(),
            body,
            warnings: vec![],
            deferred: vec![],
            sizes: None,
        }
    }

    #[test]
    fn cluster_identifier_follows_the_group_else_the_dns_prefix() {
        let v2 = planned(
            json!({"group": {"thirdPartiesIntegration": {"kubernetes": {"clusterIdentifier": "ci-1"}}}}),
        );
        assert_eq!(cluster_identifier(&[v2], "demo"), "ci-1");
        let v3 = planned(json!({"group": {"name": "g"}}));
        assert_eq!(cluster_identifier(&[v3], "demo"), "demo");
    }
}
