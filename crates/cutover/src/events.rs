//! Progress of a cutover, one event at a time, for a terminal or a log.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::decide::join::PoolJoin;

/// The cutover's steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Step {
    /// Every Spot VM of each group is a Ready node (up to the capacity target).
    Join,
    /// Every node of the source scale sets is cordoned.
    Cordon,
    /// Every evictable pod of those nodes is evicted and gone.
    Drain,
    /// The scale sets are at capacity 0 and their Node objects deleted.
    Retire,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Join => "join",
            Step::Cordon => "cordon",
            Step::Drain => "drain",
            Step::Retire => "retire",
        })
    }
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressEvent {
    /// A step begins.
    StepStarted(Step),
    /// A step was finished by an earlier run for these pools.
    StepSkipped(Step),
    /// A step is finished.
    StepDone(Step),
    /// The state file's record of a pool was about another group or scale set (e.g. before a
    /// `delete` and a new import): its steps are done again.
    RecordReset {
        /// Pool.
        pool: String,
        /// The group the record was about.
        recorded_group: String,
        /// The pool's group now.
        group: String,
    },
    /// A pool recorded as retired has its scale set above 0 again (`aks-engine upgrade`
    /// re-deployed it): it is cut over again.
    Revived {
        /// Pool.
        pool: String,
        /// Its scale set.
        scale_set: String,
        /// The scale set's capacity now.
        capacity: i64,
    },
    /// A pool's join progress after one poll.
    Join(PoolJoin),
    /// A node was cordoned by this run.
    Cordoned(String),
    /// A node was already cordoned (by someone else); it will stay cordoned.
    AlreadyCordoned(String),
    /// A node this run cordoned was uncordoned again.
    Uncordoned(String),
    /// The eviction of a pod was accepted.
    Evicting(String),
    /// A pod's eviction was refused for now (disruption budget).
    EvictionBlocked {
        /// `namespace/name`.
        pod: String,
        /// The API server's reason.
        message: String,
    },
    /// A pod is gone.
    PodGone(String),
    /// A poll of the scale-down of a scale set.
    Scaling {
        /// Scale set.
        scale_set: String,
        /// Operation status.
        status: String,
    },
    /// A Node object of the retired scale set was deleted.
    NodeDeleted(String),
    /// `sync`'s roll: Spot still lists these VMs after their detach (terminating); the roll
    /// waits, sending nothing more.
    DetachPending {
        /// Pool.
        pool: String,
        /// The VMs still listed.
        vms: Vec<String>,
    },
}

impl fmt::Display for ProgressEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProgressEvent::StepStarted(s) => write!(f, "{s}: started"),
            ProgressEvent::StepSkipped(s) => write!(f, "{s}: done by an earlier run"),
            ProgressEvent::StepDone(s) => write!(f, "{s}: done"),
            ProgressEvent::RecordReset {
                pool,
                recorded_group,
                group,
            } => write!(
                f,
                "{pool}: the state file recorded a cutover of group {recorded_group}, not {group}; starting over"
            ),
            ProgressEvent::Revived {
                pool,
                scale_set,
                capacity,
            } => write!(
                f,
                "{pool}: scale set {scale_set} is at {capacity} instance(s) again after its retire (aks-engine upgrade re-deployed it): cutting over again"
            ),
            ProgressEvent::Join(j) => write!(f, "{j}"),
            ProgressEvent::Cordoned(n) => write!(f, "cordoned {n}"),
            ProgressEvent::AlreadyCordoned(n) => write!(f, "{n} was already cordoned"),
            ProgressEvent::Uncordoned(n) => write!(f, "uncordoned {n}"),
            ProgressEvent::Evicting(p) => write!(f, "evicting {p}"),
            ProgressEvent::EvictionBlocked { pod, message } => {
                write!(f, "eviction of {pod} refused for now: {message}")
            }
            ProgressEvent::PodGone(p) => write!(f, "{p} is gone"),
            ProgressEvent::Scaling { scale_set, status } => {
                write!(f, "scaling {scale_set} to 0: {status}")
            }
            ProgressEvent::NodeDeleted(n) => write!(f, "deleted node {n}"),
            ProgressEvent::DetachPending { pool, vms } => write!(
                f,
                "{pool}: Spot still lists {} after their detach; waiting (the detach is not sent again)",
                vms.join(", ")
            ),
        }
    }
}

impl ProgressEvent {
    /// The pool the event's line begins with, when it names one.
    pub fn pool(&self) -> Option<&str> {
        match self {
            ProgressEvent::RecordReset { pool, .. }
            | ProgressEvent::Revived { pool, .. }
            | ProgressEvent::DetachPending { pool, .. } => Some(pool),
            ProgressEvent::Join(j) => Some(&j.pool),
            _ => None,
        }
    }

    /// The event's line in the progress of `pool` (pools rolled at once interleave): `pool: `
    /// first, once.
    pub fn line_of(&self, pool: &str) -> String {
        if self.pool() == Some(pool) {
            self.to_string()
        } else {
            format!("{pool}: {self}")
        }
    }
}

/// Receives progress events.
pub trait Progress: Send {
    /// One event.
    fn report(&mut self, event: &ProgressEvent);
}

impl<F: FnMut(&ProgressEvent) + Send> Progress for F {
    fn report(&mut self, event: &ProgressEvent) {
        self(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_as_lines() {
        assert_eq!(
            ProgressEvent::Join(PoolJoin {
                pool: "agentpool1".into(),
                target: 2,
                vms: vec![],
            })
            .to_string(),
            "agentpool1: 0/2 Spot nodes Ready"
        );
        assert_eq!(
            ProgressEvent::StepSkipped(Step::Cordon).to_string(),
            "cordon: done by an earlier run"
        );
        assert_eq!(
            ProgressEvent::Cordoned("n0".into()).line_of("agentpool2"),
            "agentpool2: cordoned n0"
        );
        assert_eq!(
            ProgressEvent::DetachPending {
                pool: "agentpool2".into(),
                vms: vec!["vm-1".into()],
            }
            .line_of("agentpool2"),
            "agentpool2: Spot still lists vm-1 after their detach; waiting (the detach is not sent again)"
        );
        let mut seen = Vec::new();
        let mut sink = |e: &ProgressEvent| seen.push(e.to_string());
        sink.report(&ProgressEvent::Cordoned("n0".into()));
        assert_eq!(seen, ["cordoned n0"]);
    }
}
