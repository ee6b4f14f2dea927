//! The parts of aks-engine's `apimodel.json` (vlabs) that an import needs.
//!
//! aks-engine writes a fully defaulted model; we read only what decides the import and keep the
//! rest out of our types, so a newer aks-engine adding fields does not break us.

use serde::Deserialize;

/// `apimodel.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiModel {
    /// `apiVersion`, `vlabs` for files aks-engine writes.
    #[serde(default)]
    pub api_version: Option<String>,
    /// The cluster's Azure region, when the model names one.
    #[serde(default)]
    pub location: Option<String>,
    pub properties: Properties,
}

/// `properties`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Properties {
    #[serde(default)]
    pub orchestrator_profile: Option<OrchestratorProfile>,
    #[serde(default)]
    pub master_profile: Option<MasterProfile>,
    #[serde(default)]
    pub agent_pool_profiles: Vec<AgentPoolProfile>,
}

/// `properties.orchestratorProfile`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrchestratorProfile {
    #[serde(default)]
    pub orchestrator_type: Option<String>,
    #[serde(default)]
    pub orchestrator_version: Option<String>,
    #[serde(default)]
    pub kubernetes_config: Option<KubernetesConfig>,
}

/// `properties.orchestratorProfile.kubernetesConfig`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubernetesConfig {
    #[serde(default)]
    pub network_plugin: Option<String>,
    #[serde(default)]
    pub load_balancer_sku: Option<String>,
    #[serde(default)]
    pub use_managed_identity: Option<bool>,
    #[serde(default, rename = "userAssignedID")]
    pub user_assigned_id: Option<String>,
}

/// `properties.masterProfile`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MasterProfile {
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default)]
    pub dns_prefix: Option<String>,
}

/// One `properties.agentPoolProfiles[]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentPoolProfile {
    pub name: String,
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default)]
    pub vm_size: Option<String>,
    /// `Linux` or `Windows`.
    #[serde(default)]
    pub os_type: Option<String>,
    /// `VirtualMachineScaleSets` or `AvailabilitySet`.
    #[serde(default)]
    pub availability_profile: Option<String>,
    #[serde(default)]
    pub scale_set_priority: Option<String>,
}

impl AgentPoolProfile {
    /// aks-engine's default availability profile is VirtualMachineScaleSets.
    pub fn is_scale_set(&self) -> bool {
        self.availability_profile
            .as_deref()
            .is_none_or(|p| p.eq_ignore_ascii_case("VirtualMachineScaleSets"))
    }
}

impl ApiModel {
    /// The cluster's DNS prefix (`masterProfile.dnsPrefix`), which also names the resource group,
    /// the agent load balancer and the Spot cluster identifier by default.
    pub fn dns_prefix(&self) -> Option<&str> {
        self.properties
            .master_profile
            .as_ref()
            .and_then(|m| m.dns_prefix.as_deref())
            .filter(|s| !s.is_empty())
    }

    /// `orchestratorProfile.kubernetesConfig`, if present.
    pub fn kubernetes_config(&self) -> Option<&KubernetesConfig> {
        self.properties
            .orchestrator_profile
            .as_ref()
            .and_then(|o| o.kubernetes_config.as_ref())
    }

    /// Agent pool by name (aks-engine pool names are lower-case; compare case-insensitively).
    pub fn pool(&self, name: &str) -> Option<&AgentPoolProfile> {
        self.properties
            .agent_pool_profiles
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }
}
