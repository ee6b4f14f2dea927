//! The one import pipeline, shared by `import` and `create-simple`: after planning, resolve
//! deploy-time values through Azure Resource Manager when the plan needs them, refuse any marker
//! left, build the requests, make the Spot client (one way, [`SpotAccess::client`]), and create
//! (or update) the groups, recorded in the output directory's state file.
//!
//! The dry run prints the plan with `<<deploy-time: ...>>` markers; a real import must never send
//! one, so [`group_requests`] refuses any plan that still holds a marker before anything is sent.

use std::borrow::Cow;

use aks_engine::OutputDir;
use elastigroup::ApiGeneration;
use group_sync::{GroupRequest, StateLock, SyncError, SyncReport};
use serde_json::Value;

use crate::azure_access::{ArmConnectError, ArmConnection};
use crate::plan::{self, PlanError, PlanOptions, PlannedGroup};
use crate::prices::{self, PriceData, SaveLive};
use crate::sizes::{self, CatalogSource};
use crate::spot_access::SpotAccessError;
use spot_api::SpotClient;

/// How to give a real import Azure Resource Manager access, for the plan's deploy-time values.
const AZURE_HINT: &str = "a real import needs Azure Resource Manager access to resolve them \
    (set AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID, pass --use-msi, or log in with `az login`)";

/// A real import that could not run, or stopped before sending anything. (Failures of single
/// pools are not errors: they are in the [`SyncReport`].)
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// No Spot client (credentials or settings).
    #[error(transparent)]
    Spot(#[from] SpotAccessError),
    /// Planning again (with the live catalog) failed.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The plan needs Azure Resource Manager for deploy-time values, and no client could be made.
    #[error("the plan has deploy-time values; {AZURE_HINT}")]
    NoAzureForDeployTimeValues(#[source] ArmConnectError),
    /// Planning again with the deploy-time values resolved failed.
    #[error("resolving deploy-time values through Azure Resource Manager; {AZURE_HINT}")]
    DeployTimeValues(#[source] PlanError),
    /// Each problem names the pool and the JSON path, never the value (it may be a secret).
    #[error(
        "refusing to create Elastigroups with unresolved deploy-time values (nothing was sent):\n  {}",
        problems.join("\n  ")
    )]
    Unresolved {
        /// One line per value left as a marker.
        problems: Vec<String>,
    },
    /// The sync could not start (group-sync says why).
    #[error(transparent)]
    Sync(#[from] SyncError),
}

/// How many groups are created at once unless the user says otherwise.
pub use group_sync::DEFAULT_CONCURRENCY;
/// How the groups are sent: group-sync's options, used as they are.
pub use group_sync::SyncOptions;

/// What a real import did: the plan it sent (deploy-time values resolved) and the sync report.
#[derive(Debug)]
pub struct Imported {
    /// The groups as sent, in pool order.
    pub planned: Vec<PlannedGroup>,
    /// Each pool's outcome.
    pub report: SyncReport,
    /// The prices and eviction rates the plan was made with (live ones read now).
    pub prices: PriceData,
}

/// Logs the plan's warnings, and each value left to deploy time: a dry run shows it as a marker
/// (a warning), a real import resolves it (a note at `-v`).
pub fn report_plan(planned: &[PlannedGroup], dry_run: bool) {
    for group in planned {
        for w in &group.warnings {
            tracing::warn!("agent pool `{}`: {w}", group.pool);
        }
        for d in &group.deferred {
            if !dry_run {
                tracing::info!(
                    "agent pool `{}`: {} needs the deploy-time value {}",
                    group.pool,
                    d.json_path,
                    d.expression
                );
                continue;
            }
            let then =
                "shown as a marker; a real import resolves it through Azure Resource Manager";
            tracing::warn!(
                "agent pool `{}`: {} needs the deploy-time value {} ({then})",
                group.pool,
                d.json_path,
                d.expression
            );
        }
    }
}

/// Where [`import`] records its groups, or that it only compares.
#[derive(Debug, Clone, Copy)]
pub enum StateAccess<'a> {
    /// Recorded in the state file this lock guards (the caller holds the output directory's
    /// lock for its whole run: [`crate::lock::lock_output_dir`]); the live catalog and prices
    /// are saved in the output directory for later dry runs.
    Locked(&'a StateLock),
    /// A dry run's comparison ([`group_sync::diff_groups`], whatever the sync's mode) with the
    /// state file as the caller read it (once, without the lock): nothing is written into the
    /// output directory (the live catalog and prices neither).
    ReadOnly(&'a group_sync::StateFile),
}

/// The real import of a plan: deploy-time values, requests (refusing markers), then the groups,
/// sent through `client` and recorded (with the plan's subscription and resource group) as
/// `state` says. `on_sync` is told the requests just before the first one is sent.
///
/// Must run on a multi-thread runtime (see [`resolve_deploy_time_values`]).
// Each argument is a different thing the caller owns (plan, accesses, lock, options, callback);
// a struct bundling them would only move the list.
#[allow(clippy::too_many_arguments)]
pub async fn import(
    dir: &OutputDir,
    options: &PlanOptions,
    planned: Vec<PlannedGroup>,
    client: &SpotClient,
    arm: &mut ArmConnection,
    state: StateAccess<'_>,
    mut sync: SyncOptions,
    on_sync: &mut dyn FnMut(&[GroupRequest]),
) -> Result<Imported, ImportError> {
    sync.subscription_id
        .get_or_insert_with(|| options.subscription_id.clone());
    // The live Resource SKUs catalog, when the plan waits for it: then the plan is made again
    // with the sizes it allows (by the deploy-time resolution when that re-plans anyway).
    // So are live prices and eviction rates (they rank the sizes); both are saved for later.
    let save = match state {
        StateAccess::Locked(_) => SaveLive::Save,
        StateAccess::ReadOnly(_) => SaveLive::DontSave,
    };
    let mut options = Cow::Borrowed(options);
    let mut planned = planned;
    let mut replan = false;
    if matches!(options.sizes.catalog, CatalogSource::Pending) {
        options.to_mut().sizes.catalog = sizes::settle_catalog(dir, arm, save).await;
        replan = true;
    }
    if options.sizes.prices.is_pending()
        && let Some(region) = sizes::cluster_region(dir)
    {
        let data = &mut options.to_mut().sizes.prices;
        prices::settle(data, &dir.path, &region, None, arm, save).await;
        replan = true;
    }
    if replan && !needs_deploy_time_values(&planned) {
        planned = plan::plan(dir, &options, None)?;
    }
    let planned = resolve_deploy_time_values(dir, &options, planned, arm).await?;
    // Never send a marker: this refuses before any request if one is left.
    let requests = group_requests(&planned, options.generation)?;
    tracing::info!(
        "creating {} Elastigroup(s), {} at a time",
        requests.len(),
        sync.concurrency.max(1)
    );
    on_sync(&requests);
    let report = match state {
        StateAccess::Locked(lock) => {
            group_sync::sync_groups_locked(client, lock, requests, sync).await?
        }
        StateAccess::ReadOnly(state) => {
            group_sync::diff_groups(client, state, requests, sync).await?
        }
    };
    Ok(Imported {
        planned,
        report,
        prices: options.sizes.prices.clone(),
    })
}

/// Whether any planned group holds a value only Azure Resource Manager can answer.
pub fn needs_deploy_time_values(planned: &[PlannedGroup]) -> bool {
    planned.iter().any(|g| !g.deferred.is_empty())
}

/// `planned` itself when it needs nothing from Azure, else the plan made again with
/// `reference()` answered from Azure Resource Manager.
///
/// The template evaluator is synchronous and the resolver blocks on the runtime for each
/// `reference()`, so planning leaves the async context with `block_in_place`: this panics on a
/// current-thread runtime.
pub async fn resolve_deploy_time_values(
    dir: &OutputDir,
    options: &PlanOptions,
    planned: Vec<PlannedGroup>,
    arm: &mut ArmConnection,
) -> Result<Vec<PlannedGroup>, ImportError> {
    if !needs_deploy_time_values(&planned) {
        return Ok(planned);
    }
    let client = arm
        .client()
        .await
        .map_err(ImportError::NoAzureForDeployTimeValues)?;
    tracing::info!(
        "resolving deploy-time values through Azure Resource Manager (subscription {}, resource group {})",
        options.subscription_id,
        options.resource_group
    );
    let resolver = azure_arm::ArmResolver::new(
        client,
        options.resource_group.clone(),
        tokio::runtime::Handle::current(),
    );
    tokio::task::block_in_place(|| plan::plan(dir, options, Some(&resolver)))
        .map_err(ImportError::DeployTimeValues)
}

/// Every string of `value` that holds a deploy-time marker, with its JSON pointer (the strings
/// themselves are not returned: they may be secrets).
fn marker_paths(value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::String(s) if s.contains(arm_template::DEPLOY_TIME_MARKER_OPEN) => {
            out.push(if at.is_empty() { "/".into() } else { at.into() });
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                marker_paths(item, &format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                marker_paths(v, &format!("{at}/{k}"), out);
            }
        }
        _ => {}
    }
}

/// The requests to send, refusing a plan that still holds a deploy-time value or marker.
pub fn group_requests(
    planned: &[PlannedGroup],
    generation: ApiGeneration,
) -> Result<Vec<GroupRequest>, ImportError> {
    let mut problems = Vec::new();
    for group in planned {
        for d in &group.deferred {
            problems.push(format!(
                "agent pool `{}`: {} needs the deploy-time value {}",
                group.pool, d.json_path, d.expression
            ));
        }
        let mut paths = Vec::new();
        marker_paths(&group.body, "", &mut paths);
        for p in paths {
            problems.push(format!(
                "agent pool `{}`: {p} still holds a deploy-time marker",
                group.pool
            ));
        }
    }
    if !problems.is_empty() {
        return Err(ImportError::Unresolved { problems });
    }
    Ok(planned
        .iter()
        .map(|g| GroupRequest {
            pool: g.pool.clone(),
            name: g.name.clone(),
            generation,
            body: g.body.clone(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arm_template::Deferred;
    use serde_json::json;

    fn planned(pool: &str, body: Value, deferred: Vec<Deferred>) -> PlannedGroup {
        PlannedGroup {
            pool: pool.into(),
            scale_set: format!("k8s-{pool}-vmss"),
            name: format!("demo-{pool}"),
            body,
            warnings: vec![],
            deferred,
            sizes: None,
        }
    }

    #[test]
    fn requests_carry_pool_name_generation_and_body() {
        let p = planned(
            "agentpool1",
            json!({"group": {"name": "demo-agentpool1"}}),
            vec![],
        );
        let r = group_requests(&[p], ApiGeneration::V2).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].pool, "agentpool1");
        assert_eq!(r[0].name, "demo-agentpool1");
        assert_eq!(r[0].generation, ApiGeneration::V2);
        assert_eq!(r[0].body["group"]["name"], "demo-agentpool1");
    }

    #[test]
    fn a_marker_anywhere_is_refused_without_showing_the_value() {
        let body = json!({"group": {"compute": {"launchSpecification": {"extensions": [
            {"protectedSettings": {"commandToExecute": "secret-ish ID=<<deploy-time: reference(x).clientId>>"}}
        ]}}}});
        let err = group_requests(&[planned("p1", body, vec![])], ApiGeneration::V3)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "/group/compute/launchSpecification/extensions/0/protectedSettings/commandToExecute"
            ),
            "{err}"
        );
        assert!(err.contains("nothing was sent"), "{err}");
        assert!(!err.contains("secret-ish"), "{err}");
    }

    #[test]
    fn a_deferred_value_is_refused_and_named() {
        let d = Deferred {
            json_path: "properties.x".into(),
            expression: "reference('id').clientId".into(),
        };
        let p = planned("p1", json!({"group": {"name": "n"}}), vec![d]);
        assert!(needs_deploy_time_values(std::slice::from_ref(&p)));
        let err = group_requests(&[p], ApiGeneration::V3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("reference('id').clientId"), "{err}");
    }

    /// The demo cluster in `examples/`, planned offline.
    fn demo() -> (OutputDir, PlanOptions) {
        let dir = OutputDir::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo-cluster"),
        )
        .unwrap();
        let options = PlanOptions {
            pools: vec![],
            generation: ApiGeneration::V3,
            sets: vec![],
            overrides: Default::default(),
            subscription_id: "6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d".into(),
            resource_group: "rg".into(),
            sizes: Default::default(),
        };
        (dir, options)
    }

    /// Spot and ARM on a closed loopback port: any request would fail the test.
    fn unreachable() -> (crate::spot_access::SpotAccess, ArmConnection) {
        let spot = crate::spot_access::SpotAccess {
            token: Some(spot_api::SecretString::from("t")),
            account: Some("act-1".into()),
            base_url: "http://127.0.0.1:9".into(),
            timeout: std::time::Duration::from_secs(1),
        };
        let arm = ArmConnection::new(
            crate::azure_access::AzureAccess {
                arm_url: Some("http://127.0.0.1:9".into()),
                ..Default::default()
            },
            "6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d",
        );
        (spot, arm)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn a_plan_without_deploy_time_values_needs_no_azure() {
        let (dir, options) = demo();
        let planned = plan::plan(&dir, &options, None).unwrap();
        assert!(!needs_deploy_time_values(&planned));
        let (_, mut arm) = unreachable();
        let resolved = resolve_deploy_time_values(&dir, &options, planned.clone(), &mut arm)
            .await
            .unwrap();
        assert_eq!(resolved.len(), planned.len());
        assert_eq!(resolved[0].body, planned[0].body);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn the_pipeline_refuses_a_marker_before_sending_anything() {
        let (dir, options) = demo();
        let mut planned = plan::plan(&dir, &options, None).unwrap();
        planned[0].body["group"]["description"] = json!("<<deploy-time: reference(x).y>>");
        let (spot, mut arm) = unreachable();
        let spot = spot.client().unwrap();
        let work = tempfile::tempdir().unwrap();
        let lock = crate::lock::lock_output_dir(work.path()).unwrap();
        let mut told = false;
        let err = import(
            &dir,
            &options,
            planned,
            &spot,
            &mut arm,
            StateAccess::Locked(&lock),
            SyncOptions::default(),
            &mut |_| told = true,
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(err.contains("nothing was sent"), "{err}");
        assert!(!told, "no request was started");
    }
}
