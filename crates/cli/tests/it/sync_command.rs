//! `sync` against the local Spot API: after `aks-engine upgrade` (only `apimodel.json` saved),
//! the templates are generated again by (a stand-in for) `aks-engine generate`, the diff is
//! printed, `--dry-run` changes nothing, an update is sent once, and a second run sends nothing.

use std::path::{Path, PathBuf};

use serde_json::Value;
use test_support::spot_server::SpotServer;

use crate::common::{SUBSCRIPTION, spot_server};
use crate::import_create::{Run, Workdir, import, run, spot_cmd};

/// A stand-in `aks-engine` whose `generate` copies the upgrade fixture's files (what aks-engine
/// v0.46.3 `generate` wrote for that model) into `--output-directory`, and logs its arguments.
struct FakeGenerate {
    _tmp: tempfile::TempDir,
    binary: PathBuf,
    calls: PathBuf,
}

impl FakeGenerate {
    fn new(generated: &Path) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let binary = tmp.path().join("aks-engine");
        let calls = tmp.path().join("calls");
        let script = format!(
            r#"#!/usr/bin/env bash
set -euo pipefail
echo "$*" >> '{calls}'
[ "$1" = generate ] || {{ echo "FATA[0000] unexpected command $1" >&2; exit 1; }}
out=""
model=""
while [ $# -gt 0 ]; do
  case "$1" in
    --output-directory) out="$2"; shift ;;
    --api-model) model="$2"; shift ;;
  esac
  shift
done
[ -f "$model" ] || {{ echo "FATA[0000] no api model $model" >&2; exit 1; }}
mkdir -p "$out"
for f in apimodel.json azuredeploy.json azuredeploy.parameters.json; do
  cp '{from}'/"$f" "$out/$f"
done
"#,
            calls = calls.display(),
            from = generated.display()
        );
        std::fs::write(&binary, script).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Self {
            _tmp: tmp,
            binary,
            calls,
        }
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(&self.calls)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

fn sync(server: &SpotServer, dir: &Path, aks: &FakeGenerate, extra: &[&str]) -> Run {
    let mut cmd = spot_cmd(server);
    cmd.env("AKS_ENGINE_BIN", &aks.binary)
        .args(["sync", "-s", SUBSCRIPTION, "-o"])
        .arg(dir)
        .args(extra);
    run(cmd)
}

/// The imported `azurenet-simple` cluster after `aks-engine upgrade` to 1.17.1: its saved
/// `apimodel.json` replaced, the templates left as they were. `None` without ../shared.
fn upgraded_cluster(test: &str) -> Option<(Workdir, FakeGenerate, SpotServer, String)> {
    upgraded_cluster_with(test, &[])
}

/// [`upgraded_cluster`], imported with `import_args`.
fn upgraded_cluster_with(
    test: &str,
    import_args: &[&str],
) -> Option<(Workdir, FakeGenerate, SpotServer, String)> {
    let work = Workdir::fixture("azurenet-simple", test)?;
    let upgrade = test_fixtures::shared_path(test, "fixtures/aks-engine-upgrade/azurenet-simple")?;
    let server = spot_server();
    let imported = import(&server, &work.dir, import_args);
    assert!(imported.ok, "{}", imported.stderr);
    let id = server.groups()[0].id().to_owned();
    std::fs::copy(
        upgrade.join("apimodel.json"),
        work.dir.join("apimodel.json"),
    )
    .unwrap();
    Some((work, FakeGenerate::new(&upgrade), server, id))
}

fn launch(server: &SpotServer) -> Value {
    server.groups()[0].group["compute"]["launchSpecification"].clone()
}

#[test]
fn an_upgrade_is_diffed_then_sent_once_and_the_directory_is_left_as_it_is() {
    let Some((work, aks, server, id)) = upgraded_cluster("sync_upgrade") else {
        return;
    };
    let template_before = std::fs::read(work.dir.join("azuredeploy.json")).unwrap();
    let live_before = launch(&server);

    // The dry run: the three fields that change, secrets without their values, nothing sent.
    let dry = sync(&server, &work.dir, &aks, &["--dry-run"]);
    assert!(dry.ok, "{}", dry.stderr);
    assert!(
        dry.stderr.contains("orchestratorVersion 1.17.1 differs")
            && dry.stderr.contains("Kubernetes:1.16.4"),
        "{}",
        dry.stderr
    );
    assert_eq!(aks.calls().len(), 1);
    assert!(
        aks.calls()[0].starts_with("generate --api-model "),
        "{:?}",
        aks.calls()
    );
    let lines: Vec<&str> = dry.stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("agent pool `agentpool1`: Spot Elastigroup {id} differs:")
    );
    let changes: Vec<&str> = lines[1..].iter().map(|l| l.trim()).collect();
    assert!(
        changes.contains(&"compute.launchSpecification.customData: <changed>"),
        "{}",
        dry.stdout
    );
    assert!(
        changes
            .iter()
            .any(|l| l.starts_with("compute.launchSpecification.extensions[")
                && l.ends_with("protectedSettings: <changed>")),
        "{}",
        dry.stdout
    );
    assert!(
        changes
            .iter()
            .any(|l| l.contains("tagValue: \"Kubernetes:1.16.4\" → \"Kubernetes:1.17.1\"")),
        "{}",
        dry.stdout
    );
    assert!(
        !changes.iter().any(|l| l.starts_with("capacity")),
        "capacity is not part of the diff: {}",
        dry.stdout
    );
    assert!(
        server.requests_matching("PUT", "/").is_empty(),
        "a dry run sends nothing"
    );
    assert_eq!(launch(&server), live_before);

    // The JSON document carries the same diff.
    let json = sync(&server, &work.dir, &aks, &["--dry-run", "--output", "json"]);
    assert!(json.ok, "{}", json.stderr);
    let doc: Value = serde_json::from_str(&json.stdout).unwrap();
    let group = &doc["groups"][0];
    assert_eq!(group["outcome"], "differs");
    let paths: Vec<&str> = group["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"compute.launchSpecification.customData"));
    assert!(
        !json
            .stdout
            .contains(live_before["customData"].as_str().unwrap())
    );

    // Without --yes and without a terminal: refused, nothing sent.
    let refused = sync(&server, &work.dir, &aks, &[]);
    assert!(!refused.ok);
    assert!(
        refused.stderr.contains("without --yes"),
        "{}",
        refused.stderr
    );
    assert!(server.requests_matching("PUT", "/").is_empty());

    // The update: one PUT (the local server checks it against the schema), the new customData.
    let sent = sync(&server, &work.dir, &aks, &["--yes", "--no-roll"]);
    assert!(sent.ok, "{}", sent.stderr);
    let puts = server.requests_matching("PUT", &format!("/azure/compute/group/{id}"));
    assert_eq!(puts.len(), 1);
    assert!(
        sent.stdout
            .contains(&format!("Spot Elastigroup {id} updated (pool agentpool1, ")),
        "{}",
        sent.stdout
    );
    let after = launch(&server);
    assert_ne!(after["customData"], live_before["customData"]);
    assert!(
        after["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["tagValue"] == "Kubernetes:1.17.1")
    );
    // The live capacity is kept.
    assert_eq!(
        puts[0].json()["group"]["capacity"],
        server.groups()[0].group["capacity"]
    );
    assert!(work.records()[0]["updatedAt"].is_string());

    // A second sync: nothing new, no write.
    let again = sync(&server, &work.dir, &aks, &["--yes", "--no-roll"]);
    assert!(again.ok, "{}", again.stderr);
    assert_eq!(
        again.stdout,
        format!("agent pool `agentpool1`: Spot Elastigroup {id} is up to date\n")
    );
    assert_eq!(
        server.requests_matching("PUT", "/").len(),
        1,
        "the second sync sends no write"
    );
    // The user's directory keeps its files (but the tool's own state).
    assert_eq!(
        std::fs::read(work.dir.join("azuredeploy.json")).unwrap(),
        template_before
    );
    assert!(!work.dir.join("output").exists());
}

#[test]
fn capacity_is_changed_only_when_set_asks() {
    let Some((work, aks, server, id)) = upgraded_cluster("sync_capacity") else {
        return;
    };
    let sent = sync(
        &server,
        &work.dir,
        &aks,
        &["--yes", "--no-roll", "--set", "capacity.maximum=7"],
    );
    assert!(sent.ok, "{}", sent.stderr);
    assert!(
        sent.stdout.contains("capacity.maximum: "),
        "{}",
        sent.stdout
    );
    assert_eq!(server.groups()[0].group["capacity"]["maximum"], 7);
    let again = sync(
        &server,
        &work.dir,
        &aks,
        &["--yes", "--no-roll", "--set", "capacity.maximum=7"],
    );
    assert!(again.ok, "{}", again.stderr);
    assert_eq!(
        again.stdout,
        format!("agent pool `agentpool1`: Spot Elastigroup {id} is up to date\n")
    );
}

#[test]
fn fresh_templates_are_not_generated_again_and_a_region_change_is_refused() {
    let Some((work, aks, server, id)) = upgraded_cluster("sync_refused") else {
        return;
    };
    // Put the original model back: the templates are the model's, aks-engine is not run.
    let original = Workdir::fixture("azurenet-simple", "sync_refused").unwrap();
    std::fs::copy(
        original.dir.join("apimodel.json"),
        work.dir.join("apimodel.json"),
    )
    .unwrap();
    let t = std::fs::File::options()
        .write(true)
        .open(work.dir.join("azuredeploy.json"))
        .unwrap();
    t.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .unwrap();
    let same = sync(&server, &work.dir, &aks, &["--dry-run"]);
    assert!(same.ok, "{}", same.stderr);
    assert!(aks.calls().is_empty(), "{:?}", aks.calls());
    assert_eq!(
        same.stdout,
        format!("agent pool `agentpool1`: Spot Elastigroup {id} is up to date\n")
    );
    // Another region: the recorded group is not this cluster's (the ownership check comes
    // before any diff or update), nothing sent.
    let r = sync(
        &server,
        &work.dir,
        &aks,
        &["--yes", "--set", "region=westeurope"],
    );
    assert!(!r.ok, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("is not this cluster's: region is \"eastus\""),
        "{}",
        r.stderr
    );
    // A field Spot cannot update: refused with the reason, nothing sent.
    let r = sync(
        &server,
        &work.dir,
        &aks,
        &["--yes", "--set", "compute.os=Windows"],
    );
    assert!(!r.ok, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("compute.os: refused: Spot cannot change a group's operating system"),
        "{}",
        r.stdout
    );
    assert!(server.requests_matching("PUT", "/").is_empty());
}

#[test]
fn regenerated_templates_use_the_catalog_saved_in_the_output_directory() {
    // The import's sizes came from the catalog saved beside the artifacts (no Azure access).
    let Some(work) = Workdir::fixture("azurenet-simple", "sync_saved_catalog") else {
        return;
    };
    let written = crate::prices::catalog_for("eastus", &work.dir);
    std::fs::rename(&written, work.dir.join("resource-skus-eastus.json")).unwrap();
    let upgrade = test_fixtures::shared_path(
        "sync_saved_catalog",
        "fixtures/aks-engine-upgrade/azurenet-simple",
    )
    .unwrap();
    let server = spot_server();
    let imported = import(&server, &work.dir, &[]);
    assert!(imported.ok, "{}", imported.stderr);
    let sizes = server.groups()[0].group["compute"]["vmSizes"].clone();
    assert!(
        sizes["spotSizes"].as_array().unwrap().len() > 1,
        "the saved catalog gave the import several sizes: {sizes}"
    );
    std::fs::copy(
        upgrade.join("apimodel.json"),
        work.dir.join("apimodel.json"),
    )
    .unwrap();
    let aks = FakeGenerate::new(&upgrade);
    // The templates are generated elsewhere, the sizes still come from the saved catalog: only
    // what the upgrade changed differs.
    let dry = sync(&server, &work.dir, &aks, &["--dry-run"]);
    assert!(dry.ok, "{}", dry.stderr);
    assert_eq!(aks.calls().len(), 1);
    assert!(
        dry.stderr.contains(&format!(
            "using the saved catalog {}",
            work.dir.join("resource-skus-eastus.json").display()
        )),
        "{}",
        dry.stderr
    );
    assert!(
        dry.stdout.contains("customData: <changed>"),
        "{}",
        dry.stdout
    );
    assert!(!dry.stdout.contains("vmSizes"), "{}", dry.stdout);
}

#[test]
fn nothing_imported_is_a_clear_error() {
    let work = Workdir::example();
    let server = spot_server();
    let aks = FakeGenerate::new(&work.dir);
    let r = sync(&server, &work.dir, &aks, &["--dry-run"]);
    assert!(!r.ok);
    assert!(r.stderr.contains("run `import` first"), "{}", r.stderr);
    assert!(server.requests().is_empty());
}

#[test]
fn the_groups_recorded_generation_is_used_and_another_refused() {
    let work = Workdir::example();
    let server = spot_server();
    let mut state =
        group_sync::StateFile::load(&group_sync::StateFile::path_in(&work.dir)).unwrap();
    state.upsert(group_sync::GroupRecord {
        pool: "agentpool1".into(),
        group_id: "sig-00000002".into(),
        generation: elastigroup::ApiGeneration::V2,
        name: "spotdemo-agentpool1".into(),
        created_at: group_sync::now_rfc3339(),
        updated_at: None,
        resource_group: None,
        subscription_id: None,
    });
    state.save().unwrap();
    let aks = FakeGenerate::new(&work.dir);
    let r = sync(
        &server,
        &work.dir,
        &aks,
        &["--dry-run", "--elastigroup-api", "v3"],
    );
    assert!(!r.ok);
    assert!(
        r.stderr.contains("--elastigroup-api v3: the groups in")
            && r.stderr.contains("were imported with the v2 API"),
        "{}",
        r.stderr
    );
    assert!(server.requests().is_empty());
}

/// Registers each running VM of group `id` without a Node as a Ready node with a Deployment
/// pod (what its kubelet and the scheduler do), once seen running at an earlier call.
fn kubelet(
    server: &SpotServer,
    kube: &test_support::kube_server::KubeServer,
    id: &str,
    booting: &mut std::collections::BTreeSet<String>,
) {
    for vm in server.running_vm_names(id) {
        if kube.object(&format!("/api/v1/nodes/{vm}")).is_none() && !booting.insert(vm.clone()) {
            kube.add_node(&vm, None, true);
            kube.add_pod(serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("web-{vm}"), "namespace": "shop",
                    "labels": {"app": "web"},
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                        "name": "web-rs", "uid": "uid-web-rs", "controller": true}]},
                "spec": {"nodeName": vm, "containers": [{"name": "c", "image": "nginx"}]},
                "status": {"phase": "Running"}}));
        }
    }
}

/// The Kubernetes stand-in a rolling sync runs against, and a kubeconfig file for it (in the
/// temporary directory returned with it, kept while the test runs).
async fn roll_kube() -> (
    test_support::kube_server::KubeServer,
    tempfile::TempDir,
    PathBuf,
) {
    let kube = test_support::kube_server::KubeServer::start(Default::default()).await;
    let tmp = tempfile::tempdir().unwrap();
    let kubeconfig = tmp.path().join("kubeconfig.json");
    std::fs::write(&kubeconfig, kube.kubeconfig_json()).unwrap();
    (kube, tmp, kubeconfig)
}

/// The arguments of a rolling sync with `kubeconfig`: `--yes` and the short poll, join and
/// drain times of these tests, then `extra`.
fn roll_args<'a>(kubeconfig: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "--yes",
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
        "--poll-interval",
        "20ms",
        "--join-timeout",
        "20s",
        "--drain-timeout",
        "10s",
    ];
    args.extend_from_slice(extra);
    args
}

/// `sync` with `args` while a kubelet ([`kubelet`]) registers group `id`'s new VMs as nodes.
fn sync_beside_kubelet(
    server: &SpotServer,
    kube: &test_support::kube_server::KubeServer,
    id: &str,
    dir: &Path,
    aks: &FakeGenerate,
    args: &[&str],
) -> Run {
    tokio::task::block_in_place(|| {
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                let mut booting = std::collections::BTreeSet::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    kubelet(server, kube, id, &mut booting);
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
            });
            let r = sync(server, dir, aks, args);
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            r
        })
    })
}

/// Spot keeps listing the VMs the roll detached: `sync` waits `--detach-timeout`, never sends
/// the detach twice, and stops with an error naming them (exit 1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detached_vms_still_listed_are_waited_for_and_never_detached_twice() {
    let Some((work, aks, server, id)) = upgraded_cluster("sync_detach_lag") else {
        return;
    };
    let (kube, _tmp, kubeconfig) = roll_kube().await;
    server.keep_detached_listed(1_000_000);
    let args = roll_args(&kubeconfig, &["--detach-timeout", "1s"]);
    let r = sync_beside_kubelet(&server, &kube, &id, &work.dir, &aks, &args);
    assert!(!r.ok, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let detaches = server.requests_matching("PUT", &format!("/azure/compute/group/{id}/detachVms"));
    assert_eq!(detaches.len(), 1, "{}", r.stderr);
    let vm = detaches[0].json()["vmsToDetach"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let error = r.error_line();
    assert!(
        error.contains(&format!(
            "Spot still lists {vm} 1s after their detach was requested"
        )) && error.contains("nothing more will be sent"),
        "{}",
        r.stderr
    );
}

/// The update, then the roll: the VMs that ran before it are replaced by new ones (target
/// raised, new nodes Ready, old ones drained, detached by name, their Nodes deleted); a second
/// sync sends nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_rolls_the_vms_started_from_the_old_configuration() {
    let Some((work, aks, server, id)) = upgraded_cluster("sync_roll") else {
        return;
    };
    let (kube, _tmp, kubeconfig) = roll_kube().await;
    kube.add_pdb("shop", "web-pdb", serde_json::json!({"app": "web"}), 100);
    let target_before = server.groups()[0].group["capacity"].clone();
    let args = roll_args(&kubeconfig, &["--batch", "1"]);
    let sync_with_kubelet = || sync_beside_kubelet(&server, &kube, &id, &work.dir, &aks, &args);
    let sent = sync_with_kubelet();
    assert!(sent.ok, "{}\n{}", sent.stdout, sent.stderr);
    let detached = server.detached_names("v3", &id);
    assert!(!detached.is_empty(), "{}", sent.stderr);
    assert!(
        sent.stdout.contains(&format!(
            "agent pool `agentpool1`: replaced {} VM(s) started from the old configuration",
            detached.len()
        )),
        "{}",
        sent.stdout
    );
    let running = server.running_vm_names(&id);
    assert!(running.iter().all(|v| !detached.contains(v)), "{running:?}");
    assert_eq!(
        server.groups()[0].group["capacity"],
        target_before,
        "the capacity is back where it was"
    );
    for vm in &detached {
        assert!(kube.object(&format!("/api/v1/nodes/{vm}")).is_none());
        assert!(
            kube.object(&format!("/api/v1/namespaces/shop/pods/web-{vm}"))
                .is_none(),
            "its pod was evicted"
        );
    }
    let roll: Value =
        serde_json::from_slice(&std::fs::read(work.dir.join("spot-roll.json")).unwrap()).unwrap();
    assert_eq!(
        roll["rolls"],
        serde_json::json!({}),
        "nothing left in flight"
    );

    // A second sync: nothing new, no write, no VM started or removed.
    let puts = server.requests_matching("PUT", "/").len();
    let again = sync_with_kubelet();
    assert!(again.ok, "{}", again.stderr);
    assert_eq!(server.requests_matching("PUT", "/").len(), puts);
    assert_eq!(server.running_vm_names(&id), running);
}

/// `sync --output json` with a roll: stdout is one JSON document (the roll's report in it,
/// under `rolled`), not a text line before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roll_with_output_json_keeps_stdout_one_document() {
    let Some((work, aks, server, id)) = upgraded_cluster("sync_roll_json") else {
        return;
    };
    let (kube, _tmp, kubeconfig) = roll_kube().await;
    kube.add_pdb("shop", "web-pdb", serde_json::json!({"app": "web"}), 100);
    let args = roll_args(&kubeconfig, &["--output", "json"]);
    let sent = sync_beside_kubelet(&server, &kube, &id, &work.dir, &aks, &args);
    assert!(sent.ok, "{}\n{}", sent.stdout, sent.stderr);
    let doc: Value = serde_json::from_str(&sent.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {}", sent.stdout));
    let detached = server.detached_names("v3", &id);
    assert!(!detached.is_empty(), "{}", sent.stderr);
    assert_eq!(doc["rolled"][0]["pool"], "agentpool1", "{doc}");
    assert_eq!(doc["rolled"][0]["replaced"], Value::from(detached), "{doc}");
}

/// The confirmation of an update that rolls says so: the refusal without `--yes` names the
/// replacement of the VMs (not only the update); `--no-roll` asks for the update alone.
#[test]
fn the_confirmation_names_the_roll() {
    let Some((work, aks, server, _id)) = upgraded_cluster("sync_confirm_roll") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let kubeconfig = tmp.path().join("kubeconfig.json");
    // Usable (never contacted: the run stops at the confirmation).
    std::fs::write(
        &kubeconfig,
        r#"{"apiVersion": "v1", "kind": "Config", "current-context": "c",
            "clusters": [{"name": "k", "cluster": {"server": "https://127.0.0.1:9"}}],
            "users": [{"name": "u", "user": {"token": "t"}}],
            "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}]}"#,
    )
    .unwrap();
    let k = kubeconfig.to_str().unwrap();
    let r = sync(
        &server,
        &work.dir,
        &aks,
        &["--kubeconfig", k, "--batch", "2"],
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "refusing to update Elastigroups and replace the VMs they run now (2 at a time: cordoned, drained, terminated) without --yes"
        ),
        "{}",
        r.stderr
    );
    let r = sync(&server, &work.dir, &aks, &["--kubeconfig", k, "--no-roll"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("refusing to update Elastigroups without --yes when not interactive"),
        "{}",
        r.stderr
    );
    assert!(
        server.requests_matching("PUT", "/").is_empty(),
        "nothing sent"
    );
}

/// `sync --set capacity.target=...` is how a Spot pool is scaled: a group whose only difference
/// is its capacity boots the same configuration, so no VM is replaced; with an upgrade in the
/// same run, the roll ends at the capacity asked for, not the one before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaling_with_set_rolls_nothing_and_a_roll_keeps_the_capacity_asked_for() {
    let Some((_, aks, _, _)) = upgraded_cluster("sync_scale_aks") else {
        return;
    };
    let (kube, _tmp, kubeconfig) = roll_kube().await;
    kube.add_pdb("shop", "web-pdb", serde_json::json!({"app": "web"}), 100);
    let args = roll_args(
        &kubeconfig,
        &["--set", "capacity.maximum=4", "--set", "capacity.target=2"],
    );
    // The (target, maximum) of the one group.
    let target_and_maximum = |server: &SpotServer| {
        let capacity = &server.groups()[0].group["capacity"];
        (
            capacity["target"].as_u64().unwrap(),
            capacity["maximum"].as_u64().unwrap(),
        )
    };
    let detaches = |server: &SpotServer, id: &str| {
        server
            .requests_matching("PUT", &format!("/azure/compute/group/{id}/detachVms"))
            .len()
    };

    // Scaling alone: the group updated, no VM replaced.
    let work = Workdir::fixture("azurenet-simple", "sync_scale_only").unwrap();
    let server = spot_server();
    assert!(import(&server, &work.dir, &[]).ok);
    let id = server.groups()[0].id().to_owned();
    let before = server.running_vm_names(&id);
    let r = sync_beside_kubelet(&server, &kube, &id, &work.dir, &aks, &args);
    assert!(r.ok, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(target_and_maximum(&server), (2, 4), "{}", r.stderr);
    assert_eq!(detaches(&server, &id), 0, "nothing rolled: {}", r.stderr);
    for vm in &before {
        assert!(server.running_vm_names(&id).contains(vm), "{vm} kept");
    }

    // An upgrade and a new capacity in one run: rolled, and left at the capacity asked for.
    let Some((work, aks, server, id)) = upgraded_cluster("sync_roll_scaled") else {
        return;
    };
    let r = sync_beside_kubelet(&server, &kube, &id, &work.dir, &aks, &args);
    assert!(r.ok, "{}\n{}", r.stdout, r.stderr);
    assert!(detaches(&server, &id) > 0, "rolled: {}", r.stderr);
    assert_eq!(target_and_maximum(&server), (2, 4), "{}", r.stderr);

    // Scaled while a roll is in flight (its drain blocked): the roll ends at the new capacity.
    let Some((work, aks, server, id)) = upgraded_cluster("sync_roll_then_scaled") else {
        return;
    };
    kube.set_pdb_disruptions_allowed("shop", "web-pdb", 0);
    let blocked = sync_beside_kubelet(&server, &kube, &id, &work.dir, &aks, &args[..9]);
    assert!(!blocked.ok, "{}", blocked.stderr);
    assert_eq!(detaches(&server, &id), 0);
    // Resuming it cordons, drains and terminates: not without --yes (or a terminal's answer).
    kube.set_pdb_disruptions_allowed("shop", "web-pdb", 100);
    let asked = sync_beside_kubelet(&server, &kube, &id, &work.dir, &aks, &args[1..9]);
    assert_eq!(asked.code, Some(1), "{}", asked.stderr);
    assert!(
        asked.stderr.contains(
            "refusing to resume replacing VMs without --yes when not interactive"
        ) && asked
            .stderr
            .contains("agent pool `agentpool1`: the replacement of the VMs started from the old configuration is unfinished"),
        "{}",
        asked.stderr
    );
    assert_eq!(detaches(&server, &id), 0);
    let r = sync_beside_kubelet(&server, &kube, &id, &work.dir, &aks, &args);
    assert!(r.ok, "{}\n{}", r.stdout, r.stderr);
    assert!(detaches(&server, &id) > 0, "rolled: {}", r.stderr);
    assert_eq!(target_and_maximum(&server), (2, 4), "{}", r.stderr);
}

/// A kubeconfig the roll cannot use is refused before any group is updated: an update whose
/// roll cannot run would leave every VM booting the old configuration.
#[test]
fn an_unusable_kubeconfig_is_refused_before_the_update() {
    let Some((work, aks, server, _id)) = upgraded_cluster("sync_bad_kubeconfig") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let kubeconfig = tmp.path().join("kubeconfig.json");
    std::fs::write(&kubeconfig, "{}").unwrap();
    let r = sync(
        &server,
        &work.dir,
        &aks,
        &["--yes", "--kubeconfig", kubeconfig.to_str().unwrap()],
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr.contains(kubeconfig.to_str().unwrap()),
        "names the kubeconfig: {}",
        r.stderr
    );
    assert!(
        server.requests_matching("PUT", "/").is_empty(),
        "no group updated: {}",
        r.stderr
    );
}

/// Registers each running v2 instance of group `id` without a Node as a Ready node named unlike
/// the instance (`k8s-agentpool1-spot-<n>`) with the instance's private IP as its InternalIP,
/// and a Deployment pod on it, once seen running at an earlier call. `nodes`: instance → Node.
fn v2_kubelet(
    server: &SpotServer,
    kube: &test_support::kube_server::KubeServer,
    id: &str,
    booting: &mut std::collections::BTreeSet<String>,
    nodes: &std::sync::Mutex<std::collections::BTreeMap<String, String>>,
) {
    for vm in server.running_vms(id) {
        let instance = vm["instanceId"].as_str().unwrap().to_owned();
        let mut nodes = nodes.lock().unwrap();
        if nodes.contains_key(&instance) || booting.insert(instance.clone()) {
            continue;
        }
        let node = format!("k8s-agentpool1-spot-{}", nodes.len());
        kube.add_node_at(&node, None, vm["privateIp"].as_str(), true);
        kube.add_pod(serde_json::json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("web-{node}"), "namespace": "shop",
                "labels": {"app": "web"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "name": "web-rs", "uid": "uid-web-rs", "controller": true}]},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx"}]},
            "status": {"phase": "Running"}}));
        nodes.insert(instance, node);
    }
}

/// A v2 group (imported with `--elastigroup-api v2`) is rolled as a v3 one: its instances
/// detached by id (`detachInstances`, every body valid against the v2 schema), their Nodes
/// found by private IP, never fewer Ready nodes than the target.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_rolls_the_v2_instances_started_from_the_old_configuration() {
    let Some((work, aks, server, id)) =
        upgraded_cluster_with("sync_roll_v2", &["--elastigroup-api", "v2"])
    else {
        return;
    };
    assert_eq!(server.groups()[0].generation, "v2");
    let (kube, _tmp, kubeconfig) = roll_kube().await;
    kube.add_pdb("shop", "web-pdb", serde_json::json!({"app": "web"}), 100);
    let capacity_before = server.groups()[0].group["capacity"].clone();
    let target = capacity_before["target"].as_u64().unwrap() as usize;
    let nodes = std::sync::Mutex::new(std::collections::BTreeMap::new());
    let min_ready = std::sync::Mutex::new(usize::MAX);
    let args = roll_args(&kubeconfig, &[]);
    let sync_with_kubelet = || {
        tokio::task::block_in_place(|| {
            let stop = std::sync::atomic::AtomicBool::new(false);
            std::thread::scope(|s| {
                s.spawn(|| {
                    let mut booting = std::collections::BTreeSet::new();
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        v2_kubelet(&server, &kube, &id, &mut booting, &nodes);
                        // Ready, schedulable Nodes of the group's instances.
                        let ready = {
                            let nodes = nodes.lock().unwrap();
                            server
                                .running_vm_names(&id)
                                .iter()
                                .filter_map(|vm| nodes.get(vm))
                                .filter_map(|n| kube.object(&format!("/api/v1/nodes/{n}")))
                                .filter(|n| {
                                    n.pointer("/spec/unschedulable") != Some(&Value::Bool(true))
                                })
                                .count()
                        };
                        let mut min = min_ready.lock().unwrap();
                        *min = (*min).min(ready);
                        drop(min);
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                });
                let r = sync(&server, &work.dir, &aks, &args);
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
                r
            })
        })
    };
    // The instances running before the update (Spot starts them once asked for the status).
    let spot = spot_api::SpotClient::new(
        spot_api::ClientConfig {
            base_url: server.base_url.clone(),
            ..spot_api::ClientConfig::default()
        },
        spot_api::Credentials::new(
            test_support::spot_server::TEST_TOKEN,
            Some(test_support::spot_server::TEST_ACCOUNT.to_owned()),
        ),
    )
    .unwrap();
    let old: Vec<String> = spot
        .group_vms(elastigroup::ApiGeneration::V2, &id)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.name)
        .collect();
    // Their kubelets register them (seen running, then Ready).
    let mut booting = std::collections::BTreeSet::new();
    v2_kubelet(&server, &kube, &id, &mut booting, &nodes);
    v2_kubelet(&server, &kube, &id, &mut booting, &nodes);
    assert_eq!(nodes.lock().unwrap().len(), old.len());
    let sent = sync_with_kubelet();
    assert!(sent.ok, "{}\n{}", sent.stdout, sent.stderr);
    assert_eq!(old.len(), target, "{old:?}");
    let detaches: Vec<Value> = server
        .requests_matching("PUT", &format!("/compute/azure/group/{id}/detachInstances"))
        .into_iter()
        .map(|r| r.json())
        .collect();
    for body in &detaches {
        assert_eq!(body["shouldTerminateInstances"], true, "{body}");
        assert_eq!(body["shouldDecrementTargetCapacity"], true, "{body}");
    }
    let mut detached = server.detached_names("v2", &id);
    detached.sort();
    let mut sorted_old = old.clone();
    sorted_old.sort();
    assert_eq!(detached, sorted_old, "each old instance detached once");
    assert!(
        sent.stdout.contains(&format!(
            "agent pool `agentpool1`: replaced {target} VM(s) started from the old configuration"
        )),
        "{}",
        sent.stdout
    );
    let running = server.running_vm_names(&id);
    assert_eq!(running.len(), target, "{running:?}");
    assert!(running.iter().all(|v| !old.contains(v)), "{running:?}");
    assert_eq!(
        server.groups()[0].group["capacity"],
        capacity_before,
        "the capacity is back where it was"
    );
    assert!(
        *min_ready.lock().unwrap() >= target,
        "never fewer Ready, schedulable nodes than the target"
    );
    let nodes = nodes.lock().unwrap().clone();
    for vm in &old {
        let node = &nodes[vm];
        assert!(kube.object(&format!("/api/v1/nodes/{node}")).is_none());
        assert!(
            kube.object(&format!("/api/v1/namespaces/shop/pods/web-{node}"))
                .is_none(),
            "its pod was evicted"
        );
    }
    // The capacity was raised and restored through the v2 group update (no /capacity route).
    let updates = server.requests_matching("PUT", &format!("/compute/azure/group/{id}"));
    assert!(updates.iter().any(|r| r.path.ends_with(&id)), "{updates:?}");
    assert!(server.take_validation_failures().is_empty());
}
