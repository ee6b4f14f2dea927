//! The drain sends its evictions (each followed at once by a look at the pod) and its pod lists
//! `concurrency` at a time across all the nodes drained, and still reports them in the pods'
//! sorted order (the lists in the nodes' order): against a local Kubernetes server answering
//! every request after 50 ms, which records how many requests it was answering at once.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use std::time::Duration;

use common::{Lines, daemonset_pod, replica_pod, sorted};
use cutover::drain::DrainStop;
use cutover::drain::Drainer;
use cutover::{DrainFlags, NodeInfo, kube_ops};
use group_sync::CancellationToken;
use serde_json::Value;
use test_support::kube_server::{KubeServer, KubeServerConfig};

const NODES: usize = 4;
const PODS: usize = 32;

/// What a drain did: the server's most requests at once, the progress lines, the pods evicted
/// and left, and the server.
struct Drained {
    max_in_flight: usize,
    lines: Vec<String>,
    evicted: Vec<String>,
    left: Vec<String>,
    kube: KubeServer,
}

/// The server (50 ms per answer) with `node-0` .. `node-3` and `pods`, the evicted pods shown
/// by this many looks after their eviction; a client of it and its nodes.
async fn server(pods: Vec<Value>, linger_gets: u32) -> (KubeServer, kube::Client, Vec<NodeInfo>) {
    let kube = KubeServer::start(KubeServerConfig {
        response_delay: Duration::from_millis(50),
        ..KubeServerConfig::default()
    })
    .await;
    kube.set_evicted_pod_lingers_for_gets(linger_gets);
    for n in 0..NODES {
        kube.add_node(&format!("node-{n}"), None, true);
    }
    for p in pods {
        kube.add_pod(p);
    }
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig.json");
    std::fs::write(&kubeconfig, kube.kubeconfig_json()).unwrap();
    let client = cutover::client_from_kubeconfig(&kubeconfig).await.unwrap();
    let source = kube_ops::list_nodes(&client).await.unwrap();
    (kube, client, source)
}

fn drainer<'a>(
    client: &'a kube::Client,
    cancel: &'a CancellationToken,
    concurrency: usize,
) -> Drainer<'a> {
    Drainer {
        kube: client,
        flags: DrainFlags::default(),
        timeout: Duration::from_secs(30),
        retry_interval: Duration::from_millis(10),
        cancel,
        concurrency,
    }
}

/// Drains `pods` on `node-0` .. `node-3` with `concurrency`, the evicted pods shown by this many
/// looks after their eviction.
async fn drain(pods: Vec<Value>, concurrency: usize, linger_gets: u32) -> Drained {
    let (kube, client, source) = server(pods, linger_gets).await;
    let cancel = CancellationToken::new();
    let mut lines = Lines::default();
    let (mut evicted, mut left) = (Vec::new(), Vec::new());
    let drained = drainer(&client, &cancel, concurrency)
        .drain(&source, &mut lines.sink(), &mut evicted, &mut left)
        .await;
    assert!(drained.is_ok(), "{drained:?}");
    Drained {
        max_in_flight: kube.max_in_flight(),
        lines: lines.0,
        evicted,
        left,
        kube,
    }
}

/// 32 Deployment pods, 8 on each node.
fn web_pods() -> Vec<Value> {
    (0..PODS)
        .map(|p| {
            let node = format!("node-{}", p % NODES);
            replica_pod("shop", &format!("web-{p:02}"), &node, "web")
        })
        .collect()
}

/// Drains 32 pods on 4 nodes with `concurrency`: the server's most requests at once, the
/// progress lines and the pods evicted.
async fn drain_with(concurrency: usize) -> (usize, Vec<String>, Vec<String>) {
    let d = drain(web_pods(), concurrency, 1).await;
    assert!(d.left.is_empty(), "{:?}", d.left);
    for p in 0..PODS {
        assert!(
            d.kube
                .object(&format!("/api/v1/namespaces/shop/pods/web-{p:02}"))
                .is_none()
        );
    }
    (d.max_in_flight, d.lines, d.evicted)
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
    assert_eq!(
        evicted_16,
        sorted(evicted_16.clone()),
        "evictions reported in the pods' order"
    );
    assert_eq!(evicted_16.len(), PODS);
    assert_eq!(evicted_1, evicted_16);
    assert_eq!(lines_1, lines_16, "the same progress, in the same order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_eviction_is_followed_at_once_by_a_look_at_the_pod() {
    // Gone at the first look: one round, each pod's look right after its own eviction, in
    // the pods' order, rather than all the evictions first and then all the looks.
    let d = drain(web_pods()[..8].to_vec(), 16, 0).await;
    let mut expected = Vec::new();
    let keys = sorted((0..8).map(|p| format!("shop/web-{p:02}")).collect());
    for key in &keys {
        expected.push(format!("evicting {key}"));
        expected.push(format!("{key} is gone"));
    }
    assert_eq!(d.lines, expected);
    let requests = d.kube.requests();
    for key in &keys {
        let name = key.trim_start_matches("shop/");
        let path = format!("/api/v1/namespaces/shop/pods/{name}");
        let sent: Vec<&str> = requests
            .iter()
            .filter(|r| r.path == path || r.path == format!("{path}/eviction"))
            .map(|r| r.method.as_str())
            .collect();
        assert_eq!(sent, ["POST", "GET"], "{key}: one eviction, then one look");
    }
    assert!(
        (2..=16).contains(&d.max_in_flight),
        "{} requests at once",
        d.max_in_flight
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pod_lists_overlap_up_to_the_concurrency_and_keep_the_nodes_order() {
    // Only DaemonSet pods: the drain lists each node's pods (twice: before, and the last
    // look) and evicts nothing. Names sort against the nodes' order.
    let agents = || {
        (0..NODES)
            .map(|n| {
                daemonset_pod(
                    "kube-system",
                    &format!("agent-{}", NODES - 1 - n),
                    &format!("node-{n}"),
                )
            })
            .collect::<Vec<_>>()
    };
    let one = drain(agents(), 1, 1).await;
    let four = drain(agents(), 16, 1).await;
    assert_eq!(
        one.max_in_flight, 1,
        "concurrency 1 lists one node at a time"
    );
    assert_eq!(
        four.max_in_flight, NODES,
        "all {NODES} nodes listed at once"
    );
    let in_node_order: Vec<String> = (0..NODES)
        .map(|n| format!("kube-system/agent-{}", NODES - 1 - n))
        .collect();
    assert_eq!(one.left, in_node_order);
    assert_eq!(four.left, in_node_order);
    assert!(one.evicted.is_empty() && four.evicted.is_empty());
    let lists = four.kube.requests_matching("GET", "/api/v1/pods").len();
    assert_eq!(lists, 2 * NODES, "each node listed before and at the end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_look_starts_once_cancel_fired() {
    // Evicted pods linger: after the first round (8 evictions, 8 looks), each round looks at
    // the 8 again. Cancelled at the second round's first look, the drain stops there.
    let (kube, client, source) = server(web_pods()[..8].to_vec(), 1000).await;
    let cancel = CancellationToken::new();
    let mut lines = Lines::default();
    let (mut evicted, mut left) = (Vec::new(), Vec::new());
    let looks = || {
        kube.requests_matching("GET", "/namespaces/shop/pods/web-")
            .len()
    };
    let one_at_a_time = drainer(&client, &cancel, 1);
    let mut sink = lines.sink();
    let (drained, ()) = tokio::join!(
        one_at_a_time.drain(&source, &mut sink, &mut evicted, &mut left),
        async {
            while looks() < 9 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            cancel.cancel();
        }
    );
    assert!(
        matches!(drained, Err(DrainStop::Interrupted)),
        "{drained:?}"
    );
    assert_eq!(evicted.len(), 8);
    assert!(looks() <= 10, "{} looks: the round went on", looks());
}
