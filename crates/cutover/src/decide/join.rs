//! Join progress of one pool: how many of its group's VMs are Ready nodes, against the group's
//! capacity target, and which VMs are not (yet) Ready nodes. Each VM's Node is found by the one
//! matcher ([`node_of_group_vm`]); a VM whose Node cannot be told counts as no Ready node.

use std::fmt;

use elastigroup::ApiGeneration;
use serde::Serialize;
use spot_api::GroupVm;

use super::nodes::{NodeInfo, node_of_group_vm};

/// One Spot VM and its node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VmJoin {
    /// The VM's name in Azure (v3) or Spot's instance id (v2).
    pub vm: String,
    /// The node it became, if any.
    pub node: Option<String>,
    /// That node is Ready.
    pub ready: bool,
    /// Why its node cannot be told, when it cannot (v2: no private IP, or one several Nodes
    /// list): it counts as no Ready node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmatched: Option<String>,
}

impl VmJoin {
    /// `vm-1 (not a node)`, `vm-1 (node vm-1 NotReady)`, `id (node unknown: ...)`.
    pub fn describe(&self) -> String {
        if let Some(why) = &self.unmatched {
            return format!("{} (node unknown: {why})", self.vm);
        }
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

/// Matches each of the group's VMs (of `generation`) to a node.
pub fn pool_join(
    pool: &str,
    target: u32,
    generation: ApiGeneration,
    vms: &[GroupVm],
    nodes: &[NodeInfo],
) -> PoolJoin {
    PoolJoin {
        pool: pool.to_owned(),
        target,
        vms: vms
            .iter()
            .map(|vm| match node_of_group_vm(generation, vm, nodes) {
                Ok(node) => VmJoin {
                    vm: vm.name.clone(),
                    node: node.map(|n| n.name.clone()),
                    ready: node.is_some_and(|n| n.ready),
                    unmatched: None,
                },
                Err(why) => VmJoin {
                    vm: vm.name.clone(),
                    node: None,
                    ready: false,
                    unmatched: Some(why.to_string()),
                },
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vms(names: &[&str]) -> Vec<GroupVm> {
        names.iter().map(|s| vm(s, None)).collect()
    }

    use crate::decide::test_vms::group_vm as vm;

    const V3: ApiGeneration = ApiGeneration::V3;
    /// When the Nodes registered.
    const REGISTERED: &str = "2026-12-06T10:04:00Z";

    #[test]
    fn v2_instances_join_by_private_ip_and_an_unknown_node_is_not_ready() {
        let nodes = vec![
            NodeInfo::new("k8s-agentpool1-spot-0", None, true)
                .with_internal_ip("10.240.128.4")
                .created_at(REGISTERED),
            NodeInfo::new("k8s-old", None, false)
                .with_internal_ip("10.240.128.5")
                .created_at(REGISTERED),
            NodeInfo::new("k8s-new", None, true)
                .with_internal_ip("10.240.128.5")
                .created_at(REGISTERED),
        ];
        let vms = [
            vm("ec5410ea-fec7-4a03-a989-3b27b7ee2ed5", Some("10.240.128.4")),
            vm("0f1e2d3c-0000-4000-8000-000000000001", Some("10.240.128.5")),
            vm("0f1e2d3c-0000-4000-8000-000000000002", None),
        ];
        let j = pool_join("p", 2, ApiGeneration::V2, &vms, &nodes);
        assert_eq!(j.ready_count(), 1);
        assert!(!j.is_complete(), "a shared address is no Ready node");
        assert_eq!(j.vms[0].node.as_deref(), Some("k8s-agentpool1-spot-0"));
        let missing: Vec<String> = j.not_ready().iter().map(|v| v.describe()).collect();
        assert_eq!(
            missing,
            [
                "0f1e2d3c-0000-4000-8000-000000000001 (node unknown: its private IP 10.240.128.5 is the InternalIP of Nodes k8s-old, k8s-new)",
                "0f1e2d3c-0000-4000-8000-000000000002 (node unknown: Spot reports no private IP for it (a v2 instance's Node is found by its private IP only))",
            ]
        );
        // The same instance id as a v3 name finds nothing: v2 is never matched by id.
        let by_name = vec![NodeInfo::new(
            "ec5410ea-fec7-4a03-a989-3b27b7ee2ed5",
            None,
            true,
        )];
        let j = pool_join("p", 1, ApiGeneration::V2, &vms[..1], &by_name);
        assert_eq!(j.ready_count(), 0);
    }

    #[test]
    fn a_ready_node_registered_before_a_v2_instance_does_not_join_it() {
        // A Node of an earlier VM at the same address (or registered by hand), still Ready.
        let stale = NodeInfo::new("k8s-stale", None, true)
            .with_internal_ip("10.240.128.4")
            .created_at("2026-12-01T00:00:00Z");
        let vms = [vm(
            "ec5410ea-fec7-4a03-a989-3b27b7ee2ed5",
            Some("10.240.128.4"),
        )];
        let j = pool_join(
            "p",
            1,
            ApiGeneration::V2,
            &vms,
            std::slice::from_ref(&stale),
        );
        assert!(!j.is_complete());
        assert_eq!(
            j.vms[0].describe(),
            "ec5410ea-fec7-4a03-a989-3b27b7ee2ed5 (not a node)"
        );
        // The instance's own Node registers: it joins, the stale one is not a second claimant.
        let nodes = [
            stale,
            NodeInfo::new("k8s-agentpool1-spot-0", None, true)
                .with_internal_ip("10.240.128.4")
                .created_at(REGISTERED),
        ];
        let j = pool_join("p", 1, ApiGeneration::V2, &vms, &nodes);
        assert!(j.is_complete());
        assert_eq!(j.vms[0].node.as_deref(), Some("k8s-agentpool1-spot-0"));
    }

    #[test]
    fn counts_ready_nodes_against_the_target() {
        let nodes = vec![
            NodeInfo::new("vm-0", None, true),
            NodeInfo::new("n1", Some("azure:///x/virtualMachines/VM-1"), false),
        ];
        let j = pool_join("agentpool1", 2, V3, &vms(&["vm-0", "vm-1", "vm-2"]), &nodes);
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
        let j = pool_join("p", 2, V3, &vms(&["vm-0", "vm-1", "vm-2"]), &nodes);
        assert!(j.is_complete());
        assert_eq!(j.to_string(), "p: 2/2 Spot nodes Ready");
    }

    #[test]
    fn a_zero_target_is_never_complete() {
        let j = pool_join("p", 0, V3, &[], &[]);
        assert!(!j.is_complete());
    }

    #[test]
    fn no_nodes_means_nothing_joined() {
        let j = pool_join("p", 1, V3, &vms(&["vm-0"]), &[]);
        assert!(!j.is_complete());
        assert_eq!(j.vms[0].describe(), "vm-0 (not a node)");
    }
}
