//! Creating (or updating) one group per pool, several pools at a time.

use crate::error::{PoolError, SyncError};
use crate::report::{PoolOutcome, PoolReport, SyncReport};
use crate::state::{GroupRecord, StateFile, now_rfc3339};
use elastigroup::ApiGeneration;
use serde_json::Value;
use spot_api::SpotClient;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::{Mutex, Semaphore};
use tracing::{info, warn};

/// One pool's desired group.
#[derive(Debug, Clone)]
pub struct GroupRequest {
    /// The aks-engine agent pool name (the state file's key).
    pub pool: String,
    /// The group name (also used to find a group whose create response was lost).
    pub name: String,
    pub generation: ApiGeneration,
    /// `{"group": {...}}`. May hold secrets: never logged.
    pub body: Value,
}

/// What to do with pools that already have a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Leave them as they are.
    Create,
    /// PUT the new configuration to them.
    Update,
}

type SharedState = Arc<Mutex<StateFile>>;

/// Records a group and writes the state file at once.
async fn record(state: &SharedState, record: GroupRecord) -> Result<(), PoolError> {
    let mut state = state.lock().await;
    let group_id = record.group_id.clone();
    state.upsert(record);
    state.save().map_err(|source| PoolError::NotRecorded {
        group_id,
        path: state.path().to_owned(),
        source,
    })
}

async fn update(
    client: &SpotClient,
    state: &SharedState,
    request: &GroupRequest,
    mut existing: GroupRecord,
) -> Result<PoolOutcome, PoolError> {
    info!(pool = %request.pool, group_id = %existing.group_id, "updating spot group configuration");
    client
        .update_group(request.generation, &existing.group_id, &request.body)
        .await
        .map_err(|e| {
            if e.is_not_found() {
                PoolError::RecordedGroupMissing {
                    group_id: existing.group_id.clone(),
                    source: e,
                }
            } else {
                PoolError::Api(e)
            }
        })?;
    existing.updated_at = Some(now_rfc3339());
    let group_id = existing.group_id.clone();
    record(state, existing).await?;
    Ok(PoolOutcome::Updated { group_id })
}

async fn sync_pool(
    client: SpotClient,
    state: SharedState,
    request: &GroupRequest,
    mode: SyncMode,
) -> Result<PoolOutcome, PoolError> {
    let recorded = state.lock().await.get(&request.pool).cloned();
    if let Some(existing) = recorded {
        if existing.generation != request.generation {
            return Err(PoolError::GenerationMismatch {
                group_id: existing.group_id,
                recorded: existing.generation,
                requested: request.generation,
            });
        }
        return match mode {
            SyncMode::Create => {
                info!(pool = %request.pool, group_id = %existing.group_id, "pool already has a recorded spot group");
                Ok(PoolOutcome::Existing {
                    group_id: existing.group_id,
                    adopted: false,
                })
            }
            SyncMode::Update => update(&client, &state, request, existing).await,
        };
    }

    info!(pool = %request.pool, name = %request.name, generation = %request.generation, "looking for an existing spot group of that name");
    if let Some(found) = client
        .find_by_name(request.generation, &request.name)
        .await?
    {
        info!(pool = %request.pool, group_id = %found.id, "adopting the existing spot group of that name");
        let adopted = GroupRecord {
            pool: request.pool.clone(),
            group_id: found.id.clone(),
            generation: request.generation,
            name: request.name.clone(),
            created_at: found.created_at.clone().unwrap_or_else(now_rfc3339),
            updated_at: None,
        };
        record(&state, adopted.clone()).await?;
        return match mode {
            SyncMode::Create => Ok(PoolOutcome::Existing {
                group_id: found.id,
                adopted: true,
            }),
            SyncMode::Update => update(&client, &state, request, adopted).await,
        };
    }

    info!(pool = %request.pool, name = %request.name, "creating spot group");
    let created = client
        .create_group(request.generation, &request.body)
        .await?;
    let group_id = created.group.id.clone();
    record(
        &state,
        GroupRecord {
            pool: request.pool.clone(),
            group_id: group_id.clone(),
            generation: request.generation,
            name: request.name.clone(),
            created_at: now_rfc3339(),
            updated_at: None,
        },
    )
    .await?;
    info!(pool = %request.pool, group_id = %group_id, recovered = created.recovered, "spot group recorded");
    Ok(PoolOutcome::Created {
        group_id,
        recovered: created.recovered,
    })
}

/// Makes sure every requested pool has its group, `concurrency` pools at a time, recording each
/// success in the state file at `state_path` as soon as it happens.
///
/// Recorded pools are reported as existing (or, in [`SyncMode::Update`], get a PUT); a group
/// found by name is adopted. Per-pool failures are in the report; the `Err` case is only for a
/// state file that cannot be read or an invalid request list.
pub async fn sync_groups(
    client: &SpotClient,
    state_path: &Path,
    requests: Vec<GroupRequest>,
    mode: SyncMode,
    concurrency: usize,
) -> Result<SyncReport, SyncError> {
    let mut seen = HashSet::new();
    for r in &requests {
        if !seen.insert(r.pool.as_str()) {
            return Err(SyncError::DuplicatePool(r.pool.clone()));
        }
    }
    let state: SharedState = Arc::new(Mutex::new(StateFile::load(state_path)?));
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, request) in requests.iter().cloned().enumerate() {
        let client = client.clone();
        let state = state.clone();
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let outcome = sync_pool(client, state, &request, mode)
                .await
                .unwrap_or_else(|error| {
                    warn!(pool = %request.pool, "spot group sync failed: {error}");
                    PoolOutcome::Failed { error }
                });
            (index, outcome)
        });
    }
    let mut outcomes: Vec<Option<PoolOutcome>> = (0..requests.len()).map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, outcome)) => outcomes[index] = Some(outcome),
            Err(e) => warn!("a pool task ended abnormally: {e}"),
        }
    }
    let pools = requests
        .into_iter()
        .zip(outcomes)
        .map(|(r, outcome)| PoolReport {
            outcome: outcome.unwrap_or_else(|| PoolOutcome::Failed {
                error: PoolError::Task("ended without a result".to_owned()),
            }),
            pool: r.pool,
            name: r.name,
            generation: r.generation,
        })
        .collect();
    Ok(SyncReport { pools })
}
