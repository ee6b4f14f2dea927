//! User-assigned managed identities (Microsoft.ManagedIdentity 2018-11-30): GET.

use reqwest::Method;
use serde::Deserialize;

use crate::client::ArmClient;
use crate::error::ArmError;

/// API version of the identity calls (the one aks-engine templates use).
pub const IDENTITIES_API_VERSION: &str = "2018-11-30";

/// A user-assigned identity.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UserAssignedIdentity {
    /// ARM id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region.
    #[serde(default)]
    pub location: String,
    /// Its ids.
    pub properties: IdentityProperties,
}

/// The read-only ids of an identity.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityProperties {
    /// Tenant of the identity.
    pub tenant_id: String,
    /// Service principal object id.
    pub principal_id: String,
    /// Application (client) id: what VMs pass as `USER_ASSIGNED_IDENTITY_ID`.
    pub client_id: String,
}

impl ArmClient {
    /// GET a user-assigned identity.
    pub async fn get_user_assigned_identity(
        &self,
        resource_group: &str,
        name: &str,
    ) -> Result<UserAssignedIdentity, ArmError> {
        let url = self.url_for_segments(
            &[
                "subscriptions",
                self.subscription_id(),
                "resourceGroups",
                resource_group,
                "providers",
                "Microsoft.ManagedIdentity",
                "userAssignedIdentities",
                name,
            ],
            IDENTITIES_API_VERSION,
        )?;
        let resp = self.send(Method::GET, url, None).await?;
        resp.decode()
    }
}
