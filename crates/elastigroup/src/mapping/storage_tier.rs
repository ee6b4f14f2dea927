//! The managed-disk tier aks-engine assumes for a VM size.
//!
//! aks-engine v0.46.3 never writes `managedDisk.storageAccountType` on an agent scale set, but it
//! labels every node `storagetier=<tier>` (in customData) with this rule: `Premium_LRS` when the
//! size's second `_`-separated part (the capability, `D2s` in `Standard_D2s_v3`) contains an `s`,
//! otherwise `Standard_LRS`. The Elastigroup's disks get the same tier so the label stays true.

/// The tier for `vm_size` (any case), or `None` when the name has no capability part.
pub(crate) fn aks_engine_storage_tier(vm_size: &str) -> Option<&'static str> {
    let capability = vm_size.split('_').nth(1)?;
    Some(if capability.to_ascii_lowercase().contains('s') {
        "Premium_LRS"
    } else {
        "Standard_LRS"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn premium_when_the_capability_part_has_an_s() {
        for (size, tier) in [
            ("Standard_D2_v2", "Standard_LRS"),
            ("standard_d2_v2", "Standard_LRS"),
            ("Standard_D2s_v3", "Premium_LRS"),
            ("standard_d4s_v3", "Premium_LRS"),
            ("Standard_F8s_v2", "Premium_LRS"),
            ("Standard_DS2_v2", "Premium_LRS"),
            ("Standard_E4s_v3", "Premium_LRS"),
            ("Standard_A2", "Standard_LRS"),
            ("Standard_NC6", "Standard_LRS"),
        ] {
            assert_eq!(aks_engine_storage_tier(size), Some(tier), "{size}");
        }
        // The `s` of `Standard` or of a version suffix does not count.
        assert_eq!(
            aks_engine_storage_tier("Standard_D2_v2s"),
            Some("Standard_LRS")
        );
        assert_eq!(aks_engine_storage_tier("nounderscore"), None);
    }
}
