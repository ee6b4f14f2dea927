//! Health of a pool for `status`: each Spot VM is a Ready node, a NotReady node or not a node;
//! one older than the grace period that is not a Ready node is overdue. A pool is healthy only
//! when its nodes were checked and none is overdue; what was not checked is unknown, never
//! healthy ([`Health`]). The source scale set's remaining nodes are listed with whether they are
//! cordoned. Each VM's node is found by the one matcher ([`node_of_group_vm`]); a VM whose node
//! cannot be told (v2: no private IP, or one several Nodes list) is unknown, never healthy.

use std::time::Duration;

use chrono::{DateTime, Utc};
use elastigroup::ApiGeneration;
use serde::Serialize;
use spot_api::GroupVm;

use super::nodes::{NodeInfo, node_of_group_vm, scale_set_nodes};

/// `--join-grace`: how long a VM may take to become a Ready node (10m).
pub const DEFAULT_JOIN_GRACE: Duration = Duration::from_secs(10 * 60);

/// What `status` can say of a pool, or of the whole cluster: a check that could not be made
/// leaves it unknown, never healthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Health {
    /// Every check was made and passed.
    Healthy,
    /// A check failed: a VM older than the grace period is not a Ready node.
    Unhealthy,
    /// Some check could not be made (Spot or Kubernetes could not be asked), and none failed.
    Unknown,
}

impl Health {
    /// The health of several: unhealthy when one is (a known problem outweighs an unknown),
    /// else unknown when one is, else healthy (also when there are none).
    pub fn overall(all: impl IntoIterator<Item = Health>) -> Health {
        all.into_iter()
            .fold(Health::Healthy, |acc, h| match (acc, h) {
                (Health::Unhealthy, _) | (_, Health::Unhealthy) => Health::Unhealthy,
                (Health::Unknown, _) | (_, Health::Unknown) => Health::Unknown,
                _ => Health::Healthy,
            })
    }
}

/// A VM as Kubernetes sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NodeHealth {
    /// A Ready node.
    Ready,
    /// A node that is not Ready.
    NotReady,
    /// No node is this VM (v3: none has its name or providerID; v2: none lists its private IP).
    NotANode,
    /// Not known: no kubeconfig, or the VM's node cannot be told (`unmatched` says why).
    Unknown,
}

/// One VM's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VmHealth {
    /// VM name.
    pub vm: String,
    /// `vmSize`.
    pub vm_size: Option<String>,
    /// `spot` / `od` / `low-priority` / `regular`.
    pub life_cycle: Option<String>,
    /// Power state.
    pub power_state: Option<String>,
    /// The node, if any.
    pub node: Option<String>,
    /// Ready / NotReady / not a node.
    pub health: NodeHealth,
    /// Age in whole seconds, when Spot gave a creation time.
    pub age_seconds: Option<u64>,
    /// Not a Ready node although older than the grace period (or of unknown age).
    pub overdue: bool,
    /// Why its node cannot be told, when the nodes were checked but it cannot (v2: no private
    /// IP, or one several Nodes list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmatched: Option<String>,
}

/// A source scale-set node still registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceNode {
    /// Node name.
    pub name: String,
    /// `spec.unschedulable`.
    pub cordoned: bool,
    /// Ready.
    pub ready: bool,
}

/// A pool's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolHealth {
    /// Agent pool.
    pub pool: String,
    /// Its VMs.
    pub vms: Vec<VmHealth>,
    /// The source scale set's nodes; `None` when the nodes were not checked.
    pub source_nodes: Option<Vec<SourceNode>>,
    /// Whether the VMs were checked against the cluster's nodes.
    pub nodes_checked: bool,
}

impl PoolHealth {
    /// Unhealthy when a VM is overdue; else unknown when the nodes were not checked or a VM's
    /// node cannot be told.
    pub fn health(&self) -> Health {
        if self.vms.iter().any(|v| v.overdue) {
            Health::Unhealthy
        } else if !self.nodes_checked || self.vms.iter().any(|v| v.unmatched.is_some()) {
            Health::Unknown
        } else {
            Health::Healthy
        }
    }
}

fn age(created_at: Option<&str>, now: DateTime<Utc>) -> Option<u64> {
    let created = DateTime::parse_from_rfc3339(created_at?).ok()?;
    let secs = now.signed_duration_since(created).num_seconds();
    Some(u64::try_from(secs).unwrap_or(0))
}

/// One VM's health against `nodes` (`None`: no kubeconfig); `generation` says how its node is
/// found.
pub fn vm_health(
    generation: ApiGeneration,
    vm: &GroupVm,
    nodes: Option<&[NodeInfo]>,
    now: DateTime<Utc>,
    grace: Duration,
) -> VmHealth {
    let age_seconds = age(vm.created_at.as_deref(), now);
    let mut unmatched = None;
    let (node, health) = match nodes {
        None => (None, NodeHealth::Unknown),
        Some(nodes) => match node_of_group_vm(generation, vm, nodes) {
            Err(why) => {
                unmatched = Some(why.to_string());
                (None, NodeHealth::Unknown)
            }
            Ok(None) => (None, NodeHealth::NotANode),
            Ok(Some(n)) if n.ready => (Some(n.name.clone()), NodeHealth::Ready),
            Ok(Some(n)) => (Some(n.name.clone()), NodeHealth::NotReady),
        },
    };
    let late = age_seconds.is_none_or(|a| a > grace.as_secs());
    let overdue = matches!(health, NodeHealth::NotReady | NodeHealth::NotANode) && late;
    VmHealth {
        vm: vm.name.clone(),
        vm_size: vm.vm_size.clone(),
        life_cycle: vm.life_cycle.clone(),
        power_state: vm.power_state.clone(),
        node,
        health,
        age_seconds,
        overdue,
        unmatched,
    }
}

/// A pool's health: its group's VMs (of `generation`) against the nodes, and the source scale
/// set's nodes (`scale_set_id`: its full ARM id).
pub fn pool_health(
    pool: &str,
    scale_set_id: &str,
    generation: ApiGeneration,
    vms: &[GroupVm],
    nodes: Option<&[NodeInfo]>,
    now: DateTime<Utc>,
    grace: Duration,
) -> PoolHealth {
    PoolHealth {
        pool: pool.to_owned(),
        vms: vms
            .iter()
            .map(|v| vm_health(generation, v, nodes, now, grace))
            .collect(),
        source_nodes: nodes.map(|nodes| {
            scale_set_nodes(nodes, scale_set_id)
                .into_iter()
                .map(|n| SourceNode {
                    name: n.name.clone(),
                    cordoned: n.unschedulable,
                    ready: n.ready,
                })
                .collect()
        }),
        nodes_checked: nodes.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRACE: Duration = Duration::from_secs(600);

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-06T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn vm(name: &str, created: Option<&str>) -> GroupVm {
        GroupVm {
            name: name.into(),
            vm_size: Some("standard_d2_v2".into()),
            life_cycle: Some("spot".into()),
            power_state: Some("running".into()),
            created_at: created.map(str::to_owned),
            private_ip: None,
        }
    }

    const V3: ApiGeneration = ApiGeneration::V3;
    const OLD: &str = "2026-12-06T11:00:00.000Z";
    const NEW: &str = "2026-12-06T11:55:00Z";

    #[test]
    fn ready_not_ready_and_missing_nodes() {
        let nodes = vec![
            NodeInfo::new("vm-a", None, true),
            NodeInfo::new("n-b", Some("azure:///x/virtualMachines/vm-b"), false),
        ];
        let h = |v: &GroupVm| vm_health(V3, v, Some(&nodes), now(), GRACE);
        let a = h(&vm("vm-a", Some(OLD)));
        assert_eq!(
            (a.health, a.overdue, a.age_seconds),
            (NodeHealth::Ready, false, Some(3600))
        );
        let b = h(&vm("vm-b", Some(OLD)));
        assert_eq!((b.health, b.overdue), (NodeHealth::NotReady, true));
        assert_eq!(b.node.as_deref(), Some("n-b"));
        let c = h(&vm("vm-c", Some(OLD)));
        assert_eq!(
            (c.health, c.overdue, c.node),
            (NodeHealth::NotANode, true, None)
        );
    }

    #[test]
    fn v2_instances_by_private_ip_and_an_untold_node_leaves_the_pool_unknown() {
        let nodes = vec![
            NodeInfo::new("k8s-agentpool1-spot-0", None, true)
                .with_internal_ip("10.240.128.4")
                .created_at(OLD),
            NodeInfo::new("k8s-gone", None, false)
                .with_internal_ip("10.240.128.5")
                .created_at(OLD),
            NodeInfo::new("k8s-agentpool1-spot-1", None, true)
                .with_internal_ip("10.240.128.5")
                .created_at(OLD),
        ];
        let mut a = vm("ec5410ea-fec7-4a03-a989-3b27b7ee2ed5", Some(OLD));
        a.private_ip = Some("10.240.128.4".into());
        let h = vm_health(ApiGeneration::V2, &a, Some(&nodes), now(), GRACE);
        assert_eq!(h.health, NodeHealth::Ready);
        assert_eq!(h.node.as_deref(), Some("k8s-agentpool1-spot-0"));
        let p = pool_health(
            "p",
            "ss",
            ApiGeneration::V2,
            &[a.clone()],
            Some(&nodes),
            now(),
            GRACE,
        );
        assert_eq!(p.health(), Health::Healthy);
        let mut b = vm("0f1e2d3c-0000-4000-8000-000000000001", Some(OLD));
        b.private_ip = Some("10.240.128.5".into());
        let h = vm_health(ApiGeneration::V2, &b, Some(&nodes), now(), GRACE);
        assert_eq!(
            (h.health, h.overdue, h.node),
            (NodeHealth::Unknown, false, None)
        );
        assert!(
            h.unmatched
                .unwrap()
                .contains("k8s-gone, k8s-agentpool1-spot-1")
        );
        let p = pool_health(
            "p",
            "ss",
            ApiGeneration::V2,
            &[a, b],
            Some(&nodes),
            now(),
            GRACE,
        );
        assert_eq!(p.health(), Health::Unknown, "never healthy by a guess");
    }

    #[test]
    fn young_vms_are_within_grace_and_unknown_ages_are_overdue() {
        let h = vm_health(V3, &vm("vm-c", Some(NEW)), Some(&[]), now(), GRACE);
        assert_eq!(
            (h.health, h.overdue, h.age_seconds),
            (NodeHealth::NotANode, false, Some(300))
        );
        let h = vm_health(V3, &vm("vm-c", None), Some(&[]), now(), GRACE);
        assert!(h.overdue);
        let h = vm_health(V3, &vm("vm-c", Some("yesterday")), Some(&[]), now(), GRACE);
        assert_eq!(h.age_seconds, None);
        assert!(h.overdue);
    }

    #[test]
    fn without_the_nodes_nothing_is_overdue_and_the_pool_is_unknown() {
        let h = vm_health(V3, &vm("vm-a", Some(OLD)), None, now(), GRACE);
        assert_eq!((h.health, h.overdue), (NodeHealth::Unknown, false));
        let p = pool_health("p", "ss", V3, &[vm("vm-a", Some(OLD))], None, now(), GRACE);
        assert_eq!(p.health(), Health::Unknown);
        assert_eq!(p.source_nodes, None);
        // Even without VMs: nothing was checked.
        let p = pool_health("p", "ss", V3, &[], None, now(), GRACE);
        assert_eq!(p.health(), Health::Unknown);
        let p = pool_health("p", "ss", V3, &[], Some(&[]), now(), GRACE);
        assert_eq!(p.health(), Health::Healthy);
    }

    #[test]
    fn overall_health_is_unhealthy_before_unknown_before_healthy() {
        use Health::*;
        assert_eq!(Health::overall([]), Healthy);
        assert_eq!(Health::overall([Healthy, Healthy]), Healthy);
        assert_eq!(Health::overall([Healthy, Unknown]), Unknown);
        assert_eq!(Health::overall([Unknown, Unhealthy, Healthy]), Unhealthy);
        assert_eq!(Health::overall([Unhealthy, Unknown]), Unhealthy);
    }

    #[test]
    fn pool_health_lists_source_nodes_and_is_unhealthy_with_an_overdue_vm() {
        let mut cordoned = NodeInfo::new(
            "k8s-ss000001",
            Some(
                "azure:///subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/SS/virtualMachines/1",
            ),
            true,
        );
        cordoned.unschedulable = true;
        let nodes = vec![
            NodeInfo::new(
                "k8s-ss000000",
                Some(
                    "azure:///subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/ss/virtualMachines/0",
                ),
                true,
            ),
            cordoned,
            NodeInfo::new("vm-a", None, true),
        ];
        let p = pool_health(
            "agentpool1",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/ss",
            V3,
            &[vm("vm-a", Some(OLD)), vm("vm-z", Some(OLD))],
            Some(&nodes),
            now(),
            GRACE,
        );
        assert_eq!(p.health(), Health::Unhealthy);
        let src = p.source_nodes.unwrap();
        assert_eq!(src.len(), 2);
        assert!(!src[0].cordoned && src[1].cordoned);
    }
}
