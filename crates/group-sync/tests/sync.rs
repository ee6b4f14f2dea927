//! `sync_groups`, `status` and `delete` with the real client against the local Spot API.

use elastigroup::ApiGeneration;
use group_sync::{
    CancellationToken, DeleteOutcome, GroupOwner, GroupRequest, LockError, PoolError, PoolOutcome,
    PoolReport, SOURCE_SCALE_SET_TAG, StateError, StateFile, StateLock, SyncError, SyncMode,
    SyncOptions, delete, status, sync_groups, sync_groups_with,
};
use serde_json::{Value, json};
use spot_api::{ClientConfig, Credentials, RetryPolicy, SpotClient};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use test_support::spot_server::{
    Fault, SpotServer, SpotServerOptions, TEST_ACCOUNT, TEST_TOKEN, envelope_validator,
};

/// For tests whose groups carry no identity: nothing is compared before deleting.
const ANY_OWNER: group_sync::ExpectedOwner<'static> = &|_| GroupOwner::default();

const V3: &str = "/azure/compute/group";
const V2: &str = "/compute/azure/group";

/// A local Spot API checking only the envelope shape (the bodies here are deliberately minimal).
fn start() -> SpotServer {
    SpotServer::start_envelope_only()
}

fn client(server: &SpotServer) -> SpotClient {
    client_with_timeout(server, Duration::from_secs(5))
}

fn client_with_timeout(server: &SpotServer, timeout: Duration) -> SpotClient {
    SpotClient::new(
        ClientConfig {
            base_url: server.base_url.clone(),
            timeout,
            retry: RetryPolicy {
                max_attempts: 4,
                base_delay: Duration::from_millis(10),
                max_delay: Duration::from_secs(2),
            },
            ..ClientConfig::default()
        },
        Credentials::new(TEST_TOKEN, Some(TEST_ACCOUNT.to_owned())),
    )
    .unwrap()
}

fn body(name: &str, target: u64) -> Value {
    json!({"group": {"name": name, "region": "eastus", "capacity": {"minimum": 0, "maximum": 5, "target": target},
        "compute": {"launchSpecification": {"customData": "c2VjcmV0LWN1c3RvbS1kYXRh"}}}})
}

fn request(pool: &str, generation: ApiGeneration, target: u64) -> GroupRequest {
    let name = format!("k8s-{pool}");
    GroupRequest {
        pool: pool.to_owned(),
        body: body(&name, target),
        name,
        generation,
    }
}

fn requests(n: usize, generation: ApiGeneration) -> Vec<GroupRequest> {
    (1..=n)
        .map(|i| request(&format!("agentpool{i}"), generation, 1))
        .collect()
}

fn state_in(dir: &Path) -> PathBuf {
    StateFile::path_in(dir)
}

/// A Spot server where `n` pools' groups of `generation` were created (`n` at once), recorded
/// in the state file `path` in `dir`: (server, dir, path, a client of the server).
async fn created(
    n: usize,
    generation: ApiGeneration,
) -> (SpotServer, tempfile::TempDir, PathBuf, SpotClient) {
    let server = start();
    let dir = tempfile::tempdir().unwrap();
    let path = state_in(dir.path());
    let c = client(&server);
    create_recorded(&c, &path, n, generation).await;
    (server, dir, path, c)
}

/// Creates `n` pools' groups of `generation` (`n` at once), recorded in the state file `path`.
async fn create_recorded(c: &SpotClient, path: &Path, n: usize, generation: ApiGeneration) {
    sync_groups(c, path, requests(n, generation), SyncMode::Create, n)
        .await
        .unwrap();
}

fn created_ids(report: &group_sync::SyncReport) -> Vec<String> {
    report
        .pools
        .iter()
        .filter_map(|p| match &p.outcome {
            PoolOutcome::Created { group_id, .. } => Some(group_id.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn creates_every_pool_records_it_and_a_rerun_creates_nothing() {
    let server = start();
    let dir = tempfile::tempdir().unwrap();
    let path = state_in(dir.path());
    let c = client(&server);

    let report = sync_groups(
        &c,
        &path,
        requests(3, ApiGeneration::V2),
        SyncMode::Create,
        2,
    )
    .await
    .unwrap();
    assert!(report.all_succeeded(), "{report:?}");
    assert_eq!(created_ids(&report).len(), 3);
    assert_eq!(
        report
            .pools
            .iter()
            .map(|p| p.pool.as_str())
            .collect::<Vec<_>>(),
        vec!["agentpool1", "agentpool2", "agentpool3"],
        "report keeps the request order"
    );
    assert!(
        report.pools[0].to_string().contains("successfully created"),
        "{}",
        report.pools[0]
    );

    let state = StateFile::load(&path).unwrap();
    assert_eq!(state.records().len(), 3);
    for p in &report.pools {
        let r = state.get(&p.pool).unwrap();
        assert_eq!(Some(r.group_id.as_str()), p.outcome.group_id());
        assert_eq!(r.generation, ApiGeneration::V2);
        assert_eq!(r.name, format!("k8s-{}", p.pool));
        assert!(
            chrono::DateTime::parse_from_rfc3339(&r.created_at).is_ok(),
            "{}",
            r.created_at
        );
    }
    assert_eq!(server.groups().len(), 3);

    let posts_before = server.requests_matching("POST", V2).len();
    let again = sync_groups(
        &c,
        &path,
        requests(3, ApiGeneration::V2),
        SyncMode::Create,
        2,
    )
    .await
    .unwrap();
    assert!(
        again
            .pools
            .iter()
            .all(|p| matches!(p.outcome, PoolOutcome::Existing { adopted: false, .. }))
    );
    assert_eq!(
        server.requests_matching("POST", V2).len(),
        posts_before,
        "second run creates nothing"
    );
    assert_eq!(server.groups().len(), 3);
}

#[tokio::test]
async fn pools_run_concurrently() {
    let server = SpotServer::start(SpotServerOptions {
        response_delay: Duration::from_millis(200),
        validator: envelope_validator(),
        ..SpotServerOptions::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let report = sync_groups(
        &client(&server),
        &state_in(dir.path()),
        requests(10, ApiGeneration::V3),
        SyncMode::Create,
        10,
    )
    .await
    .unwrap();
    let took = started.elapsed();
    assert!(report.all_succeeded());
    // a list and a create per pool: ~400 ms concurrently, >= 4 s one after another
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    assert_eq!(server.groups().len(), 10);
}

#[tokio::test]
async fn update_mode_puts_the_new_configuration() {
    let (server, _dir, path, c) = created(2, ApiGeneration::V3).await;

    let changed: Vec<GroupRequest> = (1..=2)
        .map(|i| request(&format!("agentpool{i}"), ApiGeneration::V3, 4))
        .collect();
    // Only capacity differs, and capacity is compared only when asked: nothing is sent.
    let report = sync_groups(&c, &path, changed.clone(), SyncMode::Update, 2)
        .await
        .unwrap();
    assert!(
        report
            .pools
            .iter()
            .all(|p| matches!(p.outcome, PoolOutcome::Unchanged { .. })),
        "{report:?}"
    );
    assert!(server.requests_matching("PUT", V3).is_empty());

    // Diff mode with `--set capacity.target`: the difference, nothing sent.
    let mut options = group_sync::SyncOptions::new(SyncMode::Diff, 2);
    options.diff = elastigroup::diff::DiffOptions {
        capacity_fields: vec!["target".into()],
    };
    let report = group_sync::sync_groups_with(&c, &path, changed.clone(), options.clone())
        .await
        .unwrap();
    for p in &report.pools {
        let PoolOutcome::Differs { diff, .. } = &p.outcome else {
            panic!("{report:?}");
        };
        assert_eq!(diff.changes.len(), 1);
        assert_eq!(diff.changes[0].path, "capacity.target");
    }
    assert!(server.requests_matching("PUT", V3).is_empty());

    options.mode = SyncMode::Update;
    let report = group_sync::sync_groups_with(&c, &path, changed, options)
        .await
        .unwrap();
    assert!(
        report
            .pools
            .iter()
            .all(|p| matches!(p.outcome, PoolOutcome::Updated { .. })),
        "{report:?}"
    );
    assert_eq!(server.requests_matching("PUT", V3).len(), 2);
    for g in server.groups() {
        assert_eq!(g.group["capacity"]["target"], 4);
    }
    let state = StateFile::load(&path).unwrap();
    assert!(state.records().iter().all(|r| r.updated_at.is_some()));
    assert_eq!(server.groups().len(), 2, "no new group");
}

#[tokio::test]
async fn a_group_of_the_same_name_is_adopted() {
    let server = start();
    let existing = server.insert_group("v3", body("k8s-agentpool1", 1)["group"].clone());
    let dir = tempfile::tempdir().unwrap();
    let path = state_in(dir.path());
    let report = sync_groups(
        &client(&server),
        &path,
        requests(1, ApiGeneration::V3),
        SyncMode::Create,
        1,
    )
    .await
    .unwrap();
    match &report.pools[0].outcome {
        PoolOutcome::Existing {
            group_id,
            adopted: true,
        } => assert_eq!(group_id, &existing),
        other => panic!("{other:?}"),
    }
    assert!(report.pools[0].to_string().contains("adopted"));
    assert!(server.requests_matching("POST", V3).is_empty());
    assert_eq!(
        StateFile::load(&path)
            .unwrap()
            .get("agentpool1")
            .unwrap()
            .group_id,
        existing
    );
}

#[tokio::test]
async fn partial_failure_then_rerun_finishes_the_job() {
    let server = start();
    let dir = tempfile::tempdir().unwrap();
    let path = state_in(dir.path());
    let c = client(&server);
    // with one pool at a time, the second POST is agentpool2's: let the first one through
    server.inject("POST", V3, Fault::pass());
    server.inject(
        "POST",
        V3,
        Fault::error(
            400,
            "INVALID_MARKETPLACE_IMAGE",
            "Invalid Marketplace Image",
            Some("image"),
        ),
    );
    let report = sync_groups(
        &c,
        &path,
        requests(3, ApiGeneration::V3),
        SyncMode::Create,
        1,
    )
    .await
    .unwrap();
    assert!(!report.all_succeeded());
    let failed: Vec<&str> = report.failures().map(|p| p.pool.as_str()).collect();
    assert_eq!(failed, vec!["agentpool2"]);
    let line = report.pool("agentpool2").unwrap().to_string();
    assert!(
        line.contains("INVALID_MARKETPLACE_IMAGE") && line.contains("request id"),
        "{line}"
    );
    assert_eq!(
        StateFile::load(&path).unwrap().records().len(),
        2,
        "successes recorded"
    );

    let rerun = sync_groups(
        &c,
        &path,
        requests(3, ApiGeneration::V3),
        SyncMode::Create,
        1,
    )
    .await
    .unwrap();
    assert!(rerun.all_succeeded());
    assert!(matches!(
        rerun.pool("agentpool2").unwrap().outcome,
        PoolOutcome::Created { .. }
    ));
    assert!(matches!(
        rerun.pool("agentpool1").unwrap().outcome,
        PoolOutcome::Existing { .. }
    ));
    assert_eq!(server.groups().len(), 3);
    assert_eq!(StateFile::load(&path).unwrap().records().len(), 3);
}

#[tokio::test]
async fn every_create_fault_ends_with_one_group_per_pool() {
    let faults = [
        Fault::too_many_requests(0),
        Fault::status(500),
        Fault::status(503),
        Fault::drop_connection(),
        Fault::lose_response(),
        Fault::process_then_status(502),
        Fault::slow(Duration::from_millis(1200)),
    ];
    for fault in faults {
        let label = format!("{fault:?}");
        let server = start();
        let dir = tempfile::tempdir().unwrap();
        let path = state_in(dir.path());
        server.inject("POST", V3, fault.clone());
        server.inject("POST", V3, fault);
        let c = client_with_timeout(&server, Duration::from_millis(400));
        let report = sync_groups(
            &c,
            &path,
            requests(3, ApiGeneration::V3),
            SyncMode::Create,
            3,
        )
        .await
        .unwrap();
        assert!(report.all_succeeded(), "{label}: {report:?}");
        assert_eq!(server.pending_faults(), 0, "{label}");
        let state = StateFile::load(&path).unwrap();
        for i in 1..=3 {
            let name = format!("k8s-agentpool{i}");
            let groups = server.groups_named(&name);
            assert_eq!(
                groups.len(),
                1,
                "{label}: {name} has {} groups",
                groups.len()
            );
            assert_eq!(
                state.get(&format!("agentpool{i}")).unwrap().group_id,
                groups[0].id(),
                "{label}"
            );
        }
    }
}

/// A directory in which the state file cannot be written, even by root: a read-only tempdir,
/// or (when permissions do not stop this user) `/proc/self`. `None` where neither works.
fn unwritable_dir() -> Option<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::tempdir().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = dir.path().join("read-only");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        if std::fs::write(ro.join("probe"), "x").is_err() {
            return Some((dir, ro));
        }
        let proc_self = PathBuf::from("/proc/self");
        if proc_self.is_dir() && std::fs::write(proc_self.join("probe"), "x").is_err() {
            return Some((dir, proc_self));
        }
    }
    None
}

#[tokio::test]
async fn an_unwritable_output_directory_is_refused_before_any_request() {
    let Some((_keep, ro)) = unwritable_dir() else {
        return;
    };
    let server = start();
    let c = client(&server);
    let err = sync_groups(
        &c,
        &state_in(&ro),
        requests(2, ApiGeneration::V3),
        SyncMode::Create,
        2,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, SyncError::State(StateError::NotWritable { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("spot-elastigroups.json"), "{err}");
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    assert!(server.groups().is_empty());

    let missing = tempfile::tempdir().unwrap();
    let err = delete(
        &c,
        &state_in(&missing.path().join("not-yet")),
        &[],
        ANY_OWNER,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, SyncError::State(StateError::NotWritable { .. })),
        "{err}"
    );
    assert!(server.requests().is_empty());
}

/// Create options, one pool at a time, under which the state file at `path` stops being
/// writable once the first pool is recorded: a directory takes its place.
fn unrecordable_after_the_first(path: &Path) -> SyncOptions {
    let blocker = path.to_owned();
    let mut options = SyncOptions::new(SyncMode::Create, 1);
    options.on_result = Some(Arc::new(move |_report: &PoolReport| {
        if blocker.is_file() {
            std::fs::remove_file(&blocker).unwrap();
            std::fs::create_dir(&blocker).unwrap();
            std::fs::write(blocker.join("keep"), "x").unwrap();
        }
    }));
    options
}

/// The state file becomes unwritable in the middle of a run: the group created then is counted
/// as created (and not recorded), and a re-run adopts it.
#[tokio::test]
async fn a_state_file_that_fails_mid_run_is_counted_as_created_unrecorded() {
    let server = start();
    let dir = tempfile::tempdir().unwrap();
    let path = state_in(dir.path());
    let c = client(&server);
    let options = unrecordable_after_the_first(&path);
    let report = sync_groups_with(&c, &path, requests(2, ApiGeneration::V2), options)
        .await
        .unwrap();
    assert_eq!(server.groups().len(), 2);
    let second = server
        .groups_named("k8s-agentpool2")
        .pop()
        .unwrap()
        .id()
        .to_owned();
    match &report.pool("agentpool2").unwrap().outcome {
        PoolOutcome::Failed {
            error: e @ PoolError::NotRecorded { group_id, .. },
        } => {
            assert_eq!(group_id, &second);
            assert!(e.to_string().contains("re-run adopts it"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    let counts = report.counts();
    assert_eq!((counts.created, counts.created_unrecorded), (2, 1));
    assert_eq!(counts.failed, 0);
    assert!(
        counts.to_string().starts_with("created 2 (1 not recorded)"),
        "{counts}"
    );

    std::fs::remove_dir_all(&path).unwrap();
    let rerun = sync_groups(
        &c,
        &path,
        requests(2, ApiGeneration::V2),
        SyncMode::Create,
        1,
    )
    .await
    .unwrap();
    assert!(
        matches!(&rerun.pool("agentpool2").unwrap().outcome, PoolOutcome::Existing { group_id, adopted: true } if *group_id == second),
        "{rerun:?}"
    );
    assert_eq!(server.groups().len(), 2);
}

#[tokio::test]
async fn corrupt_state_and_duplicate_pools_are_refused_before_any_call() {
    let server = start();
    let dir = tempfile::tempdir().unwrap();
    let path = state_in(dir.path());
    std::fs::write(&path, "not json").unwrap();
    let err = sync_groups(
        &client(&server),
        &path,
        requests(1, ApiGeneration::V3),
        SyncMode::Create,
        1,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("spot-elastigroups.json"), "{err}");
    let mut dup = requests(1, ApiGeneration::V3);
    dup.push(dup[0].clone());
    std::fs::remove_file(&path).unwrap();
    let err = sync_groups(&client(&server), &path, dup, SyncMode::Create, 1)
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::DuplicatePool(_)));
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn generation_mismatch_is_reported() {
    let (_server, _dir, path, c) = created(1, ApiGeneration::V2).await;
    let report = sync_groups(
        &c,
        &path,
        requests(1, ApiGeneration::V3),
        SyncMode::Create,
        1,
    )
    .await
    .unwrap();
    let line = report.pools[0].to_string();
    assert!(
        line.contains("recorded with v2 group") && line.contains("v3 group was requested"),
        "{line}"
    );
}

#[tokio::test]
async fn status_and_delete() {
    let server = start();
    let dir = tempfile::tempdir().unwrap();
    let path = state_in(dir.path());
    let c = client(&server);
    let mut reqs = requests(2, ApiGeneration::V3);
    reqs.push(request("winpool", ApiGeneration::V2, 3));
    sync_groups(&c, &path, reqs, SyncMode::Create, 3)
        .await
        .unwrap();

    let state = StateFile::load(&path).unwrap();
    let statuses = status(&c, &state).await;
    assert_eq!(statuses.len(), 3);
    assert_eq!(statuses[0].0.pool, "agentpool1");
    let v3 = statuses[0].1.as_ref().unwrap();
    assert_eq!((v3.status.as_deref(), v3.vms.len()), (Some("ready"), 1));
    let v2 = statuses[2].1.as_ref().unwrap();
    assert_eq!(v2.vms.len(), 3);

    // agentpool2's group disappears behind our back: counts as deleted
    let gone = state.get("agentpool2").unwrap().group_id.clone();
    c.delete_group(ApiGeneration::V3, &gone).await.unwrap();

    let report = delete(
        &c,
        &path,
        &[
            "agentpool1".into(),
            "agentpool2".into(),
            "nosuchpool".into(),
        ],
        ANY_OWNER,
    )
    .await
    .unwrap();
    assert!(report.all_succeeded());
    assert!(matches!(report.pools[0].1, DeleteOutcome::Deleted { .. }));
    assert!(
        matches!(&report.pools[1].1, DeleteOutcome::AlreadyGone { group_id } if *group_id == gone)
    );
    assert!(matches!(report.pools[2].1, DeleteOutcome::NotRecorded));
    let state = StateFile::load(&path).unwrap();
    assert_eq!(
        state
            .records()
            .iter()
            .map(|r| r.pool.as_str())
            .collect::<Vec<_>>(),
        vec!["winpool"]
    );

    // a failing delete keeps the record
    let win = state.get("winpool").unwrap().group_id.clone();
    server.inject(
        "DELETE",
        &format!("{V2}/{win}"),
        Fault::error(403, "FORBIDDEN", "no", None),
    );
    let report = delete(&c, &path, &[], ANY_OWNER).await.unwrap();
    assert!(!report.all_succeeded());
    assert_eq!(StateFile::load(&path).unwrap().records().len(), 1);
    let report = delete(&c, &path, &[], ANY_OWNER).await.unwrap();
    assert!(report.all_succeeded());
    assert!(StateFile::load(&path).unwrap().records().is_empty());
    assert!(server.groups().is_empty());
}

/// Only Spot's own `GROUP_DOESNT_EXIST` means gone: a wrong API path, a bare 404 or a `200 {}`
/// fails the pool and keeps its record.
#[tokio::test]
async fn delete_forgets_a_group_only_when_spot_says_it_does_not_exist() {
    let (server, _dir, path, c) = created(2, ApiGeneration::V3).await;

    // --spot-api-url with a wrong path: every call is the server's 404 for an unknown route
    let wrong = SpotClient::new(
        ClientConfig {
            base_url: format!("{}/wrong-prefix", server.base_url),
            ..ClientConfig::default()
        },
        Credentials::new(TEST_TOKEN, Some(TEST_ACCOUNT.to_owned())),
    )
    .unwrap();
    let report = delete(&wrong, &path, &[], ANY_OWNER).await.unwrap();
    assert!(!report.all_succeeded());
    assert!(
        report
            .pools
            .iter()
            .all(|(_, o)| matches!(o, DeleteOutcome::Failed { .. })),
        "{report:?}"
    );
    assert_eq!(StateFile::load(&path).unwrap().records().len(), 2);

    let id1 = StateFile::load(&path)
        .unwrap()
        .get("agentpool1")
        .unwrap()
        .group_id
        .clone();
    for raw in [
        Fault::raw(404, "<html>Not Found</html>"),
        Fault::raw(200, "{}"),
    ] {
        server.inject("DELETE", &format!("{V3}/{id1}"), raw.clone());
        let report = delete(&c, &path, &["agentpool1".into()], ANY_OWNER)
            .await
            .unwrap();
        assert!(
            matches!(report.pools[0].1, DeleteOutcome::Failed { .. }),
            "{raw:?}: {report:?}"
        );
        assert!(
            StateFile::load(&path).unwrap().get("agentpool1").is_some(),
            "{raw:?}"
        );
    }
    assert_eq!(server.groups().len(), 2, "nothing was deleted yet");

    let report = delete(&c, &path, &[], ANY_OWNER).await.unwrap();
    assert!(report.all_succeeded(), "{report:?}");
    assert!(server.groups().is_empty());
    assert!(StateFile::load(&path).unwrap().records().is_empty());
}

/// A full body with this cluster's identity.
fn owned_body(name: &str, rg: &str, region: &str, scale_set: &str) -> Value {
    json!({"group": {"name": name, "region": region, "resourceGroupName": rg,
        "capacity": {"minimum": 0, "maximum": 5, "target": 1},
        "compute": {"launchSpecification": {"tags": [
            {"tagKey": "poolName", "tagValue": "agentpool1"},
            {"tagKey": SOURCE_SCALE_SET_TAG, "tagValue": scale_set}]}}}})
}

fn owned_request(rg: &str, region: &str, scale_set: &str) -> GroupRequest {
    GroupRequest {
        pool: "agentpool1".into(),
        name: "demo-agentpool1".into(),
        generation: ApiGeneration::V3,
        body: owned_body("demo-agentpool1", rg, region, scale_set),
    }
}

#[tokio::test]
async fn a_group_of_the_same_name_from_another_cluster_is_not_adopted() {
    let server = start();
    let theirs = server.insert_group(
        "v3",
        owned_body(
            "demo-agentpool1",
            "rg-other",
            "westeurope",
            "k8s-agentpool1-9999-vmss",
        )["group"]
            .clone(),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = state_in(dir.path());
    let c = client(&server);
    let report = sync_groups(
        &c,
        &path,
        vec![owned_request(
            "rg-demo",
            "eastus",
            "k8s-agentpool1-1234-vmss",
        )],
        SyncMode::Update,
        1,
    )
    .await
    .unwrap();
    match &report.pools[0].outcome {
        PoolOutcome::Failed {
            error: e @ PoolError::OwnedElsewhere { group_id, .. },
        } => {
            assert_eq!(group_id, &theirs);
            let msg = e.to_string();
            for needle in [
                theirs.as_str(),
                "\"rg-other\"",
                "\"rg-demo\"",
                "region",
                "k8s-agentpool1-9999-vmss",
            ] {
                assert!(msg.contains(needle), "{needle} missing in {msg}");
            }
        }
        other => panic!("{other:?}"),
    }
    assert!(
        server.requests_matching("PUT", V3).is_empty(),
        "theirs untouched"
    );
    assert!(server.requests_matching("POST", V3).is_empty());
    assert!(StateFile::load(&path).unwrap().records().is_empty());

    // the same name and cluster, written the other way Azure allows: adopted
    let server = start();
    let ours = server.insert_group(
        "v3",
        owned_body(
            "demo-agentpool1",
            "RG-Demo",
            "East US",
            "k8s-agentpool1-1234-vmss",
        )["group"]
            .clone(),
    );
    let dir = tempfile::tempdir().unwrap();
    let report = sync_groups(
        &client(&server),
        &state_in(dir.path()),
        vec![owned_request(
            "rg-demo",
            "eastus",
            "k8s-agentpool1-1234-vmss",
        )],
        SyncMode::Create,
        1,
    )
    .await
    .unwrap();
    assert!(
        matches!(&report.pools[0].outcome, PoolOutcome::Existing { group_id, adopted: true } if *group_id == ours),
        "{report:?}"
    );
}

#[tokio::test]
async fn several_groups_of_the_name_are_an_error_listing_them() {
    let server = start();
    let body = owned_body(
        "demo-agentpool1",
        "rg-demo",
        "eastus",
        "k8s-agentpool1-1234-vmss",
    );
    let a = server.insert_group("v3", body["group"].clone());
    let b = server.insert_group("v3", body["group"].clone());
    let dir = tempfile::tempdir().unwrap();
    let report = sync_groups(
        &client(&server),
        &state_in(dir.path()),
        vec![owned_request(
            "rg-demo",
            "eastus",
            "k8s-agentpool1-1234-vmss",
        )],
        SyncMode::Create,
        1,
    )
    .await
    .unwrap();
    let line = report.pools[0].to_string();
    assert!(
        matches!(&report.pools[0].outcome, PoolOutcome::Failed { error: PoolError::AmbiguousName { group_ids, .. } } if group_ids.len() == 2),
        "{line}"
    );
    assert!(line.contains(&a) && line.contains(&b), "{line}");
    assert!(server.requests_matching("POST", V3).is_empty());
}

/// Two runs on one directory at once: one creates, the other is refused, naming the pid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_on_one_directory_create_each_group_once() {
    let server = SpotServer::start(SpotServerOptions {
        response_delay: Duration::from_millis(100),
        validator: envelope_validator(),
        ..SpotServerOptions::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let path = state_in(dir.path());
    let c = client(&server);
    let (a, b) = tokio::join!(
        sync_groups(
            &c,
            &path,
            requests(3, ApiGeneration::V3),
            SyncMode::Create,
            3
        ),
        sync_groups(
            &c,
            &path,
            requests(3, ApiGeneration::V3),
            SyncMode::Create,
            3
        ),
    );
    let (ok, refused) = match (a, b) {
        (Ok(r), Err(e)) | (Err(e), Ok(r)) => (r, e),
        other => panic!("exactly one run must be refused: {other:?}"),
    };
    assert!(ok.all_succeeded());
    assert!(
        matches!(&refused, SyncError::Lock(LockError::Held { pid: Some(p), .. }) if *p == std::process::id()),
        "{refused}"
    );
    assert!(
        refused
            .to_string()
            .contains(&format!("pid {}", std::process::id())),
        "{refused}"
    );
    assert_eq!(server.groups().len(), 3);

    // a caller holding the lock (e.g. a whole create-simple) shuts out delete too
    let held = StateLock::acquire(dir.path()).unwrap();
    let err = delete(&c, &path, &[], ANY_OWNER).await.unwrap_err();
    assert!(matches!(err, SyncError::Lock(_)), "{err}");
    let report = group_sync::delete_locked(&c, &held, &[], ANY_OWNER)
        .await
        .unwrap();
    assert!(report.all_succeeded());
    assert!(server.groups().is_empty());
}

/// A recorded group deleted outside the tool fails its pool on a re-run, by pool and id.
#[tokio::test]
async fn a_rerun_checks_every_recorded_group_in_spot() {
    let (server, _dir, path, c) = created(3, ApiGeneration::V3).await;
    let gone = StateFile::load(&path)
        .unwrap()
        .get("agentpool2")
        .unwrap()
        .group_id
        .clone();
    c.delete_group(ApiGeneration::V3, &gone).await.unwrap();
    let gets_before = server.requests_matching("GET", &format!("{V3}/")).len();

    let report = sync_groups(
        &c,
        &path,
        requests(3, ApiGeneration::V3),
        SyncMode::Create,
        3,
    )
    .await
    .unwrap();
    assert!(!report.all_succeeded());
    let failed: Vec<&str> = report.failures().map(|p| p.pool.as_str()).collect();
    assert_eq!(failed, vec!["agentpool2"]);
    let line = report.pool("agentpool2").unwrap().to_string();
    assert!(
        line.contains(&gone)
            && line.contains("no longer exists")
            && line.contains("--pool agentpool2"),
        "{line}"
    );
    assert_eq!(
        server.requests_matching("GET", &format!("{V3}/")).len() - gets_before,
        3,
        "one GET per recorded group"
    );
    assert!(
        server.requests_matching("POST", V3).len() == 3,
        "nothing created"
    );
}

/// Cancelled after the first result: nothing new starts, what was in flight is recorded, every
/// result was reported as it happened.
#[tokio::test]
async fn a_cancelled_run_starts_nothing_new_and_records_what_was_in_flight() {
    let server = SpotServer::start(SpotServerOptions {
        response_delay: Duration::from_millis(150),
        validator: envelope_validator(),
        ..SpotServerOptions::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let path = state_in(dir.path());
    let c = client(&server);
    let cancel = CancellationToken::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut options = SyncOptions::new(SyncMode::Create, 2);
    options.cancel = cancel.clone();
    let (seen_cb, cancel_cb) = (seen.clone(), cancel.clone());
    options.on_result = Some(Arc::new(move |r: &PoolReport| {
        seen_cb.lock().unwrap().push(r.to_string());
        cancel_cb.cancel(); // as Ctrl-C would, right after the first result
    }));
    let report = sync_groups_with(&c, &path, requests(6, ApiGeneration::V3), options)
        .await
        .unwrap();
    assert!(report.interrupted() && cancel.is_cancelled());
    assert_eq!(seen.lock().unwrap().len(), 6, "one callback per pool");
    let counts = report.counts();
    assert!(counts.created >= 1 && counts.interrupted >= 4, "{counts}");
    assert_eq!(counts.created + counts.interrupted, 6, "{counts}");
    assert!(counts.to_string().contains("not started"), "{counts}");
    // every group that exists in Spot is recorded
    let state = StateFile::load(&path).unwrap();
    assert_eq!(server.groups().len(), counts.created);
    assert_eq!(state.records().len(), counts.created);
    for g in server.groups() {
        assert!(state.records().iter().any(|r| r.group_id == g.id()));
    }
    let interrupted = report
        .pools
        .iter()
        .find(|p| {
            matches!(
                p.outcome,
                PoolOutcome::Failed {
                    error: PoolError::Interrupted
                }
            )
        })
        .unwrap()
        .to_string();
    assert!(interrupted.contains("interrupted"), "{interrupted}");
}

/// M7: the state file stops being writable after the first record (a full disk): the group in
/// flight is counted as created and unrecorded, and no later create starts.
#[tokio::test]
async fn no_create_starts_after_the_first_failure_to_record() {
    let server = SpotServer::start(SpotServerOptions {
        response_delay: Duration::from_millis(30),
        validator: envelope_validator(),
        ..SpotServerOptions::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let path = state_in(dir.path());
    let c = client(&server);
    let options = unrecordable_after_the_first(&path);
    let report = sync_groups_with(&c, &path, requests(6, ApiGeneration::V3), options)
        .await
        .unwrap();
    let counts = report.counts();
    assert_eq!(
        (
            counts.created,
            counts.created_unrecorded,
            counts.interrupted
        ),
        (2, 1, 4),
        "{counts}"
    );
    assert_eq!(
        server.groups().len(),
        2,
        "no create after the failed record"
    );
    assert!(counts.to_string().contains("not started 4"), "{counts}");
    let stopped = report.pool("agentpool6").unwrap();
    assert!(
        matches!(
            &stopped.outcome,
            PoolOutcome::Failed {
                error: PoolError::StoppedAfterRecordFailure { .. }
            }
        ),
        "{stopped}"
    );
    assert!(
        stopped.to_string().contains("not started") && !report.interrupted(),
        "{stopped}"
    );
}

/// Each record holds the resource group the body was sent with and the run's subscription.
#[tokio::test]
async fn records_hold_the_resource_group_and_subscription_of_the_import() {
    let server = start();
    let dir = tempfile::tempdir().unwrap();
    let path = state_in(dir.path());
    let mut options = SyncOptions::new(SyncMode::Create, 1);
    options.subscription_id = Some("6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d".into());
    sync_groups_with(
        &client(&server),
        &path,
        vec![owned_request(
            "spotaks",
            "eastus",
            "k8s-agentpool1-1234-vmss",
        )],
        options,
    )
    .await
    .unwrap();
    let state = StateFile::load(&path).unwrap();
    let r = state.get("agentpool1").unwrap();
    assert_eq!(r.resource_group.as_deref(), Some("spotaks"));
    assert_eq!(
        r.subscription_id.as_deref(),
        Some("6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"resourceGroup\": \"spotaks\""), "{text}");
}

/// H4: an update whose body names another resource group than the recorded group's is refused
/// before any PUT, naming both; so is a state file symlinked to another cluster's, for update
/// and for delete.
#[cfg(unix)]
#[tokio::test]
async fn a_recorded_group_of_another_cluster_is_neither_updated_nor_deleted() {
    let server = start();
    let c = client(&server);
    // cluster A imported into spotaks
    let a = tempfile::tempdir().unwrap();
    let a_state = state_in(a.path());
    sync_groups(
        &c,
        &a_state,
        vec![owned_request(
            "spotaks",
            "eastus",
            "k8s-agentpool1-1111-vmss",
        )],
        SyncMode::Create,
        1,
    )
    .await
    .unwrap();
    let theirs = StateFile::load(&a_state)
        .unwrap()
        .get("agentpool1")
        .unwrap()
        .group_id
        .clone();

    // an update with the DNS prefix's resource group: nothing is sent
    let report = sync_groups(
        &c,
        &a_state,
        vec![owned_request("demo", "eastus", "k8s-agentpool1-1111-vmss")],
        SyncMode::Update,
        1,
    )
    .await
    .unwrap();
    match &report.pools[0].outcome {
        PoolOutcome::Failed {
            error: e @ PoolError::RecordedOwnedElsewhere { group_id, .. },
        } => {
            assert_eq!(group_id, &theirs);
            let msg = e.to_string();
            assert!(
                msg.contains("\"spotaks\"")
                    && msg.contains("\"demo\"")
                    && msg.contains("nothing was changed"),
                "{msg}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(server.requests_matching("PUT", V3).is_empty());

    // cluster B's state file is a symlink to A's
    let b = tempfile::tempdir().unwrap();
    let b_state = state_in(b.path());
    std::os::unix::fs::symlink(&a_state, &b_state).unwrap();
    let report = sync_groups(
        &c,
        &b_state,
        vec![owned_request(
            "cluster-b",
            "eastus",
            "k8s-agentpool1-2222-vmss",
        )],
        SyncMode::Update,
        1,
    )
    .await
    .unwrap();
    let line = report.pools[0].to_string();
    assert!(
        line.contains("k8s-agentpool1-1111-vmss") && line.contains("k8s-agentpool1-2222-vmss"),
        "{line}"
    );
    assert!(server.requests_matching("PUT", V3).is_empty());

    let b_owner = GroupOwner {
        resource_group: Some("cluster-b".into()),
        region: Some("eastus".into()),
        source_scale_set: Some("k8s-agentpool1-2222-vmss".into()),
    };
    let report = delete(&c, &b_state, &[], &|_| b_owner.clone())
        .await
        .unwrap();
    assert!(!report.all_succeeded());
    assert!(
        matches!(
            &report.pools[0].1,
            DeleteOutcome::Failed {
                error: PoolError::RecordedOwnedElsewhere { .. },
                ..
            }
        ),
        "{report:?}"
    );
    assert!(server.requests_matching("DELETE", V3).is_empty());
    assert_eq!(server.groups().len(), 1);
    assert!(
        StateFile::load(&a_state)
            .unwrap()
            .get("agentpool1")
            .is_some()
    );

    // its own cluster deletes it
    let a_owner = GroupOwner {
        resource_group: Some("spotaks".into()),
        region: Some("East US".into()),
        source_scale_set: Some("k8s-agentpool1-1111-vmss".into()),
    };
    let report = delete(&c, &a_state, &[], &|_| a_owner.clone())
        .await
        .unwrap();
    assert!(report.all_succeeded(), "{report:?}");
    assert!(server.groups().is_empty());
}

/// Every entry of `dir` (names, bytes and modification times), to see that nothing changed.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>, std::time::SystemTime)> {
    let mut all: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let meta = e.metadata().unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
                meta.modified().unwrap(),
            )
        })
        .collect();
    all.sort();
    all
}

#[tokio::test]
async fn a_diff_takes_no_lock_and_writes_nothing_even_while_another_run_holds_it() {
    let (server, dir, path, c) = created(1, ApiGeneration::V3).await;
    // A group of pool 2's name exists unrecorded (a diff would adopt it, but records nothing);
    // pool 3 has none.
    server.insert_group("v3", body("k8s-agentpool2", 1)["group"].clone());
    // Another run holds the lock, and a temporary file of a killed write lies there.
    let held = StateLock::acquire_for(&path).unwrap();
    std::fs::write(dir.path().join(".spot-elastigroups.json.Ab12Cd.tmp"), "{").unwrap();
    let before = snapshot(dir.path());

    let mut changed = requests(3, ApiGeneration::V3);
    changed[0].body["group"]["description"] = json!("new");
    // `mode` is ignored: a diff is a diff.
    let options = SyncOptions::new(SyncMode::Update, 2);
    let state = StateFile::load(&path).unwrap();
    let report = group_sync::diff_groups(&c, &state, changed, options)
        .await
        .unwrap();
    let outcomes: Vec<&PoolOutcome> = report.pools.iter().map(|p| &p.outcome).collect();
    assert!(
        matches!(outcomes[0], PoolOutcome::Differs { .. }),
        "{report:?}"
    );
    assert!(
        matches!(outcomes[1], PoolOutcome::Unchanged { .. }),
        "{report:?}"
    );
    assert!(
        matches!(
            outcomes[2],
            PoolOutcome::Failed {
                error: PoolError::NoGroup { .. }
            }
        ),
        "{report:?}"
    );
    assert!(server.requests_matching("PUT", V3).is_empty());
    assert_eq!(
        server.requests_matching("POST", V3).len(),
        1,
        "the import's"
    );
    assert_eq!(
        snapshot(dir.path()),
        before,
        "nothing written in the directory"
    );
    drop(held);
}

#[cfg(unix)]
#[tokio::test]
async fn a_diff_works_in_a_read_only_directory() {
    use std::os::unix::fs::PermissionsExt;
    let server = start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let path = state_in(&out);
    let c = client(&server);
    create_recorded(&c, &path, 1, ApiGeneration::V3).await;
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o555)).unwrap();
    let before = snapshot(&out);
    let report = group_sync::diff_groups(
        &c,
        &StateFile::load(&path).unwrap(),
        requests(1, ApiGeneration::V3),
        SyncOptions::default(),
    )
    .await;
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o755)).unwrap();
    let report = report.unwrap();
    assert!(
        matches!(report.pools[0].outcome, PoolOutcome::Unchanged { .. }),
        "{report:?}"
    );
    assert_eq!(snapshot(&out), before);
}
