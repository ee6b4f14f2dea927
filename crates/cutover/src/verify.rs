//! Proof, read from Azure before the first cordon, that each pool's source scale set is the one
//! the import read: GET by its full id, then [`crate::decide::scale_set`] compares its tags.
//! The GET also proves the Azure credentials work, so a cutover never drains nodes it cannot
//! then retire, and it tells whether a retired scale set is above 0 again (`aks-engine upgrade`
//! re-deploys every agent scale set with the apimodel's count): one read per pool answers both.

use azure_arm::{ArmClient, ArmError};
use serde::Serialize;

use crate::decide::scale_set::{Difference, scale_set_differences};
use crate::error::CutoverError;
use crate::events::Step;
use crate::input::CutoverPool;
use crate::state::CutoverState;

/// A pool whose cutover finished and whose scale set is above 0 again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RevivedScaleSet {
    /// The agent pool.
    pub pool: String,
    /// The scale set's name.
    pub scale_set: String,
    /// The scale set's full id (what was read).
    pub scale_set_id: String,
    /// Its capacity now (above 0).
    pub capacity: i64,
}

/// What reading the pools' scale sets found: each read once, by its full id, and found to be
/// the pool's (tags). A cutover given these does not read them again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScaleSetChecks {
    /// The pools whose scale set was read and checked.
    pub checked: Vec<String>,
    /// Those among them whose cutover finished and whose scale set is above 0 again.
    pub revived: Vec<RevivedScaleSet>,
}

impl ScaleSetChecks {
    /// Whether `pool` was checked.
    pub fn covers(&self, pool: &str) -> bool {
        self.checked.iter().any(|p| p == pool)
    }

    /// `other`'s findings added to these.
    pub fn extend(&mut self, other: ScaleSetChecks) {
        self.checked.extend(other.checked);
        self.revived.extend(other.revived);
    }
}

/// Whether `state` records `pool`'s cutover as finished (retired), for this group and scale set.
pub fn is_retired(state: &CutoverState, pool: &CutoverPool) -> bool {
    state
        .pool(&pool.pool)
        .is_some_and(|r| r.is_for(pool) && r.done(Step::Retire))
}

/// Reads each pool's scale set and refuses unless it is the pool's (see the module docs); a pool
/// `state` records as retired may have lost its scale set (not an error), and is reported
/// revived when its scale set is above 0. Changes nothing.
pub async fn check_scale_sets(
    arm: &ArmClient,
    state: &CutoverState,
    pools: &[&CutoverPool],
) -> Result<ScaleSetChecks, CutoverError> {
    let mut checks = ScaleSetChecks::default();
    for p in pools {
        let id = p.scale_set_id();
        if p.subscription.is_empty() || !arm.subscription_id().eq_ignore_ascii_case(&p.subscription)
        {
            return Err(CutoverError::NotOurScaleSet {
                pool: p.pool.clone(),
                id,
                differences: vec![Difference {
                    what: "the Azure client's subscription".into(),
                    expected: p.subscription.clone(),
                    found: Some(arm.subscription_id().to_owned()),
                }],
            });
        }
        let retired = is_retired(state, p);
        let found = match arm.get_scale_set_by_id(&id).await {
            Ok(found) => found,
            Err(ArmError::Api(e)) if e.status == 404 && retired => {
                checks.checked.push(p.pool.clone());
                continue;
            }
            Err(ArmError::Api(e)) if e.status == 404 => {
                return Err(CutoverError::ScaleSetMissing {
                    pool: p.pool.clone(),
                    id,
                });
            }
            Err(source) => {
                return Err(CutoverError::ReadScaleSet {
                    pool: p.pool.clone(),
                    id,
                    source: Box::new(source),
                });
            }
        };
        let differences = scale_set_differences(
            &id,
            &p.pool,
            &p.name_suffix,
            &found.id,
            &found.tags.unwrap_or_default(),
        );
        if !differences.is_empty() {
            return Err(CutoverError::NotOurScaleSet {
                pool: p.pool.clone(),
                id,
                differences,
            });
        }
        checks.checked.push(p.pool.clone());
        if let Some(capacity) = found.sku.capacity.filter(|c| *c > 0)
            && retired
        {
            checks.revived.push(RevivedScaleSet {
                pool: p.pool.clone(),
                scale_set: p.scale_set.clone(),
                scale_set_id: id,
                capacity,
            });
        }
    }
    Ok(checks)
}
