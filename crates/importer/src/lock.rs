//! The exclusive lock every command that changes an output directory's groups holds for its
//! whole run (`import`, `delete`, `create-simple`, and any later command that does), so two runs
//! on one directory never create every group twice. One helper, so each command takes it the
//! same way: the state file must be writable first (a read-only directory is reported as such,
//! not as a lock failure), then the lock (refused with the holder's pid).

use std::path::Path;

use group_sync::{LockError, StateError, StateFile, StateLock};

/// An output directory that cannot be locked: its state file is not writable, or another run
/// holds the lock. Both are group-sync's errors, which name the file (and the holder).
#[derive(Debug, thiserror::Error)]
pub enum OutputDirLockError {
    /// The state file cannot be written.
    #[error(transparent)]
    NotWritable(#[from] StateError),
    /// Another run holds the lock.
    #[error(transparent)]
    Held(#[from] LockError),
}

/// Locks the state file of `output_dir` for this process's run; released when dropped.
pub fn lock_output_dir(output_dir: &Path) -> Result<StateLock, OutputDirLockError> {
    let state_path = StateFile::path_in(output_dir);
    StateFile::check_writable(&state_path)?;
    Ok(StateLock::acquire_for(&state_path)?)
}

/// The quick start's lock, beside its output directory (`<dir>.create-simple.lock`): the
/// directory itself may not exist yet, because aks-engine must create it.
pub fn lock_quick_start(output_dir: &Path) -> Result<StateLock, LockError> {
    let name = output_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_owned());
    let guarded = output_dir.with_file_name(format!("{name}.create-simple"));
    StateLock::acquire_for(&guarded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_a_directory_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let held = lock_output_dir(dir.path()).unwrap();
        let err = lock_output_dir(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        drop(held);
        lock_output_dir(dir.path()).unwrap();
    }

    #[test]
    fn the_quick_start_lock_lives_beside_a_directory_that_does_not_exist_yet() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("demo");
        let held = lock_quick_start(&out).unwrap();
        assert_eq!(held.lock_path(), dir.path().join("demo.create-simple.lock"));
        assert!(!out.exists());
        assert!(lock_quick_start(&out).is_err());
    }
}
