//! Deleting recorded groups and forgetting them, each only after Spot shows it is this
//! cluster's (the state file may be another cluster's, copied or symlinked).

use crate::error::{PoolError, SyncError};
use crate::lock::StateLock;
use crate::owner::GroupOwner;
use crate::state::{GroupRecord, StateFile};
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

/// The cluster identity each recorded group must have to be deleted (see [`GroupOwner`]; a field
/// it leaves `None` is not compared).
pub type ExpectedOwner<'a> = &'a (dyn Fn(&GroupRecord) -> GroupOwner + Sync);

/// Deletes the groups of `pools` (every recorded pool when empty) and removes them from the
/// state file, which is written after each removal. Each group is read first and deleted only
/// when it has the identity `expected` gives for its record. Takes the state file's lock for the
/// run, after checking that the state file can be written.
pub async fn delete(
    client: &SpotClient,
    state_path: &Path,
    pools: &[String],
    expected: ExpectedOwner<'_>,
) -> Result<DeleteReport, SyncError> {
    StateFile::check_writable(state_path)?;
    let lock = StateLock::acquire_for(state_path)?;
    delete_checked(client, &lock, pools, expected).await
}

/// [`delete`] for a caller that holds the state file's lock (`lock.state_path()`).
pub async fn delete_locked(
    client: &SpotClient,
    lock: &StateLock,
    pools: &[String],
    expected: ExpectedOwner<'_>,
) -> Result<DeleteReport, SyncError> {
    StateFile::check_writable(lock.state_path())?;
    delete_checked(client, lock, pools, expected).await
}

/// Whether the recorded group may be deleted: `Ok(true)` when it is this cluster's, `Ok(false)`
/// when Spot says it does not exist, the pool's failure otherwise.
async fn check_owner(
    client: &SpotClient,
    record: &GroupRecord,
    expected: &GroupOwner,
    state_path: &Path,
) -> Result<bool, PoolError> {
    let live = match client.get_group(record.generation, &record.group_id).await {
        Ok(g) => g,
        Err(e) if group_doesnt_exist(&e) => return Ok(false),
        Err(e) => return Err(PoolError::Api(e)),
    };
    let differences = expected.differences(&GroupOwner::from_group(&live.raw));
    if differences.is_empty() {
        Ok(true)
    } else {
        Err(PoolError::RecordedOwnedElsewhere {
            group_id: record.group_id.clone(),
            path: state_path.to_owned(),
            differences,
        })
    }
}

/// The delete itself, once the state file is known to be writable.
async fn delete_checked(
    client: &SpotClient,
    lock: &StateLock,
    pools: &[String],
    expected: ExpectedOwner<'_>,
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
        let exists = match check_owner(client, &record, &expected(&record), state_path).await {
            Ok(exists) => exists,
            Err(error) => {
                debug!(pool = %pool, group_id = %record.group_id, "not deleting spot group");
                report.pools.push((
                    pool,
                    DeleteOutcome::Failed {
                        group_id: record.group_id,
                        error,
                    },
                ));
                continue;
            }
        };
        info!(pool = %pool, group_id = %record.group_id, "deleting spot group");
        let deleted = if exists {
            client
                .delete_group(record.generation, &record.group_id)
                .await
        } else {
            Ok(())
        };
        let outcome = match deleted {
            Ok(()) if !exists => {
                info!(pool = %pool, group_id = %record.group_id, "spot group was already gone");
                DeleteOutcome::AlreadyGone {
                    group_id: record.group_id.clone(),
                }
            }
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
