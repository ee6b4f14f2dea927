//! What a sync did, per pool.

use crate::error::PoolError;
use elastigroup::ApiGeneration;
use elastigroup::diff::{FieldChange, GroupDiff};
use std::fmt;

/// The result for one pool.
#[derive(Debug)]
pub enum PoolOutcome {
    /// A new group; `recovered` when its create response was lost and it was found by name.
    Created {
        /// The group's id.
        group_id: String,
        /// The create's response was lost and the group was found by name afterwards.
        recovered: bool,
    },
    /// Already there: recorded in the state file, or `adopted` (found by name through the API).
    Existing {
        /// The group's id.
        group_id: String,
        /// Found by name through the API and recorded now, rather than read from the state file.
        adopted: bool,
    },
    /// The existing group got the new configuration (update mode): these fields changed.
    Updated {
        /// The group's id.
        group_id: String,
        /// What the update changed (secrets without their values: see [`FieldChange`]).
        changes: Vec<FieldChange>,
    },
    /// The existing group already has the computed configuration: nothing was sent.
    Unchanged {
        /// The group's id.
        group_id: String,
    },
    /// Diff mode: what an update would change; nothing was sent.
    Differs {
        /// The group's id.
        group_id: String,
        /// The differences (refused fields included).
        diff: GroupDiff,
    },
    /// The pool has no group; the state file is unchanged for it.
    Failed {
        /// Why it failed.
        error: PoolError,
    },
}

impl PoolOutcome {
    /// The group id, unless the pool failed.
    pub fn group_id(&self) -> Option<&str> {
        match self {
            PoolOutcome::Created { group_id, .. }
            | PoolOutcome::Existing { group_id, .. }
            | PoolOutcome::Updated { group_id, .. }
            | PoolOutcome::Unchanged { group_id }
            | PoolOutcome::Differs { group_id, .. } => Some(group_id),
            PoolOutcome::Failed { .. } => None,
        }
    }
}

/// One pool's line of the report.
#[derive(Debug)]
pub struct PoolReport {
    /// The agent pool's name.
    pub pool: String,
    /// The group's name in Spot.
    pub name: String,
    /// The Elastigroup API generation of the group.
    pub generation: ApiGeneration,
    /// What happened.
    pub outcome: PoolOutcome,
}

impl fmt::Display for PoolReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.pool)?;
        match &self.outcome {
            PoolOutcome::Created {
                group_id,
                recovered,
            } => {
                write!(f, "Spot Elastigroup {group_id} successfully created")?;
                if *recovered {
                    f.write_str(" (its response was lost; found by name)")?;
                }
                Ok(())
            }
            PoolOutcome::Existing {
                group_id,
                adopted: false,
            } => {
                write!(f, "Spot Elastigroup {group_id} already exists (recorded)")
            }
            PoolOutcome::Existing {
                group_id,
                adopted: true,
            } => write!(
                f,
                "Spot Elastigroup {group_id} named {:?} already exists; adopted it",
                self.name
            ),
            PoolOutcome::Updated { group_id, changes } => write!(
                f,
                "Spot Elastigroup {group_id} updated ({} field(s))",
                changes.len()
            ),
            PoolOutcome::Unchanged { group_id } => {
                write!(f, "Spot Elastigroup {group_id} is up to date")
            }
            PoolOutcome::Differs { group_id, diff } => write!(
                f,
                "Spot Elastigroup {group_id} differs in {} field(s){}",
                diff.changes.len(),
                if diff.refused.is_empty() {
                    String::new()
                } else {
                    format!("; {} refused", diff.refused.len())
                }
            ),
            PoolOutcome::Failed { error } => {
                write!(f, "failed: {error}")?;
                let mut cause = std::error::Error::source(error);
                while let Some(c) = cause {
                    write!(f, ": {c}")?;
                    cause = c.source();
                }
                Ok(())
            }
        }
    }
}

/// The result of a sync, in the order the pools were requested.
#[derive(Debug, Default)]
pub struct SyncReport {
    /// One report per pool, in the order requested.
    pub pools: Vec<PoolReport>,
}

/// What really happened in a run, counted per pool.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncCounts {
    /// Groups this run created in Spot, recorded or not.
    pub created: usize,
    /// Of `created`, those the state file could not record (they exist in Spot; a re-run
    /// adopts them).
    pub created_unrecorded: usize,
    /// Pools whose recorded group was found in Spot.
    pub existing: usize,
    /// Groups found by name and adopted.
    pub adopted: usize,
    /// Groups that got the new configuration (update mode).
    pub updated: usize,
    /// Groups that already had it (update and diff modes).
    pub unchanged: usize,
    /// Groups that differ (diff mode).
    pub differ: usize,
    /// Pools that failed, not counting `interrupted` and `created_unrecorded`.
    pub failed: usize,
    /// Pools left untouched because the run was interrupted, or stopped after a failed record.
    pub interrupted: usize,
}

impl fmt::Display for SyncCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "created {}", self.created)?;
        if self.created_unrecorded > 0 {
            write!(f, " ({} not recorded)", self.created_unrecorded)?;
        }
        write!(
            f,
            ", existing {}, adopted {}, updated {}, failed {}",
            self.existing, self.adopted, self.updated, self.failed
        )?;
        if self.unchanged > 0 {
            write!(f, ", up to date {}", self.unchanged)?;
        }
        if self.differ > 0 {
            write!(f, ", differ {}", self.differ)?;
        }
        if self.interrupted > 0 {
            write!(f, ", not started {}", self.interrupted)?;
        }
        Ok(())
    }
}

impl SyncReport {
    /// No pool failed.
    pub fn all_succeeded(&self) -> bool {
        self.failures().next().is_none()
    }

    /// The pools that failed.
    pub fn failures(&self) -> impl Iterator<Item = &PoolReport> {
        self.pools
            .iter()
            .filter(|p| matches!(p.outcome, PoolOutcome::Failed { .. }))
    }

    /// A cancel left pools untouched (failed with [`PoolError::Interrupted`]). Whether a cancel
    /// happened at all is the caller's token's `is_cancelled()`.
    pub fn interrupted(&self) -> bool {
        self.pools.iter().any(|p| {
            matches!(
                p.outcome,
                PoolOutcome::Failed {
                    error: PoolError::Interrupted
                }
            )
        })
    }

    /// The counts of what happened.
    pub fn counts(&self) -> SyncCounts {
        let mut c = SyncCounts::default();
        for p in &self.pools {
            match &p.outcome {
                PoolOutcome::Created { .. } => c.created += 1,
                PoolOutcome::Existing { adopted: false, .. } => c.existing += 1,
                PoolOutcome::Existing { adopted: true, .. } => c.adopted += 1,
                PoolOutcome::Updated { .. } => c.updated += 1,
                PoolOutcome::Unchanged { .. } => c.unchanged += 1,
                PoolOutcome::Differs { .. } => c.differ += 1,
                PoolOutcome::Failed { error } if error.created_group_id().is_some() => {
                    c.created += 1;
                    c.created_unrecorded += 1;
                }
                PoolOutcome::Failed { error } if error.not_started() => c.interrupted += 1,
                PoolOutcome::Failed { .. } => c.failed += 1,
            }
        }
        c
    }

    /// A pool's line.
    pub fn pool(&self, pool: &str) -> Option<&PoolReport> {
        self.pools.iter().find(|p| p.pool == pool)
    }
}
