//! Scale set → Elastigroup create body, one module per concept, each reading its part of the
//! scale set and writing it for both API generations:
//!
//! | module | scale set | group |
//! |---|---|---|
//! | [`image`] | `storageProfile.imageReference` | `launchSpecification.image` |
//! | [`network`] | the primary NIC | `launchSpecification.network` |
//! | [`load_balancer`] | IP configurations' backend pools | `launchSpecification.loadBalancersConfig` |
//! | [`login`] | `osProfile` admin user, SSH key, password | `launchSpecification.login` |
//! | [`custom_data`] | `osProfile.customData` | `launchSpecification.customData` |
//! | [`vm_name_prefix`] | `osProfile.computerNamePrefix` | v3 `launchSpecification.vmNamePrefix` |
//! | [`extensions`] | `extensionProfile.extensions` | `launchSpecification.extensions` |
//! | [`identity`] | `identity` | `launchSpecification.managedServiceIdentities` |
//! | [`tags`] | `tags` | `launchSpecification.tags` |
//! | [`zones`] | `zones` | v3 `compute.zones` |
//! | [`disks`] | `storageProfile` disks | v3 `launchSpecification.osDisk`, `dataDisks` |
//! | [`os`] | `osProfile.windowsConfiguration` | v3 `compute.os`, v2 `compute.product` |
//! | [`vm_sizes`] | `sku.name`, or [`PoolInput::vm_sizes`] | `compute.vmSizes` |
//! | [`priority`] | `priority`, `billingProfile` | (reported only) |
//!
//! [`group`] composes them: it reads every part (failing on missing required inputs), then
//! writes the body of the chosen generation, turning what it cannot express into a
//! [`MappingWarning`].

mod arm_id;
mod custom_data;
mod disks;
mod error;
mod extensions;
mod group;
mod identity;
mod image;
mod json_cursor;
mod load_balancer;
mod login;
mod network;
mod os;
mod priority;
mod sourced;
mod storage_tier;
mod tags;
mod vm_name_prefix;
mod vm_sizes;
mod warning;
mod zones;

use std::fmt;

use serde_json::Value;

use crate::ApiGeneration;
pub use error::{MappingError, MappingErrorKind};
pub use vm_sizes::VmSizes;
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
    /// The sizes of the group's spot and on-demand pools; `None`: both get the scale set's own
    /// size (`sku.name`).
    pub vm_sizes: Option<&'a VmSizes>,
}

/// What the pool's nodes need from a VM size, read from the scale set: the facts that decide
/// which other sizes can run the same node (see the `vm-sizes` crate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    /// The scale set's region (`westeurope`).
    pub location: String,
    /// The scale set's size, lower-case as Spot lists sizes (`standard_d2_v2`).
    pub vm_size: String,
    /// The scale set's availability zones; empty for a regional pool.
    pub zones: Vec<String>,
    /// The OS disk's storage type as the group gets it (`Premium_LRS`, `Standard_LRS`, ...).
    pub os_disk_type: String,
    /// The primary NIC enables accelerated networking.
    pub accelerated_networking: bool,
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
    /// What the nodes need from a VM size (for choosing the group's sizes).
    pub node: NodeSpec,
}

impl fmt::Debug for PoolInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolInput")
            .field("pool_name", &self.pool_name)
            .field("cluster_name", &self.cluster_name)
            .field("cluster_identifier", &self.cluster_identifier)
            .field("resource_group", &self.resource_group)
            .field("scale_set", &crate::redact_secrets(self.scale_set))
            .field("vm_sizes", &self.vm_sizes)
            .finish()
    }
}

impl fmt::Debug for MappedGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MappedGroup")
            .field("name", &self.name)
            .field("body", &crate::redact_secrets(&self.body))
            .field("warnings", &self.warnings)
            .field("node", &self.node)
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
    let mut warnings = Vec::new();
    let scale_set = group::read(input.scale_set, &mut warnings).map_err(wrap)?;
    let name = format!("{}-{}", input.cluster_name, input.pool_name);
    let own_size;
    let sizes = match input.vm_sizes {
        Some(sizes) => sizes,
        None => {
            own_size = VmSizes::single(&scale_set.vm_size);
            &own_size
        }
    };
    let group = match generation {
        ApiGeneration::V3 => group::render_v3(&name, input, sizes, &scale_set, &mut warnings),
        ApiGeneration::V2 => {
            group::render_v2(&name, input, sizes, &scale_set, &mut warnings).map_err(wrap)?
        }
    };
    let mut body = serde_json::Map::new();
    body.insert("group".into(), group);
    let node = NodeSpec {
        location: scale_set.location.clone(),
        vm_size: scale_set.vm_size.clone(),
        zones: scale_set
            .zones
            .as_ref()
            .map(|z| z.value.clone())
            .unwrap_or_default(),
        os_disk_type: scale_set.disks.os.storage_type.clone(),
        accelerated_networking: scale_set.network.accelerated_networking,
    };
    Ok(MappedGroup {
        name,
        body: Value::Object(body),
        warnings,
        node,
    })
}
