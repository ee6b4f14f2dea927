//! The drain sends its evictions `concurrency` at a time across all the nodes drained, and
//! still reports them in the pods' sorted order: against a local Kubernetes server answering
//! every request after 50 ms, which records how many requests it was answering at once.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use std::time::Duration;

use common::{Lines, replica_pod};
use cutover::drain::Drainer;
use cutover::{DrainFlags, kube_ops};
use group_sync::CancellationToken;
use test_support::kube_server::{KubeServer, KubeServerConfig};

const NODES: usize = 4;
const PODS: usize = 32;

/// Drains 32 pods on 4 nodes with `concurrency`: the server's most requests at once, the
/// progress lines and the pods evicted.
async fn drain_with(concurrency: usize) -> (usize, Vec<String>, Vec<String>) {
    let kube = KubeServer::start(KubeServerConfig {
        response_delay: Duration::from_millis(50),
        ..KubeServerConfig::default()
    })
    .await;
    for n in 0..NODES {
        kube.add_node(&format!("node-{n}"), None, true);
    }
    for p in 0..PODS {
        let node = format!("node-{}", p % NODES);
        kube.add_pod(replica_pod("shop", &format!("web-{p:02}"), &node, "web"));
    }
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig.json");
    std::fs::write(&kubeconfig, kube.kubeconfig_json()).unwrap();
    let client = cutover::client_from_kubeconfig(&kubeconfig).await.unwrap();
    let source = kube_ops::list_nodes(&client).await.unwrap();
    let cancel = CancellationToken::new();
    let drainer = Drainer {
        kube: &client,
        flags: DrainFlags::default(),
        timeout: Duration::from_secs(30),
        retry_interval: Duration::from_millis(10),
        cancel: &cancel,
        concurrency,
    };
    let mut lines = Lines::default();
    let (mut evicted, mut left) = (Vec::new(), Vec::new());
    let drained = drainer
        .drain(&source, &mut lines.sink(), &mut evicted, &mut left)
        .await;
    assert!(drained.is_ok(), "{drained:?}");
    assert!(left.is_empty(), "{left:?}");
    for p in 0..PODS {
        assert!(
            kube.object(&format!("/api/v1/namespaces/shop/pods/web-{p:02}"))
                .is_none()
        );
    }
    (kube.max_in_flight(), lines.0, evicted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evictions_overlap_up_to_the_concurrency_and_keep_their_order() {
    let (one_at_a_time, lines_1, evicted_1) = drain_with(1).await;
    let (overlapping, lines_16, evicted_16) = drain_with(16).await;
    assert_eq!(
        one_at_a_time, 1,
        "concurrency 1 sends one request at a time"
    );
    assert!(
        (8..=16).contains(&overlapping),
        "concurrency 16: {overlapping} requests at once"
    );
    let mut sorted = evicted_16.clone();
    sorted.sort();
    assert_eq!(evicted_16, sorted, "evictions reported in the pods' order");
    assert_eq!(evicted_16.len(), PODS);
    assert_eq!(evicted_1, evicted_16);
    assert_eq!(lines_1, lines_16, "the same progress, in the same order");
}
