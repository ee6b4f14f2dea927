//! `node-agent install|gc|preempt`: the real binary against the local Spot, Kubernetes, ARM and
//! metadata servers.

use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{Value, json};
use test_support::imds_server::{ImdsServer, ImdsServerConfig};

use crate::cutover_world::{LOCATION, RG, World, spot_vm};
use crate::import_create::{Run, run, spot_cmd};

/// The example's group prefix (its scale set's computerNamePrefix without `-vmss`).
const PREFIX: &str = "k8s-agentpool1-spot";
const IMAGE: &str = "myregistry.azurecr.io/spotinst-aks-engine:0.1.0";
const DEPLOYMENT: &str = "/apis/apps/v1/namespaces/spot-node-agent/deployments/spot-node-agent-gc";

fn install(w: &World, args: &[&str]) -> Run {
    let mut cmd = spot_cmd(&w.spot);
    cmd.args(["node-agent", "install", "-o"])
        .arg(&w.work.dir)
        .args(args);
    run(cmd)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_reads_the_recorded_groups_prefixes_and_reapplying_changes_nothing() {
    let w = World::start(1).await;
    let r = install(
        &w,
        &["--dry-run", "--image", IMAGE, "--name-prefix", "extra-"],
    );
    assert!(r.ok, "{}", r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "- --name-prefix\n        - {PREFIX}\n        - --name-prefix\n        - extra-\n"
        )),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("kind: DaemonSet") && r.stdout.contains(IMAGE));
    assert!(
        w.kube.requests_matching("PATCH", "/").is_empty(),
        "a dry run applies nothing"
    );

    let r = install(&w, &["--wait", "10s"]);
    assert!(!r.ok);
    assert!(
        r.stderr
            .contains("--image IMAGE or set SPOTINST_AKS_ENGINE_IMAGE"),
        "{}",
        r.stderr
    );

    let mut cmd = spot_cmd(&w.spot);
    cmd.env("SPOTINST_AKS_ENGINE_IMAGE", IMAGE)
        .args(["node-agent", "install", "--wait", "10s", "-o"])
        .arg(&w.work.dir);
    let first = run(cmd);
    assert!(first.ok, "{}", first.stderr);
    assert_eq!(
        first.stdout,
        format!(
            "node agent rolled out in namespace spot-node-agent (VM name prefixes: {PREFIX})\n"
        )
    );
    let before: Vec<(String, Value)> = w
        .kube
        .object_paths()
        .into_iter()
        .filter(|p| p.contains("spot-node-agent"))
        .map(|p| (p.clone(), w.kube.object(&p).unwrap()))
        .collect();
    assert_eq!(before.len(), 6);
    let again = install(&w, &["--image", IMAGE, "--wait", "0s"]);
    assert!(again.ok, "{}", again.stderr);
    assert!(
        again.stdout.contains("rollout not awaited"),
        "{}",
        again.stdout
    );
    for (path, old) in &before {
        let new = w.kube.object(path).unwrap();
        assert_eq!(new["spec"], old["spec"], "{path}");
        assert_eq!(
            new["metadata"]["generation"], old["metadata"]["generation"],
            "{path}"
        );
    }
    assert_eq!(
        w.kube.object(DEPLOYMENT).unwrap()["metadata"]["generation"],
        1
    );
}

#[test]
fn install_without_groups_needs_a_prefix_and_names_the_flags() {
    let r = run({
        let mut c = crate::common::bin();
        c.args(["node-agent", "install", "--image", IMAGE, "--dry-run"]);
        c
    });
    assert!(!r.ok);
    assert!(
        r.stderr.contains("pass --name-prefix PREFIX"),
        "{}",
        r.stderr
    );
    let r = run({
        let mut c = crate::common::bin();
        c.args([
            "node-agent",
            "install",
            "--image",
            IMAGE,
            "--name-prefix",
            "a b",
            "--dry-run",
        ]);
        c
    });
    assert!(!r.ok);
    assert!(r.stderr.contains("--name-prefix \"a b\""), "{}", r.stderr);
    let r = run({
        let mut c = crate::common::bin();
        c.args([
            "node-agent",
            "install",
            "--image",
            IMAGE,
            "--name-prefix",
            "p",
        ]);
        c
    });
    assert!(!r.ok);
    assert!(r.stderr.contains("pass --kubeconfig FILE"), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gc_once_with_the_cloud_provider_file_deletes_only_the_gone_vms_node() {
    let w = World::start(1).await;
    let c = w.arm.config().clone();
    w.arm.add_resource_group(RG, LOCATION);
    w.arm.add_vm(RG, &spot_vm(1));
    let since = (Utc::now() - chrono::TimeDelta::minutes(10)).to_rfc3339();
    for n in [0, 1] {
        let name = spot_vm(n);
        w.kube.put_object(
            &format!("/api/v1/nodes/{name}"),
            json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
                "spec": {"providerID": format!("azure:///subscriptions/{}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachines/{name}", c.subscription_id)},
                "status": {"conditions": [{"type": "Ready", "status": "Unknown", "lastTransitionTime": since}]}}),
        );
    }
    let azure_json = w.work.dir.join("azure.json");
    std::fs::write(
        &azure_json,
        json!({"cloud": "AzurePublicCloud", "tenantId": c.tenant_id, "subscriptionId": c.subscription_id,
            "aadClientId": c.client_id, "aadClientSecret": c.client_secret, "resourceGroup": RG,
            "useManagedIdentityExtension": false})
        .to_string(),
    )
    .unwrap();
    let mut cmd = crate::common::bin();
    cmd.env("AZURE_RESOURCE_MANAGER_URL", w.arm.url())
        .env("AZURE_AUTHORITY_HOST", w.arm.url())
        .args([
            "node-agent",
            "gc",
            "--once",
            "--name-prefix",
            "spotdemo-vm-",
            "--azure-json",
        ])
        .arg(&azure_json)
        .arg("--kubeconfig")
        .arg(w.kubeconfig());
    let r = run(cmd);
    assert!(r.ok, "{}", r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "deleted node {}: its VM no longer exists",
            spot_vm(0)
        )),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(&format!(
            "left node {}: not Ready, but its VM exists",
            spot_vm(1)
        )),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .ends_with("1 node(s) deleted, 1 left, 2 not candidates\n"),
        "{}",
        r.stdout
    );
    assert!(w.node(&spot_vm(0)).is_none());
    assert!(w.node(&spot_vm(1)).is_some());
    assert!(
        !r.stderr.contains(&c.client_secret),
        "the secret never shows"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preempt_drains_on_its_own_vms_event_and_stops_on_sigterm() {
    let w = World::start(1).await;
    let node = spot_vm(0);
    w.join(0, true);
    w.kube.add_pod(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "shop",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "u", "controller": true}]},
        "spec": {"nodeName": node, "containers": []}, "status": {"phase": "Running"}}));
    let imds = ImdsServer::start(ImdsServerConfig {
        vm_name: node.clone(),
    })
    .await;
    let not_before = (Utc::now() + chrono::TimeDelta::seconds(30))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    imds.add_event("ev-1", "Preempt", &[&node], &not_before);
    let child = crate::common::spawnable_bin()
        .env("NODE_NAME", &node)
        .args([
            "-v",
            "node-agent",
            "preempt",
            "--metrics-addr",
            "127.0.0.1:0",
            "--imds-url",
            &imds.url(),
            "--kubeconfig",
        ])
        .arg(w.kubeconfig())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while w
        .kube
        .requests_matching("POST", "/pods/web/eviction")
        .is_empty()
    {
        assert!(Instant::now() < deadline, "no eviction");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(w.cordoned(&node));
    assert!(
        stderr.contains("scheduled event ev-1 (Preempt) evicts this VM"),
        "{stderr}"
    );
    assert!(imds.requests_matching(Some("POST"), "/metadata").is_empty());
}
