//! Drains 2,000 pods on 100 nodes against a local Kubernetes server that answers every request
//! after 20 ms: evictions (and looks at evicted pods) 16 at a time across all the nodes, beside
//! one at a time. One at a time takes over a minute per drain (2,000 × 2 requests × 20 ms), so
//! it is timed once rather than sampled; `--concurrency 16` is sampled by criterion.

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented `pub fn`"
)]

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use cutover::drain::Drainer;
use cutover::{DrainFlags, NodeInfo, kube_ops};
use group_sync::CancellationToken;
use serde_json::json;
use test_support::kube_server::{KubeServer, KubeServerConfig};

const NODES: usize = 100;
const PODS: usize = 2_000;

/// A Deployment's pod on `node`.
fn pod(name: &str, node: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "labels": {"app": "web"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "name": "web-rs", "uid": "uid-web-rs", "controller": true}]},
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx"}]},
        "status": {"phase": "Running"}})
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let (kube, client, source) = rt.block_on(async {
        let kube = KubeServer::start(KubeServerConfig {
            response_delay: Duration::from_millis(20),
            ..KubeServerConfig::default()
        })
        .await;
        for n in 0..NODES {
            kube.add_node(&format!("node-{n:03}"), None, true);
        }
        let kubeconfig = dir.path().join("kubeconfig.json");
        std::fs::write(&kubeconfig, kube.kubeconfig_json()).expect("kubeconfig");
        let client = cutover::client_from_kubeconfig(&kubeconfig)
            .await
            .expect("client");
        let source: Vec<NodeInfo> = kube_ops::list_nodes(&client).await.expect("nodes");
        (kube, client, source)
    });
    let cancel = CancellationToken::new();
    let drain = |concurrency: usize| {
        for p in 0..PODS {
            kube.add_pod(pod(
                &format!("web-{p:04}"),
                &format!("node-{:03}", p % NODES),
            ));
        }
        let drainer = Drainer {
            kube: &client,
            flags: DrainFlags::default(),
            timeout: Duration::from_secs(600),
            retry_interval: Duration::from_millis(10),
            cancel: &cancel,
            concurrency,
        };
        let (mut evicted, mut left) = (Vec::new(), Vec::new());
        rt.block_on(drainer.drain(&source, &mut |_: &_| {}, &mut evicted, &mut left))
            .expect("drain");
        assert_eq!(evicted.len(), PODS);
    };

    let started = Instant::now();
    drain(1);
    eprintln!(
        "drain: {PODS} pods on {NODES} nodes, 20 ms per request, one eviction at a time: {:?}",
        started.elapsed()
    );
    let started = Instant::now();
    drain(16);
    eprintln!(
        "drain: the same, 16 at a time (one run): {:?}",
        started.elapsed()
    );

    let mut group = c.benchmark_group("drain");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(30));
    group.bench_function("2000_pods_100_nodes_20ms_concurrency_16", |b| {
        b.iter(|| drain(16));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
