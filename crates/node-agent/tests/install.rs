//! Installing the agent: the dry run's YAML, server-side apply against the local Kubernetes
//! server, re-applying changes nothing, the rollout wait.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use std::time::Duration;

use common::kube;
use node_agent::install::{self, InstallError, InstallSettings};
use serde_json::Value;
use test_support::kube_server::{KubeServerConfig, RolloutScript};

const DAEMON_SET: &str =
    "/apis/apps/v1/namespaces/spot-node-agent/daemonsets/spot-node-agent-preempt";
const DEPLOYMENT: &str = "/apis/apps/v1/namespaces/spot-node-agent/deployments/spot-node-agent-gc";
const ROLE: &str = "/apis/rbac.authorization.k8s.io/v1/clusterroles/spot-node-agent";

fn settings() -> InstallSettings {
    InstallSettings::new(
        Some("myregistry.azurecr.io/spotinst-aks-engine:0.1.0"),
        &["spotpool1-".into(), "spotgpu-".into()],
    )
    .unwrap()
}

#[test]
fn dry_run_yaml() {
    let yaml = install::manifests(&settings()).to_yaml().unwrap();
    insta::assert_snapshot!(yaml);
}

fn without_versions(mut v: Value) -> Value {
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("resourceVersion");
        m.remove("uid");
    }
    v
}

#[tokio::test]
async fn applies_everything_and_reapplying_changes_nothing() {
    let k = kube(KubeServerConfig {
        rollout: RolloutScript::ReadyAfterGets(1),
        ..Default::default()
    })
    .await;
    let m = install::manifests(&settings());
    let mut seen = Vec::new();
    let applied = install::apply(&k.client, &m, &mut |a| {
        seen.push(format!("{} {}", a.kind, a.name))
    })
    .await
    .unwrap();
    assert_eq!(
        seen,
        [
            "Namespace spot-node-agent",
            "ServiceAccount spot-node-agent/spot-node-agent",
            "ClusterRole spot-node-agent",
            "ClusterRoleBinding spot-node-agent",
            "DaemonSet spot-node-agent/spot-node-agent-preempt",
            "Deployment spot-node-agent/spot-node-agent-gc",
        ]
    );
    assert_eq!(applied.len(), 6);
    for r in k.server.requests_matching("PATCH", "/") {
        assert_eq!(r.content_type(), Some("application/apply-patch+yaml"));
        assert_eq!(
            r.query_param("fieldManager").as_deref(),
            Some("spotinst-aks-engine")
        );
    }
    let paths = k.server.object_paths();
    let before: Vec<Value> = paths
        .iter()
        .map(|p| without_versions(k.server.object(p).unwrap()))
        .collect();
    let role = k.server.object(ROLE).unwrap();
    assert!(!role.to_string().contains("secrets") && !role.to_string().contains("\"*\""));
    let ds = k.server.object(DAEMON_SET).unwrap();
    let pod = &ds["spec"]["template"]["spec"];
    assert_eq!(pod["hostNetwork"], true);
    assert_eq!(
        pod["tolerations"],
        serde_json::json!([{"operator": "Exists"}])
    );
    assert_eq!(
        pod["containers"][0]["env"][0]["valueFrom"]["fieldRef"]["fieldPath"],
        "spec.nodeName"
    );

    let rolled = install::wait_for_rollout(
        &k.client,
        Duration::from_secs(5),
        Duration::from_millis(10),
        &mut |_| {},
    )
    .await
    .unwrap();
    assert!(rolled);

    install::apply(&k.client, &install::manifests(&settings()), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(k.server.object_paths(), paths);
    let after: Vec<Value> = paths
        .iter()
        .map(|p| without_versions(k.server.object(p).unwrap()))
        .collect();
    assert_eq!(
        before, after,
        "re-applying the same settings changes nothing"
    );
    assert_eq!(
        k.server.object(DEPLOYMENT).unwrap()["metadata"]["generation"],
        1
    );
    assert_eq!(
        k.server.object(DAEMON_SET).unwrap()["metadata"]["generation"],
        1
    );

    // Another prefix is a new generation of the collector only.
    let more = InstallSettings::new(
        Some("myregistry.azurecr.io/spotinst-aks-engine:0.1.0"),
        &["spotpool1-".into(), "spotgpu-".into(), "spotpool2-".into()],
    )
    .unwrap();
    install::apply(&k.client, &install::manifests(&more), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(
        k.server.object(DEPLOYMENT).unwrap()["metadata"]["generation"],
        2
    );
    assert_eq!(
        k.server.object(DAEMON_SET).unwrap()["metadata"]["generation"],
        1
    );
}

#[tokio::test]
async fn a_rollout_that_never_finishes_times_out_and_zero_skips() {
    let k = kube(KubeServerConfig {
        rollout: RolloutScript::Never,
        ..Default::default()
    })
    .await;
    install::apply(&k.client, &install::manifests(&settings()), &mut |_| {})
        .await
        .unwrap();
    assert!(
        !install::wait_for_rollout(
            &k.client,
            Duration::ZERO,
            Duration::from_millis(10),
            &mut |_| {}
        )
        .await
        .unwrap()
    );
    let err = install::wait_for_rollout(
        &k.client,
        Duration::from_millis(200),
        Duration::from_millis(20),
        &mut |_| {},
    )
    .await
    .unwrap_err();
    assert!(matches!(err, InstallError::RolloutTimeout { .. }), "{err}");
    assert!(err.to_string().contains("DaemonSet: 0/1 updated"), "{err}");
}

#[tokio::test]
async fn a_refused_apply_names_the_object() {
    let k = kube(KubeServerConfig::default()).await;
    k.server.inject(
        test_support::kube_server::Fault::error(
            403,
            "Forbidden",
            "clusterroles is forbidden",
            None,
        )
        .on_method("PATCH")
        .path_contains("/clusterroles/"),
    );
    let err = install::apply(&k.client, &install::manifests(&settings()), &mut |_| {})
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "applying ClusterRole spot-node-agent: clusterroles is forbidden (HTTP 403, Forbidden)"
    );
    assert!(
        k.server.object(DAEMON_SET).is_none(),
        "nothing after the failure"
    );
}
