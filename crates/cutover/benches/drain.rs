//! Drains 2,000 pods on 100 cordoned nodes against a local Kubernetes server that answers every
//! request after 20 ms: the pod lists, and the evictions each followed by a look at the pod,
//! 16 at a time across all the nodes, beside one at a time, and beside the real
//! `kubectl drain` of the same nodes (one node after another, each node's pods evicted at once)
//! when `kubectl` is on `PATH`. One at a time and `kubectl` take minutes per drain, so they are
//! timed once; 16 at a time is timed once with the retry interval the commands use (5 s) and
//! once with 10 ms, then sampled by criterion with 10 ms.

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented `pub fn`"
)]

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use cutover::drain::Drainer;
use cutover::{DrainFlags, NodeInfo, kube_ops};
use group_sync::CancellationToken;
use serde_json::json;
use test_support::kube_server::{KubeServer, KubeServerConfig};

const NODES: usize = 100;
const PODS: usize = 2_000;
/// Between two rounds in the sampled runs: the drain's own pace, not a pause, is measured.
const QUICK_RETRY: Duration = Duration::from_millis(10);
/// Between two rounds in `cutover` and `sync` (`eviction_retry_interval`).
const COMMAND_RETRY: Duration = Duration::from_secs(5);

/// A Deployment's pod on `node`.
fn pod(name: &str, node: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "labels": {"app": "web"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "name": "web-rs", "uid": "uid-web-rs", "controller": true}]},
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx"}]},
        "status": {"phase": "Running"}})
}

fn node_name(n: usize) -> String {
    format!("node-{n:03}")
}

/// The 2,000 pods, spread over the nodes.
fn add_pods(kube: &KubeServer) {
    for p in 0..PODS {
        kube.add_pod(pod(&format!("web-{p:04}"), &node_name(p % NODES)));
    }
}

/// Whether any of the pods is still there.
fn pods_left(kube: &KubeServer) -> usize {
    (0..PODS)
        .filter(|p| {
            kube.object(&format!("/api/v1/namespaces/shop/pods/web-{p:04}"))
                .is_some()
        })
        .count()
}

/// Times `kubectl drain` of every node, or says why it is not timed.
fn time_kubectl(kube: &KubeServer, kubeconfig: &Path) {
    let Some(kubectl) = test_support::kubectl::find() else {
        eprintln!("drain: kubectl is not on PATH: `kubectl drain` not timed");
        return;
    };
    add_pods(kube);
    let nodes: Vec<String> = (0..NODES).map(node_name).collect();
    let started = Instant::now();
    let out =
        test_support::kubectl::drain(&kubectl, kubeconfig, &nodes, Duration::from_secs(900), 0);
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "kubectl drain failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(pods_left(kube), 0, "kubectl drain left pods");
    eprintln!(
        "drain: the same with `kubectl drain` of the {NODES} nodes ({}): {took:?}",
        kubectl.display()
    );
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig.json");
    let (kube, client, source) = rt.block_on(async {
        // No token: `kubectl` sends none over plain HTTP.
        let kube = KubeServer::start(KubeServerConfig {
            token: None,
            response_delay: Duration::from_millis(20),
            ..KubeServerConfig::default()
        })
        .await;
        for n in 0..NODES {
            kube.add_node(&node_name(n), None, true);
        }
        std::fs::write(&kubeconfig, kube.kubeconfig_json()).expect("kubeconfig");
        let client = cutover::client_from_kubeconfig(&kubeconfig)
            .await
            .expect("client");
        // Cordoned before any drain, as `cutover` and `sync` do (so `kubectl` cordons none).
        let cordons = (0..NODES).map(|n| {
            let client = client.clone();
            async move { kube_ops::set_unschedulable(&client, &node_name(n), true).await }
        });
        for cordoned in futures::future::join_all(cordons).await {
            cordoned.expect("cordon");
        }
        let source: Vec<NodeInfo> = kube_ops::list_nodes(&client).await.expect("nodes");
        (kube, client, source)
    });
    let cancel = CancellationToken::new();
    let drain = |concurrency: usize, retry_interval: Duration| {
        add_pods(&kube);
        let drainer = Drainer {
            kube: &client,
            flags: DrainFlags::default(),
            timeout: Duration::from_secs(900),
            retry_interval,
            cancel: &cancel,
            concurrency,
        };
        let (mut evicted, mut left) = (Vec::new(), Vec::new());
        rt.block_on(drainer.drain(&source, &mut |_: &_| {}, &mut evicted, &mut left))
            .expect("drain");
        assert_eq!(evicted.len(), PODS);
        assert_eq!(pods_left(&kube), 0);
    };

    let started = Instant::now();
    drain(1, QUICK_RETRY);
    eprintln!(
        "drain: {PODS} pods on {NODES} nodes, 20 ms per request, one request at a time: {:?}",
        started.elapsed()
    );
    time_kubectl(&kube, &kubeconfig);
    let started = Instant::now();
    drain(16, COMMAND_RETRY);
    eprintln!(
        "drain: the same, 16 at a time, {COMMAND_RETRY:?} between rounds (one run): {:?}",
        started.elapsed()
    );
    let started = Instant::now();
    drain(16, QUICK_RETRY);
    eprintln!(
        "drain: the same, 16 at a time, {QUICK_RETRY:?} between rounds (one run): {:?}",
        started.elapsed()
    );

    let mut group = c.benchmark_group("drain");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(30));
    group.bench_function("2000_pods_100_nodes_20ms_concurrency_16", |b| {
        b.iter(|| drain(16, QUICK_RETRY));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
