//! The dry run and `status` health against loopback Kubernetes and Spot servers.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::*;
use cutover::{
    CutoverOptions, CutoverPlan, CutoverPool, Health, NodeHealth, PodAction, PoolHealth,
    RefuseReason, plan_cutover, pool_health, run_cutover,
};
use elastigroup::ApiGeneration;
use serde_json::json;

/// The cutover plan for `pools` in world `w` (it must be made).
async fn plan_of(w: &World, pools: &[CutoverPool], options: &CutoverOptions) -> CutoverPlan {
    plan_cutover(w.out(), pools, &w.kube_client, &w.spot_client, options)
        .await
        .unwrap()
}

/// A v2 group for pool agentpool1 at `target` (no VMs yet), and the cutover pools with it as
/// the pool's group: (its id, the pools).
fn v2_pool(w: &World, target: u32) -> (String, Vec<CutoverPool>) {
    let id = w.spot.insert_group(
        "v2",
        json!({"name": "spotaks-agentpool1", "capacity": {"minimum": 0, "maximum": 3, "target": target}}),
    );
    let pools = vec![CutoverPool {
        generation: ApiGeneration::V2,
        group_id: id.clone(),
        ..w.pools[0].clone()
    }];
    (id, pools)
}

/// A Ready Node `name` of a Spot VM, its InternalIP `ip` (how a v2 instance's Node is found).
fn add_ready_node_at(w: &World, name: &str, ip: &str) {
    w.kube
        .add_node_at(name, Some(&vm_provider_id(name)), Some(ip), true);
}

#[tokio::test]
async fn the_dry_run_plans_everything_and_changes_nothing() {
    let w = World::new(2, 2).await;
    w.add_spot_node(0, true);
    w.kube.add_pod(replica_pod("shop", "web-1", SRC0, "web"));
    w.kube.add_pod(replica_pod("shop", "web-2", SRC1, "web"));
    w.kube
        .add_pod(daemonset_pod("kube-system", "agent-a", SRC0));
    w.kube.add_pod(bare_pod("default", "debug", SRC1));
    w.kube.add_pdb("shop", "web-pdb", json!({"app": "web"}), 1);

    let plan = plan_of(&w, &w.pools, &fast()).await;
    assert!(!plan.joined());
    assert_eq!(
        plan.joins[0].to_string(),
        "agentpool1: 1/2 Spot nodes Ready"
    );
    assert_eq!(plan.drain.nodes_to_cordon(), [SRC0, SRC1]);
    assert_eq!(plan.drain.to_evict(), ["shop/web-1", "shop/web-2"]);
    assert_eq!(plan.drain.left(), ["kube-system/agent-a"]);
    let refused = plan.drain.refused();
    assert_eq!(refused[0].pod, "default/debug");
    assert_eq!(refused[0].reasons, [RefuseReason::NoController]);
    assert_eq!(plan.drain.blocking_budgets.len(), 1);
    assert_eq!(plan.drain.blocking_budgets[0].budget, "shop/web-pdb");
    assert_eq!(plan.scale_sets.len(), 1);
    assert_eq!(plan.scale_sets[0].scale_set, VMSS);
    assert_eq!(plan.scale_sets[0].nodes, [SRC0, SRC1]);
    assert!(plan.recorded.is_empty());
    let text = plan.to_string();
    for line in [
        "  agentpool1: 1/2 Spot nodes Ready; not Ready nodes: agentpool1-spot-1 (not a node)",
        &format!("Cordon: {SRC0}, {SRC1}"),
        "Evict: shop/web-1, shop/web-2",
        "Leave running: kube-system/agent-a",
        &format!("Refused: default/debug on {SRC1} (not managed by a controller, needs --force)"),
        &format!(
            "Retire: {RG}/{VMSS} (pool agentpool1) to capacity 0, then delete its nodes: {SRC0}, {SRC1}"
        ),
    ] {
        assert!(text.lines().any(|l| l == line), "{line:?} in\n{text}");
    }
    assert!(
        text.contains("Would block now: PodDisruptionBudget shop/web-pdb (allows 1 disruptions"),
        "{text}"
    );

    assert!(w.kube_writes().is_empty(), "{:?}", w.kube_writes());
    assert!(w.arm.requests().is_empty());
    assert!(!w.out().join("spot-cutover.json").exists());

    // With --force the bare pod is evicted too, and the JSON says so.
    let forced = CutoverOptions {
        force: true,
        ..fast()
    };
    let plan = plan_of(&w, &w.pools, &forced).await;
    assert!(plan.drain.refused().is_empty());
    let debug = plan.drain.nodes[1]
        .pods
        .iter()
        .find(|p| p.pod == "default/debug")
        .unwrap();
    assert_eq!(
        debug.action,
        PodAction::Evict {
            accepted: vec![RefuseReason::NoController]
        }
    );
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["scaleSets"][0]["resourceGroup"], RG);
    assert_eq!(json["drain"]["nodes"][1]["pods"][0]["pod"], "default/debug");
    assert_eq!(
        json["drain"]["nodes"][1]["pods"][0]["accepted"][0],
        "noController"
    );
}

#[tokio::test]
async fn the_dry_run_after_a_finished_cutover_has_nothing_left() {
    let w = World::new(1, 1).await;
    w.add_spot_node(0, true);
    w.cut_over().await;
    let plan = plan_of(&w, &w.pools, &fast()).await;
    assert!(plan.joined());
    assert!(plan.drain.nodes.is_empty());
    assert!(plan.scale_sets.is_empty());
    assert!(plan.recorded[0].retired_at.is_some());
}

fn at(t: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc)
}

/// The pool's health as `status` reads it: Spot's VMs against the listed nodes (`None`: the
/// nodes not checked).
async fn health(w: &World, with_nodes: bool, now: DateTime<Utc>) -> PoolHealth {
    let nodes = if with_nodes {
        Some(cutover::kube_ops::list_nodes(&w.kube_client).await.unwrap())
    } else {
        None
    };
    let p = &w.pools[0];
    let vms = w
        .spot_client
        .group_vms(p.generation, &p.group_id)
        .await
        .unwrap();
    let grace = Duration::from_secs(600);
    pool_health(
        &p.pool,
        &p.scale_set_id(),
        p.generation,
        &vms,
        nodes.as_deref(),
        now,
        grace,
    )
}

#[tokio::test]
async fn health_shows_ready_not_ready_and_missing_vms_and_source_nodes() {
    let w = World::new(3, 3).await;
    w.add_spot_node(0, true);
    w.add_spot_node(1, false);
    // The VMs were created 2026-01-01T00:00:00Z.
    let late = at("2026-01-01T01:00:00Z");
    let pool = health(&w, true, late).await;
    let states: Vec<NodeHealth> = pool.vms.iter().map(|v| v.health).collect();
    assert_eq!(
        states,
        [
            NodeHealth::Ready,
            NodeHealth::NotReady,
            NodeHealth::NotANode
        ]
    );
    assert_eq!(pool.vms[0].age_seconds, Some(3600));
    assert_eq!(pool.vms[0].vm_size.as_deref(), Some("standard_d2_v2"));
    assert_eq!(pool.health(), Health::Unhealthy);
    let source: Vec<&str> = pool
        .source_nodes
        .as_ref()
        .unwrap()
        .iter()
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(source, [SRC0, SRC1]);

    // Within the grace period nothing is overdue yet.
    let early = at("2026-01-01T00:05:00Z");
    assert_eq!(health(&w, true, early).await.health(), Health::Healthy);

    // Without the nodes: Spot's view only, and the health unknown.
    let pool = health(&w, false, late).await;
    assert!(pool.vms.iter().all(|v| v.health == NodeHealth::Unknown));
    assert_eq!(pool.health(), Health::Unknown);
    assert!(pool.source_nodes.is_none());
}

/// v2 instances as Spot publishes them (a UUID `instanceId`, a `privateIp`) join the Node that
/// lists that address as its InternalIP, whatever its name; a Node named after the instance id
/// is not it.
#[tokio::test]
async fn v2_groups_join_by_private_ip() {
    let w = World::new(1, 0).await;
    let (id, pools) = v2_pool(&w, 2);
    let (a, b) = (
        "ec5410ea-fec7-4a03-a989-3b27b7ee2ed5",
        "0f1e2d3c-0000-4000-8000-000000000001",
    );
    w.spot.set_group_vms(
        &id,
        vec![
            json!({"instanceId": a, "lifeCycle": "low-priority", "state": "running",
                "privateIp": "10.240.128.4", "createdAt": "2026-01-01T00:00:00.000Z"}),
            json!({"instanceId": b, "lifeCycle": "low-priority", "state": "running",
                "privateIp": "10.240.128.5", "createdAt": "2026-01-01T00:00:00.000Z"}),
        ],
    );
    let node = "k8s-agentpool1-spot-0";
    add_ready_node_at(&w, node, "10.240.128.4");
    // Named and identified after b's id, but not at b's address: not b's Node.
    w.kube.add_node(b, Some(&vm_provider_id(b)), true);
    let plan = plan_of(&w, &pools, &fast()).await;
    assert!(!plan.joined(), "{:?}", plan.joins);
    let join = &plan.joins[0];
    assert_eq!(join.to_string(), "agentpool1: 1/2 Spot nodes Ready");
    assert_eq!(join.vms[0].vm, a);
    assert_eq!(join.vms[0].node.as_deref(), Some(node));
    assert_eq!(join.vms[1].describe(), format!("{b} (not a node)"));

    // b's Node joins at its address: the pool is joined.
    let other = "k8s-agentpool1-spot-1";
    add_ready_node_at(&w, other, "10.240.128.5");
    let plan = plan_of(&w, &pools, &fast()).await;
    assert!(plan.joined(), "{:?}", plan.joins);
    assert_eq!(plan.joins[0].vms[1].node.as_deref(), Some(other));
}

/// A Ready Node that lists a new v2 instance's private IP but was registered before the
/// instance (a Node of an earlier VM at that address, or one registered by hand) is not the
/// instance's: the pool is not joined, the cutover waits and cordons nothing; the instance's own
/// Node then joins it.
#[tokio::test]
async fn a_stale_ready_node_at_a_v2_instances_ip_does_not_join_it() {
    let w = World::new(1, 0).await;
    let (id, pools) = v2_pool(&w, 1);
    let instance = "ec5410ea-fec7-4a03-a989-3b27b7ee2ed5";
    let created = Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    w.spot.set_group_vms(
        &id,
        vec![
            json!({"instanceId": instance, "lifeCycle": "low-priority", "state": "running",
                "privateIp": "10.240.128.4", "createdAt": created}),
        ],
    );
    let stale = "k8s-agentpool1-stale";
    add_ready_node_at(&w, stale, "10.240.128.4");
    w.kube.set_node_created(stale, Some("2026-01-01T00:00:00Z"));
    let plan = plan_of(&w, &pools, &fast()).await;
    assert!(!plan.joined(), "{:?}", plan.joins);
    assert_eq!(
        plan.joins[0].vms[0].describe(),
        format!("{instance} (not a node)")
    );
    let options = CutoverOptions {
        join_timeout: Duration::from_millis(300),
        ..fast()
    };
    let err = run_cutover(w.out(), &pools, w.clients(), &options, &mut |_: &_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(err, cutover::CutoverError::JoinTimeout { .. }),
        "{err}"
    );
    assert!(w.kube_writes().is_empty(), "{:?}", w.kube_writes());
    assert!(!w.unschedulable(SRC0) && !w.unschedulable(SRC1));
    assert_eq!(w.arm_patches(), 0);

    // The instance's own Node registers: joined, with it, not the stale one, as its Node.
    let node = "k8s-agentpool1-spot-0";
    add_ready_node_at(&w, node, "10.240.128.4");
    let plan = plan_of(&w, &pools, &fast()).await;
    assert!(plan.joined(), "{:?}", plan.joins);
    assert_eq!(plan.joins[0].vms[0].node.as_deref(), Some(node));
}

#[tokio::test]
async fn the_text_dry_run_shows_recorded_steps_and_terminating_pods_with_advice() {
    let w = World::new(1, 1).await;
    w.add_spot_node(0, true);
    let mut going = replica_pod("shop", "old-1", SRC0, "web");
    going["metadata"]["deletionTimestamp"] = json!("2026-12-06T03:00:00Z");
    w.kube.add_pod(going);
    w.kube.add_pod(replica_pod("shop", "web-1", SRC1, "web"));
    std::fs::write(
        w.out().join("spot-cutover.json"),
        serde_json::to_string(&json!({"version": 1, "pools": [{
            "pool": POOL, "groupId": w.pools[0].group_id, "scaleSet": VMSS, "resourceGroup": RG,
            "joinedAt": "2026-12-06T03:00:00Z", "cordoned": [SRC0]}]}))
        .unwrap(),
    )
    .unwrap();
    let plan = plan_of(&w, &w.pools, &fast()).await;
    assert_eq!(plan.drain.to_evict(), ["shop/web-1"]);
    assert_eq!(plan.drain.terminating(), ["shop/old-1"]);
    let text = plan.to_string();
    for line in [
        &format!(
            "Recorded by an earlier run: agentpool1: join at 2026-12-06T03:00:00Z; cordoned by this tool: {SRC0}"
        ),
        "Evict: shop/web-1",
        "Terminating (being deleted already; the drain waits for them to go): shop/old-1",
        "  one stuck terminating holds the drain until --drain-timeout: look at its finalizers and at its node's kubelet",
    ] {
        assert!(text.lines().any(|l| l == line), "{line:?} in\n{text}");
    }
}
