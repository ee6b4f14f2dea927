//! `sync`'s roll of several pools at once (bounded by `--concurrency`), through the binary: the
//! `multi-pool` fixture's `agentpool1` (2 VMs) and `zonalpool` (3 VMs) imported, then updated
//! (`--set` changes their configuration) and rolled beside a kubelet that registers every new
//! VM of both groups as a Ready node.

use std::collections::BTreeSet;

use serde_json::Value;
use test_support::kube_server::KubeServer;
use test_support::spot_server::SpotServer;

use crate::common::{SUBSCRIPTION, spot_server};
use crate::import_create::{Run, Workdir, import, run, spot_cmd};

const POOLS: [&str; 2] = ["agentpool1", "zonalpool"];

/// The imported multi-pool cluster, its two rolled pools' group ids in pool order, a
/// Kubernetes server with each running VM a Ready node carrying one pod (app = its pool) under
/// budget `<pool>-pdb` (`allowed` disruptions per pool), and a kubeconfig for it.
struct Cluster {
    work: Workdir,
    server: SpotServer,
    ids: Vec<String>,
    kube: KubeServer,
    _tmp: tempfile::TempDir,
    kubeconfig: std::path::PathBuf,
}

impl Cluster {
    async fn new(test: &str, allowed: [i64; 2]) -> Option<Cluster> {
        let work = Workdir::fixture("multi-pool", test)?;
        let server = spot_server();
        let imported = import(&server, &work.dir, &[]);
        assert!(imported.ok, "{}", imported.stderr);
        let records = work.records();
        let ids: Vec<String> = POOLS
            .iter()
            .map(|pool| {
                records
                    .iter()
                    .find(|r| r["pool"] == *pool)
                    .and_then(|r| r["groupId"].as_str())
                    .unwrap_or_else(|| panic!("{pool} not recorded: {records:?}"))
                    .to_owned()
            })
            .collect();
        let kube = KubeServer::start(Default::default()).await;
        for (pool, allowed) in POOLS.iter().zip(allowed) {
            kube.add_pdb(
                "shop",
                &format!("{pool}-pdb"),
                serde_json::json!({"app": pool}),
                allowed,
            );
        }
        let tmp = tempfile::tempdir().unwrap();
        let kubeconfig = tmp.path().join("kubeconfig.json");
        std::fs::write(&kubeconfig, kube.kubeconfig_json()).unwrap();
        let c = Cluster {
            work,
            server,
            ids,
            kube,
            _tmp: tmp,
            kubeconfig,
        };
        // The groups' VMs start once Spot is asked for their status; their kubelets register
        // them.
        let spot = spot_api::SpotClient::new(
            spot_api::ClientConfig {
                base_url: c.server.base_url.clone(),
                ..spot_api::ClientConfig::default()
            },
            spot_api::Credentials::new(
                test_support::spot_server::TEST_TOKEN,
                Some(test_support::spot_server::TEST_ACCOUNT.to_owned()),
            ),
        )
        .unwrap();
        for id in &c.ids {
            spot.group_vms(elastigroup::ApiGeneration::V3, id)
                .await
                .unwrap();
        }
        let mut booting = BTreeSet::new();
        c.kubelet(&mut booting);
        c.kubelet(&mut booting);
        Some(c)
    }

    /// Registers each running VM of the two groups without a Node as a Ready node with a
    /// Deployment pod labelled with its pool, once seen running at an earlier call.
    fn kubelet(&self, booting: &mut BTreeSet<String>) {
        for (pool, id) in POOLS.iter().zip(&self.ids) {
            for vm in self.server.running_vm_names(id) {
                if self.kube.object(&format!("/api/v1/nodes/{vm}")).is_none()
                    && !booting.insert(vm.clone())
                {
                    self.kube.add_node(&vm, None, true);
                    self.kube
                        .add_pod(serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"name": format!("web-{vm}"), "namespace": "shop",
                            "labels": {"app": pool},
                            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                "name": format!("{pool}-rs"), "uid": format!("uid-{pool}-rs"),
                                "controller": true}]},
                        "spec": {"nodeName": vm, "containers": [{"name": "c", "image": "nginx"}]},
                        "status": {"phase": "Running"}}));
                }
            }
        }
    }

    /// `sync` of the two pools with a configuration change, `extra` args, beside the kubelet.
    fn sync(&self, extra: &[&str]) -> Run {
        let mut cmd = spot_cmd(&self.server);
        cmd.args(["sync", "-s", SUBSCRIPTION, "-o"])
            .arg(&self.work.dir)
            .args([
                "--pool",
                POOLS[0],
                "--pool",
                POOLS[1],
                "--yes",
                "--kubeconfig",
            ])
            .arg(&self.kubeconfig)
            .args([
                "--set",
                "strategy.drainingTimeout=300",
                "--poll-interval",
                "20ms",
                "--join-timeout",
                "30s",
                "--drain-timeout",
                "3s",
            ])
            .args(extra);
        tokio::task::block_in_place(|| {
            let stop = std::sync::atomic::AtomicBool::new(false);
            std::thread::scope(|s| {
                s.spawn(|| {
                    let mut booting = BTreeSet::new();
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        self.kubelet(&mut booting);
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                });
                let r = run(cmd);
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
                r
            })
        })
    }

    fn target(&self, i: usize) -> u64 {
        self.server
            .groups()
            .iter()
            .find(|g| g.id() == self.ids[i])
            .unwrap()
            .group["capacity"]["target"]
            .as_u64()
            .unwrap()
    }

    /// The VMs sent in pool `i`'s detachVms bodies, sorted.
    fn detached(&self, i: usize) -> Vec<String> {
        let mut names = self.server.detached_names("v3", &self.ids[i]);
        names.sort();
        names
    }

    /// The roll's writes in the order Spot got them: (pool index, `raise` | `detach`), a raise
    /// being an update whose target is above `targets[i]`.
    fn roll_writes(&self, targets: &[u64]) -> Vec<(usize, &'static str)> {
        self.server
            .requests_matching("PUT", "/azure/compute/group/")
            .into_iter()
            .filter_map(|r| {
                let i = self
                    .ids
                    .iter()
                    .position(|id| r.path.contains(id.as_str()))?;
                if r.path.ends_with("/detachVms") {
                    return Some((i, "detach"));
                }
                r.json()["group"]["capacity"]["target"]
                    .as_u64()
                    .is_some_and(|t| t > targets[i])
                    .then_some((i, "raise"))
            })
            .collect()
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn names(v: &Value) -> Vec<String> {
    sorted(
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    )
}

/// Each pool's VMs before the sync (each a Ready node).
fn old_vms(c: &Cluster) -> Vec<Vec<String>> {
    c.ids
        .iter()
        .map(|id| {
            let vms = sorted(c.server.running_vm_names(id));
            assert!(!vms.is_empty());
            for vm in &vms {
                assert!(c.kube.object(&format!("/api/v1/nodes/{vm}")).is_some());
            }
            vms
        })
        .collect()
}

/// Both pools roll at once: each raises its target before the other's first detach, each old
/// VM is detached exactly once, `rolled` lists the pools in pool order, progress lines begin
/// with their pool.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_pools_are_rolled_at_once_and_reported_in_pool_order() {
    let Some(c) = Cluster::new("sync_pools_at_once", [100, 100]).await else {
        return;
    };
    let old = old_vms(&c);
    let targets = [c.target(0), c.target(1)];
    assert_eq!(targets, [2, 3]);

    let r = c.sync(&["--output", "json", "-v"]);
    assert!(r.ok, "{}\n{}", r.stdout, r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let rolled = doc["rolled"].as_array().unwrap();
    assert_eq!(rolled.len(), 2, "{doc}");
    for (i, pool) in POOLS.iter().enumerate() {
        assert_eq!(rolled[i]["pool"], *pool, "pool order: {doc}");
        assert_eq!(names(&rolled[i]["replaced"]), old[i], "{doc}");
        assert_eq!(c.detached(i), old[i], "{pool}: each old VM detached once");
        assert_eq!(c.target(i), targets[i], "{pool}: target kept");
        let running = c.server.running_vm_names(&c.ids[i]);
        assert_eq!(running.len() as u64, targets[i]);
        assert!(running.iter().all(|v| !old[i].contains(v)), "{running:?}");
    }
    let writes = c.roll_writes(&targets);
    let first = |i: usize, what: &str| writes.iter().position(|w| *w == (i, what)).unwrap();
    assert!(first(1, "raise") < first(0, "detach"), "{writes:?}");
    assert!(first(0, "raise") < first(1, "detach"), "{writes:?}");
    for pool in POOLS {
        assert!(
            r.stderr
                .lines()
                .any(|l| l.starts_with(&format!("{pool}: evicting shop/web-"))),
            "{}",
            r.stderr
        );
    }
}

/// `--concurrency 1`: one pool's roll after the other's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_one_rolls_one_pool_after_the_other() {
    let Some(c) = Cluster::new("sync_pools_one_by_one", [100, 100]).await else {
        return;
    };
    let old = old_vms(&c);
    let targets = [c.target(0), c.target(1)];

    let r = c.sync(&["--concurrency", "1"]);
    assert!(r.ok, "{}\n{}", r.stdout, r.stderr);
    for (i, old) in old.iter().enumerate() {
        assert_eq!(&c.detached(i), old);
    }
    let writes = c.roll_writes(&targets);
    let last0 = writes.iter().rposition(|w| w.0 == 0).unwrap();
    let first1 = writes.iter().position(|w| w.0 == 1).unwrap();
    assert!(last0 < first1, "{writes:?}");
}

/// One pool's drain times out on its budget: the other pool's roll finishes, each outcome is
/// reported (in pool order), the exit code is 1; a re-run finishes the first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_blocked_by_its_budget_lets_the_other_finish() {
    let Some(c) = Cluster::new("sync_pools_one_blocked", [0, 100]).await else {
        return;
    };
    let old = old_vms(&c);

    let r = c.sync(&[]);
    assert_eq!(r.code, Some(1), "{}\n{}", r.stdout, r.stderr);
    assert!(c.detached(0).is_empty(), "agentpool1: no VM removed");
    assert_eq!(c.detached(1), old[1], "zonalpool rolled");
    assert!(
        r.stdout.contains(&format!(
            "agent pool `zonalpool`: replaced {} VM(s) started from the old configuration",
            old[1].len()
        )),
        "{}",
        r.stdout
    );
    let error = r.error_line();
    assert!(
        error.contains("pool `agentpool1`: the drain did not finish")
            && error.contains("shop/agentpool1-pdb"),
        "{}",
        r.stderr
    );
    let roll: Value =
        serde_json::from_slice(&std::fs::read(c.work.dir.join("spot-roll.json")).unwrap()).unwrap();
    let in_flight: Vec<&String> = roll["rolls"].as_object().unwrap().keys().collect();
    assert_eq!(in_flight, ["agentpool1"]);
    for vm in &old[0] {
        let unschedulable = c
            .kube
            .object(&format!("/api/v1/nodes/{vm}"))
            .and_then(|n| n.pointer("/spec/unschedulable").and_then(Value::as_bool))
            .unwrap_or(false);
        assert!(!unschedulable, "{vm} uncordoned again");
    }

    c.kube
        .set_pdb_disruptions_allowed("shop", "agentpool1-pdb", 100);
    let again = c.sync(&[]);
    assert!(again.ok, "{}\n{}", again.stdout, again.stderr);
    assert_eq!(c.detached(0), old[0]);
    assert_eq!(c.detached(1), old[1], "nothing more for zonalpool");
}
