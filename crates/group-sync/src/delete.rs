//! Deleting recorded groups and forgetting them.

use crate::error::{PoolError, SyncError};
use crate::lock::StateLock;
use crate::state::StateFile;
use spot_api::{SpotClient, group_doesnt_exist};
use std::path::Path;
use tracing::{debug, info};

/// What happened to one pool's group.
#[derive(Debug)]
pub enum DeleteOutcome {
    /// The group was deleted and its record removed.
    Deleted {
        /// The deleted group's id.
        group_id: String,
    },
    /// Spot itself said it does not exist (`GROUP_DOESNT_EXIST`); the record is removed. Any
    /// other answer (a bare 404 from a wrong URL or a proxy, a body that is no Spot envelope)
    /// is a failure and keeps the record.
    AlreadyGone {
        /// The recorded group's id.
        group_id: String,
    },
    /// No group is recorded for this pool.
    NotRecorded,
    /// Deletion failed; the record is kept.
    Failed {
        /// The recorded group's id.
        group_id: String,
        /// Why the delete failed.
        error: PoolError,
    },
}

/// The result of a delete, per pool.
#[derive(Debug, Default)]
pub struct DeleteReport {
    /// Each pool asked for, with its outcome, in the order asked.
    pub pools: Vec<(String, DeleteOutcome)>,
}

impl DeleteReport {
    /// True when no pool failed (deleted, already gone and not recorded all count as success).
    pub fn all_succeeded(&self) -> bool {
        !self
            .pools
            .iter()
            .any(|(_, o)| matches!(o, DeleteOutcome::Failed { .. }))
    }
}

/// Deletes the groups of `pools` (every recorded pool when empty) and removes them from the
/// state file, which is written after each removal. Takes the state file's lock for the run,
/// after checking that the state file can be written.
pub async fn delete(
    client: &SpotClient,
    state_path: &Path,
    pools: &[String],
) -> Result<DeleteReport, SyncError> {
    StateFile::check_writable(state_path)?;
    let lock = StateLock::acquire_for(state_path)?;
    delete_checked(client, &lock, pools).await
}

/// [`delete`] for a caller that holds the state file's lock (`lock.state_path()`).
pub async fn delete_locked(
    client: &SpotClient,
    lock: &StateLock,
    pools: &[String],
) -> Result<DeleteReport, SyncError> {
    StateFile::check_writable(lock.state_path())?;
    delete_checked(client, lock, pools).await
}

/// The delete itself, once the state file is known to be writable.
async fn delete_checked(
    client: &SpotClient,
    lock: &StateLock,
    pools: &[String],
) -> Result<DeleteReport, SyncError> {
    let state_path = lock.state_path();
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
            Err(e) if group_doesnt_exist(&e) => {
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
