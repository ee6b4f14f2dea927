//! Which Node is which VM. [`node_of_group_vm`] is the one matcher of a Spot group's VMs to
//! Nodes (the cutover's join, `status`, `sync`'s roll): a v3 VM's node has the VM's name or a
//! `spec.providerID` ending in `/virtualMachines/<vmName>`; a v2 instance's node is the one Node
//! listing the instance's private IP as its `InternalIP` ([`node_of_private_ip`] says why). A
//! node of the source scale set has a providerID starting with `azure://` + the scale set's full
//! ARM id + `/virtualMachines/`: a same-named scale set in another resource group or subscription
//! is another cluster's. Azure ids compare case-insensitively. Labels cannot tell them apart:
//! both carry the pool's labels.

use std::fmt;

use elastigroup::ApiGeneration;
use serde::Serialize;
use spot_api::GroupVm;

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
    /// `status.nodeInfo.kubeletVersion`, e.g. `v1.17.1` (what `status` compares with the
    /// cluster's version).
    pub kubelet_version: Option<String>,
    /// The `InternalIP`s of `status.addresses` (how a v2 instance is found: [`node_of_private_ip`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub internal_ips: Vec<String>,
}

impl NodeInfo {
    /// A schedulable node (for tests and callers building views by hand).
    pub fn new(name: &str, provider_id: Option<&str>, ready: bool) -> Self {
        Self {
            name: name.to_owned(),
            provider_id: provider_id.map(str::to_owned),
            ready,
            unschedulable: false,
            kubelet_version: None,
            internal_ips: Vec::new(),
        }
    }

    /// This node with `ip` as an `InternalIP`.
    pub fn with_internal_ip(mut self, ip: &str) -> Self {
        self.internal_ips.push(ip.to_owned());
        self
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

/// More than one Node claims a v2 instance's private IP (a Node left behind by a deleted VM
/// whose address was given to a new one): which is the instance's cannot be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedIp {
    /// The address.
    pub ip: String,
    /// The Nodes that list it as an `InternalIP`.
    pub nodes: Vec<String>,
}

/// The Node of a v2 ("Scale Set VMs", Low-Priority) instance: the one Node whose
/// `status.addresses` list the instance's `privateIp` as an `InternalIP`.
///
/// Why the private IP and not the `instanceId`: the v2 status items are `{instanceId, region,
/// vmSize, lifeCycle, privateIp, publicIp, state, createdAt}` (openapi
/// `scaleSetVms/schemas/status.yaml`; Spot's v2 SDK reads `{id, vmSize, state, lifeCycle,
/// region, ipAddress, createdAt}`), and the published `instanceId` example is a UUID
/// (`ec5410ea-fec7-4a03-a989-3b27b7ee2ed5`): not a VM's computer name (a Node's name), nor the
/// last segment of a VM's resource id (a providerID ends with a standalone VM's name or a scale
/// set instance's decimal index). Nothing published ties it to a Node field. The private IP is
/// the one value both sides carry: the Azure cloud provider sets a Node's `InternalIP` to its
/// VM's primary private address, and an address belongs to one NIC of the VNet at a time. A
/// Node of a deleted VM still listing a reused address makes two claimants: [`SharedIp`], never
/// a guess.
pub fn node_of_private_ip<'a>(
    nodes: &'a [NodeInfo],
    ip: &str,
) -> Result<Option<&'a NodeInfo>, SharedIp> {
    let ip = ip.trim();
    if ip.is_empty() {
        return Ok(None);
    }
    let claimants: Vec<&NodeInfo> = nodes
        .iter()
        .filter(|n| n.internal_ips.iter().any(|a| a.trim() == ip))
        .collect();
    match claimants.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        many => Err(SharedIp {
            ip: ip.to_owned(),
            nodes: many.iter().map(|n| n.name.clone()).collect(),
        }),
    }
}

/// Why a Spot VM's Node cannot be told (never a guess: the VM counts as no Ready node, and
/// nothing is done to a Node for it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmatched {
    /// v2: Spot reports no private IP for the instance, the one thing that finds its Node.
    NoPrivateIp,
    /// v2: several Nodes list the instance's private IP.
    SharedIp(SharedIp),
}

impl fmt::Display for Unmatched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unmatched::NoPrivateIp => f.write_str(
                "Spot reports no private IP for it (a v2 instance's Node is found by its private IP only)",
            ),
            Unmatched::SharedIp(s) => write!(
                f,
                "its private IP {} is the InternalIP of Nodes {}",
                s.ip,
                s.nodes.join(", ")
            ),
        }
    }
}

/// The Node of a group's VM, the one matcher for both API generations: v3 by the VM's name
/// ([`node_of_vm`]), v2 by the instance's private IP ([`node_of_private_ip`]; the published v2
/// `instanceId` is a UUID no Node field carries). `Ok(None)`: no Node is this VM.
pub fn node_of_group_vm<'a>(
    generation: ApiGeneration,
    vm: &GroupVm,
    nodes: &'a [NodeInfo],
) -> Result<Option<&'a NodeInfo>, Unmatched> {
    match generation {
        ApiGeneration::V3 => Ok(node_of_vm(nodes, &vm.name)),
        ApiGeneration::V2 => {
            let ip = vm
                .private_ip
                .as_deref()
                .map(str::trim)
                .filter(|ip| !ip.is_empty())
                .ok_or(Unmatched::NoPrivateIp)?;
            node_of_private_ip(nodes, ip).map_err(Unmatched::SharedIp)
        }
    }
}

/// A scale set's full ARM id,
/// `/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/virtualMachineScaleSets/<name>`.
pub fn scale_set_id(subscription: &str, resource_group: &str, name: &str) -> String {
    format!(
        "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.Compute/virtualMachineScaleSets/{name}"
    )
}

/// Whether `node` is an instance of the scale set whose full ARM id is `scale_set_id`: its
/// providerID starts with `azure://<id>/virtualMachines/`, ignoring case. An id with an empty
/// subscription (`/subscriptions//resourceGroups/...`: a read-only view without `-s`) matches
/// that resource group and name in any subscription; a cutover never acts on one (its scale
/// sets are checked against the Azure client's subscription first).
pub fn in_scale_set(node: &NodeInfo, scale_set_id: &str) -> bool {
    let id = scale_set_id.to_ascii_lowercase();
    let Some((subscription, rest)) = id
        .strip_prefix("/subscriptions/")
        .and_then(|s| s.split_once('/'))
    else {
        return false;
    };
    let rest = rest.trim_end_matches('/');
    // resourcegroups/<rg>/providers/microsoft.compute/virtualmachinescalesets/<name>
    if rest.split('/').count() != 6 || rest.split('/').any(str::is_empty) {
        return false;
    }
    let Some(provider_id) = node.provider_id.as_deref() else {
        return false;
    };
    let provider_id = provider_id.to_ascii_lowercase();
    let Some((node_subscription, node_rest)) = provider_id
        .strip_prefix("azure:///subscriptions/")
        .and_then(|s| s.split_once('/'))
    else {
        return false;
    };
    (subscription.is_empty() || node_subscription == subscription)
        && node_rest.starts_with(&format!("{rest}/virtualmachines/"))
}

/// The nodes of the scale set whose full ARM id is `scale_set_id`, in the order given.
pub fn scale_set_nodes<'a>(nodes: &'a [NodeInfo], scale_set_id: &str) -> Vec<&'a NodeInfo> {
    nodes
        .iter()
        .filter(|n| in_scale_set(n, scale_set_id))
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
        assert!(!in_scale_set(&n, SS));
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
    fn a_v2_instance_is_the_one_node_with_its_private_ip() {
        let nodes = vec![
            NodeInfo::new("k8s-spot-0", None, true).with_internal_ip("10.240.0.4"),
            NodeInfo::new("k8s-spot-1", Some(VM_ID), true).with_internal_ip("10.240.0.5"),
            NodeInfo::new("master", None, true),
        ];
        assert_eq!(
            node_of_private_ip(&nodes, "10.240.0.5")
                .unwrap()
                .unwrap()
                .name,
            "k8s-spot-1"
        );
        assert_eq!(node_of_private_ip(&nodes, "10.240.0.6"), Ok(None));
        assert_eq!(node_of_private_ip(&nodes, ""), Ok(None));
        assert_eq!(
            node_of_private_ip(&nodes, "10.240.0.4"),
            Ok(Some(&nodes[0])),
            "an IP prefix of another is not it"
        );
        let mut stale = nodes.clone();
        stale.push(NodeInfo::new("k8s-spot-gone", None, false).with_internal_ip("10.240.0.4"));
        assert_eq!(
            node_of_private_ip(&stale, "10.240.0.4"),
            Err(SharedIp {
                ip: "10.240.0.4".into(),
                nodes: vec!["k8s-spot-0".into(), "k8s-spot-gone".into()],
            })
        );
    }

    fn group_vm(name: &str, ip: Option<&str>) -> GroupVm {
        GroupVm {
            name: name.into(),
            vm_size: None,
            life_cycle: None,
            power_state: None,
            created_at: None,
            private_ip: ip.map(str::to_owned),
        }
    }

    #[test]
    fn the_one_matcher_finds_v3_vms_by_name_and_v2_instances_by_private_ip() {
        let nodes = vec![
            NodeInfo::new("vm-sig-1-0", Some(VM_ID), true).with_internal_ip("10.240.0.4"),
            NodeInfo::new("k8s-agentpool1-spot-0", None, true).with_internal_ip("10.240.0.5"),
            NodeInfo::new("k8s-stale", None, false).with_internal_ip("10.240.0.6"),
            NodeInfo::new("k8s-new", None, true).with_internal_ip("10.240.0.6"),
        ];
        let find = |generation, vm: &GroupVm| {
            node_of_group_vm(generation, vm, &nodes).map(|n| n.map(|n| n.name.clone()))
        };
        let v3 = |vm: &GroupVm| find(ApiGeneration::V3, vm);
        let v2 = |vm: &GroupVm| find(ApiGeneration::V2, vm);
        // v3: by name; an address is not looked at.
        let vm = group_vm("vm-sig-1-0", Some("10.240.0.5"));
        assert_eq!(v3(&vm), Ok(Some(nodes[0].name.clone())));
        assert_eq!(v3(&group_vm("vm-other", Some("10.240.0.4"))), Ok(None));
        // v2: a UUID instanceId no Node carries; by private IP only.
        let uuid = "ec5410ea-fec7-4a03-a989-3b27b7ee2ed5";
        assert_eq!(
            v2(&group_vm(uuid, Some(" 10.240.0.5 "))),
            Ok(Some(nodes[1].name.clone()))
        );
        assert_eq!(
            v2(&group_vm("vm-sig-1-0", None)),
            Err(Unmatched::NoPrivateIp)
        );
        assert_eq!(v2(&group_vm(uuid, Some(""))), Err(Unmatched::NoPrivateIp));
        assert_eq!(v2(&group_vm(uuid, Some("10.240.0.9"))), Ok(None));
        let shared = v2(&group_vm(uuid, Some("10.240.0.6"))).unwrap_err();
        assert_eq!(
            shared.to_string(),
            "its private IP 10.240.0.6 is the InternalIP of Nodes k8s-stale, k8s-new"
        );
    }

    const SS: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/k8s-agentpool1-123-vmss";

    #[test]
    fn scale_set_membership_reads_the_whole_provider_id_prefix_ignoring_case() {
        let n = NodeInfo::new("k8s-agentpool1-123-vmss000000", Some(VMSS_ID), true);
        assert!(in_scale_set(&n, SS));
        assert!(in_scale_set(&n, &SS.to_ascii_uppercase()));
        assert!(in_scale_set(
            &n,
            &scale_set_id("S", "RG", "K8S-AGENTPOOL1-123-VMSS")
        ));
        let mut mixed = n.clone();
        mixed.provider_id = Some(
            VMSS_ID
                .replace("resourceGroups/rg", "resourcegroups/RG")
                .replace("azure:", "AZURE:"),
        );
        assert!(in_scale_set(&mixed, SS));
        assert!(!in_scale_set(&n, ""));
        assert!(!in_scale_set(&n, "/subscriptions/s"));
        let spot = NodeInfo::new("vm-sig-1-0", Some(VM_ID), true);
        assert!(!in_scale_set(&spot, SS));
    }

    #[test]
    fn a_same_named_scale_set_elsewhere_is_not_ours() {
        let n = NodeInfo::new("k8s-agentpool1-123-vmss000000", Some(VMSS_ID), true);
        let name = "k8s-agentpool1-123-vmss";
        assert!(
            !in_scale_set(&n, &scale_set_id("s", "other-rg", name)),
            "other resource group"
        );
        assert!(
            !in_scale_set(&n, &scale_set_id("other-sub", "rg", name)),
            "other subscription"
        );
        assert!(
            !in_scale_set(&n, &scale_set_id("s", "rg", "k8s-agentpool2-123-vmss")),
            "other name"
        );
        assert!(
            !in_scale_set(&n, &scale_set_id("s", "rg", "k8s-agentpool1-123")),
            "prefix of the name"
        );
        assert!(
            !in_scale_set(&n, &scale_set_id("s", "r", name)),
            "prefix of the group"
        );
        let moved = NodeInfo::new(
            "x",
            Some(&VMSS_ID.replace("/subscriptions/s/", "/subscriptions/s2/")),
            true,
        );
        assert!(!in_scale_set(&moved, SS), "subscription s2 is not s");
        let any_subscription = scale_set_id("", "rg", name);
        assert!(
            in_scale_set(&n, &any_subscription),
            "subscription unknown: any"
        );
        assert!(!in_scale_set(&n, &scale_set_id("", "other-rg", name)));
        assert!(!in_scale_set(&n, &scale_set_id("", "", name)));
        let nested = NodeInfo::new(
            "x",
            Some(&format!("azure:///prefix{}", &VMSS_ID["azure://".len()..])),
            true,
        );
        assert!(
            !in_scale_set(&nested, SS),
            "the id must start the providerID"
        );
    }

    #[test]
    fn scale_set_nodes_keeps_only_members() {
        let nodes = vec![
            NodeInfo::new("a", Some(VMSS_ID), true),
            NodeInfo::new("b", Some(VM_ID), true),
            NodeInfo::new("c", None, true),
        ];
        let names: Vec<&str> = scale_set_nodes(&nodes, SS)
            .iter()
            .map(|n| n.name.as_str())
            .collect();
        assert_eq!(names, ["a"]);
    }
}
