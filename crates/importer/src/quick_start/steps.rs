//! Which quick-start steps are finished, recorded in `<output-dir>/spot-quickstart.json` so a
//! re-run after a failure continues at the failed step: never a second cluster deployment over a
//! finished one, never a second group (the groups themselves are in spot-elastigroups.json).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// The file name, beside aks-engine's artifacts.
pub const FILE_NAME: &str = "spot-quickstart.json";

/// Finished steps, each with when it finished (RFC 3339).
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Steps {
    /// aks-engine ran here (and may have failed): the directory is ours to overwrite on a re-run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_deploy_started: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_deployed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups_imported: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller_applied: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_scaled_to_zero: Option<String>,
}

/// A quick start's step record on disk.
#[derive(Debug)]
pub struct StepsFile {
    path: PathBuf,
    pub steps: Steps,
}

impl StepsFile {
    /// Reads the record in `output_dir` (none yet = nothing finished).
    pub fn load(output_dir: &Path) -> Result<StepsFile> {
        let path = output_dir.join(FILE_NAME);
        let steps = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
                format!(
                    "{} is not a quick-start record; move it away to start over",
                    path.display()
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Steps::default(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        Ok(StepsFile { path, steps })
    }

    /// Marks a step finished now and writes the record atomically.
    pub fn finish(&mut self, step: impl FnOnce(&mut Steps) -> &mut Option<String>) -> Result<()> {
        *step(&mut self.steps) = Some(group_sync::now_rfc3339());
        let json = serde_json::to_vec_pretty(&self.steps)?;
        group_sync::write_atomic(&self.path, &json)
            .with_context(|| format!("cannot write {}", self.path.display()))
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
        let err = format!("{:#}", StepsFile::load(dir.path()).unwrap_err());
        assert!(
            err.contains("spot-quickstart.json is not a quick-start record"),
            "{err}"
        );
    }
}
