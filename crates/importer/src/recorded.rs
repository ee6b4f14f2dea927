//! The groups an import recorded for an output directory: `status`, `delete` and `cutover` act
//! on them, and refuse a directory where none are recorded.

use std::path::{Path, PathBuf};

use group_sync::{StateError, StateFile};

/// The state file cannot be read, or records no group.
#[derive(Debug, thiserror::Error)]
pub enum RecordedError {
    /// It cannot be read or parsed.
    #[error(transparent)]
    State(#[from] StateError),
    /// It records nothing (or does not exist).
    #[error("no Elastigroups recorded in {} (run import first)", dir.display())]
    NothingRecorded {
        /// The output directory.
        dir: PathBuf,
    },
}

/// The state file of `dir`, refusing one that records no group.
pub fn recorded_state(dir: &Path) -> Result<StateFile, RecordedError> {
    let state = StateFile::load(&StateFile::path_in(dir))?;
    if state.records().is_empty() {
        return Err(RecordedError::NothingRecorded {
            dir: dir.to_owned(),
        });
    }
    Ok(state)
}
