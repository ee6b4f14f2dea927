//! `sync_groups`, `status` and `delete` with the real client against the local Spot API.

use elastigroup::ApiGeneration;
use group_sync::{
    DeleteOutcome, GroupRequest, PoolError, PoolOutcome, StateFile, SyncError, SyncMode, delete,
    status, sync_groups,
};
use serde_json::{Value, json};
use spot_api::{ClientConfig, Credentials, RetryPolicy, SpotClient};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use test_support::spot_server::{
    Fault, SpotServer, SpotServerOptions, TEST_ACCOUNT, TEST_TOKEN, envelope_validator,
};

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
    let server = start();
    let dir = tempfile::tempdir().unwrap();
    let path = state_in(dir.path());
    let c = client(&server);
    sync_groups(
        &c,
        &path,
        requests(2, ApiGeneration::V3),
        SyncMode::Create,
        2,
    )
    .await
    .unwrap();

    let changed: Vec<GroupRequest> = (1..=2)
        .map(|i| request(&format!("agentpool{i}"), ApiGeneration::V3, 4))
        .collect();
    let report = sync_groups(&c, &path, changed, SyncMode::Update, 2)
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
    server.inject("POST", V3, Fault::Pass);
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
        Fault::Drop,
        Fault::LoseResponse,
        Fault::ProcessThenStatus(502),
        Fault::Slow(Duration::from_millis(1200)),
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

#[tokio::test]
async fn a_state_file_that_cannot_be_written_loses_nothing() {
    let server = start();
    let dir = tempfile::tempdir().unwrap();
    let missing_dir = dir.path().join("not-yet");
    let path = state_in(&missing_dir);
    let c = client(&server);
    let report = sync_groups(
        &c,
        &path,
        requests(1, ApiGeneration::V2),
        SyncMode::Create,
        1,
    )
    .await
    .unwrap();
    let gid = server.groups()[0].id().to_owned();
    match &report.pools[0].outcome {
        PoolOutcome::Failed {
            error: e @ PoolError::NotRecorded { group_id, .. },
        } => {
            assert_eq!(group_id, &gid);
            assert!(e.to_string().contains("re-run adopts it"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    std::fs::create_dir(&missing_dir).unwrap();
    let rerun = sync_groups(
        &c,
        &path,
        requests(1, ApiGeneration::V2),
        SyncMode::Create,
        1,
    )
    .await
    .unwrap();
    assert!(
        matches!(&rerun.pools[0].outcome, PoolOutcome::Existing { group_id, adopted: true } if *group_id == gid)
    );
    assert_eq!(server.groups().len(), 1);
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
    let server = start();
    let dir = tempfile::tempdir().unwrap();
    let path = state_in(dir.path());
    let c = client(&server);
    sync_groups(
        &c,
        &path,
        requests(1, ApiGeneration::V2),
        SyncMode::Create,
        1,
    )
    .await
    .unwrap();
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
    let report = delete(&c, &path, &[]).await.unwrap();
    assert!(!report.all_succeeded());
    assert_eq!(StateFile::load(&path).unwrap().records().len(), 1);
    let report = delete(&c, &path, &[]).await.unwrap();
    assert!(report.all_succeeded());
    assert!(StateFile::load(&path).unwrap().records().is_empty());
    assert!(server.groups().is_empty());
}
