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

use common::{Lines, replica_pod, spot_client_for, vm_provider_id};
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
        let (prefix, suffix, field) = match self.group.generation {
            ApiGeneration::V3 => ("/azure/compute/group/", "/detachVms", "vmsToDetach"),
            ApiGeneration::V2 => (
                "/compute/azure/group/",
                "/detachInstances",
                "instancesToDetach",
            ),
        };
        self.spot
            .requests_matching("PUT", prefix)
            .into_iter()
            .filter(|r| r.path.ends_with(suffix))
            .flat_map(|r| r.json()[field].as_array().cloned().unwrap_or_default())
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_that_allows_rolls_every_old_vm_and_keeps_the_capacity() {
    a_budget_that_allows(ApiGeneration::V3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_a_budget_that_allows_rolls_every_old_instance_and_keeps_the_capacity() {
    a_budget_that_allows(ApiGeneration::V2).await;
}

async fn a_budget_that_allows(generation: ApiGeneration) {
    let w = RollWorld::of(generation, 3).await;
    w.kube.add_pdb("shop", "web-pdb", json!({"app": "web"}), 3);
    let old = w.record(2).await;
    assert_eq!(old.len(), 3);

    let report = w.roll(&fast(), None).await.unwrap().unwrap();
    let mut replaced = report.replaced.clone();
    replaced.sort();
    let mut sorted_old = old.clone();
    sorted_old.sort();
    assert_eq!(replaced, sorted_old);
    let running = w.running();
    assert_eq!(running.len(), 3, "{running:?}");
    assert!(running.iter().all(|v| !old.contains(v)), "{running:?}");
    assert_eq!(w.capacity(), (3, 3), "target kept, maximum put back");
    assert!(
        *w.min_ready.lock().unwrap() >= 3,
        "never fewer Ready, schedulable nodes than the target"
    );
    // Each old VM detached once, its Node deleted, its pod evicted.
    let mut detached = w.detached();
    detached.sort();
    assert_eq!(detached, sorted_old);
    for vm in &old {
        assert!(w.node_of(vm).is_some(), "{vm} had a Node");
        assert!(!w.node_exists(vm), "{vm}'s Node deleted");
    }
    let mut deleted = report.deleted_nodes.clone();
    deleted.sort();
    let mut old_nodes: Vec<String> = old.iter().filter_map(|vm| w.node_of(vm)).collect();
    old_nodes.sort();
    assert_eq!(deleted, old_nodes);
    assert_eq!(report.evicted.len(), 3, "{:?}", report.evicted);
    // The roll is finished: nothing left in flight.
    let state = RollState::load(&RollState::path_in(w.dir.path())).unwrap();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_after_a_detach_resumes_without_losing_or_doubling_a_vm() {
    a_kill_after_a_detach(ApiGeneration::V3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_a_kill_after_a_detach_resumes_without_losing_or_doubling_an_instance() {
    a_kill_after_a_detach(ApiGeneration::V2).await;
}

async fn a_kill_after_a_detach(generation: ApiGeneration) {
    let w = RollWorld::of(generation, 3).await;
    w.kube.add_pdb("shop", "web-pdb", json!({"app": "web"}), 3);
    let old = w.record(1).await;

    // Killed as soon as the first detach reached Spot (before its Node was deleted and the
    // batch recorded done).
    let killed = w
        .roll(&fast(), Some(&|w: &RollWorld| !w.detached().is_empty()))
        .await;
    assert!(killed.is_none(), "the run was killed");
    assert_eq!(w.detached().len(), 1);

    w.roll(&fast(), None).await.unwrap().unwrap();
    let mut detached = w.detached();
    detached.sort();
    let mut sorted_old = old.clone();
    sorted_old.sort();
    assert_eq!(detached, sorted_old, "each old VM detached exactly once");
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
    let plan = RollState::load(&RollState::path_in(w.dir.path()))
        .unwrap()
        .get("agentpool1")
        .unwrap()
        .plan
        .clone();
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
    let w = RollWorld::of(ApiGeneration::V2, 2).await;
    w.kube.add_pdb("shop", "web-pdb", json!({"app": "web"}), 3);
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

/// Spot keeps listing detached VMs for a few status reads (terminating): the roll waits for
/// them, sending each detach once; the target is never lowered twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_lagging_after_the_detach_gets_one_detach_per_vm() {
    lagging_status(ApiGeneration::V3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_a_status_lagging_after_the_detach_gets_one_detach_per_instance() {
    lagging_status(ApiGeneration::V2).await;
}

async fn lagging_status(generation: ApiGeneration) {
    let w = RollWorld::of(generation, 3).await;
    w.kube.add_pdb("shop", "web-pdb", json!({"app": "web"}), 3);
    w.spot.keep_detached_listed(6);
    let old = w.record(1).await;

    let report = w.roll(&fast(), None).await.unwrap().unwrap();
    assert_eq!(report.replaced.len(), 3);
    let mut detached = w.detached();
    detached.sort();
    let mut sorted_old = old.clone();
    sorted_old.sort();
    assert_eq!(detached, sorted_old, "each old VM detached exactly once");
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

/// A detach recorded but not carried out (the run stopped between the record and the request:
/// here Spot refused it once) is sent on the re-run, once; one Spot carried out although its
/// answer was an error is not sent again: the lowered target shows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_detach_recorded_but_not_carried_out_is_sent_once_on_the_rerun() {
    recorded_detach(ApiGeneration::V3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_a_detach_recorded_but_not_carried_out_is_sent_once_on_the_rerun() {
    recorded_detach(ApiGeneration::V2).await;
}

async fn recorded_detach(generation: ApiGeneration) {
    let w = RollWorld::of(generation, 2).await;
    w.kube.add_pdb("shop", "web-pdb", json!({"app": "web"}), 3);
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
    let record = RollState::load(&RollState::path_in(w.dir.path()))
        .unwrap()
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
    let mut detached = w.detached()[1..].to_vec();
    detached.sort();
    let mut sorted_old = old.clone();
    sorted_old.sort();
    assert_eq!(detached, sorted_old, "each old VM detached exactly once");
    assert_eq!(w.capacity(), (2, 2));
    assert!(*w.min_target.lock().unwrap() >= 2, "never below the target");
}

/// Detached VMs Spot keeps listing past `--detach-timeout`'s limit: the roll stops naming them
/// and saying nothing more is sent; a re-run waits again and sends nothing either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detached_vms_listed_too_long_stop_the_roll_without_a_second_detach() {
    let w = RollWorld::new(2).await;
    w.kube.add_pdb("shop", "web-pdb", json!({"app": "web"}), 3);
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
