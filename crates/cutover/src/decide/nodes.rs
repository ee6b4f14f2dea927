//! Which Node is which VM. [`node_of_group_vm`] is the one matcher of a Spot group's VMs to
//! Nodes (the cutover's join, `status`, `sync`'s roll): a v3 VM's node has the VM's name or a
//! `spec.providerID` ending in `/virtualMachines/<vmName>`; a v2 instance's node is the one Node
//! listing the instance's private IP as its `InternalIP`, created no earlier than the instance
//! (less [`CLOCK_SKEW_ALLOWANCE`]) and not being deleted ([`node_of_private_ip`] says why). A
//! node of the source scale set has a providerID starting with `azure://` + the scale set's full
//! ARM id + `/virtualMachines/`: a same-named scale set in another resource group or subscription
//! is another cluster's. Azure ids compare case-insensitively. Labels cannot tell them apart:
//! both carry the pool's labels.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
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
    /// `metadata.uid`: which object this is (a Node deleted and registered again under the
    /// same name is another one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// `metadata.creationTimestamp` (RFC 3339): a Node is never the Node of a v2 instance
    /// created after it ([`node_of_private_ip`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
    /// `metadata.deletionTimestamp` is set: the Node is being deleted and claims no instance.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleting: bool,
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
            uid: None,
            creation_timestamp: None,
            deleting: false,
        }
    }

    /// This node with `ip` as an `InternalIP`.
    pub fn with_internal_ip(mut self, ip: &str) -> Self {
        self.internal_ips.push(ip.to_owned());
        self
    }

    /// This node created at `timestamp` (RFC 3339).
    pub fn created_at(mut self, timestamp: &str) -> Self {
        self.creation_timestamp = Some(timestamp.to_owned());
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

/// How much earlier than a v2 instance's `createdAt` its Node's `metadata.creationTimestamp`
/// may be (5 minutes). The two come from different clocks (Spot's servers, the cluster's
/// apiserver), both NTP-synced; a real Node registers minutes after its VM is created (boot,
/// then the CSE starts the kubelet), so it is always later. A Node created more than this before
/// the instance is a Node of an earlier VM that had the address (or one registered by hand),
/// never this instance's. The allowance is the window a stale Node can still claim: small, and
/// a Node in it is then also [`SharedIp`] with the real one once that registers.
pub const CLOCK_SKEW_ALLOWANCE: TimeDelta = TimeDelta::minutes(5);

/// More than one Node claims a v2 instance's private IP (Nodes created after the instance, less
/// [`CLOCK_SKEW_ALLOWANCE`]): which is the instance's cannot be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedIp {
    /// The address.
    pub ip: String,
    /// The Nodes that list it as an `InternalIP`.
    pub nodes: Vec<String>,
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The Node of a v2 ("Scale Set VMs", Low-Priority) instance with private IP `ip`, created at
/// `created_at` (Spot's `createdAt`): the one Node that lists `ip` as an `InternalIP` in its
/// `status.addresses`, is not being deleted, and was created no earlier than `created_at` less
/// [`CLOCK_SKEW_ALLOWANCE`]. `Ok(None)`: no Node is this instance's (a Node created before it
/// is an earlier VM's at the same address, or one registered by hand: it counts for nothing).
///
/// Why the private IP and not the `instanceId`: the v2 status items are `{instanceId, region,
/// vmSize, lifeCycle, privateIp, publicIp, state, createdAt}` (openapi
/// `scaleSetVms/schemas/status.yaml`; Spot's v2 SDK reads `{id, vmSize, state, lifeCycle,
/// region, ipAddress, createdAt}`), and the published `instanceId` example is a UUID
/// (`ec5410ea-fec7-4a03-a989-3b27b7ee2ed5`): not a VM's computer name (a Node's name), nor the
/// last segment of a VM's resource id (a providerID ends with a standalone VM's name or a scale
/// set instance's decimal index). Nothing published ties it to a Node field. The private IP is
/// the one value both sides carry: the Azure cloud provider sets a Node's `InternalIP` to its
/// VM's primary private address, and an address belongs to one NIC of the VNet at a time. But
/// an address outlives its VM: a Node left by a deleted VM still lists it, hence the creation
/// times. Never a guess: an instance without a readable `createdAt`, or a claimant Node
/// without a readable `creationTimestamp`, makes the Node unknown
/// ([`Unmatched::NoCreatedAt`], [`Unmatched::NoCreationTimestamp`]); two claimants are
/// [`SharedIp`].
///
/// The Node's providerID is not compared with the group's resource group: nothing published
/// says what providerID the Node of a v2 instance has (Spot's v2 VMs are not documented as
/// standalone VMs nor as scale set instances of a known scale set).
pub fn node_of_private_ip<'a>(
    nodes: &'a [NodeInfo],
    ip: &str,
    created_at: Option<&str>,
) -> Result<Option<&'a NodeInfo>, Unmatched> {
    let ip = ip.trim();
    if ip.is_empty() {
        return Err(Unmatched::NoPrivateIp);
    }
    let listing: Vec<&NodeInfo> = nodes
        .iter()
        .filter(|n| !n.deleting && n.internal_ips.iter().any(|a| a.trim() == ip))
        .collect();
    if listing.is_empty() {
        return Ok(None);
    }
    let names = |ns: &[&NodeInfo]| ns.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
    let Some(created) = created_at.and_then(parse_time) else {
        return Err(Unmatched::NoCreatedAt {
            ip: ip.to_owned(),
            nodes: names(&listing),
        });
    };
    let undated: Vec<&NodeInfo> = listing
        .iter()
        .copied()
        .filter(|n| {
            n.creation_timestamp
                .as_deref()
                .and_then(parse_time)
                .is_none()
        })
        .collect();
    if !undated.is_empty() {
        return Err(Unmatched::NoCreationTimestamp {
            ip: ip.to_owned(),
            nodes: names(&undated),
        });
    }
    let earliest = created - CLOCK_SKEW_ALLOWANCE;
    let claimants: Vec<&NodeInfo> = listing
        .into_iter()
        .filter(|n| {
            n.creation_timestamp
                .as_deref()
                .and_then(parse_time)
                .is_some_and(|t| t >= earliest)
        })
        .collect();
    match claimants.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        many => Err(Unmatched::SharedIp(SharedIp {
            ip: ip.to_owned(),
            nodes: names(many),
        })),
    }
}

/// Why a Spot VM's Node cannot be told (never a guess: the VM counts as no Ready node, and
/// nothing is done to a Node for it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmatched {
    /// v2: Spot reports no private IP for the instance, the one thing that finds its Node.
    NoPrivateIp,
    /// v2: Nodes list the instance's private IP, but Spot reports no readable `createdAt` for
    /// it: whether they are its or an earlier VM's cannot be told.
    NoCreatedAt {
        /// The address.
        ip: String,
        /// The Nodes that list it.
        nodes: Vec<String>,
    },
    /// v2: Nodes list the instance's private IP without a readable `creationTimestamp`.
    NoCreationTimestamp {
        /// The address.
        ip: String,
        /// The Nodes without one.
        nodes: Vec<String>,
    },
    /// v2: several Nodes created since the instance list its private IP.
    SharedIp(SharedIp),
}

impl fmt::Display for Unmatched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unmatched::NoPrivateIp => f.write_str(
                "Spot reports no private IP for it (a v2 instance's Node is found by its private IP only)",
            ),
            Unmatched::NoCreatedAt { ip, nodes } => write!(
                f,
                "Spot reports no createdAt for it, so whether Nodes {} (InternalIP {ip}) were registered after it or by an earlier VM at that address cannot be told",
                nodes.join(", ")
            ),
            Unmatched::NoCreationTimestamp { ip, nodes } => write!(
                f,
                "Nodes {} list its private IP {ip} but have no creationTimestamp, so whether they were registered after it cannot be told",
                nodes.join(", ")
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
/// ([`node_of_vm`]), v2 by the instance's private IP and creation time ([`node_of_private_ip`];
/// the published v2 `instanceId` is a UUID no Node field carries). `Ok(None)`: no Node is this
/// VM.
pub fn node_of_group_vm<'a>(
    generation: ApiGeneration,
    vm: &GroupVm,
    nodes: &'a [NodeInfo],
) -> Result<Option<&'a NodeInfo>, Unmatched> {
    match generation {
        ApiGeneration::V3 => Ok(node_of_vm(nodes, &vm.name)),
        ApiGeneration::V2 => node_of_private_ip(
            nodes,
            vm.private_ip.as_deref().unwrap_or_default(),
            vm.created_at.as_deref(),
        ),
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
    use crate::decide::test_vms::{CREATED, group_vm};

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

    /// When their Nodes registered (the instances were created at [`CREATED`]).
    const REGISTERED: &str = "2026-12-06T10:04:00Z";

    fn at(name: &str, ip: &str) -> NodeInfo {
        NodeInfo::new(name, None, true)
            .with_internal_ip(ip)
            .created_at(REGISTERED)
    }

    #[test]
    fn a_v2_instance_is_the_one_node_with_its_private_ip() {
        let nodes = vec![
            at("k8s-spot-0", "10.240.0.4"),
            at("k8s-spot-1", "10.240.0.5"),
            NodeInfo::new("master", None, true).created_at(REGISTERED),
        ];
        let find = |nodes, ip| node_of_private_ip(nodes, ip, Some(CREATED));
        assert_eq!(
            find(&nodes, "10.240.0.5").unwrap().unwrap().name,
            "k8s-spot-1"
        );
        assert_eq!(find(&nodes, "10.240.0.6"), Ok(None));
        assert_eq!(find(&nodes, ""), Err(Unmatched::NoPrivateIp));
        assert_eq!(
            find(&nodes, "10.240.0.4"),
            Ok(Some(&nodes[0])),
            "an IP prefix of another is not it"
        );
        let mut stale = nodes.clone();
        let mut gone = at("k8s-spot-gone", "10.240.0.4");
        gone.ready = false;
        stale.push(gone);
        assert_eq!(
            find(&stale, "10.240.0.4"),
            Err(Unmatched::SharedIp(SharedIp {
                ip: "10.240.0.4".into(),
                nodes: vec!["k8s-spot-0".into(), "k8s-spot-gone".into()],
            }))
        );
    }

    #[test]
    fn a_node_registered_before_the_instance_is_not_its_node() {
        // Registered by an earlier VM at the same address (or by hand), a day before: Ready,
        // and still not the instance's.
        let stale = NodeInfo::new("k8s-stale", None, true)
            .with_internal_ip("10.240.0.4")
            .created_at("2026-12-05T10:00:00Z");
        let nodes = vec![stale.clone()];
        assert_eq!(
            node_of_private_ip(&nodes, "10.240.0.4", Some(CREATED)),
            Ok(None)
        );
        // The instance's own Node registers: the one claimant, not a shared address.
        let nodes = vec![stale, at("k8s-spot-0", "10.240.0.4")];
        assert_eq!(
            node_of_private_ip(&nodes, "10.240.0.4", Some(CREATED)),
            Ok(Some(&nodes[1]))
        );
    }

    #[test]
    fn the_clock_skew_allowance_is_the_boundary() {
        assert_eq!(CLOCK_SKEW_ALLOWANCE, TimeDelta::minutes(5));
        let node = |created: &str| {
            NodeInfo::new("n", None, true)
                .with_internal_ip("10.240.0.4")
                .created_at(created)
        };
        let claims = |created: &str| {
            let nodes = [node(created)];
            node_of_private_ip(&nodes, "10.240.0.4", Some(CREATED))
                .unwrap()
                .is_some()
        };
        assert!(
            claims("2026-12-06T09:55:00Z"),
            "exactly the allowance before"
        );
        assert!(claims("2026-12-06T09:59:59Z"), "a skewed clock");
        assert!(claims("2026-12-06T10:00:00Z"));
        assert!(
            !claims("2026-12-06T09:54:59Z"),
            "a second more than the allowance before"
        );
        // Offsets are compared as instants: 04:55 at -05:00 is 09:55 UTC.
        assert!(claims("2026-12-06T04:55:00-05:00"));
        assert!(!claims("2026-12-06T04:54:59-05:00"));
    }

    #[test]
    fn missing_creation_times_leave_the_node_unknown() {
        let nodes = vec![at("k8s-spot-0", "10.240.0.4")];
        for created in [None, Some(""), Some("yesterday")] {
            let err = node_of_private_ip(&nodes, "10.240.0.4", created).unwrap_err();
            assert_eq!(
                err,
                Unmatched::NoCreatedAt {
                    ip: "10.240.0.4".into(),
                    nodes: vec!["k8s-spot-0".into()],
                },
                "{created:?}"
            );
            assert_eq!(
                err.to_string(),
                "Spot reports no createdAt for it, so whether Nodes k8s-spot-0 (InternalIP 10.240.0.4) were registered after it or by an earlier VM at that address cannot be told"
            );
        }
        // No Node lists the address: not a node, whatever the instance's createdAt.
        assert_eq!(node_of_private_ip(&nodes, "10.240.0.5", None), Ok(None));

        let mut undated = nodes.clone();
        undated.push(NodeInfo::new("k8s-undated", None, true).with_internal_ip("10.240.0.4"));
        let mut garbled = NodeInfo::new("k8s-garbled", None, true).with_internal_ip("10.240.0.4");
        garbled.creation_timestamp = Some("soon".into());
        undated.push(garbled);
        let err = node_of_private_ip(&undated, "10.240.0.4", Some(CREATED)).unwrap_err();
        assert_eq!(
            err,
            Unmatched::NoCreationTimestamp {
                ip: "10.240.0.4".into(),
                nodes: vec!["k8s-undated".into(), "k8s-garbled".into()],
            },
            "a dated claimant beside an undated one is not chosen"
        );
        assert_eq!(
            err.to_string(),
            "Nodes k8s-undated, k8s-garbled list its private IP 10.240.0.4 but have no creationTimestamp, so whether they were registered after it cannot be told"
        );
    }

    #[test]
    fn a_node_being_deleted_claims_nothing() {
        let mut deleting = at("k8s-deleting", "10.240.0.4");
        deleting.deleting = true;
        let nodes = vec![deleting.clone()];
        assert_eq!(
            node_of_private_ip(&nodes, "10.240.0.4", Some(CREATED)),
            Ok(None)
        );
        // Nor makes a shared address, nor an unknown one without its creationTimestamp.
        deleting.creation_timestamp = None;
        let nodes = vec![deleting, at("k8s-spot-0", "10.240.0.4")];
        assert_eq!(
            node_of_private_ip(&nodes, "10.240.0.4", Some(CREATED)),
            Ok(Some(&nodes[1]))
        );
    }

    #[test]
    fn the_one_matcher_finds_v3_vms_by_name_and_v2_instances_by_private_ip() {
        let mut stale = at("k8s-stale", "10.240.0.6");
        stale.ready = false;
        let nodes = vec![
            NodeInfo::new("vm-sig-1-0", Some(VM_ID), true)
                .with_internal_ip("10.240.0.4")
                .created_at("2026-01-01T00:00:00Z"),
            at("k8s-agentpool1-spot-0", "10.240.0.5"),
            stale,
            at("k8s-new", "10.240.0.6"),
        ];
        let find = |generation, vm: &GroupVm| {
            node_of_group_vm(generation, vm, &nodes).map(|n| n.map(|n| n.name.clone()))
        };
        let v3 = |vm: &GroupVm| find(ApiGeneration::V3, vm);
        let v2 = |vm: &GroupVm| find(ApiGeneration::V2, vm);
        // v3: by name; neither an address nor a creation time is looked at.
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
        assert_eq!(
            v2(&group_vm(uuid, Some("10.240.0.4"))),
            Ok(None),
            "vm-sig-1-0 lists it, registered long before the instance"
        );
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
