//! The state file `<output-dir>/spot-elastigroups.json`: which Spot group belongs to which pool.
//!
//! Written atomically (a temporary file in the same directory, fsync, rename) with mode 0600,
//! so a crash never leaves a half-written file and no other file of the directory is touched.

use elastigroup::ApiGeneration;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The state file's name inside the aks-engine output directory.
pub const STATE_FILE_NAME: &str = "spot-elastigroups.json";

const FORMAT_VERSION: u32 = 1;

/// The name prefix of [`StateFile::check_writable`]'s probe file.
pub(crate) const CHECK_PREFIX: &str = ".spot-elastigroups.check.";

/// One pool's group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRecord {
    /// The aks-engine agent pool name.
    pub pool: String,
    /// The group's id in Spot.
    pub group_id: String,
    /// The Elastigroup API generation the group was created with; later calls use the same one.
    pub generation: ApiGeneration,
    /// The group name sent to Spot.
    pub name: String,
    /// When the group was recorded (RFC 3339).
    pub created_at: String,
    /// When its configuration was last PUT (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// The resource group the import used (the group's `resourceGroupName`): every later
    /// command acts in this one. `None` in files written before it was recorded (then the live
    /// group says).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    /// The Azure subscription the import used; `None` in files written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct OnDisk {
    version: u32,
    groups: Vec<GroupRecord>,
}

/// Failures reading or writing the state file; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The file exists but could not be read.
    #[error("reading the state file {}", path.display())]
    Read {
        /// The state file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a state file's JSON.
    #[error(
        "the state file {} is corrupt; fix or move it away (the groups it listed still exist in Spot)",
        path.display()
    )]
    Corrupt {
        /// The state file.
        path: PathBuf,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The file was written by a version of this tool with another file format.
    #[error("the state file {} has format version {found}; this tool understands {FORMAT_VERSION}", path.display())]
    UnsupportedVersion {
        /// The state file.
        path: PathBuf,
        /// The file's `version`.
        found: u32,
    },

    /// Writing the file (or its temporary file, or the rename) failed.
    #[error("writing the state file {}", path.display())]
    Write {
        /// The state file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// [`StateFile::check_writable`] found that the file cannot be written where it is.
    #[error(
        "the state file {} could not be written (checked before any call to Spot, so nothing was changed)",
        path.display()
    )]
    NotWritable {
        /// The state file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// The loaded state file.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
    records: Vec<GroupRecord>,
}

/// The current time in RFC 3339, UTC, whole seconds.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl StateFile {
    /// Where the state file of an output directory is.
    pub fn path_in(output_dir: &Path) -> PathBuf {
        output_dir.join(STATE_FILE_NAME)
    }

    /// A state with no records, for `path` (nothing is read or written).
    pub fn empty(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            records: Vec::new(),
        }
    }

    /// Loads the file; a missing file is an empty state.
    pub fn load(path: &Path) -> Result<Self, StateError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::empty(path)),
            Err(source) => {
                return Err(StateError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let disk: OnDisk = serde_json::from_str(&text).map_err(|source| StateError::Corrupt {
            path: path.to_owned(),
            source,
        })?;
        if disk.version != FORMAT_VERSION {
            return Err(StateError::UnsupportedVersion {
                path: path.to_owned(),
                found: disk.version,
            });
        }
        Ok(Self {
            path: path.to_owned(),
            records: disk.groups,
        })
    }

    /// The file's path (it may not exist yet).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every record, in the order recorded.
    pub fn records(&self) -> &[GroupRecord] {
        &self.records
    }

    /// The record of a pool.
    pub fn get(&self, pool: &str) -> Option<&GroupRecord> {
        self.records.iter().find(|r| r.pool == pool)
    }

    /// Adds or replaces the record of `record.pool`.
    pub fn upsert(&mut self, record: GroupRecord) {
        match self.records.iter_mut().find(|r| r.pool == record.pool) {
            Some(existing) => *existing = record,
            None => self.records.push(record),
        }
    }

    /// Removes a pool's record.
    pub fn remove(&mut self, pool: &str) -> Option<GroupRecord> {
        let i = self.records.iter().position(|r| r.pool == pool)?;
        Some(self.records.remove(i))
    }

    /// Checks that the state file can be written where it is, the way [`StateFile::save`] writes
    /// it (a temporary file in its directory, then a rename): a run that could not record what
    /// it creates must fail before creating anything.
    pub fn check_writable(path: &Path) -> Result<(), StateError> {
        let fail = |source| StateError::NotWritable {
            path: path.to_owned(),
            source,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
            _ => PathBuf::from("."),
        };
        if path.is_dir() {
            return Err(fail(std::io::Error::other("it is a directory")));
        }
        let mut probe = tempfile::Builder::new()
            .prefix(CHECK_PREFIX)
            .tempfile_in(&dir)
            .map_err(fail)?;
        std::io::Write::write_all(&mut probe, b"{}\n").map_err(fail)?;
        probe.as_file().sync_all().map_err(fail)?;
        probe.close().map_err(fail)?;
        Ok(())
    }

    /// Writes the file atomically with mode 0600, unless it holds exactly this already.
    pub fn save(&self) -> Result<(), StateError> {
        let werr = |source| StateError::Write {
            path: self.path.clone(),
            source,
        };
        let disk = OnDisk {
            version: FORMAT_VERSION,
            groups: self.records.clone(),
        };
        let mut text = serde_json::to_string_pretty(&disk)
            .map_err(std::io::Error::other)
            .map_err(werr)?;
        text.push('\n');
        crate::atomic_file::write_atomic_if_changed(&self.path, text.as_bytes()).map_err(werr)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(pool: &str) -> GroupRecord {
        GroupRecord {
            pool: pool.into(),
            group_id: format!("sig-{pool}"),
            generation: ApiGeneration::V2,
            name: format!("k8s-{pool}"),
            created_at: now_rfc3339(),
            updated_at: None,
            resource_group: Some("rg-1".into()),
            subscription_id: None,
        }
    }

    #[test]
    fn missing_file_is_empty_and_round_trip_keeps_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = StateFile::path_in(dir.path());
        let mut state = StateFile::load(&path).unwrap();
        assert!(state.records().is_empty());
        state.upsert(record("a"));
        state.upsert(record("b"));
        let mut again = record("a");
        again.updated_at = Some(now_rfc3339());
        state.upsert(again.clone());
        state.save().unwrap();
        let loaded = StateFile::load(&path).unwrap();
        assert_eq!(loaded.records().len(), 2);
        assert_eq!(loaded.get("a"), Some(&again));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\"groupId\": \"sig-b\"") && text.contains("\"generation\": \"v2\""),
            "{text}"
        );
        assert!(text.contains("\"resourceGroup\": \"rg-1\""), "{text}");
        assert!(!text.contains("subscriptionId"), "{text}");
    }

    #[test]
    fn a_file_written_before_the_home_was_recorded_loads_without_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = StateFile::path_in(dir.path());
        std::fs::write(
            &path,
            r#"{"version": 1, "groups": [{"pool": "a", "groupId": "sig-a", "generation": "v3",
                "name": "k8s-a", "createdAt": "2026-12-01T00:00:00Z"}]}"#,
        )
        .unwrap();
        let state = StateFile::load(&path).unwrap();
        let a = state.get("a").unwrap();
        assert_eq!(
            (a.resource_group.as_deref(), a.subscription_id.as_deref()),
            (None, None)
        );
    }

    #[cfg(unix)]
    #[test]
    fn written_0600_without_touching_other_files() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("apimodel.json"), "{}").unwrap();
        let mut state = StateFile::load(&StateFile::path_in(dir.path())).unwrap();
        state.upsert(record("a"));
        state.save().unwrap();
        state.remove("a");
        state.save().unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, vec!["apimodel.json", STATE_FILE_NAME]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("apimodel.json")).unwrap(),
            "{}"
        );
        let mode = std::fs::metadata(StateFile::path_in(dir.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn corrupt_and_unknown_version_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = StateFile::path_in(dir.path());
        std::fs::write(&path, "{\"version\": 1, \"groups\": [").unwrap();
        let err = StateFile::load(&path).unwrap_err();
        assert!(matches!(err, StateError::Corrupt { .. }));
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
        std::fs::write(&path, "{\"version\": 9, \"groups\": []}").unwrap();
        assert!(matches!(
            StateFile::load(&path),
            Err(StateError::UnsupportedVersion { found: 9, .. })
        ));
    }
}
