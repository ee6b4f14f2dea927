//! Errors of a whole run and of one pool.

use crate::lock::LockError;
use crate::state::StateError;
use elastigroup::ApiGeneration;
use spot_api::SpotError;
use std::path::PathBuf;

/// A run could not start (or could not finish its bookkeeping).
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The state file could not be read or written.
    #[error(transparent)]
    State(#[from] StateError),
    /// Another run holds the state file's lock.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The same pool was asked for twice.
    #[error("pool {0:?} is listed twice in one run")]
    DuplicatePool(String),
}

/// Why one pool failed.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// The Spot API call failed.
    #[error(transparent)]
    Api(#[from] SpotError),

    /// A group was created or found, but writing it into the state file failed.
    #[error(
        "group {group_id} {} but recording it in {} failed; a re-run adopts it by name",
        if *created { "was created" } else { "exists" },
        path.display()
    )]
    NotRecorded {
        /// The group's id.
        group_id: String,
        /// The state file.
        path: PathBuf,
        /// The group was created by this run (it exists in Spot, unrecorded).
        created: bool,
        /// Why writing failed.
        #[source]
        source: StateError,
    },

    /// The pool's recorded group is of the other Elastigroup API generation.
    #[error(
        "pool is recorded with {recorded} group {group_id}, but a {requested} group was requested; \
         delete the recorded group first"
    )]
    GenerationMismatch {
        /// The recorded group's id.
        group_id: String,
        /// The recorded group's generation.
        recorded: ApiGeneration,
        /// The generation this run asked for.
        requested: ApiGeneration,
    },

    /// Diff mode: the pool has no group yet (nothing to compare with).
    #[error("no group named {name:?} exists yet; `import` creates it")]
    NoGroup {
        /// The group name looked for.
        name: String,
    },

    /// The computed group differs from the live one in fields Spot cannot update.
    #[error(
        "group {group_id} cannot be updated: {}",
        refused.iter().map(|r| format!("{} differs ({})", r.path, r.reason)).collect::<Vec<_>>().join("; ")
    )]
    Immutable {
        /// The group's id.
        group_id: String,
        /// The fields, each with the reason.
        refused: Vec<elastigroup::diff::Refusal>,
    },

    /// Spot says the recorded group is gone (`GROUP_DOESNT_EXIST`).
    #[error(
        "the recorded group {group_id} no longer exists in Spot (deleted outside this tool); \
         forget the record (`delete --pool {pool}` drops it, Spot says it is gone) and run again \
         to create a new group"
    )]
    RecordedGroupMissing {
        /// The pool's name.
        pool: String,
        /// The recorded group's id.
        group_id: String,
        /// Spot's answer.
        #[source]
        source: Box<SpotError>,
    },

    /// A group of the wanted name exists, but its settings show it is another cluster's.
    #[error(
        "a group named {name:?} exists ({group_id}) but belongs to another cluster: {}; it was not \
         adopted: give this cluster's group another name, or delete {group_id} if it really is \
         this cluster's",
        differences.join("; ")
    )]
    OwnedElsewhere {
        /// The group's name.
        name: String,
        /// Its id.
        group_id: String,
        /// What shows it is another cluster's (such as its resource group), one phrase each.
        differences: Vec<String>,
    },

    /// The pool's recorded group is not this cluster's (its resource group, region or source
    /// scale set differ): the state file may be another cluster's.
    #[error(
        "the recorded group {group_id} is not this cluster's: {}; nothing was changed (is {} \
         another cluster's state file, copied or symlinked here? run with the cluster's own \
         output directory)",
        differences.join("; "),
        path.display()
    )]
    RecordedOwnedElsewhere {
        /// The recorded group's id.
        group_id: String,
        /// The state file that recorded it.
        path: PathBuf,
        /// What differs, one phrase each.
        differences: Vec<String>,
    },

    /// Several groups have the wanted name, so none can be adopted.
    #[error(
        "{} groups are named {name:?} ({}); none was adopted: delete the extra groups or give this \
         cluster's group another name",
        group_ids.len(),
        group_ids.join(", ")
    )]
    AmbiguousName {
        /// The name.
        name: String,
        /// The ids of the groups that have it.
        group_ids: Vec<String>,
    },

    /// The run was cancelled before this pool's work began.
    #[error(
        "interrupted before anything was created or changed for this pool; a re-run finishes it"
    )]
    Interrupted,

    /// An earlier pool's group could not be recorded in the state file, so no new work started
    /// (a group created now could not be recorded either).
    #[error(
        "not started: writing the state file {} failed for an earlier pool; nothing was created \
         or changed for this pool; a re-run finishes it once the file can be written",
        path.display()
    )]
    StoppedAfterRecordFailure {
        /// The state file.
        path: PathBuf,
    },

    /// The pool's task ended without a result (it panicked or was aborted); the text says how.
    #[error("the task of this pool failed: {0}")]
    Task(String),
}

impl PoolError {
    /// The pool was left untouched: the run was interrupted, or stopped after a failed record.
    pub fn not_started(&self) -> bool {
        matches!(
            self,
            PoolError::Interrupted | PoolError::StoppedAfterRecordFailure { .. }
        )
    }

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
