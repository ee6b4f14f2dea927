//! Creating (or updating) one group per pool, several pools at a time.

use crate::error::{PoolError, SyncError};
use crate::lock::StateLock;
use crate::owner::GroupOwner;
use crate::report::{PoolOutcome, PoolReport, SyncReport};
use crate::state::{GroupRecord, StateFile, now_rfc3339};
use elastigroup::ApiGeneration;
use elastigroup::diff::{DiffOptions, diff_group, update_body};
use serde_json::Value;
use spot_api::{SpotClient, group_doesnt_exist};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::{Mutex, Semaphore};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};

/// One pool's desired group.
#[derive(Debug, Clone)]
pub struct GroupRequest {
    /// The aks-engine agent pool name (the state file's key).
    pub pool: String,
    /// The group name (also used to find a group whose create response was lost).
    pub name: String,
    /// The Elastigroup API generation to create the group with.
    pub generation: ApiGeneration,
    /// `{"group": {...}}`. May hold secrets: never logged.
    pub body: Value,
}

impl GroupRequest {
    /// The cluster identity a group found by this name must have to be adopted, read from the
    /// body (resource group, region, source-scale-set tag).
    pub fn owner(&self) -> GroupOwner {
        GroupOwner::from_body(&self.body)
    }
}

/// What to do with pools that already have a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Leave them as they are.
    Create,
    /// Compare each with its live group; PUT the new configuration to those that differ.
    Update,
    /// Compare each with its live group and report the differences; send nothing.
    Diff,
}

/// Called with each pool's result as soon as it is known, in the order they finish.
pub type ResultCallback = Arc<dyn Fn(&PoolReport) + Send + Sync>;

/// How a sync runs.
#[derive(Clone)]
pub struct SyncOptions {
    /// Whether pools that already have a group get the new configuration.
    pub mode: SyncMode,
    /// Pools worked on at a time (at least 1).
    pub concurrency: usize,
    /// Once cancelled (Ctrl-C), no new request starts; requests in flight finish and are
    /// recorded; pools left untouched fail with [`PoolError::Interrupted`].
    pub cancel: CancellationToken,
    /// Sees each pool's result as it happens (to print it at once).
    pub on_result: Option<ResultCallback>,
    /// How live groups are compared in update and diff modes (capacity fields `--set` asks).
    pub diff: DiffOptions,
    /// The Azure subscription the groups' resources are in, recorded with each group (the
    /// resource group is the body's `resourceGroupName`).
    pub subscription_id: Option<String>,
}

/// How many groups are created at once unless the user says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 4;

impl Default for SyncOptions {
    /// Create mode, [`DEFAULT_CONCURRENCY`] at once, never cancelled, no callback.
    fn default() -> Self {
        Self::new(SyncMode::Create, DEFAULT_CONCURRENCY)
    }
}

impl SyncOptions {
    /// `mode` and `concurrency`, never cancelled, no callback.
    pub fn new(mode: SyncMode, concurrency: usize) -> Self {
        Self {
            mode,
            concurrency,
            cancel: CancellationToken::new(),
            on_result: None,
            diff: DiffOptions::default(),
            subscription_id: None,
        }
    }
}

impl std::fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncOptions")
            .field("mode", &self.mode)
            .field("concurrency", &self.concurrency)
            .field("cancelled", &self.cancel.is_cancelled())
            .field("on_result", &self.on_result.is_some())
            .field("subscription_id", &self.subscription_id)
            .finish()
    }
}

type SharedState = Arc<Mutex<StateFile>>;

/// What every pool task shares.
#[derive(Clone)]
struct Run {
    client: SpotClient,
    state: SharedState,
    mode: SyncMode,
    cancel: CancellationToken,
    diff: DiffOptions,
    /// Set at the first failure to write the state file: like a cancel, nothing new starts
    /// (a full disk would otherwise leave every later group created and unrecorded).
    record_failed: Arc<std::sync::OnceLock<std::path::PathBuf>>,
    subscription_id: Option<String>,
}

/// Why no new request starts (becomes a [`PoolError`] that counts as not started).
enum Stop {
    /// The run was cancelled.
    Cancelled,
    /// Writing the state file failed.
    RecordFailed(std::path::PathBuf),
}

impl From<Stop> for PoolError {
    fn from(stop: Stop) -> Self {
        match stop {
            Stop::Cancelled => PoolError::Interrupted,
            Stop::RecordFailed(path) => PoolError::StoppedAfterRecordFailure { path },
        }
    }
}

impl Run {
    /// Checked before every request: none starts after a cancel or a failed record.
    fn go_on(&self) -> Result<(), Stop> {
        if self.cancel.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        match self.record_failed.get() {
            Some(path) => Err(Stop::RecordFailed(path.clone())),
            None => Ok(()),
        }
    }

    /// Records a group and writes the state file at once; a failure stops the run's new work.
    async fn record(&self, record: GroupRecord, created: bool) -> Result<(), PoolError> {
        let mut state = self.state.lock().await;
        let group_id = record.group_id.clone();
        state.upsert(record);
        state.save().map_err(|source| {
            let path = state.path().to_owned();
            let _ = self.record_failed.set(path.clone());
            PoolError::NotRecorded {
                group_id,
                path,
                created,
                source,
            }
        })
    }

    /// A new record of `request`'s group, with the home the import used.
    fn new_record(
        &self,
        request: &GroupRequest,
        group_id: String,
        created_at: String,
    ) -> GroupRecord {
        GroupRecord {
            pool: request.pool.clone(),
            group_id,
            generation: request.generation,
            name: request.name.clone(),
            created_at,
            updated_at: None,
            resource_group: request.owner().resource_group,
            subscription_id: self.subscription_id.clone(),
        }
    }
}

/// Update and diff modes: the live group compared with the computed one; in update mode, a PUT
/// only when they differ (the live capacity kept unless `--set capacity.*` asks), recorded.
async fn update(
    run: &Run,
    request: &GroupRequest,
    mut existing: GroupRecord,
    live: &Value,
) -> Result<PoolOutcome, PoolError> {
    let diff = diff_group(live, &request.body, &run.diff);
    let group_id = existing.group_id.clone();
    if run.mode == SyncMode::Diff {
        return Ok(if diff.is_empty() {
            PoolOutcome::Unchanged { group_id }
        } else {
            PoolOutcome::Differs { group_id, diff }
        });
    }
    if !diff.refused.is_empty() {
        return Err(PoolError::Immutable {
            group_id,
            refused: diff.refused,
        });
    }
    if diff.changes.is_empty() {
        info!(pool = %request.pool, group_id = %group_id, "spot group is up to date");
        return Ok(PoolOutcome::Unchanged { group_id });
    }
    run.go_on()?;
    info!(pool = %request.pool, group_id = %existing.group_id, changes = diff.changes.len(), "updating spot group configuration");
    let body = update_body(live, &request.body, &run.diff);
    run.client
        .update_group(request.generation, &existing.group_id, &body)
        .await
        .map_err(|e| {
            if group_doesnt_exist(&e) {
                PoolError::RecordedGroupMissing {
                    pool: request.pool.clone(),
                    group_id: existing.group_id.clone(),
                    source: Box::new(e),
                }
            } else {
                PoolError::Api(e)
            }
        })?;
    existing.updated_at = Some(now_rfc3339());
    // A record written before the home was recorded learns it (the group was checked to be in it).
    if existing.resource_group.is_none() {
        existing.resource_group = request.owner().resource_group;
    }
    if existing.subscription_id.is_none() {
        existing.subscription_id = run.subscription_id.clone();
    }
    run.record(existing, false).await?;
    Ok(PoolOutcome::Updated {
        group_id,
        changes: diff.changes,
    })
}

/// A recorded pool: its group must still exist in Spot (one GET) and be this cluster's (the
/// state file may be another cluster's, copied or symlinked): nothing is changed otherwise.
async fn recorded_pool(
    run: &Run,
    request: &GroupRequest,
    existing: GroupRecord,
) -> Result<PoolOutcome, PoolError> {
    if existing.generation != request.generation {
        return Err(PoolError::GenerationMismatch {
            group_id: existing.group_id,
            recorded: existing.generation,
            requested: request.generation,
        });
    }
    run.go_on()?;
    let live = match run
        .client
        .get_group(existing.generation, &existing.group_id)
        .await
    {
        Ok(live) => {
            let differences = request
                .owner()
                .differences(&GroupOwner::from_group(&live.raw));
            if !differences.is_empty() {
                return Err(PoolError::RecordedOwnedElsewhere {
                    group_id: existing.group_id,
                    path: run.state.lock().await.path().to_owned(),
                    differences,
                });
            }
            live.raw
        }
        Err(e) if group_doesnt_exist(&e) => {
            // Not logged as a warning: the caller prints the failure once, with its causes.
            debug!(pool = %request.pool, group_id = %existing.group_id, "the recorded spot group no longer exists");
            return Err(PoolError::RecordedGroupMissing {
                pool: request.pool.clone(),
                group_id: existing.group_id,
                source: Box::new(e),
            });
        }
        Err(e) => return Err(PoolError::Api(e)),
    };
    match run.mode {
        SyncMode::Create => {
            info!(pool = %request.pool, group_id = %existing.group_id, "pool already has its recorded spot group");
            Ok(PoolOutcome::Existing {
                group_id: existing.group_id,
                adopted: false,
            })
        }
        SyncMode::Update | SyncMode::Diff => update(run, request, existing, &live).await,
    }
}

async fn sync_pool(run: Run, request: &GroupRequest) -> Result<PoolOutcome, PoolError> {
    let recorded = run.state.lock().await.get(&request.pool).cloned();
    if let Some(existing) = recorded {
        return recorded_pool(&run, request, existing).await;
    }

    run.go_on()?;
    info!(pool = %request.pool, name = %request.name, generation = %request.generation, "looking for an existing spot group of that name");
    let mut found = run
        .client
        .list_groups(request.generation, Some(&request.name))
        .await?;
    if found.len() > 1 {
        return Err(PoolError::AmbiguousName {
            name: request.name.clone(),
            group_ids: found.into_iter().map(|g| g.id).collect(),
        });
    }
    if let Some(group) = found.pop() {
        let differences = request
            .owner()
            .differences(&GroupOwner::from_group(&group.raw));
        if !differences.is_empty() {
            return Err(PoolError::OwnedElsewhere {
                name: request.name.clone(),
                group_id: group.id,
                differences,
            });
        }
        info!(pool = %request.pool, group_id = %group.id, "adopting the existing spot group of that name");
        let adopted = run.new_record(
            request,
            group.id.clone(),
            group.created_at.clone().unwrap_or_else(now_rfc3339),
        );
        if run.mode == SyncMode::Diff {
            // Nothing is written in diff mode, the record neither.
            return update(&run, request, adopted, &group.raw).await;
        }
        run.record(adopted.clone(), false).await?;
        return match run.mode {
            SyncMode::Create => Ok(PoolOutcome::Existing {
                group_id: group.id,
                adopted: true,
            }),
            SyncMode::Update | SyncMode::Diff => update(&run, request, adopted, &group.raw).await,
        };
    }

    if run.mode == SyncMode::Diff {
        return Err(PoolError::NoGroup {
            name: request.name.clone(),
        });
    }
    run.go_on()?;
    info!(pool = %request.pool, name = %request.name, "creating spot group");
    let created = run
        .client
        .create_group(request.generation, &request.body)
        .await?;
    let group_id = created.group.id.clone();
    run.record(
        run.new_record(request, group_id.clone(), now_rfc3339()),
        true,
    )
    .await?;
    info!(pool = %request.pool, group_id = %group_id, recovered = created.recovered, "spot group recorded");
    Ok(PoolOutcome::Created {
        group_id,
        recovered: created.recovered,
    })
}

/// Makes sure every requested pool has its group, `concurrency` pools at a time, recording each
/// success in the state file at `state_path` as soon as it happens. Takes the state file's lock
/// for the run; see [`sync_groups_locked`].
pub async fn sync_groups(
    client: &SpotClient,
    state_path: &Path,
    requests: Vec<GroupRequest>,
    mode: SyncMode,
    concurrency: usize,
) -> Result<SyncReport, SyncError> {
    sync_groups_with(
        client,
        state_path,
        requests,
        SyncOptions::new(mode, concurrency),
    )
    .await
}

/// [`sync_groups`] with cancellation and a per-result callback. Takes the state file's lock for
/// the run (after checking that the state file can be written).
pub async fn sync_groups_with(
    client: &SpotClient,
    state_path: &Path,
    requests: Vec<GroupRequest>,
    options: SyncOptions,
) -> Result<SyncReport, SyncError> {
    check_requests(&requests)?;
    StateFile::check_writable(state_path)?;
    let lock = StateLock::acquire_for(state_path)?;
    let state = StateFile::load(lock.state_path())?;
    sync_checked(client, state, requests, options).await
}

fn check_requests(requests: &[GroupRequest]) -> Result<(), SyncError> {
    let mut seen = HashSet::new();
    for r in requests {
        if !seen.insert(r.pool.as_str()) {
            return Err(SyncError::DuplicatePool(r.pool.clone()));
        }
    }
    Ok(())
}

/// The sync of a caller that holds the state file's lock for longer than the sync (a command
/// that does more than import). The state file is `lock.state_path()`.
///
/// Before the first request: the request list is checked, the state file is read and (unless
/// the mode is [`SyncMode::Diff`]) must be writable. Then, per pool: a recorded pool's group is checked to still exist in Spot (one GET;
/// a vanished group fails the pool) and, in [`SyncMode::Update`], gets a PUT; an unrecorded
/// pool adopts the one group of its name if it is this cluster's (see [`GroupOwner`]), or gets
/// a new group. Per-pool failures are in the report; the `Err` case is only for a run that could
/// not start.
pub async fn sync_groups_locked(
    client: &SpotClient,
    lock: &StateLock,
    requests: Vec<GroupRequest>,
    options: SyncOptions,
) -> Result<SyncReport, SyncError> {
    check_requests(&requests)?;
    // A diff writes nothing: the file need not be writable.
    if options.mode != SyncMode::Diff {
        StateFile::check_writable(lock.state_path())?;
    }
    let state = StateFile::load(lock.state_path())?;
    sync_checked(client, state, requests, options).await
}

/// [`SyncMode::Diff`] without the lock (a dry run): each pool's group compared with its live
/// group, and nothing at all written beside the state file (no lock file, no temporary file
/// removed, no record), so it works in a read-only directory and while another run holds the
/// lock. `options.mode` is ignored.
///
/// `state` is the state file as the caller read it, once ([`StateFile::load`]): every writer
/// replaces the file by an atomic rename, so that one read is a whole version, the one before or
/// after a concurrent run's record, and the comparison is of that moment (a group a concurrent
/// run creates afterwards shows as "would be created").
pub async fn diff_groups(
    client: &SpotClient,
    state: &StateFile,
    requests: Vec<GroupRequest>,
    mut options: SyncOptions,
) -> Result<SyncReport, SyncError> {
    check_requests(&requests)?;
    options.mode = SyncMode::Diff;
    sync_checked(client, state.clone(), requests, options).await
}

/// The sync itself, once the requests (and, unless it only compares, the state file's
/// writability) are checked.
async fn sync_checked(
    client: &SpotClient,
    state: StateFile,
    requests: Vec<GroupRequest>,
    options: SyncOptions,
) -> Result<SyncReport, SyncError> {
    let run = Run {
        client: client.clone(),
        state: Arc::new(Mutex::new(state)),
        mode: options.mode,
        cancel: options.cancel.clone(),
        diff: options.diff.clone(),
        record_failed: Arc::default(),
        subscription_id: options.subscription_id.clone(),
    };
    let permits = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    // Which pool each task is, for a task that ends without its result (a panic).
    let mut task_pools = HashMap::new();
    for (index, request) in requests.iter().cloned().enumerate() {
        let run = run.clone();
        let permits = permits.clone();
        let handle = tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let outcome = sync_pool(run, &request).await.unwrap_or_else(|error| {
                // Not logged here: the caller prints each failure once, with its causes.
                debug!(pool = %request.pool, "spot group sync failed");
                PoolOutcome::Failed { error }
            });
            (
                index,
                PoolReport {
                    pool: request.pool,
                    name: request.name,
                    generation: request.generation,
                    outcome,
                },
            )
        });
        task_pools.insert(handle.id(), index);
    }
    let mut reports: Vec<Option<PoolReport>> = (0..requests.len()).map(|_| None).collect();
    // A task that ended abnormally: its reason, reported once as the pool's failure.
    let mut abnormal: Vec<Option<String>> = vec![None; requests.len()];
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, report)) => {
                if let Some(callback) = &options.on_result {
                    callback(&report);
                }
                reports[index] = Some(report);
            }
            Err(e) => {
                if let Some(&index) = task_pools.get(&e.id()) {
                    abnormal[index] = Some(e.to_string());
                }
            }
        }
    }
    let pools = requests
        .into_iter()
        .zip(reports)
        .zip(abnormal)
        .map(|((r, report), abnormal)| {
            report.unwrap_or_else(|| PoolReport {
                outcome: PoolOutcome::Failed {
                    error: PoolError::Task(
                        abnormal.unwrap_or_else(|| "ended without a result".to_owned()),
                    ),
                },
                pool: r.pool,
                name: r.name,
                generation: r.generation,
            })
        })
        .collect();
    Ok(SyncReport { pools })
}
