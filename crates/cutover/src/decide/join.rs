//! Join progress of one pool: how many of its group's VMs are Ready nodes, against the group's
//! capacity target, and which VMs are not (yet) Ready nodes.

use std::fmt;

use serde::Serialize;

use super::nodes::{NodeInfo, node_of_vm};

/// One Spot VM and its node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VmJoin {
    /// The VM's name in Azure.
    pub vm: String,
    /// The node it became, if any.
    pub node: Option<String>,
    /// That node is Ready.
    pub ready: bool,
}

impl VmJoin {
    /// `vm-1 (not a node)`, `vm-1 (node vm-1 NotReady)`.
    pub fn describe(&self) -> String {
        match (&self.node, self.ready) {
            (None, _) => format!("{} (not a node)", self.vm),
            (Some(n), false) => format!("{} (node {n} NotReady)", self.vm),
            (Some(n), true) => format!("{} (node {n} Ready)", self.vm),
        }
    }
}

/// A pool's join progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolJoin {
    /// The agent pool.
    pub pool: String,
    /// The group's `capacity.target`.
    pub target: u32,
    /// Every VM of the group.
    pub vms: Vec<VmJoin>,
}

impl PoolJoin {
    /// VMs whose node is Ready.
    pub fn ready_count(&self) -> u32 {
        u32::try_from(self.vms.iter().filter(|v| v.ready).count()).unwrap_or(u32::MAX)
    }

    /// The Ready nodes reached the target (a target of 0 never counts as joined: retiring
    /// the scale set would leave the pool without nodes).
    pub fn is_complete(&self) -> bool {
        self.target > 0 && self.ready_count() >= self.target
    }

    /// VMs that are not Ready nodes.
    pub fn not_ready(&self) -> Vec<&VmJoin> {
        self.vms.iter().filter(|v| !v.ready).collect()
    }
}

impl fmt::Display for PoolJoin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}/{} Spot nodes Ready",
            self.pool,
            self.ready_count(),
            self.target
        )
    }
}

/// Matches each of the group's VMs to a node.
pub fn pool_join(pool: &str, target: u32, vms: &[String], nodes: &[NodeInfo]) -> PoolJoin {
    PoolJoin {
        pool: pool.to_owned(),
        target,
        vms: vms
            .iter()
            .map(|vm| {
                let node = node_of_vm(nodes, vm);
                VmJoin {
                    vm: vm.clone(),
                    node: node.map(|n| n.name.clone()),
                    ready: node.is_some_and(|n| n.ready),
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vms(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn counts_ready_nodes_against_the_target() {
        let nodes = vec![
            NodeInfo::new("vm-0", None, true),
            NodeInfo::new("n1", Some("azure:///x/virtualMachines/VM-1"), false),
        ];
        let j = pool_join("agentpool1", 2, &vms(&["vm-0", "vm-1", "vm-2"]), &nodes);
        assert_eq!(j.ready_count(), 1);
        assert!(!j.is_complete());
        assert_eq!(j.to_string(), "agentpool1: 1/2 Spot nodes Ready");
        let missing: Vec<String> = j.not_ready().iter().map(|v| v.describe()).collect();
        assert_eq!(missing, ["vm-1 (node n1 NotReady)", "vm-2 (not a node)"]);
    }

    #[test]
    fn complete_when_ready_reaches_target_even_with_extra_vms() {
        let nodes = vec![
            NodeInfo::new("vm-0", None, true),
            NodeInfo::new("vm-1", None, true),
        ];
        let j = pool_join("p", 2, &vms(&["vm-0", "vm-1", "vm-2"]), &nodes);
        assert!(j.is_complete());
        assert_eq!(j.to_string(), "p: 2/2 Spot nodes Ready");
    }

    #[test]
    fn a_zero_target_is_never_complete() {
        let j = pool_join("p", 0, &[], &[]);
        assert!(!j.is_complete());
    }

    #[test]
    fn no_nodes_means_nothing_joined() {
        let j = pool_join("p", 1, &vms(&["vm-0"]), &[]);
        assert!(!j.is_complete());
        assert_eq!(j.vms[0].describe(), "vm-0 (not a node)");
    }
}
