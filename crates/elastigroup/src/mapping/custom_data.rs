//! The node bootstrap: `osProfile.customData` (aks-engine's cloud-init with the cluster's
//! certificates) → `launchSpecification.customData`, unchanged, in both generations. Key Vault
//! certificates (`osProfile.secrets`) have no counterpart and are only reported.

use super::json_cursor::Cursor;
use super::{MappingErrorKind, MappingWarning};

/// Reads `customData` (a warning when absent) and reports `secrets`.
pub(crate) fn extract(
    os_profile: &Cursor,
    w: &mut Vec<MappingWarning>,
) -> Result<Option<String>, MappingErrorKind> {
    let custom_data_c = os_profile.key("customData");
    let custom_data = custom_data_c.str()?.map(str::to_owned);
    if custom_data.is_none() {
        w.push(MappingWarning::new(
            custom_data_c.path(),
            "no customData: nodes will not get the aks-engine bootstrap files",
        ));
    }
    if !os_profile.key("secrets").items()?.is_empty() {
        w.push(MappingWarning::new(
            os_profile.key("secrets").path(),
            "Key Vault certificates (osProfile.secrets) are not mapped; add them with --set compute.launchSpecification.secrets",
        ));
    }
    Ok(custom_data)
}
