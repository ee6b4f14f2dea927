//! `status` with Kubernetes' view: which Spot VMs are Ready nodes, the exit code by
//! `--join-grace`, the source scale set's nodes, and Spot's view when there is no kubeconfig.

use serde_json::Value;

use crate::cutover_world::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_each_vm_as_a_node_and_fails_on_overdue_vms() {
    let w = World::start(3).await;
    w.join(0, true);
    w.join(1, false);
    // spotdemo-vm-2 never joined; all three were created long ago.
    let out = run(w.cmd("status", &[])).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "agentpool1: Spot Elastigroup {} (spotdemo-agentpool1, v3): ready, 3 VM(s); capacity target 3 (min 0, max 3); 1 Ready node(s)",
            w.group_id
        ),
        "{stdout}"
    );
    assert!(
        lines[1].split_whitespace().eq([
            "VM",
            "SIZE",
            "LIFECYCLE",
            "PRIVATE",
            "IP",
            "STATE",
            "NODE",
            "AGE"
        ]),
        "{stdout}"
    );
    let cells = |i: usize| {
        lines[i]
            .split("  ")
            .filter(|c| !c.is_empty())
            .map(str::trim)
            .collect::<Vec<_>>()
    };
    assert_eq!(cells(2)[0], "spotdemo-vm-0");
    assert_eq!(cells(2)[5], "Ready");
    assert_eq!(cells(3)[5], "NotReady (overdue)");
    assert_eq!(cells(4)[5], "not a node (overdue)");
    assert!(cells(4)[6].ends_with('m'), "an age in hours: {stdout}");
    assert_eq!(
        lines[5],
        format!("  source scale set {VMSS}: 2 node(s) left: {SRC0}, {SRC1}")
    );
    assert!(
        stderr.contains("error: agent pool `agentpool1`: VM spotdemo-vm-2 is not a node (")
            && stderr.contains("--join-grace 10m00s)"),
        "{stderr}"
    );

    // A grace longer than their age: not overdue, exit 0.
    let out = run(w.cmd("status", &["--join-grace", "100000h"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stdout).contains("overdue"));

    // JSON carries the same.
    let out = run(w.cmd("status", &["--output", "json"])).await;
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["healthy"], false);
    assert_eq!(doc["joinGraceSeconds"], 600);
    assert_eq!(doc["kubernetes"]["nodesChecked"], true);
    let g = &doc["groups"][0];
    assert_eq!(g["capacity"]["target"], 3);
    assert_eq!(g["scaleSet"], VMSS);
    assert_eq!(g["vms"][0]["privateIp"], "10.240.0.10");
    let vms = g["health"]["vms"].as_array().unwrap();
    assert_eq!(vms[0]["health"], "ready");
    assert_eq!(vms[1]["health"], "notReady");
    assert_eq!(vms[2]["health"], "notANode");
    assert_eq!(vms[2]["overdue"], true);
    assert_eq!(g["health"]["sourceNodes"][0]["name"], SRC0);
    assert_eq!(g["health"]["sourceNodes"][0]["cordoned"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_cordoned_source_nodes() {
    let w = World::start(1).await;
    w.join(0, true);
    let mut node = w.node(SRC1).unwrap();
    node["spec"]["unschedulable"] = Value::Bool(true);
    w.kube.put_object(&format!("/api/v1/nodes/{SRC1}"), node);
    let out = run(w.cmd("status", &[])).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains(&format!(
            "source scale set {VMSS}: 2 node(s) left: {SRC0}, {SRC1} (cordoned)"
        )),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_kubeconfig_status_says_so_and_shows_spots_view() {
    let w = World::start(2).await;
    std::fs::remove_file(w.kubeconfig()).unwrap();
    let out = run(w.cmd("status", &[])).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("note: no kubeconfig in") && stderr.contains("pass --kubeconfig"),
        "{stderr}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "agentpool1: Spot Elastigroup {} (spotdemo-agentpool1, v3): ready, 2 VM(s)",
            w.group_id
        )
    );
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(w.kube.requests().is_empty());

    let out = run(w.cmd("status", &["--output", "json"])).await;
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["kubernetes"]["nodesChecked"], false);
    assert_eq!(doc["healthy"], true);
    assert_eq!(doc["groups"][0]["health"]["vms"][0]["health"], "unknown");
    assert_eq!(doc["groups"][0]["health"]["sourceNodes"], Value::Null);

    // An explicit --kubeconfig must work.
    let missing = w.work.dir.join("nope.json");
    let out = run(w.cmd("status", &["--kubeconfig", missing.to_str().unwrap()])).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--kubeconfig"),
        "{}",
        text(&out.stderr)
    );
}
