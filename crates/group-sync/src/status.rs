//! The status of every recorded group.

use std::collections::HashMap;
use std::future::Future;

use crate::error::PoolError;
use crate::state::{GroupRecord, StateFile};
use spot_api::{GroupStatus, SpotClient, SpotError};

/// Asks Spot for the status of each recorded group, concurrently; one result per record, in
/// state-file order. A pool whose task ended without a result (a panic) is that pool's error
/// ([`PoolError::Task`]), never a missing entry.
pub async fn status(
    client: &SpotClient,
    state: &StateFile,
) -> Vec<(GroupRecord, Result<GroupStatus, PoolError>)> {
    let client = client.clone();
    status_with(state.records(), move |record| {
        let client = client.clone();
        async move {
            client
                .group_status(record.generation, &record.group_id)
                .await
        }
    })
    .await
}

/// [`status`] with the per-record read given (tests make one panic).
async fn status_with<F, Fut>(
    records: &[GroupRecord],
    read: F,
) -> Vec<(GroupRecord, Result<GroupStatus, PoolError>)>
where
    F: Fn(GroupRecord) -> Fut,
    Fut: Future<Output = Result<GroupStatus, SpotError>> + Send + 'static,
{
    let mut tasks = tokio::task::JoinSet::new();
    // Which record each task reads, for a task that ends without its result.
    let mut task_index = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        let read = read(record.clone());
        let handle = tasks.spawn(async move { (index, read.await) });
        task_index.insert(handle.id(), index);
    }
    // Until its task answers, each record's result is that it has none.
    let mut results = Vec::with_capacity(records.len());
    for _ in records {
        results.push(Err(PoolError::Task("ended without a result".to_owned())));
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, result)) => results[index] = result.map_err(PoolError::Api),
            Err(e) => {
                if let Some(&index) = task_index.get(&e.id()) {
                    results[index] = Err(PoolError::Task(e.to_string()));
                }
            }
        }
    }
    records.iter().cloned().zip(results).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use elastigroup::ApiGeneration;

    fn record(pool: &str) -> GroupRecord {
        GroupRecord {
            pool: pool.into(),
            group_id: format!("sig-{pool}"),
            generation: ApiGeneration::V3,
            name: format!("n-{pool}"),
            created_at: "t".into(),
            updated_at: None,
            resource_group: None,
            subscription_id: None,
        }
    }

    #[tokio::test]
    async fn a_pool_whose_task_panicked_is_reported_as_its_error() {
        let records = [record("a"), record("b"), record("c")];
        let results = status_with(&records, |r| async move {
            assert_ne!(r.pool, "b", "reading pool b");
            Ok(GroupStatus::from_v3_items(vec![
                serde_json::json!({"status": r.pool}),
            ]))
        })
        .await;
        let pools: Vec<&str> = results.iter().map(|(r, _)| r.pool.as_str()).collect();
        assert_eq!(pools, ["a", "b", "c"]);
        assert_eq!(results[0].1.as_ref().unwrap().status.as_deref(), Some("a"));
        match &results[1].1 {
            Err(PoolError::Task(why)) => assert!(why.contains("panic"), "{why}"),
            other => panic!("expected the task's failure, got {other:?}"),
        }
        assert_eq!(results[2].1.as_ref().unwrap().status.as_deref(), Some("c"));
    }
}
