//! Reading the shared Resource SKUs fixtures, and relabelling their region.

use serde_json::{Value, json};
use vm_sizes::{Catalog, VmSku};

/// A fixture file as JSON, or `None` (with a notice) when `../shared` is absent.
pub fn fixture_json(test: &str, file: &str) -> Option<Value> {
    let path = test_fixtures::shared_path(test, "fixtures/azure/resource-skus")?.join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// A fixture file as a catalog.
pub fn fixture(test: &str, file: &str) -> Option<Catalog> {
    fixture_json(test, file).map(|v| Catalog::from_value(&v).expect("fixture parses"))
}

/// The record named `name` of a catalog (must exist).
pub fn sku<'c>(catalog: &'c Catalog, name: &str) -> &'c VmSku {
    catalog
        .skus()
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("{name} is in the fixture"))
}

/// Rewrites every region a catalog's records name (`locations`, `locationInfo`, restrictions)
/// to `region`: the fixtures come from three regions, the pools under test run elsewhere.
pub fn relabel(catalog: &mut Value, region: &str) {
    let records = match catalog {
        Value::Object(m) => m.get_mut("value").and_then(Value::as_array_mut),
        Value::Array(a) => Some(a),
        _ => None,
    }
    .expect("a catalog");
    for r in records {
        if let Some(locs) = r.get_mut("locations").and_then(Value::as_array_mut) {
            locs.iter_mut().for_each(|l| *l = region.into());
        }
        for li in r
            .get_mut("locationInfo")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            li["location"] = region.into();
        }
        for rs in r
            .get_mut("restrictions")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(v) = rs.get_mut("values").and_then(Value::as_array_mut) {
                v.iter_mut().for_each(|l| *l = region.into());
            }
            if let Some(v) = rs
                .pointer_mut("/restrictionInfo/locations")
                .and_then(Value::as_array_mut)
            {
                v.iter_mut().for_each(|l| *l = region.into());
            }
        }
    }
}

/// Sets one capability of the record `name` (adds it when absent).
pub fn set_capability(catalog: &mut Value, name: &str, capability: &str, value: &str) {
    let records = catalog["value"].as_array_mut().expect("API shape");
    let r = records
        .iter_mut()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} is in the fixture"));
    let caps = r["capabilities"].as_array_mut().expect("capabilities");
    match caps.iter_mut().find(|c| c["name"] == capability) {
        Some(c) => c["value"] = value.into(),
        None => caps.push(serde_json::json!({"name": capability, "value": value})),
    }
}

/// A record like the fixtures', with a made-up name and shape.
pub fn synthetic(name: &str, vcpus: u32, memory: u32) -> Value {
    json!({"resourceType": "virtualMachines", "name": name, "tier": "Standard", "family": "standardDSv3Family",
        "locations": ["southcentralus"], "locationInfo": [{"location": "southcentralus", "zones": ["1", "2", "3"]}],
        "capabilities": [
            {"name": "vCPUs", "value": vcpus.to_string()}, {"name": "MemoryGB", "value": memory.to_string()},
            {"name": "LowPriorityCapable", "value": "True"}, {"name": "HyperVGenerations", "value": "V1,V2"},
            {"name": "CpuArchitectureType", "value": "x64"}, {"name": "PremiumIO", "value": "True"},
            {"name": "AcceleratedNetworkingEnabled", "value": "True"}],
        "restrictions": []})
}
