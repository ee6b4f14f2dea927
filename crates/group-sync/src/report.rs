//! What a sync did, per pool.

use crate::error::PoolError;
use elastigroup::ApiGeneration;
use std::fmt;

/// The result for one pool.
#[derive(Debug)]
pub enum PoolOutcome {
    /// A new group; `recovered` when its create response was lost and it was found by name.
    Created {
        group_id: String,
        recovered: bool,
    },
    /// Already there: recorded in the state file, or `adopted` (found by name through the API).
    Existing {
        group_id: String,
        adopted: bool,
    },
    /// The existing group got the new configuration (update mode).
    Updated {
        group_id: String,
    },
    Failed {
        error: PoolError,
    },
}

impl PoolOutcome {
    /// The group id, unless the pool failed.
    pub fn group_id(&self) -> Option<&str> {
        match self {
            PoolOutcome::Created { group_id, .. }
            | PoolOutcome::Existing { group_id, .. }
            | PoolOutcome::Updated { group_id } => Some(group_id),
            PoolOutcome::Failed { .. } => None,
        }
    }
}

/// One pool's line of the report.
#[derive(Debug)]
pub struct PoolReport {
    pub pool: String,
    pub name: String,
    pub generation: ApiGeneration,
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
            PoolOutcome::Updated { group_id } => write!(f, "Spot Elastigroup {group_id} updated"),
            PoolOutcome::Failed { error } => write!(f, "failed: {error}"),
        }
    }
}

/// The result of a sync, in the order the pools were requested.
#[derive(Debug, Default)]
pub struct SyncReport {
    pub pools: Vec<PoolReport>,
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

    /// A pool's line.
    pub fn pool(&self, pool: &str) -> Option<&PoolReport> {
        self.pools.iter().find(|p| p.pool == pool)
    }
}
