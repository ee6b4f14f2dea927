//! The preempt agent against the local metadata service and Kubernetes server.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use common::{events, eventually, kube, pod};
use node_agent::{Imds, Metrics, PreemptConfig, run_preempt};
use serde_json::json;
use test_support::Fault;
use test_support::imds_server::{ImdsServer, ImdsServerConfig};
use test_support::kube_server::KubeServerConfig;

const VM: &str = "spotpool1-0001";
const NODE: &str = "spotpool1-0001";

fn rfc1123(in_secs: i64) -> String {
    (Utc::now() + chrono::TimeDelta::seconds(in_secs))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

fn config() -> PreemptConfig {
    PreemptConfig {
        poll_interval: Duration::from_millis(50),
        eviction_retry_interval: Duration::from_millis(100),
        ..PreemptConfig::new(NODE)
    }
}

struct World {
    imds: ImdsServer,
    kube: common::Kube,
    metrics: Arc<Metrics>,
}

impl World {
    async fn start() -> World {
        let imds = ImdsServer::start(ImdsServerConfig { vm_name: VM.into() }).await;
        let kube = kube(KubeServerConfig::default()).await;
        let s = &kube.server;
        s.add_node(NODE, Some(&format!("azure:///subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/{VM}")), true);
        s.add_node("other-node", None, true);
        s.add_pod(pod(
            "shop",
            "web",
            NODE,
            Some("ReplicaSet"),
            json!({"app": "web"}),
        ));
        s.add_pod(pod("kube-system", "ds", NODE, Some("DaemonSet"), json!({})));
        s.add_pod(pod("shop", "bare", NODE, None, json!({})));
        let mut cache = pod("shop", "cache", NODE, Some("StatefulSet"), json!({}));
        cache["spec"]["volumes"] = json!([{"name": "tmp", "emptyDir": {}}]);
        s.add_pod(cache);
        let mut mirror = pod("kube-system", "kube-proxy", NODE, None, json!({}));
        mirror["metadata"]["annotations"] = json!({"kubernetes.io/config.mirror": "x"});
        s.add_pod(mirror);
        s.add_pod(pod(
            "shop",
            "elsewhere",
            "other-node",
            Some("ReplicaSet"),
            json!({"app": "web"}),
        ));
        World {
            imds,
            kube,
            metrics: Arc::new(Metrics::new()),
        }
    }

    fn spawn(&self) -> tokio::task::JoinHandle<()> {
        let imds = Imds::new(&self.imds.url(), Duration::from_secs(2)).unwrap();
        let client = self.kube.client.clone();
        let metrics = self.metrics.clone();
        tokio::spawn(async move { run_preempt(&imds, &client, &config(), &metrics).await })
    }

    fn evictions(&self, pod: &str) -> usize {
        self.kube
            .server
            .requests_matching("POST", &format!("/pods/{pod}/eviction"))
            .len()
    }

    fn all_evictions(&self) -> usize {
        self.kube
            .server
            .requests_matching("POST", "/eviction")
            .len()
    }

    fn cordoned(&self) -> bool {
        self.kube
            .server
            .object(&format!("/api/v1/nodes/{NODE}"))
            .is_some_and(|n| n["spec"]["unschedulable"] == json!(true))
    }

    fn scheduled_event_reads(&self) -> usize {
        self.imds
            .requests_matching(Some("GET"), "/metadata/scheduledevents")
            .len()
    }

    fn never_approved(&self) {
        assert!(
            self.imds
                .requests_matching(Some("POST"), "/metadata")
                .is_empty(),
            "the agent must never approve a scheduled event"
        );
    }
}

#[tokio::test]
async fn own_preempt_event_cordons_and_evicts_once_with_an_event() {
    let w = World::start().await;
    w.imds
        .add_event("ev-1", "Preempt", &["SpotPool1-0001"], &rfc1123(30));
    let agent = w.spawn();
    eventually(Duration::from_secs(10), "the drain", || {
        w.metrics
            .render()
            .contains(r#"drains_finished_total{outcome="complete"} 1"#)
    })
    .await;
    assert!(w.cordoned());
    for evicted in ["web", "bare", "cache"] {
        assert_eq!(w.evictions(evicted), 1, "{evicted}");
    }
    for kept in ["ds", "kube-proxy", "elsewhere"] {
        assert_eq!(w.evictions(kept), 0, "{kept}");
    }
    // The event stays listed: more polls, no second drain.
    let reads = w.scheduled_event_reads();
    eventually(Duration::from_secs(5), "more polls", || {
        w.scheduled_event_reads() > reads + 3
    })
    .await;
    assert_eq!(w.all_evictions(), 3);
    agent.abort();

    let recorded = events(&w.kube.server);
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    let e = &recorded[0];
    assert_eq!(e["reason"], "SpotPreempted");
    assert_eq!(e["type"], "Warning");
    assert_eq!(e["involvedObject"]["kind"], "Node");
    assert_eq!(e["involvedObject"]["name"], NODE);
    let message = e["message"].as_str().unwrap();
    assert!(
        message.contains("ev-1") && message.contains("Preempt"),
        "{message}"
    );
    let text = w.metrics.render();
    assert!(
        text.contains(r#"scheduled_events_total{event_type="Preempt",this_vm="true"} 1"#),
        "{text}"
    );
    assert!(text.contains("drains_started_total 1"), "{text}");
    w.never_approved();
}

#[tokio::test]
async fn other_vms_events_and_non_evictions_change_nothing() {
    let w = World::start().await;
    w.imds
        .add_event("ev-other", "Preempt", &["spotpool1-0002"], &rfc1123(30));
    w.imds.add_event("ev-reboot", "Reboot", &[VM], &rfc1123(30));
    w.imds
        .add_event("ev-prefix", "Terminate", &["spotpool1-000"], &rfc1123(30));
    let agent = w.spawn();
    eventually(Duration::from_secs(5), "the events to be seen", || {
        w.metrics
            .render()
            .contains(r#"event_type="Reboot",this_vm="true"} 1"#)
    })
    .await;
    let reads = w.scheduled_event_reads();
    eventually(Duration::from_secs(5), "more polls", || {
        w.scheduled_event_reads() > reads + 3
    })
    .await;
    agent.abort();
    assert!(!w.cordoned());
    assert_eq!(w.all_evictions(), 0);
    assert!(events(&w.kube.server).is_empty());
    assert!(
        w.kube
            .server
            .requests_matching("PATCH", "/nodes/")
            .is_empty()
    );
    let text = w.metrics.render();
    assert!(
        text.contains(r#"scheduled_events_total{event_type="Preempt",this_vm="false"} 1"#),
        "{text}"
    );
    assert!(text.contains("drains_started_total 0"), "{text}");
    w.never_approved();
}

#[tokio::test]
async fn a_budget_that_never_allows_is_retried_until_not_before_and_the_agent_keeps_running() {
    let w = World::start().await;
    w.kube
        .server
        .add_pdb("shop", "web-pdb", json!({"app": "web"}), 0);
    w.imds.add_event("ev-1", "Preempt", &[VM], &rfc1123(3));
    let agent = w.spawn();
    eventually(Duration::from_secs(10), "the deadline", || {
        w.metrics
            .render()
            .contains(r#"drains_finished_total{outcome="deadline"} 1"#)
    })
    .await;
    assert!(w.cordoned());
    let tries = w.evictions("web");
    assert!(
        tries >= 3,
        "the budget's refusals are retried: {tries} tries"
    );
    assert_eq!(
        w.evictions("bare"),
        1,
        "accepted evictions are not repeated"
    );
    let text = w.metrics.render();
    assert!(
        text.contains(&format!("evictions_refused_total {tries}")),
        "{text}"
    );

    // Past NotBefore: no more evictions, but the agent still polls and acts on a new event.
    let reads = w.scheduled_event_reads();
    eventually(Duration::from_secs(5), "more polls", || {
        w.scheduled_event_reads() > reads + 5
    })
    .await;
    assert_eq!(w.evictions("web"), tries, "nothing after NotBefore");
    w.kube
        .server
        .set_pdb_disruptions_allowed("shop", "web-pdb", 1);
    w.imds.add_event("ev-2", "Terminate", &[VM], &rfc1123(30));
    eventually(Duration::from_secs(10), "the second drain", || {
        w.metrics
            .render()
            .contains(r#"drains_finished_total{outcome="complete"} 1"#)
    })
    .await;
    assert_eq!(w.evictions("web"), tries + 1);
    agent.abort();
    assert_eq!(events(&w.kube.server).len(), 2);
    w.never_approved();
}

#[tokio::test]
async fn metadata_and_api_server_failures_are_survived() {
    let w = World::start().await;
    // The VM name, then the events, fail for a while (errors and dropped connections).
    w.imds.inject(
        Fault::status(500)
            .path_contains("/metadata/instance")
            .times(3),
    );
    w.imds.inject(
        Fault::status(503)
            .path_contains("/metadata/scheduledevents")
            .times(3),
    );
    w.imds
        .inject(Fault::drop_connection().path_contains("/metadata/scheduledevents"));
    // The API server fails the first cordon, one eviction and the Event.
    w.kube.server.inject(
        Fault::status(500)
            .on_method("PATCH")
            .path_contains("/nodes/"),
    );
    w.kube.server.inject(
        Fault::status(500)
            .on_method("POST")
            .path_contains("/pods/web/eviction"),
    );
    w.kube.server.inject(
        Fault::status(500)
            .on_method("POST")
            .path_contains("/events"),
    );
    w.imds.add_event("ev-1", "Preempt", &[VM], &rfc1123(30));
    let agent = w.spawn();
    eventually(Duration::from_secs(15), "the drain", || {
        w.metrics
            .render()
            .contains(r#"drains_finished_total{outcome="complete"} 1"#)
    })
    .await;
    agent.abort();
    assert!(w.cordoned());
    assert_eq!(w.evictions("web"), 2, "the failed eviction is retried");
    let text = w.metrics.render();
    assert!(text.contains(r#"api_errors_total{api="imds"} 7"#), "{text}");
    assert!(
        text.contains(r#"api_errors_total{api="kubernetes"} 3"#),
        "{text}"
    );
    assert!(text.contains("evictions_refused_total 0"), "{text}");
    w.never_approved();
}

#[tokio::test]
async fn a_restarted_agent_drains_again_without_harm() {
    let w = World::start().await;
    w.imds.add_event("ev-1", "Preempt", &[VM], &rfc1123(30));
    let first = w.spawn();
    eventually(Duration::from_secs(10), "the first drain", || {
        w.metrics.render().contains(r#"outcome="complete"} 1"#)
    })
    .await;
    first.abort();
    // The same event, still listed, seen by a new process: the node is already cordoned and
    // the pods are terminating or gone.
    let second = w.spawn();
    eventually(Duration::from_secs(10), "the second drain", || {
        w.metrics.render().contains(r#"outcome="complete"} 2"#)
    })
    .await;
    second.abort();
    assert!(w.cordoned());
    assert_eq!(events(&w.kube.server).len(), 2);
    w.never_approved();
}

#[tokio::test]
async fn metrics_are_served_over_http() {
    let metrics = Arc::new(Metrics::new());
    metrics.node_deleted();
    let addr = node_agent::serve_metrics(metrics, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let body = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("spot_node_agent_nodes_deleted_total 1"),
        "{body}"
    );
    assert!(
        body.contains("# TYPE spot_node_agent_evictions_refused counter"),
        "{body}"
    );
}

#[tokio::test]
async fn an_eviction_that_hangs_does_not_hold_the_drain_past_not_before() {
    let w = World::start().await;
    w.kube.server.inject(
        Fault::slow(Duration::from_secs(20))
            .on_method("POST")
            .path_contains("/pods/web/eviction"),
    );
    w.imds.add_event("ev-1", "Preempt", &[VM], &rfc1123(2));
    let started = std::time::Instant::now();
    let agent = w.spawn();
    eventually(Duration::from_secs(8), "the deadline", || {
        w.metrics
            .render()
            .contains(r#"drains_finished_total{outcome="deadline"} 1"#)
    })
    .await;
    assert!(started.elapsed() < Duration::from_secs(8));
    assert_eq!(w.evictions("bare"), 1, "the others were not held up");
    agent.abort();
}
