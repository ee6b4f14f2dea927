//! `cutover` never touches another cluster's scale set, checks Azure before anything else, and
//! stops cleanly on SIGTERM: the real binary against local Spot, Kubernetes and ARM servers.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::cutover_world::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_same_named_scale_set_of_another_cluster_is_refused_and_nothing_is_touched() {
    let w = World::start(1).await;
    w.join(0, true);
    // The scale set under the pool's id belongs to another cluster (another name suffix).
    w.arm.set_scale_set_tags(
        RG,
        VMSS,
        json!({"poolName": "agentpool1", "resourceNameSuffix": "99999999"}),
    );
    let out = run(w.cmd("cutover", &["--yes"])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let id = format!(
        "/subscriptions/{}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{VMSS}",
        w.arm.config().subscription_id
    );
    assert!(
        stderr.contains(&format!(
            "scale set {id} is not pool agentpool1's scale set of this cluster: tag resourceNameSuffix is `99999999`, expected `31415926`; nothing was changed"
        )),
        "{stderr}"
    );
    assert!(
        !stderr.contains("Cut over?"),
        "refused before the prompt: {stderr}"
    );
    assert!(w.kube_writes().is_empty(), "{:?}", w.kube_writes());
    assert_eq!(w.arm_patches(), 0);
    assert_eq!(w.capacity(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_usable_azure_credentials_nothing_is_cordoned() {
    let w = World::start(1).await;
    w.join(0, true);
    w.kube.add_pod(replica_pod("shop", "web-1", SRC0, "web"));
    let mut cmd = w.cmd("cutover", &["--yes"]);
    cmd.env("AZURE_CLIENT_SECRET", "not-the-secret");
    let out = run(cmd).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        !stderr.contains("This cuts over"),
        "before the summary: {stderr}"
    );
    assert!(w.kube.requests_matching("PATCH", "/nodes/").is_empty());
    assert!(w.kube.requests_matching("POST", "/eviction").is_empty());
    assert!(w.kube_writes().is_empty(), "{:?}", w.kube_writes());
    assert_eq!(w.capacity(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_the_drain_uncordons_prints_what_was_done_and_exits_130() {
    let w = World::start(1).await;
    w.join(0, true);
    w.kube.add_pod(replica_pod("shop", "web-1", SRC0, "web"));
    w.kube.add_pdb("shop", "web-pdb", json!({"app": "web"}), 0);
    let mut cmd = w.spawnable_cmd("cutover", &["--yes", "--drain-timeout", "5m"]);
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while w
        .kube
        .requests_matching("POST", "web-1/eviction")
        .is_empty()
    {
        assert!(Instant::now() < deadline, "no eviction was tried");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(w.cordoned(SRC0) && w.cordoned(SRC1));
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: no new cordon, eviction or scale-down starts"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "error: interrupted during drain: uncordoned {SRC0}, {SRC1}; spot-cutover.json records what was done"
        )),
        "{stderr}"
    );
    assert!(
        stdout.contains(&format!("  cordoned: {SRC0}, {SRC1}\n")),
        "{stdout}"
    );
    assert!(!w.cordoned(SRC0) && !w.cordoned(SRC1));
    assert_eq!(w.capacity(), 2);
    assert_eq!(w.arm_patches(), 0);
    let state = w.cutover_state();
    assert!(state["pools"][0].get("cordoned").is_none(), "{state}");
    assert!(state["pools"][0].get("cordonedAt").is_none(), "{state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_ending_in_a_newline_is_a_clear_error_naming_the_kubeconfig() {
    let w = World::start(1).await;
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.kubeconfig()).unwrap()).unwrap();
    // What a YAML block scalar (`token: |`) gives.
    config["users"][0]["user"]["token"] = json!("eyJhbGciOi.secret-token\n");
    std::fs::write(w.kubeconfig(), config.to_string()).unwrap();
    for args in [&["--dry-run"][..], &["--yes"][..]] {
        let out = run(w.cmd("cutover", args)).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "no panic (101): {stderr}");
        assert!(
            stderr.contains(&format!(
                "kubeconfig {}: the user's token ends with a line break",
                w.kubeconfig().display()
            )),
            "{stderr}"
        );
        assert!(!stderr.contains("secret-token"), "{stderr}");
    }
    assert!(w.kube.requests().is_empty());
    assert_eq!(w.capacity(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_server_that_does_not_answer_is_named_with_its_cause() {
    let w = World::start(1).await;
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let server = format!("http://127.0.0.1:{port}");
    let config = std::fs::read_to_string(w.kubeconfig())
        .unwrap()
        .replace(&w.kube.url(), &server);
    std::fs::write(w.kubeconfig(), config).unwrap();
    let out = run(w.cmd("cutover", &["--yes"])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: the API server {server} (kubeconfig {}) did not answer: listing nodes: no answer from the API server: ",
            w.kubeconfig().display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.to_lowercase().contains("connection refused"),
        "the cause: {stderr}"
    );
    assert_eq!(w.capacity(), 2);
}
