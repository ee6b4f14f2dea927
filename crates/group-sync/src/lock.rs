//! An exclusive lock on an output directory's state file, held for a whole run, so two runs on
//! one directory never create every group twice.
//!
//! The lock is the operating system's (`File::try_lock`: `flock` on Unix, `LockFileEx` on
//! Windows) on `spot-elastigroups.json.lock` beside the state file. The kernel drops it when the
//! holder exits or is killed, so a crashed run never leaves a stale lock behind and no pid
//! liveness guessing is needed (which an O_EXCL pid file would need, and which breaks with pid
//! reuse and across containers). The holder writes its pid into the file so a refusal can name
//! it. The file stays in place on release: deleting it would let a waiting run lock the deleted
//! file while a third run locks a new one of the same name.

use crate::state::StateFile;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The lock file's suffix, appended to the state file's name.
pub const LOCK_SUFFIX: &str = ".lock";

/// Failures taking the lock; each names the lock file.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock.
    #[error(
        "{} is in use by another run of this tool ({}); wait for it to finish (the lock in {} is \
         released when that process ends)",
        state_path.display(),
        match pid { Some(pid) => format!("pid {pid}"), None => "pid unknown".to_owned() },
        lock_path.display()
    )]
    Held {
        /// The state file the lock guards.
        state_path: PathBuf,
        /// The lock file.
        lock_path: PathBuf,
        /// The holder's pid, as it wrote it into the lock file.
        pid: Option<u32>,
    },

    /// The lock file could not be opened or created.
    #[error("opening the lock file {}", path.display())]
    Open {
        /// The lock file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// Taking the lock failed for another reason than another holder.
    #[error("locking {}", path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// The held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct StateLock {
    file: File,
    lock_path: PathBuf,
    state_path: PathBuf,
}

/// `<state file>.lock`.
pub fn lock_path_for(state_path: &Path) -> PathBuf {
    let mut name = state_path.as_os_str().to_owned();
    name.push(LOCK_SUFFIX);
    PathBuf::from(name)
}

impl StateLock {
    /// Locks the state file of an aks-engine output directory, without waiting.
    pub fn acquire(output_dir: &Path) -> Result<Self, LockError> {
        Self::acquire_for(&StateFile::path_in(output_dir))
    }

    /// Locks the state file at `state_path`, without waiting.
    pub fn acquire_for(state_path: &Path) -> Result<Self, LockError> {
        let lock_path = lock_path_for(state_path);
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&lock_path).map_err(|source| LockError::Open {
            path: lock_path.clone(),
            source,
        })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let pid = std::fs::read_to_string(&lock_path)
                    .ok()
                    .and_then(|t| t.trim().parse().ok());
                return Err(LockError::Held {
                    state_path: state_path.to_owned(),
                    lock_path,
                    pid,
                });
            }
            Err(TryLockError::Error(source)) => {
                return Err(LockError::Lock {
                    path: lock_path,
                    source,
                });
            }
        }
        // Only a hint for the message of a refused run: the lock itself is what counts.
        let _ = file
            .set_len(0)
            .and_then(|()| writeln!(file, "{}", std::process::id()));
        Ok(Self {
            file,
            lock_path,
            state_path: state_path.to_owned(),
        })
    }

    /// The state file this lock guards.
    pub fn state_path(&self) -> &Path {
        &self.state_path
    }

    /// The lock file.
    pub fn lock_path(&self) -> &Path {
        &self.lock_path
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        // Clear the pid so nobody reads it as a holder; closing the file releases the lock.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_with_the_holders_pid_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let held = StateLock::acquire(dir.path()).unwrap();
        assert_eq!(
            held.lock_path(),
            dir.path().join("spot-elastigroups.json.lock")
        );
        let err = StateLock::acquire(dir.path()).unwrap_err();
        let pid = std::process::id();
        assert!(
            matches!(err, LockError::Held { pid: Some(p), .. } if p == pid),
            "{err}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("pid {pid}")) && msg.contains("spot-elastigroups.json"),
            "{msg}"
        );
        drop(held);
        let again = StateLock::acquire(dir.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(again.lock_path()).unwrap().trim(),
            pid.to_string()
        );
    }

    #[test]
    fn a_missing_directory_names_the_lock_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = StateLock::acquire(&dir.path().join("nope")).unwrap_err();
        assert!(matches!(err, LockError::Open { .. }), "{err}");
        assert!(err.to_string().contains("spot-elastigroups.json.lock"));
    }
}
