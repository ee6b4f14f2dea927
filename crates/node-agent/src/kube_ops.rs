//! The agent's Kubernetes calls beyond the cutover's ([`cutover::kube_ops`]): evictions that
//! tell a budget's refusal (429) from a failure, Events on Nodes, the collector's view of Nodes
//! and its conditional delete.

use chrono::{DateTime, Utc};
use cutover::{KubeError, PodInfo};
use k8s_openapi::api::core::v1::{Event, Node};
use kube::Client;
use kube::api::{Api, DeleteParams, ListParams, PostParams, Preconditions};
use serde_json::json;

use crate::decide::garbage::{NodeView, Readiness};

/// The `source.component` and `reportingComponent` of our Events.
pub const EVENT_COMPONENT: &str = "spotinst-aks-engine-node-agent";

/// Events about Nodes (cluster-scoped) go to this namespace, as kubelet's do.
pub const EVENT_NAMESPACE: &str = "default";

/// How the API server answered an eviction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvictAnswer {
    /// Accepted: the pod is being deleted.
    Accepted,
    /// The pod is gone already.
    Gone,
    /// Refused by a disruption budget (429); the server's message.
    Budget(String),
    /// Any other failure (5xx, 403, connection); retried all the same.
    Failed(String),
}

/// The server's message with its causes, and the HTTP status.
fn status_message(s: &kube::core::Status) -> String {
    format!("{} (HTTP {})", cutover::kube_ops::status_message(s), s.code)
}

/// Evicts `pod` through the `policy/v1` Eviction subresource (the cutover's request; this
/// agent tells a budget's refusal from other failures).
pub async fn evict(client: &Client, pod: &PodInfo) -> EvictAnswer {
    match cutover::kube_ops::post_eviction(client, pod).await {
        Ok(()) => EvictAnswer::Accepted,
        Err(kube::Error::Api(s)) if s.code == 404 => EvictAnswer::Gone,
        Err(kube::Error::Api(s)) if s.code == 429 => EvictAnswer::Budget(status_message(&s)),
        Err(kube::Error::Api(s)) => EvictAnswer::Failed(status_message(&s)),
        Err(e) => EvictAnswer::Failed(e.to_string()),
    }
}

/// An Event about a Node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeEvent {
    /// The Node's name.
    pub node: String,
    /// Its uid, when known.
    pub node_uid: Option<String>,
    /// `Normal` or `Warning`.
    pub type_: &'static str,
    /// CamelCase reason, e.g. `SpotPreempted`.
    pub reason: &'static str,
    /// What happened.
    pub message: String,
}

/// Records `event` (a `v1` Event in [`EVENT_NAMESPACE`], named after the node).
pub async fn record_event(client: &Client, event: &NodeEvent) -> Result<(), KubeError> {
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut involved = json!({"apiVersion": "v1", "kind": "Node", "name": event.node});
    if let Some(uid) = &event.node_uid {
        involved["uid"] = json!(uid);
    }
    let doc = json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"generateName": format!("{}.", event.node), "namespace": EVENT_NAMESPACE},
        "involvedObject": involved,
        "reason": event.reason,
        "message": event.message,
        "type": event.type_,
        "source": {"component": EVENT_COMPONENT, "host": event.node},
        "reportingComponent": EVENT_COMPONENT,
        "reportingInstance": event.node,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
    });
    let action = || format!("recording event {} on node {}", event.reason, event.node);
    let typed: Event = serde_json::from_value(doc).map_err(|e| KubeError {
        action: action(),
        status: None,
        message: e.to_string(),
        source: None,
    })?;
    let api: Api<Event> = Api::namespaced(client.clone(), EVENT_NAMESPACE);
    api.create(&PostParams::default(), &typed)
        .await
        .map_err(|e| KubeError::new(action(), e))?;
    Ok(())
}

fn to_chrono(t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(
        t.0.as_second(),
        u32::try_from(t.0.subsec_nanosecond()).ok()?,
    )
}

/// The collector's view of a Node: not Ready since the `Ready` condition's last transition
/// (since the Node's creation when it has never reported one).
pub fn node_view(node: &Node) -> NodeView {
    let conditions = node.status.as_ref().and_then(|s| s.conditions.as_ref());
    let ready = conditions.and_then(|c| c.iter().find(|c| c.type_ == "Ready"));
    let readiness = match ready {
        Some(c) if c.status == "True" => Readiness::Ready,
        Some(c) => Readiness::NotReadySince(c.last_transition_time.as_ref().and_then(to_chrono)),
        None => Readiness::NotReadySince(
            node.metadata
                .creation_timestamp
                .as_ref()
                .and_then(to_chrono),
        ),
    };
    NodeView {
        name: node.metadata.name.clone().unwrap_or_default(),
        uid: node.metadata.uid.clone(),
        provider_id: node.spec.as_ref().and_then(|s| s.provider_id.clone()),
        readiness,
    }
}

/// Every Node, as the collector sees them.
pub async fn list_node_views(client: &Client) -> Result<Vec<NodeView>, KubeError> {
    let api: Api<Node> = Api::all(client.clone());
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| KubeError::new("listing nodes", e))?;
    Ok(list.items.iter().map(node_view).collect())
}

/// Deletes the Node `name` if it is still the object with `uid` (a VM re-registered under the
/// same name is a new Node); `false` when it was gone already.
pub async fn delete_node_if(
    client: &Client,
    name: &str,
    uid: Option<&str>,
) -> Result<bool, KubeError> {
    let api: Api<Node> = Api::all(client.clone());
    let params = DeleteParams {
        preconditions: uid.map(|u| Preconditions {
            uid: Some(u.to_owned()),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    match api.delete(name, &params).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
        Err(e) => Err(KubeError::new(format!("deleting node {name}"), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_comes_from_the_ready_condition_or_creation() {
        let node: Node = serde_json::from_value(json!({
            "metadata": {"name": "n", "uid": "u1", "creationTimestamp": "2026-12-01T00:00:00Z"},
            "spec": {"providerID": "azure:///x"},
            "status": {"conditions": [{"type": "Ready", "status": "Unknown",
                "lastTransitionTime": "2026-12-07T20:00:00Z"}]}
        }))
        .unwrap();
        let v = node_view(&node);
        assert_eq!(v.uid.as_deref(), Some("u1"));
        assert_eq!(
            v.readiness,
            Readiness::NotReadySince(Some("2026-12-07T20:00:00Z".parse().unwrap()))
        );
        let never: Node = serde_json::from_value(json!({
            "metadata": {"name": "n", "creationTimestamp": "2026-12-01T00:00:00Z"}
        }))
        .unwrap();
        assert_eq!(
            node_view(&never).readiness,
            Readiness::NotReadySince(Some("2026-12-01T00:00:00Z".parse().unwrap()))
        );
        let ready: Node = serde_json::from_value(json!({
            "metadata": {"name": "n"},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}
        }))
        .unwrap();
        assert_eq!(node_view(&ready).readiness, Readiness::Ready);
    }
}
