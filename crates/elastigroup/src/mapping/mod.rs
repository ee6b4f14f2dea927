//! Scale set → Elastigroup create body.
//!
//! Two steps: [`extract`] reads the scale set into a generation-neutral [`node::NodeSpec`] (failing
//! on missing required inputs), then [`render_v3`] / [`render_v2`] write the body with that
//! generation's field names, turning whatever it cannot express into a [`MappingWarning`].

mod error;
mod extract;
mod node;
mod render_common;
mod render_v2;
mod render_v3;
mod storage_tier;
mod warning;

use std::fmt;

use serde_json::Value;

use crate::ApiGeneration;
pub use error::{MappingError, MappingErrorKind};
pub use warning::MappingWarning;

/// The tag every group gets, naming the scale set it was imported from (Azure tag keys may not
/// contain `<>%&\?/`; this one only uses letters, `-` and `.`).
pub const SOURCE_SCALE_SET_TAG: &str = "spotinst-aks-engine.source-scale-set";

/// One agent pool to map. `Debug` shows the scale set with its secrets redacted.
#[derive(Clone, Copy)]
pub struct PoolInput<'a> {
    /// The aks-engine agent pool name (`agentpool1`).
    pub pool_name: &'a str,
    /// The cluster name: the aks-engine DNS prefix. The group is named `<cluster_name>-<pool_name>`.
    pub cluster_name: &'a str,
    /// v2 `thirdPartiesIntegration.kubernetes.clusterIdentifier`; must match the Spot controller's.
    pub cluster_identifier: &'a str,
    /// The resource group the group itself belongs to (`-r`).
    pub resource_group: &'a str,
    /// The evaluated `Microsoft.Compute/virtualMachineScaleSets` resource (no ARM expressions left).
    pub scale_set: &'a Value,
}

/// The create body for one pool. `Debug` shows the body with its secrets redacted.
#[derive(Clone, PartialEq)]
pub struct MappedGroup {
    /// The group name (`<cluster_name>-<pool_name>`), also in `body.group.name`.
    pub name: String,
    /// `{"group": {...}}`, ready for `POST` to [`ApiGeneration::collection_path`]. Holds secrets:
    /// print it only through [`crate::redact_secrets`].
    pub body: Value,
    /// What the chosen generation cannot express, or is worth knowing; never silently dropped.
    pub warnings: Vec<MappingWarning>,
}

impl fmt::Debug for PoolInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolInput")
            .field("pool_name", &self.pool_name)
            .field("cluster_name", &self.cluster_name)
            .field("cluster_identifier", &self.cluster_identifier)
            .field("resource_group", &self.resource_group)
            .field("scale_set", &crate::redact_secrets(self.scale_set))
            .finish()
    }
}

impl fmt::Debug for MappedGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MappedGroup")
            .field("name", &self.name)
            .field("body", &crate::redact_secrets(&self.body))
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// Maps one evaluated scale set to a create body for `generation`.
///
/// # Errors
/// When the resource is not a scale set or lacks something a node cannot start without (size,
/// location, image, subnet, admin user, SSH key or password), or uses something the generation
/// cannot express at all (a gallery image on v2). The error names the JSON path in the scale set.
pub fn map_scale_set(
    input: &PoolInput,
    generation: ApiGeneration,
) -> Result<MappedGroup, MappingError> {
    let wrap = |kind| MappingError {
        pool: input.pool_name.to_owned(),
        generation,
        kind,
    };
    let node = extract::extract(input.scale_set).map_err(wrap)?;
    let name = format!("{}-{}", input.cluster_name, input.pool_name);
    let (group, mut warnings) = match generation {
        ApiGeneration::V3 => render_v3::render(&name, input, &node),
        ApiGeneration::V2 => render_v2::render(&name, input, &node),
    }
    .map_err(wrap)?;
    let mut all = node.warnings.clone();
    all.append(&mut warnings);
    Ok(MappedGroup {
        name,
        body: serde_json::json!({ "group": group }),
        warnings: all,
    })
}
