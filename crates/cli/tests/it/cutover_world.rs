//! An imported example cluster on loopback for `cutover` and `status`: the Spot group the real
//! `import` created (with scripted VMs), a Kubernetes API holding the aks-engine scale set's
//! nodes, and an ARM API holding that scale set.

use std::path::PathBuf;
use std::process::Output;

use serde_json::{Value, json};
use test_support::arm_server::{ArmServer, ArmServerConfig};
use test_support::kube_server::{KubeServer, KubeServerConfig};
use test_support::spot_server::SpotServer;

use crate::import_create::{Workdir, spot_cmd};

/// examples/demo-cluster: its DNS prefix (the default resource group), location and scale set.
pub const RG: &str = "spotdemo";
pub const LOCATION: &str = "westeurope";
pub const VMSS: &str = "k8s-agentpool1-31415926-vmss";
pub const SRC0: &str = "k8s-agentpool1-31415926-vmss000000";
pub const SRC1: &str = "k8s-agentpool1-31415926-vmss000001";

pub struct World {
    pub spot: SpotServer,
    pub kube: KubeServer,
    pub arm: ArmServer,
    pub work: Workdir,
    pub group_id: String,
}

/// Spot VM `n` of the group.
pub fn spot_vm(n: u32) -> String {
    format!("spotdemo-vm-{n}")
}

/// v2 instance `n` of the group (Spot's `instanceId`: a UUID no Node carries).
pub fn v2_instance(n: u32) -> String {
    format!("0f1e2d3c-0000-4000-8000-{n:012}")
}

impl World {
    /// Imported, the group with `vms` Spot VMs (created long ago), the scale set's two nodes
    /// Ready, the directory's kubeconfig pointing at the local Kubernetes.
    pub async fn start(vms: u32) -> World {
        Self::start_as(vms, "v3").await
    }

    /// The same, imported with `--elastigroup-api <generation>`; a v2 group's instances as
    /// Spot publishes them (a UUID `instanceId`, `privateIp` `10.240.0.<10+n>`).
    pub async fn start_as(vms: u32, generation: &str) -> World {
        let spot = crate::common::spot_server();
        let work = Workdir::example();
        let arm = ArmServer::start(ArmServerConfig {
            in_progress_polls: 1,
            retry_after_secs: Some(0),
            ..ArmServerConfig::default()
        })
        .await;
        // imported into the ARM server's subscription: cutover follows what the import recorded
        let mut import = spot_cmd(&spot);
        import
            .args(["import", "-s", &arm.config().subscription_id, "-o"])
            .arg(&work.dir)
            .args([
                "--set",
                "capacity.maximum=3",
                "--set",
                &format!("capacity.target={vms}"),
            ]);
        if generation != "v3" {
            import.args(["--elastigroup-api", generation]);
        }
        let r = crate::import_create::run(import);
        assert!(r.ok, "{}", r.stderr);
        let group_id = spot.groups()[0].id().to_owned();
        let items: Vec<Value> = (0..vms)
            .map(|n| match generation {
                "v2" => json!({"instanceId": v2_instance(n), "vmSize": "standard_d2_v2",
                    "lifeCycle": "low-priority", "privateIp": format!("10.240.0.{}", n + 10),
                    "state": "running", "createdAt": "2026-01-01T00:00:00.000Z"}),
                _ => json!({"vmName": spot_vm(n), "vmSize": "standard_d2_v2", "lifeCycle": "spot",
                    "privateIp": format!("10.240.0.{}", n + 10), "powerState": "running",
                    "createdAt": "2026-01-01T00:00:00.000Z"}),
            })
            .collect();
        spot.set_group_vms(&group_id, items);

        let kube = KubeServer::start(KubeServerConfig::default()).await;
        let kubeconfig = work
            .dir
            .join(format!("kubeconfig/kubeconfig.{LOCATION}.json"));
        std::fs::write(&kubeconfig, kube.kubeconfig_json()).unwrap();
        arm.add_agent_pool_scale_set(RG, VMSS, LOCATION, 2, "agentpool1", "31415926");
        let w = World {
            spot,
            kube,
            arm,
            work,
            group_id,
        };
        w.kube.add_node(SRC0, Some(&w.vmss_provider_id(0)), true);
        w.kube.add_node(SRC1, Some(&w.vmss_provider_id(1)), true);
        w
    }

    fn subscription(&self) -> &str {
        &self.arm.config().subscription_id
    }

    pub fn vmss_provider_id(&self, instance: u32) -> String {
        format!(
            "azure:///subscriptions/{}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{VMSS}/virtualMachines/{instance}",
            self.subscription()
        )
    }

    /// Spot VM `n` registered as a node.
    pub fn join(&self, n: u32, ready: bool) {
        let id = format!(
            "azure:///subscriptions/{}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachines/{}",
            self.subscription(),
            spot_vm(n)
        );
        self.kube.add_node(&spot_vm(n), Some(&id), ready);
    }

    pub fn kubeconfig(&self) -> PathBuf {
        self.work
            .dir
            .join(format!("kubeconfig/kubeconfig.{LOCATION}.json"))
    }

    /// `spotinst-aks-engine <command> -o DIR ARGS...` with Spot and Azure credentials for the
    /// local servers.
    pub fn cmd(&self, command: &str, args: &[&str]) -> assert_cmd::Command {
        self.spawnable_cmd(command, args).into()
    }

    /// The binary with Spot and Azure credentials for the local servers, no arguments yet.
    pub fn credentialed_bin(&self) -> std::process::Command {
        let c = self.arm.config();
        let mut cmd = crate::common::spawnable_bin();
        cmd.env("SPOTINST_TOKEN", test_support::spot_server::TEST_TOKEN)
            .env("SPOTINST_ACCOUNT", test_support::spot_server::TEST_ACCOUNT)
            .env("SPOTINST_BASE_URL", &self.spot.base_url)
            .env("AZURE_CLIENT_ID", &c.client_id)
            .env("AZURE_CLIENT_SECRET", &c.client_secret)
            .env("AZURE_RESOURCE_MANAGER_URL", self.arm.url())
            .env("AZURE_AUTHORITY_HOST", self.arm.url());
        cmd
    }

    /// [`World::cmd`] as a plain `std::process::Command`, to spawn the binary and signal it.
    pub fn spawnable_cmd(&self, command: &str, args: &[&str]) -> std::process::Command {
        let c = self.arm.config();
        let mut cmd = self.credentialed_bin();
        cmd.args([command, "-o"]).arg(&self.work.dir).args(args);
        if command == "cutover" {
            cmd.args(["-s", &c.subscription_id, "--poll-interval", "50ms"]);
        }
        cmd
    }

    pub fn node(&self, name: &str) -> Option<Value> {
        self.kube.object(&format!("/api/v1/nodes/{name}"))
    }

    pub fn cordoned(&self, name: &str) -> bool {
        self.node(name)
            .and_then(|n| n.pointer("/spec/unschedulable").and_then(Value::as_bool))
            .unwrap_or(false)
    }

    pub fn capacity(&self) -> i64 {
        self.arm.scale_set(RG, VMSS).unwrap()["sku"]["capacity"]
            .as_i64()
            .unwrap()
    }

    /// Requests that changed something in Kubernetes.
    pub fn kube_writes(&self) -> Vec<String> {
        self.kube
            .requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    pub fn arm_patches(&self) -> usize {
        self.arm
            .requests_to(VMSS)
            .into_iter()
            .filter(|r| r.method == "PATCH")
            .count()
    }

    pub fn cutover_state(&self) -> Value {
        let text = std::fs::read_to_string(self.work.dir.join("spot-cutover.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }
}

/// A pod owned by a ReplicaSet.
pub fn replica_pod(ns: &str, name: &str, node: &str, app: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": app},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{app}-rs"),
                "uid": format!("uid-{app}"), "controller": true}]},
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx"}]},
        "status": {"phase": "Running"}})
}

/// A DaemonSet's pod.
pub fn daemonset_pod(ns: &str, name: &str, node: &str) -> Value {
    let mut p = replica_pod(ns, name, node, "agent");
    p["metadata"]["ownerReferences"][0]["kind"] = json!("DaemonSet");
    p
}

/// A pod no controller manages.
pub fn bare_pod(ns: &str, name: &str, node: &str) -> Value {
    let mut p = replica_pod(ns, name, node, name);
    p["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("ownerReferences");
    p
}

/// Runs the binary off the async runtime, so the servers keep answering.
pub async fn run(mut cmd: assert_cmd::Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("run the binary"))
        .await
        .unwrap()
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
