//! `sync`'s roll of the VMs started from a group's old configuration, as a pure step function:
//! given what was recorded before the update and what is observed now, the one next step.
//!
//! Per batch (`--batch N`): raise the group's target by the batch (the maximum with it when
//! needed), wait until enough VMs outside the batch are Ready nodes that the group never has
//! fewer than its target, cordon the batch's nodes, drain them (the cutover's drain), then
//! detach the batch's VMs by name (v3 `vmName`, v2 `instanceId`; terminated, the target lowered
//! by as many: Spot chooses no other VM), and delete their Node objects. At the end, the
//! maximum is put back. Both API generations take the same steps; which Node is which VM is the
//! shell's business (`roll_run`).
//!
//! Every step is decided from the record and the live state, so a run killed between any two
//! steps resumes without losing or doubling a VM: a batch is recorded before its first step,
//! and a batch's VMs gone from the group mean its detach happened.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// What the roll was asked to do, recorded before the group's update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollPlan {
    /// The VMs that ran before the update (they boot the old configuration).
    pub old_vms: Vec<String>,
    /// VMs replaced at a time (at least 1).
    pub batch: usize,
    /// The group's target before the roll (restored by each detach).
    pub target: u32,
    /// The group's maximum before the roll (put back at the end).
    pub maximum: u32,
}

/// What this roll did so far, recorded before each step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollProgress {
    /// The batch in flight (recorded before its first step).
    pub current: Vec<String>,
    /// The batch's nodes were drained.
    pub drained: bool,
    /// Old VMs replaced (detached and their Nodes deleted).
    pub done: Vec<String>,
    /// Nodes the roll cordoned (recorded before each cordon: uncordoned again when the
    /// batch's drain fails).
    #[serde(default)]
    pub cordoned: Vec<String>,
    /// The batch's Node of each VM, recorded before its cordon and drain: once the VM is
    /// detached Spot no longer reports it (a v2 instance's Node is found by its private IP).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub nodes: BTreeMap<String, String>,
}

/// What is true now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollObserved {
    /// The group's VMs.
    pub vms: BTreeSet<String>,
    /// Of those, the VMs that are Ready, schedulable nodes.
    pub ready: BTreeSet<String>,
    /// VMs whose node is cordoned.
    pub cordoned: BTreeSet<String>,
    /// The group's live target.
    pub target: u32,
    /// The group's live maximum.
    pub maximum: u32,
}

/// The next step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RollStep {
    /// Record this batch as in flight, then decide again.
    StartBatch(Vec<String>),
    /// Set the group's capacity (target raised by the batch; the maximum raised when needed).
    SetCapacity {
        /// The new target.
        target: u32,
        /// The new maximum.
        maximum: u32,
    },
    /// Wait for new VMs to be Ready nodes: `ready` of the `needed` outside the batch so far.
    WaitForNodes {
        /// Ready nodes outside the batch now.
        ready: usize,
        /// Ready nodes outside the batch needed before any cordon.
        needed: usize,
    },
    /// Cordon these VMs' nodes.
    Cordon(Vec<String>),
    /// Drain these VMs' nodes (then record `drained`).
    Drain(Vec<String>),
    /// Detach these VMs (terminate, target lowered by as many).
    Detach(Vec<String>),
    /// Delete these VMs' Node objects, then record the batch done.
    FinishBatch(Vec<String>),
    /// Put the maximum back.
    RestoreMaximum(u32),
    /// Nothing left to do.
    Done,
}

/// The next step of the roll.
pub fn next_step(plan: &RollPlan, progress: &RollProgress, now: &RollObserved) -> RollStep {
    if progress.current.is_empty() {
        let remaining: Vec<String> = plan
            .old_vms
            .iter()
            .filter(|v| now.vms.contains(*v) && !progress.done.contains(v))
            .cloned()
            .collect();
        if remaining.is_empty() {
            if now.maximum != plan.maximum && now.target <= plan.maximum {
                return RollStep::RestoreMaximum(plan.maximum);
            }
            return RollStep::Done;
        }
        let batch = plan.batch.max(1);
        return RollStep::StartBatch(remaining.into_iter().take(batch).collect());
    }
    let in_group: Vec<String> = progress
        .current
        .iter()
        .filter(|v| now.vms.contains(*v))
        .cloned()
        .collect();
    if in_group.is_empty() {
        // Detached (by this run or the one before it): only their Nodes are left to delete.
        return RollStep::FinishBatch(progress.current.clone());
    }
    if progress.drained {
        return RollStep::Detach(in_group);
    }
    let raised = plan.target.saturating_add(count(in_group.len()));
    if now.target < raised {
        return RollStep::SetCapacity {
            target: raised,
            maximum: now.maximum.max(raised),
        };
    }
    let ready_outside = now
        .ready
        .iter()
        .filter(|v| now.vms.contains(*v) && !in_group.contains(v))
        .count();
    let needed = plan.target as usize;
    let to_cordon: Vec<String> = in_group
        .iter()
        .filter(|v| !now.cordoned.contains(*v))
        .cloned()
        .collect();
    // Until the batch is cordoned, never fewer Ready nodes than the target outside it.
    if !to_cordon.is_empty() && ready_outside < needed {
        return RollStep::WaitForNodes {
            ready: ready_outside,
            needed,
        };
    }
    if !to_cordon.is_empty() {
        return RollStep::Cordon(to_cordon);
    }
    RollStep::Drain(in_group)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    /// A toy group: VMs started up to the target (Ready at once unless `slow`), removed by detach.
    #[derive(Debug, Clone)]
    struct World {
        now: RollObserved,
        next: u32,
        started: Vec<String>,
        /// VMs detached (each must be an old one, once).
        detached: Vec<String>,
        nodes_deleted: Vec<String>,
        drains: usize,
    }

    impl World {
        fn new(old: &[&str], maximum: u32) -> Self {
            let vms = set(old);
            Self {
                now: RollObserved {
                    ready: vms.clone(),
                    vms,
                    cordoned: BTreeSet::new(),
                    target: count(old.len()),
                    maximum,
                },
                next: 0,
                started: vec![],
                detached: vec![],
                nodes_deleted: vec![],
                drains: 0,
            }
        }

        /// Spot and the kubelet: VMs up to the target, Ready.
        fn settle(&mut self) {
            while (self.now.vms.len() as u32) < self.now.target {
                let name = format!("new-{}", self.next);
                self.next += 1;
                self.started.push(name.clone());
                self.now.vms.insert(name.clone());
                self.now.ready.insert(name);
            }
        }

        /// Does `step`, updating `progress` as the edge records it.
        fn act(&mut self, step: &RollStep, progress: &mut RollProgress) {
            match step {
                RollStep::StartBatch(b) => {
                    progress.current = b.clone();
                    progress.drained = false;
                }
                RollStep::SetCapacity { target, maximum } => {
                    self.now.target = *target;
                    self.now.maximum = *maximum;
                }
                RollStep::WaitForNodes { .. } => self.settle(),
                RollStep::Cordon(vms) => {
                    for v in vms {
                        self.now.cordoned.insert(v.clone());
                        self.now.ready.remove(v);
                    }
                }
                RollStep::Drain(_) => {
                    self.drains += 1;
                    progress.drained = true;
                }
                RollStep::Detach(vms) => {
                    for v in vms {
                        assert!(self.now.vms.remove(v), "detached {v} twice");
                        self.detached.push(v.clone());
                    }
                    self.now.target -= count(vms.len());
                }
                RollStep::FinishBatch(vms) => {
                    self.nodes_deleted.extend(vms.iter().cloned());
                    progress.done.extend(vms.iter().cloned());
                    progress.current.clear();
                    progress.drained = false;
                }
                RollStep::RestoreMaximum(m) => self.now.maximum = *m,
                RollStep::Done => {}
            }
        }
    }

    fn plan(old: &[&str], batch: usize, maximum: u32) -> RollPlan {
        RollPlan {
            old_vms: old.iter().map(|s| (*s).to_owned()).collect(),
            batch,
            target: count(old.len()),
            maximum,
        }
    }

    /// Runs the roll to the end; `kill_after`: a kill after that many steps (progress kept,
    /// the world as it is), then a fresh run.
    fn roll(p: &RollPlan, world: &mut World, kill_after: Option<usize>) -> Vec<RollStep> {
        let mut progress = RollProgress::default();
        let mut steps = vec![];
        for i in 0..200 {
            if kill_after == Some(i) {
                // A new process: what was recorded, what is live.
                progress =
                    serde_json::from_str(&serde_json::to_string(&progress).unwrap()).unwrap();
            }
            let step = next_step(p, &progress, &world.now);
            // Never fewer Ready, schedulable nodes than the target.
            let ready = world
                .now
                .ready
                .iter()
                .filter(|v| world.now.vms.contains(*v))
                .count();
            assert!(ready >= p.target as usize, "{ready} ready at {step:?}");
            steps.push(step.clone());
            if step == RollStep::Done {
                return steps;
            }
            world.act(&step, &mut progress);
        }
        panic!("the roll did not end: {steps:?}");
    }

    #[test]
    fn a_batch_of_one_replaces_each_old_vm_once_and_restores_the_capacity() {
        let p = plan(&["old-0", "old-1", "old-2"], 1, 3);
        let mut w = World::new(&["old-0", "old-1", "old-2"], 3);
        let steps = roll(&p, &mut w, None);
        assert_eq!(w.detached, ["old-0", "old-1", "old-2"]);
        assert_eq!(w.nodes_deleted, w.detached);
        assert_eq!(w.started.len(), 3, "one new VM per old one");
        assert_eq!(w.drains, 3);
        assert_eq!((w.now.target, w.now.maximum), (3, 3));
        assert_eq!(
            steps[..2],
            [
                RollStep::StartBatch(vec!["old-0".into()]),
                RollStep::SetCapacity {
                    target: 4,
                    maximum: 4
                }
            ]
        );
        assert!(steps.contains(&RollStep::RestoreMaximum(3)));
    }

    #[test]
    fn batches_of_two_and_a_maximum_with_room() {
        let old = ["a", "b", "c"];
        let p = plan(&old, 2, 10);
        let mut w = World::new(&old, 10);
        let steps = roll(&p, &mut w, None);
        assert_eq!(w.detached.len(), 3);
        assert_eq!(w.started.len(), 3);
        assert!(steps.contains(&RollStep::Cordon(vec!["a".into(), "b".into()])));
        assert!(
            !steps
                .iter()
                .any(|s| matches!(s, RollStep::RestoreMaximum(_)))
        );
        assert_eq!((w.now.target, w.now.maximum), (3, 10));
    }

    #[test]
    fn a_kill_after_any_step_resumes_without_losing_or_doubling_a_vm() {
        let old = ["old-0", "old-1", "old-2", "old-3"];
        for batch in [1, 3] {
            let p = plan(&old, batch, 4);
            let total = roll(&p, &mut World::new(&old, 4), None).len();
            for kill in 0..total {
                let mut w = World::new(&old, 4);
                roll(&p, &mut w, Some(kill));
                let mut detached = w.detached.clone();
                detached.sort();
                assert_eq!(detached, old, "kill after {kill}");
                assert_eq!(
                    w.started.len(),
                    old.len(),
                    "kill after {kill}: no VM doubled"
                );
                assert_eq!((w.now.target, w.now.maximum), (4, 4));
            }
        }
    }

    #[test]
    fn no_cordon_until_the_new_nodes_are_ready() {
        let p = plan(&["a", "b"], 1, 5);
        let mut now = World::new(&["a", "b"], 5).now;
        let progress = RollProgress {
            current: vec!["a".into()],
            ..RollProgress::default()
        };
        now.target = 3;
        // The new VM runs but is not a Ready node yet: a is needed.
        now.vms.insert("new".into());
        now.ready.remove("a");
        assert_eq!(
            next_step(&p, &progress, &now),
            RollStep::WaitForNodes {
                ready: 1,
                needed: 2
            }
        );
        now.ready.insert("new".into());
        assert_eq!(
            next_step(&p, &progress, &now),
            RollStep::Cordon(vec!["a".into()])
        );
    }

    #[test]
    fn old_vms_spot_already_replaced_are_skipped_and_an_empty_roll_is_done() {
        let p = plan(&["gone", "b"], 1, 2);
        let mut w = World::new(&["b"], 2);
        w.now.target = 2;
        w.settle();
        roll(&p, &mut w, None);
        assert_eq!(w.detached, ["b"]);
        let none = plan(&[], 1, 2);
        assert_eq!(
            next_step(&none, &RollProgress::default(), &RollObserved::default()),
            RollStep::RestoreMaximum(2)
        );
        let settled = RollObserved {
            maximum: 2,
            ..RollObserved::default()
        };
        assert_eq!(
            next_step(&none, &RollProgress::default(), &settled),
            RollStep::Done
        );
    }
}
