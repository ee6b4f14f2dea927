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
    /// `properties`: the profiles an import reads.
    pub properties: Properties,
}

/// `properties`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Properties {
    /// `orchestratorProfile`; None in a model that is not fully defaulted.
    #[serde(default)]
    pub orchestrator_profile: Option<OrchestratorProfile>,
    /// `masterProfile`; None in a model without control plane settings.
    #[serde(default)]
    pub master_profile: Option<MasterProfile>,
    /// `agentPoolProfiles`, in the model's order; empty when the key is absent.
    #[serde(default)]
    pub agent_pool_profiles: Vec<AgentPoolProfile>,
}

/// `properties.orchestratorProfile`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrchestratorProfile {
    /// `Kubernetes` for every cluster this tool imports.
    #[serde(default)]
    pub orchestrator_type: Option<String>,
    /// The Kubernetes version, such as `1.18.8`.
    #[serde(default)]
    pub orchestrator_version: Option<String>,
    /// `kubernetesConfig`, the cluster's networking and identity settings.
    #[serde(default)]
    pub kubernetes_config: Option<KubernetesConfig>,
}

/// `properties.orchestratorProfile.kubernetesConfig`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubernetesConfig {
    /// `azure` or `kubenet`; Spot's Elastigroups need `azure`.
    #[serde(default)]
    pub network_plugin: Option<String>,
    /// `Standard` or `Basic`; Spot's Elastigroups need `Standard`.
    #[serde(default)]
    pub load_balancer_sku: Option<String>,
    /// Whether the nodes use a managed identity rather than a service principal.
    #[serde(default)]
    pub use_managed_identity: Option<bool>,
    /// `userAssignedID`: the resource ID of the user-assigned identity the nodes use, when set.
    #[serde(default, rename = "userAssignedID")]
    pub user_assigned_id: Option<String>,
}

/// `properties.masterProfile`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MasterProfile {
    /// The number of control plane VMs.
    #[serde(default)]
    pub count: Option<u32>,
    /// `dnsPrefix`; read through [`ApiModel::dns_prefix`], which ignores an empty value.
    #[serde(default)]
    pub dns_prefix: Option<String>,
}

/// One `properties.agentPoolProfiles[]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentPoolProfile {
    /// The pool's name, lower-case; it prefixes the scale set's name (`k8s-<name>-...-vmss`).
    pub name: String,
    /// The pool's node count in the scale set.
    #[serde(default)]
    pub count: Option<u32>,
    /// The VM size, such as `Standard_D2s_v3`.
    #[serde(default)]
    pub vm_size: Option<String>,
    /// `Linux` or `Windows`.
    #[serde(default)]
    pub os_type: Option<String>,
    /// `VirtualMachineScaleSets` or `AvailabilitySet`.
    #[serde(default)]
    pub availability_profile: Option<String>,
    /// `Regular`, `Spot` or `Low`; None means `Regular`.
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
