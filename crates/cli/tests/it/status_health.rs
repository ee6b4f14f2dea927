//! `status` with Kubernetes' view: which Spot VMs are Ready nodes, the exit code by
//! `--join-grace`, the source scale set's nodes, and an unknown health (exit 3), never a healthy
//! one, when Kubernetes or Spot could not be asked.

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
    assert_eq!(doc["health"], "unhealthy");
    assert_eq!(doc["joinGraceSeconds"], 600);
    assert_eq!(doc["kubernetes"]["nodesChecked"], true);
    assert_eq!(doc["kubernetes"]["error"], Value::Null);
    let g = &doc["groups"][0];
    assert_eq!(g["health"], "unhealthy");
    assert_eq!(g["capacity"]["target"], 3);
    assert_eq!(g["scaleSet"], VMSS);
    assert_eq!(g["errors"], serde_json::json!([]));
    let vms = g["vms"].as_array().unwrap();
    assert_eq!(vms[0]["vmName"], "spotdemo-vm-0");
    assert_eq!(vms[0]["privateIp"], "10.240.0.10");
    assert_eq!(vms[0]["nodeHealth"], "ready");
    assert_eq!(vms[1]["nodeHealth"], "notReady");
    assert_eq!(vms[2]["nodeHealth"], "notANode");
    assert_eq!(vms[2]["overdue"], true);
    assert_eq!(g["sourceNodes"][0]["name"], SRC0);
    assert_eq!(g["sourceNodes"][0]["cordoned"], false);
}

/// A v2 group: each instance's Node is the one listing its private IP as InternalIP, whatever
/// its name; a Node named after the instance id is not it; an address two Nodes list leaves that
/// instance's node unknown (never a guess).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_finds_v2_instances_by_private_ip() {
    let w = World::start_as(3, "v2").await;
    let id = |n: u32| {
        format!(
            "azure:///subscriptions/{}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachines/k8s-agentpool1-spot-{n}",
            w.arm.config().subscription_id
        )
    };
    w.kube.add_node_at(
        "k8s-agentpool1-spot-0",
        Some(&id(0)),
        Some("10.240.0.10"),
        true,
    );
    // Named after instance 1, at no address of it: not its Node.
    w.kube.add_node(&v2_instance(1), None, true);
    w.kube.add_node_at(
        "k8s-agentpool1-spot-2",
        Some(&id(2)),
        Some("10.240.0.12"),
        true,
    );
    w.kube.add_node_at(
        "k8s-agentpool1-spot-9",
        Some(&id(9)),
        Some("10.240.0.12"),
        false,
    );

    let out = run(w.cmd("status", &["--output", "json"])).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let g = &doc["groups"][0];
    assert_eq!(g["generation"], "v2");
    let vms = g["vms"].as_array().unwrap();
    assert_eq!(vms[0]["vmName"], v2_instance(0));
    assert_eq!(vms[0]["node"], "k8s-agentpool1-spot-0");
    assert_eq!(vms[0]["nodeHealth"], "ready");
    assert_eq!(vms[1]["nodeHealth"], "notANode");
    assert_eq!(vms[1]["overdue"], true);
    assert_eq!(vms[2]["nodeHealth"], "unknown");
    assert_eq!(vms[2]["node"], Value::Null);
    assert_eq!(
        vms[2]["unmatched"],
        "its private IP 10.240.0.12 is the InternalIP of Nodes k8s-agentpool1-spot-2, k8s-agentpool1-spot-9"
    );
    assert_eq!(vms[0].get("unmatched"), None);

    let out = run(w.cmd("status", &[])).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        stdout.contains("1 Ready node(s)") && stdout.contains("Ready (k8s-agentpool1-spot-0)"),
        "{stdout}"
    );
    assert!(
        stderr.contains(&format!(
            "agent pool `agentpool1`: the Node of {} cannot be told (health unknown): its private IP 10.240.0.12",
            v2_instance(2)
        )),
        "{stderr}"
    );

    // Without the overdue instance the pool is unknown, never healthy: exit 3.
    let items: Vec<Value> = [0_u32, 2]
        .iter()
        .map(|&n| {
            serde_json::json!({"instanceId": v2_instance(n), "vmSize": "standard_d2_v2",
                "lifeCycle": "low-priority", "privateIp": format!("10.240.0.{}", n + 10),
                "state": "running", "createdAt": "2026-01-01T00:00:00.000Z"})
        })
        .collect();
    w.spot.set_group_vms(&w.group_id, items);
    let out = run(w.cmd("status", &[])).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
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
async fn without_a_kubeconfig_status_shows_spots_view_and_an_unknown_health() {
    let w = World::start(2).await;
    std::fs::remove_file(w.kubeconfig()).unwrap();
    let out = run(w.cmd("status", &[])).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(
            "error: the nodes were not checked (health unknown; Spot's view only): no kubeconfig in"
        ) && stderr.contains("pass --kubeconfig"),
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
    assert_eq!(out.status.code(), Some(3));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["kubernetes"]["nodesChecked"], false);
    assert!(
        doc["kubernetes"]["error"]
            .as_str()
            .unwrap()
            .starts_with("no kubeconfig in"),
        "{doc}"
    );
    assert_eq!(doc["health"], "unknown");
    assert_eq!(doc["groups"][0]["health"], "unknown");
    assert_eq!(doc["groups"][0]["vms"][0]["nodeHealth"], "unknown");
    assert_eq!(doc["groups"][0]["sourceNodes"], Value::Null);

    // An output directory that cannot be read: its kubeconfig is not known either.
    let model = w.work.dir.join("apimodel.json");
    let saved = std::fs::read(&model).unwrap();
    std::fs::remove_file(&model).unwrap();
    let out = run(w.cmd("status", &["--output", "json"])).await;
    assert_eq!(out.status.code(), Some(3));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let error = doc["kubernetes"]["error"].as_str().unwrap();
    assert!(
        error.starts_with("no --kubeconfig, and the output directory cannot be read: "),
        "{error}"
    );
    assert_eq!(doc["groups"][0]["scaleSet"], Value::Null);
    std::fs::write(&model, saved).unwrap();

    // A --kubeconfig that is no file: status cannot run as asked (3), nothing on stdout.
    let missing = w.work.dir.join("nope.json");
    let out = run(w.cmd("status", &["--kubeconfig", missing.to_str().unwrap()])).await;
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        text(&out.stderr).trim_end(),
        format!("error: --kubeconfig {}: no such file", missing.display())
    );
    assert!(out.stdout.is_empty());
}

/// `status --output json` through the directory's kubeconfig, with its exit code.
async fn status_json(w: &World, args: &[&str]) -> (Option<i32>, Value, String) {
    let mut all = vec!["--output", "json"];
    all.extend_from_slice(args);
    let out = run(w.cmd("status", &all)).await;
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)));
    (out.status.code(), doc, text(&out.stderr))
}

/// Every Spot VM a Ready node: healthy, exit 0 (the baseline the cases below break).
async fn healthy_world() -> World {
    let w = World::start(2).await;
    w.join(0, true);
    w.join(1, true);
    let (code, doc, stderr) = status_json(&w, &[]).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(doc["health"], "healthy");
    assert_eq!(doc["groups"][0]["health"], "healthy");
    assert!(stderr.is_empty(), "{stderr}");
    w
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_answering_401_leaves_the_health_unknown() {
    let w = healthy_world().await;
    // The directory's kubeconfig with a token the API server refuses.
    let refused = w
        .kube
        .kubeconfig_json()
        .replace("test-kube-token", "expired-token");
    std::fs::write(w.kubeconfig(), &refused).unwrap();
    let (code, doc, stderr) = status_json(&w, &[]).await;
    assert_eq!(code, Some(3), "{stderr}");
    assert_eq!(doc["health"], "unknown");
    assert_eq!(doc["groups"][0]["health"], "unknown");
    assert_eq!(doc["kubernetes"]["nodesChecked"], false);
    let error = doc["kubernetes"]["error"].as_str().unwrap();
    assert!(error.contains("(HTTP 401)"), "{error}");
    assert!(
        error.contains(&w.kubeconfig().display().to_string()),
        "{error}"
    );
    assert_eq!(doc["groups"][0]["vms"][0]["nodeHealth"], "unknown");
    assert!(stderr.contains("(HTTP 401)"), "{stderr}");

    // The same through an explicit --kubeconfig.
    let given = w.work.dir.join("given.json");
    std::fs::write(&given, &refused).unwrap();
    let (code, doc, _) = status_json(&w, &["--kubeconfig", given.to_str().unwrap()]).await;
    assert_eq!(code, Some(3));
    assert_eq!(doc["health"], "unknown");
    assert_eq!(doc["kubernetes"]["kubeconfig"], given.to_str().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_cluster_leaves_the_health_unknown() {
    let w = healthy_world().await;
    // A port bound, then closed: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let closed = w
        .kube
        .kubeconfig_json()
        .replace(&w.kube.url(), &format!("http://127.0.0.1:{port}"));
    std::fs::write(w.kubeconfig(), closed).unwrap();
    let (code, doc, stderr) = status_json(&w, &[]).await;
    assert_eq!(code, Some(3), "{stderr}");
    assert_eq!(doc["health"], "unknown");
    assert_eq!(doc["groups"][0]["health"], "unknown");
    assert_eq!(doc["kubernetes"]["nodesChecked"], false);
    assert!(
        doc["kubernetes"]["error"]
            .as_str()
            .unwrap()
            .contains("listing nodes"),
        "{doc}"
    );
    // Text: Spot's view, the reason on stderr.
    let out = run(w.cmd("status", &[])).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("error: the nodes were not checked"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_spot_cannot_be_asked_about_leaves_the_health_unknown() {
    let w = healthy_world().await;
    let id = w.group_id.clone();
    // Its status (the VMs) refused.
    w.spot.inject(
        "GET",
        &format!("/azure/compute/group/{id}/status"),
        test_support::spot_server::Fault::error(403, "FORBIDDEN", "not allowed", None),
    );
    let (code, doc, stderr) = status_json(&w, &[]).await;
    assert_eq!(code, Some(3), "{stderr}");
    assert_eq!(doc["health"], "unknown");
    let g = &doc["groups"][0];
    assert_eq!(g["health"], "unknown");
    assert_eq!(g["vms"], serde_json::json!([]));
    let errors = g["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{g}");
    assert!(
        errors[0]
            .as_str()
            .unwrap()
            .starts_with(&format!("status of Spot Elastigroup {id}: "))
            && errors[0].as_str().unwrap().contains("FORBIDDEN"),
        "{g}"
    );
    assert!(
        stderr.contains(&format!(
            "error: agent pool `agentpool1`: status of Spot Elastigroup {id}"
        )),
        "{stderr}"
    );

    // The group itself (its capacity) refused: the nodes are fine, the health still unknown.
    w.spot.inject(
        "GET",
        &format!("/azure/compute/group/{id}"),
        test_support::spot_server::Fault::error(403, "FORBIDDEN", "not allowed", None),
    );
    let (code, doc, stderr) = status_json(&w, &[]).await;
    assert_eq!(code, Some(3), "{stderr}");
    let g = &doc["groups"][0];
    assert_eq!(g["health"], "unknown");
    assert_eq!(g["capacity"], Value::Null);
    assert_eq!(g["vms"][0]["nodeHealth"], "ready");
    assert!(
        g["errors"][0]
            .as_str()
            .unwrap()
            .starts_with(&format!("reading Spot Elastigroup {id}: ")),
        "{g}"
    );
}
