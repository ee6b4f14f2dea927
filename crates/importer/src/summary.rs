//! What a real import did, per pool: the lines `import` prints and its `--output json` document.

use std::path::PathBuf;

use group_sync::{PoolOutcome, PoolReport, SyncCounts, SyncReport};
use serde::Serialize;

use crate::error_chain::error_chain;
use crate::plan::PlannedGroup;
use crate::sizes::PoolSizes;

/// What happened to one pool, as printed: the one printable pool outcome, for `import` and the
/// quick start alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The group was created.
    Created,
    /// The group already existed and was left as it is.
    Existing,
    /// The existing group was updated.
    Updated,
    /// The existing group already had the computed configuration; nothing was sent.
    Unchanged,
    /// Dry run: the existing group differs (see [`GroupResult::changes`]); nothing was sent.
    Differs,
    /// The pool failed (see [`GroupResult::error`]).
    Failed,
}

/// One pool's result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupResult {
    /// The agent pool.
    pub pool: String,
    /// The group's name.
    pub name: String,
    /// The aks-engine scale set the group copies (from the plan, see [`ImportSummary::with_plan`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale_set: Option<String>,
    /// The group's Spot id; `None` when the pool failed before a group existed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// What happened to it.
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
    /// Update and diff: each field that differs (`{path, old, new, secret}`, secrets as
    /// `<changed>`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<serde_json::Value>,
    /// Diff: fields that differ but Spot cannot update, with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<elastigroup::diff::Refusal>,
    /// The VM sizes the group was given, and from which catalog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sizes: Option<PoolSizes>,
}

impl GroupResult {
    /// One pool's line of the sync report.
    pub fn from_report(p: &PoolReport) -> Self {
        let mut r = GroupResult {
            pool: p.pool.clone(),
            name: p.name.clone(),
            scale_set: None,
            group_id: p.outcome.group_id().map(str::to_owned),
            outcome: Outcome::Failed,
            recovered: false,
            adopted: false,
            error: None,
            changes: Vec::new(),
            refused: Vec::new(),
            sizes: None,
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
            PoolOutcome::Updated { changes, .. } => {
                r.outcome = Outcome::Updated;
                r.changes = changes.iter().map(|c| c.json()).collect();
            }
            PoolOutcome::Unchanged { .. } => r.outcome = Outcome::Unchanged,
            PoolOutcome::Differs { diff, .. } => {
                r.outcome = Outcome::Differs;
                r.changes = diff.changes.iter().map(|c| c.json()).collect();
                r.refused = diff.refused.clone();
            }
            PoolOutcome::Failed { error } => {
                // Created but not recorded: the group exists, say which.
                r.group_id = error.created_group_id().map(str::to_owned);
                r.error = Some(error_chain(error));
            }
        }
        r
    }

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
            Outcome::Updated => format!(
                "Spot Elastigroup {id} updated (pool {}, {} field(s))",
                self.pool,
                self.changes.len()
            ),
            Outcome::Unchanged => {
                format!("Spot Elastigroup {id} is up to date (pool {})", self.pool)
            }
            Outcome::Differs => format!(
                "Spot Elastigroup {id} differs (pool {}, {} field(s){})",
                self.pool,
                self.changes.len(),
                if self.refused.is_empty() {
                    String::new()
                } else {
                    format!(", {} Spot cannot update", self.refused.len())
                }
            ),
            Outcome::Failed => return None,
        })
    }
}

/// The whole import's result (the `--output json` document).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    /// One per pool, in the order requested.
    pub groups: Vec<GroupResult>,
    /// The state file the groups are recorded in.
    pub state_file: PathBuf,
    /// What really happened (a created group the state file could not record counts as created).
    #[serde(skip)]
    pub counts: SyncCounts,
}

impl ImportSummary {
    /// From the sync report.
    pub fn new(report: &SyncReport, state_file: PathBuf) -> Self {
        let groups = report.pools.iter().map(GroupResult::from_report).collect();
        Self {
            groups,
            state_file,
            counts: report.counts(),
        }
    }

    /// Adds each pool's scale set and size report from the plan that was sent.
    pub fn with_plan(mut self, planned: &[PlannedGroup]) -> Self {
        for g in &mut self.groups {
            let plan = planned.iter().find(|p| p.pool == g.pool);
            g.scale_set = plan.map(|p| p.scale_set.clone());
            g.sizes = plan.and_then(|p| p.sizes.clone());
        }
        self
    }

    /// How many pools ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.groups.iter().filter(|g| g.outcome == outcome).count()
    }

    /// Every pool has its group.
    pub fn all_succeeded(&self) -> bool {
        self.count(Outcome::Failed) == 0
    }

    /// `created N, existing N, updated N, failed N`, from what really happened: a group created
    /// but not recorded counts as created (with a note), pools an interrupt left untouched as
    /// not started.
    pub fn summary_line(&self) -> String {
        let c = &self.counts;
        let mut line = format!("created {}", c.created);
        if c.created_unrecorded > 0 {
            line.push_str(&format!(
                " ({} not recorded in the state file: a re-run adopts them by name)",
                c.created_unrecorded
            ));
        }
        line.push_str(&format!(
            ", existing {}, updated {}, failed {}",
            c.existing + c.adopted,
            c.updated,
            c.failed
        ));
        if c.interrupted > 0 {
            line.push_str(&format!(", not started {}", c.interrupted));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use elastigroup::ApiGeneration;
    use group_sync::PoolError;
    use serde_json::json;

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

    #[test]
    fn a_created_but_unrecorded_group_counts_as_created_with_a_note() {
        let report = SyncReport {
            pools: vec![
                PoolReport {
                    pool: "a".into(),
                    name: "n-a".into(),
                    generation: ApiGeneration::V3,
                    outcome: PoolOutcome::Failed {
                        error: PoolError::NotRecorded {
                            group_id: "sig-9".into(),
                            path: PathBuf::from("state.json"),
                            created: true,
                            source: group_sync::StateError::Write {
                                path: PathBuf::from("state.json"),
                                source: std::io::Error::other("disk full"),
                            },
                        },
                    },
                },
                PoolReport {
                    pool: "b".into(),
                    name: "n-b".into(),
                    generation: ApiGeneration::V3,
                    outcome: PoolOutcome::Failed {
                        error: PoolError::Interrupted,
                    },
                },
            ],
        };
        let s = ImportSummary::new(&report, PathBuf::from("state.json"));
        assert_eq!(
            s.summary_line(),
            "created 1 (1 not recorded in the state file: a re-run adopts them by name), \
             existing 0, updated 0, failed 0, not started 1"
        );
        assert!(!s.all_succeeded());
        assert_eq!(s.groups[0].group_id.as_deref(), Some("sig-9"));
    }
}
