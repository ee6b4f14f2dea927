//! Why a cutover stopped. Each message says what this step was doing; causes are chained.

use std::path::PathBuf;
use std::time::Duration;

use crate::decide::budgets::BudgetHold;
use crate::decide::drain_plan::RefusedPod;
use crate::decide::join::PoolJoin;
use crate::decide::scale_set::Difference;
use crate::events::Step;
use crate::run::CutoverReport;
use crate::state::CUTOVER_STATE_FILE_NAME;

/// A Kubernetes API call that failed.
#[derive(Debug, thiserror::Error)]
#[error("{action}: {message}{}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
pub struct KubeError {
    /// What was being done, e.g. `cordoning node k8s-agentpool1-1-vmss000000`.
    pub action: String,
    /// HTTP status, when the API server answered.
    pub status: Option<u16>,
    /// What the API server said, or that it did not answer.
    pub message: String,
    /// The client's error when the API server did not answer (connection, TLS, timeout), so
    /// the printed chain shows the cause.
    #[source]
    pub source: Option<Box<kube::Error>>,
}

impl KubeError {
    /// `action` failed with `err`: the API server's answer, or (no answer) kube's error kept as
    /// the source.
    pub fn new(action: impl Into<String>, err: kube::Error) -> Self {
        match err {
            kube::Error::Api(s) => Self {
                action: action.into(),
                status: Some(s.code).filter(|c| *c != 0),
                message: s.message.clone(),
                source: None,
            },
            other => Self {
                action: action.into(),
                status: None,
                message: kube_connect::unanswered_reason(&other)
                    .unwrap_or("no answer from the API server")
                    .to_owned(),
                source: Some(Box::new(other)),
            },
        }
    }

    /// The API server did not answer (a connection, TLS or timeout error).
    pub fn unanswered(&self) -> bool {
        self.source.is_some()
    }
}

pub(crate) fn list(items: &[String]) -> String {
    items.join(", ")
}

fn joins(pools: &[PoolJoin]) -> String {
    pools
        .iter()
        .map(|p| {
            let missing: Vec<String> = p.not_ready().iter().map(|v| v.describe()).collect();
            if p.vms.is_empty() {
                format!("{p}; Spot reports no VMs for the group")
            } else if missing.is_empty() {
                p.to_string()
            } else {
                format!("{}; not Ready nodes: {}", p, missing.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub(crate) fn refused(pods: &[RefusedPod]) -> String {
    pods.iter()
        .map(|p| {
            let reasons: Vec<String> = p
                .reasons
                .iter()
                .map(|r| format!("{r}, needs {}", r.flag()))
                .collect();
            format!("{} on {} ({})", p.pod, p.node, reasons.join("; "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn holds(holds: &[BudgetHold], others: &[String]) -> String {
    let mut parts: Vec<String> = holds.iter().map(ToString::to_string).collect();
    if !others.is_empty() {
        parts.push(format!("still terminating or refused: {}", list(others)));
    }
    parts.join("; ")
}

/// Why the cutover stopped.
#[derive(Debug, thiserror::Error)]
pub enum CutoverError {
    /// `--pool` named a pool the import did not record.
    #[error("pool {pool} is not among the imported pools ({})", list(known))]
    UnknownPool {
        /// The name given.
        pool: String,
        /// The pools known.
        known: Vec<String>,
    },
    /// Nothing to do.
    #[error("no imported pools to cut over")]
    NoPools,
    /// The cutover state file could not be read or written.
    #[error("cutover state file {}", path.display())]
    State {
        /// Its path.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: StateFileError,
    },
    /// A Kubernetes call failed.
    #[error(transparent)]
    Kube(#[from] KubeError),
    /// Reading a group from Spot failed.
    #[error("reading Spot group {group_id} of pool {pool}")]
    Spot {
        /// Pool.
        pool: String,
        /// Group.
        group_id: String,
        /// The client error.
        #[source]
        source: Box<spot_api::SpotError>,
    },
    /// A group has no capacity target above zero: retiring the scale set would leave no nodes.
    #[error(
        "Spot group {group_id} of pool {pool} has capacity target 0: retiring the scale set would leave the pool without nodes"
    )]
    EmptyTarget {
        /// Pool.
        pool: String,
        /// Group.
        group_id: String,
    },
    /// Spot nodes did not become Ready in time; nothing was touched.
    #[error(
        "the Spot nodes did not all become Ready within {timeout:?} (nothing was changed): {}",
        joins(pools)
    )]
    JoinTimeout {
        /// The limit.
        timeout: Duration,
        /// Each pool that did not join, as last seen.
        pools: Vec<PoolJoin>,
    },
    /// Right before the retire, the Spot nodes were no longer all Ready.
    #[error(
        "the Spot nodes are no longer all Ready ({}): the scale set was not scaled; its nodes stay cordoned and drained, and a re-run waits for the join, then retires",
        joins(pools)
    )]
    JoinLost {
        /// Each pool that lost Ready nodes.
        pools: Vec<PoolJoin>,
    },
    /// A signal stopped the run.
    #[error(
        "interrupted during {step}: uncordoned {}; {CUTOVER_STATE_FILE_NAME} records what was done, a re-run resumes",
        if uncordoned.is_empty() { "nothing".to_owned() } else { list(uncordoned) }
    )]
    Interrupted {
        /// The step that was running.
        step: Step,
        /// Nodes this run cordoned and uncordoned again.
        uncordoned: Vec<String>,
        /// What the run did before it stopped.
        report: Box<CutoverReport>,
    },
    /// Pods the drain may not evict without consent.
    #[error("refusing to drain: {}{}", refused(pods), if uncordoned.is_empty() { String::new() } else { format!(" (uncordoned {})", list(uncordoned)) })]
    Refused {
        /// The pods and reasons.
        pods: Vec<RefusedPod>,
        /// Nodes this run uncordoned again.
        uncordoned: Vec<String>,
    },
    /// Evictions did not finish in time; the nodes this run cordoned were uncordoned.
    #[error("the drain did not finish within {timeout:?}: {}; uncordoned {}; the scale set was not scaled", holds(budgets, others), if uncordoned.is_empty() { "nothing".to_owned() } else { list(uncordoned) })]
    DrainTimeout {
        /// The limit.
        timeout: Duration,
        /// Budgets and the pods each holds.
        budgets: Vec<BudgetHold>,
        /// Pods left that no budget explains.
        others: Vec<String>,
        /// Nodes uncordoned again.
        uncordoned: Vec<String>,
    },
    /// The drain failed on an API error; the nodes this run cordoned were uncordoned.
    #[error("draining stopped (uncordoned {})", if uncordoned.is_empty() { "nothing".to_owned() } else { list(uncordoned) })]
    Drain {
        /// Nodes uncordoned again.
        uncordoned: Vec<String>,
        /// The failed call.
        #[source]
        source: KubeError,
    },
    /// The scale set under the pool's id is not the one the import read; nothing was changed.
    #[error(
        "scale set {id} is not pool {pool}'s scale set of this cluster: {}; nothing was changed",
        differences.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    NotOurScaleSet {
        /// Pool.
        pool: String,
        /// The scale set's full id.
        id: String,
        /// What differs.
        differences: Vec<Difference>,
    },
    /// No scale set under the pool's id; nothing was changed.
    #[error(
        "scale set {id} of pool {pool} does not exist (HTTP 404); nothing was changed: is this the resource group and subscription the import used?"
    )]
    ScaleSetMissing {
        /// Pool.
        pool: String,
        /// The scale set's full id.
        id: String,
    },
    /// The scale set could not be read (credentials, network); nothing was changed.
    #[error("reading scale set {id} of pool {pool} (nothing was changed)")]
    ReadScaleSet {
        /// Pool.
        pool: String,
        /// The scale set's full id.
        id: String,
        /// The ARM error.
        #[source]
        source: Box<azure_arm::ArmError>,
    },
    /// Scaling the source scale set failed.
    #[error("scaling scale set {resource_group}/{scale_set} to 0")]
    Scale {
        /// Resource group.
        resource_group: String,
        /// Scale set.
        scale_set: String,
        /// The ARM error.
        #[source]
        source: Box<azure_arm::ArmError>,
    },
}

/// Reading or writing the state file.
#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    /// I/O.
    #[error("cannot be read or written")]
    Io(#[from] std::io::Error),
    /// Not JSON of the expected shape.
    #[error("is corrupt; fix or remove it (a new run re-checks every step)")]
    Corrupt(#[from] serde_json::Error),
    /// A newer tool wrote it.
    #[error("has format version {0}; this tool understands 1")]
    Version(u32),
    /// Two records for one pool: which one tells the truth cannot be known.
    #[error(
        "records pool {0} twice; keep one record of it (or remove the file: a new run re-checks every step)"
    )]
    DuplicatePool(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::join::VmJoin;

    #[test]
    fn join_timeout_names_each_vm_that_never_became_ready() {
        let e = CutoverError::JoinTimeout {
            timeout: Duration::from_secs(900),
            pools: vec![PoolJoin {
                pool: "agentpool1".into(),
                target: 2,
                vms: vec![
                    VmJoin {
                        vm: "vm-0".into(),
                        node: Some("vm-0".into()),
                        ready: true,
                        unmatched: None,
                    },
                    VmJoin {
                        vm: "vm-1".into(),
                        node: None,
                        ready: false,
                        unmatched: None,
                    },
                ],
            }],
        };
        assert_eq!(
            e.to_string(),
            "the Spot nodes did not all become Ready within 900s (nothing was changed): agentpool1: 1/2 Spot nodes Ready; not Ready nodes: vm-1 (not a node)"
        );
    }

    #[test]
    fn join_timeout_says_when_spot_has_no_vms() {
        let e = CutoverError::JoinTimeout {
            timeout: Duration::from_secs(60),
            pools: vec![PoolJoin {
                pool: "p".into(),
                target: 1,
                vms: vec![],
            }],
        };
        assert!(
            e.to_string()
                .ends_with("p: 0/1 Spot nodes Ready; Spot reports no VMs for the group"),
            "{e}"
        );
    }

    #[test]
    fn drain_timeout_names_budget_pods_and_uncordoned_nodes() {
        let e = CutoverError::DrainTimeout {
            timeout: Duration::from_secs(600),
            budgets: vec![BudgetHold {
                budget: "shop/web-pdb".into(),
                disruptions_allowed: 0,
                current_healthy: 2,
                desired_healthy: 2,
                pods: vec!["shop/web-1".into()],
            }],
            others: vec![],
            uncordoned: vec!["n0".into(), "n1".into()],
        };
        assert_eq!(
            e.to_string(),
            "the drain did not finish within 600s: PodDisruptionBudget shop/web-pdb (allows 0 disruptions, 2 of 2 desired healthy) holds shop/web-1; uncordoned n0, n1; the scale set was not scaled"
        );
    }

    #[test]
    fn kube_error_shows_status_once() {
        let e = KubeError {
            action: "cordoning node n0".into(),
            status: Some(403),
            message: "nodes \"n0\" is forbidden".into(),
            source: None,
        };
        assert_eq!(
            e.to_string(),
            "cordoning node n0: nodes \"n0\" is forbidden (HTTP 403)"
        );
    }
}
