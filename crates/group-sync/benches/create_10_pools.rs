//! Ten pools against a local Spot API that answers after 200 ms: shows that pools are created
//! concurrently (one pool costs a list + a create, about 400 ms; ten in sequence would be ~4 s).

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented `pub fn`"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use elastigroup::ApiGeneration;
use group_sync::{GroupRequest, StateFile, SyncMode, sync_groups};
use serde_json::json;
use spot_api::{ClientConfig, Credentials, SpotClient};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use test_support::spot_server::{
    SpotServer, SpotServerOptions, TEST_ACCOUNT, TEST_TOKEN, envelope_validator,
};

const POOLS: usize = 10;

fn requests(run: usize) -> Vec<GroupRequest> {
    (0..POOLS)
        .map(|i| {
            let name = format!("bench-{run}-agentpool{i}");
            GroupRequest {
                pool: format!("agentpool{i}"),
                body: json!({"group": {"name": name, "region": "eastus",
                                       "capacity": {"minimum": 0, "maximum": 3, "target": 1}}}),
                name,
                generation: ApiGeneration::V3,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let server = SpotServer::start(SpotServerOptions {
        response_delay: Duration::from_millis(200),
        validator: envelope_validator(),
        ..SpotServerOptions::default()
    });
    let client = SpotClient::new(
        ClientConfig {
            base_url: server.base_url.clone(),
            ..ClientConfig::default()
        },
        Credentials::new(TEST_TOKEN, Some(TEST_ACCOUNT.to_owned())),
    )
    .expect("client");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let run = AtomicUsize::new(0);
    let once = |client: &SpotClient| {
        let dir = tempfile::tempdir().expect("tempdir");
        let reqs = requests(run.fetch_add(1, Ordering::Relaxed));
        let report = rt
            .block_on(sync_groups(
                client,
                &StateFile::path_in(dir.path()),
                reqs,
                SyncMode::Create,
                POOLS,
            ))
            .expect("sync");
        assert!(report.all_succeeded());
    };

    let started = Instant::now();
    once(&client);
    eprintln!(
        "create_10_pools: one run of {POOLS} pools against a 200 ms server took {:?}",
        started.elapsed()
    );

    let mut group = c.benchmark_group("group_sync");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    group.bench_function("create_10_pools_200ms_server", |b| b.iter(|| once(&client)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
