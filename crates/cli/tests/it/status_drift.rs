//! `status` shows drift: Spot nodes on another kubelet than the cluster's version, VMs started
//! before the group's last update, a cut-over pool's scale set above 0 again (read through ARM;
//! unknown, never healthy, without Azure credentials).

use serde_json::{Value, json};

use crate::cutover_world::*;

/// Every Spot VM a Ready node.
async fn joined() -> World {
    let w = World::start(2).await;
    w.join(0, true);
    w.join(1, true);
    w
}

/// `status --output json` with its exit code and stderr; `azure`: with Azure credentials.
async fn status(w: &World, azure: bool) -> (Option<i32>, Value, String) {
    let mut cmd = w.cmd("status", &["--output", "json"]);
    if !azure {
        cmd.env_remove("AZURE_CLIENT_ID")
            .env_remove("AZURE_CLIENT_SECRET");
    }
    let out = run(cmd).await;
    let stderr = text(&out.stderr);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (out.status.code(), doc, stderr)
}

fn kinds(doc: &Value) -> Vec<String> {
    doc["groups"][0]["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// A Node's `status.nodeInfo.kubeletVersion`.
fn set_kubelet(w: &World, node: &str, version: &str) {
    let mut n = w.node(node).unwrap();
    n["status"]["nodeInfo"] = json!({"kubeletVersion": version});
    w.kube.put_object(&format!("/api/v1/nodes/{node}"), n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spot_nodes_on_another_kubelet_version_are_drift() {
    let w = joined().await;
    // examples/demo-cluster is 1.16.4: `v1.16.4` is the same version.
    set_kubelet(&w, &spot_vm(0), "v1.16.4");
    set_kubelet(&w, &spot_vm(1), "v1.16.4");
    // A source node on another version is not the group's.
    set_kubelet(&w, SRC0, "v1.15.12");
    let (code, doc, stderr) = status(&w, true).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(doc["groups"][0]["drift"], json!([]));
    assert_eq!(doc["groups"][0]["driftUnchecked"], json!([]));

    set_kubelet(&w, &spot_vm(1), "v1.15.12");
    let (code, doc, stderr) = status(&w, true).await;
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(doc["health"], "unhealthy");
    assert_eq!(kinds(&doc), ["kubeletVersion"]);
    let d = &doc["groups"][0]["drift"][0];
    assert_eq!(d["vm"], spot_vm(1));
    assert_eq!(d["remedy"], "run `sync`");
    assert!(
        stderr.contains(&format!(
            "error: agent pool `agentpool1`: drift: node {} runs kubelet v1.15.12, the cluster is 1.16.4",
            spot_vm(1)
        )) && stderr.contains(": run `sync`"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vms_started_before_the_groups_last_update_are_drift() {
    let w = joined().await;
    let path = w.work.dir.join("spot-elastigroups.json");
    let mut state: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(state["groups"][0].is_object(), "a group record: {state}");
    // The VMs were created 2026-01-01.
    state["groups"][0]["updatedAt"] = json!("2025-12-01T00:00:00Z");
    std::fs::write(&path, serde_json::to_string(&state).unwrap()).unwrap();
    let (code, doc, stderr) = status(&w, true).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(doc["groups"][0]["drift"], json!([]));

    let mut state: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    state["groups"][0]["updatedAt"] = json!("2026-06-01T00:00:00Z");
    std::fs::write(&path, serde_json::to_string(&state).unwrap()).unwrap();
    let (code, doc, stderr) = status(&w, true).await;
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(kinds(&doc), ["vmBeforeUpdate", "vmBeforeUpdate"]);
    assert_eq!(doc["groups"][0]["drift"][0]["vm"], spot_vm(0));
    assert!(
        stderr.contains("before the group's update at 2026-06-01T00:00:00+00:00: run `sync`"),
        "{stderr}"
    );

    // The text output says it too, with the same exit code.
    let out = run(w.cmd("status", &[])).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("drift: VM spotdemo-vm-1 was started at"));
}

/// Records the pool as cut over (its scale set retired) in `spot-cutover.json`.
fn record_cutover(w: &World) {
    let done = "2026-06-01T00:00:00Z";
    let doc = json!({"version": 1, "pools": [{"pool": "agentpool1", "groupId": w.group_id,
        "scaleSet": VMSS, "resourceGroup": RG, "joinedAt": done, "cordonedAt": done,
        "drainedAt": done, "scaledToZeroAt": done, "retiredAt": done}]});
    std::fs::write(w.work.dir.join("spot-cutover.json"), doc.to_string()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retired_scale_set_above_zero_is_drift_and_unknown_without_azure() {
    let w = joined().await;
    // Not cut over: no Azure needed, healthy without credentials, ARM never asked.
    let (code, doc, stderr) = status(&w, false).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(doc["groups"][0]["driftUnchecked"], json!([]));
    assert!(w.arm.requests_to(VMSS).is_empty());

    record_cutover(&w);
    // The scale set (2 instances in the ARM server) came back: drift, read by its full id.
    let (code, doc, stderr) = status(&w, true).await;
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(kinds(&doc), ["scaleSetRevived"]);
    let d = &doc["groups"][0]["drift"][0];
    assert_eq!(d["remedy"], "run `sync` or `cutover`");
    let id = format!(
        "/subscriptions/{}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{VMSS}",
        w.arm.config().subscription_id
    );
    assert!(d["detail"].as_str().unwrap().contains(&id), "{d}");
    assert!(stderr.contains("has 2 instance(s) again"), "{stderr}");
    assert!(stderr.contains("run `sync` or `cutover`"), "{stderr}");
    assert!(
        w.arm.requests_to(VMSS).iter().all(|r| r.method == "GET"),
        "status changes nothing"
    );

    // Without Azure credentials (the Azure CLI's, the last resort, gets no token either) the
    // check is unknown (3), never a pass.
    let (code, doc, stderr) = status(&w, false).await;
    assert_eq!(code, Some(3), "{stderr}");
    assert_eq!(doc["health"], "unknown");
    assert_eq!(doc["groups"][0]["drift"], json!([]));
    let u = &doc["groups"][0]["driftUnchecked"][0];
    assert_eq!(u["kind"], "scaleSetRevived");
    assert!(
        u["reason"]
            .as_str()
            .unwrap()
            .starts_with(&format!("reading scale set {id}: ")),
        "{u}"
    );
    assert!(
        stderr.contains("agent pool `agentpool1`: drift not checked (health unknown): "),
        "{stderr}"
    );

    // Back at 0: healthy.
    w.arm
        .add_agent_pool_scale_set(RG, VMSS, LOCATION, 0, "agentpool1", "31415926");
    let (code, doc, stderr) = status(&w, true).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(doc["groups"][0]["drift"], json!([]));
}
