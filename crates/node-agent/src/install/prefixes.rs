//! Which VM name prefixes the collector is given: each Spot group's `vmNamePrefix` (v3 groups
//! name their VMs `<prefix><suffix>`; v2 groups have none, Spot names their VMs).

use serde_json::Value;

/// `compute.launchSpecification.vmNamePrefix` of a group, given as the group or as the
/// `{"group": {...}}` body sent to Spot.
pub fn vm_name_prefix(group: &Value) -> Option<String> {
    let group = group.get("group").unwrap_or(group);
    group
        .pointer("/compute/launchSpecification/vmNamePrefix")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_prefix_of_a_group_or_its_body() {
        let g = json!({"compute": {"launchSpecification": {"vmNamePrefix": "spotpool1-"}}});
        assert_eq!(vm_name_prefix(&g).as_deref(), Some("spotpool1-"));
        assert_eq!(
            vm_name_prefix(&json!({ "group": g })).as_deref(),
            Some("spotpool1-")
        );
        assert_eq!(
            vm_name_prefix(&json!({"compute": {"launchSpecification": {}}})),
            None
        );
        assert_eq!(
            vm_name_prefix(&json!({"compute": {"launchSpecification": {"vmNamePrefix": " "}}})),
            None
        );
    }
}
