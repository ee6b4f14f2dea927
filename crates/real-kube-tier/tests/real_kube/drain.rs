//! The cutover's Kubernetes calls (`cutover::kube_ops`) and drain decisions: cordon, a budget
//! that refuses an eviction with 429 until it allows one, DaemonSet and mirror pods left,
//! a grace-0 pod gone after its eviction; Node listing, patching and deletion.

use std::time::Duration;

use cutover::decide::pods::classify as classify_pod;
use cutover::kube_ops::{
    Eviction, delete_node, evict, list_budgets, list_nodes, pod_gone, pods_on_node,
    set_unschedulable,
};
use cutover::{DrainFlags, LeaveReason, NodeInfo, PodAction};
use serde_json::{Value, json};

use crate::cluster::{Cluster, KUBELET_VERSION};

fn provider_id(node: &str) -> String {
    format!(
        "azure:///subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/{node}"
    )
}

/// A running pod on `node` with `terminationGracePeriodSeconds: 0`, labelled `app=<app>`,
/// controlled by `owner` when given, a static pod's mirror when `mirror`.
fn pod(ns: &str, name: &str, node: &str, app: &str, owner: Option<&str>, mirror: bool) -> Value {
    let mut metadata = json!({"name": name, "namespace": ns, "labels": {"app": app}});
    if let Some(kind) = owner {
        metadata["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": kind,
            "name": format!("{app}-owner"), "uid": "00000000-0000-0000-0000-0000000000aa",
            "controller": true}]);
    }
    if mirror {
        metadata["annotations"] = json!({"kubernetes.io/config.mirror": "0123456789abcdef"});
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
        "spec": {"nodeName": node, "terminationGracePeriodSeconds": 0,
            "containers": [{"name": "main", "image": "registry.k8s.io/pause:3.9"}]},
        "status": {"phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}]}})
}

async fn node(c: &impl Cluster, name: &str) -> Option<NodeInfo> {
    list_nodes(c.client())
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.name == name)
}

async fn pod_names(c: &impl Cluster, node: &str) -> Vec<String> {
    let mut names: Vec<String> = pods_on_node(c.client(), node)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    names.sort();
    names
}

/// Cordon, evict against a budget, leave DaemonSet and mirror pods, uncordon.
pub(crate) async fn cordon_and_evict(c: &impl Cluster) {
    let who = c.label();
    let (ns, node_name) = ("shop", "drain-node-0");
    c.namespace(ns).await;
    c.add_node(node_name, &provider_id(node_name), true).await;
    c.add_pod(pod(
        ns,
        "web-0",
        node_name,
        "web",
        Some("ReplicaSet"),
        false,
    ))
    .await;
    c.add_pod(pod(
        ns,
        "logs-0",
        node_name,
        "logs",
        Some("DaemonSet"),
        false,
    ))
    .await;
    c.add_pod(pod(ns, "static-0", node_name, "static", None, true))
        .await;
    c.add_pdb(ns, "web-pdb", "web", 0).await;
    let client = c.client();

    set_unschedulable(client, node_name, true).await.unwrap();
    let cordoned = node(c, node_name).await.expect("the node is listed");
    assert!(
        cordoned.unschedulable && cordoned.ready,
        "{who}: {cordoned:?}"
    );

    let pods = pods_on_node(client, node_name).await.unwrap();
    let mut actions: Vec<(String, PodAction)> = pods
        .iter()
        .map(|p| (p.key(), classify_pod(p, DrainFlags::default())))
        .collect();
    actions.sort_by(|a, b| a.0.cmp(&b.0));
    let leave = |reason| PodAction::Leave { reason };
    let evict_it = PodAction::Evict {
        accepted: Vec::new(),
    };
    assert_eq!(
        actions,
        [
            ("shop/logs-0".to_owned(), leave(LeaveReason::DaemonSet)),
            ("shop/static-0".to_owned(), leave(LeaveReason::Mirror)),
            ("shop/web-0".to_owned(), evict_it),
        ],
        "{who}"
    );
    let web = pods.iter().find(|p| p.name == "web-0").unwrap();
    assert!(web.uid.is_some(), "{who}: the pod's uid is read");

    // disruptionsAllowed 0: refused (429), with the budget named.
    match evict(client, web).await.unwrap() {
        Eviction::Refused(message) => assert!(
            message.contains("disruption budget") && message.contains("web-pdb"),
            "{who}: {message}"
        ),
        other => panic!("{who}: expected a refusal, got {other:?}"),
    }
    assert!(!pod_gone(client, web).await.unwrap(), "{who}");

    // The budget allows one: evicted, and (grace 0) gone.
    c.set_pdb_allowed(ns, "web-pdb", 1).await;
    assert_eq!(
        evict(client, web).await.unwrap(),
        Eviction::Accepted,
        "{who}"
    );
    let mut gone = false;
    for _ in 0..50 {
        if pod_gone(client, web).await.unwrap() {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gone, "{who}: the evicted grace-0 pod is gone");
    let budget = list_budgets(client)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.name == "web-pdb" && b.namespace == ns)
        .expect("the budget is listed");
    assert_eq!(
        budget.disruptions_allowed, 0,
        "{who}: the eviction used the budget's one disruption"
    );
    assert_eq!(
        pod_names(c, node_name).await,
        ["logs-0", "static-0"],
        "{who}"
    );
    assert_eq!(evict(client, web).await.unwrap(), Eviction::Gone, "{who}");

    set_unschedulable(client, node_name, false).await.unwrap();
    assert!(
        !node(c, node_name).await.unwrap().unschedulable,
        "{who}: uncordoned"
    );
}

/// Nodes as the cutover reads them (providerID, Ready, unschedulable), patched and deleted.
pub(crate) async fn nodes(c: &impl Cluster) {
    let who = c.label();
    let client = c.client();
    c.add_node("node-a", &provider_id("node-a"), true).await;
    c.add_node("node-b", &provider_id("node-b"), false).await;

    let mut a = node(c, "node-a").await.expect("node-a is listed");
    assert!(a.uid.take().is_some(), "{who}: the server sets a uid");
    assert!(
        a.creation_timestamp.take().is_some(),
        "{who}: the server sets a creationTimestamp"
    );
    assert_eq!(
        a,
        NodeInfo {
            name: "node-a".into(),
            provider_id: Some(provider_id("node-a")),
            ready: true,
            unschedulable: false,
            kubelet_version: Some(KUBELET_VERSION.into()),
            internal_ips: Vec::new(),
            uid: None,
            creation_timestamp: None,
            deleting: false,
        },
        "{who}"
    );
    let b = node(c, "node-b").await.expect("node-b is listed");
    assert!(!b.ready && !b.unschedulable, "{who}: {b:?}");

    set_unschedulable(client, "node-a", true).await.unwrap();
    assert!(node(c, "node-a").await.unwrap().unschedulable, "{who}");

    assert!(delete_node(client, "node-b").await.unwrap(), "{who}");
    assert!(
        !delete_node(client, "node-b").await.unwrap(),
        "{who}: already gone"
    );
    assert!(node(c, "node-b").await.is_none(), "{who}");

    let err = set_unschedulable(client, "node-b", true)
        .await
        .expect_err("cordoning a missing node fails");
    assert_eq!(err.status, Some(404), "{who}: {err}");
    assert!(
        err.to_string().contains("cordoning node node-b"),
        "{who}: {err}"
    );
}
