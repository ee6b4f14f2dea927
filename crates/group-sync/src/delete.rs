//! Deleting recorded groups and forgetting them.

use crate::error::{PoolError, SyncError};
use crate::state::StateFile;
use spot_api::SpotClient;
use std::path::Path;
use tracing::{debug, info};

/// What happened to one pool's group.
#[derive(Debug)]
pub enum DeleteOutcome {
    Deleted {
        group_id: String,
    },
    /// Spot no longer had it (404 / `GROUP_DOESNT_EXIST`); the record is removed all the same.
    AlreadyGone {
        group_id: String,
    },
    /// No group is recorded for this pool.
    NotRecorded,
    /// Deletion failed; the record is kept.
    Failed {
        group_id: String,
        error: PoolError,
    },
}

/// The result of a delete, per pool.
#[derive(Debug, Default)]
pub struct DeleteReport {
    pub pools: Vec<(String, DeleteOutcome)>,
}

impl DeleteReport {
    pub fn all_succeeded(&self) -> bool {
        !self
            .pools
            .iter()
            .any(|(_, o)| matches!(o, DeleteOutcome::Failed { .. }))
    }
}

/// Deletes the groups of `pools` (every recorded pool when empty) and removes them from the
/// state file, which is written after each removal.
pub async fn delete(
    client: &SpotClient,
    state_path: &Path,
    pools: &[String],
) -> Result<DeleteReport, SyncError> {
    let mut state = StateFile::load(state_path)?;
    let selected: Vec<String> = if pools.is_empty() {
        state.records().iter().map(|r| r.pool.clone()).collect()
    } else {
        pools.to_vec()
    };
    let mut report = DeleteReport::default();
    for pool in selected {
        let Some(record) = state.get(&pool).cloned() else {
            report.pools.push((pool, DeleteOutcome::NotRecorded));
            continue;
        };
        info!(pool = %pool, group_id = %record.group_id, "deleting spot group");
        let outcome = match client
            .delete_group(record.generation, &record.group_id)
            .await
        {
            Ok(()) => DeleteOutcome::Deleted {
                group_id: record.group_id.clone(),
            },
            Err(e) if e.is_not_found() => {
                info!(pool = %pool, group_id = %record.group_id, "spot group was already gone");
                DeleteOutcome::AlreadyGone {
                    group_id: record.group_id.clone(),
                }
            }
            Err(e) => {
                // Not logged here: the caller prints each failure once, with its causes.
                debug!(pool = %pool, group_id = %record.group_id, "deleting spot group failed");
                report.pools.push((
                    pool,
                    DeleteOutcome::Failed {
                        group_id: record.group_id,
                        error: PoolError::Api(e),
                    },
                ));
                continue;
            }
        };
        state.remove(&pool);
        state.save()?;
        report.pools.push((pool, outcome));
    }
    Ok(report)
}
