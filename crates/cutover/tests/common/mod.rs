//! One cluster on loopback: a Kubernetes API with the aks-engine scale set's nodes, a Spot API
//! with the pool's group, an ARM API with the scale set; real clients for all three.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use azure_arm::{ArmClient, ArmConfig, PollPolicy, RetryPolicy, StaticToken};
use cutover::{Clients, CutoverOptions, CutoverPool, ProgressEvent};
use elastigroup::ApiGeneration;
use serde_json::{Value, json};
use spot_api::{ClientConfig, Credentials, SpotClient};
use test_support::arm_server::{ArmServer, ArmServerConfig, LroStyle};
use test_support::kube_server::{KubeServer, KubeServerConfig};
use test_support::spot_server::{SpotServer, TEST_ACCOUNT, TEST_TOKEN};
use url::Url;

pub const RG: &str = "spotaks-rg";
pub const VMSS: &str = "k8s-agentpool1-12345678-vmss";
pub const POOL: &str = "agentpool1";
pub const SUB: &str = "00000000-1111-2222-3333-444444444444";
/// The cluster's name suffix (in the scale set's name and its `resourceNameSuffix` tag).
pub const SUFFIX: &str = "12345678";

/// The aks-engine node names of the scale set's instances 0 and 1.
pub const SRC0: &str = "k8s-agentpool1-12345678-vmss000000";
pub const SRC1: &str = "k8s-agentpool1-12345678-vmss000001";

pub fn vmss_provider_id(instance: u32) -> String {
    format!(
        "azure:///subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{VMSS}/virtualMachines/{instance}"
    )
}

pub fn vm_provider_id(vm: &str) -> String {
    format!(
        "azure:///subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachines/{vm}"
    )
}

/// The Spot VM names of the group.
pub fn spot_vm(n: u32) -> String {
    format!("agentpool1-spot-{n}")
}

pub struct World {
    pub kube: KubeServer,
    pub spot: SpotServer,
    pub arm: ArmServer,
    pub dir: tempfile::TempDir,
    pub kube_client: kube::Client,
    pub spot_client: SpotClient,
    pub arm_client: ArmClient,
    pub pools: Vec<CutoverPool>,
}

impl World {
    /// A v3 group with `vms` Spot VMs and capacity target `target`; the scale set's two nodes.
    pub async fn new(target: u32, vms: u32) -> World {
        Self::with_arm(target, vms, LroStyle::AzureAsyncOperation).await
    }

    pub async fn with_arm(target: u32, vms: u32, lro: LroStyle) -> World {
        let kube = KubeServer::start(KubeServerConfig::default()).await;
        let spot = SpotServer::start_envelope_only();
        let arm = ArmServer::start(ArmServerConfig {
            lro,
            in_progress_polls: 1,
            ..Default::default()
        })
        .await;
        arm.add_agent_pool_scale_set(RG, VMSS, "eastus", 2, POOL, SUFFIX);
        let group_id = spot.insert_group(
            "v3",
            json!({"name": "spotaks-agentpool1", "region": "eastus",
                "capacity": {"minimum": 0, "maximum": 3, "target": target}}),
        );
        let vm_items: Vec<Value> = (0..vms)
            .map(|n| {
                json!({"vmName": spot_vm(n), "vmSize": "standard_d2_v2", "lifeCycle": "spot",
                    "powerState": "running", "createdAt": "2026-01-01T00:00:00.000Z"})
            })
            .collect();
        spot.set_group_vms(&group_id, vm_items);
        kube.add_node(SRC0, Some(&vmss_provider_id(0)), true);
        kube.add_node(SRC1, Some(&vmss_provider_id(1)), true);

        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig.eastus.json");
        std::fs::write(&kubeconfig, kube.kubeconfig_json()).unwrap();
        let kube_client = cutover::client_from_kubeconfig(&kubeconfig).await.unwrap();
        let spot_client = SpotClient::new(
            ClientConfig {
                base_url: spot.base_url.clone(),
                ..ClientConfig::default()
            },
            Credentials::new(TEST_TOKEN, Some(TEST_ACCOUNT.to_owned())),
        )
        .unwrap();
        let arm_client = arm_client(&arm);
        let pools = vec![CutoverPool {
            pool: POOL.into(),
            group_id,
            generation: ApiGeneration::V3,
            scale_set: VMSS.into(),
            resource_group: RG.into(),
            subscription: SUB.into(),
            name_suffix: SUFFIX.into(),
        }];
        World {
            kube,
            spot,
            arm,
            dir,
            kube_client,
            spot_client,
            arm_client,
            pools,
        }
    }

    pub fn clients(&self) -> Clients<'_> {
        Clients {
            kube: &self.kube_client,
            spot: &self.spot_client,
            arm: &self.arm_client,
        }
    }

    pub fn out(&self) -> &Path {
        self.dir.path()
    }

    /// A one-VM world whose Spot VM 0 is a Ready node and whose pod web-1 (on [`SRC0`]) a
    /// budget allowing no disruption holds: the drain waits until the budget frees up.
    pub async fn with_held_web_pod() -> World {
        let w = World::new(1, 1).await;
        w.add_spot_node(0, true);
        w.kube.add_pod(replica_pod("shop", "web-1", SRC0, "web"));
        w.kube.add_pdb("shop", "web-pdb", json!({"app": "web"}), 0);
        w
    }

    /// The cutover of the world's pools with [`fast`] options and no progress; it must succeed.
    pub async fn cut_over(&self) -> cutover::CutoverReport {
        cutover::run_cutover(
            self.out(),
            &self.pools,
            self.clients(),
            &fast(),
            &mut |_: &_| {},
        )
        .await
        .unwrap()
    }

    /// Spot VM `n` registered as a node (named as Azure names standalone VMs' nodes).
    pub fn add_spot_node(&self, n: u32, ready: bool) {
        self.kube
            .add_node(&spot_vm(n), Some(&vm_provider_id(&spot_vm(n))), ready);
    }

    pub fn node(&self, name: &str) -> Option<Value> {
        self.kube.object(&format!("/api/v1/nodes/{name}"))
    }

    pub fn unschedulable(&self, name: &str) -> bool {
        self.node(name)
            .and_then(|n| n.pointer("/spec/unschedulable").and_then(Value::as_bool))
            .unwrap_or(false)
    }

    pub fn pod_exists(&self, ns: &str, name: &str) -> bool {
        self.kube
            .object(&format!("/api/v1/namespaces/{ns}/pods/{name}"))
            .is_some()
    }

    pub fn capacity(&self) -> i64 {
        self.arm.scale_set(RG, VMSS).unwrap()["sku"]["capacity"]
            .as_i64()
            .unwrap()
    }

    pub fn state(&self) -> Value {
        let text = std::fs::read_to_string(self.out().join("spot-cutover.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// GETs of the pool's scale set (its reads, not its operations').
    pub fn scale_set_reads(&self) -> usize {
        self.arm
            .requests_to(VMSS)
            .into_iter()
            .filter(|r| r.method == "GET" && !r.path.contains("operations"))
            .count()
    }

    /// PATCHes of any scale set (scale-downs).
    pub fn arm_patches(&self) -> usize {
        self.arm
            .requests()
            .into_iter()
            .filter(|r| r.method == "PATCH")
            .count()
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
}

/// `v` in order: for comparing names whose order the run does not fix.
pub fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// A Spot client of `server`.
pub fn spot_client_for(server: &SpotServer) -> SpotClient {
    SpotClient::new(
        ClientConfig {
            base_url: server.base_url.clone(),
            ..ClientConfig::default()
        },
        Credentials::new(TEST_TOKEN, Some(TEST_ACCOUNT.to_owned())),
    )
    .unwrap()
}

pub fn arm_client(server: &ArmServer) -> ArmClient {
    let mut c = ArmConfig::new(Url::parse(&server.url()).unwrap());
    c.retry = RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_secs(2),
    };
    c.poll = PollPolicy {
        default_interval: Duration::from_millis(5),
        max_interval: Duration::from_secs(2),
        timeout: Duration::from_secs(10),
    };
    let cfg = server.config();
    ArmClient::new(
        c,
        Arc::new(StaticToken::new(cfg.access_token.as_str())),
        cfg.subscription_id.clone(),
    )
    .unwrap()
}

/// Short timeouts and intervals.
pub fn fast() -> CutoverOptions {
    CutoverOptions {
        join_timeout: Duration::from_secs(3),
        drain_timeout: Duration::from_secs(3),
        join_poll_interval: Duration::from_millis(20),
        eviction_retry_interval: Duration::from_millis(20),
        ..CutoverOptions::default()
    }
}

/// Collects progress lines.
#[derive(Default)]
pub struct Lines(pub Vec<String>);

impl Lines {
    pub fn sink(&mut self) -> impl FnMut(&ProgressEvent) + Send + '_ {
        |e: &ProgressEvent| self.0.push(e.to_string())
    }

    pub fn has(&self, line: &str) -> bool {
        self.0.iter().any(|l| l == line)
    }
}

fn pod(ns: &str, name: &str, node: &str, app: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": app}},
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx"}]},
        "status": {"phase": "Running"}})
}

fn owned(mut p: Value, kind: &str, owner: &str) -> Value {
    p["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": kind,
        "name": owner, "uid": format!("uid-{owner}"), "controller": true}]);
    p
}

/// A Deployment's pod (ReplicaSet-owned).
pub fn replica_pod(ns: &str, name: &str, node: &str, app: &str) -> Value {
    owned(pod(ns, name, node, app), "ReplicaSet", &format!("{app}-rs"))
}

pub fn daemonset_pod(ns: &str, name: &str, node: &str) -> Value {
    owned(pod(ns, name, node, "agent"), "DaemonSet", "agent")
}

pub fn mirror_pod(ns: &str, name: &str, node: &str) -> Value {
    let mut p = pod(ns, name, node, "static");
    p["metadata"]["annotations"] = json!({"kubernetes.io/config.mirror": "0f1e2d"});
    p["metadata"]["ownerReferences"] = json!([{"apiVersion": "v1", "kind": "Node", "name": node, "uid": "node-uid", "controller": true}]);
    p
}

pub fn bare_pod(ns: &str, name: &str, node: &str) -> Value {
    pod(ns, name, node, name)
}

pub fn emptydir_pod(ns: &str, name: &str, node: &str) -> Value {
    let mut p = replica_pod(ns, name, node, name);
    p["spec"]["volumes"] = json!([{"name": "scratch", "emptyDir": {}}]);
    p
}

pub fn completed_pod(ns: &str, name: &str, node: &str) -> Value {
    let mut p = pod(ns, name, node, name);
    p["status"]["phase"] = json!("Succeeded");
    p
}
