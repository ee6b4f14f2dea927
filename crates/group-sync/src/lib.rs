//! Creates, updates, lists and deletes the Elastigroups of an import, recorded in a state file.
//!
//! `<output-dir>/spot-elastigroups.json` remembers which group belongs to which agent pool, so a
//! re-run never creates a second group for a pool, an interrupted run can be finished, and
//! `status`/`delete` know what to act on. Each success is written to the file at once.
//!
//! A run that changes groups holds an exclusive lock beside the file ([`StateLock`]) and checks
//! that the file can be written before its first request (a comparison, [`diff_groups`], takes
//! no lock and writes nothing); a recorded group is checked in Spot
//! before it is trusted, a group found by name is adopted only when it is this cluster's
//! ([`GroupOwner`]), and a group is forgotten only when Spot says it does not exist.

pub mod atomic_file;
pub mod delete;
pub mod error;
pub mod lock;
pub mod owner;
pub mod report;
pub mod state;
pub mod status;
pub mod sync;

pub use atomic_file::{write_atomic, write_atomic_if_changed, write_json_atomic_if_changed};
pub use delete::{DeleteOutcome, DeleteReport, ExpectedOwner, delete, delete_locked};
pub use error::{PoolError, SyncError};
pub use lock::{LockError, StateLock, lock_path_for};
pub use owner::{GroupOwner, SOURCE_SCALE_SET_TAG};
pub use report::{PoolOutcome, PoolReport, SyncCounts, SyncReport};
pub use state::{GroupRecord, STATE_FILE_NAME, StateError, StateFile, now_rfc3339};
pub use status::status;
pub use sync::{
    DEFAULT_CONCURRENCY, GroupRequest, ResultCallback, SyncMode, SyncOptions, diff_groups,
    sync_groups, sync_groups_locked, sync_groups_with,
};
/// The cancellation signal of [`SyncOptions::cancel`] (re-exported so callers need no
/// tokio-util dependency of their own).
pub use tokio_util::sync::CancellationToken;
