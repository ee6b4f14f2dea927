//! Virtual machine scale sets (Microsoft.Compute 2019-07-01): GET, and scaling by PATCHing
//! `{"sku":{"capacity":N}}` while following the long-running operation.

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use url::Url;

use crate::client::ArmClient;
use crate::error::{ArmError, DecodeError};
use crate::lro::LroProgress;

/// API version of the scale-set calls.
pub const SCALE_SETS_API_VERSION: &str = "2019-07-01";

/// The fields of a scale set we read.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ScaleSet {
    /// ARM id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region.
    pub location: String,
    /// SKU and instance count.
    pub sku: ScaleSetSku,
    /// Tags (aks-engine's `poolName`, `resourceNameSuffix`, ...); `None` when it has none.
    #[serde(default)]
    pub tags: Option<std::collections::BTreeMap<String, String>>,
    /// `properties.provisioningState` and friends.
    #[serde(default)]
    pub properties: ScaleSetProperties,
}

/// `sku` of a scale set.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ScaleSetSku {
    /// VM size, e.g. `Standard_D2s_v3`.
    #[serde(default)]
    pub name: Option<String>,
    /// `Standard`.
    #[serde(default)]
    pub tier: Option<String>,
    /// Instance count.
    #[serde(default)]
    pub capacity: Option<i64>,
}

/// The `properties` of a scale set we read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleSetProperties {
    /// `Succeeded`, `Updating`, ...
    #[serde(default)]
    pub provisioning_state: Option<String>,
}

impl ArmClient {
    fn scale_set_url(&self, resource_group: &str, name: &str) -> Result<Url, ArmError> {
        self.url_for_segments(
            &[
                "subscriptions",
                self.subscription_id(),
                "resourceGroups",
                resource_group,
                "providers",
                "Microsoft.Compute",
                "virtualMachineScaleSets",
                name,
            ],
            SCALE_SETS_API_VERSION,
        )
    }

    /// GET a scale set.
    pub async fn get_scale_set(
        &self,
        resource_group: &str,
        name: &str,
    ) -> Result<ScaleSet, ArmError> {
        let url = self.scale_set_url(resource_group, name)?;
        let resp = self.send(Method::GET, url, None).await?;
        resp.decode()
    }

    /// GET a scale set by its full ARM id (`/subscriptions/.../virtualMachineScaleSets/<name>`).
    pub async fn get_scale_set_by_id(&self, id: &str) -> Result<ScaleSet, ArmError> {
        let url = self.url_for_id(id, SCALE_SETS_API_VERSION)?;
        let resp = self.send(Method::GET, url, None).await?;
        resp.decode()
    }

    /// Sets a scale set's instance count and waits for the update to finish, reporting each
    /// poll to `progress`. Returns the scale set as ARM has it afterwards.
    pub async fn scale_scale_set(
        &self,
        resource_group: &str,
        name: &str,
        capacity: u32,
        progress: &mut (dyn FnMut(&LroProgress) + Send),
    ) -> Result<ScaleSet, ArmError> {
        let url = self.scale_set_url(resource_group, name)?;
        let body = json!({ "sku": { "capacity": capacity } });
        let after = self
            .send_lro(Method::PATCH, url.clone(), Some(&body), progress)
            .await?;
        serde_json::from_value(after).map_err(|e| {
            ArmError::Decode(Box::new(DecodeError {
                method: "GET".into(),
                url: url.to_string(),
                status: 200,
                detail: e.to_string(),
                ids: Default::default(),
            }))
        })
    }
}
