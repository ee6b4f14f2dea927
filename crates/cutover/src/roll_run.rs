//! `sync`'s roll of a group's old VMs, driven step by step by [`crate::decide::roll`] and
//! recorded in `<output-dir>/spot-roll.json` before every step, so that a run killed anywhere
//! resumes without losing or doubling a VM. The drain is the cutover's ([`crate::drain`]).
//! Both API generations: a v3 VM's Node is found by the VM's name, a v2 instance's by its
//! private IP (the one matcher, [`node_of_group_vm`]). A batch's detach is recorded before it
//! is sent and sent at most once ([`crate::decide::roll::detach_step`] says how).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use elastigroup::ApiGeneration;
use futures::StreamExt;
use group_sync::CancellationToken;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use spot_api::{GroupVm, SpotClient, SpotError};

use crate::decide::budgets::BudgetHold;
use crate::decide::drain_plan::RefusedPod;
use crate::decide::nodes::{NodeInfo, Unmatched, node_of_group_vm, node_of_vm};
use crate::decide::pods::DrainFlags;
use crate::decide::roll::{
    DetachRecord, RollObserved, RollPlan, RollProgress, RollStep, next_step,
};
use crate::drain::{DrainStop, Drainer};
use crate::error::{KubeError, StateFileError, holds, list, refused};
use crate::events::{Progress, ProgressEvent};
use crate::kube_ops;

/// The roll's state file in an output directory.
pub const ROLL_STATE_FILE_NAME: &str = "spot-roll.json";
use crate::state_file::FORMAT_VERSION;

/// One pool's roll in flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollRecord {
    /// The group rolled.
    pub group_id: String,
    /// What was recorded before the update.
    pub plan: RollPlan,
    /// What was done since.
    pub progress: RollProgress,
}

#[derive(Serialize, Deserialize)]
struct OnDisk {
    version: u32,
    rolls: BTreeMap<String, RollRecord>,
}

/// The rolls in flight of an output directory, by pool.
#[derive(Debug)]
pub struct RollState {
    path: PathBuf,
    rolls: BTreeMap<String, RollRecord>,
}

impl RollState {
    /// `<output_dir>/spot-roll.json`.
    pub fn path_in(output_dir: &Path) -> PathBuf {
        output_dir.join(ROLL_STATE_FILE_NAME)
    }

    /// Reads the file (none: no roll in flight).
    pub fn load(path: &Path) -> Result<Self, RollError> {
        let err = |source: StateFileError| RollError::State {
            path: path.to_owned(),
            source,
        };
        let disk = crate::state_file::read::<OnDisk>(path).map_err(err)?;
        Ok(Self {
            path: path.to_owned(),
            rolls: disk.map(|d| d.rolls).unwrap_or_default(),
        })
    }

    /// Writes the file at once (atomically).
    pub fn save(&self) -> Result<(), RollError> {
        let disk = OnDisk {
            version: FORMAT_VERSION,
            rolls: self.rolls.clone(),
        };
        let err = |source: StateFileError| RollError::State {
            path: self.path.clone(),
            source,
        };
        crate::state_file::write(&self.path, &disk).map_err(err)
    }

    /// The roll of `pool` in flight.
    pub fn get(&self, pool: &str) -> Option<&RollRecord> {
        self.rolls.get(pool)
    }
}

/// The group a roll works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollGroup {
    /// The agent pool.
    pub pool: String,
    /// Its Spot group.
    pub group_id: String,
    /// The group's API generation (v3: VMs by name; v2: instances by id, their Nodes by
    /// private IP).
    pub generation: ApiGeneration,
}

/// How long Spot may keep listing detached VMs (15m): terminating a VM takes minutes.
pub const DEFAULT_DETACH_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// How a roll runs.
#[derive(Debug, Clone)]
pub struct RollOptions {
    /// How long new VMs may take to be Ready nodes (`--join-timeout`).
    pub join_timeout: Duration,
    /// How long budgets are retried (`--drain-timeout`).
    pub drain_timeout: Duration,
    /// Which pods the drain may evict (`--force`, `--delete-emptydir-data`).
    pub drain_flags: DrainFlags,
    /// How long Spot may keep listing detached VMs (terminating) before the roll stops; the
    /// detach is never sent again meanwhile.
    pub detach_timeout: Duration,
    /// Pause between looks while waiting for nodes or a detach.
    pub poll_interval: Duration,
    /// Pause between rounds of evictions.
    pub eviction_retry_interval: Duration,
    /// Evictions in flight at once, across the batch's nodes (`--eviction-concurrency`, 16):
    /// per pool's drain.
    pub concurrency: usize,
    /// Pools rolled at once by [`run_rolls`] (`--concurrency`; 1: one after another).
    pub pools_at_once: usize,
}

impl Default for RollOptions {
    fn default() -> Self {
        Self {
            join_timeout: Duration::from_secs(15 * 60),
            drain_timeout: Duration::from_secs(10 * 60),
            detach_timeout: DEFAULT_DETACH_TIMEOUT,
            drain_flags: DrainFlags::default(),
            poll_interval: Duration::from_secs(10),
            eviction_retry_interval: Duration::from_secs(5),
            concurrency: crate::drain::DEFAULT_CONCURRENCY,
            pools_at_once: group_sync::DEFAULT_CONCURRENCY,
        }
    }
}

/// What a roll run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RollReport {
    /// Old VMs replaced (detached, their Nodes deleted) by this run.
    pub replaced: Vec<String>,
    /// Nodes cordoned.
    pub cordoned: Vec<String>,
    /// Pods evicted.
    pub evicted: Vec<String>,
    /// Pods left (DaemonSet, mirror).
    pub left: Vec<String>,
    /// Node objects deleted.
    pub deleted_nodes: Vec<String>,
}

/// Why a roll stopped. The old VMs not replaced yet keep running; a re-run resumes.
#[derive(Debug, thiserror::Error)]
pub enum RollError {
    /// The roll's state file.
    #[error("the roll's state file {}", path.display())]
    State {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: StateFileError,
    },
    /// A Spot call failed.
    #[error("pool `{pool}`: Spot group {group_id}: {action}")]
    Spot {
        /// Pool.
        pool: String,
        /// Group.
        group_id: String,
        /// What was asked.
        action: String,
        /// Spot's answer.
        #[source]
        source: Box<SpotError>,
    },
    /// A Kubernetes call failed.
    #[error(transparent)]
    Kube(#[from] KubeError),
    /// The new VMs were not Ready nodes in time; nothing was cordoned.
    #[error(
        "pool `{pool}`: {ready} of the {needed} Ready nodes needed outside the batch after {timeout:?}; nothing was cordoned, the old VMs keep running (a re-run resumes)"
    )]
    JoinTimeout {
        /// Pool.
        pool: String,
        /// The limit.
        timeout: Duration,
        /// Ready nodes outside the batch.
        ready: usize,
        /// Needed.
        needed: usize,
    },
    /// The drain did not finish in time; the batch's nodes were uncordoned.
    #[error("pool `{pool}`: the drain did not finish within {timeout:?}: {}; uncordoned {}; the old VMs keep running (a re-run resumes)", holds(budgets, others), if uncordoned.is_empty() { "nothing".to_owned() } else { list(uncordoned) })]
    DrainTimeout {
        /// Pool.
        pool: String,
        /// The limit.
        timeout: Duration,
        /// Budgets and the pods each holds.
        budgets: Vec<BudgetHold>,
        /// Pods left that no budget explains.
        others: Vec<String>,
        /// Nodes uncordoned again.
        uncordoned: Vec<String>,
    },
    /// Pods the drain may not evict without consent; the batch's nodes were uncordoned.
    #[error("pool `{pool}`: refusing to drain: {}{}", refused(pods), if uncordoned.is_empty() { String::new() } else { format!(" (uncordoned {})", list(uncordoned)) })]
    Refused {
        /// Pool.
        pool: String,
        /// The pods and reasons.
        pods: Vec<RefusedPod>,
        /// Nodes uncordoned again.
        uncordoned: Vec<String>,
    },
    /// The drain failed on an API error; the batch's nodes were uncordoned.
    #[error("pool `{pool}`: draining stopped (uncordoned {})", if uncordoned.is_empty() { "nothing".to_owned() } else { list(uncordoned) })]
    Drain {
        /// Pool.
        pool: String,
        /// Nodes uncordoned again.
        uncordoned: Vec<String>,
        /// The failed call.
        #[source]
        source: KubeError,
    },
    /// Spot still lists detached VMs after the timeout. Their detach is not sent again (a second
    /// one would lower the target twice).
    #[error(
        "pool `{pool}`: Spot still lists {} {timeout:?} after their detach was requested (target {target_before} before it, {target_now} now); nothing more will be sent for them, as a second detach would lower the target again: check them in the Spot console (a re-run waits for them again)",
        list(vms)
    )]
    DetachTimeout {
        /// Pool.
        pool: String,
        /// The VMs still listed.
        vms: Vec<String>,
        /// The limit.
        timeout: Duration,
        /// The group's target when the detach was recorded.
        target_before: u32,
        /// The group's target now.
        target_now: u32,
    },
    /// Two Nodes list a v2 instance's private IP: which one is the instance's cannot be told.
    #[error(
        "pool `{pool}`: Spot instance {vm} has private IP {ip}, which Nodes {} all list as their InternalIP: its Node cannot be told (delete the Node left by a removed VM, then re-run)",
        list(nodes)
    )]
    SharedIp {
        /// Pool.
        pool: String,
        /// The instance.
        vm: String,
        /// Its private IP.
        ip: String,
        /// The Nodes claiming it.
        nodes: Vec<String>,
    },
    /// The Node of a v2 instance of the batch cannot be told (no private IP, no creation time
    /// to compare): it is not drained nor removed.
    #[error(
        "pool `{pool}`: the Node of instance {vm} cannot be told: {reason}; it is neither drained nor removed (a re-run resumes)"
    )]
    Unidentified {
        /// Pool.
        pool: String,
        /// The instance.
        vm: String,
        /// Why ([`Unmatched`]).
        reason: String,
    },
    /// Spot no longer lists old VMs this roll did not replace, while their Nodes are Ready: its
    /// answer is taken as incomplete; the roll stays recorded.
    #[error(
        "pool `{pool}`: Spot no longer lists {} although this roll did not detach them and their Nodes are Ready (an incomplete answer, or VMs evicted moments ago): nothing of them was deleted and the roll stays recorded; a re-run resumes",
        list(vms)
    )]
    Unlisted {
        /// Pool.
        pool: String,
        /// The old VMs.
        vms: Vec<String>,
    },
    /// Spot's answer for the group lacks its capacity: nothing is decided on it.
    #[error(
        "pool `{pool}`: Spot's answer for group {group_id} has no capacity.target or capacity.maximum: nothing was changed on it (a re-run resumes)"
    )]
    NoCapacity {
        /// Pool.
        pool: String,
        /// Group.
        group_id: String,
    },
    /// Stopped by a signal; the batch's nodes were uncordoned unless drained.
    #[error("pool `{pool}`: the roll was interrupted (uncordoned {}); a re-run resumes", if uncordoned.is_empty() { "nothing".to_owned() } else { list(uncordoned) })]
    Interrupted {
        /// Pool.
        pool: String,
        /// Nodes uncordoned again.
        uncordoned: Vec<String>,
    },
}

/// The capacity of `group`'s live configuration: target and maximum. An answer without them
/// is an error, never a capacity of 0 (the roll would set the maximum from it).
fn capacity(group: &RollGroup, live: &Value) -> Result<(u32, u32), RollError> {
    let read = |k: &str| {
        live.pointer(&format!("/capacity/{k}"))
            .and_then(Value::as_u64)
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
    };
    match (read("target"), read("maximum")) {
        (Some(target), Some(maximum)) => Ok((target, maximum)),
        _ => Err(RollError::NoCapacity {
            pool: group.pool.clone(),
            group_id: group.group_id.clone(),
        }),
    }
}

/// `group`'s VMs as Spot lists them now.
async fn list_vms(group: &RollGroup, spot: &SpotClient) -> Result<Vec<GroupVm>, RollError> {
    spot.group_vms(group.generation, &group.group_id)
        .await
        .map_err(|e| spot_error(group, "listing the group's VMs", e))
}

/// The capacity the update about to be sent sets (`--set capacity.target=...`): what the roll
/// keeps and restores instead of the capacity before it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RollCapacity {
    /// The target the update sets.
    pub target: Option<u32>,
    /// The maximum the update sets.
    pub maximum: Option<u32>,
}

/// Records the roll of `group` before its update: the VMs running now are the old ones. A roll
/// already in flight for the pool keeps its progress and its capacity, and gains the VMs
/// started since (they boot the configuration this update replaces). Returns the plan in force.
pub async fn record_roll(
    output_dir: &Path,
    group: &RollGroup,
    spot: &SpotClient,
    batch: usize,
) -> Result<RollPlan, RollError> {
    record_roll_with(output_dir, group, spot, batch, RollCapacity::default()).await
}

/// [`record_roll`] for an update that also sets the capacity: the roll keeps (and ends at) the
/// target and maximum the update sets, not the ones before it (the roll would otherwise undo
/// the scaling asked for).
pub async fn record_roll_with(
    output_dir: &Path,
    group: &RollGroup,
    spot: &SpotClient,
    batch: usize,
    asked: RollCapacity,
) -> Result<RollPlan, RollError> {
    let mut state = RollState::load(&RollState::path_in(output_dir))?;
    if let Some(r) = state.rolls.get_mut(&group.pool)
        && r.group_id == group.group_id
    {
        r.plan.target = asked.target.unwrap_or(r.plan.target);
        r.plan.maximum = asked.maximum.unwrap_or(r.plan.maximum);
        let vms = list_vms(group, spot).await?;
        for v in vms {
            if !r.plan.old_vms.contains(&v.name) {
                r.plan.old_vms.push(v.name);
            }
        }
        let plan = r.plan.clone();
        state.save()?;
        return Ok(plan);
    }
    let live = spot
        .get_group(group.generation, &group.group_id)
        .await
        .map_err(|e| spot_error(group, "reading the group", e))?;
    let (target, maximum) = capacity(group, &live.raw)?;
    let vms = list_vms(group, spot).await?;
    let plan = RollPlan {
        old_vms: vms.into_iter().map(|v| v.name).collect(),
        batch: batch.max(1),
        target: asked.target.unwrap_or(target),
        maximum: asked.maximum.unwrap_or(maximum),
    };
    state.rolls.insert(
        group.pool.clone(),
        RollRecord {
            group_id: group.group_id.clone(),
            plan: plan.clone(),
            progress: RollProgress::default(),
        },
    );
    state.save()?;
    Ok(plan)
}

/// The roll in flight of `group` (none: nothing to do) keeps and ends at the capacity `asked`
/// sets: an update that changes only the capacity while the roll is in flight.
pub fn set_roll_capacity(
    output_dir: &Path,
    group: &RollGroup,
    asked: RollCapacity,
) -> Result<(), RollError> {
    let mut state = RollState::load(&RollState::path_in(output_dir))?;
    let Some(r) = state.rolls.get_mut(&group.pool) else {
        return Ok(());
    };
    if r.group_id != group.group_id {
        return Ok(());
    }
    r.plan.target = asked.target.unwrap_or(r.plan.target);
    r.plan.maximum = asked.maximum.unwrap_or(r.plan.maximum);
    state.save()
}

fn spot_error(group: &RollGroup, action: &str, source: SpotError) -> RollError {
    RollError::Spot {
        pool: group.pool.clone(),
        group_id: group.group_id.clone(),
        action: action.to_owned(),
        source: Box::new(source),
    }
}

/// Runs (or resumes) the roll recorded for `group` until its old VMs are replaced; nothing
/// recorded: nothing to do. Each step is decided by [`next_step`] from the record and what Spot
/// and Kubernetes say now, and recorded before it is taken.
pub async fn run_roll_until(
    output_dir: &Path,
    group: &RollGroup,
    spot: &SpotClient,
    kube: &kube::Client,
    options: &RollOptions,
    progress: &mut dyn Progress,
    cancel: &CancellationToken,
) -> Result<RollReport, RollError> {
    let store = RollStore::load(output_dir)?;
    roll_one(&store, group, spot, kube, options, progress, cancel).await
}

/// Runs (or resumes) the rolls recorded for `groups`, up to `options.pools_at_once` pools at
/// once (at least 1), each as [`run_roll_until`] does, with its own progress (`progress_for(pool)`).
/// Their records share one [`RollStore`]: one writer of `spot-roll.json`. A pool's failure
/// stops only that pool's roll. The outcomes come back in the order of `groups`, whatever
/// the order the rolls finished in; `Err` only when the state file cannot be read.
pub async fn run_rolls(
    output_dir: &Path,
    groups: &[RollGroup],
    spot: &SpotClient,
    kube: &kube::Client,
    options: &RollOptions,
    progress_for: &(dyn Fn(&str) -> Box<dyn Progress> + Sync),
    cancel: &CancellationToken,
) -> Result<Vec<Result<RollReport, RollError>>, RollError> {
    let store = RollStore::load(output_dir)?;
    let store = &store;
    let mut outcomes: Vec<(usize, Result<RollReport, RollError>)> =
        futures::stream::iter(groups.iter().enumerate())
            .map(|(i, group)| async move {
                let mut progress = progress_for(&group.pool);
                let done =
                    roll_one(store, group, spot, kube, options, &mut *progress, cancel).await;
                (i, done)
            })
            .buffer_unordered(options.pools_at_once.max(1))
            .collect()
            .await;
    outcomes.sort_by_key(|(i, _)| *i);
    Ok(outcomes.into_iter().map(|(_, done)| done).collect())
}

/// The rolls' records while pools roll at once: one copy in memory, and each change written
/// (the whole file, atomically) under its lock before the step it records is taken: never
/// two writers of `spot-roll.json`, and each write carries every pool's latest record.
#[derive(Debug)]
pub struct RollStore {
    state: std::sync::Mutex<RollState>,
}

impl RollStore {
    /// `<output_dir>/spot-roll.json`, read once.
    pub fn load(output_dir: &Path) -> Result<Self, RollError> {
        Ok(Self {
            state: std::sync::Mutex::new(RollState::load(&RollState::path_in(output_dir))?),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RollState> {
        // A pool's roll that panicked left a whole record: the others keep going.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The record of `pool`.
    pub fn get(&self, pool: &str) -> Option<RollRecord> {
        self.lock().get(pool).cloned()
    }

    /// Sets (`Some`) or removes (`None`) the record of `pool` and writes the file; a write that
    /// fails leaves the memory as the file was.
    fn put(&self, pool: &str, record: Option<RollRecord>) -> Result<(), RollError> {
        let mut state = self.lock();
        let before = match record {
            Some(r) => state.rolls.insert(pool.to_owned(), r),
            None => state.rolls.remove(pool),
        };
        let written = state.save();
        if written.is_err() {
            match before {
                Some(r) => state.rolls.insert(pool.to_owned(), r),
                None => state.rolls.remove(pool),
            };
        }
        written
    }
}

/// One pool's roll, its records in `store`.
async fn roll_one(
    store: &RollStore,
    group: &RollGroup,
    spot: &SpotClient,
    kube: &kube::Client,
    options: &RollOptions,
    progress: &mut dyn Progress,
    cancel: &CancellationToken,
) -> Result<RollReport, RollError> {
    let mut report = RollReport::default();
    let Some(record) = store.get(&group.pool) else {
        return Ok(report);
    };
    if record.group_id != group.group_id {
        // Another group's roll (the pool was imported again): its VMs are not this group's.
        store.put(&group.pool, None)?;
        return Ok(report);
    }
    let plan = record.plan;
    let mut prog = record.progress;
    let mut waiting_since: Option<Instant> = None;
    let mut detach_waiting_since: Option<Instant> = None;
    let mut detach_pending: Vec<String> = Vec::new();
    loop {
        let Observed {
            now,
            all_nodes,
            vm_nodes,
            unidentified,
            live,
        } = observe(group, spot, kube, &plan, &prog).await?;
        let step = next_step(&plan, &prog, &now);
        if !matches!(step, RollStep::WaitForNodes { .. }) {
            waiting_since = None;
        }
        if !matches!(step, RollStep::WaitForDetach(_)) {
            detach_waiting_since = None;
            detach_pending.clear();
        }
        if cancel.is_cancelled() && !matches!(step, RollStep::Done) {
            let uncordoned = if prog.drained {
                Vec::new()
            } else {
                uncordon(kube, &mut prog).await
            };
            save(store, group, &plan, &prog)?;
            return Err(RollError::Interrupted {
                pool: group.pool.clone(),
                uncordoned,
            });
        }
        match step {
            RollStep::StartBatch(batch) => {
                prog.current = batch;
                prog.drained = false;
                prog.detach = None;
                save(store, group, &plan, &prog)?;
            }
            RollStep::SetCapacity { target, maximum } => {
                tracing::info!(pool = %group.pool, target, maximum, "raising the group's target for the roll");
                set_capacity(
                    group,
                    spot,
                    &live,
                    json!({"target": target, "maximum": maximum}),
                )
                .await?;
            }
            RollStep::WaitForNodes { ready, needed } => {
                let since = *waiting_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= options.join_timeout {
                    return Err(RollError::JoinTimeout {
                        pool: group.pool.clone(),
                        timeout: options.join_timeout,
                        ready,
                        needed,
                    });
                }
                tokio::select! {
                    () = tokio::time::sleep(options.poll_interval) => {}
                    () = cancel.cancelled() => {}
                }
            }
            RollStep::Cordon(vms) => {
                if let Some((vm, why)) = vms
                    .iter()
                    .find_map(|vm| unidentified.get(vm).map(|why| (vm, why)))
                {
                    uncordon(kube, &mut prog).await;
                    save(store, group, &plan, &prog)?;
                    return Err(RollError::Unidentified {
                        pool: group.pool.clone(),
                        vm: vm.clone(),
                        reason: why.to_string(),
                    });
                }
                for vm in &vms {
                    let Some(node) = vm_nodes.get(vm) else {
                        continue;
                    };
                    // Recorded before the cordon: a run killed in between leaves none unknown.
                    let known = prog.cordoned.contains(&node.name)
                        && prog.nodes.get(vm) == Some(&node.name);
                    if !known {
                        if !prog.cordoned.contains(&node.name) {
                            prog.cordoned.push(node.name.clone());
                        }
                        prog.record_node(vm, &node.name, node.uid.as_deref());
                        save(store, group, &plan, &prog)?;
                    }
                    kube_ops::set_unschedulable(kube, &node.name, true).await?;
                    report.cordoned.push(node.name.clone());
                }
            }
            RollStep::Drain(vms) => {
                let source: Vec<NodeInfo> = vms
                    .iter()
                    .filter_map(|vm| vm_nodes.get(vm).cloned())
                    .collect();
                // Each VM's Node, recorded before it is drained and detached (also one cordoned
                // before this roll): the detached VM is no longer in Spot's status.
                let mut recorded = false;
                for vm in &vms {
                    if let Some(node) = vm_nodes.get(vm)
                        && (prog.nodes.get(vm) != Some(&node.name)
                            || !prog.is_old_node(&node.name, node.uid.as_deref()))
                    {
                        prog.record_node(vm, &node.name, node.uid.as_deref());
                        recorded = true;
                    }
                }
                if recorded {
                    save(store, group, &plan, &prog)?;
                }
                let drainer = Drainer {
                    kube,
                    flags: options.drain_flags,
                    timeout: options.drain_timeout,
                    retry_interval: options.eviction_retry_interval,
                    cancel,
                    concurrency: options.concurrency,
                };
                let drained = drainer
                    .drain(&source, progress, &mut report.evicted, &mut report.left)
                    .await;
                if let Err(stop) = drained {
                    let uncordoned = uncordon(kube, &mut prog).await;
                    save(store, group, &plan, &prog)?;
                    let pool = group.pool.clone();
                    return Err(match stop {
                        DrainStop::TimedOut { budgets, others } => RollError::DrainTimeout {
                            pool,
                            timeout: options.drain_timeout,
                            budgets,
                            others,
                            uncordoned,
                        },
                        DrainStop::Refused(pods) => RollError::Refused {
                            pool,
                            pods,
                            uncordoned,
                        },
                        DrainStop::Kube(source) => RollError::Drain {
                            pool,
                            uncordoned,
                            source,
                        },
                        DrainStop::Interrupted => RollError::Interrupted { pool, uncordoned },
                    });
                }
                prog.drained = true;
                save(store, group, &plan, &prog)?;
            }
            RollStep::RecordDetach { vms, target_before } => {
                // On disk before the request: a run killed after it knows one may have gone.
                prog.detach = Some(DetachRecord::new(prog.detach.as_ref(), vms, target_before));
                save(store, group, &plan, &prog)?;
            }
            RollStep::Detach(vms) => {
                tracing::info!(pool = %group.pool, vms = %vms.join(", "), "detaching the old VMs (terminated, target lowered)");
                let answer = spot
                    .detach_vms(group.generation, &group.group_id, &vms)
                    .await
                    .map_err(|e| spot_error(group, "detaching the old VMs", e))?;
                if let Some(named) = &answer
                    && vms.iter().any(|v| !named.contains(v))
                {
                    tracing::warn!(pool = %group.pool, asked = %vms.join(", "), named = %named.join(", "), "Spot's answer to the detach names fewer VMs than asked");
                }
                if let Some(d) = prog.detach.as_mut() {
                    d.sent = true;
                    d.answer = answer;
                }
                save(store, group, &plan, &prog)?;
            }
            RollStep::WaitForDetach(vms) => {
                let since = *detach_waiting_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= options.detach_timeout {
                    return Err(RollError::DetachTimeout {
                        pool: group.pool.clone(),
                        vms,
                        timeout: options.detach_timeout,
                        target_before: prog.detach.as_ref().map_or(0, |d| d.target_before),
                        target_now: now.target,
                    });
                }
                if vms != detach_pending {
                    progress.report(&ProgressEvent::DetachPending {
                        pool: group.pool.clone(),
                        vms: vms.clone(),
                    });
                    detach_pending = vms;
                }
                tokio::select! {
                    () = tokio::time::sleep(options.poll_interval) => {}
                    () = cancel.cancelled() => {}
                }
            }
            RollStep::FinishBatch(vms) => {
                for vm in &vms {
                    let Some(node) = finished_node(group, &prog, &all_nodes, vm) else {
                        continue;
                    };
                    if kube_ops::delete_node(kube, &node).await? {
                        report.deleted_nodes.push(node);
                    }
                }
                report.replaced.extend(vms.iter().cloned());
                prog.done.append(&mut prog.current);
                prog.drained = false;
                prog.detach = None;
                prog.cordoned.clear();
                prog.nodes.clear();
                save(store, group, &plan, &prog)?;
            }
            RollStep::ForgetBatch(vms) => {
                tracing::warn!(pool = %group.pool, vms = %vms.join(", "), "Spot no longer lists the batch's VMs and this roll did not detach them: nothing of them is deleted");
                uncordon(kube, &mut prog).await;
                prog.current.clear();
                prog.drained = false;
                prog.detach = None;
                prog.nodes.clear();
                save(store, group, &plan, &prog)?;
            }
            RollStep::RestoreMaximum(maximum) => {
                set_capacity(group, spot, &live, json!({"maximum": maximum})).await?;
            }
            RollStep::Done => {
                // Old VMs Spot stopped listing without this roll's detach, whose Nodes (v3, by
                // name) are Ready: Spot's answer is taken as incomplete, not as their end.
                let unlisted: Vec<String> = plan
                    .old_vms
                    .iter()
                    .filter(|vm| !prog.done.contains(vm) && !now.vms.contains(*vm))
                    .filter(|vm| {
                        group.generation == ApiGeneration::V3
                            && node_of_vm(&all_nodes, vm).is_some_and(|n| n.ready)
                    })
                    .cloned()
                    .collect();
                if !unlisted.is_empty() {
                    return Err(RollError::Unlisted {
                        pool: group.pool.clone(),
                        vms: unlisted,
                    });
                }
                store.put(&group.pool, None)?;
                return Ok(report);
            }
        }
    }
}

fn save(
    store: &RollStore,
    group: &RollGroup,
    plan: &RollPlan,
    prog: &RollProgress,
) -> Result<(), RollError> {
    store.put(
        &group.pool,
        Some(RollRecord {
            group_id: group.group_id.clone(),
            plan: plan.clone(),
            progress: prog.clone(),
        }),
    )
}

/// Sets these capacity fields of the live group `live` (inside `{"group": ...}`): the whole live
/// configuration is sent again, as Spot's update takes it, with only those fields changed.
async fn set_capacity(
    group: &RollGroup,
    spot: &SpotClient,
    live: &Value,
    capacity: Value,
) -> Result<(), RollError> {
    let fields: Vec<String> = capacity
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut desired = live.clone();
    if let (Some(want), Some(Value::Object(have))) =
        (capacity.as_object(), desired.get_mut("capacity"))
    {
        for (k, v) in want {
            have.insert(k.clone(), v.clone());
        }
    }
    let body = elastigroup::diff::update_body(
        live,
        &json!({ "group": desired }),
        &elastigroup::diff::DiffOptions {
            capacity_fields: fields,
        },
    );
    spot.update_group(group.generation, &group.group_id, &body)
        .await
        .map_err(|e| spot_error(group, "setting the group's capacity", e))?;
    Ok(())
}

/// Uncordons the nodes the roll cordoned (recorded), forgetting them.
async fn uncordon(kube: &kube::Client, prog: &mut RollProgress) -> Vec<String> {
    let mut done = Vec::new();
    let mut kept = Vec::new();
    for node in std::mem::take(&mut prog.cordoned) {
        match kube_ops::set_unschedulable(kube, &node, false).await {
            Ok(()) => done.push(node),
            Err(e) if e.status == Some(404) => {}
            Err(e) => {
                tracing::warn!("{e}");
                kept.push(node);
            }
        }
    }
    prog.cordoned = kept;
    done
}

/// The Node of a detached VM of the finished batch, to delete: the one recorded before its
/// drain while it is still cordoned (a Node made schedulable since is not the roll's), else (v3)
/// the Node its name finds.
fn finished_node(
    group: &RollGroup,
    prog: &RollProgress,
    nodes: &[NodeInfo],
    vm: &str,
) -> Option<String> {
    if let Some(name) = prog.nodes.get(vm) {
        return nodes
            .iter()
            .find(|n| &n.name == name && (n.unschedulable || !n.ready))
            .map(|n| n.name.clone());
    }
    match group.generation {
        // Never a Ready, schedulable Node: that one serves a running VM.
        ApiGeneration::V3 => node_of_vm(nodes, vm)
            .filter(|n| n.unschedulable || !n.ready)
            .map(|n| n.name.clone()),
        ApiGeneration::V2 => None,
    }
}

/// What one look at Spot and Kubernetes found.
struct Observed {
    /// The step function's view.
    now: RollObserved,
    /// Every Node.
    all_nodes: Vec<NodeInfo>,
    /// The Node of each of the group's VMs that has one.
    vm_nodes: BTreeMap<String, NodeInfo>,
    /// v2 instances whose Node cannot be told, and why.
    unidentified: BTreeMap<String, Unmatched>,
    /// The live group.
    live: Value,
}

/// The group's VMs and capacity from Spot, and their nodes from Kubernetes by the one matcher
/// ([`node_of_group_vm`]: a v3 VM's by its name, a v2 instance's by its private IP and
/// creation time). A mapping that finds nothing fails safe: no new VM counts as a Ready node,
/// so the roll stops at `--join-timeout` before any cordon or detach. A new VM (not one of the
/// plan's old VMs) never has for Node one that is an old VM's: recorded so by this roll
/// ([`RollProgress::is_old_node`]: this batch's or an earlier one's) or found for an old VM in
/// this look.
async fn observe(
    group: &RollGroup,
    spot: &SpotClient,
    kube: &kube::Client,
    plan: &RollPlan,
    prog: &RollProgress,
) -> Result<Observed, RollError> {
    let live = spot
        .get_group(group.generation, &group.group_id)
        .await
        .map_err(|e| spot_error(group, "reading the group", e))?;
    let (target, maximum) = capacity(group, &live.raw)?;
    let group_vms = list_vms(group, spot).await?;
    let all_nodes = kube_ops::list_nodes(kube).await?;
    let vms: BTreeSet<String> = group_vms.iter().map(|v| v.name.clone()).collect();
    // The Nodes of this batch's detached VMs, not deleted yet: an address they list may
    // already be a new instance's.
    let leaving: BTreeSet<&String> = prog
        .nodes
        .iter()
        .filter(|(vm, _)| !vms.contains(*vm))
        .map(|(_, node)| node)
        .collect();
    let candidates: Vec<NodeInfo> = all_nodes
        .iter()
        .filter(|n| !leaving.contains(&n.name))
        .cloned()
        .collect();
    let mut now = RollObserved {
        target,
        maximum,
        ..RollObserved::default()
    };
    let mut vm_nodes: BTreeMap<String, NodeInfo> = BTreeMap::new();
    let mut unidentified = BTreeMap::new();
    // Old VMs first: the Nodes they have are no new VM's.
    let (old, new): (Vec<&GroupVm>, Vec<&GroupVm>) = group_vms
        .iter()
        .partition(|vm| plan.old_vms.contains(&vm.name));
    for vm in old {
        match node_of_group_vm(group.generation, vm, &candidates) {
            Ok(node) => note(&mut now, &mut vm_nodes, vm, node),
            Err(why) => {
                unidentified.insert(vm.name.clone(), unmatched(group, vm, why)?);
            }
        }
    }
    let new_candidates: Vec<NodeInfo> = candidates
        .iter()
        .filter(|n| {
            !vm_nodes.values().any(|o| o.name == n.name)
                && !prog.is_old_node(&n.name, n.uid.as_deref())
        })
        .cloned()
        .collect();
    for vm in new {
        match node_of_group_vm(group.generation, vm, &new_candidates) {
            Ok(node) => note(&mut now, &mut vm_nodes, vm, node),
            Err(why) => {
                unidentified.insert(vm.name.clone(), unmatched(group, vm, why)?);
            }
        }
    }
    now.vms = vms;
    Ok(Observed {
        now,
        all_nodes,
        vm_nodes,
        unidentified,
        live: live.raw,
    })
}

/// Notes what `vm`'s Node (`node`) says: Ready, cordoned, or none (nothing runs there to
/// drain).
fn note(
    now: &mut RollObserved,
    vm_nodes: &mut BTreeMap<String, NodeInfo>,
    vm: &GroupVm,
    node: Option<&NodeInfo>,
) {
    match node {
        Some(n) if n.unschedulable => {
            now.cordoned.insert(vm.name.clone());
        }
        Some(n) if n.ready => {
            now.ready.insert(vm.name.clone());
        }
        Some(_) => {}
        None => {
            now.cordoned.insert(vm.name.clone());
        }
    }
    if let Some(n) = node {
        vm_nodes.insert(vm.name.clone(), n.clone());
    }
}

/// A VM whose Node cannot be told: kept as unidentified (never Ready; the batch's is neither
/// drained nor removed), or, for Nodes sharing its address, the roll stops.
fn unmatched(group: &RollGroup, vm: &GroupVm, why: Unmatched) -> Result<Unmatched, RollError> {
    match why {
        Unmatched::SharedIp(shared) => Err(RollError::SharedIp {
            pool: group.pool.clone(),
            vm: vm.name.clone(),
            ip: shared.ip,
            nodes: shared.nodes,
        }),
        other => Ok(other),
    }
}
