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
//!
//! The lock file is opened without following a symlink (`O_NOFOLLOW`) and must be a regular
//! file: a symlink planted in the output directory would otherwise have its target written to.
//! Nothing is ever truncated: the pid is written over the file's first bytes, padded.
//!
//! Whoever holds the lock is the only writer of the state file, so taking it is also when the
//! temporary files a killed write left behind (`.spot-elastigroups.json.XXXXXX.tmp`) are removed.

use crate::state::StateFile;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Seek, SeekFrom, Write};
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

    /// The lock file is a symlink or not a regular file: it is not followed or written.
    #[error(
        "the lock file {} is {what}; refusing to follow or write it (remove it: this tool creates \
         a regular file there)",
        path.display()
    )]
    NotAFile {
        /// The lock file.
        path: PathBuf,
        /// "a symlink", "a directory", ...
        what: &'static str,
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
        let mut file = open_lock_file(&lock_path)?;
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
        let _ = write_over(&mut file, &std::process::id().to_string());
        remove_stale_temp_files(state_path);
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
        // Blank the pid so nobody reads it as a holder; closing the file releases the lock.
        let _ = write_over(&mut self.file, "");
        let _ = self.file.unlock();
    }
}

/// The width the pid is padded to: wider than any pid, so a shorter one hides a longer one.
const PID_WIDTH: usize = 11;

/// Writes `text` padded with spaces to [`PID_WIDTH`], then a newline, over the file's start.
fn write_over(file: &mut File, text: &str) -> std::io::Result<()> {
    file.seek(SeekFrom::Start(0))?;
    file.write_all(format!("{text:<PID_WIDTH$}\n").as_bytes())?;
    file.flush()
}

/// Opens (or creates, 0600) the lock file without following a symlink, and refuses anything but
/// a regular file. Never truncates.
fn open_lock_file(lock_path: &Path) -> Result<File, LockError> {
    let not_a_file = |what| LockError::NotAFile {
        path: lock_path.to_owned(),
        what,
    };
    // Named before opening, for the message; O_NOFOLLOW below is what makes it safe.
    if let Ok(meta) = std::fs::symlink_metadata(lock_path) {
        if meta.file_type().is_symlink() {
            return Err(not_a_file("a symlink"));
        }
        if meta.is_dir() {
            return Err(not_a_file("a directory"));
        }
    }
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: a FIFO planted there must not hang the run (it is refused below).
        options
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(lock_path).map_err(|source| {
        #[cfg(unix)]
        if source.raw_os_error() == Some(libc::ELOOP) {
            return not_a_file("a symlink");
        }
        LockError::Open {
            path: lock_path.to_owned(),
            source,
        }
    })?;
    let meta = file.metadata().map_err(|source| LockError::Open {
        path: lock_path.to_owned(),
        source,
    })?;
    if !meta.is_file() {
        return Err(not_a_file("not a regular file"));
    }
    Ok(file)
}

/// Which of this crate's temporary files a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TempFile {
    /// `.<state_name>.XXXXXX.tmp` of [`crate::write_atomic`]: written only by the lock's
    /// holder, so one found when locking is stale.
    Write,
    /// `.spot-elastigroups.check.XXXXXX` of [`StateFile::check_writable`], which runs before
    /// the lock is taken: stale only once it is old ([`PROBE_STALE_AFTER`]).
    Probe,
}

/// How old a writability probe must be to be another run's leftover rather than in use.
const PROBE_STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// Which temporary file of the state file `state_name` `name` is (`XXXXXX` being tempfile's
/// six random letters and digits); `None` for any other file.
fn own_temp_file(state_name: &str, name: &str) -> Option<TempFile> {
    let random = |s: &str| s.len() == 6 && s.chars().all(|c| c.is_ascii_alphanumeric());
    let write = name
        .strip_prefix('.')
        .and_then(|n| n.strip_prefix(state_name))
        .and_then(|n| n.strip_prefix('.'))
        .and_then(|n| n.strip_suffix(".tmp"))
        .is_some_and(random);
    let probe = state_name == crate::state::STATE_FILE_NAME
        && name
            .strip_prefix(crate::state::CHECK_PREFIX)
            .is_some_and(random);
    if write {
        Some(TempFile::Write)
    } else if probe {
        Some(TempFile::Probe)
    } else {
        None
    }
}

/// Removes the temporary files a killed write left beside the state file (only regular files of
/// [`own_temp_file`]'s patterns; never a symlink). Best effort: a file that cannot be removed
/// is only harmless clutter.
fn remove_stale_temp_files(state_path: &Path) {
    let Some(state_name) = state_path.file_name().and_then(|n| n.to_str()) else {
        return;
    };
    let dir = match state_path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(kind) = name.to_str().and_then(|n| own_temp_file(state_name, n)) else {
            continue;
        };
        // `DirEntry::metadata` does not follow symlinks.
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let old = || {
            meta.modified()
                .ok()
                .and_then(|m| m.elapsed().ok())
                .is_some_and(|age| age >= PROBE_STALE_AFTER)
        };
        if kind == TempFile::Probe && !old() {
            continue;
        }
        match std::fs::remove_file(entry.path()) {
            Ok(()) => tracing::info!(
                "removed {}, left behind by an interrupted write",
                entry.path().display()
            ),
            Err(e) => tracing::debug!("removing {}: {e}", entry.path().display()),
        }
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

    #[cfg(unix)]
    #[test]
    fn a_symlinked_lock_file_is_refused_and_its_target_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("precious.txt");
        std::fs::write(&target, "keep me\n").unwrap();
        let lock = dir.path().join("spot-elastigroups.json.lock");
        std::os::unix::fs::symlink(&target, &lock).unwrap();
        let err = StateLock::acquire(dir.path()).unwrap_err();
        assert!(
            matches!(
                err,
                LockError::NotAFile {
                    what: "a symlink",
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string().contains("spot-elastigroups.json.lock"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
        // a dangling one is not created through either
        std::fs::remove_file(&lock).unwrap();
        let absent = dir.path().join("absent");
        std::os::unix::fs::symlink(&absent, &lock).unwrap();
        assert!(StateLock::acquire(dir.path()).is_err());
        assert!(!absent.exists());
        // nor is a directory locked
        std::fs::remove_file(&lock).unwrap();
        std::fs::create_dir(&lock).unwrap();
        assert!(matches!(
            StateLock::acquire(dir.path()),
            Err(LockError::NotAFile { .. })
        ));
    }

    #[test]
    fn the_pid_is_written_over_the_start_never_truncating() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("spot-elastigroups.json.lock");
        std::fs::write(&lock, "x".repeat(40)).unwrap();
        let held = StateLock::acquire(dir.path()).unwrap();
        let text = std::fs::read_to_string(&lock).unwrap();
        assert_eq!(text.len(), 40, "{text:?}");
        assert!(
            text.starts_with(&std::process::id().to_string()),
            "{text:?}"
        );
        drop(held);
        assert!(
            !std::fs::read_to_string(&lock).unwrap()[..PID_WIDTH]
                .contains(|c: char| c.is_ascii_digit())
        );
    }

    #[test]
    fn temporary_files_of_killed_writes_are_removed_when_locking() {
        let dir = tempfile::tempdir().unwrap();
        let own = [
            ".spot-elastigroups.json.a1B2c3.tmp",
            ".spot-elastigroups.check.Zz9yX8",
        ];
        // a probe of a run checking the directory right now
        let fresh_probe = ".spot-elastigroups.check.Fresh1";
        let foreign = [
            fresh_probe,
            ".spot-elastigroups.json.toolong1.tmp",
            "spot-elastigroups.json.a1B2c3.tmp",
            ".spot-cutover.json.a1B2c3.tmp",
            ".spot-elastigroups.json.a1B2c3.tmp.bak",
            "apimodel.json",
        ];
        for name in own.iter().chain(&foreign) {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let long_ago = std::time::SystemTime::now() - 2 * PROBE_STALE_AFTER;
        std::fs::File::options()
            .write(true)
            .open(dir.path().join(own[1]))
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        #[cfg(unix)]
        let outside = tempfile::NamedTempFile::new().unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(
            outside.path(),
            dir.path().join(".spot-elastigroups.json.Sym000.tmp"),
        )
        .unwrap();
        let _held = StateLock::acquire(dir.path()).unwrap();
        for name in own {
            assert!(!dir.path().join(name).exists(), "{name} left");
        }
        for name in foreign {
            assert!(dir.path().join(name).exists(), "{name} removed");
        }
        #[cfg(unix)]
        {
            assert!(
                std::fs::symlink_metadata(dir.path().join(".spot-elastigroups.json.Sym000.tmp"))
                    .is_ok(),
                "a symlink is not ours to remove"
            );
            assert!(outside.path().exists());
        }
    }
}
