//! `sync`'s rolls of several pools at once (`run_rolls`, bounded by `--concurrency`) against the
//! local Spot server (VMs started per target, removed by detachVms) and the local Kubernetes
//! server (a "kubelet" here registers each running VM as a Ready node under its name).

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{replica_pod, sorted, spot_client_for, vm_provider_id};
use cutover::{
    Progress, RollError, RollGroup, RollOptions, RollReport, RollState, record_roll, run_rolls,
};
use elastigroup::ApiGeneration;
use group_sync::CancellationToken;
use serde_json::json;
use spot_api::SpotClient;
use test_support::kube_server::{KubeServer, KubeServerConfig};
use test_support::spot_server::SpotServer;

type Outcomes = Vec<Result<RollReport, RollError>>;

/// Two (or more) v3 groups of one cluster, each pool's pods under its own budget.
struct Pools {
    /// Per pool, the fewest Ready, schedulable nodes of its group's VMs seen during a roll.
    min_ready: Mutex<Vec<usize>>,
    /// Both groups' targets were seen raised above their capacity at one look.
    all_raised: Mutex<bool>,
    /// The progress lines of every roll run.
    lines: Arc<Mutex<Vec<String>>>,
    /// VMs seen running without a node (registered at the next look).
    booting: Mutex<BTreeSet<String>>,
    /// Each pool's capacity (target = maximum) before the roll.
    targets: Vec<u64>,
    kube: KubeServer,
    spot: SpotServer,
    dir: tempfile::TempDir,
    kube_client: kube::Client,
    spot_client: SpotClient,
    groups: Vec<RollGroup>,
}

impl Pools {
    /// A group per target (pools `agentpool1`, `agentpool2`, ...), their VMs running and Ready
    /// nodes, one Deployment pod on each (app `web<i>`, i from 1) under budget `web<i>-pdb`
    /// allowing `allowed[i - 1]` disruptions.
    async fn new(targets: &[u32], allowed: &[i64]) -> Pools {
        let kube = KubeServer::start(KubeServerConfig::default()).await;
        let spot = SpotServer::start_envelope_only();
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig.json");
        std::fs::write(&kubeconfig, kube.kubeconfig_json()).unwrap();
        let kube_client = cutover::client_from_kubeconfig(&kubeconfig).await.unwrap();
        let spot_client = spot_client_for(&spot);
        let groups: Vec<RollGroup> = targets
            .iter()
            .enumerate()
            .map(|(i, target)| {
                let pool = format!("agentpool{}", i + 1);
                let group_id = spot.insert_group(
                    "v3",
                    json!({"name": format!("spotaks-{pool}"), "region": "eastus",
                        "capacity": {"minimum": 0, "maximum": target, "target": target}}),
                );
                RollGroup {
                    pool,
                    group_id,
                    generation: ApiGeneration::V3,
                }
            })
            .collect();
        let p = Pools {
            min_ready: Mutex::new(vec![usize::MAX; groups.len()]),
            all_raised: Mutex::new(false),
            lines: Arc::default(),
            booting: Mutex::default(),
            targets: targets.iter().map(|t| u64::from(*t)).collect(),
            kube,
            spot,
            dir,
            kube_client,
            spot_client,
            groups,
        };
        for g in &p.groups {
            // Spot starts the VMs once it is asked for the group's status.
            p.spot_client
                .group_vms(g.generation, &g.group_id)
                .await
                .unwrap();
        }
        p.kubelet();
        p.kubelet();
        for (i, g) in p.groups.iter().enumerate() {
            let app = format!("web{}", i + 1);
            for (j, vm) in p.running(i).iter().enumerate() {
                p.kube
                    .add_pod(replica_pod("shop", &format!("{app}-{j}"), vm, &app));
            }
            p.kube.add_pdb(
                "shop",
                &format!("{app}-pdb"),
                json!({"app": app}),
                allowed[i],
            );
            let _ = g;
        }
        p
    }

    fn running(&self, i: usize) -> Vec<String> {
        self.spot.running_vm_names(&self.groups[i].group_id)
    }

    fn node_exists(&self, vm: &str) -> bool {
        self.kube.object(&format!("/api/v1/nodes/{vm}")).is_some()
    }

    fn unschedulable(&self, node: &str) -> bool {
        self.kube
            .object(&format!("/api/v1/nodes/{node}"))
            .and_then(|n| n.pointer("/spec/unschedulable").and_then(|v| v.as_bool()))
            .unwrap_or(false)
    }

    /// Registers each running VM without a Node as a Ready node, once it was seen running at
    /// an earlier call (a VM takes a while to boot).
    fn kubelet(&self) {
        let mut booting = self.booting.lock().unwrap();
        for g in &self.groups {
            for vm in self.spot.running_vm_names(&g.group_id) {
                if !self.node_exists(&vm) && !booting.insert(vm.clone()) {
                    self.kube.add_node(&vm, Some(&vm_provider_id(&vm)), true);
                }
            }
        }
    }

    /// Pool `i`'s group's (target, maximum).
    fn capacity(&self, i: usize) -> (u64, u64) {
        let groups = self.spot.groups();
        let g = groups
            .iter()
            .find(|g| g.id() == self.groups[i].group_id)
            .unwrap();
        let c = &g.group["capacity"];
        (
            c["target"].as_u64().unwrap(),
            c["maximum"].as_u64().unwrap(),
        )
    }

    /// Every VM name sent in a detachVms body for pool `i`'s group.
    fn detached(&self, i: usize) -> Vec<String> {
        sorted(self.spot.detached_names("v3", &self.groups[i].group_id))
    }

    /// The Spot writes in the order they came: (pool index, `raise` or `detach`).
    fn writes(&self) -> Vec<(usize, &'static str)> {
        self.spot
            .requests_matching("PUT", "/azure/compute/group/")
            .into_iter()
            .filter_map(|r| {
                let i = self
                    .groups
                    .iter()
                    .position(|g| r.path.contains(&g.group_id))?;
                let what = if r.path.ends_with("/detachVms") {
                    "detach"
                } else {
                    "raise"
                };
                // The capacity put back at the end is not a raise.
                let raised = r.json()["group"]["capacity"]["target"]
                    .as_u64()
                    .is_some_and(|t| t > self.targets[i]);
                (what == "detach" || raised).then_some((i, what))
            })
            .collect()
    }

    /// Each pool's old VMs, recorded before its update, sorted.
    async fn record(&self, batch: usize) -> Vec<Vec<String>> {
        let mut old = Vec::new();
        for g in &self.groups {
            let mut vms = record_roll(self.dir.path(), g, &self.spot_client, batch)
                .await
                .unwrap()
                .old_vms;
            vms.sort();
            old.push(vms);
        }
        old
    }

    /// Runs the pools' rolls, `pools_at_once` at once, while the kubelet registers new VMs;
    /// `kill_when` aborts them (a kill).
    async fn roll(
        &self,
        options: &RollOptions,
        pools_at_once: usize,
        kill_when: Option<&dyn Fn(&Pools) -> bool>,
    ) -> Option<Outcomes> {
        self.roll_until(options, pools_at_once, kill_when, None)
            .await
    }

    /// [`Pools::roll`]; `cancel_when` cancels them (Ctrl-C) and lets them stop.
    async fn roll_until(
        &self,
        options: &RollOptions,
        pools_at_once: usize,
        kill_when: Option<&dyn Fn(&Pools) -> bool>,
        cancel_when: Option<&dyn Fn(&Pools) -> bool>,
    ) -> Option<Outcomes> {
        let options = RollOptions {
            pools_at_once,
            ..options.clone()
        };
        let cancel = CancellationToken::new();
        let lines = self.lines.clone();
        let progress_for = move |pool: &str| -> Box<dyn Progress> {
            let pool = pool.to_owned();
            let lines = lines.clone();
            Box::new(move |e: &cutover::ProgressEvent| {
                lines.lock().unwrap().push(e.line_of(&pool));
            })
        };
        let run = run_rolls(
            self.dir.path(),
            &self.groups,
            &self.spot_client,
            &self.kube_client,
            &options,
            &progress_for,
            &cancel,
        );
        tokio::pin!(run);
        loop {
            tokio::select! {
                r = &mut run => return Some(r.unwrap()),
                () = tokio::time::sleep(Duration::from_millis(5)) => {
                    self.kubelet();
                    let mut min = self.min_ready.lock().unwrap();
                    let mut raised = 0;
                    for i in 0..self.groups.len() {
                        let ready = self
                            .running(i)
                            .iter()
                            .filter(|vm| self.node_exists(vm) && !self.unschedulable(vm))
                            .count();
                        min[i] = min[i].min(ready);
                        if self.capacity(i).0 > self.targets[i] {
                            raised += 1;
                        }
                    }
                    if raised == self.groups.len() {
                        *self.all_raised.lock().unwrap() = true;
                    }
                    if kill_when.is_some_and(|k| k(self)) {
                        // Dropping the future is a kill: no cleanup runs.
                        return None;
                    }
                    if cancel_when.is_some_and(|c| c(self)) {
                        cancel.cancel();
                    }
                }
            }
        }
    }

    /// Every pool's roll finished: old VMs gone (each detached exactly once, its Node deleted),
    /// as many new ones running, the capacity kept, never fewer Ready nodes than the target.
    fn assert_rolled(&self, old: &[Vec<String>]) {
        for (i, old) in old.iter().enumerate() {
            let pool = &self.groups[i].pool;
            assert_eq!(&self.detached(i), old, "{pool}: each old VM detached once");
            let running = self.running(i);
            assert_eq!(running.len() as u64, self.targets[i], "{pool}: {running:?}");
            assert!(
                running.iter().all(|v| !old.contains(v)),
                "{pool}: {running:?}"
            );
            for vm in old {
                assert!(!self.node_exists(vm), "{pool}: {vm}'s Node deleted");
            }
            assert_eq!(
                self.capacity(i),
                (self.targets[i], self.targets[i]),
                "{pool}: target kept, maximum put back"
            );
            assert!(
                self.min_ready.lock().unwrap()[i] as u64 >= self.targets[i],
                "{pool}: never fewer Ready, schedulable nodes than the target"
            );
        }
        // No VM doubled: the Nodes left are the new VMs' alone.
        let nodes = self
            .kube
            .object_paths()
            .into_iter()
            .filter(|p| p.starts_with("/api/v1/nodes/"))
            .count() as u64;
        assert_eq!(nodes, self.targets.iter().sum::<u64>());
        let state = RollState::load(&RollState::path_in(self.dir.path())).unwrap();
        for g in &self.groups {
            assert!(state.get(&g.pool).is_none(), "{}: roll finished", g.pool);
        }
    }
}

fn fast() -> RollOptions {
    RollOptions {
        join_timeout: Duration::from_secs(10),
        drain_timeout: Duration::from_secs(2),
        poll_interval: Duration::from_millis(10),
        eviction_retry_interval: Duration::from_millis(20),
        ..RollOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_pools_roll_at_once_each_old_vm_detached_once() {
    let p = Pools::new(&[2, 2], &[10, 10]).await;
    let old = p.record(1).await;

    let outcomes = p.roll(&fast(), 2, None).await.unwrap();
    for (i, o) in outcomes.iter().enumerate() {
        let report = o.as_ref().unwrap();
        assert_eq!(
            sorted(report.replaced.clone()),
            old[i],
            "outcomes in pool order"
        );
    }
    p.assert_rolled(&old);
    // They overlap: both targets raised at one look, and each pool's first raise came before
    // the other pool's first detach.
    assert!(*p.all_raised.lock().unwrap(), "both groups raised at once");
    let writes = p.writes();
    let first = |i: usize, what: &str| writes.iter().position(|w| *w == (i, what)).unwrap();
    assert!(first(1, "raise") < first(0, "detach"), "{writes:?}");
    assert!(first(0, "raise") < first(1, "detach"), "{writes:?}");
    // Each progress line names its pool first.
    let lines = p.lines.lock().unwrap().clone();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("agentpool1: evicting shop/web1-")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("agentpool2: evicting shop/web2-")),
        "{lines:?}"
    );
    for l in &lines {
        assert!(
            l.starts_with("agentpool1: ") || l.starts_with("agentpool2: "),
            "{l}"
        );
        let pool = if l.starts_with("agentpool1: ") {
            "web1-"
        } else {
            "web2-"
        };
        assert!(!l.contains("shop/web") || l.contains(pool), "{l}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_one_rolls_the_pools_one_after_another() {
    let p = Pools::new(&[2, 2], &[10, 10]).await;
    let old = p.record(1).await;

    let outcomes = p.roll(&fast(), 1, None).await.unwrap();
    assert!(outcomes.iter().all(Result::is_ok));
    p.assert_rolled(&old);
    assert!(!*p.all_raised.lock().unwrap(), "never both raised at once");
    // Every write of the first pool came before any of the second's.
    let writes = p.writes();
    let last0 = writes.iter().rposition(|w| w.0 == 0).unwrap();
    let first1 = writes.iter().position(|w| w.0 == 1).unwrap();
    assert!(last0 < first1, "{writes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_whose_drain_times_out_leaves_the_other_pools_roll_to_finish() {
    // agentpool1's budget blocks; agentpool2's allows.
    let p = Pools::new(&[2, 2], &[0, 10]).await;
    let old = p.record(1).await;

    let outcomes = p.roll(&fast(), 2, None).await.unwrap();
    let Err(RollError::DrainTimeout {
        pool,
        budgets,
        uncordoned,
        ..
    }) = &outcomes[0]
    else {
        panic!("{:?}", outcomes[0]);
    };
    assert_eq!(pool, "agentpool1");
    assert_eq!(budgets[0].budget, "shop/web1-pdb");
    assert_eq!(uncordoned.len(), 1);
    assert!(!p.unschedulable(&uncordoned[0]), "uncordoned again");
    assert!(p.detached(0).is_empty(), "agentpool1: no VM removed");
    for vm in &old[0] {
        assert!(p.running(0).contains(vm), "agentpool1: old VM {vm} kept");
    }
    // agentpool2 finished, its record gone; agentpool1's kept for the re-run.
    let report = outcomes[1].as_ref().unwrap();
    assert_eq!(sorted(report.replaced.clone()), old[1]);
    assert_eq!(p.detached(1), old[1]);
    let state = RollState::load(&RollState::path_in(p.dir.path())).unwrap();
    assert!(state.get("agentpool1").is_some());
    assert!(state.get("agentpool2").is_none());

    // Once the budget allows it, a re-run finishes agentpool1 and sends nothing for agentpool2.
    p.kube.set_pdb_disruptions_allowed("shop", "web1-pdb", 10);
    let again = p.roll(&fast(), 2, None).await.unwrap();
    assert_eq!(again[1].as_ref().unwrap(), &RollReport::default());
    p.assert_rolled(&old);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_during_concurrent_rolls_resumes_both_without_losing_or_doubling_a_vm() {
    let p = Pools::new(&[3, 3], &[10, 10]).await;
    let old = p.record(1).await;

    // Killed once both pools' first detach reached Spot (before their Nodes were deleted and
    // the batches recorded done).
    let killed = p
        .roll(
            &fast(),
            2,
            Some(&|p: &Pools| !p.detached(0).is_empty() && !p.detached(1).is_empty()),
        )
        .await;
    assert!(killed.is_none(), "the run was killed");
    // Both pools' rolls are recorded in the one file: neither write lost the other's.
    let state = RollState::load(&RollState::path_in(p.dir.path())).unwrap();
    let recorded: BTreeMap<&str, bool> = p
        .groups
        .iter()
        .map(|g| (g.pool.as_str(), state.get(&g.pool).is_some()))
        .collect();
    assert_eq!(
        recorded,
        BTreeMap::from([("agentpool1", true), ("agentpool2", true)])
    );

    let outcomes = p.roll(&fast(), 2, None).await.unwrap();
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    p.assert_rolled(&old);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_stops_every_pools_roll_and_uncordons_what_it_cordoned() {
    // Both budgets block: each pool's drain waits on its budget (for up to 60s).
    let p = Pools::new(&[2, 2], &[0, 0]).await;
    let old = p.record(1).await;
    let options = RollOptions {
        drain_timeout: Duration::from_secs(60),
        ..fast()
    };
    let both_cordoned = |p: &Pools| (0..2).all(|i| old[i].iter().any(|vm| p.unschedulable(vm)));
    let started = std::time::Instant::now();
    let outcomes = p
        .roll_until(&options, 2, None, Some(&both_cordoned))
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "stopped at once"
    );
    for (i, o) in outcomes.iter().enumerate() {
        let Err(RollError::Interrupted { pool, uncordoned }) = o else {
            panic!("{o:?}");
        };
        assert_eq!(pool, &p.groups[i].pool, "outcomes in pool order");
        assert_eq!(uncordoned.len(), 1, "{pool}: {uncordoned:?}");
        assert!(old[i].contains(&uncordoned[0]));
        assert!(p.detached(i).is_empty(), "{pool}: no VM removed");
    }
    for vm in old.iter().flatten() {
        assert!(!p.unschedulable(vm), "{vm} uncordoned again");
    }
    let state = RollState::load(&RollState::path_in(p.dir.path())).unwrap();
    assert!(state.get("agentpool1").is_some() && state.get("agentpool2").is_some());

    // A re-run resumes both.
    p.kube.set_pdb_disruptions_allowed("shop", "web1-pdb", 10);
    p.kube.set_pdb_disruptions_allowed("shop", "web2-pdb", 10);
    let again = p.roll(&fast(), 2, None).await.unwrap();
    assert!(again.iter().all(Result::is_ok), "{again:?}");
    p.assert_rolled(&old);
}
