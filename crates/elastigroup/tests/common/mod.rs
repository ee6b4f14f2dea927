//! Shared helpers for the integration tests: the hand-written evaluated scale set and inputs.
#![allow(dead_code)]

use elastigroup::{ApiGeneration, MappedGroup, MappingError, PoolInput, VmSizes, map_scale_set};
use serde_json::Value;

pub const SUB: &str = "6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d";

/// The evaluated `agentpool1` scale set of the azurenet-simple fixture (tests/data).
pub fn simple_vmss() -> Value {
    serde_json::from_str(include_str!("../data/azurenet-simple-agentpool1.vmss.json")).unwrap()
}

pub fn map(vmss: &Value, generation: ApiGeneration) -> Result<MappedGroup, MappingError> {
    map_sized(vmss, None, generation)
}

/// [`map`] with the pools' sizes supplied (`None`: the scale set's own size).
pub fn map_sized(
    vmss: &Value,
    vm_sizes: Option<&VmSizes>,
    generation: ApiGeneration,
) -> Result<MappedGroup, MappingError> {
    let input = PoolInput {
        pool_name: "agentpool1",
        cluster_name: "spotaksimple",
        cluster_identifier: "spotaksimple",
        resource_group: "spotaksimple",
        scale_set: vmss,
        vm_sizes,
    };
    map_scale_set(&input, generation)
}

pub fn map_ok(vmss: &Value, generation: ApiGeneration) -> MappedGroup {
    map(vmss, generation).unwrap_or_else(|e| panic!("{e}"))
}

/// `group.compute.launchSpecification`.
pub fn launch(m: &MappedGroup) -> &Value {
    &m.body["group"]["compute"]["launchSpecification"]
}

/// The scale set's `properties.virtualMachineProfile`, mutable.
pub fn vmp(vmss: &mut Value) -> &mut Value {
    &mut vmss["properties"]["virtualMachineProfile"]
}

/// The primary NIC's properties, mutable.
pub fn nic(vmss: &mut Value) -> &mut Value {
    &mut vmp(vmss)["networkProfile"]["networkInterfaceConfigurations"][0]["properties"]
}

pub fn has_warning(m: &MappedGroup, path_part: &str, message_part: &str) -> bool {
    m.warnings
        .iter()
        .any(|w| w.path.contains(path_part) && w.message.contains(message_part))
}

pub fn both() -> [ApiGeneration; 2] {
    [ApiGeneration::V3, ApiGeneration::V2]
}
