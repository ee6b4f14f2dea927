//! Step 4 of the quick start (with `--scale-source-to-zero`): the scale sets aks-engine made,
//! scaled to zero through Azure Resource Manager once their groups exist.

use anyhow::{Context, Result};

use super::progress::Progress;
use crate::azure_access::ArmConnection;
use crate::plan::PlannedGroup;

/// Scales the scale set of every planned group to zero instances.
pub(super) async fn scale_source_to_zero(
    arm: &mut ArmConnection,
    resource_group: &str,
    planned: &[PlannedGroup],
    progress: &mut Progress,
) -> Result<()> {
    let arm = arm.client().await?;
    let mut names: Vec<&str> = planned.iter().map(|g| g.scale_set.as_str()).collect();
    names.dedup();
    for name in names {
        progress.status(&format!("PATCH {name} to capacity 0"));
        arm.scale_scale_set(resource_group, name, 0, &mut |p| {
            progress.status(&format!("{name}: {} (poll {})", p.status, p.polls));
        })
        .await
        .with_context(|| format!("scaling {resource_group}/{name} to 0"))?;
    }
    Ok(())
}
