//! The cutover itself: Join, Cordon, Drain, Retire, each recorded in the state file so that an
//! interrupted or failed run resumes where it stopped.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;
use tracing::warn;

use crate::decide::drain_plan::drain_plan;
use crate::decide::join::PoolJoin;
use crate::decide::nodes::{NodeInfo, scale_set_nodes};
use crate::drain::{DrainStop, Drainer};
use crate::error::CutoverError;
use crate::events::{Progress, ProgressEvent, Step};
use crate::input::{Clients, CutoverOptions, CutoverPool, select_pools};
use crate::kube_ops;
use crate::read::{look_at_pool, pods_on, read_targets};
use crate::state::CutoverState;
use crate::verify::{ScaleSetChecks, check_scale_sets, is_retired};
use group_sync::CancellationToken;

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CutoverReport {
    /// The pools cut over.
    pub pools: Vec<String>,
    /// Steps an earlier run had finished for every selected pool.
    pub skipped: Vec<Step>,
    /// Join progress as last seen (pools joined by this run).
    pub joins: Vec<PoolJoin>,
    /// Nodes this run cordoned.
    pub cordoned: Vec<String>,
    /// Pods evicted (`namespace/name`).
    pub evicted: Vec<String>,
    /// Pods left running on the source nodes (DaemonSet and mirror pods).
    pub left: Vec<String>,
    /// Scale sets scaled to 0 (`resourceGroup/name`).
    pub scaled_to_zero: Vec<String>,
    /// Node objects deleted.
    pub deleted_nodes: Vec<String>,
    /// Set when the run stopped after this step as asked (`stop_after`).
    pub stopped_after: Option<Step>,
}

fn now() -> String {
    group_sync::now_rfc3339()
}

async fn sleep_within(interval: Duration, started: Instant, timeout: Duration) {
    let remaining = timeout.saturating_sub(started.elapsed());
    tokio::time::sleep(interval.min(remaining)).await;
}

/// Runs (or resumes) the cutover of `pools` (filtered by `options.pools`), recording each step
/// in `<output_dir>/spot-cutover.json`. Never interrupted; see [`run_cutover_until`].
pub async fn run_cutover(
    output_dir: &Path,
    pools: &[CutoverPool],
    clients: Clients<'_>,
    options: &CutoverOptions,
    progress: &mut dyn Progress,
) -> Result<CutoverReport, CutoverError> {
    let never = CancellationToken::new();
    run_cutover_until(output_dir, pools, clients, options, progress, &never).await
}

/// [`run_cutover`] that stops when `cancel` fires (Ctrl-C): no new step, cordon, eviction or
/// scale-down starts, the nodes this run cordoned for pools not drained yet are uncordoned,
/// and [`CutoverError::Interrupted`] says what was done. A scale-down in flight is finished.
///
/// Before anything is cordoned, each pool's source scale set is read from Azure and checked
/// to be the one the import read ([`check_scale_sets`]), and the join is checked in every run
/// (a join recorded earlier proves nothing now: Spot VMs may have been preempted since).
pub async fn run_cutover_until(
    output_dir: &Path,
    pools: &[CutoverPool],
    clients: Clients<'_>,
    options: &CutoverOptions,
    progress: &mut dyn Progress,
    cancel: &CancellationToken,
) -> Result<CutoverReport, CutoverError> {
    let none = ScaleSetChecks::default();
    run_cutover_checked(output_dir, pools, &none, clients, options, progress, cancel).await
}

/// [`run_cutover_until`] for a caller that has read some pools' scale sets already
/// ([`check_scale_sets`], e.g. to say what it will do before asking for a confirmation): those
/// are not read again, the others are.
///
/// A pool recorded as retired whose scale set is above 0 again (`aks-engine upgrade` re-deploys
/// every agent scale set with the apimodel's count) is cut over again, join to retire, by the
/// same code, after a [`ProgressEvent::Revived`] saying why.
pub async fn run_cutover_checked(
    output_dir: &Path,
    pools: &[CutoverPool],
    checked: &ScaleSetChecks,
    clients: Clients<'_>,
    options: &CutoverOptions,
    progress: &mut dyn Progress,
    cancel: &CancellationToken,
) -> Result<CutoverReport, CutoverError> {
    let selected = select_pools(pools, options)?;
    let mut state = CutoverState::load(&CutoverState::path_in(output_dir))?;
    for p in &selected {
        if let Some(rec) = state.pool(&p.pool)
            && !rec.is_for(p)
        {
            progress.report(&ProgressEvent::RecordReset {
                pool: p.pool.clone(),
                recorded_group: rec.group_id.clone(),
                group: p.group_id.clone(),
            });
            state.pool_mut(&p.pool).forget_steps();
        }
    }
    let unread: Vec<&CutoverPool> = selected
        .iter()
        .copied()
        .filter(|p| !checked.covers(&p.pool))
        .collect();
    let mut checks = checked.clone();
    checks.extend(check_scale_sets(clients.arm, &state, &unread).await?);
    for p in &selected {
        if is_retired(&state, p)
            && let Some(revived) = checks.revived.iter().find(|r| r.pool == p.pool)
        {
            progress.report(&ProgressEvent::Revived {
                pool: p.pool.clone(),
                scale_set: p.scale_set.clone(),
                capacity: revived.capacity,
            });
            state.pool_mut(&p.pool).forget_steps();
        }
    }
    for p in &selected {
        let rec = state.pool_mut(&p.pool);
        rec.group_id = p.group_id.clone();
        rec.scale_set = p.scale_set.clone();
        rec.resource_group = p.resource_group.clone();
    }
    state.save()?;
    let mut run = Run {
        selected,
        state,
        clients,
        options,
        progress,
        cancel,
        report: CutoverReport::default(),
    };
    run.report.pools = run.selected.iter().map(|p| p.pool.clone()).collect();
    for step in [Step::Join, Step::Cordon, Step::Drain, Step::Retire] {
        let todo = run.todo(step);
        if todo.is_empty() {
            run.report.skipped.push(step);
            run.progress.report(&ProgressEvent::StepSkipped(step));
        } else {
            if run.cancel.is_cancelled() {
                // Cordoned for a drain that will not run now: undone, as in the drain.
                let uncordoned = if step <= Step::Drain {
                    let pools = run.selected.clone();
                    run.uncordon(&pools, Cordons::ThisRun).await
                } else {
                    Vec::new()
                };
                return Err(run.interrupted(step, uncordoned));
            }
            run.progress.report(&ProgressEvent::StepStarted(step));
            match step {
                Step::Join => run.join(&todo).await?,
                Step::Cordon => run.cordon(&todo).await?,
                Step::Drain => run.drain(&todo).await?,
                Step::Retire => {
                    run.check_still_joined(&todo).await?;
                    run.retire(&todo).await?;
                }
            }
            run.progress.report(&ProgressEvent::StepDone(step));
        }
        if options.stop_after == Some(step) {
            run.report.stopped_after = Some(step);
            break;
        }
    }
    Ok(run.report)
}

struct Run<'a, 'p> {
    selected: Vec<&'a CutoverPool>,
    state: CutoverState,
    clients: Clients<'a>,
    options: &'a CutoverOptions,
    progress: &'p mut dyn Progress,
    cancel: &'a CancellationToken,
    report: CutoverReport,
}

impl<'a> Run<'a, '_> {
    /// The pools `step` still has to do. The join is re-checked for every pool not retired.
    fn todo(&self, step: Step) -> Vec<&'a CutoverPool> {
        self.selected
            .iter()
            .copied()
            .filter(|p| {
                self.state.pool(&p.pool).is_none_or(|r| match step {
                    Step::Join => !r.done(Step::Retire),
                    _ => !r.done(step),
                })
            })
            .collect()
    }

    /// The error of a run stopped by `cancel`, with what it did so far.
    fn interrupted(&self, step: Step, uncordoned: Vec<String>) -> CutoverError {
        CutoverError::Interrupted {
            step,
            uncordoned,
            report: Box::new(self.report.clone()),
        }
    }

    /// Sleeps `interval` (within `timeout` of `started`); `false` when `cancel` fired.
    async fn pause(&self, interval: Duration, started: Instant, timeout: Duration) -> bool {
        tokio::select! {
            () = sleep_within(interval, started, timeout) => true,
            () = self.cancel.cancelled() => false,
        }
    }

    /// Waits until every pool of `todo` has its Spot nodes Ready (up to the capacity target).
    async fn join(&mut self, todo: &[&'a CutoverPool]) -> Result<(), CutoverError> {
        let targets = read_targets(self.clients, todo).await?;
        let started = Instant::now();
        let mut waiting: Vec<&CutoverPool> = todo.to_vec();
        loop {
            let nodes = kube_ops::list_nodes(self.clients.kube).await?;
            let mut last = Vec::new();
            let mut joined = Vec::new();
            for p in &waiting {
                let join = look_at_pool(self.clients.spot, p, targets[&p.pool], &nodes).await?;
                self.progress.report(&ProgressEvent::Join(join.clone()));
                if join.is_complete() {
                    self.state.pool_mut(&p.pool).joined_at = Some(now());
                    self.state.save()?;
                    joined.push(p.pool.clone());
                    self.report.joins.push(join);
                } else {
                    last.push(join);
                }
            }
            waiting.retain(|p| !joined.contains(&p.pool));
            if waiting.is_empty() {
                return Ok(());
            }
            if started.elapsed() >= self.options.join_timeout {
                return Err(CutoverError::JoinTimeout {
                    timeout: self.options.join_timeout,
                    pools: last,
                });
            }
            let interval = self.options.join_poll_interval;
            if !self
                .pause(interval, started, self.options.join_timeout)
                .await
            {
                return Err(self.interrupted(Step::Join, Vec::new()));
            }
        }
    }

    /// One more look at the join right before the scale sets are retired: a drain takes
    /// minutes, and Spot VMs may have been preempted meanwhile.
    async fn check_still_joined(&mut self, todo: &[&'a CutoverPool]) -> Result<(), CutoverError> {
        let targets = read_targets(self.clients, todo).await?;
        let nodes = kube_ops::list_nodes(self.clients.kube).await?;
        let mut lost = Vec::new();
        for p in todo {
            let join = look_at_pool(self.clients.spot, p, targets[&p.pool], &nodes).await?;
            if !join.is_complete() {
                self.progress.report(&ProgressEvent::Join(join.clone()));
                lost.push(join);
            }
        }
        if lost.is_empty() {
            Ok(())
        } else {
            Err(CutoverError::JoinLost { pools: lost })
        }
    }

    /// Source nodes of `pools`, without duplicates.
    fn source_nodes(nodes: &[NodeInfo], pools: &[&CutoverPool]) -> Vec<NodeInfo> {
        let mut out: Vec<NodeInfo> = Vec::new();
        for p in pools {
            for n in scale_set_nodes(nodes, &p.scale_set_id()) {
                if !out.iter().any(|o| o.name == n.name) {
                    out.push(n.clone());
                }
            }
        }
        out
    }

    async fn cordon(&mut self, todo: &[&'a CutoverPool]) -> Result<(), CutoverError> {
        // Refuse before touching anything when pods would be refused anyway.
        let nodes = kube_ops::list_nodes(self.clients.kube).await?;
        let source = Self::source_nodes(&nodes, todo);
        let pods = pods_on(self.clients.kube, &source, self.options.concurrency).await?;
        let plan = drain_plan(&source, &pods, &[], self.options.drain_flags());
        let refused = plan.refused();
        if !refused.is_empty() {
            let uncordoned = self.uncordon(todo, Cordons::All).await;
            return Err(CutoverError::Refused {
                pods: refused,
                uncordoned,
            });
        }
        for p in todo {
            for node in scale_set_nodes(&nodes, &p.scale_set_id()) {
                let ours = self
                    .state
                    .pool(&p.pool)
                    .is_some_and(|r| r.cordoned.contains(&node.name));
                if node.unschedulable {
                    if !ours {
                        self.progress
                            .report(&ProgressEvent::AlreadyCordoned(node.name.clone()));
                    }
                    continue;
                }
                if self.cancel.is_cancelled() {
                    let uncordoned = self.uncordon(todo, Cordons::ThisRun).await;
                    return Err(self.interrupted(Step::Cordon, uncordoned));
                }
                // Recorded before the cordon: a run killed in between leaves no cordon unknown.
                if !ours {
                    self.state
                        .pool_mut(&p.pool)
                        .cordoned
                        .push(node.name.clone());
                    self.state.save()?;
                }
                if let Err(e) =
                    kube_ops::set_unschedulable(self.clients.kube, &node.name, true).await
                {
                    if !ours {
                        self.state
                            .pool_mut(&p.pool)
                            .cordoned
                            .retain(|n| n != &node.name);
                        if let Err(save) = self.state.save() {
                            warn!("{save}");
                        }
                    }
                    return Err(e.into());
                }
                self.report.cordoned.push(node.name.clone());
                self.progress
                    .report(&ProgressEvent::Cordoned(node.name.clone()));
            }
            self.state.pool_mut(&p.pool).cordoned_at = Some(now());
            self.state.save()?;
        }
        Ok(())
    }

    /// Uncordons the nodes the cutover cordoned for `pools` (all recorded, or only this run's)
    /// and forgets the cordon step of each pool with a node uncordoned.
    async fn uncordon(&mut self, pools: &[&CutoverPool], which: Cordons) -> Vec<String> {
        let mut done = Vec::new();
        for p in pools {
            let Some(rec) = self.state.pool(&p.pool) else {
                continue;
            };
            let mut kept = Vec::new();
            let mut touched = false;
            for node in rec.cordoned.clone() {
                if which == Cordons::ThisRun && !self.report.cordoned.contains(&node) {
                    kept.push(node);
                    continue;
                }
                touched = true;
                match kube_ops::set_unschedulable(self.clients.kube, &node, false).await {
                    Ok(()) => {
                        self.progress
                            .report(&ProgressEvent::Uncordoned(node.clone()));
                        done.push(node);
                    }
                    Err(e) if e.status == Some(404) => {}
                    Err(e) => {
                        warn!("{e}");
                        kept.push(node);
                    }
                }
            }
            let rec = self.state.pool_mut(&p.pool);
            rec.cordoned = kept;
            if touched {
                rec.cordoned_at = None;
            }
        }
        if let Err(e) = self.state.save() {
            warn!("{e}");
        }
        done
    }

    async fn drain(&mut self, todo: &[&'a CutoverPool]) -> Result<(), CutoverError> {
        match self.drain_inner(todo).await {
            Ok(()) => {
                for p in todo {
                    self.state.pool_mut(&p.pool).drained_at = Some(now());
                }
                self.state.save()
            }
            Err(DrainStop::Refused(pods)) => {
                let uncordoned = self.uncordon(todo, Cordons::All).await;
                Err(CutoverError::Refused { pods, uncordoned })
            }
            Err(DrainStop::TimedOut { budgets, others }) => {
                let uncordoned = self.uncordon(todo, Cordons::All).await;
                Err(CutoverError::DrainTimeout {
                    timeout: self.options.drain_timeout,
                    budgets,
                    others,
                    uncordoned,
                })
            }
            Err(DrainStop::Interrupted) => {
                let uncordoned = self.uncordon(todo, Cordons::ThisRun).await;
                Err(self.interrupted(Step::Drain, uncordoned))
            }
            Err(DrainStop::Kube(source)) => {
                let uncordoned = self.uncordon(todo, Cordons::All).await;
                Err(CutoverError::Drain { uncordoned, source })
            }
        }
    }

    async fn drain_inner(&mut self, todo: &[&'a CutoverPool]) -> Result<(), DrainStop> {
        let nodes = kube_ops::list_nodes(self.clients.kube).await?;
        let source = Self::source_nodes(&nodes, todo);
        let drainer = Drainer {
            kube: self.clients.kube,
            flags: self.options.drain_flags(),
            timeout: self.options.drain_timeout,
            retry_interval: self.options.eviction_retry_interval,
            cancel: self.cancel,
            concurrency: self.options.concurrency,
        };
        let report = &mut self.report;
        drainer
            .drain(
                &source,
                &mut *self.progress,
                &mut report.evicted,
                &mut report.left,
            )
            .await
    }

    async fn retire(&mut self, todo: &[&'a CutoverPool]) -> Result<(), CutoverError> {
        for p in todo {
            if self
                .state
                .pool(&p.pool)
                .is_some_and(|r| r.scaled_to_zero_at.is_some())
            {
                continue;
            }
            if self.cancel.is_cancelled() {
                return Err(self.interrupted(Step::Retire, Vec::new()));
            }
            let progress = &mut *self.progress;
            let name = p.scale_set.clone();
            self.clients
                .arm
                .scale_scale_set(&p.resource_group, &p.scale_set, 0, &mut |lro| {
                    progress.report(&ProgressEvent::Scaling {
                        scale_set: name.clone(),
                        status: lro.status.clone(),
                    });
                })
                .await
                .map_err(|source| CutoverError::Scale {
                    resource_group: p.resource_group.clone(),
                    scale_set: p.scale_set.clone(),
                    source: Box::new(source),
                })?;
            self.report
                .scaled_to_zero
                .push(format!("{}/{}", p.resource_group, p.scale_set));
            // Pools sharing the scale set are scaled too.
            for q in todo
                .iter()
                .filter(|q| q.scale_set_id().eq_ignore_ascii_case(&p.scale_set_id()))
            {
                self.state.pool_mut(&q.pool).scaled_to_zero_at = Some(now());
            }
            self.state.save()?;
        }
        let nodes = kube_ops::list_nodes(self.clients.kube).await?;
        for p in todo {
            for node in scale_set_nodes(&nodes, &p.scale_set_id()) {
                if self.report.deleted_nodes.contains(&node.name) {
                    continue;
                }
                if kube_ops::delete_node(self.clients.kube, &node.name).await? {
                    self.report.deleted_nodes.push(node.name.clone());
                    self.progress
                        .report(&ProgressEvent::NodeDeleted(node.name.clone()));
                }
            }
            self.state.pool_mut(&p.pool).retired_at = Some(now());
            self.state.save()?;
        }
        Ok(())
    }
}

/// Which of the nodes the cutover cordoned to uncordon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cordons {
    /// Every one recorded (a failed drain: nothing may stay cordoned for nothing).
    All,
    /// Only those this run cordoned (an interrupted run leaves an earlier run's as they were).
    ThisRun,
}
