//! Which Node is which VM: a Spot VM's node has the VM's name or a `spec.providerID` ending in
//! `/virtualMachines/<vmName>`; a node of the source scale set has a providerID containing
//! `/virtualMachineScaleSets/<scale set>/virtualMachines/`. Azure names compare
//! case-insensitively. Labels cannot tell them apart: both carry the pool's labels.

use serde::Serialize;

/// The parts of a Node the cutover reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeInfo {
    /// `metadata.name`.
    pub name: String,
    /// `spec.providerID`, e.g. `azure:///subscriptions/.../virtualMachines/vm-1`.
    pub provider_id: Option<String>,
    /// The `Ready` condition is `True`.
    pub ready: bool,
    /// `spec.unschedulable` (cordoned).
    pub unschedulable: bool,
}

impl NodeInfo {
    /// A schedulable node (for tests and callers building views by hand).
    pub fn new(name: &str, provider_id: Option<&str>, ready: bool) -> Self {
        Self {
            name: name.to_owned(),
            provider_id: provider_id.map(str::to_owned),
            ready,
            unschedulable: false,
        }
    }
}

/// Whether `node` is the VM named `vm_name`.
pub fn node_is_vm(node: &NodeInfo, vm_name: &str) -> bool {
    if vm_name.is_empty() {
        return false;
    }
    if node.name.eq_ignore_ascii_case(vm_name) {
        return true;
    }
    let suffix = format!("/virtualmachines/{}", vm_name.to_ascii_lowercase());
    node.provider_id
        .as_deref()
        .is_some_and(|id| id.to_ascii_lowercase().ends_with(&suffix))
}

/// The node of VM `vm_name`, preferring a node named exactly so over a providerID match.
pub fn node_of_vm<'a>(nodes: &'a [NodeInfo], vm_name: &str) -> Option<&'a NodeInfo> {
    nodes
        .iter()
        .find(|n| n.name.eq_ignore_ascii_case(vm_name))
        .or_else(|| nodes.iter().find(|n| node_is_vm(n, vm_name)))
}

/// Whether `node` is an instance of scale set `scale_set`.
pub fn in_scale_set(node: &NodeInfo, scale_set: &str) -> bool {
    if scale_set.is_empty() {
        return false;
    }
    let needle = format!(
        "/virtualmachinescalesets/{}/virtualmachines/",
        scale_set.to_ascii_lowercase()
    );
    node.provider_id
        .as_deref()
        .is_some_and(|id| id.to_ascii_lowercase().contains(&needle))
}

/// The nodes of scale set `scale_set`, in the order given.
pub fn scale_set_nodes<'a>(nodes: &'a [NodeInfo], scale_set: &str) -> Vec<&'a NodeInfo> {
    nodes
        .iter()
        .filter(|n| in_scale_set(n, scale_set))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VMSS_ID: &str = "azure:///subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/k8s-agentpool1-123-vmss/virtualMachines/0";
    const VM_ID: &str = "azure:///subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-sig-1-0";

    #[test]
    fn a_vm_matches_by_node_name_ignoring_case() {
        let n = NodeInfo::new("VM-SIG-1-0", None, true);
        assert!(node_is_vm(&n, "vm-sig-1-0"));
        assert!(!node_is_vm(&n, "vm-sig-1-00"));
        assert!(!node_is_vm(&n, ""));
    }

    #[test]
    fn a_vm_matches_by_provider_id_suffix_ignoring_case() {
        let n = NodeInfo::new("aks-node", Some(VM_ID), true);
        assert!(node_is_vm(&n, "vm-sig-1-0"));
        assert!(node_is_vm(&n, "VM-Sig-1-0"));
        assert!(
            !node_is_vm(&n, "sig-1-0"),
            "a suffix of the name is not the name"
        );
        assert!(!node_is_vm(&n, "vm-sig-1"));
    }

    #[test]
    fn a_node_without_provider_id_matches_only_by_name() {
        let n = NodeInfo::new("k8s-agentpool1-123-vmss000000", None, true);
        assert!(!node_is_vm(&n, "0"));
        assert!(!in_scale_set(&n, "k8s-agentpool1-123-vmss"));
    }

    #[test]
    fn node_of_vm_prefers_the_exact_name() {
        let nodes = vec![
            NodeInfo::new("other", Some("azure:///x/virtualMachines/vm-1"), true),
            NodeInfo::new("vm-1", None, false),
        ];
        assert_eq!(node_of_vm(&nodes, "vm-1").unwrap().name, "vm-1");
        assert_eq!(node_of_vm(&nodes[..1], "VM-1").unwrap().name, "other");
        assert!(node_of_vm(&nodes, "vm-2").is_none());
    }

    #[test]
    fn scale_set_membership_reads_the_provider_id_ignoring_case() {
        let n = NodeInfo::new("k8s-agentpool1-123-vmss000000", Some(VMSS_ID), true);
        assert!(in_scale_set(&n, "k8s-agentpool1-123-vmss"));
        assert!(in_scale_set(&n, "K8S-AGENTPOOL1-123-VMSS"));
        assert!(
            !in_scale_set(&n, "k8s-agentpool1-123"),
            "prefix of the name"
        );
        assert!(!in_scale_set(&n, "k8s-agentpool2-123-vmss"));
        assert!(!in_scale_set(&n, ""));
        let spot = NodeInfo::new("vm-sig-1-0", Some(VM_ID), true);
        assert!(!in_scale_set(&spot, "k8s-agentpool1-123-vmss"));
    }

    #[test]
    fn scale_set_nodes_keeps_only_members() {
        let nodes = vec![
            NodeInfo::new("a", Some(VMSS_ID), true),
            NodeInfo::new("b", Some(VM_ID), true),
            NodeInfo::new("c", None, true),
        ];
        let names: Vec<&str> = scale_set_nodes(&nodes, "k8s-agentpool1-123-vmss")
            .iter()
            .map(|n| n.name.as_str())
            .collect();
        assert_eq!(names, ["a"]);
    }
}
