//! The real `kubectl drain` (when on `PATH`) against the local Kubernetes server: the server
//! answers everything it asks (discovery, the node, its cordon, pages of pods, the DaemonSet
//! of a DaemonSet pod, evictions, the looks until the pods are gone), as the drain benchmark
//! needs to time `kubectl drain` beside ours.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use std::time::Duration;

use common::{daemonset_pod, replica_pod};
use test_support::kube_server::{KubeServer, KubeServerConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_drains_two_nodes_of_the_local_server() {
    let Some(kubectl) = test_support::kubectl::find() else {
        test_fixtures::skip_missing_prerequisite(
            "kubectl_drains_two_nodes_of_the_local_server",
            "kubectl is not on PATH",
        );
        return;
    };
    let kube = KubeServer::start(KubeServerConfig {
        token: None,
        ..KubeServerConfig::default()
    })
    .await;
    for n in 0..2 {
        let node = format!("node-{n}");
        kube.add_node(&node, None, true);
        kube.add_pod(replica_pod("shop", &format!("web-{n}"), &node, "web"));
        kube.add_pod(daemonset_pod("kube-system", &format!("agent-{n}"), &node));
    }
    kube.put_object(
        "/apis/apps/v1/namespaces/kube-system/daemonsets/agent",
        serde_json::json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": "kube-system"}, "spec": {}}),
    );
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig.json");
    std::fs::write(&kubeconfig, kube.kubeconfig_json()).unwrap();
    let nodes = vec!["node-0".to_owned(), "node-1".to_owned()];
    let out = tokio::task::spawn_blocking(move || {
        test_support::kubectl::drain(&kubectl, &kubeconfig, &nodes, Duration::from_secs(30), 0)
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "kubectl drain failed:\n{stdout}\n{stderr}"
    );
    for n in 0..2 {
        assert!(
            stdout.contains(&format!("node/node-{n} drained")),
            "{stdout}"
        );
        let node = kube.object(&format!("/api/v1/nodes/node-{n}")).unwrap();
        assert_eq!(node["spec"]["unschedulable"], true, "cordoned by kubectl");
        assert!(
            kube.object(&format!("/api/v1/namespaces/shop/pods/web-{n}"))
                .is_none(),
            "web-{n} evicted"
        );
        assert!(
            kube.object(&format!("/api/v1/namespaces/kube-system/pods/agent-{n}"))
                .is_some(),
            "the DaemonSet's pod is left"
        );
    }
    // kubectl found `pods/eviction` in discovery: it evicted rather than deleted.
    assert_eq!(kube.requests_matching("POST", "/eviction").len(), 2);
    assert!(kube.requests_matching("DELETE", "/pods/").is_empty());
    let lists = kube.requests_matching("GET", "/api/v1/pods");
    assert!(
        !lists.is_empty()
            && lists
                .iter()
                .all(|r| r.query_param("limit").as_deref() == Some("500")),
        "pages of 500"
    );
}
