//! The collector against the local Kubernetes and ARM servers: the matrix of nodes it must and
//! must not delete.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use azure_arm::{ArmClient, ArmConfig, RetryPolicy, StaticToken};
use chrono::Utc;
use common::{events, kube};
use node_agent::Metrics;
use node_agent::decide::garbage::{GcScope, KeepReason};
use node_agent::run_gc;
use serde_json::json;
use test_support::arm_server::{ArmServer, ArmServerConfig, Fault};
use test_support::kube_server::{KubeServer, KubeServerConfig};

const RG: &str = "spot-rg";

fn vm_id(sub: &str, rg: &str, name: &str) -> String {
    format!(
        "azure:///subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}"
    )
}

/// A Node whose `Ready` condition has had `ready` for `minutes`.
fn add_node(server: &KubeServer, name: &str, provider_id: &str, ready: bool, minutes: i64) {
    let since = (Utc::now() - chrono::TimeDelta::minutes(minutes)).to_rfc3339();
    server.put_object(
        &format!("/api/v1/nodes/{name}"),
        json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"providerID": provider_id},
            "status": {"conditions": [{"type": "Ready", "status": if ready { "True" } else { "Unknown" },
                "lastTransitionTime": since, "reason": "NodeStatusUnknown"}]}}),
    );
}

fn arm_client(server: &ArmServer) -> ArmClient {
    let mut config = ArmConfig::new(server.url().parse().unwrap());
    config.retry = RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    };
    ArmClient::new(
        config,
        Arc::new(StaticToken::new(server.config().access_token.clone())),
        server.config().subscription_id.clone(),
    )
    .unwrap()
}

fn scope(sub: &str) -> GcScope {
    GcScope {
        subscription_id: sub.into(),
        resource_group: RG.into(),
        name_prefixes: vec!["spotpool1-".into(), "spotgpu-".into()],
        grace: Duration::from_secs(300),
    }
}

#[tokio::test]
async fn only_long_dead_spot_vms_that_arm_reports_gone_are_deleted() {
    let arm = ArmServer::start(ArmServerConfig::default()).await;
    let sub = arm.config().subscription_id.clone();
    arm.add_resource_group(RG, "eastus");
    arm.add_vm(RG, "spotpool1-present");
    let k = kube(KubeServerConfig::default()).await;
    let s = &k.server;
    // gone: not Ready for 10 minutes, a Spot VM of this group that ARM no longer has.
    add_node(
        s,
        "spotpool1-gone",
        &vm_id(&sub, RG, "spotpool1-gone"),
        false,
        10,
    );
    add_node(
        s,
        "spotgpu-gone",
        &vm_id(&sub, "SPOT-RG", "SpotGpu-Gone"),
        false,
        60,
    );
    // present: not Ready, but the VM exists.
    add_node(
        s,
        "spotpool1-present",
        &vm_id(&sub, RG, "spotpool1-present"),
        false,
        10,
    );
    // Ready, although ARM has no such VM.
    add_node(
        s,
        "spotpool1-ready",
        &vm_id(&sub, RG, "spotpool1-ready"),
        true,
        10,
    );
    // A scale-set instance.
    let vmss = format!(
        "azure:///subscriptions/{sub}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachineScaleSets/spotpool1-vmss/virtualMachines/0"
    );
    add_node(s, "spotpool1-vmss000000", &vmss, false, 10);
    // A foreign name (an aks-engine master) and another resource group.
    add_node(
        s,
        "k8s-master-1234-0",
        &vm_id(&sub, RG, "k8s-master-1234-0"),
        false,
        10,
    );
    add_node(
        s,
        "spotpool1-elsewhere",
        &vm_id(&sub, "other-rg", "spotpool1-elsewhere"),
        false,
        10,
    );
    // Too recent.
    add_node(
        s,
        "spotpool1-recent",
        &vm_id(&sub, RG, "spotpool1-recent"),
        false,
        1,
    );
    // ARM fails (500 through every retry), then throttles, then the group is missing.
    add_node(
        s,
        "spotpool1-arm500",
        &vm_id(&sub, RG, "spotpool1-arm500"),
        false,
        10,
    );
    add_node(
        s,
        "spotpool1-arm429",
        &vm_id(&sub, RG, "spotpool1-arm429"),
        false,
        10,
    );
    add_node(
        s,
        "spotpool1-norg",
        &vm_id(&sub, RG, "spotpool1-norg"),
        false,
        10,
    );
    arm.inject(Fault::server_error("virtualMachines/spotpool1-arm500", 500).times(2));
    arm.inject(Fault::throttle("virtualMachines/spotpool1-arm429", 0).times(2));
    arm.inject(Fault::arm_error(
        "virtualMachines/spotpool1-norg",
        404,
        "ResourceGroupNotFound",
        "Resource group 'spot-rg' could not be found.",
    ));

    let metrics = Metrics::new();
    let client = arm_client(&arm);
    let report = run_gc(
        &k.client,
        &client,
        &scope(&sub),
        Duration::from_secs(60),
        true,
        &metrics,
    )
    .await
    .unwrap();

    let mut deleted = report.deleted.clone();
    deleted.sort();
    assert_eq!(deleted, ["spotgpu-gone", "spotpool1-gone"]);
    assert_eq!(report.vm_present, ["spotpool1-present"]);
    let mut failed = report.arm_failed.clone();
    failed.sort();
    assert_eq!(
        failed,
        ["spotpool1-arm429", "spotpool1-arm500", "spotpool1-norg"]
    );
    let kept = |name: &str| report.kept.iter().find(|(n, _)| n == name).map(|(_, r)| *r);
    assert_eq!(kept("spotpool1-ready"), Some(KeepReason::Ready));
    assert_eq!(
        kept("spotpool1-vmss000000"),
        Some(KeepReason::NotOurStandaloneVm)
    );
    assert_eq!(
        kept("spotpool1-elsewhere"),
        Some(KeepReason::NotOurStandaloneVm)
    );
    assert_eq!(kept("k8s-master-1234-0"), Some(KeepReason::ForeignName));
    assert_eq!(kept("spotpool1-recent"), Some(KeepReason::TooRecent));

    // The Kubernetes side: exactly those two Node objects are gone, each with an Event.
    let nodes: Vec<String> = s
        .object_paths()
        .into_iter()
        .filter_map(|p| p.strip_prefix("/api/v1/nodes/").map(str::to_owned))
        .collect();
    assert_eq!(nodes.len(), 9, "{nodes:?}");
    assert!(!nodes.iter().any(|n| n.ends_with("-gone")));
    assert_eq!(s.requests_matching("DELETE", "/nodes/").len(), 2);
    let recorded = events(s);
    let mut about: Vec<&str> = recorded
        .iter()
        .map(|e| {
            assert_eq!(e["reason"], "SpotVMGone");
            e["involvedObject"]["name"].as_str().unwrap()
        })
        .collect();
    about.sort();
    assert_eq!(about, ["spotgpu-gone", "spotpool1-gone"]);
    // The delete was conditional on the Node seen.
    let delete = &s.requests_matching("DELETE", "/nodes/spotpool1-gone")[0];
    assert!(delete.body.contains("\"preconditions\""), "{}", delete.body);

    // ARM was asked only about candidates.
    for never in [
        "spotpool1-ready",
        "spotpool1-vmss",
        "k8s-master",
        "spotpool1-recent",
        "elsewhere",
    ] {
        assert!(arm.requests_to(never).is_empty(), "{never}");
    }
    let text = metrics.render();
    assert!(
        text.contains("spot_node_agent_nodes_deleted_total 2"),
        "{text}"
    );
    assert!(text.contains(r#"api_errors_total{api="arm"} 3"#), "{text}");
}

#[tokio::test]
async fn a_node_already_deleted_by_someone_else_is_fine_and_listing_failures_are_errors() {
    let arm = ArmServer::start(ArmServerConfig::default()).await;
    let sub = arm.config().subscription_id.clone();
    arm.add_resource_group(RG, "eastus");
    let k = kube(KubeServerConfig::default()).await;
    add_node(
        &k.server,
        "spotpool1-gone",
        &vm_id(&sub, RG, "spotpool1-gone"),
        false,
        10,
    );
    // Someone deletes the Node between the list and our delete.
    k.server.inject(
        test_support::Fault::error(404, "NotFound", "nodes \"spotpool1-gone\" not found", None)
            .on_method("DELETE"),
    );
    let metrics = Metrics::new();
    let client = arm_client(&arm);
    let report = node_agent::gc_pass(&k.client, &client, &scope(&sub), &metrics)
        .await
        .unwrap();
    assert!(report.deleted.is_empty(), "{report:?}");
    assert!(
        events(&k.server).is_empty(),
        "no Event for a delete we did not do"
    );
    assert!(metrics.render().contains("nodes_deleted_total 0"));

    k.server.inject(
        test_support::Fault::status(500)
            .on_method("GET")
            .path_contains("/nodes"),
    );
    let err = node_agent::gc_pass(&k.client, &client, &scope(&sub), &metrics)
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("listing nodes"), "{err}");
    assert!(
        metrics
            .render()
            .contains(r#"api_errors_total{api="kubernetes"} 1"#)
    );
}
