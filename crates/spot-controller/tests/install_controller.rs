//! Installing the controller into a loopback stand-in API server with kube-rs server-side apply.

use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use spot_controller::{
    Applied, ControllerError, ControllerSettings, RolloutOutcome, RolloutProgress, SecretString,
    apply_all, client_from_kubeconfig, manifests, wait_for_rollout,
};
use test_support::kube_server::{Fault, KubeServer, KubeServerConfig, RolloutScript};

const SECRET: &str =
    "/api/v1/namespaces/kube-system/secrets/spotinst-kubernetes-cluster-controller";
const CONFIG_MAP: &str =
    "/api/v1/namespaces/kube-system/configmaps/spotinst-kubernetes-cluster-controller-config";
const SERVICE_ACCOUNT: &str =
    "/api/v1/namespaces/kube-system/serviceaccounts/spotinst-kubernetes-cluster-controller";
const CLUSTER_ROLE: &str =
    "/apis/rbac.authorization.k8s.io/v1/clusterroles/spotinst-kubernetes-cluster-controller";
const BINDING: &str =
    "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/spotinst-kubernetes-cluster-controller";
const DEPLOYMENT: &str =
    "/apis/apps/v1/namespaces/kube-system/deployments/spotinst-kubernetes-cluster-controller";

async fn start(rollout: RolloutScript) -> (KubeServer, kube::Client, tempfile::TempDir) {
    let server = KubeServer::start(KubeServerConfig {
        rollout,
        ..Default::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig.eastus.json");
    std::fs::write(&path, server.kubeconfig_json()).unwrap();
    let client = client_from_kubeconfig(&path).await.unwrap();
    (server, client, dir)
}

fn settings() -> ControllerSettings {
    let mut s = ControllerSettings::new(
        SecretString::from("spot-secret-token"),
        "act-0a1b2c3d",
        "spotaksmsi",
    );
    s.base_url = Some("https://api.spotinst.io".into());
    s
}

#[tokio::test]
async fn applies_every_object_with_server_side_apply() {
    let (server, client, _dir) = start(RolloutScript::Ready).await;
    let m = manifests(&settings());
    let mut seen: Vec<Applied> = Vec::new();
    let applied = apply_all(&client, &m, &mut |a: &Applied| seen.push(a.clone()))
        .await
        .unwrap();
    let kinds: Vec<&str> = applied.iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [
            "Secret",
            "ConfigMap",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Deployment"
        ]
    );
    assert_eq!(seen, applied);

    let mut expected = vec![
        SECRET,
        CONFIG_MAP,
        SERVICE_ACCOUNT,
        CLUSTER_ROLE,
        BINDING,
        DEPLOYMENT,
    ];
    expected.sort();
    assert_eq!(server.object_paths(), expected);

    for r in server.requests() {
        assert_eq!(r.method, "PATCH");
        assert_eq!(r.content_type(), Some("application/apply-patch+yaml"));
        assert_eq!(
            r.query_param("fieldManager").as_deref(),
            Some("spotinst-aks-engine")
        );
        assert_eq!(r.query_param("force").as_deref(), Some("true"));
    }

    let secret = server.object(SECRET).unwrap();
    assert_eq!(secret["metadata"]["namespace"], "kube-system");
    assert_eq!(secret["type"], "Opaque");
    let b64 = |v: &Value| {
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(v.as_str().unwrap())
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(b64(&secret["data"]["token"]), "spot-secret-token");
    assert_eq!(b64(&secret["data"]["account"]), "act-0a1b2c3d");

    let cm = server.object(CONFIG_MAP).unwrap();
    assert_eq!(cm["data"]["spotinst.cluster-identifier"], "spotaksmsi");
    assert_eq!(cm["data"]["base-url"], "https://api.spotinst.io");
    assert!(
        cm["data"].get("spotinst.token").is_none(),
        "token belongs in the Secret"
    );

    let binding = server.object(BINDING).unwrap();
    assert_eq!(
        binding["roleRef"]["name"],
        "spotinst-kubernetes-cluster-controller"
    );
    assert_eq!(binding["subjects"][0]["kind"], "ServiceAccount");
    assert_eq!(binding["subjects"][0]["namespace"], "kube-system");

    let role = server.object(CLUSTER_ROLE).unwrap();
    assert!(
        role["metadata"].get("namespace").is_none(),
        "cluster scoped"
    );
    assert!(role["rules"].as_array().unwrap().len() >= 10);

    let d = server.object(DEPLOYMENT).unwrap();
    let c = &d["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        c["image"],
        "gcr.io/spotinst-artifacts/kubernetes-cluster-controller:1.0.101"
    );
    assert_eq!(
        d["spec"]["template"]["spec"]["serviceAccountName"],
        "spotinst-kubernetes-cluster-controller"
    );
    assert_eq!(d["spec"]["replicas"], 1);
}

#[tokio::test]
async fn reapplying_is_idempotent() {
    let (server, client, _dir) = start(RolloutScript::Ready).await;
    let m = manifests(&settings());
    apply_all(&client, &m, &mut |_: &Applied| {}).await.unwrap();
    apply_all(&client, &m, &mut |_: &Applied| {}).await.unwrap();
    assert_eq!(server.object_paths().len(), 6);
    assert_eq!(
        server.object(DEPLOYMENT).unwrap()["metadata"]["generation"],
        1
    );
}

#[tokio::test]
async fn waits_for_the_rollout_and_reports_progress() {
    let (_server, client, _dir) = start(RolloutScript::ReadyAfterGets(2)).await;
    apply_all(&client, &manifests(&settings()), &mut |_: &Applied| {})
        .await
        .unwrap();
    let mut polls: Vec<RolloutProgress> = Vec::new();
    let outcome = wait_for_rollout(
        &client,
        Duration::from_secs(10),
        Duration::from_millis(10),
        &mut |p: &RolloutProgress| polls.push(p.clone()),
    )
    .await
    .unwrap();
    assert_eq!(polls.len(), 3);
    assert!(!polls[0].is_complete() && !polls[1].is_complete());
    let RolloutOutcome::Complete(last) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!((last.desired, last.updated, last.available), (1, 1, 1));
}

#[tokio::test]
async fn a_rollout_that_never_finishes_times_out() {
    let (_server, client, _dir) = start(RolloutScript::Never).await;
    apply_all(&client, &manifests(&settings()), &mut |_: &Applied| {})
        .await
        .unwrap();
    let err = wait_for_rollout(
        &client,
        Duration::from_millis(150),
        Duration::from_millis(20),
        &mut |_: &RolloutProgress| {},
    )
    .await
    .unwrap_err();
    let ControllerError::RolloutTimeout { name, last, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(name, "kube-system/spotinst-kubernetes-cluster-controller");
    assert!(last.contains("0/1 updated"), "{last}");
}

#[tokio::test]
async fn a_zero_timeout_does_not_wait() {
    let (server, client, _dir) = start(RolloutScript::Never).await;
    let outcome = wait_for_rollout(
        &client,
        Duration::ZERO,
        Duration::from_millis(10),
        &mut |_: &RolloutProgress| {},
    )
    .await
    .unwrap();
    assert_eq!(outcome, RolloutOutcome::Skipped);
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn an_apply_failure_names_the_object_and_the_server_message() {
    let (server, client, _dir) = start(RolloutScript::Ready).await;
    server.inject(Fault::apply_error(
        "/clusterroles/",
        "etcdserver: request timed out",
    ));
    let err = apply_all(&client, &manifests(&settings()), &mut |_: &Applied| {})
        .await
        .unwrap_err();
    match &err {
        ControllerError::Apply {
            kind,
            name,
            status,
            reason,
            message,
        } => {
            assert_eq!(*kind, "ClusterRole");
            assert_eq!(name, "spotinst-kubernetes-cluster-controller");
            assert_eq!(*status, Some(500));
            assert_eq!(reason.as_deref(), Some("InternalError"));
            assert_eq!(message, "etcdserver: request timed out");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("applying ClusterRole"));
    assert!(
        server.object(DEPLOYMENT).is_none(),
        "stops at the first failure"
    );
    assert!(!format!("{err:?}").contains("spot-secret-token"));
}

#[tokio::test]
async fn a_missing_kubeconfig_says_which_file() {
    let Err(err) =
        client_from_kubeconfig(std::path::Path::new("/nonexistent/kubeconfig.json")).await
    else {
        panic!("a missing file must fail")
    };
    assert!(matches!(err, ControllerError::Kubeconfig(_)));
    assert!(
        err.to_string().contains("/nonexistent/kubeconfig.json"),
        "{err}"
    );
}

#[tokio::test]
async fn reads_the_kubeconfig_aks_engine_wrote() {
    let cases = test_fixtures::aks_engine_cases("reads_the_kubeconfig_aks_engine_wrote");
    let mut read = 0;
    for (name, dir) in &cases {
        let apimodel: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("apimodel.json")).unwrap())
                .unwrap();
        let location = apimodel["location"].as_str().unwrap();
        let path = spot_controller::aks_engine_kubeconfig_path(dir, location);
        if !path.is_file() {
            continue;
        }
        let client = client_from_kubeconfig(&path).await;
        if let Err(e) = client {
            panic!("{name}: {e}");
        }
        read += 1;
    }
    assert!(cases.is_empty() || read > 0, "no case had a kubeconfig");
}
