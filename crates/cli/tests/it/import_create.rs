//! A real `import` against the local Spot API: what is sent, what is printed, what is recorded,
//! and how failures and faults are survived.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;
use test_support::spot_server::{Fault, SpotServer, TEST_ACCOUNT, TEST_TOKEN};

use crate::common::{SUBSCRIPTION, bin, copy_dir, example_dir, spot_server};

/// A writable copy of an output directory (the import writes its state file there).
pub struct Workdir {
    _tmp: tempfile::TempDir,
    pub dir: PathBuf,
}

impl Workdir {
    pub fn copy_of(from: &Path) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        copy_dir(from, &dir);
        Self { _tmp: tmp, dir }
    }

    pub fn example() -> Self {
        Self::copy_of(&example_dir())
    }

    /// A fixture case of ../shared, or `None` (skipped) when it is missing.
    pub fn fixture(case: &str, test_name: &str) -> Option<Self> {
        let (_, path) = test_fixtures::aks_engine_cases(test_name)
            .into_iter()
            .find(|(name, _)| name == case)?;
        Some(Self::copy_of(&path))
    }

    pub fn state_file(&self) -> PathBuf {
        self.dir.join("spot-elastigroups.json")
    }

    /// The state file's records (empty when there is no file).
    pub fn records(&self) -> Vec<Value> {
        match std::fs::read(self.state_file()) {
            Ok(bytes) => {
                let v: Value = serde_json::from_slice(&bytes).unwrap();
                v["groups"].as_array().unwrap().clone()
            }
            Err(_) => Vec::new(),
        }
    }
}

/// The binary with Spot credentials for `server` in the environment.
pub fn spot_cmd(server: &SpotServer) -> Command {
    let mut cmd = bin();
    cmd.env("SPOTINST_TOKEN", TEST_TOKEN)
        .env("SPOTINST_ACCOUNT", TEST_ACCOUNT)
        .env("SPOTINST_BASE_URL", &server.base_url);
    cmd
}

pub struct Run {
    pub ok: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The first `error:` line of stderr (the error the binary printed), empty when none.
    pub fn error_line(&self) -> &str {
        self.stderr
            .lines()
            .find(|l| l.starts_with("error:"))
            .unwrap_or_default()
    }
}

pub fn run(mut cmd: Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        ok: out.status.success(),
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// `import -s SUBSCRIPTION -o DIR EXTRA...` against `server`.
pub fn import(server: &SpotServer, dir: &Path, extra: &[&str]) -> Run {
    let mut cmd = spot_cmd(server);
    cmd.args(["import", "-s", SUBSCRIPTION, "-o"])
        .arg(dir)
        .args(extra);
    run(cmd)
}

/// The dry run's bodies (secrets shown), as a list.
fn planned_bodies(dir: &Path, extra: &[&str]) -> Vec<Value> {
    let out = bin()
        .args([
            "import",
            "--dry-run",
            "--show-secrets",
            "-s",
            SUBSCRIPTION,
            "-o",
        ])
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    match serde_json::from_slice::<Value>(&out.stdout).unwrap() {
        Value::Array(a) => a,
        one => vec![one],
    }
}

#[test]
fn import_creates_the_group_sends_the_planned_body_and_records_it() {
    let server = spot_server();
    let work = Workdir::example();
    let r = import(&server, &work.dir, &[]);
    assert!(r.ok, "{}", r.stderr);

    let groups = server.groups();
    assert_eq!(groups.len(), 1);
    let id = groups[0].id().to_owned();
    assert_eq!(
        r.stdout,
        format!("Spot Elastigroup {id} successfully created\n")
    );
    assert!(
        r.stderr
            .contains("created 1, existing 0, updated 0, failed 0"),
        "{}",
        r.stderr
    );

    let posts = server.requests_matching("POST", "/azure/compute/group");
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].query_param("accountId").as_deref(),
        Some(TEST_ACCOUNT)
    );
    assert_eq!(posts[0].json(), planned_bodies(&work.dir, &[])[0]);

    let records = work.records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["pool"], "agentpool1");
    assert_eq!(records[0]["groupId"], id.as_str());
    assert_eq!(records[0]["generation"], "v3");
    assert_eq!(records[0]["name"], "spotdemo-agentpool1");

    // Secrets of the body never reach the terminal.
    assert!(!r.stderr.contains("example-secret-written-for-the-demo"));
    assert!(!r.stderr.contains(TEST_TOKEN) && !r.stdout.contains(TEST_TOKEN));
}

#[test]
fn a_second_run_reports_existing_and_update_puts() {
    let server = spot_server();
    let work = Workdir::example();
    assert!(import(&server, &work.dir, &[]).ok);
    let id = server.groups()[0].id().to_owned();

    let again = import(&server, &work.dir, &[]);
    assert!(again.ok, "{}", again.stderr);
    assert_eq!(
        again.stdout,
        format!("Spot Elastigroup {id} already exists (pool agentpool1)\n")
    );
    assert!(
        again.stderr.contains("created 0, existing 1"),
        "{}",
        again.stderr
    );
    assert_eq!(
        server.requests_matching("POST", "/").len(),
        1,
        "no second create"
    );

    // Without --yes and without a terminal: the diff, then a refusal; nothing sent.
    let asked = import(
        &server,
        &work.dir,
        &["--update", "--set", "capacity.maximum=5"],
    );
    assert!(!asked.ok);
    assert!(asked.stderr.contains("without --yes"), "{}", asked.stderr);
    assert!(server.requests_matching("PUT", "/").is_empty());

    let update = import(
        &server,
        &work.dir,
        &["--update", "--yes", "--set", "capacity.maximum=5"],
    );
    assert!(update.ok, "{}", update.stderr);
    assert_eq!(
        update.stdout,
        format!(
            "agent pool `agentpool1`: Spot Elastigroup {id} differs:\n  capacity.maximum: 2 → 5\n\
             Spot Elastigroup {id} updated (pool agentpool1, 1 field(s))\n"
        )
    );
    let puts = server.requests_matching("PUT", &format!("/azure/compute/group/{id}"));
    assert_eq!(puts.len(), 1);
    let body = puts[0].json();
    let sent = &body["group"];
    assert_eq!(sent["capacity"]["maximum"], 5);
    assert!(sent.get("id").is_none());
    assert_eq!(server.groups()[0].group["capacity"]["maximum"], 5);
    assert_eq!(server.groups().len(), 1);
    // The same update again: equal, no write.
    let again = import(
        &server,
        &work.dir,
        &["--update", "--yes", "--set", "capacity.maximum=5"],
    );
    assert!(again.ok, "{}", again.stderr);
    assert_eq!(
        again.stdout,
        format!("agent pool `agentpool1`: Spot Elastigroup {id} is up to date\n")
    );
    assert_eq!(server.requests_matching("PUT", "/").len(), 1);
    assert!(work.records()[0]["updatedAt"].is_string());
}

#[test]
fn quiet_success_prints_only_the_seed_line() {
    let server = spot_server();
    let work = Workdir::example();
    let r = import(&server, &work.dir, &["-q"]);
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    assert!(
        r.stdout.ends_with(" successfully created\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn v2_api_uses_the_legacy_path() {
    let server = spot_server();
    let work = Workdir::example();
    let r = import(&server, &work.dir, &["--elastigroup-api", "v2"]);
    assert!(r.ok, "{}", r.stderr);
    let posts = server.requests_matching("POST", "/");
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].path, "/compute/azure/group");
    assert_eq!(server.groups()[0].generation, "v2");
    assert_eq!(work.records()[0]["generation"], "v2");
    assert_eq!(
        posts[0].json(),
        planned_bodies(&work.dir, &["--elastigroup-api", "v2"])[0]
    );
}

#[test]
fn json_output_is_one_document() {
    let server = spot_server();
    let work = Workdir::example();
    let r = import(&server, &work.dir, &["--output", "json"]);
    assert!(r.ok, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let id = server.groups()[0].id().to_owned();
    // Each group also says which VM sizes it got and from which catalog (here the example's
    // saved one: there are no Azure credentials); crates/cli/tests/it/vm_sizes.rs tests them.
    let mut groups = v["groups"].clone();
    let sizes = groups[0].as_object_mut().unwrap().remove("sizes").unwrap();
    assert_eq!(sizes["catalog"]["source"], "saved");
    assert_eq!(
        groups,
        serde_json::json!([{"pool": "agentpool1", "name": "spotdemo-agentpool1", "scaleSet": "k8s-agentpool1-31415926-vmss", "groupId": id, "outcome": "created"}])
    );
    assert_eq!(
        Path::new(v["stateFile"].as_str().unwrap()),
        work.state_file().as_path()
    );
}

#[test]
fn a_spot_error_is_shown_with_code_message_and_request_id() {
    let server = spot_server();
    server.inject(
        "POST",
        "/azure/compute/group",
        Fault::error(
            400,
            "INVALID_MARKETPLACE_IMAGE",
            "Invalid Marketplace Image",
            Some("compute.launchSpecification.image"),
        ),
    );
    let work = Workdir::example();
    let r = import(&server, &work.dir, &[]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    for part in [
        "agent pool `agentpool1`",
        "400 Bad Request",
        "(request id ",
        "INVALID_MARKETPLACE_IMAGE: Invalid Marketplace Image",
        "field: compute.launchSpecification.image",
        "created 0, existing 0, updated 0, failed 1",
    ] {
        assert!(
            r.stderr.contains(part),
            "stderr lacks {part:?}:\n{}",
            r.stderr
        );
    }
    assert!(server.groups().is_empty());
    assert!(work.records().is_empty());

    let json = import(&server, &work.dir, &["--output", "json"]);
    assert!(json.ok, "the fault was used once: {}", json.stderr);
}

#[test]
fn a_500_then_success_creates_exactly_one_group() {
    let server = spot_server();
    server.inject("POST", "/azure/compute/group", Fault::status(500));
    let work = Workdir::example();
    let r = import(&server, &work.dir, &[]);
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(server.pending_faults(), 0);
    let groups = server.groups();
    assert_eq!(groups.len(), 1, "no duplicate");
    assert_eq!(server.requests_matching("POST", "/").len(), 2);
    assert_eq!(
        r.stdout,
        format!("Spot Elastigroup {} successfully created\n", groups[0].id())
    );
    assert_eq!(work.records()[0]["groupId"], groups[0].id());
}

#[test]
fn a_lost_create_response_ends_with_exactly_one_recorded_group() {
    let server = spot_server();
    server.inject("POST", "/azure/compute/group", Fault::lose_response());
    let work = Workdir::example();
    let r = import(&server, &work.dir, &[]);
    assert!(r.ok, "{}", r.stderr);
    let groups = server.groups();
    assert_eq!(groups.len(), 1, "exactly one group");
    assert_eq!(
        server.requests_matching("POST", "/").len(),
        1,
        "not sent twice"
    );
    assert_eq!(
        r.stdout,
        format!("Spot Elastigroup {} successfully created\n", groups[0].id())
    );
    assert_eq!(work.records()[0]["groupId"], groups[0].id());
}

#[test]
fn multi_pool_creates_three_groups_concurrently() {
    let Some(work) = Workdir::fixture("multi-pool", "multi_pool_creates_three_groups_concurrently")
    else {
        return;
    };
    let server = spot_server();
    let delay = Duration::from_millis(800);
    server.set_response_delay(delay);
    let start = Instant::now();
    let r = import(&server, &work.dir, &["--concurrency", "3"]);
    let elapsed = start.elapsed();
    assert!(r.ok, "{}", r.stderr);
    let groups = server.groups();
    assert_eq!(groups.len(), 3);
    assert_eq!(r.stdout.lines().count(), 3, "{}", r.stdout);
    for g in &groups {
        assert!(
            r.stdout
                .contains(&format!("Spot Elastigroup {} successfully created", g.id())),
            "{}",
            r.stdout
        );
    }
    assert_eq!(work.records().len(), 3);
    // Each pool makes two calls (look up by name, create): one after the other that would be
    // six delays; at once, two.
    assert!(
        elapsed < delay * 5,
        "took {elapsed:?}: the pools were not created concurrently"
    );
}

#[test]
fn a_partial_failure_is_finished_by_a_rerun() {
    let Some(work) = Workdir::fixture("multi-pool", "a_partial_failure_is_finished_by_a_rerun")
    else {
        return;
    };
    let server = spot_server();
    server.inject(
        "POST",
        "/azure/compute/group",
        Fault::error(400, "CANT_CREATE_GROUP", "quota exceeded", None),
    );
    let first = import(&server, &work.dir, &[]);
    assert_eq!(first.code, Some(1), "{}", first.stderr);
    assert!(
        first.stderr.contains("CANT_CREATE_GROUP: quota exceeded"),
        "{}",
        first.stderr
    );
    assert!(
        first
            .stderr
            .contains("created 2, existing 0, updated 0, failed 1"),
        "{}",
        first.stderr
    );
    assert_eq!(server.groups().len(), 2);
    assert_eq!(work.records().len(), 2);

    let second = import(&server, &work.dir, &[]);
    assert!(second.ok, "{}", second.stderr);
    assert!(
        second
            .stderr
            .contains("created 1, existing 2, updated 0, failed 0"),
        "{}",
        second.stderr
    );
    assert_eq!(server.groups().len(), 3);
    assert_eq!(work.records().len(), 3);
    let mut names: Vec<String> = server
        .groups()
        .iter()
        .map(|g| g.name().to_owned())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 3, "one group per pool");
}

#[test]
fn msi_without_azure_access_refuses_before_creating_anything() {
    let Some(work) = Workdir::fixture(
        "msi",
        "msi_without_azure_access_refuses_before_creating_anything",
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
    let r = run(cmd);
    assert!(!r.ok);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.contains("deploy-time"), "{}", r.stderr);
    assert!(
        r.stderr.contains("AZURE_CLIENT_SECRET"),
        "says how to fix it: {}",
        r.stderr
    );
    assert!(
        server.requests_matching("POST", "/").is_empty(),
        "nothing created"
    );
    assert!(server.groups().is_empty());
    assert!(!work.state_file().exists());
}

#[test]
fn msi_client_id_is_resolved_through_arm_and_sent_without_marker() {
    use test_support::arm_server::{ArmServer, ArmServerConfig};
    let Some(work) = Workdir::fixture(
        "msi",
        "msi_client_id_is_resolved_through_arm_and_sent_without_marker",
    ) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let arm = rt.block_on(ArmServer::start(ArmServerConfig::default()));
    let config = arm.config().clone();
    let client_id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    arm.add_identity(
        "spotaksmsi",
        "spotaksmsi-identity",
        client_id,
        "9a8b7c6d-0000-0000-0000-000000000001",
    );

    let server = spot_server();
    let mut cmd = spot_cmd(&server);
    cmd.args(["-vv", "import", "-s", &config.subscription_id, "-o"])
        .arg(&work.dir)
        .args(["--arm-url", &arm.url()])
        .env("AZURE_AUTHORITY_HOST", arm.url())
        .env("AZURE_CLIENT_ID", &config.client_id)
        .env("AZURE_CLIENT_SECRET", &config.client_secret)
        .env("AZURE_TENANT_ID", &config.tenant_id);
    let r = run(cmd);
    assert!(r.ok, "{}", r.stderr);

    let posts = server.requests_matching("POST", "/azure/compute/group");
    assert_eq!(posts.len(), 1);
    let body = posts[0].json();
    let text = body.to_string();
    assert!(!text.contains("<<deploy-time"), "no marker sent");
    let cmd_line = body["group"]["compute"]["launchSpecification"]["extensions"][0]
        ["protectedSettings"]["commandToExecute"]
        .as_str()
        .unwrap();
    assert!(
        cmd_line.contains(&format!("USER_ASSIGNED_IDENTITY_ID={client_id} ")),
        "clientId resolved"
    );
    assert_eq!(
        arm.requests_to("userAssignedIdentities/spotaksmsi-identity")
            .len(),
        1
    );
    for secret in [
        config.client_secret.as_str(),
        config.access_token.as_str(),
        TEST_TOKEN,
    ] {
        assert!(!r.stdout.contains(secret) && !r.stderr.contains(secret));
    }
    drop(arm);
}
