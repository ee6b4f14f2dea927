//! `create-simple` end to end: the real binary, a stand-in aks-engine (`tests/fake-aks-engine`)
//! and local Spot, Azure Resource Manager and Kubernetes servers, all on loopback.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine;
use serde_json::Value;
use tempfile::TempDir;
use test_support::arm_server::{ArmServer, ArmServerConfig, Fault};
use test_support::kube_server::{KubeServer, KubeServerConfig, RolloutScript};
use test_support::spot_server::{SpotServer, TEST_ACCOUNT, TEST_TOKEN};

use crate::common;

const PREFIX: &str = "spotqs";
const LOCATION: &str = "eastus";
/// The scale set examples/demo-cluster's template defines for agentpool1.
const SCALE_SET: &str = "k8s-agentpool1-31415926-vmss";
const KUBE_TOKEN: &str = "test-kube-token";
const NS: &str = "/api/v1/namespaces/kube-system";
const CONTROLLER: &str = "spotinst-kubernetes-cluster-controller";

/// The servers, a working directory and the stand-in aks-engine.
struct World {
    spot: SpotServer,
    arm: ArmServer,
    kube: KubeServer,
    tmp: TempDir,
    fake: PathBuf,
}

fn fast_arm() -> ArmServerConfig {
    ArmServerConfig {
        in_progress_polls: 1,
        retry_after_secs: Some(0),
        ..ArmServerConfig::default()
    }
}

fn ready_kube() -> KubeServerConfig {
    KubeServerConfig {
        token: Some(KUBE_TOKEN.into()),
        rollout: RolloutScript::Ready,
        ..KubeServerConfig::default()
    }
}

impl World {
    async fn start(arm: ArmServerConfig, kube: KubeServerConfig) -> World {
        let tmp = tempfile::tempdir().unwrap();
        // A copy with the executable bit set, whatever the checkout did to the original's mode.
        let fake = tmp.path().join("bin/aks-engine");
        std::fs::create_dir_all(fake.parent().unwrap()).unwrap();
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fake-aks-engine"),
            &fake,
        )
        .unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let arm = ArmServer::start(arm).await;
        arm.add_agent_pool_scale_set(PREFIX, SCALE_SET, LOCATION, 2, "agentpool1", "31415926");
        World {
            spot: common::spot_server(),
            arm,
            kube: KubeServer::start(kube).await,
            tmp,
            fake,
        }
    }

    fn out_dir(&self) -> PathBuf {
        self.tmp.path().join("output").join(PREFIX)
    }

    fn calls(&self) -> Vec<String> {
        match std::fs::read_to_string(self.tmp.path().join("aks-engine-calls")) {
            Ok(s) => s.lines().map(str::to_owned).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The binary in the working directory with the seed's variables and the servers' URLs.
    fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        self.spawnable_cmd(args).into()
    }

    /// [`World::cmd`] as a plain `std::process::Command`, to spawn the binary and signal it.
    fn spawnable_cmd(&self, args: &[&str]) -> std::process::Command {
        let c = self.arm.config();
        let mut cmd = common::spawnable_bin();
        cmd.current_dir(self.tmp.path())
            .env("SPOTINST_ACCOUNT", TEST_ACCOUNT)
            .env("SPOTINST_TOKEN", TEST_TOKEN)
            .env("SPOTINST_BASE_URL", &self.spot.base_url)
            .env("AZURE_SUBSCRIPTION_ID", &c.subscription_id)
            .env("AZURE_CLIENT_ID", &c.client_id)
            .env("AZURE_CLIENT_SECRET", &c.client_secret)
            .env("AKS_DNS_PREFIX", PREFIX)
            .env("AZURE_LOCATION", LOCATION)
            .env("AZURE_RESOURCE_MANAGER_URL", self.arm.url())
            .env("AZURE_AUTHORITY_HOST", self.arm.url())
            .env("AKS_ENGINE_BIN", &self.fake)
            .env("FAKE_AKS_DEMO_DIR", common::example_dir())
            .env("FAKE_AKS_KUBE_SERVER", self.kube.url())
            .env("FAKE_AKS_KUBE_TOKEN", KUBE_TOKEN)
            .env("FAKE_AKS_CALLS", self.tmp.path().join("aks-engine-calls"))
            .env("FAKE_AKS_ARGV", self.tmp.path().join("aks-engine-argv"))
            .env("FAKE_AKS_EXPECT_SECRET", &c.client_secret)
            .arg("create-simple")
            .args(args);
        cmd
    }

    /// Each aks-engine invocation's arguments (client secret masked).
    fn argv(&self) -> Vec<Vec<String>> {
        match std::fs::read_to_string(self.tmp.path().join("aks-engine-argv")) {
            Ok(s) => s
                .lines()
                .map(|l| l.split(' ').map(str::to_owned).collect())
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    fn spot_posts(&self) -> usize {
        self.spot
            .requests_matching("POST", "/azure/compute/group")
            .len()
    }
}

/// Runs the binary off the async runtime, so the servers keep answering.
async fn run(mut cmd: assert_cmd::Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("run the binary"))
        .await
        .unwrap()
}

/// Runs the binary like [`run`] while the cluster behaves like a real one for the cutover
/// (`--scale-source-to-zero`): the scale set's two instances are nodes from the start, and as
/// soon as the Spot group exists its VMs (as the Spot server names them) join as Ready nodes.
async fn run_with_joining_nodes(w: &World, mut cmd: assert_cmd::Command) -> Output {
    let sub = &w.arm.config().subscription_id;
    let rg_path =
        format!("azure:///subscriptions/{sub}/resourceGroups/{PREFIX}/providers/Microsoft.Compute");
    for n in 0..2 {
        w.kube.add_node(
            &format!("{SCALE_SET}{n:06}"),
            Some(&format!(
                "{rg_path}/virtualMachineScaleSets/{SCALE_SET}/virtualMachines/{n}"
            )),
            true,
        );
    }
    let running = tokio::task::spawn_blocking(move || cmd.output().expect("run the binary"));
    let mut joined = false;
    while !running.is_finished() {
        if !joined && let Some(g) = w.spot.groups().first() {
            for n in 0..2 {
                let vm = format!("vm-{}-{n}", g.id());
                w.kube
                    .add_node(&vm, Some(&format!("{rg_path}/virtualMachines/{vm}")), true);
            }
            joined = true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    running.await.unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(out: &Output) -> (String, String) {
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "expected success\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    (stdout, stderr)
}

fn failed(out: &Output) -> String {
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success(),
        "expected a failure\nstdout:\n{}\nstderr:\n{stderr}",
        text(&out.stdout)
    );
    stderr
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
    )
    .unwrap()
}

fn steps(w: &World) -> Value {
    read_json(&w.out_dir().join("spot-quickstart.json"))
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_start_end_to_end() {
    let w = World::start(fast_arm(), ready_kube()).await;
    let mut cmd = w.cmd(&["--scale-source-to-zero", "--controller-timeout", "30s"]);
    cmd.env("FAKE_AKS_LEAK_SECRET", "1");
    let out = run_with_joining_nodes(&w, cmd).await;
    let (stdout, stderr) = ok(&out);

    // The seed's line, with the group the server holds.
    let groups = w.spot.groups();
    assert_eq!(groups.len(), 1, "{stderr}");
    let id = groups[0].id().to_owned();
    assert!(id.starts_with("sig-"), "{id}");
    assert_eq!(
        stdout,
        format!("Spot Elastigroup {id} successfully created\n")
    );

    // aks-engine ran once, streamed with a prefix, with the secret masked.
    assert_eq!(w.calls().len(), 1);
    assert!(w.calls()[0].contains("force=0"), "{:?}", w.calls());
    assert!(
        stderr.contains("aks-engine | INFO[0001] Starting ARM Deployment (spotqs-1874602557)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("aks-engine | DEBU[0000] authenticating with client secret <redacted>")
    );
    let secret = &w.arm.config().client_secret;
    for s in [stdout.as_str(), stderr.as_str()] {
        assert!(
            !s.contains(secret.as_str()) && !s.contains(TEST_TOKEN),
            "{s}"
        );
    }
    assert!(
        stderr.contains("[1/4] Deploying the cluster with aks-engine"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "kubectl --kubeconfig ./output/{PREFIX}/kubeconfig/kubeconfig.{LOCATION}.json get nodes"
        )),
        "{stderr}"
    );

    // The group: the seed's capacity.
    let posts = w.spot.requests_matching("POST", "/azure/compute/group");
    assert_eq!(posts.len(), 1);
    let body = posts[0].json();
    let capacity = &body["group"]["capacity"];
    assert_eq!(capacity["maximum"], 3, "{capacity}");
    assert_eq!(capacity["target"], 2, "{capacity}");

    // The controller: every object, with the token and the cluster identifier.
    let paths = w.kube.object_paths();
    for p in [
        format!("{NS}/secrets/{CONTROLLER}"),
        format!("{NS}/configmaps/{CONTROLLER}-config"),
        format!("{NS}/serviceaccounts/{CONTROLLER}"),
        format!("/apis/rbac.authorization.k8s.io/v1/clusterroles/{CONTROLLER}"),
        format!("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{CONTROLLER}"),
        format!("/apis/apps/v1/namespaces/kube-system/deployments/{CONTROLLER}"),
    ] {
        assert!(paths.contains(&p), "{p} not in {paths:?}");
    }
    let secret_obj = w
        .kube
        .object(&format!("{NS}/secrets/{CONTROLLER}"))
        .unwrap();
    assert_eq!(secret_obj["data"]["token"], b64(TEST_TOKEN));
    assert_eq!(secret_obj["data"]["account"], b64(TEST_ACCOUNT));
    let cm = w
        .kube
        .object(&format!("{NS}/configmaps/{CONTROLLER}-config"))
        .unwrap();
    assert_eq!(cm["data"]["spotinst.cluster-identifier"], PREFIX);

    // The cutover: the Spot nodes joined, the scale set's nodes were drained and deleted.
    assert!(
        stderr.contains("[4/4] Cutting over") && stderr.contains("2 node(s) cordoned and drained"),
        "{stderr}"
    );
    assert!(
        w.kube
            .object(&format!("/api/v1/nodes/{SCALE_SET}000000"))
            .is_none()
    );
    assert!(w.out_dir().join("spot-cutover.json").is_file());

    // The source scale set: tenant discovered, PATCHed to zero through the LRO.
    let patches: Vec<_> = w
        .arm
        .requests_to(SCALE_SET)
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert_eq!(patches.len(), 1);
    let body: Value = serde_json::from_str(&patches[0].body).unwrap();
    assert_eq!(body["sku"]["capacity"], 0);
    assert_eq!(
        w.arm.scale_set(PREFIX, SCALE_SET).unwrap()["sku"]["capacity"],
        0
    );
    let tenant = &w.arm.config().tenant_id;
    assert!(
        !w.arm.requests_to(&format!("/{tenant}/oauth2")).is_empty(),
        "the token came from the discovered tenant"
    );

    // State: the group and every step.
    let state = read_json(&w.out_dir().join("spot-elastigroups.json"));
    assert_eq!(state["groups"][0]["groupId"], id.as_str());
    assert_eq!(state["groups"][0]["pool"], "agentpool1");
    let s = steps(&w);
    for k in [
        "clusterDeployed",
        "groupsImported",
        "controllerApplied",
        "sourceScaledToZero",
    ] {
        assert!(s[k].is_string(), "{k} in {s}");
    }

    // A second run changes nothing: no deployment, no group, no PATCH.
    let again = run(w.cmd(&["--scale-source-to-zero"])).await;
    let (stdout2, stderr2) = ok(&again);
    assert_eq!(stdout2, stdout);
    assert_eq!(w.calls().len(), 1);
    assert_eq!(w.spot_posts(), 1);
    assert!(
        stderr2.contains("skipped (deployed by an earlier run)"),
        "{stderr2}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aks_engine_failure_creates_nothing_and_a_rerun_overwrites_its_directory() {
    let w = World::start(fast_arm(), ready_kube()).await;
    let mut cmd = w.cmd(&["--skip-controller"]);
    cmd.env("FAKE_AKS_FAIL", "1");
    let out = run(cmd).await;
    let stderr = failed(&out);
    assert!(stderr.contains("aks-engine deploy failed"), "{stderr}");
    assert!(stderr.contains("InvalidTemplateDeployment"), "{stderr}");
    assert!(text(&out.stdout).is_empty());
    assert!(w.spot.requests().is_empty(), "nothing was sent to Spot");
    assert!(w.kube.requests().is_empty());
    // Only the fact that aks-engine ran there is recorded: the directory is ours to overwrite.
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.out_dir().join("spot-quickstart.json")).unwrap())
            .unwrap();
    assert!(record.get("clusterDeployStarted").is_some(), "{record}");
    assert!(record.get("clusterDeployed").is_none(), "{record}");

    // The directory aks-engine left behind is overwritten, not refused.
    let (stdout, _) = ok(&run(w.cmd(&["--skip-controller"])).await);
    let calls = w.calls();
    assert_eq!(calls.len(), 2);
    assert!(calls[1].contains("force=1"), "{calls:?}");
    assert!(stdout.contains("successfully created"));
    assert_eq!(w.spot_posts(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_deployment_resumes_from_its_own_api_model_keeping_its_certificates() {
    let w = World::start(fast_arm(), ready_kube()).await;
    let mut cmd = w.cmd(&["--skip-controller"]);
    cmd.env("FAKE_AKS_FAIL", "1");
    failed(&run(cmd).await);
    let ca = std::fs::read_to_string(w.out_dir().join("ca.crt")).unwrap();
    let model = std::fs::read_to_string(w.out_dir().join("apimodel.json")).unwrap();
    assert!(model.contains(ca.trim()), "the model holds the CA");

    let (stdout, stderr) = ok(&run(w.cmd(&["--skip-controller"])).await);
    assert!(stdout.contains("successfully created"), "{stdout}");
    assert!(
        stderr.contains("resuming the interrupted deployment") && stderr.contains("apimodel.json"),
        "{stderr}"
    );
    // The cluster's certificates are the ones the interrupted deployment made.
    assert_eq!(
        std::fs::read_to_string(w.out_dir().join("ca.crt")).unwrap(),
        ca
    );
    let argv = w.argv();
    assert_eq!(argv.len(), 2, "{argv:?}");
    assert!(argv[0].iter().any(|a| a == "--dns-prefix"), "{argv:?}");
    // The directory's model carries its own DNS prefix; aks-engine refuses it twice.
    assert!(!argv[1].iter().any(|a| a == "--dns-prefix"), "{argv:?}");
    assert!(!argv[1].iter().any(|a| a.contains("spotinst-aks-engine")));
    assert_eq!(w.spot_posts(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_deployment_still_running_in_azure_is_never_overlapped() {
    let w = World::start(fast_arm(), ready_kube()).await;
    let mut cmd = w.cmd(&["--skip-controller"]);
    cmd.env("FAKE_AKS_FAIL", "1");
    failed(&run(cmd).await);
    // aks-engine was stopped; its ARM deployment was not.
    w.arm.add_resource_group(PREFIX, LOCATION);
    w.arm.add_deployment(PREFIX, "spotqs-1874602557", "Running");
    let stderr = failed(&run(w.cmd(&["--skip-controller"])).await);
    assert!(
        stderr.contains(
            "the ARM deployment spotqs-1874602557 in resource group spotqs is still Running"
        ),
        "{stderr}"
    );
    assert_eq!(w.calls().len(), 1, "aks-engine did not run again");
    assert!(w.spot.requests().is_empty());

    // It finished: the cluster is there, aks-engine does not run again, the import goes on.
    w.arm
        .add_deployment(PREFIX, "spotqs-1874602557", "Succeeded");
    let (stdout, stderr) = ok(&run(w.cmd(&["--skip-controller"])).await);
    assert!(stdout.contains("successfully created"), "{stdout}");
    assert!(stderr.contains("finished in Azure"), "{stderr}");
    assert_eq!(w.calls().len(), 1, "aks-engine did not run again");
    assert!(steps(&w).get("clusterDeployed").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_quick_start_on_one_directory_is_refused_naming_the_first() {
    let w = World::start(fast_arm(), ready_kube()).await;
    std::fs::create_dir_all(w.out_dir().parent().unwrap()).unwrap();
    let held =
        group_sync::StateLock::acquire_for(&w.out_dir().with_file_name("spotqs.create-simple"))
            .unwrap();
    let stderr = failed(&run(w.cmd(&["--skip-controller"])).await);
    assert!(
        stderr.contains(&format!("pid {}", std::process::id())),
        "{stderr}"
    );
    assert!(w.calls().is_empty(), "aks-engine never ran");
    assert!(w.spot.requests().is_empty());
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_directory_the_quick_start_did_not_make_is_never_overwritten() {
    let w = World::start(fast_arm(), ready_kube()).await;
    std::fs::create_dir_all(w.out_dir()).unwrap();
    std::fs::write(w.out_dir().join("apimodel.json"), "{\"mine\": true}").unwrap();
    let out = run(w.cmd(&["--skip-controller"])).await;
    let stderr = failed(&out);
    assert!(stderr.contains("was not made by create-simple"), "{stderr}");
    assert!(w.calls().is_empty(), "aks-engine never ran");
    assert!(w.spot.requests().is_empty());
    assert_eq!(
        std::fs::read_to_string(w.out_dir().join("apimodel.json")).unwrap(),
        "{\"mine\": true}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_apply_failure_resumes_at_the_controller() {
    let w = World::start(fast_arm(), ready_kube()).await;
    w.kube.inject(Fault::apply_error(
        "configmaps",
        "etcdserver: request timed out",
    ));
    let out = run(w.cmd(&[])).await;
    let stderr = failed(&out);
    assert!(
        stderr.contains("installing the Spot controller"),
        "{stderr}"
    );
    assert!(stderr.contains("etcdserver: request timed out"), "{stderr}");
    assert!(stderr.contains("run the same command again"), "{stderr}");
    assert_eq!(w.spot_posts(), 1);
    let s = steps(&w);
    assert!(
        s["groupsImported"].is_string() && s.get("controllerApplied").is_none(),
        "{s}"
    );
    let state = read_json(&w.out_dir().join("spot-elastigroups.json"));
    let id = state["groups"][0]["groupId"].as_str().unwrap().to_owned();

    let (stdout, stderr) = ok(&run(w.cmd(&[])).await);
    assert_eq!(
        stdout,
        format!("Spot Elastigroup {id} successfully created\n")
    );
    assert_eq!(w.calls().len(), 1, "aks-engine ran once");
    assert_eq!(w.spot_posts(), 1, "no second group");
    assert_eq!(w.spot.groups().len(), 1);
    assert!(
        w.kube
            .object(&format!("{NS}/configmaps/{CONTROLLER}-config"))
            .is_some()
    );
    assert!(steps(&w)["controllerApplied"].is_string());
    assert!(
        stderr.contains("[1/3] Deploying the cluster with aks-engine: skipped"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_timeout_fails_and_a_rerun_against_a_fixed_cluster_finishes() {
    let w = World::start(
        fast_arm(),
        KubeServerConfig {
            token: Some(KUBE_TOKEN.into()),
            rollout: RolloutScript::Never,
            ..KubeServerConfig::default()
        },
    )
    .await;
    let stderr = failed(&run(w.cmd(&["--controller-timeout", "1s"])).await);
    assert!(stderr.contains("did not roll out within"), "{stderr}");
    assert_eq!(w.spot.groups().len(), 1);

    // The cluster is fixed: a healthy API server behind the same kubeconfig.
    let fixed = KubeServer::start(ready_kube()).await;
    let kubeconfig = w
        .out_dir()
        .join(format!("kubeconfig/kubeconfig.{LOCATION}.json"));
    let mut kc = read_json(&kubeconfig);
    kc["clusters"][0]["cluster"]["server"] = Value::String(fixed.url());
    std::fs::write(&kubeconfig, kc.to_string()).unwrap();

    ok(&run(w.cmd(&["--controller-timeout", "30s"])).await);
    assert_eq!(w.calls().len(), 1);
    assert_eq!(w.spot_posts(), 1);
    assert!(
        fixed
            .object(&format!(
                "/apis/apps/v1/namespaces/kube-system/deployments/{CONTROLLER}"
            ))
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arm_throttling_during_scale_to_zero_is_retried() {
    let w = World::start(fast_arm(), ready_kube()).await;
    w.arm
        .inject(Fault::throttle(SCALE_SET, 1).on_method("PATCH"));
    let out = run_with_joining_nodes(
        &w,
        w.cmd(&[
            "-q",
            "--skip-controller",
            "--scale-source-to-zero",
            "--output",
            "json",
        ]),
    )
    .await;
    let (stdout, stderr) = ok(&out);
    assert!(stderr.is_empty(), "-q: only errors on stderr, got {stderr}");
    let doc: Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(doc["sourceScaleSets"], "scaledToZero");
    assert_eq!(doc["controller"], "skipped");
    assert_eq!(doc["groups"][0]["scaleSet"], SCALE_SET);
    assert_eq!(doc["groups"][0]["outcome"], "created");
    let patches = w
        .arm
        .requests_to(SCALE_SET)
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .count();
    assert_eq!(patches, 2, "throttled once, then accepted");
    assert_eq!(
        w.arm.scale_set(PREFIX, SCALE_SET).unwrap()["sku"]["capacity"],
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_missing_input_is_reported_before_anything_runs() {
    let w = World::start(fast_arm(), ready_kube()).await;
    let mut cmd = w.cmd(&[]);
    for var in [
        "SPOTINST_ACCOUNT",
        "SPOTINST_TOKEN",
        "AZURE_SUBSCRIPTION_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AKS_DNS_PREFIX",
        "AZURE_LOCATION",
    ] {
        cmd.env_remove(var);
    }
    let stderr = failed(&run(cmd).await);
    assert!(
        stderr.contains("create-simple needs 7 more inputs"),
        "{stderr}"
    );
    for var in [
        "SPOTINST_ACCOUNT",
        "SPOTINST_TOKEN",
        "AZURE_SUBSCRIPTION_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AKS_DNS_PREFIX",
        "AZURE_LOCATION",
    ] {
        assert!(stderr.contains(var), "{var}: {stderr}");
    }
    assert!(w.calls().is_empty());
    assert!(w.spot.requests().is_empty() && w.arm.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_aks_engine_is_a_clear_error() {
    let w = World::start(fast_arm(), ready_kube()).await;
    let empty = w.tmp.path().join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let mut cmd = w.cmd(&[]);
    cmd.env_remove("AKS_ENGINE_BIN").env("PATH", &empty);
    let stderr = failed(&run(cmd).await);
    assert!(stderr.contains("aks-engine was not found"), "{stderr}");
    assert!(stderr.contains("v0.46.3"), "{stderr}");
    assert!(w.spot.requests().is_empty());
    assert!(!w.out_dir().exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_controller_timeout_is_refused_before_deploying() {
    let w = World::start(fast_arm(), ready_kube()).await;
    let stderr = failed(&run(w.cmd(&["--controller-timeout", "5 minutes"])).await);
    assert!(stderr.contains("--controller-timeout"), "{stderr}");
    assert!(stderr.contains("is not a duration"), "{stderr}");
    assert!(w.calls().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quick_start_chooses_sizes_from_the_live_catalog_and_saves_it() {
    let w = World::start(fast_arm(), ready_kube()).await;
    // The demo's catalog, relabelled to the quick start's region, three records per page.
    let demo: Value = read_json(&common::example_dir().join("resource-skus-westeurope.json"));
    let records: Vec<Value> = demo["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| serde_json::from_str(&r.to_string().replace("westeurope", LOCATION)).unwrap())
        .collect();
    w.arm.serve_resource_skus(records, 3);
    let out = run(w.cmd(&["--skip-controller", "--output", "json"])).await;
    let (stdout, stderr) = ok(&out);

    let posts = w.spot.requests_matching("POST", "/azure/compute/group");
    assert_eq!(posts.len(), 1, "{stderr}");
    let body = posts[0].json();
    let sizes = &body["group"]["compute"]["vmSizes"]["spotSizes"];
    assert_eq!(sizes.as_array().unwrap().len(), 6, "{sizes}");
    assert_eq!(sizes[0], "standard_d2_v2");
    assert_eq!(w.arm.requests_to("Microsoft.Compute/skus").len(), 4);
    let saved = read_json(&w.out_dir().join(format!("resource-skus-{LOCATION}.json")));
    assert_eq!(saved["value"].as_array().unwrap().len(), 10);
    let outcome: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(outcome["groups"][0]["sizes"]["catalog"]["source"], "live");
    assert_eq!(&outcome["groups"][0]["sizes"]["spotSizes"], sizes);
}

/// `--join-timeout` reaches the cutover: with Spot VMs that never join, the run stops after the
/// given wait (not the 15-minute default), names it, and leaves the scale set running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_source_to_zero_honours_the_join_timeout() {
    let w = World::start(fast_arm(), ready_kube()).await;
    let started = std::time::Instant::now();
    let out = run(w.cmd(&[
        "--skip-controller",
        "--scale-source-to-zero",
        "--join-timeout",
        "300ms",
        "--drain-timeout",
        "1s",
    ]))
    .await;
    let stderr = failed(&out);
    assert!(
        stderr.contains("did not all become Ready within 300ms"),
        "{stderr}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    assert_eq!(
        w.arm.scale_set(PREFIX, SCALE_SET).unwrap()["sku"]["capacity"],
        2
    );
}

/// Ctrl-C during create-simple's import step is handled as `import` handles it: the create in
/// flight finishes and is recorded, no later step starts, the pools' results are printed, exit
/// 130, and a re-run goes on without a second group.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_the_import_step_records_the_group_and_exits_130() {
    let w = World::start(fast_arm(), ready_kube()).await;
    w.spot
        .set_response_delay(std::time::Duration::from_millis(600));
    let mut cmd = w.spawnable_cmd(&["--controller-timeout", "30s"]);
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while w
        .spot
        .requests_matching("POST", "/azure/compute/group")
        .is_empty()
    {
        assert!(std::time::Instant::now() < deadline, "no create was sent");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: no new request starts"),
        "{stderr}"
    );

    // The create in flight finished, was recorded and is named in the error; nothing after it ran.
    let groups = w.spot.groups();
    assert_eq!(groups.len(), 1, "{stderr}");
    let id = groups[0].id().to_owned();
    let state = read_json(&w.out_dir().join("spot-elastigroups.json"));
    assert_eq!(state["groups"][0]["groupId"], id.as_str());
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains("interrupted while importing into Spot")
            && stderr.contains(&format!(
                "agentpool1: Spot Elastigroup {id} successfully created"
            )),
        "{stderr}"
    );
    assert!(
        w.kube.object_paths().is_empty(),
        "the controller step did not start"
    );

    // A re-run goes on from the recorded group.
    w.spot.set_response_delay(std::time::Duration::ZERO);
    let again = run(w.cmd(&["--skip-controller"])).await;
    ok(&again);
    assert_eq!(w.spot_posts(), 1);
    assert_eq!(w.spot.groups().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_agent_is_installed_after_the_controller_with_the_groups_prefix() {
    const IMAGE: &str = "myregistry.azurecr.io/spotinst-aks-engine:0.1.0";
    const GC: &str = "/apis/apps/v1/namespaces/spot-node-agent/deployments/spot-node-agent-gc";
    let w = World::start(fast_arm(), ready_kube()).await;
    let out = run(w.cmd(&["--controller-timeout", "30s", "--node-agent-image", IMAGE])).await;
    let (_, stderr) = ok(&out);
    let gc = w.kube.object(GC).expect("the collector is applied");
    let container = &gc["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], IMAGE);
    let args: Vec<&str> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        args.ends_with(&["--name-prefix", "k8s-agentpool1-spot"]),
        "{args:?}"
    );
    assert!(
        w.kube
            .object("/apis/apps/v1/namespaces/spot-node-agent/daemonsets/spot-node-agent-preempt")
            .is_some()
    );
    // After the controller: its Deployment was applied first.
    let patches = w.kube.requests_matching("PATCH", "/");
    let position = |name: &str| patches.iter().position(|r| r.path.ends_with(name)).unwrap();
    assert!(position(CONTROLLER) < position("spot-node-agent-preempt"));
    assert!(steps(&w)["nodeAgentApplied"].is_string());
    assert!(
        stderr.contains("Node agent running in spot-node-agent"),
        "{stderr}"
    );

    let again = run(w.cmd(&["--node-agent-image", IMAGE])).await;
    let (_, stderr2) = ok(&again);
    assert!(
        stderr2.contains("Node agent applied by an earlier run"),
        "{stderr2}"
    );
    assert_eq!(
        w.kube
            .requests_matching("PATCH", "spot-node-agent-gc")
            .len(),
        1,
        "not applied again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_image_the_summary_says_what_to_pass_for_the_node_agent() {
    let w = World::start(fast_arm(), ready_kube()).await;
    let out = run(w.cmd(&["--controller-timeout", "30s"])).await;
    let (_, stderr) = ok(&out);
    assert!(
        stderr.contains("Node agent not installed: pass --node-agent-image IMAGE"),
        "{stderr}"
    );
    assert!(
        w.kube
            .requests_matching("PATCH", "spot-node-agent")
            .is_empty()
    );
    let skipped = run(w.cmd(&["--skip-node-agent"])).await;
    let (_, stderr) = ok(&skipped);
    assert!(
        stderr.contains("Node agent not installed (--skip-node-agent)"),
        "{stderr}"
    );
}
