//! `sync` step 5 against local Spot, Kubernetes and ARM servers: a scale set the cutover retired
//! that `aks-engine upgrade` re-deployed above 0 is cut over again (its nodes drained, the scale
//! set back at 0, the reason said, the state file recording it); at 0 nothing is written; the dry
//! run changes nothing; `--output json` carries it; another cluster's scale set is refused
//! before anything is cordoned; without Azure credentials it is an error, not a skipped check.

use serde_json::{Value, json};

use crate::cutover_world::*;

/// Imported, cut over (the scale set retired, its nodes gone), a pod on a Spot node.
async fn cut_over() -> World {
    let w = World::start(2).await;
    w.join(0, true);
    w.join(1, true);
    w.kube.add_pod(replica_pod("shop", "web-1", SRC0, "web"));
    let out = run(w.cmd("cutover", &["--yes"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(w.capacity(), 0);
    assert_eq!(w.arm_patches(), 1);
    w
}

/// What `aks-engine upgrade` does to a retired scale set: re-deployed with the apimodel's count
/// (2), its instances registered as nodes, a pod scheduled on one.
fn upgrade_redeploys(w: &World) {
    w.arm
        .add_agent_pool_scale_set(RG, VMSS, LOCATION, 2, "agentpool1", "31415926");
    w.kube.add_node(SRC0, Some(&w.vmss_provider_id(0)), true);
    w.kube.add_node(SRC1, Some(&w.vmss_provider_id(1)), true);
    w.kube.add_pod(replica_pod("shop", "web-2", SRC1, "web"));
}

/// `sync -o DIR ARGS...` (the example's templates are its model's: no `aks-engine generate`).
fn sync(w: &World, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = w.cmd("sync", args);
    cmd.args(["--poll-interval", "50ms", "--join-timeout", "20s"]);
    cmd
}

/// Runs `cmd`, which must exit with code 1 (refused, or failed before any change): its stderr.
async fn refused(cmd: assert_cmd::Command) -> String {
    let out = run(cmd).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    stderr
}

fn why() -> String {
    format!(
        "agentpool1: its scale set {VMSS} is at 2 again (aks-engine upgrade re-deployed it): cutting it over again"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_cuts_a_scale_set_the_upgrade_brought_back_over_again() {
    let w = cut_over().await;
    // The first cutover's record dated long ago: the times are to the second, so a new
    // retire is told from it whatever the clock says.
    let retired_before = json!("2026-01-01T00:00:00Z");
    let mut state = w.cutover_state();
    for step in [
        "joinedAt",
        "cordonedAt",
        "drainedAt",
        "scaledToZeroAt",
        "retiredAt",
    ] {
        state["pools"][0][step] = retired_before.clone();
    }
    std::fs::write(
        w.work.dir.join("spot-cutover.json"),
        serde_json::to_string_pretty(&state).unwrap(),
    )
    .unwrap();

    // At 0: the scale set is read, nothing is written to it nor to the cluster (the group is
    // updated: the live size catalog of the local ARM server offers fewer sizes).
    let writes = w.kube_writes().len();
    let reads = w.arm.requests_to(VMSS).len();
    let out = run(sync(&w, &["--yes", "--no-roll"])).await;
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("again"), "{stderr}");
    assert_eq!(w.arm_patches(), 1, "no ARM write");
    assert_eq!(w.arm.requests_to(VMSS).len(), reads + 1, "one read");
    assert_eq!(w.kube_writes().len(), writes);
    let puts = w.spot.requests_matching("PUT", "/").len();

    // The upgrade re-deployed it at 2. Up to date groups: the confirmation is step 5's own.
    upgrade_redeploys(&w);
    let writes = w.kube_writes().len();
    let stderr = refused(sync(&w, &["--no-roll"])).await;
    assert!(
        stderr.contains("error: refusing to cut over without --yes when not interactive"),
        "{stderr}"
    );
    assert!(stderr.contains(&why()), "{stderr}");
    assert_eq!((w.capacity(), w.kube_writes().len()), (2, writes));

    // With --yes: its nodes drained, back at 0, said why, recorded.
    let out = run(sync(&w, &["--yes", "--no-roll"])).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.lines().any(|l| l == why()), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cordon and drain the nodes of scale set {RG}/{VMSS}, then scale it to 0"
        )),
        "{stderr}"
    );
    for line in [
        &format!("cordoned {SRC0}"),
        "evicting shop/web-2",
        &format!("scaling {VMSS} to 0: Succeeded"),
        &format!("deleted node {SRC1}"),
    ] {
        assert!(stderr.lines().any(|l| l == line), "{line} in\n{stderr}");
    }
    assert!(stdout.contains("is up to date"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "Cut over agentpool1\n  joined: agentpool1: 2/2 Spot nodes Ready\n  cordoned: {SRC0}, {SRC1}\n  evicted: shop/web-2\n"
        )),
        "{stdout}"
    );
    assert_eq!(w.capacity(), 0);
    assert_eq!(w.arm_patches(), 2);
    assert!(w.node(SRC0).is_none() && w.node(SRC1).is_none());
    assert!(
        w.kube
            .object("/api/v1/namespaces/shop/pods/web-2")
            .is_none()
    );
    let pool = &w.cutover_state()["pools"][0];
    assert!(pool["retiredAt"].is_string(), "{pool}");
    assert_ne!(pool["retiredAt"], retired_before, "{pool}");
    assert_eq!(w.spot.requests_matching("PUT", "/").len(), puts);

    // Again: back at 0, nothing written.
    let writes = w.kube_writes().len();
    let out = run(sync(&w, &["--yes", "--no-roll"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!((w.arm_patches(), w.kube_writes().len()), (2, writes));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dry_run_and_json_carry_the_revived_scale_set() {
    let w = cut_over().await;
    upgrade_redeploys(&w);
    let state_before = w.cutover_state();
    let writes = w.kube_writes().len();

    let out = run(sync(&w, &["--dry-run"])).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.contains(&format!(
            "agentpool1: its scale set {VMSS} is at 2 again (aks-engine upgrade re-deployed it): a sync without --dry-run cuts it over again:\n  agentpool1: once Spot group {} has its nodes Ready, cordon and drain the nodes of scale set {RG}/{VMSS}, then scale it to 0\n",
            w.group_id
        )),
        "{stdout}"
    );
    let out = run(sync(&w, &["--dry-run", "--output", "json"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = format!(
        "/subscriptions/{}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{VMSS}",
        w.arm.config().subscription_id
    );
    assert_eq!(
        doc["revived"],
        json!([{"pool": "agentpool1", "scaleSet": VMSS, "scaleSetId": id, "capacity": 2,
            "outcome": "wouldCutOver"}])
    );
    // Nothing changed.
    assert_eq!(w.capacity(), 2);
    assert_eq!(w.arm_patches(), 1);
    assert_eq!(w.kube_writes().len(), writes);
    assert_eq!(w.cutover_state(), state_before);

    // Without --yes and without a terminal: refused, nothing changed.
    let stderr = refused(sync(&w, &["--no-roll"])).await;
    assert!(
        stderr.contains(
            "refusing to update Elastigroups and cut over without --yes when not interactive"
        ),
        "{stderr}"
    );
    assert!(stderr.contains(&why()), "{stderr}");
    assert_eq!((w.capacity(), w.kube_writes().len()), (2, writes));

    // The real run's document.
    let out = run(sync(&w, &["--yes", "--no-roll", "--output", "json"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let revived = &doc["revived"][0];
    assert_eq!(revived["outcome"], "cutOver", "{doc}");
    assert_eq!(revived["scaleSetId"], id.as_str());
    assert_eq!(revived["capacity"], 2);
    assert_eq!(revived["report"]["cordoned"], json!([SRC0, SRC1]));
    assert_eq!(
        revived["report"]["scaledToZero"],
        json!([format!("{RG}/{VMSS}")])
    );
    assert_eq!(doc["groups"][0]["outcome"], "updated");
    assert_eq!(w.capacity(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_clusters_scale_set_is_refused_before_anything_is_cordoned() {
    let w = cut_over().await;
    upgrade_redeploys(&w);
    w.arm.set_scale_set_tags(
        RG,
        VMSS,
        json!({"poolName": "agentpool1", "resourceNameSuffix": "27182818"}),
    );
    let writes = w.kube_writes().len();
    let stderr = refused(sync(&w, &["--yes", "--no-roll"])).await;
    assert!(
        stderr.contains(
            "is not pool agentpool1's scale set of this cluster: tag resourceNameSuffix is `27182818`, expected `31415926`; nothing was changed"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("Azure credentials"), "{stderr}");
    assert!(!w.cordoned(SRC0) && !w.cordoned(SRC1));
    assert_eq!((w.kube_writes().len(), w.arm_patches()), (writes, 1));
    assert_eq!(w.capacity(), 2);
    assert!(w.spot.requests_matching("PUT", "/").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_azure_credentials_a_cut_over_pool_is_an_error_not_a_skip() {
    let w = cut_over().await;
    upgrade_redeploys(&w);
    let writes = w.kube_writes().len();
    let mut cmd = sync(&w, &["--yes", "--no-roll"]);
    // The Azure CLI's login, the last resort, gets no token either.
    cmd.env_remove("AZURE_CLIENT_ID")
        .env_remove("AZURE_CLIENT_SECRET");
    let stderr = refused(cmd).await;
    assert!(
        stderr.contains(
            "spot-cutover.json records the cutover of agentpool1 as finished: its scale set is read to see whether `aks-engine upgrade` brought it back above 0, with Azure credentials as for `cutover` (AZURE_*, --arm-url, --use-msi): reading scale set "
        ),
        "{stderr}"
    );
    assert_eq!((w.kube_writes().len(), w.arm_patches()), (writes, 1));
    assert_eq!(w.capacity(), 2);
}
