//! VM sizes: the sizes of the group's spot and on-demand pools → v3 `compute.vmSizes`
//! (`spotSizes`, `odSizes`), v2 (`lowPrioritySizes`, `odSizes`).

use serde_json::{Value, json};

/// The VM sizes of a group's two pools, as Spot lists them (lower-case, `standard_d2_v2`).
///
/// Supplied through [`super::PoolInput::vm_sizes`]; without it both pools get the scale set's
/// own size. The disks' storage tier still follows the scale set's own size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VmSizes {
    /// Sizes Spot may run as spot VMs (v3 `spotSizes`, v2 `lowPrioritySizes`), in preference order.
    pub spot: Vec<String>,
    /// Sizes for the on-demand fallback (`odSizes`), in preference order.
    pub on_demand: Vec<String>,
    /// v3 `preferredSpotSizes`: Spot sizes to launch first, a sublist of `spot`; empty = none
    /// (the key is left out). v2 has no such field.
    pub preferred: Vec<String>,
}

impl VmSizes {
    /// Both pools with the one `size`.
    pub fn single(size: &str) -> Self {
        VmSizes {
            spot: vec![size.to_owned()],
            on_demand: vec![size.to_owned()],
            preferred: Vec::new(),
        }
    }
}

/// v3 `vmSizes`; `preferredSpotSizes` only when there are some, and only those in `spotSizes`
/// (Spot refuses any other).
pub(crate) fn render_v3(s: &VmSizes) -> Value {
    let mut v = json!({"odSizes": s.on_demand, "spotSizes": s.spot});
    let preferred: Vec<&String> = s
        .preferred
        .iter()
        .filter(|p| s.spot.iter().any(|x| x.eq_ignore_ascii_case(p)))
        .collect();
    if !preferred.is_empty() {
        v["preferredSpotSizes"] = json!(preferred);
    }
    v
}

/// v2 `vmSizes`.
pub(crate) fn render_v2(s: &VmSizes) -> Value {
    json!({"odSizes": s.on_demand, "lowPrioritySizes": s.spot})
}
