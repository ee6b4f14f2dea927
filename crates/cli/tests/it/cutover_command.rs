//! `cutover` end to end: the real binary against local Spot, Kubernetes and ARM servers.

use serde_json::{Value, json};

use crate::cutover_world::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cutover_drains_the_aks_engine_nodes_and_retires_their_scale_set() {
    let w = World::start(2).await;
    w.join(0, true);
    w.join(1, true);
    w.kube.add_pod(replica_pod("shop", "web-1", SRC0, "web"));
    w.kube
        .add_pod(daemonset_pod("kube-system", "agent-a", SRC1));
    w.kube
        .add_pod(replica_pod("shop", "web-2", &spot_vm(0), "web"));
    w.kube.add_pdb("shop", "web-pdb", json!({"app": "web"}), 1);

    let out = run(w.cmd("cutover", &["--yes"])).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    for line in [
        "agentpool1: 2/2 Spot nodes Ready",
        &format!("cordoned {SRC0}"),
        &format!("cordoned {SRC1}"),
        "evicting shop/web-1",
        &format!("scaling {VMSS} to 0: Succeeded"),
        &format!("deleted node {SRC0}"),
    ] {
        assert!(stderr.lines().any(|l| l == line), "{line} in\n{stderr}");
    }
    assert_eq!(
        stdout,
        format!(
            "Cut over agentpool1\n  joined: agentpool1: 2/2 Spot nodes Ready\n  cordoned: {SRC0}, {SRC1}\n  evicted: shop/web-1\n  left running: kube-system/agent-a\n  scaled to 0: {RG}/{VMSS}\n  deleted nodes: {SRC0}, {SRC1}\n"
        )
    );
    assert_eq!(w.capacity(), 0);
    assert!(w.node(SRC0).is_none() && w.node(SRC1).is_none());
    assert!(w.node(&spot_vm(0)).is_some());
    assert!(
        w.kube
            .object("/api/v1/namespaces/shop/pods/web-2")
            .is_some()
    );
    let state = w.cutover_state();
    assert_eq!(state["pools"][0]["groupId"], w.group_id.as_str());
    assert_eq!(state["pools"][0]["scaleSet"], VMSS);
    assert_eq!(state["pools"][0]["resourceGroup"], RG);
    assert!(state["pools"][0]["retiredAt"].is_string(), "{state}");

    // Again: every step is recorded, nothing is touched; the scale set is read once (is it
    // ours, is it above 0 again).
    let writes = w.kube_writes().len();
    let reads = w.arm.requests_to(VMSS).len();
    let out = run(w.cmd("cutover", &["--yes", "--output", "json"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["report"]["skipped"],
        json!(["join", "cordon", "drain", "retire"])
    );
    assert_eq!(w.kube_writes().len(), writes);
    assert_eq!(w.arm_patches(), 1);
    assert_eq!(w.arm.requests_to(VMSS).len(), reads + 1);

    // status: the Spot VMs are Ready nodes, nothing is left of the scale set.
    let out = run(w.cmd("status", &[])).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.contains("; capacity target 2 (min 0, max 3); 2 Ready node(s)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("source scale set {VMSS}: no nodes left")),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_prints_the_plan_and_changes_nothing() {
    let w = World::start(2).await;
    w.join(0, true);
    w.kube.add_pod(replica_pod("shop", "web-1", SRC0, "web"));
    w.kube
        .add_pod(daemonset_pod("kube-system", "agent-a", SRC1));
    w.kube.add_pod(bare_pod("default", "debug", SRC1));
    w.kube.add_pdb("shop", "web-pdb", json!({"app": "web"}), 0);

    let out = run(w.cmd("cutover", &["--dry-run"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!(
            "Join (checked again in every run):\n  agentpool1: 1/2 Spot nodes Ready; not Ready nodes: spotdemo-vm-1 (not a node)\n\
             Cordon: {SRC0}, {SRC1}\n\
             Evict: shop/web-1\n\
             Leave running: kube-system/agent-a\n\
             Refused: default/debug on {SRC1} (not managed by a controller, needs --force)\n\
             Would block now: PodDisruptionBudget shop/web-pdb (allows 0 disruptions, 1 of 1 desired healthy) holds shop/web-1\n\
             Retire: {RG}/{VMSS} (pool agentpool1) to capacity 0, then delete its nodes: {SRC0}, {SRC1}\n"
        )
    );
    let out = run(w.cmd("cutover", &["--dry-run", "--force", "--output", "json"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["joins"][0]["target"], 2);
    assert_eq!(plan["scaleSets"][0]["scaleSet"], VMSS);
    assert!(w.kube_writes().is_empty(), "{:?}", w.kube_writes());
    assert!(w.arm.requests().is_empty());
    assert!(!w.work.dir.join("spot-cutover.json").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_yes_a_non_interactive_run_refuses() {
    let w = World::start(1).await;
    w.join(0, true);
    let out = run(w.cmd("cutover", &[])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: refusing to cut over without --yes when not interactive"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("scale set {RG}/{VMSS}")),
        "{stderr}"
    );
    assert!(w.kube_writes().is_empty());
    assert_eq!(w.arm_patches(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_timeout_names_the_vms_that_never_joined_and_touches_nothing() {
    let w = World::start(2).await;
    w.join(0, false);
    let out = run(w.cmd("cutover", &["--yes", "--join-timeout", "300ms"])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("agentpool1: 0/2 Spot nodes Ready"),
        "{stderr}"
    );
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains("did not all become Ready within")
            && errors[0].contains("nothing was changed")
            && errors[0].contains("spotdemo-vm-0 (node spotdemo-vm-0 NotReady)")
            && errors[0].contains("spotdemo-vm-1 (not a node)"),
        "{stderr}"
    );
    assert!(text(&out.stdout).is_empty());
    assert!(w.kube_writes().is_empty());
    assert_eq!(w.capacity(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_budget_stops_the_drain_and_uncordons() {
    let w = World::start(1).await;
    w.join(0, true);
    w.kube.add_pod(replica_pod("shop", "web-1", SRC0, "web"));
    w.kube.add_pdb("shop", "web-pdb", json!({"app": "web"}), 0);
    let out = run(w.cmd("cutover", &["--yes", "--drain-timeout", "500ms"])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("eviction of shop/web-1 refused for now"),
        "{stderr}"
    );
    assert!(
        stderr.contains("PodDisruptionBudget shop/web-pdb")
            && stderr.contains("holds shop/web-1")
            && stderr.contains("the scale set was not scaled"),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("uncordoned {SRC0}")), "{stderr}");
    assert!(!w.cordoned(SRC0) && !w.cordoned(SRC1));
    assert_eq!(w.capacity(), 2);
    assert_eq!(w.arm_patches(), 0);
    assert!(
        w.kube
            .object("/api/v1/namespaces/shop/pods/web-1")
            .is_some()
    );

    // The budget allows it now: a re-run checks the join again, then finishes.
    w.kube.set_pdb_disruptions_allowed("shop", "web-pdb", 1);
    let out = run(w.cmd("cutover", &["--yes"])).await;
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l == "agentpool1: 1/1 Spot nodes Ready"),
        "{stderr}"
    );
    assert!(!stderr.contains("join: done by an earlier run"), "{stderr}");
    assert_eq!(w.capacity(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_pool_or_a_missing_kubeconfig_is_refused_up_front() {
    let w = World::start(1).await;
    let out = run(w.cmd("cutover", &["--yes", "--pool", "nope"])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("pool nope is not among the imported pools (agentpool1)"),
        "{stderr}"
    );
    std::fs::remove_file(w.kubeconfig()).unwrap();
    let out = run(w.cmd("cutover", &["--yes"])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("pass --kubeconfig"), "{stderr}");
    assert!(w.kube_writes().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_no_controller_manages_is_refused_before_anything_is_cordoned() {
    let w = World::start(1).await;
    w.join(0, true);
    w.kube.add_pod(bare_pod("default", "debug", SRC1));
    let out = run(w.cmd("cutover", &["--yes"])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: refusing to drain: default/debug on {SRC1} (not managed by a controller, needs --force)"
        )),
        "{stderr}"
    );
    assert!(w.kube_writes().is_empty(), "{:?}", w.kube_writes());
    assert_eq!(w.capacity(), 2);

    // --force accepts it.
    let out = run(w.cmd("cutover", &["--yes", "--force"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("evicted: default/debug"));
    assert_eq!(w.capacity(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_after_cordoning_resumes_at_the_drain() {
    let w = World::start(1).await;
    // What a run killed right after the cordon step leaves: the record and a cordoned node. The
    // join is checked again (a recorded one proves nothing now), the cordon is not redone.
    w.join(0, true);
    w.kube.add_pod(replica_pod("shop", "web-1", SRC0, "web"));
    let mut node = w.node(SRC0).unwrap();
    node["spec"]["unschedulable"] = Value::Bool(true);
    w.kube.put_object(&format!("/api/v1/nodes/{SRC0}"), node);
    let mut node = w.node(SRC1).unwrap();
    node["spec"]["unschedulable"] = Value::Bool(true);
    w.kube.put_object(&format!("/api/v1/nodes/{SRC1}"), node);
    let state = json!({"version": 1, "pools": [{
        "pool": "agentpool1", "groupId": w.group_id, "scaleSet": VMSS, "resourceGroup": RG,
        "joinedAt": "2026-12-06T03:00:00Z", "cordoned": [SRC0, SRC1],
        "cordonedAt": "2026-12-06T03:00:01Z"}]});
    std::fs::write(
        w.work.dir.join("spot-cutover.json"),
        serde_json::to_string_pretty(&state).unwrap(),
    )
    .unwrap();

    let out = run(w.cmd("cutover", &["--yes"])).await;
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    for line in [
        "join: started",
        "agentpool1: 1/1 Spot nodes Ready",
        "cordon: done by an earlier run",
        "evicting shop/web-1",
    ] {
        assert!(stderr.lines().any(|l| l == line), "{line} in\n{stderr}");
    }
    assert!(
        w.kube.requests().iter().all(|r| r.method != "PATCH"),
        "no cordon redone"
    );
    assert_eq!(w.capacity(), 0);
    assert!(w.node(SRC0).is_none());
}
