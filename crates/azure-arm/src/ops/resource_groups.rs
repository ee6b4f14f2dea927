//! Resource groups (Microsoft.Resources 2018-05-01): GET and PUT; neither is long-running.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use crate::client::ArmClient;
use crate::error::ArmError;

/// API version of the resource-group calls.
pub const RESOURCE_GROUPS_API_VERSION: &str = "2018-05-01";

/// The fields of a resource group we read.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ResourceGroup {
    /// ARM id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region.
    pub location: String,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// `properties.provisioningState`.
    #[serde(default, rename = "properties")]
    pub properties: ResourceGroupProperties,
}

/// `properties` of a resource group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGroupProperties {
    /// `Succeeded`, `Deleting`, ...
    #[serde(default)]
    pub provisioning_state: Option<String>,
}

impl ArmClient {
    /// GET a resource group; `Ok(None)` when ARM says it does not exist (404).
    pub async fn get_resource_group(&self, name: &str) -> Result<Option<ResourceGroup>, ArmError> {
        let url = self.url_for_segments(
            &[
                "subscriptions",
                self.subscription_id(),
                "resourcegroups",
                name,
            ],
            RESOURCE_GROUPS_API_VERSION,
        )?;
        match self.send(Method::GET, url, None).await {
            Ok(resp) => resp.decode().map(Some),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates or updates a resource group (PUT; 200 updated, 201 created).
    pub async fn create_or_update_resource_group(
        &self,
        name: &str,
        location: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<ResourceGroup, ArmError> {
        let url = self.url_for_segments(
            &[
                "subscriptions",
                self.subscription_id(),
                "resourcegroups",
                name,
            ],
            RESOURCE_GROUPS_API_VERSION,
        )?;
        let body = json!({ "location": location, "tags": tags });
        let resp = self.send(Method::PUT, url, Some(&body)).await?;
        resp.decode()
    }
}
