//! The Kubernetes side, through kube-rs: reading Nodes, Pods and PodDisruptionBudgets into the
//! views [`crate::decide`] works on, cordoning, `policy/v1` evictions, deleting Nodes.

use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::Client;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use crate::decide::budgets::{BudgetInfo, LabelSelector, SelectorTerm};
use crate::decide::nodes::NodeInfo;
use crate::decide::pods::{MIRROR_ANNOTATION, PodInfo};
use crate::error::KubeError;

/// The view of a Node.
pub fn node_info(node: &Node) -> NodeInfo {
    let spec = node.spec.as_ref();
    NodeInfo {
        name: node.metadata.name.clone().unwrap_or_default(),
        provider_id: spec.and_then(|s| s.provider_id.clone()),
        ready: node
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True")),
        unschedulable: spec.and_then(|s| s.unschedulable).unwrap_or(false),
        kubelet_version: node
            .status
            .as_ref()
            .and_then(|s| s.node_info.as_ref())
            .map(|i| i.kubelet_version.clone())
            .filter(|v| !v.is_empty()),
        internal_ips: node
            .status
            .as_ref()
            .and_then(|s| s.addresses.as_ref())
            .map(|a| {
                a.iter()
                    .filter(|a| a.type_ == "InternalIP")
                    .map(|a| a.address.clone())
                    .collect()
            })
            .unwrap_or_default(),
        uid: node.metadata.uid.clone(),
        creation_timestamp: node
            .metadata
            .creation_timestamp
            .as_ref()
            .map(|t| t.0.to_string()),
        deleting: node.metadata.deletion_timestamp.is_some(),
    }
}

/// The view of a Pod.
pub fn pod_info(pod: &Pod) -> PodInfo {
    let meta = &pod.metadata;
    let spec = pod.spec.as_ref();
    PodInfo {
        namespace: meta.namespace.clone().unwrap_or_else(|| "default".into()),
        name: meta.name.clone().unwrap_or_default(),
        uid: meta.uid.clone(),
        node: spec.and_then(|s| s.node_name.clone()),
        labels: meta.labels.clone().unwrap_or_default(),
        controller_kind: meta.owner_references.as_ref().and_then(|o| {
            o.iter()
                .find(|r| r.controller == Some(true))
                .map(|r| r.kind.clone())
        }),
        mirror: meta
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key(MIRROR_ANNOTATION)),
        empty_dir: spec
            .and_then(|s| s.volumes.as_ref())
            .is_some_and(|v| v.iter().any(|v| v.empty_dir.is_some())),
        phase: pod.status.as_ref().and_then(|s| s.phase.clone()),
        terminating: meta.deletion_timestamp.is_some(),
    }
}

/// The view of a PodDisruptionBudget.
pub fn budget_info(pdb: &PodDisruptionBudget) -> BudgetInfo {
    let status = pdb.status.as_ref();
    BudgetInfo {
        namespace: pdb
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into()),
        name: pdb.metadata.name.clone().unwrap_or_default(),
        selector: pdb
            .spec
            .as_ref()
            .and_then(|s| s.selector.as_ref())
            .map(|s| LabelSelector {
                match_labels: s.match_labels.clone().unwrap_or_default(),
                match_expressions: s
                    .match_expressions
                    .as_ref()
                    .map(|e| {
                        e.iter()
                            .map(|t| SelectorTerm {
                                key: t.key.clone(),
                                operator: t.operator.clone(),
                                values: t.values.clone().unwrap_or_default(),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }),
        disruptions_allowed: status.map_or(0, |s| s.disruptions_allowed),
        current_healthy: status.map_or(0, |s| s.current_healthy),
        desired_healthy: status.map_or(0, |s| s.desired_healthy),
    }
}

/// Every Node.
pub async fn list_nodes(client: &Client) -> Result<Vec<NodeInfo>, KubeError> {
    let api: Api<Node> = Api::all(client.clone());
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| KubeError::new("listing nodes", e))?;
    Ok(list.items.iter().map(node_info).collect())
}

/// Sets `spec.unschedulable` of a node (cordon / uncordon).
pub async fn set_unschedulable(
    client: &Client,
    node: &str,
    unschedulable: bool,
) -> Result<(), KubeError> {
    let api: Api<Node> = Api::all(client.clone());
    let patch = json!({"spec": {"unschedulable": unschedulable}});
    api.patch(node, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .map_err(|e| {
            let verb = if unschedulable {
                "cordoning"
            } else {
                "uncordoning"
            };
            KubeError::new(format!("{verb} node {node}"), e)
        })?;
    Ok(())
}

/// Every pod scheduled on `node` (`fieldSelector=spec.nodeName=<node>`).
pub async fn pods_on_node(client: &Client, node: &str) -> Result<Vec<PodInfo>, KubeError> {
    let api: Api<Pod> = Api::all(client.clone());
    let list = api
        .list(&ListParams::default().fields(&format!("spec.nodeName={node}")))
        .await
        .map_err(|e| KubeError::new(format!("listing the pods of node {node}"), e))?;
    Ok(list.items.iter().map(pod_info).collect())
}

/// Every PodDisruptionBudget.
pub async fn list_budgets(client: &Client) -> Result<Vec<BudgetInfo>, KubeError> {
    let api: Api<PodDisruptionBudget> = Api::all(client.clone());
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| KubeError::new("listing PodDisruptionBudgets", e))?;
    Ok(list.items.iter().map(budget_info).collect())
}

/// How the API server answered an eviction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Eviction {
    /// Accepted: the pod is being deleted.
    Accepted,
    /// Refused for now (429: a disruption budget; 5xx: transient); the server's message.
    Refused(String),
    /// The pod does not exist (any more).
    Gone,
}

/// The server's message in `s`, with the causes it lists.
pub fn status_message(s: &kube::core::Status) -> String {
    let causes: Vec<String> = s
        .details
        .as_ref()
        .map(|d| d.causes.iter().map(|c| c.message.clone()).collect())
        .unwrap_or_default();
    if causes.is_empty() {
        s.message.clone()
    } else {
        format!("{} ({})", s.message, causes.join("; "))
    }
}

/// Posts a `policy/v1` Eviction of `pod`; the server's answer as kube-rs gives it, for the
/// caller to classify.
pub async fn post_eviction(client: &Client, pod: &PodInfo) -> Result<(), kube::Error> {
    let api: Api<Pod> = Api::namespaced(client.clone(), &pod.namespace);
    let body = json!({
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": pod.name, "namespace": pod.namespace},
    });
    let answer: Result<Value, kube::Error> = api
        .create_subresource("eviction", &pod.name, &PostParams::default(), &body)
        .await;
    answer.map(|_| ())
}

/// Evicts a pod through the `policy/v1` Eviction subresource.
pub async fn evict(client: &Client, pod: &PodInfo) -> Result<Eviction, KubeError> {
    match post_eviction(client, pod).await {
        Ok(()) => Ok(Eviction::Accepted),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(Eviction::Gone),
        Err(kube::Error::Api(s)) if s.code == 429 || s.code >= 500 => {
            Ok(Eviction::Refused(status_message(&s)))
        }
        Err(e) => Err(KubeError::new(format!("evicting pod {}", pod.key()), e)),
    }
}

/// Whether the pod is gone (absent, or replaced by another of the same name).
pub async fn pod_gone(client: &Client, pod: &PodInfo) -> Result<bool, KubeError> {
    let api: Api<Pod> = Api::namespaced(client.clone(), &pod.namespace);
    let now = match api.get_opt(&pod.name).await {
        Ok(now) => now,
        // A transient answer: look again next round.
        Err(kube::Error::Api(s)) if s.code == 429 || s.code >= 500 => return Ok(false),
        Err(e) => return Err(KubeError::new(format!("reading pod {}", pod.key()), e)),
    };
    Ok(match now {
        None => true,
        Some(p) => pod.uid.is_some() && p.metadata.uid != pod.uid,
    })
}

/// Deletes a Node object; `false` when it was already gone.
pub async fn delete_node(client: &Client, node: &str) -> Result<bool, KubeError> {
    let api: Api<Node> = Api::all(client.clone());
    match api.delete(node, &DeleteParams::default()).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
        Err(e) => Err(KubeError::new(format!("deleting node {node}"), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_read_the_fields_the_drain_needs() {
        let node: Node = serde_json::from_value(json!({
            "metadata": {"name": "n0"},
            "spec": {"providerID": "azure:///x/virtualMachines/n0", "unschedulable": true},
            "status": {"conditions": [{"type": "MemoryPressure", "status": "True"}, {"type": "Ready", "status": "True"}]}
        }))
        .unwrap();
        let n = node_info(&node);
        assert!(n.ready && n.unschedulable);
        assert_eq!(
            n.provider_id.as_deref(),
            Some("azure:///x/virtualMachines/n0")
        );

        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "p", "namespace": "shop", "uid": "u1",
                "labels": {"app": "web"},
                "annotations": {"kubernetes.io/config.mirror": "abc"},
                "ownerReferences": [
                    {"apiVersion": "v1", "kind": "Node", "name": "n0", "uid": "x"},
                    {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "y", "controller": true}]},
            "spec": {"nodeName": "n0", "containers": [], "volumes": [{"name": "tmp", "emptyDir": {}}]},
            "status": {"phase": "Running"}
        }))
        .unwrap();
        let p = pod_info(&pod);
        assert_eq!(p.key(), "shop/p");
        assert_eq!(p.controller_kind.as_deref(), Some("ReplicaSet"));
        assert!(p.mirror && p.empty_dir);
        assert!(!p.terminating);
        let mut deleted = pod.clone();
        deleted.metadata.deletion_timestamp =
            serde_json::from_value(json!("2026-12-06T03:00:00Z")).unwrap();
        assert!(pod_info(&deleted).terminating);
        assert_eq!(p.node.as_deref(), Some("n0"));

        let pdb: PodDisruptionBudget = serde_json::from_value(json!({
            "metadata": {"name": "web-pdb", "namespace": "shop"},
            "spec": {"selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}},
            "status": {"disruptionsAllowed": 0, "currentHealthy": 1, "desiredHealthy": 1, "expectedPods": 1}
        }))
        .unwrap();
        let b = budget_info(&pdb);
        assert!(b.selects(&p));
        assert_eq!(b.disruptions_allowed, 0);
    }
}
