//! The dry run: what a cutover would do now, changing nothing.

use std::fmt;
use std::path::Path;

use kube::Client;
use serde::Serialize;
use spot_api::SpotClient;

use crate::decide::drain_plan::{DrainPlan, drain_plan};
use crate::decide::join::PoolJoin;
use crate::decide::nodes::scale_set_nodes;
use crate::error::CutoverError;
use crate::events::Step;
use crate::input::{CutoverOptions, CutoverPool, select_pools};
use crate::kube_ops;
use crate::read::{look_at_pool, pods_on, read_target};
use crate::state::{CutoverState, PoolCutover};

/// A scale set the retire step would scale to 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleSetToRetire {
    /// Resource group.
    pub resource_group: String,
    /// Scale set.
    pub scale_set: String,
    /// The pool it served.
    pub pool: String,
    /// Its Node objects now.
    pub nodes: Vec<String>,
}

/// What a cutover would do now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CutoverPlan {
    /// Each selected pool's join progress now.
    pub joins: Vec<PoolJoin>,
    /// Cordons and evictions for the pools not drained yet.
    pub drain: DrainPlan,
    /// Scale sets not retired yet.
    pub scale_sets: Vec<ScaleSetToRetire>,
    /// What the state file records of earlier runs (selected pools).
    pub recorded: Vec<PoolCutover>,
}

impl CutoverPlan {
    /// Whether the Join step would pass now.
    pub fn joined(&self) -> bool {
        self.joins.iter().all(PoolJoin::is_complete)
    }
}

/// The plan as text, one item per line (what `--dry-run` prints).
impl fmt::Display for CutoverPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.recorded {
            let done: Vec<String> = [
                ("join", &r.joined_at),
                ("cordon", &r.cordoned_at),
                ("drain", &r.drained_at),
                ("scale to 0", &r.scaled_to_zero_at),
                ("retire", &r.retired_at),
            ]
            .into_iter()
            .filter_map(|(step, at)| at.as_ref().map(|at| format!("{step} at {at}")))
            .collect();
            let mut line = format!(
                "Recorded by an earlier run: {}: {}",
                r.pool,
                if done.is_empty() {
                    "no step done".to_owned()
                } else {
                    done.join(", ")
                }
            );
            if !r.cordoned.is_empty() {
                line.push_str(&format!(
                    "; cordoned by this tool: {}",
                    r.cordoned.join(", ")
                ));
            }
            writeln!(f, "{line}")?;
        }
        writeln!(f, "Join (checked again in every run):")?;
        for j in &self.joins {
            let missing: Vec<String> = j.not_ready().iter().map(|v| v.describe()).collect();
            if j.is_complete() || missing.is_empty() {
                writeln!(f, "  {j}")?;
            } else {
                writeln!(f, "  {j}; not Ready nodes: {}", missing.join(", "))?;
            }
        }
        let none = |v: &[&str]| {
            if v.is_empty() {
                "none".to_owned()
            } else {
                v.join(", ")
            }
        };
        writeln!(f, "Cordon: {}", none(&self.drain.nodes_to_cordon()))?;
        let kept: Vec<&str> = self
            .drain
            .nodes
            .iter()
            .filter(|n| n.already_cordoned)
            .map(|n| n.node.as_str())
            .collect();
        if !kept.is_empty() {
            writeln!(f, "Already cordoned (left so): {}", kept.join(", "))?;
        }
        writeln!(f, "Evict: {}", none(&self.drain.to_evict()))?;
        let terminating = self.drain.terminating();
        if !terminating.is_empty() {
            writeln!(
                f,
                "Terminating (being deleted already; the drain waits for them to go): {}",
                terminating.join(", ")
            )?;
            writeln!(
                f,
                "  one stuck terminating holds the drain until --drain-timeout: look at its finalizers and at its node's kubelet"
            )?;
        }
        writeln!(f, "Leave running: {}", none(&self.drain.left()))?;
        for r in self.drain.refused() {
            let reasons: Vec<String> = r
                .reasons
                .iter()
                .map(|x| format!("{x}, needs {}", x.flag()))
                .collect();
            writeln!(
                f,
                "Refused: {} on {} ({})",
                r.pod,
                r.node,
                reasons.join("; ")
            )?;
        }
        for b in &self.drain.blocking_budgets {
            writeln!(f, "Would block now: {b}")?;
        }
        if self.scale_sets.is_empty() {
            writeln!(f, "Retire: none")?;
        }
        for s in &self.scale_sets {
            writeln!(
                f,
                "Retire: {}/{} (pool {}) to capacity 0, then delete its nodes: {}",
                s.resource_group,
                s.scale_set,
                s.pool,
                none(&s.nodes.iter().map(String::as_str).collect::<Vec<_>>())
            )?;
        }
        Ok(())
    }
}

/// Reads everything a cutover of `pools` would act on and plans it; changes nothing.
pub async fn plan_cutover(
    output_dir: &Path,
    pools: &[CutoverPool],
    kube: &Client,
    spot: &SpotClient,
    options: &CutoverOptions,
) -> Result<CutoverPlan, CutoverError> {
    let selected = select_pools(pools, options)?;
    let state = CutoverState::load(&CutoverState::path_in(output_dir))?;
    let done = |p: &CutoverPool, s: Step| {
        state
            .pool(&p.pool)
            .is_some_and(|r| r.is_for(p) && r.done(s))
    };
    let nodes = kube_ops::list_nodes(kube).await?;
    let mut joins = Vec::new();
    for p in &selected {
        let target = read_target(spot, p).await?;
        joins.push(look_at_pool(spot, p, target, &nodes).await?);
    }
    let mut source = Vec::new();
    for p in selected.iter().filter(|p| !done(p, Step::Drain)) {
        for n in scale_set_nodes(&nodes, &p.scale_set_id()) {
            if !source.iter().any(|s: &crate::NodeInfo| s.name == n.name) {
                source.push(n.clone());
            }
        }
    }
    let pods = pods_on(kube, &source, options.concurrency).await?;
    let budgets = kube_ops::list_budgets(kube).await?;
    let drain = drain_plan(&source, &pods, &budgets, options.drain_flags());
    let scale_sets = selected
        .iter()
        .filter(|p| !done(p, Step::Retire))
        .map(|p| ScaleSetToRetire {
            resource_group: p.resource_group.clone(),
            scale_set: p.scale_set.clone(),
            pool: p.pool.clone(),
            nodes: scale_set_nodes(&nodes, &p.scale_set_id())
                .iter()
                .map(|n| n.name.clone())
                .collect(),
        })
        .collect();
    // A record of another group or scale set is not this pool's (a run starts it over).
    let recorded = selected
        .iter()
        .filter_map(|p| state.pool(&p.pool).filter(|r| r.is_for(p)).cloned())
        .collect();
    Ok(CutoverPlan {
        joins,
        drain,
        scale_sets,
        recorded,
    })
}
