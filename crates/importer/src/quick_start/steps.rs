//! Which quick-start steps are finished, recorded in `<output-dir>/spot-quickstart.json` so a
//! re-run after a failure continues at the failed step: never a second cluster deployment over a
//! finished one, never a second group (the groups themselves are in spot-elastigroups.json).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::QuickStartError;

/// The file name, beside aks-engine's artifacts.
pub const FILE_NAME: &str = "spot-quickstart.json";

/// Finished steps, each with when it finished (RFC 3339).
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Steps {
    /// aks-engine ran here (and may have failed): the directory is ours to overwrite on a re-run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_deploy_started: Option<String>,
    /// aks-engine deployed the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_deployed: Option<String>,
    /// Every pool has its Elastigroup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups_imported: Option<String>,
    /// The Spot controller was applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller_applied: Option<String>,
    /// The node agent was applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_agent_applied: Option<String>,
    /// The cutover finished: aks-engine's scale sets are at zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_scaled_to_zero: Option<String>,
}

/// A quick start's step record on disk.
#[derive(Debug)]
pub struct StepsFile {
    path: PathBuf,
    /// The record as last read or written.
    pub steps: Steps,
}

impl StepsFile {
    /// Reads the record in `output_dir` (none yet = nothing finished).
    pub fn load(output_dir: &Path) -> Result<StepsFile, QuickStartError> {
        let path = output_dir.join(FILE_NAME);
        let steps = match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(steps) => steps,
                Err(source) => return Err(QuickStartError::NotAStepsRecord { path, source }),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Steps::default(),
            Err(source) => return Err(QuickStartError::Read { path, source }),
        };
        Ok(StepsFile { path, steps })
    }

    /// Marks a step finished now and writes the record atomically.
    pub fn finish(
        &mut self,
        step: impl FnOnce(&mut Steps) -> &mut Option<String>,
    ) -> Result<(), QuickStartError> {
        *step(&mut self.steps) = Some(group_sync::now_rfc3339());
        serde_json::to_vec_pretty(&self.steps)
            .map_err(std::io::Error::from)
            .and_then(|json| group_sync::write_atomic(&self.path, &json))
            .map_err(|source| QuickStartError::Write {
                path: self.path.clone(),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_round_trip_and_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = StepsFile::load(dir.path()).unwrap();
        assert_eq!(f.steps, Steps::default());
        f.finish(|s| &mut s.cluster_deployed).unwrap();
        let again = StepsFile::load(dir.path()).unwrap();
        assert!(again.steps.cluster_deployed.is_some());
        assert!(again.steps.groups_imported.is_none());
    }

    #[test]
    fn corrupt_record_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "nope").unwrap();
        let err = crate::error_chain(&StepsFile::load(dir.path()).unwrap_err());
        assert!(
            err.contains("spot-quickstart.json is not a quick-start record"),
            "{err}"
        );
    }
}
