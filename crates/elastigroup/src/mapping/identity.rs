//! Managed identities: the scale set's user-assigned `identity.userAssignedIdentities` →
//! `launchSpecification.managedServiceIdentities` (same shape in both generations). A
//! system-assigned identity has no counterpart: warning.

use serde_json::{Value, json};

use super::arm_id::ArmId;
use super::json_cursor::Cursor;
use super::sourced::Sourced;
use super::{MappingErrorKind, MappingWarning};

/// `{resourceGroupName, name}` of a user-assigned identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserIdentity {
    pub resource_group: String,
    pub name: String,
}

/// Reads `identity` (absent = none), with the path of `userAssignedIdentities`.
pub(crate) fn extract(
    c: &Cursor,
    w: &mut Vec<MappingWarning>,
) -> Result<Sourced<Vec<UserIdentity>>, MappingErrorKind> {
    let type_ = c.key("type").str()?.unwrap_or_default();
    if type_.to_ascii_lowercase().contains("systemassigned") {
        w.push(MappingWarning::new(
            c.key("type").path(),
            "a system-assigned identity cannot be expressed in an Elastigroup: Spot VMs get none, so \
             anything that relies on it (cloud provider, role assignments) must use a user-assigned identity",
        ));
    }
    let ua = c.key("userAssignedIdentities");
    let mut out = Vec::new();
    if let Some(map) = ua.object()? {
        for id in map.keys() {
            const EXPECTED: &str = "a user-assigned identity id";
            let arm = ArmId::parse(id).ok_or_else(|| ua.bad_id(id, EXPECTED))?;
            let n = arm
                .names_if("Microsoft.ManagedIdentity", &["userAssignedIdentities"])
                .ok_or_else(|| ua.bad_id(id, EXPECTED))?;
            out.push(UserIdentity {
                resource_group: arm.resource_group.to_owned(),
                name: n[0].to_owned(),
            });
        }
    }
    Ok(Sourced {
        value: out,
        path: ua.path().to_owned(),
    })
}

/// `managedServiceIdentities: [{resourceGroupName, name}]` (same shape in both generations;
/// `None` without identities).
pub(crate) fn render(identities: &[UserIdentity]) -> Option<Value> {
    if identities.is_empty() {
        return None;
    }
    Some(Value::Array(
        identities
            .iter()
            .map(|r| json!({"resourceGroupName": r.resource_group, "name": r.name}))
            .collect(),
    ))
}
