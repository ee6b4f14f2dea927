//! Creates, updates, lists and deletes the Elastigroups of an import, recorded in a state file.
//!
//! `<output-dir>/spot-elastigroups.json` remembers which group belongs to which agent pool, so a
//! re-run never creates a second group for a pool, an interrupted run can be finished, and
//! `status`/`delete` know what to act on. Each success is written to the file at once.

pub mod atomic_file;
pub mod delete;
pub mod error;
pub mod report;
pub mod state;
pub mod status;
pub mod sync;

pub use atomic_file::write_atomic;
pub use delete::{DeleteOutcome, DeleteReport, delete};
pub use error::{PoolError, SyncError};
pub use report::{PoolOutcome, PoolReport, SyncReport};
pub use state::{GroupRecord, STATE_FILE_NAME, StateError, StateFile, now_rfc3339};
pub use status::status;
pub use sync::{GroupRequest, SyncMode, sync_groups};
