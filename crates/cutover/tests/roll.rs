//! `sync`'s roll against the local Spot server (VMs started per target, removed by detachVms,
//! v2 instances by detachInstances) and the local Kubernetes server (a "kubelet" here registers
//! each running VM as a Ready node: a v3 VM under its name, a v2 instance under a name of its
//! own with the instance's private IP as its InternalIP).

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use std::time::Duration;

use common::{Lines, replica_pod, sorted, spot_client_for, vm_provider_id};
use cutover::{
    RollError, RollGroup, RollOptions, RollReport, RollState, record_roll, run_roll_until,
};
use elastigroup::ApiGeneration;
use group_sync::CancellationToken;
use serde_json::json;
use spot_api::SpotClient;
use test_support::kube_server::{KubeServer, KubeServerConfig};
use test_support::spot_server::SpotServer;

struct RollWorld {
    /// The fewest Ready, schedulable nodes of the group's VMs seen during a roll.
    min_ready: std::sync::Mutex<usize>,
    /// The lowest capacity target seen during a roll.
    min_target: std::sync::Mutex<u64>,
    /// The progress lines of every roll run.
    lines: std::sync::Mutex<Vec<String>>,
    /// VMs seen running without a node (registered at the next look).
    booting: std::sync::Mutex<std::collections::BTreeSet<String>>,
    /// v2: the Node name of each instance registered (instance id → node).
    v2_nodes: std::sync::Mutex<std::collections::BTreeMap<String, String>>,
    /// The kubelet registers no Node while set (new VMs still booting).
    paused: std::sync::atomic::AtomicBool,
    kube: KubeServer,
    spot: SpotServer,
    dir: tempfile::TempDir,
    kube_client: kube::Client,
    spot_client: SpotClient,
    group: RollGroup,
}

impl RollWorld {
    /// A v3 group at `target` (maximum the same), its VMs running and Ready nodes, one
    /// Deployment pod on each (app `web`).
    async fn new(target: u32) -> RollWorld {
        Self::of(ApiGeneration::V3, target).await
    }

    /// [`RollWorld::of`] with a budget over the `web` pods that allows 3 disruptions: the
    /// drains are not held by it.
    async fn with_web_budget(generation: ApiGeneration, target: u32) -> RollWorld {
        let w = Self::of(generation, target).await;
        w.kube.add_pdb("shop", "web-pdb", json!({"app": "web"}), 3);
        w
    }

    /// The same for a group of `generation`.
    async fn of(generation: ApiGeneration, target: u32) -> RollWorld {
        let kube = KubeServer::start(KubeServerConfig::default()).await;
        let spot = SpotServer::start_envelope_only();
        let group_id = spot.insert_group(
            &generation.to_string(),
            json!({"name": "spotaks-agentpool1", "region": "eastus",
                "capacity": {"minimum": 0, "maximum": target, "target": target}}),
        );
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig.json");
        std::fs::write(&kubeconfig, kube.kubeconfig_json()).unwrap();
        let kube_client = cutover::client_from_kubeconfig(&kubeconfig).await.unwrap();
        let spot_client = spot_client_for(&spot);
        let group = RollGroup {
            pool: "agentpool1".into(),
            group_id,
            generation,
        };
        let w = RollWorld {
            min_ready: std::sync::Mutex::new(usize::MAX),
            min_target: std::sync::Mutex::new(u64::MAX),
            lines: std::sync::Mutex::default(),
            booting: std::sync::Mutex::default(),
            v2_nodes: std::sync::Mutex::default(),
            paused: std::sync::atomic::AtomicBool::new(false),
            kube,
            spot,
            dir,
            kube_client,
            spot_client,
            group,
        };
        // Spot starts the VMs once it is asked for the group's status.
        w.spot_client
            .group_vms(generation, &w.group.group_id)
            .await
            .unwrap();
        w.kubelet();
        w.kubelet();
        for (i, vm) in w.running().iter().enumerate() {
            let node = w.node_of(vm).unwrap();
            w.kube
                .add_pod(replica_pod("shop", &format!("web-{i}"), &node, "web"));
        }
        w
    }

    /// The Node name of a running or detached VM, once registered.
    fn node_of(&self, vm: &str) -> Option<String> {
        match self.group.generation {
            ApiGeneration::V3 => Some(vm.to_owned()),
            ApiGeneration::V2 => self.v2_nodes.lock().unwrap().get(vm).cloned(),
        }
    }

    fn node_exists(&self, vm: &str) -> bool {
        self.node_of(vm)
            .is_some_and(|n| self.kube.object(&format!("/api/v1/nodes/{n}")).is_some())
    }

    fn running(&self) -> Vec<String> {
        self.spot.running_vm_names(&self.group.group_id)
    }

    /// Registers each running VM without a Node as a Ready node (what its kubelet does), once
    /// it was seen running at an earlier call (a VM takes a while to boot).
    fn kubelet(&self) {
        if self.paused.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let mut booting = self.booting.lock().unwrap();
        for vm in self.spot.running_vms(&self.group.group_id) {
            match self.group.generation {
                ApiGeneration::V3 => {
                    let vm = vm["vmName"].as_str().unwrap().to_owned();
                    if self.kube.object(&format!("/api/v1/nodes/{vm}")).is_none()
                        && !booting.insert(vm.clone())
                    {
                        self.kube.add_node(&vm, Some(&vm_provider_id(&vm)), true);
                    }
                }
                ApiGeneration::V2 => {
                    // Named unlike the instance id: found by its private IP only.
                    let id = vm["instanceId"].as_str().unwrap().to_owned();
                    let mut nodes = self.v2_nodes.lock().unwrap();
                    if !nodes.contains_key(&id) && !booting.insert(id.clone()) {
                        let node = format!("k8s-agentpool1-spot-{}", nodes.len());
                        self.kube.add_node_at(
                            &node,
                            Some(&vm_provider_id(&node)),
                            vm["privateIp"].as_str(),
                            true,
                        );
                        nodes.insert(id, node);
                    }
                }
            }
        }
    }

    fn capacity(&self) -> (u64, u64) {
        let g = &self.spot.groups()[0].group["capacity"];
        (
            g["target"].as_u64().unwrap(),
            g["maximum"].as_u64().unwrap(),
        )
    }

    fn unschedulable(&self, node: &str) -> bool {
        self.kube
            .object(&format!("/api/v1/nodes/{node}"))
            .and_then(|n| n.pointer("/spec/unschedulable").and_then(|v| v.as_bool()))
            .unwrap_or(false)
    }

    /// Every VM name sent in a detachVms body (v2: instance id in a detachInstances body).
    fn detached(&self) -> Vec<String> {
        self.spot
            .detached_names(self.group.generation.as_str(), &self.group.group_id)
    }

    /// `spot-roll.json` as the roll left it.
    fn state(&self) -> RollState {
        RollState::load(&RollState::path_in(self.dir.path())).unwrap()
    }

    async fn record(&self, batch: usize) -> Vec<String> {
        record_roll(self.dir.path(), &self.group, &self.spot_client, batch)
            .await
            .unwrap()
            .old_vms
    }

    /// Runs the roll while the kubelet registers new VMs; `kill_when` aborts it (a kill).
    async fn roll(
        &self,
        options: &RollOptions,
        kill_when: Option<&dyn Fn(&RollWorld) -> bool>,
    ) -> Option<Result<RollReport, RollError>> {
        let cancel = CancellationToken::new();
        let mut lines = Lines::default();
        let result = {
            let mut sink = lines.sink();
            let run = run_roll_until(
                self.dir.path(),
                &self.group,
                &self.spot_client,
                &self.kube_client,
                options,
                &mut sink,
                &cancel,
            );
            tokio::pin!(run);
            self.watch(run.as_mut(), kill_when).await
        };
        self.lines.lock().unwrap().extend(lines.0);
        result
    }

    /// Polls `run` while playing the kubelet and watching the group; `None`: killed.
    async fn watch(
        &self,
        mut run: std::pin::Pin<
            &mut impl std::future::Future<Output = Result<RollReport, RollError>>,
        >,
        kill_when: Option<&dyn Fn(&RollWorld) -> bool>,
    ) -> Option<Result<RollReport, RollError>> {
        loop {
            tokio::select! {
                r = &mut run => return Some(r),
                () = tokio::time::sleep(Duration::from_millis(5)) => {
                    self.kubelet();
                    let ready = self
                        .running()
                        .iter()
                        .filter(|vm| self.node_exists(vm))
                        .filter(|vm| !self.unschedulable(&self.node_of(vm).unwrap()))
                        .count();
                    let mut min = self.min_ready.lock().unwrap();
                    *min = (*min).min(ready);
                    let mut min_target = self.min_target.lock().unwrap();
                    *min_target = (*min_target).min(self.capacity().0);
                    if kill_when.is_some_and(|k| k(self)) {
                        // Dropping the future is a kill: no cleanup runs.
                        return None;
                    }
                }
            }
        }
    }
}

fn fast() -> RollOptions {
    RollOptions {
        join_timeout: Duration::from_secs(5),
        drain_timeout: Duration::from_secs(2),
        poll_interval: Duration::from_millis(10),
        eviction_retry_interval: Duration::from_millis(20),
        ..RollOptions::default()
    }
}

/// Two tests running `$body(generation)`: `$v3` against a v3 group (VMs), `$v2` against a v2
/// group (instances), the roll the same for both.
macro_rules! v3_and_v2 {
    ($(#[doc = $doc:literal])* $v3:ident, $v2:ident, $body:ident) => {
        $(#[doc = $doc])*
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $v3() {
            $body(ApiGeneration::V3).await;
        }

        $(#[doc = $doc])*
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $v2() {
            $body(ApiGeneration::V2).await;
        }
    };
}

v3_and_v2!(
    a_budget_that_allows_rolls_every_old_vm_and_keeps_the_capacity,
    v2_a_budget_that_allows_rolls_every_old_instance_and_keeps_the_capacity,
    a_budget_that_allows
);

async fn a_budget_that_allows(generation: ApiGeneration) {
    let w = RollWorld::with_web_budget(generation, 3).await;
    let old = w.record(2).await;
    assert_eq!(old.len(), 3);

    let report = w.roll(&fast(), None).await.unwrap().unwrap();
    let sorted_old = sorted(old.clone());
    assert_eq!(sorted(report.replaced.clone()), sorted_old);
    let running = w.running();
    assert_eq!(running.len(), 3, "{running:?}");
    assert!(running.iter().all(|v| !old.contains(v)), "{running:?}");
    assert_eq!(w.capacity(), (3, 3), "target kept, maximum put back");
    assert!(
        *w.min_ready.lock().unwrap() >= 3,
        "never fewer Ready, schedulable nodes than the target"
    );
    // Each old VM detached once, its Node deleted, its pod evicted.
    assert_eq!(sorted(w.detached()), sorted_old);
    for vm in &old {
        assert!(w.node_of(vm).is_some(), "{vm} had a Node");
        assert!(!w.node_exists(vm), "{vm}'s Node deleted");
    }
    assert_eq!(
        sorted(report.deleted_nodes.clone()),
        sorted(old.iter().filter_map(|vm| w.node_of(vm)).collect())
    );
    assert_eq!(report.evicted.len(), 3, "{:?}", report.evicted);
    // The roll is finished: nothing left in flight.
    let state = w.state();
    assert!(state.get("agentpool1").is_none());
    // A second run has nothing to do and sends nothing.
    let before = w.spot.requests_matching("PUT", "/").len();
    let again = w.roll(&fast(), None).await.unwrap().unwrap();
    assert_eq!(again, RollReport::default());
    assert_eq!(w.spot.requests_matching("PUT", "/").len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_budget_uncordons_keeps_the_old_vms_and_a_rerun_resumes() {
    let w = RollWorld::new(2).await;
    w.kube.add_pdb("shop", "web-pdb", json!({"app": "web"}), 0);
    let old = w.record(1).await;

    let err = w.roll(&fast(), None).await.unwrap().unwrap_err();
    let text = err.to_string();
    let RollError::DrainTimeout {
        budgets,
        uncordoned,
        ..
    } = &err
    else {
        panic!("{text}");
    };
    assert_eq!(budgets[0].budget, "shop/web-pdb", "{text}");
    assert!(text.contains("PodDisruptionBudget shop/web-pdb"), "{text}");
    assert_eq!(uncordoned.len(), 1, "{text}");
    assert!(!w.unschedulable(&uncordoned[0]));
    assert!(w.detached().is_empty(), "no VM removed");
    for vm in &old {
        assert!(w.running().contains(vm), "old VM {vm} kept");
    }

    // Once the budget allows it, a re-run finishes without starting more VMs.
    w.kube.set_pdb_disruptions_allowed("shop", "web-pdb", 2);
    w.roll(&fast(), None).await.unwrap().unwrap();
    let running = w.running();
    assert_eq!(running.len(), 2, "{running:?}");
    assert!(running.iter().all(|v| !old.contains(v)), "{running:?}");
    assert_eq!(w.capacity(), (2, 2));
}

v3_and_v2!(
    a_kill_after_a_detach_resumes_without_losing_or_doubling_a_vm,
    v2_a_kill_after_a_detach_resumes_without_losing_or_doubling_an_instance,
    a_kill_after_a_detach
);

async fn a_kill_after_a_detach(generation: ApiGeneration) {
    let w = RollWorld::with_web_budget(generation, 3).await;
    let old = w.record(1).await;

    // Killed as soon as the first detach reached Spot (before its Node was deleted and the
    // batch recorded done).
    let killed = w
        .roll(&fast(), Some(&|w: &RollWorld| !w.detached().is_empty()))
        .await;
    assert!(killed.is_none(), "the run was killed");
    assert_eq!(w.detached().len(), 1);

    w.roll(&fast(), None).await.unwrap().unwrap();
    assert_eq!(
        sorted(w.detached()),
        sorted(old.clone()),
        "each old VM detached exactly once"
    );
    let running = w.running();
    assert_eq!(running.len(), 3, "{running:?}");
    assert!(running.iter().all(|v| !old.contains(v)));
    assert_eq!(w.capacity(), (3, 3));
    assert!(*w.min_ready.lock().unwrap() >= 3);
    // Three new VMs started in all: none doubled.
    let started: Vec<String> = w
        .kube
        .object_paths()
        .into_iter()
        .filter(|p| p.starts_with("/api/v1/nodes/"))
        .collect();
    assert_eq!(started.len(), 3, "{started:?}");
    for vm in &old {
        assert!(w.node_of(vm).is_some(), "{vm} had a Node");
        assert!(!w.node_exists(vm), "{vm}'s Node deleted");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_during_a_roll_adds_the_vms_started_since() {
    let w = RollWorld::new(2).await;
    w.kube.add_pdb("shop", "web-pdb", json!({"app": "web"}), 0);
    let old = w.record(1).await;
    // The drain times out: the target stays raised, a VM started from the first update runs.
    assert!(w.roll(&fast(), None).await.unwrap().is_err());
    let since: Vec<String> = w
        .running()
        .into_iter()
        .filter(|v| !old.contains(v))
        .collect();
    assert_eq!(since.len(), 1, "{:?}", w.running());
    // A second update before the roll finished: that VM is old now too; the rest is kept.
    let again = w.record(1).await;
    assert_eq!(again.len(), 3);
    assert!(again.contains(&since[0]));
    let plan = w.state().get("agentpool1").unwrap().plan.clone();
    assert_eq!(
        plan.target, 2,
        "the capacity before the first update is kept"
    );
}

/// A v2 instance's private IP freed by the roll's detach, given by Azure to the replacement of
/// an evicted instance while the detached one's Node (cordoned, not deleted yet: the run was
/// killed) still lists it: the Node is the new instance's, not an ambiguity, and the detached
/// one's Node is the one deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_an_address_reused_after_a_detach_finds_the_new_node() {
    let w = RollWorld::with_web_budget(ApiGeneration::V2, 2).await;
    let old = w.record(1).await;
    let killed = w
        .roll(&fast(), Some(&|w: &RollWorld| !w.detached().is_empty()))
        .await;
    assert!(killed.is_none(), "the run was killed");
    let detached = w.detached();
    assert_eq!(detached.len(), 1);
    let gone_node = w.node_of(&detached[0]).unwrap();
    let gone_ip = w
        .kube
        .object(&format!("/api/v1/nodes/{gone_node}"))
        .unwrap()
        .pointer("/status/addresses/1/address")
        .and_then(|a| a.as_str().map(str::to_owned))
        .unwrap();
    // The other old instance is evicted; its replacement gets the freed address and joins.
    let other = old.iter().find(|v| **v != detached[0]).unwrap();
    assert!(w.spot.evict_vm(&w.group.group_id, other));
    w.spot.reuse_v2_private_ip(&gone_ip);
    w.spot_client
        .group_vms(ApiGeneration::V2, &w.group.group_id)
        .await
        .unwrap();
    w.kubelet();
    w.kubelet();
    let replacement = w
        .running()
        .into_iter()
        .find(|v| {
            w.spot
                .running_vms(&w.group.group_id)
                .iter()
                .any(|r| r["instanceId"] == v.as_str() && r["privateIp"] == gone_ip.as_str())
        })
        .unwrap();
    let new_node = w.node_of(&replacement).unwrap();
    assert!(w.unschedulable(&gone_node), "still cordoned");

    let report = w.roll(&fast(), None).await.unwrap().unwrap();
    assert_eq!(report.deleted_nodes, std::slice::from_ref(&gone_node));
    assert!(
        w.kube
            .object(&format!("/api/v1/nodes/{gone_node}"))
            .is_none()
    );
    assert!(
        !w.unschedulable(&new_node),
        "the new instance's Node is left alone"
    );
    assert_eq!(
        w.detached(),
        detached,
        "the evicted instance needs no detach"
    );
    assert_eq!(w.capacity(), (2, 2));
}

/// Holds (or lets go) the kubelet: new VMs register no Node while held.
fn pause_kubelet(w: &RollWorld, paused: bool) {
    w.paused.store(paused, std::sync::atomic::Ordering::SeqCst);
}

/// A Ready Node registered long before the roll's new v2 instance lists the instance's
/// private IP (a Node of an earlier VM at that address, or one registered by hand): it is not
/// the instance's, so the old node is not cordoned until the instance's own Node registers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_a_stale_node_at_a_new_instances_ip_cordons_nothing_until_its_node_registers() {
    let w = RollWorld::with_web_budget(ApiGeneration::V2, 1).await;
    let old = w.record(1).await;
    let old_node = w.node_of(&old[0]).unwrap();
    let ip = "10.240.200.9";
    w.spot.reuse_v2_private_ip(ip);
    let stale = "k8s-agentpool1-stale";
    w.kube
        .add_node_at(stale, Some(&vm_provider_id(stale)), Some(ip), true);
    w.kube.set_node_created(stale, Some("2026-01-01T00:00:00Z"));

    pause_kubelet(&w, true);
    let options = RollOptions {
        join_timeout: Duration::from_millis(500),
        ..fast()
    };
    let err = w.roll(&options, None).await.unwrap().unwrap_err();
    assert!(
        matches!(
            err,
            RollError::JoinTimeout {
                ready: 0,
                needed: 1,
                ..
            }
        ),
        "{err}"
    );
    let new = w
        .running()
        .into_iter()
        .find(|v| !old.contains(v))
        .expect("the roll started a new instance");
    assert!(
        w.spot
            .running_vms(&w.group.group_id)
            .iter()
            .any(|r| r["instanceId"] == new.as_str() && r["privateIp"] == ip),
        "the new instance has the stale Node's address"
    );
    assert!(!w.unschedulable(&old_node), "the old node is not cordoned");
    assert!(!w.unschedulable(stale));
    assert!(w.detached().is_empty());

    // The instance's own Node registers: the roll goes on and replaces the old instance.
    pause_kubelet(&w, false);
    let report = w.roll(&fast(), None).await.unwrap().unwrap();
    assert_eq!(report.cordoned, std::slice::from_ref(&old_node));
    assert_eq!(w.detached(), old);
    assert!(w.node_of(&new).is_some_and(|n| n != stale));
    assert!(
        w.kube.object(&format!("/api/v1/nodes/{stale}")).is_some() && !w.unschedulable(stale),
        "the stale Node is not the roll's"
    );
    assert_eq!(*w.min_ready.lock().unwrap(), 1, "never below the target");
    assert_eq!(w.capacity(), (1, 1));
}

/// A Node this roll recorded as an old VM's stays an old VM's after its batch: made
/// schedulable again (so not deleted) while it still lists its instance's freed address, it
/// never counts as the Node of a new instance given that address, even one created moments
/// after it registered (within the clock-skew allowance).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_an_earlier_batchs_node_never_counts_as_a_new_instances() {
    let w = RollWorld::with_web_budget(ApiGeneration::V2, 2).await;
    w.spot.keep_detached_listed(40);
    let old = w.record(1).await;
    let killed = w
        .roll(&fast(), Some(&|w: &RollWorld| !w.detached().is_empty()))
        .await;
    assert!(killed.is_none(), "the run was killed");
    let first = w.detached();
    assert_eq!(first.len(), 1);
    let first_node = w.node_of(&first[0]).unwrap();
    let path = format!("/api/v1/nodes/{first_node}");
    let mut node = w.kube.object(&path).unwrap();
    assert!(w.unschedulable(&first_node), "drained, cordoned");
    let first_ip = node
        .pointer("/status/addresses/1/address")
        .and_then(|a| a.as_str().map(str::to_owned))
        .unwrap();
    // Someone uncordons it: the roll will not delete a Node made schedulable since.
    node["spec"]["unschedulable"] = json!(false);
    w.kube.put_object(&path, node);
    // The next batch's new instance gets the freed address; its own Node takes a while.
    w.spot.reuse_v2_private_ip(&first_ip);
    pause_kubelet(&w, true);
    let second = old.iter().find(|v| **v != first[0]).unwrap();
    let second_node = w.node_of(second).unwrap();
    let options = RollOptions {
        join_timeout: Duration::from_millis(800),
        ..fast()
    };
    let err = w.roll(&options, None).await.unwrap().unwrap_err();
    assert!(
        matches!(
            err,
            RollError::JoinTimeout {
                ready: 1,
                needed: 2,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        w.spot
            .running_vms(&w.group.group_id)
            .iter()
            .any(|r| r["privateIp"] == first_ip.as_str()
                && !old.iter().any(|o| r["instanceId"] == o.as_str())),
        "a new instance has the first batch's address"
    );
    assert!(
        !w.unschedulable(&second_node),
        "the second batch is not cordoned"
    );
    assert_eq!(w.detached(), first);

    pause_kubelet(&w, false);
    w.roll(&fast(), None).await.unwrap().unwrap();
    assert_eq!(sorted(w.detached()), sorted(old.clone()));
    assert_eq!(w.capacity(), (2, 2));
}

/// A v2 instance of the batch without a private IP in Spot's status: its Node cannot be found,
/// so nothing is cordoned, drained or detached, and the error says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_an_instance_without_a_private_ip_is_neither_drained_nor_removed() {
    let w = RollWorld::of(ApiGeneration::V2, 2).await;
    let mut vms = w.spot.running_vms(&w.group.group_id);
    let mut unknown = vms[0].clone();
    unknown["instanceId"] = json!("0f1e2d3c-0000-4000-8000-000000000001");
    unknown.as_object_mut().unwrap().remove("privateIp");
    vms.insert(0, unknown);
    w.spot.set_group_vms(&w.group.group_id, vms);
    w.record(1).await;

    let err = w.roll(&fast(), None).await.unwrap().unwrap_err();
    assert!(
        matches!(&err, RollError::Unidentified { vm, .. } if vm == "0f1e2d3c-0000-4000-8000-000000000001"),
        "{err}"
    );
    assert!(err.to_string().contains("no private IP"), "{err}");
    assert!(w.detached().is_empty());
    for vm in w.running() {
        assert!(
            !w.unschedulable(&w.node_of(&vm).unwrap()),
            "{vm} not cordoned"
        );
    }
}

v3_and_v2! {
    /// Spot keeps listing detached VMs for a few status reads (terminating): the roll waits for
    /// them, sending each detach once; the target is never lowered twice.
    a_status_lagging_after_the_detach_gets_one_detach_per_vm,
    v2_a_status_lagging_after_the_detach_gets_one_detach_per_instance,
    lagging_status
}

async fn lagging_status(generation: ApiGeneration) {
    let w = RollWorld::with_web_budget(generation, 3).await;
    w.spot.keep_detached_listed(6);
    let old = w.record(1).await;

    let report = w.roll(&fast(), None).await.unwrap().unwrap();
    assert_eq!(report.replaced.len(), 3);
    assert_eq!(
        sorted(w.detached()),
        sorted(old.clone()),
        "each old VM detached exactly once"
    );
    assert_eq!(w.capacity(), (3, 3));
    assert!(*w.min_target.lock().unwrap() >= 3, "never below the target");
    assert!(*w.min_ready.lock().unwrap() >= 3);
    let lines = w.lines.lock().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("after their detach; waiting (the detach is not sent again)")),
        "{lines:?}"
    );
    for vm in &old {
        assert!(
            !w.node_exists(vm),
            "{vm}'s Node deleted once it left the group"
        );
    }
}

v3_and_v2! {
    /// A detach recorded but not carried out (the run stopped between the record and the request:
    /// here Spot refused it once) is sent on the re-run, once; one Spot carried out although its
    /// answer was an error is not sent again: the lowered target shows it.
    a_detach_recorded_but_not_carried_out_is_sent_once_on_the_rerun,
    v2_a_detach_recorded_but_not_carried_out_is_sent_once_on_the_rerun,
    recorded_detach
}

async fn recorded_detach(generation: ApiGeneration) {
    let w = RollWorld::with_web_budget(generation, 2).await;
    w.spot.keep_detached_listed(4);
    let old = w.record(1).await;
    let (prefix, suffix) = match generation {
        ApiGeneration::V3 => ("/azure/compute/group/", "detachVms"),
        ApiGeneration::V2 => ("/compute/azure/group/", "detachInstances"),
    };
    let path = format!("{prefix}{}/{suffix}", w.group.group_id);
    let sends = || w.spot.requests_matching("PUT", &path).len();

    // Not carried out: the record stays unsent, the target untouched.
    w.spot.inject(
        "PUT",
        &path,
        test_support::fault::Fault::error(400, "BAD_REQUEST", "try later", None),
    );
    let err = w.roll(&fast(), None).await.unwrap().unwrap_err();
    assert!(matches!(err, RollError::Spot { .. }), "{err}");
    assert_eq!(sends(), 1);
    let refused = w.detached();
    assert_eq!(refused.len(), 1);
    assert!(w.running().contains(&refused[0]), "not carried out");
    let record = w
        .state()
        .get("agentpool1")
        .unwrap()
        .progress
        .detach
        .clone()
        .unwrap();
    assert!(!record.sent);
    assert_eq!(record.target_before, 3);
    assert_eq!(w.capacity().0, 3);

    // Carried out, but answered with an error: not sent again (the lowered target says so).
    w.spot.inject(
        "PUT",
        &path,
        test_support::fault::Fault::process_then_status(500),
    );
    let err = w.roll(&fast(), None).await.unwrap().unwrap_err();
    assert!(matches!(err, RollError::Spot { .. }), "{err}");
    assert_eq!(sends(), 2);
    assert_eq!(w.detached(), [refused[0].clone(), refused[0].clone()]);
    assert!(!w.running().contains(&refused[0]), "carried out");
    assert_eq!(w.capacity().0, 2, "lowered once");

    w.roll(&fast(), None).await.unwrap().unwrap();
    // The refused request, then one carried out per old VM.
    assert_eq!(
        sorted(w.detached()[1..].to_vec()),
        sorted(old.clone()),
        "each old VM detached exactly once"
    );
    assert_eq!(w.capacity(), (2, 2));
    assert!(*w.min_target.lock().unwrap() >= 2, "never below the target");
}

/// Detached VMs Spot keeps listing past `--detach-timeout`'s limit: the roll stops naming them
/// and saying nothing more is sent; a re-run waits again and sends nothing either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detached_vms_listed_too_long_stop_the_roll_without_a_second_detach() {
    let w = RollWorld::with_web_budget(ApiGeneration::V3, 2).await;
    w.spot.keep_detached_listed(100_000);
    w.record(1).await;
    let options = RollOptions {
        detach_timeout: Duration::from_millis(300),
        ..fast()
    };
    for _ in 0..2 {
        let err = w.roll(&options, None).await.unwrap().unwrap_err();
        let RollError::DetachTimeout { vms, .. } = &err else {
            panic!("{err}");
        };
        assert_eq!(vms, &w.detached(), "{err}");
        let text = err.to_string();
        assert!(
            text.contains(&format!("Spot still lists {}", vms[0]))
                && text.contains("nothing more will be sent for them")
                && text.contains("target 3 before it, 2 now"),
            "{text}"
        );
        assert_eq!(w.detached().len(), 1, "one detach");
        assert_eq!(w.capacity().0, 2);
    }
}

/// Spot's status answer leaving the batch's VMs out before this roll detached them (a partial
/// or lagging answer; here an empty one, twice) is not taken as their detach: no Node of a
/// running VM is deleted, nothing is marked replaced, and the roll does not end as if the old
/// VMs were gone while their Nodes are Ready; a re-run rolls each old VM once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_answer_without_the_batch_before_its_detach_deletes_no_node() {
    let w = RollWorld::with_web_budget(ApiGeneration::V3, 2).await;
    let old = w.record(1).await;
    let status = format!("/azure/compute/group/{}/status", w.group.group_id);
    let empty = r#"{"request":{"id":"r"},"response":{"status":{"code":200,"message":"OK"},"kind":"spotinst:azure:compute:group:status","items":[{"status":"ready","vms":[]}],"count":1}}"#;
    // The first look starts the batch; the next two find no VM.
    w.spot
        .inject("GET", &status, test_support::fault::Fault::pass());
    w.spot.inject(
        "GET",
        &status,
        test_support::fault::Fault::raw(200, empty).times(2),
    );

    let first = w.roll(&fast(), None).await.unwrap();
    for vm in &old {
        assert!(w.node_exists(vm), "{vm}'s Node kept: {first:?}");
        assert!(!w.unschedulable(vm), "{vm} not left cordoned");
        assert!(w.running().contains(vm), "{vm} still runs");
    }
    assert!(w.detached().is_empty(), "nothing detached");
    let err = first.expect_err("the roll is not done while the old VMs' Nodes are Ready");
    assert!(
        err.to_string().contains("no longer lists"),
        "the error says why: {err}"
    );
    assert!(
        w.state().get("agentpool1").is_some(),
        "the roll stays recorded"
    );

    w.roll(&fast(), None).await.unwrap().unwrap();
    assert_eq!(
        sorted(w.detached()),
        sorted(old.clone()),
        "each old VM detached exactly once"
    );
    assert_eq!(w.capacity(), (2, 2));
    assert!(*w.min_ready.lock().unwrap() >= 2);
    for vm in w.running() {
        assert!(w.node_exists(&vm), "{vm} runs with a Node");
    }
}

v3_and_v2! {
    /// Spot answers a detach 200 but names none of the VMs asked for as detached (and detached
    /// none, the target untouched): the VM is asked for again, once, rather than waited for until
    /// `--detach-timeout`; the capacity never dips.
    a_detach_answered_without_the_vm_is_sent_again_once,
    v2_a_detach_answered_without_the_instance_is_sent_again_once,
    partial_answer
}

async fn partial_answer(generation: ApiGeneration) {
    let w = RollWorld::with_web_budget(generation, 2).await;
    let old = w.record(1).await;
    let (path, item) = match generation {
        ApiGeneration::V3 => (
            format!("/azure/compute/group/{}/detachVms", w.group.group_id),
            r#"{"detachedVms":[],"newVms":[]}"#,
        ),
        ApiGeneration::V2 => (
            format!("/compute/azure/group/{}/detachInstances", w.group.group_id),
            r#"{"detachedOd":[],"detachedLowPriority":[]}"#,
        ),
    };
    let answer = format!(
        r#"{{"request":{{"id":"r"}},"response":{{"status":{{"code":200,"message":"OK"}},"items":[{item}],"count":1}}}}"#
    );
    w.spot
        .inject("PUT", &path, test_support::fault::Fault::raw(200, &answer));
    let options = RollOptions {
        detach_timeout: Duration::from_secs(3),
        ..fast()
    };
    let report = w.roll(&options, None).await.unwrap().unwrap();
    assert_eq!(report.replaced.len(), 2);
    let detached = w.detached();
    assert_eq!(
        detached.len(),
        3,
        "the unanswered VM asked for twice: {detached:?}"
    );
    let mut unique = sorted(detached.clone());
    unique.dedup();
    assert_eq!(unique, sorted(old.clone()));
    assert_eq!(w.capacity(), (2, 2));
    assert!(*w.min_target.lock().unwrap() >= 2, "never below the target");
    assert!(*w.min_ready.lock().unwrap() >= 2);
}

/// Spot's answer for the group without its capacity (a partial answer): the roll stops with an
/// error saying so, and changes nothing (before, a missing target or maximum read as 0: the
/// maximum was set to the raised target, and a later look "restored" it in a loop).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_answer_without_its_capacity_changes_nothing() {
    let w = RollWorld::with_web_budget(ApiGeneration::V3, 2).await;
    w.record(1).await;
    let path = format!("/azure/compute/group/{}", w.group.group_id);
    let answer = format!(
        r#"{{"request":{{"id":"r"}},"response":{{"status":{{"code":200,"message":"OK"}},"items":[{{"id":"{}","name":"spotaks-agentpool1","region":"eastus"}}],"count":1}}}}"#,
        w.group.group_id
    );
    w.spot
        .inject("GET", &path, test_support::fault::Fault::raw(200, &answer));
    let before = w.spot.requests_matching("PUT", "/").len();
    let err = w.roll(&fast(), None).await.unwrap().unwrap_err();
    assert!(err.to_string().contains("capacity"), "{err}");
    assert_eq!(w.spot.requests_matching("PUT", "/").len(), before, "{err}");
    assert_eq!(w.capacity(), (2, 2));
    // The next run, with whole answers, rolls.
    w.roll(&fast(), None).await.unwrap().unwrap();
    assert_eq!(w.capacity(), (2, 2));
    assert_eq!(w.detached().len(), 2);
}
