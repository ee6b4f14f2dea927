//! A real import after planning: resolve deploy-time values through Azure Resource Manager when
//! the plan needs them, make sure no marker is left, create (or update) the groups through the
//! Spot API and summarise what happened per pool.
//!
//! The dry run prints the plan with `<<deploy-time: ...>>` markers; a real import must never send
//! one, so [`group_requests`] refuses any plan that still holds a marker before anything is sent.

use std::path::{Path, PathBuf};

use aks_engine::OutputDir;
use anyhow::{Context, Result, bail};
use elastigroup::ApiGeneration;
use group_sync::{GroupRequest, PoolOutcome, SyncMode, SyncReport};
use serde::Serialize;
use serde_json::Value;
use spot_api::SpotClient;

use crate::azure_access::AzureAccess;
use crate::import_plan::{self, PlanOptions, PlannedGroup};

/// Whether any planned group holds a value only Azure Resource Manager can answer.
pub fn needs_deploy_time_values(planned: &[PlannedGroup]) -> bool {
    planned.iter().any(|g| !g.deferred.is_empty())
}

/// Plans again with `reference()` answered from Azure Resource Manager.
///
/// Must be called outside any async task (e.g. from `main`'s thread): the template evaluator is
/// synchronous and the resolver blocks on `runtime` for each `reference()`.
pub fn plan_with_arm(
    dir: &OutputDir,
    options: &PlanOptions,
    access: &AzureAccess,
    runtime: &tokio::runtime::Runtime,
) -> Result<Vec<PlannedGroup>> {
    let hint = "a real import needs Azure Resource Manager access to resolve them \
                (set AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID, pass --use-msi, or log in with `az login`)";
    let client = runtime
        .block_on(access.client(&options.subscription_id))
        .with_context(|| format!("the plan has deploy-time values; {hint}"))?;
    tracing::info!(
        "resolving deploy-time values through Azure Resource Manager (subscription {}, resource group {})",
        options.subscription_id,
        options.resource_group
    );
    let resolver = azure_arm::ArmResolver::new(
        client,
        options.resource_group.clone(),
        runtime.handle().clone(),
    );
    import_plan::plan(dir, options, Some(&resolver)).with_context(|| {
        format!("resolving deploy-time values through Azure Resource Manager; {hint}")
    })
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
) -> Result<Vec<GroupRequest>> {
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
        bail!(
            "refusing to create Elastigroups with unresolved deploy-time values (nothing was sent):\n  {}",
            problems.join("\n  ")
        );
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

/// Creates (or, in [`SyncMode::Update`], updates) one group per request, recording each in the
/// state file of `output_dir`.
pub async fn create_groups(
    client: &SpotClient,
    output_dir: &Path,
    requests: Vec<GroupRequest>,
    mode: SyncMode,
    concurrency: usize,
) -> Result<SyncReport> {
    let state_path = group_sync::StateFile::path_in(output_dir);
    group_sync::sync_groups(client, &state_path, requests, mode, concurrency)
        .await
        .map_err(anyhow::Error::from)
}

/// What happened to one pool, as printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Created,
    Existing,
    Updated,
    Failed,
}

/// One pool's result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupResult {
    pub pool: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    pub outcome: Outcome,
    /// The create response was lost and the group was found by name.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub recovered: bool,
    /// An existing group of the same name was adopted.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub adopted: bool,
    /// The full error (every cause), for failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl GroupResult {
    /// The line printed for a success (`None` for a failure).
    pub fn success_line(&self) -> Option<String> {
        let id = self.group_id.as_deref()?;
        Some(match self.outcome {
            Outcome::Created => format!("Spot Elastigroup {id} successfully created"),
            Outcome::Existing if self.adopted => format!(
                "Spot Elastigroup {id} already exists (pool {}, adopted by its name {})",
                self.pool, self.name
            ),
            Outcome::Existing => {
                format!("Spot Elastigroup {id} already exists (pool {})", self.pool)
            }
            Outcome::Updated => format!("Spot Elastigroup {id} updated (pool {})", self.pool),
            Outcome::Failed => return None,
        })
    }
}

/// The whole import's result (the `--output json` document).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub groups: Vec<GroupResult>,
    pub state_file: PathBuf,
}

impl ImportSummary {
    /// From the sync report.
    pub fn new(report: &SyncReport, state_file: PathBuf) -> Self {
        let groups = report
            .pools
            .iter()
            .map(|p| {
                let mut r = GroupResult {
                    pool: p.pool.clone(),
                    name: p.name.clone(),
                    group_id: p.outcome.group_id().map(str::to_owned),
                    outcome: Outcome::Failed,
                    recovered: false,
                    adopted: false,
                    error: None,
                };
                match &p.outcome {
                    PoolOutcome::Created { recovered, .. } => {
                        r.outcome = Outcome::Created;
                        r.recovered = *recovered;
                    }
                    PoolOutcome::Existing { adopted, .. } => {
                        r.outcome = Outcome::Existing;
                        r.adopted = *adopted;
                    }
                    PoolOutcome::Updated { .. } => r.outcome = Outcome::Updated,
                    PoolOutcome::Failed { error } => r.error = Some(error_chain(error)),
                }
                r
            })
            .collect();
        Self { groups, state_file }
    }

    /// How many pools ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.groups.iter().filter(|g| g.outcome == outcome).count()
    }

    /// Every pool has its group.
    pub fn all_succeeded(&self) -> bool {
        self.count(Outcome::Failed) == 0
    }

    /// `created N, existing N, updated N, failed N`.
    pub fn summary_line(&self) -> String {
        format!(
            "created {}, existing {}, updated {}, failed {}",
            self.count(Outcome::Created),
            self.count(Outcome::Existing),
            self.count(Outcome::Updated),
            self.count(Outcome::Failed)
        )
    }
}

/// An error and its causes on one line, skipping a cause its parent's message already shows.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use arm_template::Deferred;
    use group_sync::{PoolError, PoolReport};
    use serde_json::json;

    fn planned(pool: &str, body: Value, deferred: Vec<Deferred>) -> PlannedGroup {
        PlannedGroup {
            pool: pool.into(),
            scale_set: format!("k8s-{pool}-vmss"),
            name: format!("demo-{pool}"),
            body,
            warnings: vec![],
            deferred,
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

    #[test]
    fn summary_counts_outcomes_and_renders_lines() {
        let report = SyncReport {
            pools: vec![
                PoolReport {
                    pool: "a".into(),
                    name: "n-a".into(),
                    generation: ApiGeneration::V3,
                    outcome: PoolOutcome::Created {
                        group_id: "sig-1".into(),
                        recovered: false,
                    },
                },
                PoolReport {
                    pool: "b".into(),
                    name: "n-b".into(),
                    generation: ApiGeneration::V3,
                    outcome: PoolOutcome::Existing {
                        group_id: "sig-2".into(),
                        adopted: false,
                    },
                },
                PoolReport {
                    pool: "c".into(),
                    name: "n-c".into(),
                    generation: ApiGeneration::V3,
                    outcome: PoolOutcome::Failed {
                        error: PoolError::Task("boom".into()),
                    },
                },
            ],
        };
        let s = ImportSummary::new(&report, PathBuf::from("state.json"));
        assert_eq!(
            s.summary_line(),
            "created 1, existing 1, updated 0, failed 1"
        );
        assert!(!s.all_succeeded());
        assert_eq!(
            s.groups[0].success_line().unwrap(),
            "Spot Elastigroup sig-1 successfully created"
        );
        assert_eq!(
            s.groups[1].success_line().unwrap(),
            "Spot Elastigroup sig-2 already exists (pool b)"
        );
        assert_eq!(s.groups[2].success_line(), None);
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(
            v,
            json!({"groups": [
                {"pool": "a", "name": "n-a", "groupId": "sig-1", "outcome": "created"},
                {"pool": "b", "name": "n-b", "groupId": "sig-2", "outcome": "existing"},
                {"pool": "c", "name": "n-c", "outcome": "failed", "error": "the task of this pool failed: boom"}
            ], "stateFile": "state.json"})
        );
    }
}
