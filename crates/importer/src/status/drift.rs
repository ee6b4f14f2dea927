//! Drift (pure): how far a pool has moved from what the tool last made of it. Its Spot nodes'
//! kubelets are not the cluster's `orchestratorVersion` (`sync` rolls them), a cut-over pool's
//! scale set is above 0 again (`sync` or `cutover` cuts it over again), or VMs were started before the group's last
//! update (`sync` rolls them). Status reads; these functions decide.

use chrono::{DateTime, Utc};
use cutover::NodeInfo;
use cutover::decide::nodes::node_of_group_vm;
use elastigroup::ApiGeneration;
use serde::Serialize;
use spot_api::GroupVm;

/// Which kind of drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DriftKind {
    /// A Spot node's kubelet is not the cluster's Kubernetes version.
    KubeletVersion,
    /// A cut-over pool's scale set has instances again.
    ScaleSetRevived,
    /// A VM was started before the group's last update.
    VmBeforeUpdate,
}

impl DriftKind {
    /// What brings the pool back in step.
    pub fn remedy(self) -> &'static str {
        match self {
            DriftKind::KubeletVersion | DriftKind::VmBeforeUpdate => "run `sync`",
            DriftKind::ScaleSetRevived => "run `sync` or `cutover`",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Drift {
    /// Its kind.
    pub kind: DriftKind,
    /// What was found, in words.
    pub detail: String,
    /// The VM (or node) it is about, when one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm: Option<String>,
    /// What to do about it.
    pub remedy: &'static str,
}

impl Drift {
    fn new(kind: DriftKind, detail: String, vm: Option<String>) -> Self {
        Drift {
            kind,
            detail,
            vm,
            remedy: kind.remedy(),
        }
    }
}

/// A drift check that could not be made (the pool's health is unknown, never healthy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftUnchecked {
    /// The check.
    pub kind: DriftKind,
    /// Why it was not made.
    pub reason: String,
}

/// `v1.17.1` and `1.17.1` are the same version.
pub fn same_version(a: &str, b: &str) -> bool {
    let core = |v: &str| {
        let v = v.trim();
        v.strip_prefix(['v', 'V']).unwrap_or(v).to_ascii_lowercase()
    };
    core(a) == core(b)
}

/// The group's VMs (of `generation`) whose node runs a kubelet other than `version`. A VM
/// whose node cannot be told is left to the pool's health (unknown).
pub fn kubelet_drift(
    version: &str,
    generation: ApiGeneration,
    vms: &[GroupVm],
    nodes: &[NodeInfo],
) -> Vec<Drift> {
    let mut out = Vec::new();
    for vm in vms {
        let Ok(Some(node)) = node_of_group_vm(generation, vm, nodes) else {
            continue;
        };
        let Some(kubelet) = node.kubelet_version.as_deref() else {
            continue;
        };
        if !same_version(kubelet, version) {
            out.push(Drift::new(
                DriftKind::KubeletVersion,
                format!(
                    "node {} runs kubelet {kubelet}, the cluster is {version} (apimodel.json orchestratorVersion)",
                    node.name
                ),
                Some(vm.name.clone()),
            ));
        }
    }
    out
}

/// The group's VMs created before `updated_at`, the group's last update (RFC 3339). A VM
/// without a readable creation time is not counted; an unreadable `updated_at` checks nothing.
pub fn vms_before_update(updated_at: Option<&str>, vms: &[GroupVm]) -> Vec<Drift> {
    let Some(updated) = updated_at.and_then(parse_time) else {
        return Vec::new();
    };
    vms.iter()
        .filter_map(|vm| {
            let created = vm.created_at.as_deref().and_then(parse_time)?;
            (created < updated).then(|| {
                Drift::new(
                    DriftKind::VmBeforeUpdate,
                    format!(
                        "VM {} was started at {} before the group's update at {}",
                        vm.name,
                        created.to_rfc3339(),
                        updated.to_rfc3339()
                    ),
                    Some(vm.name.clone()),
                )
            })
        })
        .collect()
}

/// A cut-over pool's scale set (by its full id) at `capacity` instances: drift when above 0.
pub fn revived_scale_set(scale_set_id: &str, capacity: i64) -> Option<Drift> {
    (capacity > 0).then(|| {
        Drift::new(
            DriftKind::ScaleSetRevived,
            format!(
                "scale set {scale_set_id} was retired by cutover but has {capacity} instance(s) again (e.g. aks-engine upgrade re-deployed it)"
            ),
            None,
        )
    })
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vm(name: &str, created: Option<&str>) -> GroupVm {
        GroupVm {
            name: name.into(),
            vm_size: None,
            life_cycle: None,
            power_state: None,
            created_at: created.map(str::to_owned),
            private_ip: None,
        }
    }

    const V3: ApiGeneration = ApiGeneration::V3;

    fn node(name: &str, kubelet: Option<&str>) -> NodeInfo {
        let mut n = NodeInfo::new(name, None, true);
        n.kubelet_version = kubelet.map(str::to_owned);
        n
    }

    #[test]
    fn versions_compare_without_the_v() {
        assert!(same_version("v1.17.1", "1.17.1"));
        assert!(same_version("1.17.1", "V1.17.1 "));
        assert!(!same_version("v1.17.1", "1.17.10"));
        assert!(!same_version("v1.16.4", "1.17.1"));
    }

    #[test]
    fn only_spot_nodes_on_another_kubelet_drift() {
        let vms = [vm("vm-0", None), vm("vm-1", None), vm("vm-2", None)];
        let nodes = [
            node("vm-0", Some("v1.17.1")),
            node("vm-1", Some("v1.16.4")),
            node("vm-2", None),
            node("other", Some("v1.15.0")),
        ];
        let d = kubelet_drift("1.17.1", V3, &vms, &nodes);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].kind, DriftKind::KubeletVersion);
        assert_eq!(d[0].vm.as_deref(), Some("vm-1"));
        assert_eq!(d[0].remedy, "run `sync`");
        assert!(d[0].detail.contains("kubelet v1.16.4"), "{}", d[0].detail);
        assert!(kubelet_drift("v1.16.4", V3, &vms[1..2], &nodes).is_empty());
    }

    #[test]
    fn v2_instances_find_their_kubelet_by_private_ip() {
        let mut a = vm(
            "ec5410ea-fec7-4a03-a989-3b27b7ee2ed5",
            Some("2026-12-06T10:00:00.000Z"),
        );
        a.private_ip = Some("10.240.128.4".into());
        let nodes = [
            node("k8s-agentpool1-spot-0", Some("v1.16.4"))
                .with_internal_ip("10.240.128.4")
                .created_at("2026-12-06T10:04:00Z"),
            node("ec5410ea-fec7-4a03-a989-3b27b7ee2ed5", Some("v1.15.0")),
        ];
        let d = kubelet_drift(
            "1.17.1",
            ApiGeneration::V2,
            std::slice::from_ref(&a),
            &nodes,
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].detail
                .starts_with("node k8s-agentpool1-spot-0 runs kubelet v1.16.4")
        );
        assert_eq!(
            d[0].vm.as_deref(),
            Some("ec5410ea-fec7-4a03-a989-3b27b7ee2ed5")
        );
        a.private_ip = None;
        assert!(kubelet_drift("1.17.1", ApiGeneration::V2, &[a], &nodes).is_empty());
    }

    #[test]
    fn vms_started_before_the_last_update_drift() {
        let vms = [
            vm("old", Some("2026-01-01T00:00:00.000Z")),
            vm("new", Some("2026-06-01T00:00:00Z")),
            vm("unknown", None),
        ];
        let d = vms_before_update(Some("2026-03-01T00:00:00Z"), &vms);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].vm.as_deref(), Some("old"));
        assert_eq!(d[0].kind, DriftKind::VmBeforeUpdate);
        // Never updated, or an unreadable time: nothing to compare with.
        assert!(vms_before_update(None, &vms).is_empty());
        assert!(vms_before_update(Some("yesterday"), &vms).is_empty());
    }

    #[test]
    fn a_retired_scale_set_above_zero_drifts() {
        assert_eq!(revived_scale_set("/s/id", 0), None);
        let d = revived_scale_set("/s/id", 2).unwrap();
        assert_eq!(d.kind, DriftKind::ScaleSetRevived);
        assert_eq!(d.remedy, "run `sync` or `cutover`");
        assert!(d.detail.contains("/s/id") && d.detail.contains("2 instance(s)"));
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["kind"], "scaleSetRevived");
    }
}
