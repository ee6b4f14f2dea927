//! The drain plan: for each source node, whether it needs cordoning and what happens to each of
//! its pods; the budgets that would block now.

use serde::Serialize;

use super::budgets::{BudgetHold, BudgetInfo, blocking_now};
use super::nodes::NodeInfo;
use super::pods::{DrainFlags, PodAction, PodInfo, RefuseReason, classify};

/// One pod and its fate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedPod {
    /// `namespace/name`.
    pub pod: String,
    /// What the drain does.
    #[serde(flatten)]
    pub action: PodAction,
    /// Being deleted already (`deletionTimestamp` set): the drain waits for it to go.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub terminating: bool,
}

/// One source node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodePlan {
    /// Node name.
    pub node: String,
    /// Already `spec.unschedulable` (someone else cordoned it; the cutover will not uncordon it).
    pub already_cordoned: bool,
    /// Its pods.
    pub pods: Vec<PlannedPod>,
}

/// The whole drain.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DrainPlan {
    /// The source nodes, in order.
    pub nodes: Vec<NodePlan>,
    /// Budgets that would hold some of the evictions if they ran now.
    pub blocking_budgets: Vec<BudgetHold>,
}

/// A pod that stops the drain, with its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefusedPod {
    /// `namespace/name`.
    pub pod: String,
    /// Node.
    pub node: String,
    /// Why.
    pub reasons: Vec<RefuseReason>,
}

impl DrainPlan {
    /// Nodes to cordon (not already cordoned).
    pub fn nodes_to_cordon(&self) -> Vec<&str> {
        self.nodes
            .iter()
            .filter(|n| !n.already_cordoned)
            .map(|n| n.node.as_str())
            .collect()
    }

    /// Pods the drain evicts, `namespace/name` (not those already terminating).
    pub fn to_evict(&self) -> Vec<&str> {
        self.pods_where(|p| matches!(p.action, PodAction::Evict { .. }) && !p.terminating)
    }

    /// Pods being deleted already that the drain waits for, `namespace/name`.
    pub fn terminating(&self) -> Vec<&str> {
        self.pods_where(|p| matches!(p.action, PodAction::Evict { .. }) && p.terminating)
    }

    /// Pods left running, `namespace/name`.
    pub fn left(&self) -> Vec<&str> {
        self.pods_where(|p| matches!(p.action, PodAction::Leave { .. }))
    }

    /// Pods that stop the drain.
    pub fn refused(&self) -> Vec<RefusedPod> {
        self.nodes
            .iter()
            .flat_map(|n| {
                n.pods.iter().filter_map(|p| match &p.action {
                    PodAction::Refuse { reasons } => Some(RefusedPod {
                        pod: p.pod.clone(),
                        node: n.node.clone(),
                        reasons: reasons.clone(),
                    }),
                    _ => None,
                })
            })
            .collect()
    }

    fn pods_where(&self, f: impl Fn(&PlannedPod) -> bool) -> Vec<&str> {
        self.nodes
            .iter()
            .flat_map(|n| n.pods.iter())
            .filter(|p| f(p))
            .map(|p| p.pod.as_str())
            .collect()
    }
}

/// Plans draining `source_nodes`, given every pod on them and every budget.
pub fn drain_plan(
    source_nodes: &[NodeInfo],
    pods: &[PodInfo],
    budgets: &[BudgetInfo],
    flags: DrainFlags,
) -> DrainPlan {
    let mut evicted: Vec<PodInfo> = Vec::new();
    let nodes = source_nodes
        .iter()
        .map(|node| NodePlan {
            node: node.name.clone(),
            already_cordoned: node.unschedulable,
            pods: pods
                .iter()
                .filter(|p| p.node.as_deref() == Some(node.name.as_str()))
                .map(|p| {
                    let action = classify(p, flags);
                    if matches!(action, PodAction::Evict { .. }) {
                        evicted.push(p.clone());
                    }
                    PlannedPod {
                        pod: p.key(),
                        action,
                        terminating: p.terminating,
                    }
                })
                .collect(),
        })
        .collect();
    DrainPlan {
        nodes,
        blocking_budgets: blocking_now(budgets, &evicted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::budgets::LabelSelector;
    use crate::decide::pods::LeaveReason;
    use std::collections::BTreeMap;

    fn pod(name: &str, node: &str, controller: Option<&str>) -> PodInfo {
        PodInfo {
            namespace: "default".into(),
            name: name.into(),
            node: Some(node.into()),
            labels: BTreeMap::from([("app".to_string(), name.to_string())]),
            controller_kind: controller.map(str::to_owned),
            phase: Some("Running".into()),
            ..Default::default()
        }
    }

    #[test]
    fn plans_every_pod_of_every_source_node() {
        let mut cordoned = NodeInfo::new("n1", None, true);
        cordoned.unschedulable = true;
        let nodes = vec![NodeInfo::new("n0", None, true), cordoned];
        let pods = vec![
            pod("web", "n0", Some("ReplicaSet")),
            pod("agent", "n0", Some("DaemonSet")),
            pod("bare", "n1", None),
            pod("elsewhere", "spot-0", Some("ReplicaSet")),
        ];
        let budgets = vec![BudgetInfo {
            namespace: "default".into(),
            name: "web-pdb".into(),
            selector: Some(LabelSelector {
                match_labels: BTreeMap::from([("app".to_string(), "web".to_string())]),
                match_expressions: vec![],
            }),
            disruptions_allowed: 0,
            current_healthy: 1,
            desired_healthy: 1,
        }];
        let plan = drain_plan(&nodes, &pods, &budgets, DrainFlags::default());
        assert_eq!(plan.nodes_to_cordon(), ["n0"]);
        assert_eq!(plan.to_evict(), ["default/web"]);
        assert_eq!(plan.left(), ["default/agent"]);
        assert_eq!(
            plan.nodes[0].pods[1].action,
            PodAction::Leave {
                reason: LeaveReason::DaemonSet
            }
        );
        let refused = plan.refused();
        assert_eq!(refused.len(), 1);
        assert_eq!(
            (refused[0].pod.as_str(), refused[0].node.as_str()),
            ("default/bare", "n1")
        );
        assert_eq!(plan.blocking_budgets.len(), 1);
        assert_eq!(plan.blocking_budgets[0].pods, ["default/web"]);
        let json = serde_json::to_value(&plan).unwrap();
        assert_eq!(json["nodes"][0]["pods"][0]["action"], "evict");
        assert_eq!(json["nodes"][1]["pods"][0]["reasons"][0], "noController");
    }

    #[test]
    fn forced_pods_are_evicted_and_not_refused() {
        let nodes = vec![NodeInfo::new("n0", None, true)];
        let pods = vec![pod("bare", "n0", None)];
        let plan = drain_plan(
            &nodes,
            &pods,
            &[],
            DrainFlags {
                force: true,
                delete_emptydir_data: false,
            },
        );
        assert!(plan.refused().is_empty());
        assert_eq!(plan.to_evict(), ["default/bare"]);
        assert!(plan.blocking_budgets.is_empty());
    }

    #[test]
    fn a_terminating_pod_is_waited_for_not_listed_as_an_eviction() {
        let nodes = vec![NodeInfo::new("n0", None, true)];
        let mut going = pod("old", "n0", Some("ReplicaSet"));
        going.terminating = true;
        let pods = vec![going, pod("web", "n0", Some("ReplicaSet"))];
        let plan = drain_plan(&nodes, &pods, &[], DrainFlags::default());
        assert_eq!(plan.to_evict(), ["default/web"]);
        assert_eq!(plan.terminating(), ["default/old"]);
        let json = serde_json::to_value(&plan).unwrap();
        assert_eq!(json["nodes"][0]["pods"][0]["terminating"], true);
        assert!(json["nodes"][0]["pods"][1].get("terminating").is_none());
    }
}
