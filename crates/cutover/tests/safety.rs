//! The cutover never acts on another cluster's scale set, on a stale proof of the join, or
//! after a signal: against loopback Kubernetes, Spot and ARM servers.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use azure_arm::{ArmClient, ArmConfig, StaticToken};
use common::*;
use cutover::{CutoverError, CutoverOptions, Step, run_cutover, run_cutover_until};
use group_sync::CancellationToken;
use serde_json::json;
use url::Url;

const OTHER_RG: &str = "spotaks";

/// A cutover of `w` that must stop at a short join timeout; its progress lines.
async fn stopped_at_the_join_timeout(w: &World) -> Lines {
    let options = CutoverOptions {
        join_timeout: Duration::from_millis(200),
        ..fast()
    };
    let mut lines = Lines::default();
    let err = run_cutover(w.out(), &w.pools, w.clients(), &options, &mut lines.sink())
        .await
        .unwrap_err();
    assert!(matches!(err, CutoverError::JoinTimeout { .. }), "{err}");
    lines
}

#[tokio::test]
async fn a_same_named_scale_set_of_another_cluster_is_refused_and_left_at_its_capacity() {
    let mut w = World::new(1, 1).await;
    w.add_spot_node(0, true);
    // The DNS-prefix resource group holds another cluster's scale set of the same name.
    w.arm
        .add_agent_pool_scale_set(OTHER_RG, VMSS, "eastus", 5, POOL, "99999999");
    w.pools[0].resource_group = OTHER_RG.into();
    let err = run_cutover(w.out(), &w.pools, w.clients(), &fast(), &mut |_: &_| {})
        .await
        .unwrap_err();
    let CutoverError::NotOurScaleSet { id, .. } = &err else {
        panic!("{err}");
    };
    let expected_id = format!(
        "/subscriptions/{SUB}/resourceGroups/{OTHER_RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{VMSS}"
    );
    assert_eq!(id, &expected_id);
    assert_eq!(
        err.to_string(),
        format!(
            "scale set {expected_id} is not pool agentpool1's scale set of this cluster: tag resourceNameSuffix is `99999999`, expected `{SUFFIX}`; nothing was changed"
        )
    );
    assert!(w.kube_writes().is_empty(), "{:?}", w.kube_writes());
    assert_eq!(w.arm_patches(), 0);
    assert_eq!(
        w.arm.scale_set(OTHER_RG, VMSS).unwrap()["sku"]["capacity"],
        json!(5)
    );
    assert_eq!(w.capacity(), 2);
}

#[tokio::test]
async fn a_scale_set_of_another_pool_or_without_tags_or_missing_is_refused() {
    let mut w = World::new(1, 1).await;
    w.add_spot_node(0, true);
    w.arm.set_scale_set_tags(
        RG,
        VMSS,
        json!({"poolName": "agentpool2", "resourceNameSuffix": SUFFIX}),
    );
    let err = run_cutover(w.out(), &w.pools, w.clients(), &fast(), &mut |_: &_| {})
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("tag poolName is `agentpool2`, expected `agentpool1`"),
        "{err}"
    );

    w.arm.set_scale_set_tags(RG, VMSS, json!({}));
    let err = run_cutover(w.out(), &w.pools, w.clients(), &fast(), &mut |_: &_| {})
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(&format!(
            "tag poolName is missing, expected `agentpool1`; tag resourceNameSuffix is missing, expected `{SUFFIX}`"
        )),
        "{err}"
    );

    w.pools[0].resource_group = "nowhere".into();
    let err = run_cutover(w.out(), &w.pools, w.clients(), &fast(), &mut |_: &_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CutoverError::ScaleSetMissing { id, .. } if id.contains("/resourceGroups/nowhere/")),
        "{err}"
    );
    assert!(
        err.to_string().contains("does not exist (HTTP 404)"),
        "{err}"
    );
    assert!(w.kube_writes().is_empty(), "{:?}", w.kube_writes());
    assert_eq!(w.arm_patches(), 0);
    assert_eq!(w.capacity(), 2);
}

#[tokio::test]
async fn without_usable_azure_credentials_nothing_is_cordoned() {
    let w = World::new(1, 1).await;
    w.add_spot_node(0, true);
    let refused = ArmClient::new(
        ArmConfig::new(Url::parse(&w.arm.url()).unwrap()),
        Arc::new(StaticToken::new("not-the-token")),
        SUB,
    )
    .unwrap();
    let clients = cutover::Clients {
        arm: &refused,
        ..w.clients()
    };
    let err = run_cutover(w.out(), &w.pools, clients, &fast(), &mut |_: &_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, CutoverError::ReadScaleSet { .. }), "{err}");
    assert!(w.kube_writes().is_empty(), "{:?}", w.kube_writes());
    assert!(w.kube.requests_matching("PATCH", "/nodes/").is_empty());
    assert!(w.kube.requests_matching("POST", "/eviction").is_empty());
    assert_eq!(w.capacity(), 2);
}

#[tokio::test]
async fn a_rerun_after_a_drain_timeout_checks_the_join_again_and_does_not_retire() {
    let w = World::with_held_web_pod().await;
    let short = CutoverOptions {
        drain_timeout: Duration::from_millis(200),
        ..fast()
    };
    let err = run_cutover(w.out(), &w.pools, w.clients(), &short, &mut |_: &_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, CutoverError::DrainTimeout { .. }), "{err}");
    assert!(w.state()["pools"][0]["joinedAt"].is_string());

    // The Spot VM was preempted meanwhile; the budget now allows the eviction.
    w.kube.set_node_ready(&spot_vm(0), false);
    w.kube.set_pdb_disruptions_allowed("shop", "web-pdb", 1);
    let cordons = w.kube.requests_matching("PATCH", "/nodes/").len();
    let lines = stopped_at_the_join_timeout(&w).await;
    assert!(
        lines.has("agentpool1: 0/1 Spot nodes Ready"),
        "{:?}",
        lines.0
    );
    assert!(!lines.has("join: done by an earlier run"));
    assert_eq!(w.kube.requests_matching("PATCH", "/nodes/").len(), cordons);
    assert!(w.pod_exists("shop", "web-1"));
    assert_eq!(w.arm_patches(), 0);
    assert_eq!(w.capacity(), 2);
}

#[tokio::test]
async fn spot_nodes_lost_during_the_drain_stop_the_retire() {
    let w = World::with_held_web_pod().await;
    let options = fast();
    let mut sink = |_: &_| {};
    let (result, ()) = tokio::join!(
        run_cutover(w.out(), &w.pools, w.clients(), &options, &mut sink),
        async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            w.kube.set_node_ready(&spot_vm(0), false);
            w.kube.set_pdb_disruptions_allowed("shop", "web-pdb", 1);
        }
    );
    let err = result.unwrap_err();
    assert!(matches!(err, CutoverError::JoinLost { .. }), "{err}");
    assert!(
        err.to_string().contains("agentpool1: 0/1 Spot nodes Ready"),
        "{err}"
    );
    assert_eq!(w.arm_patches(), 0);
    assert_eq!(w.capacity(), 2);
    assert!(w.node(SRC0).is_some());
    let state = w.state();
    assert!(state["pools"][0]["drainedAt"].is_string(), "{state}");
    assert!(state["pools"][0].get("scaledToZeroAt").is_none(), "{state}");

    // Once the Spot node is back, a re-run retires.
    w.kube.set_node_ready(&spot_vm(0), true);
    let report = w.cut_over().await;
    assert_eq!(report.skipped, [Step::Cordon, Step::Drain]);
    assert_eq!(w.capacity(), 0);
}

#[tokio::test]
async fn a_record_of_another_group_is_not_reused() {
    let w = World::new(1, 1).await;
    // An earlier cutover of a group since deleted (a new import made the pool's group now).
    std::fs::write(
        w.out().join("spot-cutover.json"),
        serde_json::to_string(&json!({"version": 1, "pools": [{
            "pool": POOL, "groupId": "sig-deleted", "scaleSet": VMSS, "resourceGroup": RG,
            "joinedAt": "2026-12-01T00:00:00Z", "cordonedAt": "2026-12-01T00:01:00Z",
            "drainedAt": "2026-12-01T00:02:00Z"}]}))
        .unwrap(),
    )
    .unwrap();
    let lines = stopped_at_the_join_timeout(&w).await;
    assert!(
        lines.has(&format!(
            "agentpool1: the state file recorded a cutover of group sig-deleted, not {}; starting over",
            w.pools[0].group_id
        )),
        "{:?}",
        lines.0
    );
    let state = w.state();
    let pool = &state["pools"][0];
    assert_eq!(pool["groupId"], json!(w.pools[0].group_id));
    for key in ["joinedAt", "cordonedAt", "drainedAt"] {
        assert!(pool.get(key).is_none(), "{key}: {state}");
    }
    assert!(w.kube_writes().is_empty(), "{:?}", w.kube_writes());
    assert_eq!(w.arm_patches(), 0);

    // The dry run does not show the other group's steps as this pool's either.
    let plan = cutover::plan_cutover(w.out(), &w.pools, &w.kube_client, &w.spot_client, &fast())
        .await
        .unwrap();
    assert_eq!(plan.scale_sets.len(), 1);
}

#[tokio::test]
async fn a_signal_during_the_drain_uncordons_what_this_run_cordoned() {
    let w = World::with_held_web_pod().await;
    let options = CutoverOptions {
        drain_timeout: Duration::from_secs(30),
        ..fast()
    };
    let cancel = CancellationToken::new();
    let mut lines = Lines::default();
    let mut sink = lines.sink();
    let started = std::time::Instant::now();
    let (result, ()) = tokio::join!(
        run_cutover_until(w.out(), &w.pools, w.clients(), &options, &mut sink, &cancel),
        async {
            // Mid-drain: both nodes cordoned, the eviction refused by the budget.
            while w
                .kube
                .requests_matching("POST", "web-1/eviction")
                .is_empty()
            {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            cancel.cancel();
        }
    );
    drop(sink);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stopped at once"
    );
    let err = result.unwrap_err();
    let CutoverError::Interrupted {
        step,
        uncordoned,
        report,
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(step, &Step::Drain);
    assert_eq!(uncordoned, &[SRC0.to_owned(), SRC1.to_owned()]);
    assert_eq!(report.cordoned, [SRC0, SRC1]);
    assert!(
        err.to_string().starts_with(&format!(
            "interrupted during drain: uncordoned {SRC0}, {SRC1}; spot-cutover.json records what was done"
        )),
        "{err}"
    );
    assert!(lines.has(&format!("uncordoned {SRC0}")), "{:?}", lines.0);
    assert!(!w.unschedulable(SRC0) && !w.unschedulable(SRC1));
    let state = w.state();
    let pool = &state["pools"][0];
    assert!(pool.get("cordoned").is_none(), "{state}");
    assert!(pool.get("cordonedAt").is_none(), "{state}");
    assert!(pool.get("drainedAt").is_none(), "{state}");
    assert_eq!(w.arm_patches(), 0);
    assert_eq!(w.capacity(), 2);
}

#[tokio::test]
async fn a_node_is_recorded_before_it_is_cordoned() {
    let w = World::new(1, 1).await;
    w.add_spot_node(0, true);
    // The cordon of SRC0 is applied, its answer comes late: a kill in that window must find
    // the node in the state file already.
    w.kube.inject(
        test_support::Fault::slow(Duration::from_millis(500))
            .on_method("PATCH")
            .path_contains(&format!("/nodes/{SRC0}")),
    );
    let state_path = w.out().join("spot-cutover.json");
    let options = CutoverOptions {
        stop_after: Some(Step::Cordon),
        ..fast()
    };
    let mut sink = |_: &_| {};
    let (result, recorded) = tokio::join!(
        run_cutover(w.out(), &w.pools, w.clients(), &options, &mut sink),
        async {
            while !w.unschedulable(SRC0) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            std::fs::read_to_string(&state_path).unwrap_or_default()
        }
    );
    result.unwrap();
    let recorded: serde_json::Value = serde_json::from_str(&recorded).unwrap();
    assert_eq!(
        recorded["pools"][0]["cordoned"],
        json!([SRC0]),
        "{recorded}"
    );
    assert_eq!(w.state()["pools"][0]["cordoned"], json!([SRC0, SRC1]));
}

#[tokio::test]
async fn a_signal_between_the_cordon_and_the_drain_uncordons_too() {
    let w = World::new(1, 1).await;
    w.add_spot_node(0, true);
    w.kube.add_pod(replica_pod("shop", "web-1", SRC0, "web"));
    let cancel = CancellationToken::new();
    let signal = cancel.clone();
    // The signal arrives right as the cordon step finishes.
    let mut sink = move |e: &cutover::ProgressEvent| {
        if *e == cutover::ProgressEvent::StepDone(Step::Cordon) {
            signal.cancel();
        }
    };
    let err = run_cutover_until(w.out(), &w.pools, w.clients(), &fast(), &mut sink, &cancel)
        .await
        .unwrap_err();
    let CutoverError::Interrupted {
        step, uncordoned, ..
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(step, &Step::Drain);
    assert_eq!(uncordoned, &[SRC0.to_owned(), SRC1.to_owned()]);
    assert!(!w.unschedulable(SRC0) && !w.unschedulable(SRC1));
    assert!(w.kube.requests_matching("POST", "/eviction").is_empty());
    assert!(w.state()["pools"][0].get("cordonedAt").is_none());
    assert_eq!(w.capacity(), 2);
}
