//! Turning the ids a template's `reference()` receives into full ARM resource ids, and knowing a
//! sensible api-version per resource type when the template gives none.

use crate::ops::identities::IDENTITIES_API_VERSION;
use crate::ops::scale_sets::SCALE_SETS_API_VERSION;

/// Qualifies `id` with the subscription and resource group when it is relative
/// (`Microsoft.ManagedIdentity/userAssignedIdentities/NAME` → `/subscriptions/S/resourceGroups/G/providers/...`).
/// Full ids (starting with `/`) are returned unchanged.
pub fn qualify(id: &str, subscription_id: &str, resource_group: &str) -> String {
    if id.starts_with('/') {
        return id.to_owned();
    }
    format!(
        "/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/{}",
        id.trim_matches('/')
    )
}

/// The resource type of a full id: `Microsoft.Network/virtualNetworks/subnets` for
/// `.../providers/Microsoft.Network/virtualNetworks/v/subnets/s`.
pub fn resource_type(full_id: &str) -> Option<String> {
    let (_, rest) = full_id.rsplit_once("/providers/")?;
    let parts: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let (namespace, names) = parts.split_first()?;
    if names.is_empty() || names.len() % 2 != 0 {
        return None;
    }
    let types: Vec<&str> = names.iter().step_by(2).copied().collect();
    Some(format!("{namespace}/{}", types.join("/")))
}

/// The api-version used for a `reference()` without one, for the types this tool knows.
pub fn default_api_version(resource_type: &str) -> Option<&'static str> {
    match resource_type.to_ascii_lowercase().as_str() {
        "microsoft.managedidentity/userassignedidentities" => Some(IDENTITIES_API_VERSION),
        "microsoft.compute/virtualmachinescalesets" => Some(SCALE_SETS_API_VERSION),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_ids_get_subscription_and_group() {
        assert_eq!(
            qualify(
                "Microsoft.ManagedIdentity/userAssignedIdentities/k8s-id",
                "s1",
                "rg"
            ),
            "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/k8s-id"
        );
        let full =
            "/subscriptions/s/resourceGroups/o/providers/Microsoft.Network/virtualNetworks/v";
        assert_eq!(qualify(full, "s1", "rg"), full);
    }

    #[test]
    fn types_of_nested_resources() {
        assert_eq!(
            resource_type("/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/x")
                .as_deref(),
            Some("Microsoft.Network/virtualNetworks/subnets")
        );
        assert_eq!(resource_type("/subscriptions/s"), None);
        assert_eq!(
            default_api_version("Microsoft.ManagedIdentity/userAssignedIdentities"),
            Some("2018-11-30")
        );
        assert_eq!(
            default_api_version("Microsoft.Network/publicIPAddresses"),
            None
        );
    }
}
