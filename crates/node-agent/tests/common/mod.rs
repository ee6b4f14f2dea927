//! What the agent tests share: the local Kubernetes server with a kubeconfig, a client on it,
//! waiting for a condition.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use test_support::kube_server::{KubeServer, KubeServerConfig};

pub struct Kube {
    pub server: KubeServer,
    pub client: kube::Client,
    pub kubeconfig: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

pub async fn kube(config: KubeServerConfig) -> Kube {
    let server = KubeServer::start(config).await;
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig.json");
    std::fs::write(&kubeconfig, server.kubeconfig_json()).unwrap();
    let client = node_agent::kube_client(Some(&kubeconfig)).await.unwrap();
    Kube {
        server,
        client,
        kubeconfig,
        _dir: dir,
    }
}

/// Polls `cond` every 20 ms until it holds; fails the test after `limit`.
pub async fn eventually(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let started = Instant::now();
    while !cond() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A pod on `node`, owned by a controller of `kind` (none when `None`).
pub fn pod(ns: &str, name: &str, node: &str, kind: Option<&str>, labels: Value) -> Value {
    let mut p = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx"}]},
        "status": {"phase": "Running"}});
    if let Some(kind) = kind {
        p["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": kind,
            "name": format!("{name}-owner"), "uid": "owner-uid", "controller": true}]);
    }
    p
}

/// The Events stored (any namespace), as JSON.
pub fn events(server: &KubeServer) -> Vec<Value> {
    server
        .object_paths()
        .into_iter()
        .filter(|p| p.contains("/events/"))
        .filter_map(|p| server.object(&p))
        .collect()
}
