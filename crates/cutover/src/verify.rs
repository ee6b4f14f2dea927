//! Proof, read from Azure before the first cordon, that each pool's source scale set is the one
//! the import read: GET by its full id, then [`crate::decide::scale_set`] compares its tags.
//! The GET also proves the Azure credentials work, so a cutover never drains nodes it cannot
//! then retire.

use azure_arm::{ArmClient, ArmError};

use crate::decide::scale_set::{Difference, scale_set_differences};
use crate::error::CutoverError;
use crate::input::CutoverPool;

/// Reads each pool's scale set and refuses unless it is the pool's (see the module docs).
/// Changes nothing.
pub async fn verify_scale_sets(
    arm: &ArmClient,
    pools: &[&CutoverPool],
) -> Result<(), CutoverError> {
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
        let found = match arm.get_scale_set_by_id(&id).await {
            Ok(found) => found,
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
    }
    Ok(())
}
