//! The messages `docs/troubleshooting.md` quotes, pinned: one snapshot per case of the real
//! binary's exit code and stderr (temporary paths, pids, ports, group and request ids filtered),
//! and a check that the guide quotes each snapshot as it is.
//!
//! A changed message changes its snapshot (`cargo insta review`); the guide then fails
//! [`the_guide_quotes_every_snapshot_as_it_is`] until its quote is updated too.

use std::path::Path;

use group_sync::StateLock;
use serde_json::json;

use crate::common::{SUBSCRIPTION, bin, spot_server};
use crate::import_create::{Workdir, spot_cmd};

/// The directory of the snapshots, beside this file.
const SNAPSHOTS: &str = "tests/it/snapshots";
/// The prefix of this file's snapshots' names.
const PREFIX: &str = "it__troubleshooting__";

/// Exit code and stderr of `cmd`, with what varies between runs replaced: `dir` (the output
/// directory) by `<dir>`, the test `HOME` by `<home>`, this process's pid by `<pid>`, and by
/// filters: loopback ports, group ids, request ids, temporary file names.
fn outcome(cmd: &mut assert_cmd::Command, dir: &Path) -> String {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr)
        .replace(&dir.display().to_string(), "<dir>")
        .replace(
            &Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join("empty-home")
                .display()
                .to_string(),
            "<home>",
        )
        .replace(&format!("pid {}", std::process::id()), "pid <pid>");
    let code = out
        .status
        .code()
        .map_or_else(|| "none (killed by a signal)".to_owned(), |c| c.to_string());
    format!("exit code: {code}\n{stderr}")
}

macro_rules! pin {
    ($name:literal, $text:expr) => {{
        insta::with_settings!({
            filters => vec![
                (r"127\.0\.0\.1:\d+", "127.0.0.1:<port>"),
                (r"sig-[0-9a-f]{8}", "sig-<id>"),
                (r"request id [0-9a-f-]{36}", "request id <request id>"),
                (r"\.spot-elastigroups\.check\.\w+", ".spot-elastigroups.check.<random>"),
                // root on a directory made immutable gets EPERM instead of EACCES.
                (r"Operation not permitted \(os error 1\)", "Permission denied (os error 13)"),
            ],
            prepend_module_to_snapshot => true,
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $text);
        })
    }};
}

/// A writable copy of the example with `apimodel.json` edited.
fn example_with(edit: impl Fn(&mut serde_json::Value)) -> Workdir {
    let work = Workdir::example();
    let path = work.dir.join("apimodel.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    work
}

fn dry_run(work: &Workdir, extra: &[&str]) -> String {
    let mut cmd = bin();
    cmd.args(["import", "--dry-run", "-s", SUBSCRIPTION, "-o"])
        .arg(&work.dir)
        .args(extra);
    outcome(&mut cmd, &work.dir)
}

/// A real import of `work` against `server`, with the saved catalog (no Azure needed).
fn real_import(server: &test_support::spot_server::SpotServer, work: &Workdir) -> String {
    let mut cmd = spot_cmd(server);
    cmd.args(["import", "-s", SUBSCRIPTION, "--sku-catalog"])
        .arg(work.dir.join("resource-skus-westeurope.json"))
        .arg("-o")
        .arg(&work.dir);
    outcome(&mut cmd, &work.dir)
}

#[test]
fn missing_output_directory() {
    let work = Workdir::example();
    let mut cmd = bin();
    cmd.args(["import", "--dry-run", "-s", SUBSCRIPTION, "-o"])
        .arg(work.dir.join("nowhere"));
    pin!("missing_output_directory", outcome(&mut cmd, &work.dir));
}

#[test]
fn no_spot_credentials() {
    let work = Workdir::example();
    let mut cmd = bin();
    cmd.args(["import", "-s", SUBSCRIPTION, "-o"])
        .arg(&work.dir);
    pin!("no_spot_credentials", outcome(&mut cmd, &work.dir));
}

#[test]
fn basic_load_balancer() {
    let work = example_with(|v| {
        v["properties"]["orchestratorProfile"]["kubernetesConfig"]["loadBalancerSku"] =
            "Basic".into()
    });
    pin!("basic_load_balancer", dry_run(&work, &[]));
}

#[test]
fn kubenet() {
    let work = example_with(|v| {
        v["properties"]["orchestratorProfile"]["kubernetesConfig"]["networkPlugin"] =
            "kubenet".into()
    });
    pin!("kubenet", dry_run(&work, &[]));
}

#[test]
fn availability_set_pool() {
    let work = example_with(|v| {
        v["properties"]["agentPoolProfiles"][0]["availabilityProfile"] = "AvailabilitySet".into()
    });
    pin!("availability_set_pool", dry_run(&work, &[]));
}

#[test]
fn several_requirements_unmet() {
    let work = example_with(|v| {
        let kc = &mut v["properties"]["orchestratorProfile"]["kubernetesConfig"];
        kc["loadBalancerSku"] = "Basic".into();
        kc["networkPlugin"] = "kubenet".into();
    });
    pin!("several_requirements_unmet", dry_run(&work, &[]));
}

#[test]
fn unknown_pool() {
    let work = Workdir::example();
    pin!("unknown_pool", dry_run(&work, &["--pool", "nope"]));
}

#[test]
fn set_value_out_of_range() {
    let work = Workdir::example();
    pin!(
        "set_value_out_of_range",
        dry_run(&work, &["--set", "strategy.spotPercentage=150"])
    );
}

#[test]
fn set_value_not_a_whole_number() {
    let work = Workdir::example();
    pin!(
        "set_value_not_a_whole_number",
        dry_run(&work, &["--set", "capacity.target=1e+23"])
    );
}

#[test]
fn set_key_with_group_prefix() {
    let work = Workdir::example();
    pin!(
        "set_key_with_group_prefix",
        dry_run(&work, &["--set", "group.capacity.target=2"])
    );
}

#[test]
fn set_without_a_value() {
    let work = Workdir::example();
    pin!(
        "set_without_a_value",
        dry_run(&work, &["--set", "capacity.target"])
    );
}

#[test]
fn several_pools_one_group_name() {
    let Some(work) = Workdir::fixture("multi-pool", "troubleshooting several_pools_one_group_name")
    else {
        return;
    };
    pin!(
        "several_pools_one_group_name",
        dry_run(&work, &["--set", "name=shared"])
    );
}

#[test]
fn lock_held_by_another_run() {
    let server = spot_server();
    let work = Workdir::example();
    let _held = StateLock::acquire(&work.dir).unwrap();
    pin!("lock_held_by_another_run", real_import(&server, &work));
}

#[test]
fn corrupt_state_file() {
    let server = spot_server();
    let work = Workdir::example();
    std::fs::write(work.state_file(), "{\"version\": 1, \"groups\": [").unwrap();
    pin!("corrupt_state_file", real_import(&server, &work));
}

#[test]
fn no_groups_recorded() {
    let server = spot_server();
    let work = Workdir::example();
    let mut cmd = spot_cmd(&server);
    cmd.args(["status", "-o"]).arg(&work.dir);
    pin!("no_groups_recorded", outcome(&mut cmd, &work.dir));
}

#[test]
fn recorded_group_deleted_outside_the_tool() {
    let work = Workdir::example();
    let first = spot_server();
    let created = real_import(&first, &work);
    assert!(created.starts_with("exit code: 0"), "{created}");
    // Another Spot: as if the group had been deleted in the console.
    let server = spot_server();
    pin!(
        "recorded_group_deleted_outside_the_tool",
        real_import(&server, &work)
    );
}

#[test]
fn a_group_of_the_same_name_belongs_to_another_cluster() {
    let server = spot_server();
    server.insert_group(
        "v3",
        json!({"name": "spotdemo-agentpool1", "region": "westeurope",
            "resourceGroupName": "another-rg",
            "capacity": {"minimum": 0, "maximum": 3, "target": 1},
            "compute": {"launchSpecification": {"tags": [
                {"tagKey": "poolName", "tagValue": "agentpool1"}]}}}),
    );
    let work = Workdir::example();
    pin!(
        "a_group_of_the_same_name_belongs_to_another_cluster",
        real_import(&server, &work)
    );
}

#[cfg(unix)]
#[test]
fn read_only_output_directory() {
    use std::os::unix::fs::PermissionsExt;
    let server = spot_server();
    let work = Workdir::example();
    std::fs::set_permissions(&work.dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Root writes through permission bits; an immutable directory (chattr +i) refuses even root.
    let probe = work.dir.join("probe");
    let mut immutable = false;
    if std::fs::write(&probe, b"").is_ok() {
        std::fs::remove_file(&probe).unwrap();
        immutable = std::process::Command::new("chattr")
            .arg("+i")
            .arg(&work.dir)
            .status()
            .is_ok_and(|s| s.success());
    }
    let writable = std::fs::write(&probe, b"").is_ok();
    let text = (!writable).then(|| real_import(&server, &work));
    if immutable {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&work.dir)
            .status();
    }
    std::fs::set_permissions(&work.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    match text {
        Some(text) => {
            pin!("read_only_output_directory", text);
        }
        None => {
            eprintln!("NOTICE: the directory stays writable here (root without chattr); skipped")
        }
    }
}

#[test]
fn deploy_time_value_without_azure_access() {
    let Some(work) = Workdir::fixture(
        "msi",
        "troubleshooting deploy_time_value_without_azure_access",
    ) else {
        return;
    };
    let server = spot_server();
    let no_az = tempfile::tempdir().unwrap();
    let mut cmd = spot_cmd(&server);
    cmd.args(["import", "-s", SUBSCRIPTION, "-o"])
        .arg(&work.dir)
        // no `az` to fall back on, and no real Azure to reach
        .env("PATH", no_az.path())
        .env("AZURE_RESOURCE_MANAGER_URL", "http://127.0.0.1:9")
        .env("AZURE_AUTHORITY_HOST", "http://127.0.0.1:9");
    pin!(
        "deploy_time_value_without_azure_access",
        outcome(&mut cmd, &work.dir)
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cutover_without_a_kubeconfig() {
    let w = crate::cutover_world::World::start(1).await;
    std::fs::remove_file(w.kubeconfig()).unwrap();
    let mut cmd = w.cmd("cutover", &["--yes"]);
    let dir = w.work.dir.clone();
    let text = tokio::task::spawn_blocking(move || outcome(&mut cmd, &dir))
        .await
        .unwrap();
    pin!("cutover_without_a_kubeconfig", text);
}

#[test]
fn another_resource_group_than_the_import_recorded() {
    let server = spot_server();
    let work = Workdir::example();
    let created = real_import(&server, &work);
    assert!(created.starts_with("exit code: 0"), "{created}");
    let mut cmd = spot_cmd(&server);
    cmd.args(["status", "-r", "another-rg", "-o"])
        .arg(&work.dir);
    pin!(
        "another_resource_group_than_the_import_recorded",
        outcome(&mut cmd, &work.dir)
    );
}

/// `cutover` (world `w`, `args`) as the guide shows it: the world's subscription filtered too.
#[cfg(unix)]
async fn cutover_outcome(w: &crate::cutover_world::World, args: &[&str]) -> String {
    let mut cmd = w.cmd("cutover", args);
    let dir = w.work.dir.clone();
    let text = tokio::task::spawn_blocking(move || outcome(&mut cmd, &dir))
        .await
        .unwrap();
    text.replace(&w.arm.config().subscription_id, "<subscription>")
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cutover_scale_set_of_another_cluster() {
    let w = crate::cutover_world::World::start(1).await;
    w.join(0, true);
    w.arm.set_scale_set_tags(
        crate::cutover_world::RG,
        crate::cutover_world::VMSS,
        json!({"poolName": "agentpool1", "resourceNameSuffix": "99999999"}),
    );
    let text = cutover_outcome(&w, &["--yes"]).await;
    pin!("cutover_scale_set_of_another_cluster", text);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubeconfig_token_ending_in_a_line_break() {
    let w = crate::cutover_world::World::start(1).await;
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.kubeconfig()).unwrap()).unwrap();
    config["users"][0]["user"]["token"] = json!("eyJhbGciOi.secret-token\n");
    std::fs::write(w.kubeconfig(), config.to_string()).unwrap();
    let text = cutover_outcome(&w, &["--dry-run"]).await;
    assert!(!text.contains("secret-token"), "{text}");
    pin!("kubeconfig_token_ending_in_a_line_break", text);
}

/// The stderr a snapshot pins (the part after insta's header and the exit code line).
fn snapshot_stderr(snap: &str) -> Option<(String, String)> {
    let body = snap.splitn(3, "---\n").nth(2)?;
    let (code, stderr) = body.split_once('\n')?;
    Some((code.to_owned(), stderr.trim_end().to_owned()))
}

/// Each case of the guide quotes its snapshot's stderr, marked
/// `<!-- snapshot: NAME -->` before a fenced block, and every snapshot is quoted.
#[test]
fn the_guide_quotes_every_snapshot_as_it_is() {
    let root = test_fixtures::repo_root();
    let guide = std::fs::read_to_string(root.join("docs/troubleshooting.md")).unwrap();
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join(SNAPSHOTS);
    let mut names: Vec<String> = std::fs::read_dir(&snapshots)
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            Some(name.strip_prefix(PREFIX)?.strip_suffix(".snap")?.to_owned())
        })
        .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    let mut problems = Vec::new();
    for name in &names {
        let snap = std::fs::read_to_string(snapshots.join(format!("{PREFIX}{name}.snap"))).unwrap();
        let (_, stderr) = snapshot_stderr(&snap).expect("a snapshot of this file");
        let marker = format!("<!-- snapshot: {name} -->");
        let Some(at) = guide.find(&marker) else {
            problems.push(format!(
                "{name}: not quoted (add `{marker}` and a fenced block)"
            ));
            continue;
        };
        let quoted = guide[at + marker.len()..]
            .split_once("```")
            .and_then(|(_, rest)| rest.split_once('\n'))
            .and_then(|(_, rest)| rest.split_once("```"))
            .map(|(block, _)| block.trim_end().to_owned());
        if quoted.as_deref() != Some(stderr.as_str()) {
            problems.push(format!(
                "{name}: the guide quotes\n{}\nbut the binary prints\n{stderr}",
                quoted.unwrap_or_default()
            ));
        }
    }
    for (at, _) in guide.match_indices("<!-- snapshot: ") {
        let name = guide[at + 15..].split(' ').next().unwrap_or_default();
        if !names.iter().any(|n| n == name) {
            problems.push(format!(
                "{name}: quoted in the guide but no snapshot pins it"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/troubleshooting.md:\n{}",
        problems.join("\n\n")
    );
}
