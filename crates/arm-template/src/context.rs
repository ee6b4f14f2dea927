//! What the evaluator needs to know about the deployment it pretends to run: subscription,
//! tenant, resource group, deployment name and cloud environment; plus the [`Resolver`] hook for
//! values that only exist at deploy time.

use serde_json::{Map, Value as Json, json};

/// The scope and identity of the deployment being evaluated.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentContext {
    /// Subscription id (GUID).
    pub subscription_id: String,
    /// Tenant id (GUID).
    pub tenant_id: String,
    /// Resource group name.
    pub resource_group: String,
    /// Resource group location (`resourceGroup().location`).
    pub resource_group_location: String,
    /// Deployment name (`deployment().name`).
    pub deployment_name: String,
    /// The cloud (`environment()`).
    pub environment: Environment,
}

impl Default for DeploymentContext {
    fn default() -> Self {
        DeploymentContext {
            subscription_id: "00000000-0000-0000-0000-000000000000".into(),
            tenant_id: "00000000-0000-0000-0000-000000000000".into(),
            resource_group: "resourceGroup".into(),
            resource_group_location: "eastus".into(),
            deployment_name: "deployment".into(),
            environment: Environment::default(),
        }
    }
}

impl DeploymentContext {
    /// `/subscriptions/{sub}`.
    pub fn subscription_resource_id(&self) -> String {
        format!("/subscriptions/{}", self.subscription_id)
    }

    /// `/subscriptions/{sub}/resourceGroups/{rg}` (capital G, as ARM spells it; it matters for `uniqueString`).
    pub fn resource_group_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}",
            self.subscription_id, self.resource_group
        )
    }

    /// The object `resourceGroup()` returns.
    pub fn resource_group_object(&self) -> Json {
        json!({
            "id": self.resource_group_id(),
            "name": self.resource_group,
            "type": "Microsoft.Resources/resourceGroups",
            "location": self.resource_group_location,
            "tags": {},
            "properties": {"provisioningState": "Succeeded"},
        })
    }

    /// The object `subscription()` returns.
    pub fn subscription_object(&self) -> Json {
        json!({
            "id": self.subscription_resource_id(),
            "subscriptionId": self.subscription_id,
            "tenantId": self.tenant_id,
            "displayName": self.subscription_id,
        })
    }

    /// The object `tenant()` returns.
    pub fn tenant_object(&self) -> Json {
        json!({
            "id": format!("/tenants/{}", self.tenant_id),
            "tenantId": self.tenant_id,
            "countryCode": "",
            "displayName": "",
        })
    }
}

/// A cloud environment as `environment()` reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct Environment {
    /// e.g. `AzureCloud`.
    pub name: String,
    /// e.g. `https://management.azure.com/`.
    pub resource_manager: String,
    /// e.g. `https://login.microsoftonline.com/`.
    pub login_endpoint: String,
    /// The `suffixes` object (`storage`, `keyvaultDns`, `sqlServerHostname`, `acrLoginServer`…).
    pub suffixes: Map<String, Json>,
    /// Every other documented property (`gallery`, `graph`, `portal`, `authentication.audiences`…).
    pub other: Map<String, Json>,
}

impl Default for Environment {
    fn default() -> Self {
        Environment::azure_cloud()
    }
}

impl Environment {
    /// Azure public cloud, as `environment()` documents it.
    pub fn azure_cloud() -> Self {
        let suffixes = json!({
            "acrLoginServer": ".azurecr.io",
            "azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            "azureDatalakeStoreFileSystem": "azuredatalakestore.net",
            "azureFrontDoorEndpointSuffix": "azurefd.net",
            "keyvaultDns": ".vault.azure.net",
            "sqlServerHostname": ".database.windows.net",
            "storage": "core.windows.net",
        });
        let other = json!({
            "gallery": "https://gallery.azure.com/",
            "graph": "https://graph.windows.net/",
            "portal": "https://portal.azure.com",
            "graphAudience": "https://graph.windows.net/",
            "activeDirectoryDataLake": "https://datalake.azure.net/",
            "batch": "https://batch.core.windows.net/",
            "media": "https://rest.media.azure.net",
            "sqlManagement": "https://management.core.windows.net:8443/",
            "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/quickstart-templates/aliases.json",
            "authentication": {
                "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
                "tenant": "common",
                "identityProvider": "AAD",
            },
        });
        Environment {
            name: "AzureCloud".into(),
            resource_manager: "https://management.azure.com/".into(),
            login_endpoint: "https://login.microsoftonline.com/".into(),
            suffixes: as_map(suffixes),
            other: as_map(other),
        }
    }

    /// The object `environment()` returns.
    pub fn to_json(&self) -> Json {
        let mut out = Map::new();
        out.insert("name".into(), Json::String(self.name.clone()));
        for (k, v) in &self.other {
            out.insert(k.clone(), v.clone());
        }
        out.insert(
            "resourceManager".into(),
            Json::String(self.resource_manager.clone()),
        );
        let auth = out
            .entry("authentication")
            .or_insert_with(|| Json::Object(Map::new()));
        if let Json::Object(auth) = auth {
            auth.insert(
                "loginEndpoint".into(),
                Json::String(self.login_endpoint.clone()),
            );
        }
        out.insert("suffixes".into(), Json::Object(self.suffixes.clone()));
        Json::Object(out)
    }
}

fn as_map(v: Json) -> Map<String, Json> {
    match v {
        Json::Object(m) => m,
        _ => Map::new(),
    }
}

/// Supplies values that only exist at deployment time. Implemented by the caller (e.g. over ARM REST).
///
/// Errors are plain messages; the evaluator wraps them with the function, expression and JSON path.
pub trait Resolver: Send + Sync {
    /// `reference(resourceId, apiVersion?, 'Full'?)`. `resource_id` is a full resource id (a bare
    /// `Namespace/type/name` argument is expanded against the deployment's resource group first).
    fn reference(
        &self,
        resource_id: &str,
        api_version: Option<&str>,
        full: bool,
    ) -> Result<serde_json::Value, String>;

    /// `list*(resourceId, apiVersion, body?)`, e.g. `listKeys`. `function` is the name as written.
    fn list(
        &self,
        function: &str,
        resource_id: &str,
        api_version: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, String> {
        let _ = (resource_id, api_version, body);
        Err(format!("the resolver does not implement {function}()"))
    }
}

/// What to do with deploy-time functions when no [`Resolver`] can answer them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeployTimePolicy {
    /// Fail with [`EvalErrorKind::DeployTime`](crate::EvalErrorKind::DeployTime) naming the sub-expression.
    #[default]
    Fail,
    /// Keep going: the value becomes a marker (`<<deploy-time: EXPR>>` inside strings) and is
    /// reported in [`Evaluated::deferred`](crate::Evaluated).
    Mark,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_group_id_uses_capital_g() {
        let c = DeploymentContext {
            subscription_id: "s".into(),
            resource_group: "rg".into(),
            ..Default::default()
        };
        assert_eq!(c.resource_group_id(), "/subscriptions/s/resourceGroups/rg");
        assert_eq!(c.resource_group_object()["location"], "eastus");
    }

    #[test]
    fn azure_cloud_environment() {
        let e = Environment::default().to_json();
        assert_eq!(e["name"], "AzureCloud");
        assert_eq!(e["resourceManager"], "https://management.azure.com/");
        assert_eq!(e["suffixes"]["storage"], "core.windows.net");
        assert_eq!(
            e["authentication"]["loginEndpoint"],
            "https://login.microsoftonline.com/"
        );
    }
}
