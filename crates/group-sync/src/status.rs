//! The status of every recorded group.

use crate::state::{GroupRecord, StateFile};
use spot_api::{GroupStatus, SpotClient, SpotError};

/// Asks Spot for the status of each recorded group, concurrently; results in state-file order.
pub async fn status(
    client: &SpotClient,
    state: &StateFile,
) -> Vec<(GroupRecord, Result<GroupStatus, SpotError>)> {
    let mut tasks = tokio::task::JoinSet::new();
    for (index, record) in state.records().iter().cloned().enumerate() {
        let client = client.clone();
        tasks.spawn(async move {
            let result = client
                .group_status(record.generation, &record.group_id)
                .await;
            (index, record, result)
        });
    }
    let mut results = Vec::with_capacity(state.records().len());
    while let Some(joined) = tasks.join_next().await {
        if let Ok(entry) = joined {
            results.push(entry);
        }
    }
    results.sort_by_key(|(index, _, _)| *index);
    results.into_iter().map(|(_, r, s)| (r, s)).collect()
}
