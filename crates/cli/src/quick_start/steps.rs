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
        *step(&mut self.steps) = Some(now());
        let json = serde_json::to_vec_pretty(&self.steps)?;
        write_atomic(&self.path, &json)
    }
}

fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    rfc3339(secs)
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (civil-from-days, proleptic Gregorian).
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Write to a temporary file in the same directory, fsync, rename over the target.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

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
