//! The whole cutover against loopback Kubernetes, Spot and ARM servers.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use std::time::Duration;

use common::*;
use cutover::{CutoverError, CutoverOptions, Step, run_cutover};
use serde_json::{Value, json};
use test_support::arm_server::Fault;

#[tokio::test]
async fn cuts_over_when_every_spot_node_is_ready() {
    let w = World::new(2, 2).await;
    w.add_spot_node(0, true);
    w.add_spot_node(1, true);
    w.kube.add_pod(replica_pod("shop", "web-1", SRC0, "web"));
    w.kube.add_pod(replica_pod("shop", "web-2", SRC1, "web"));
    w.kube
        .add_pod(daemonset_pod("kube-system", "agent-a", SRC0));
    w.kube
        .add_pod(mirror_pod("kube-system", "kube-proxy-a", SRC1));
    w.kube.add_pod(completed_pod("batch", "report-1", SRC1));
    w.kube
        .add_pod(replica_pod("shop", "web-3", &spot_vm(0), "web"));
    w.kube.add_pdb("shop", "web-pdb", json!({"app": "web"}), 2);
    w.kube.set_evicted_pod_lingers_for_gets(3);

    let mut lines = Lines::default();
    let report = run_cutover(w.out(), &w.pools, w.clients(), &fast(), &mut lines.sink())
        .await
        .unwrap();

    assert!(
        lines.has("agentpool1: 2/2 Spot nodes Ready"),
        "{:?}",
        lines.0
    );
    assert_eq!(report.cordoned, [SRC0, SRC1]);
    let mut evicted = report.evicted.clone();
    evicted.sort();
    assert_eq!(evicted, ["batch/report-1", "shop/web-1", "shop/web-2"]);
    let mut left = report.left.clone();
    left.sort();
    assert_eq!(left, ["kube-system/agent-a", "kube-system/kube-proxy-a"]);
    assert_eq!(report.scaled_to_zero, [format!("{RG}/{VMSS}")]);
    assert_eq!(report.deleted_nodes, [SRC0, SRC1]);
    assert!(report.skipped.is_empty());

    // Evicted pods are gone, the Spot node's pod untouched, the scale set at 0, its nodes deleted.
    assert!(!w.pod_exists("shop", "web-1") && !w.pod_exists("shop", "web-2"));
    let reads = w
        .kube
        .requests_matching("GET", "/namespaces/shop/pods/web-1")
        .len();
    assert_eq!(reads, 4, "waited while the evicted pod was terminating");
    assert!(w.pod_exists("shop", "web-3"));
    assert_eq!(w.capacity(), 0);
    assert!(w.node(SRC0).is_none() && w.node(SRC1).is_none());
    assert!(w.node(&spot_vm(0)).is_some());

    // Every cordon happened before the first eviction, through merge patches.
    let writes = w.kube_writes();
    let first_evict = writes
        .iter()
        .position(|r| r.ends_with("/eviction"))
        .unwrap();
    let last_cordon = writes.iter().rposition(|r| r.starts_with("PATCH")).unwrap();
    assert!(last_cordon < first_evict, "{writes:?}");
    let patch = &w.kube.requests_matching("PATCH", SRC0)[0];
    assert_eq!(patch.content_type(), Some("application/merge-patch+json"));
    assert_eq!(
        serde_json::from_str::<Value>(&patch.body).unwrap(),
        json!({"spec": {"unschedulable": true}})
    );
    let eviction = &w.kube.requests_matching("POST", "/eviction")[0];
    let body: Value = serde_json::from_str(&eviction.body).unwrap();
    assert_eq!(body["apiVersion"], "policy/v1");
    assert_eq!(body["kind"], "Eviction");
    let pod_list = w.kube.requests_matching("GET", "/api/v1/pods");
    assert_eq!(
        pod_list[0].query_param("fieldSelector").as_deref(),
        Some(format!("spec.nodeName={SRC0}").as_str())
    );
    // No eviction was ever sent for DaemonSet or mirror pods.
    assert!(
        w.kube
            .requests_matching("POST", "agent-a")
            .into_iter()
            .chain(w.kube.requests_matching("POST", "kube-proxy-a"))
            .next()
            .is_none()
    );

    let state = w.state();
    let pool = &state["pools"][0];
    for key in [
        "joinedAt",
        "cordonedAt",
        "drainedAt",
        "scaledToZeroAt",
        "retiredAt",
    ] {
        assert!(pool[key].is_string(), "{key}: {state}");
    }
    assert_eq!(pool["cordoned"], json!([SRC0, SRC1]));
    assert_eq!(pool["scaleSet"], VMSS);

    // A second run finds everything done and changes nothing.
    let before = w.kube.requests().len();
    let again = w.cut_over().await;
    assert_eq!(
        again.skipped,
        [Step::Join, Step::Cordon, Step::Drain, Step::Retire]
    );
    assert_eq!(w.kube.requests().len(), before);
}

#[tokio::test]
async fn join_waits_for_spot_nodes_to_become_ready() {
    let w = World::new(2, 2).await;
    w.add_spot_node(0, true);
    w.add_spot_node(1, false);
    let mut lines = Lines::default();
    let options = fast();
    let mut sink = lines.sink();
    let (result, ()) = tokio::join!(
        run_cutover(w.out(), &w.pools, w.clients(), &options, &mut sink),
        async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            w.kube.set_node_ready(&spot_vm(1), true);
        }
    );
    result.unwrap();
    drop(sink);
    assert!(
        lines.has("agentpool1: 1/2 Spot nodes Ready"),
        "{:?}",
        lines.0
    );
    assert!(
        lines.has("agentpool1: 2/2 Spot nodes Ready"),
        "{:?}",
        lines.0
    );
    assert_eq!(w.capacity(), 0);
}

#[tokio::test]
async fn join_timeout_names_each_vm_that_never_joined_and_touches_nothing() {
    let w = World::new(3, 3).await;
    w.add_spot_node(0, true);
    w.add_spot_node(1, false);
    let options = CutoverOptions {
        join_timeout: Duration::from_millis(300),
        ..fast()
    };
    let err = run_cutover(w.out(), &w.pools, w.clients(), &options, &mut |_: &_| {})
        .await
        .unwrap_err();
    let CutoverError::JoinTimeout { pools, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(pools[0].ready_count(), 1);
    let text = err.to_string();
    assert!(
        text.contains("agentpool1: 1/3 Spot nodes Ready")
            && text.contains("agentpool1-spot-1 (node agentpool1-spot-1 NotReady)")
            && text.contains("agentpool1-spot-2 (not a node)"),
        "{text}"
    );
    assert!(w.kube_writes().is_empty(), "{:?}", w.kube_writes());
    assert_eq!(w.capacity(), 2);
    assert_eq!(w.arm_patches(), 0);
    assert!(w.state()["pools"][0].get("joinedAt").is_none());
}

#[tokio::test]
async fn a_group_with_target_zero_is_refused() {
    let w = World::new(0, 0).await;
    let err = run_cutover(w.out(), &w.pools, w.clients(), &fast(), &mut |_: &_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, CutoverError::EmptyTarget { .. }), "{err}");
    assert!(w.kube_writes().is_empty());
}

#[tokio::test]
async fn bare_and_emptydir_pods_are_refused_before_cordoning_unless_accepted() {
    let w = World::new(1, 1).await;
    w.add_spot_node(0, true);
    w.kube.add_pod(bare_pod("default", "debug", SRC0));
    w.kube.add_pod(emptydir_pod("shop", "cache-1", SRC1));
    let err = run_cutover(w.out(), &w.pools, w.clients(), &fast(), &mut |_: &_| {})
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, CutoverError::Refused { .. }), "{text}");
    assert!(
        text.contains(&format!(
            "default/debug on {SRC0} (not managed by a controller, needs --force)"
        )) && text.contains(&format!(
            "shop/cache-1 on {SRC1} (uses emptyDir volumes, needs --delete-emptydir-data)"
        )),
        "{text}"
    );
    assert!(w.kube_writes().is_empty(), "{:?}", w.kube_writes());

    let accepted = CutoverOptions {
        force: true,
        delete_emptydir_data: true,
        ..fast()
    };
    let report = run_cutover(w.out(), &w.pools, w.clients(), &accepted, &mut |_: &_| {})
        .await
        .unwrap();
    // The join is checked again in every run (H3): never skipped.
    assert!(report.skipped.is_empty());
    let mut evicted = report.evicted.clone();
    evicted.sort();
    assert_eq!(evicted, ["default/debug", "shop/cache-1"]);
    assert_eq!(w.capacity(), 0);
}

#[tokio::test]
async fn a_blocking_budget_times_out_uncordons_and_does_not_scale() {
    let w = World::new(2, 2).await;
    w.add_spot_node(0, true);
    w.add_spot_node(1, true);
    // Cordoned by someone else before the cutover: stays cordoned.
    w.kube.add_node(SRC1, Some(&vmss_provider_id(1)), true);
    let mut src1 = w.node(SRC1).unwrap();
    src1["spec"]["unschedulable"] = json!(true);
    w.kube.put_object(&format!("/api/v1/nodes/{SRC1}"), src1);
    w.kube.add_pod(replica_pod("shop", "web-1", SRC0, "web"));
    w.kube.add_pod(replica_pod("shop", "api-1", SRC1, "api"));
    w.kube.add_pdb("shop", "web-pdb", json!({"app": "web"}), 0);
    w.kube.add_pdb("shop", "api-pdb", json!({"app": "api"}), 1);

    let options = CutoverOptions {
        drain_timeout: Duration::from_millis(300),
        ..fast()
    };
    let mut lines = Lines::default();
    let err = run_cutover(w.out(), &w.pools, w.clients(), &options, &mut lines.sink())
        .await
        .unwrap_err();
    let text = err.to_string();
    let CutoverError::DrainTimeout {
        budgets,
        others,
        uncordoned,
        ..
    } = &err
    else {
        panic!("{text}");
    };
    assert_eq!(budgets.len(), 1, "{text}");
    assert_eq!(budgets[0].budget, "shop/web-pdb");
    assert_eq!(budgets[0].pods, ["shop/web-1"]);
    assert!(others.is_empty(), "{others:?}");
    assert_eq!(uncordoned, &[SRC0.to_owned()]);
    assert!(
        text.contains("PodDisruptionBudget shop/web-pdb") && text.contains("holds shop/web-1"),
        "{text}"
    );
    assert!(
        lines
            .0
            .iter()
            .any(|l| l.starts_with("eviction of shop/web-1 refused for now")),
        "{:?}",
        lines.0
    );
    // The api pod was allowed and went; the web pod stays; the cordon is undone.
    assert!(!w.pod_exists("shop", "api-1"));
    assert!(w.pod_exists("shop", "web-1"));
    assert!(!w.unschedulable(SRC0));
    assert!(w.unschedulable(SRC1), "someone else's cordon is kept");
    assert_eq!(w.capacity(), 2);
    assert_eq!(w.arm_patches(), 0);
    let state = w.state();
    assert!(state["pools"][0]["joinedAt"].is_string());
    assert!(state["pools"][0].get("cordonedAt").is_none(), "{state}");
    assert!(state["pools"][0].get("cordoned").is_none(), "{state}");

    // Once the budget allows it, a re-run resumes after the join and finishes.
    w.kube.set_pdb_disruptions_allowed("shop", "web-pdb", 1);
    let report = w.cut_over().await;
    // The join is checked again in every run (H3): never skipped.
    assert!(report.skipped.is_empty());
    assert_eq!(report.evicted, ["shop/web-1"]);
    assert_eq!(w.capacity(), 0);
}

#[tokio::test]
async fn a_budget_that_frees_up_is_retried_until_it_allows_the_eviction() {
    let w = World::with_held_web_pod().await;
    let options = fast();
    let mut sink = |_: &_| {};
    let (result, ()) = tokio::join!(
        run_cutover(w.out(), &w.pools, w.clients(), &options, &mut sink),
        async {
            tokio::time::sleep(Duration::from_millis(250)).await;
            w.kube.set_pdb_disruptions_allowed("shop", "web-pdb", 1);
        }
    );
    let report = result.unwrap();
    assert_eq!(report.evicted, ["shop/web-1"]);
    let attempts = w.kube.requests_matching("POST", "web-1/eviction").len();
    assert!(attempts >= 2, "retried after the 429: {attempts}");
    assert_eq!(w.capacity(), 0);
}

#[tokio::test]
async fn arm_throttling_during_the_scale_down_is_waited_out() {
    let w = World::new(1, 1).await;
    w.add_spot_node(0, true);
    w.arm.inject(Fault::throttle(VMSS, 1).on_method("PATCH"));
    let started = std::time::Instant::now();
    let report = w.cut_over().await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(report.scaled_to_zero, [format!("{RG}/{VMSS}")]);
    let patches: Vec<_> = w
        .arm
        .requests_to(VMSS)
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert_eq!(patches.len(), 2, "throttled once, then accepted");
    assert_eq!(w.capacity(), 0);
}

#[tokio::test]
async fn a_run_stopped_between_steps_resumes_at_the_next_step() {
    let w = World::new(1, 1).await;
    w.add_spot_node(0, true);
    w.kube.add_pod(replica_pod("shop", "web-1", SRC0, "web"));
    let stop = CutoverOptions {
        stop_after: Some(Step::Cordon),
        ..fast()
    };
    let first = run_cutover(w.out(), &w.pools, w.clients(), &stop, &mut |_: &_| {})
        .await
        .unwrap();
    assert_eq!(first.stopped_after, Some(Step::Cordon));
    assert!(w.unschedulable(SRC0) && w.unschedulable(SRC1));
    assert!(w.pod_exists("shop", "web-1"));
    assert!(w.kube.requests_matching("POST", "/eviction").is_empty());

    let mut lines = Lines::default();
    let second = run_cutover(w.out(), &w.pools, w.clients(), &fast(), &mut lines.sink())
        .await
        .unwrap();
    assert_eq!(second.skipped, [Step::Cordon]);
    assert_eq!(second.evicted, ["shop/web-1"]);
    assert!(lines.has("join: started"), "{:?}", lines.0);
    assert_eq!(w.capacity(), 0);
}

#[tokio::test]
async fn a_failure_while_cordoning_resumes_with_the_nodes_already_cordoned() {
    let w = World::new(1, 1).await;
    w.add_spot_node(0, true);
    w.kube.inject(Fault::apply_error(
        &format!("/nodes/{SRC1}"),
        "etcdserver: timeout",
    ));
    let err = run_cutover(w.out(), &w.pools, w.clients(), &fast(), &mut |_: &_| {})
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(&format!(
            "cordoning node {SRC1}: etcdserver: timeout (HTTP 500)"
        )),
        "{err}"
    );
    let state = w.state();
    assert_eq!(state["pools"][0]["cordoned"], json!([SRC0]));
    assert!(state["pools"][0].get("cordonedAt").is_none());
    assert!(w.unschedulable(SRC0) && !w.unschedulable(SRC1));

    let mut lines = Lines::default();
    let report = run_cutover(w.out(), &w.pools, w.clients(), &fast(), &mut lines.sink())
        .await
        .unwrap();
    assert_eq!(report.cordoned, [SRC1]);
    assert!(
        !lines.0.iter().any(|l| l.contains("already cordoned")),
        "our own cordon is not someone else's: {:?}",
        lines.0
    );
    assert_eq!(w.state()["pools"][0]["cordoned"], json!([SRC0, SRC1]));
    assert_eq!(w.capacity(), 0);
}

#[tokio::test]
async fn a_failed_scale_down_resumes_at_retire() {
    let w = World::new(1, 1).await;
    w.add_spot_node(0, true);
    w.kube.add_pod(replica_pod("shop", "web-1", SRC0, "web"));
    w.arm.inject(
        Fault::arm_error(
            VMSS,
            409,
            "OperationNotAllowed",
            "Another operation is in progress on the scale set.",
        )
        .on_method("PATCH"),
    );
    let err = run_cutover(w.out(), &w.pools, w.clients(), &fast(), &mut |_: &_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CutoverError::Scale { scale_set, .. } if scale_set == VMSS),
        "{err}"
    );
    assert_eq!(w.capacity(), 2);
    let state = w.state();
    assert!(state["pools"][0]["drainedAt"].is_string());
    assert!(state["pools"][0].get("scaledToZeroAt").is_none());
    assert!(
        w.node(SRC0).is_some(),
        "nodes are deleted only after the scale-down"
    );

    let evictions = w.kube.requests_matching("POST", "/eviction").len();
    let report = w.cut_over().await;
    assert_eq!(report.skipped, [Step::Cordon, Step::Drain]);
    assert_eq!(
        w.kube.requests_matching("POST", "/eviction").len(),
        evictions
    );
    assert_eq!(w.capacity(), 0);
    assert!(w.node(SRC0).is_none() && w.node(SRC1).is_none());
}

#[tokio::test]
async fn pools_outside_the_filter_are_not_touched_and_unknown_pools_are_errors() {
    let w = World::new(1, 1).await;
    let options = CutoverOptions {
        pools: vec!["agentpool9".into()],
        ..fast()
    };
    let err = run_cutover(w.out(), &w.pools, w.clients(), &options, &mut |_: &_| {})
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "pool agentpool9 is not among the imported pools (agentpool1)"
    );
    assert!(w.kube.requests().is_empty());
}

#[tokio::test]
async fn the_drain_timeout_holds_even_with_a_client_that_retries_429s() {
    let w = World::with_held_web_pod().await;
    // kube's default client: retries 429s itself, for minutes.
    let kubeconfig = w.out().join("kubeconfig.eastus.json");
    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::read_from(&kubeconfig).unwrap(),
        &kube::config::KubeConfigOptions::default(),
    )
    .await
    .unwrap();
    assert!(config.default_retry);
    let retrying = kube::Client::try_from(config).unwrap();
    let clients = cutover::Clients {
        kube: &retrying,
        ..w.clients()
    };
    let options = CutoverOptions {
        drain_timeout: Duration::from_millis(400),
        ..fast()
    };
    let started = std::time::Instant::now();
    let err = run_cutover(w.out(), &w.pools, clients, &options, &mut |_: &_| {})
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let CutoverError::DrainTimeout { budgets, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(budgets[0].pods, ["shop/web-1"]);
    assert!(!w.unschedulable(SRC0));
    assert_eq!(w.capacity(), 2);
}

#[tokio::test]
async fn an_api_error_during_the_drain_uncordons_and_a_rerun_finishes() {
    let w = World::new(1, 1).await;
    w.add_spot_node(0, true);
    w.kube.add_pod(replica_pod("shop", "web-1", SRC0, "web"));
    w.kube.inject(
        Fault::error(
            403,
            "Forbidden",
            "pods \"web-1\" is forbidden: cannot create resource \"pods/eviction\"",
            None,
        )
        .on_method("POST")
        .path_contains("web-1/eviction"),
    );
    let err = run_cutover(w.out(), &w.pools, w.clients(), &fast(), &mut |_: &_| {})
        .await
        .unwrap_err();
    let CutoverError::Drain { uncordoned, source } = &err else {
        panic!("{err}");
    };
    assert_eq!(uncordoned, &[SRC0.to_owned(), SRC1.to_owned()]);
    assert_eq!(source.status, Some(403));
    assert_eq!(source.action, "evicting pod shop/web-1");
    assert!(!w.unschedulable(SRC0) && !w.unschedulable(SRC1));
    assert!(w.state()["pools"][0].get("cordonedAt").is_none());

    let report = w.cut_over().await;
    // The join is checked again in every run (H3): never skipped.
    assert!(report.skipped.is_empty());
    assert_eq!(report.evicted, ["shop/web-1"]);
    assert_eq!(w.capacity(), 0);
}

#[tokio::test]
async fn with_two_pools_every_node_is_cordoned_before_the_first_eviction() {
    const VMSS2: &str = "k8s-agentpool2-12345678-vmss";
    let mut w = World::new(1, 1).await;
    w.add_spot_node(0, true);
    let group2 = w.spot.insert_group(
        "v3",
        json!({"name": "spotaks-agentpool2", "capacity": {"minimum": 0, "maximum": 3, "target": 1}}),
    );
    w.spot.set_group_vms(
        &group2,
        vec![json!({"vmName": "agentpool2-spot-0", "createdAt": "2026-01-01T00:00:00Z"})],
    );
    w.kube.add_node(
        "agentpool2-spot-0",
        Some(&vm_provider_id("agentpool2-spot-0")),
        true,
    );
    let src2 = "k8s-agentpool2-12345678-vmss000000";
    w.kube
        .add_node(src2, Some(&vmss_provider_id(0).replace(VMSS, VMSS2)), true);
    w.arm
        .add_agent_pool_scale_set(RG, VMSS2, "eastus", 1, "agentpool2", SUFFIX);
    w.pools.push(cutover::CutoverPool {
        pool: "agentpool2".into(),
        group_id: group2,
        scale_set: VMSS2.into(),
        ..w.pools[0].clone()
    });
    w.kube.add_pod(replica_pod("shop", "web-1", SRC0, "web"));
    w.kube.add_pod(replica_pod("shop", "api-1", src2, "api"));

    let mut lines = Lines::default();
    let report = run_cutover(w.out(), &w.pools, w.clients(), &fast(), &mut lines.sink())
        .await
        .unwrap();
    assert!(lines.has("agentpool1: 1/1 Spot nodes Ready"));
    assert!(lines.has("agentpool2: 1/1 Spot nodes Ready"));
    assert_eq!(report.cordoned, [SRC0, SRC1, src2]);
    let writes = w.kube_writes();
    let first_evict = writes
        .iter()
        .position(|r| r.ends_with("/eviction"))
        .unwrap();
    let cordons: Vec<usize> = writes
        .iter()
        .enumerate()
        .filter(|(_, r)| r.starts_with("PATCH"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(cordons.len(), 3);
    assert!(cordons.iter().all(|&i| i < first_evict), "{writes:?}");
    assert_eq!(report.scaled_to_zero.len(), 2);
    assert_eq!(
        w.arm.scale_set(RG, VMSS2).unwrap()["sku"]["capacity"],
        json!(0)
    );

    // --pool limits a later dry run / run to one pool.
    let only = CutoverOptions {
        pools: vec!["agentpool2".into()],
        ..fast()
    };
    let again = run_cutover(w.out(), &w.pools, w.clients(), &only, &mut |_: &_| {})
        .await
        .unwrap();
    assert_eq!(again.pools, ["agentpool2"]);
}

#[tokio::test]
async fn a_retired_scale_set_back_above_zero_is_cut_over_again() {
    let w = World::new(1, 1).await;
    w.add_spot_node(0, true);
    w.kube.add_pod(replica_pod("shop", "web-1", SRC0, "web"));
    w.cut_over().await;
    assert_eq!(w.capacity(), 0);

    // `aks-engine upgrade` re-deploys the scale set with the apimodel's count: a new instance
    // registers as a node and gets a pod.
    w.arm
        .add_agent_pool_scale_set(RG, VMSS, "eastus", 1, POOL, SUFFIX);
    w.kube.add_node(SRC0, Some(&vmss_provider_id(0)), true);
    w.kube.add_pod(replica_pod("shop", "web-2", SRC0, "web"));

    let mut lines = Lines::default();
    let report = run_cutover(w.out(), &w.pools, w.clients(), &fast(), &mut lines.sink())
        .await
        .unwrap();
    assert!(
        lines.has(&format!(
            "agentpool1: scale set {VMSS} is at 1 instance(s) again after its retire (aks-engine upgrade re-deployed it): cutting over again"
        )),
        "{:?}",
        lines.0
    );
    assert_eq!(report.cordoned, [SRC0]);
    assert_eq!(report.evicted, ["shop/web-2"]);
    assert_eq!(w.capacity(), 0);
    assert!(w.node(SRC0).is_none());

    // Back at 0: a third run reads the scale set and changes nothing.
    let writes = w.kube_writes().len();
    let patches = w.arm_patches();
    let reads = w.scale_set_reads();
    let again = w.cut_over().await;
    assert_eq!(
        again.skipped,
        [Step::Join, Step::Cordon, Step::Drain, Step::Retire]
    );
    assert_eq!(w.scale_set_reads(), reads + 1, "the scale set read once");
    assert_eq!((w.kube_writes().len(), w.arm_patches()), (writes, patches));
}

/// `sync` and `cutover` read the scale sets before their confirmation: the run given those
/// reads does not read them again, and cuts the revived pool over on their word.
#[tokio::test]
async fn a_run_given_the_checks_reads_no_scale_set_again() {
    let w = World::new(1, 1).await;
    w.add_spot_node(0, true);
    w.cut_over().await;
    w.arm
        .add_agent_pool_scale_set(RG, VMSS, "eastus", 2, POOL, SUFFIX);
    w.kube.add_node(SRC0, Some(&vmss_provider_id(0)), true);

    let before = w.scale_set_reads();
    let state = cutover::CutoverState::load(&cutover::CutoverState::path_in(w.out())).unwrap();
    let pools: Vec<&cutover::CutoverPool> = w.pools.iter().collect();
    let checks = cutover::check_scale_sets(&w.arm_client, &state, &pools)
        .await
        .unwrap();
    assert_eq!(checks.checked, [POOL]);
    assert_eq!(checks.revived.len(), 1);
    assert_eq!(
        (checks.revived[0].pool.as_str(), checks.revived[0].capacity),
        (POOL, 2)
    );
    assert_eq!(w.scale_set_reads(), before + 1);

    let requests_before_run = w.arm.requests_to(VMSS).len();
    let mut lines = Lines::default();
    let never = group_sync::CancellationToken::new();
    let report = cutover::run_cutover_checked(
        w.out(),
        &w.pools,
        &checks,
        w.clients(),
        &fast(),
        &mut lines.sink(),
        &never,
    )
    .await
    .unwrap();
    // The requests the run sent to the scale set up to its scale-down: no GET.
    let sent: Vec<String> = w
        .arm
        .requests_to(VMSS)
        .into_iter()
        .skip(requests_before_run)
        .map(|r| r.method)
        .take_while(|m| m != "PATCH")
        .collect();
    assert!(sent.is_empty(), "not read again: {sent:?}");
    assert!(
        lines.has(&format!(
            "agentpool1: scale set {VMSS} is at 2 instance(s) again after its retire (aks-engine upgrade re-deployed it): cutting over again"
        )),
        "{:?}",
        lines.0
    );
    assert_eq!(report.cordoned, [SRC0]);
    assert_eq!(w.capacity(), 0);
}
