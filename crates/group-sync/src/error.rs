//! Errors of a whole run and of one pool.

use crate::state::StateError;
use elastigroup::ApiGeneration;
use spot_api::ApiError;
use std::path::PathBuf;

/// A run could not start (or could not finish its bookkeeping).
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error("pool {0:?} is listed twice in one run")]
    DuplicatePool(String),
}

/// Why one pool failed.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error(transparent)]
    Api(#[from] ApiError),

    #[error(
        "group {group_id} was created but recording it in {} failed: {source}; a re-run adopts it by name",
        path.display()
    )]
    NotRecorded {
        group_id: String,
        path: PathBuf,
        #[source]
        source: StateError,
    },

    #[error(
        "pool is recorded with {recorded} group {group_id}, but a {requested} group was requested; \
         delete the recorded group first"
    )]
    GenerationMismatch {
        group_id: String,
        recorded: ApiGeneration,
        requested: ApiGeneration,
    },

    #[error(
        "the recorded group {group_id} no longer exists in Spot ({source}); delete the pool's record and create it again"
    )]
    RecordedGroupMissing {
        group_id: String,
        #[source]
        source: ApiError,
    },

    #[error("the task of this pool failed: {0}")]
    Task(String),
}
