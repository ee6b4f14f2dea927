//! Errors of a whole run and of one pool.

use crate::lock::LockError;
use crate::state::StateError;
use elastigroup::ApiGeneration;
use spot_api::SpotError;
use std::path::PathBuf;

/// A run could not start (or could not finish its bookkeeping).
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("pool {0:?} is listed twice in one run")]
    DuplicatePool(String),
}

/// Why one pool failed.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error(transparent)]
    Api(#[from] SpotError),

    #[error(
        "group {group_id} {} but recording it in {} failed; a re-run adopts it by name",
        if *created { "was created" } else { "exists" },
        path.display()
    )]
    NotRecorded {
        group_id: String,
        path: PathBuf,
        /// The group was created by this run (it exists in Spot, unrecorded).
        created: bool,
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
        "the recorded group {group_id} no longer exists in Spot (deleted outside this tool); \
         forget the record (`delete --pool {pool}` drops it, Spot says it is gone) and run again \
         to create a new group"
    )]
    RecordedGroupMissing {
        pool: String,
        group_id: String,
        #[source]
        source: Box<SpotError>,
    },

    #[error(
        "a group named {name:?} exists ({group_id}) but belongs to another cluster: {}; it was not \
         adopted: give this cluster's group another name, or delete {group_id} if it really is \
         this cluster's",
        differences.join("; ")
    )]
    OwnedElsewhere {
        name: String,
        group_id: String,
        differences: Vec<String>,
    },

    #[error(
        "{} groups are named {name:?} ({}); none was adopted: delete the extra groups or give this \
         cluster's group another name",
        group_ids.len(),
        group_ids.join(", ")
    )]
    AmbiguousName {
        name: String,
        group_ids: Vec<String>,
    },

    #[error(
        "interrupted before anything was created or changed for this pool; a re-run finishes it"
    )]
    Interrupted,

    #[error("the task of this pool failed: {0}")]
    Task(String),
}

impl PoolError {
    /// A group exists in Spot for this pool although the pool failed (created, unrecorded).
    pub fn created_group_id(&self) -> Option<&str> {
        match self {
            PoolError::NotRecorded {
                group_id,
                created: true,
                ..
            } => Some(group_id),
            _ => None,
        }
    }
}
