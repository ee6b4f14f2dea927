//! The cutover state file `<output-dir>/spot-cutover.json`: per pool, which steps are done and
//! which nodes this tool cordoned, so an interrupted or failed run resumes where it stopped and
//! a failed drain uncordons exactly what the cutover cordoned. Written atomically (mode 0600).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{CutoverError, StateFileError};
use crate::events::Step;
use crate::input::CutoverPool;

/// The state file's name inside the output directory.
pub const CUTOVER_STATE_FILE_NAME: &str = "spot-cutover.json";

use crate::state_file::FORMAT_VERSION;

/// One pool's cutover.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolCutover {
    /// Agent pool.
    pub pool: String,
    /// Its Spot group.
    pub group_id: String,
    /// The source scale set.
    pub scale_set: String,
    /// The scale set's resource group.
    pub resource_group: String,
    /// When its Spot nodes were all Ready (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined_at: Option<String>,
    /// Nodes this tool cordoned (not those cordoned before it ran).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cordoned: Vec<String>,
    /// When every source node was cordoned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cordoned_at: Option<String>,
    /// When every evictable pod was gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drained_at: Option<String>,
    /// When the scale set reached capacity 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaled_to_zero_at: Option<String>,
    /// When the scale set's Node objects were deleted (the cutover is complete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<String>,
}

impl PoolCutover {
    /// Whether `step` is recorded as done.
    pub fn done(&self, step: Step) -> bool {
        match step {
            Step::Join => self.joined_at.is_some(),
            Step::Cordon => self.cordoned_at.is_some(),
            Step::Drain => self.drained_at.is_some(),
            Step::Retire => self.retired_at.is_some(),
        }
    }

    /// Whether this record is about `pool`'s group and scale set (a record of a deleted and
    /// re-imported group, or of another scale set, proves nothing about this one).
    pub fn is_for(&self, pool: &CutoverPool) -> bool {
        let same = |a: &str, b: &str| a.is_empty() || a.eq_ignore_ascii_case(b);
        same(&self.group_id, &pool.group_id)
            && same(&self.scale_set, &pool.scale_set)
            && same(&self.resource_group, &pool.resource_group)
    }

    /// Forgets every step done (keeps the nodes this tool cordoned: they are still its own).
    pub fn forget_steps(&mut self) {
        self.joined_at = None;
        self.cordoned_at = None;
        self.drained_at = None;
        self.scaled_to_zero_at = None;
        self.retired_at = None;
    }

    /// The first step not done, `None` when complete.
    pub fn next_step(&self) -> Option<Step> {
        [Step::Join, Step::Cordon, Step::Drain, Step::Retire]
            .into_iter()
            .find(|s| !self.done(*s))
    }
}

#[derive(Serialize, Deserialize)]
struct OnDisk {
    version: u32,
    pools: Vec<PoolCutover>,
}

/// The loaded state file.
#[derive(Debug, Clone)]
pub struct CutoverState {
    path: PathBuf,
    pools: Vec<PoolCutover>,
}

impl CutoverState {
    /// Where the state file of an output directory is.
    pub fn path_in(output_dir: &Path) -> PathBuf {
        output_dir.join(CUTOVER_STATE_FILE_NAME)
    }

    fn error(&self, source: StateFileError) -> CutoverError {
        CutoverError::State {
            path: self.path.clone(),
            source,
        }
    }

    /// Loads the file; a missing file is a cutover not started.
    pub fn load(path: &Path) -> Result<Self, CutoverError> {
        let err = |source: StateFileError| CutoverError::State {
            path: path.to_owned(),
            source,
        };
        let Some(disk) = crate::state_file::read::<OnDisk>(path).map_err(err)? else {
            return Ok(Self {
                path: path.to_owned(),
                pools: Vec::new(),
            });
        };
        for (i, p) in disk.pools.iter().enumerate() {
            if disk.pools[..i].iter().any(|q| q.pool == p.pool) {
                return Err(err(StateFileError::DuplicatePool(p.pool.clone())));
            }
        }
        Ok(Self {
            path: path.to_owned(),
            pools: disk.pools,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every pool recorded.
    pub fn pools(&self) -> &[PoolCutover] {
        &self.pools
    }

    /// A pool's record.
    pub fn pool(&self, pool: &str) -> Option<&PoolCutover> {
        self.pools.iter().find(|p| p.pool == pool)
    }

    /// A pool's record, created when missing.
    pub fn pool_mut(&mut self, pool: &str) -> &mut PoolCutover {
        let i = match self.pools.iter().position(|p| p.pool == pool) {
            Some(i) => i,
            None => {
                self.pools.push(PoolCutover {
                    pool: pool.to_owned(),
                    ..Default::default()
                });
                self.pools.len() - 1
            }
        };
        &mut self.pools[i]
    }

    /// Writes the file atomically.
    pub fn save(&self) -> Result<(), CutoverError> {
        let disk = OnDisk {
            version: FORMAT_VERSION,
            pools: self.pools.clone(),
        };
        crate::state_file::write(&self.path, &disk).map_err(|e| self.error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tracks_the_next_step() {
        let dir = tempfile::tempdir().unwrap();
        let path = CutoverState::path_in(dir.path());
        let mut s = CutoverState::load(&path).unwrap();
        assert!(s.pools().is_empty());
        let p = s.pool_mut("agentpool1");
        p.scale_set = "k8s-agentpool1-1-vmss".into();
        assert_eq!(p.next_step(), Some(Step::Join));
        p.joined_at = Some("2026-12-06T03:00:00Z".into());
        p.cordoned = vec!["n0".into()];
        assert_eq!(p.next_step(), Some(Step::Cordon));
        s.save().unwrap();
        let loaded = CutoverState::load(&path).unwrap();
        let p = loaded.pool("agentpool1").unwrap();
        assert_eq!(p.cordoned, ["n0"]);
        assert!(p.done(Step::Join) && !p.done(Step::Cordon));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\"joinedAt\": \"2026-12-06T03:00:00Z\""),
            "{text}"
        );
        assert!(!text.contains("drainedAt"), "{text}");
    }

    #[test]
    fn corrupt_and_future_files_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = CutoverState::path_in(dir.path());
        std::fs::write(&path, "{").unwrap();
        let e = CutoverState::load(&path).unwrap_err();
        assert!(e.to_string().contains("spot-cutover.json"), "{e}");
        std::fs::write(&path, "{\"version\": 2, \"pools\": []}").unwrap();
        let e = CutoverState::load(&path).unwrap_err();
        assert!(matches!(
            e,
            CutoverError::State {
                source: StateFileError::Version(2),
                ..
            }
        ));
    }

    #[test]
    fn two_records_of_one_pool_are_refused_naming_the_file_and_pool() {
        let dir = tempfile::tempdir().unwrap();
        let path = CutoverState::path_in(dir.path());
        let record = r#"{"pool": "agentpool1", "groupId": "sig-1", "scaleSet": "ss", "resourceGroup": "rg"}"#;
        std::fs::write(
            &path,
            format!(r#"{{"version": 1, "pools": [{record}, {record}]}}"#),
        )
        .unwrap();
        let e = CutoverState::load(&path).unwrap_err();
        assert!(matches!(
            &e,
            CutoverError::State {
                source: StateFileError::DuplicatePool(p),
                ..
            } if p == "agentpool1"
        ));
        let chain = format!("{e}: {}", std::error::Error::source(&e).unwrap());
        assert!(
            chain.contains("spot-cutover.json: records pool agentpool1 twice"),
            "{chain}"
        );
    }

    #[test]
    fn a_record_of_another_group_is_not_for_the_pool() {
        let pool = CutoverPool {
            pool: "agentpool1".into(),
            group_id: "sig-new".into(),
            generation: elastigroup::ApiGeneration::V3,
            scale_set: "ss".into(),
            resource_group: "rg".into(),
            subscription: "sub".into(),
            name_suffix: "1".into(),
        };
        let mut rec = PoolCutover {
            pool: "agentpool1".into(),
            group_id: "sig-new".into(),
            scale_set: "SS".into(),
            resource_group: "rg".into(),
            joined_at: Some("t".into()),
            cordoned: vec!["n0".into()],
            drained_at: Some("t".into()),
            ..Default::default()
        };
        assert!(rec.is_for(&pool));
        rec.group_id = "sig-old".into();
        assert!(!rec.is_for(&pool));
        rec.forget_steps();
        assert_eq!(rec.next_step(), Some(Step::Join));
        assert_eq!(rec.cordoned, ["n0"], "its own cordons are still known");
        rec.group_id = "sig-new".into();
        rec.resource_group = "other-rg".into();
        assert!(!rec.is_for(&pool));
    }
}
