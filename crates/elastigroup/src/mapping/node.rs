//! What a node needs, read from the scale set and independent of the API generation.
//! Fields the renderers may have to drop keep the scale set path they came from, for warnings.

use serde_json::Value;

use super::MappingWarning;

/// A value with the scale set JSON path it came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sourced<T> {
    pub value: T,
    pub path: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Os {
    Linux,
    Windows,
}

impl Os {
    pub fn as_str(self) -> &'static str {
        match self {
            Os::Linux => "Linux",
            Os::Windows => "Windows",
        }
    }
}

/// `{resourceGroupName, name}` of an Azure resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourceRef {
    pub resource_group: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Image {
    Marketplace {
        publisher: String,
        offer: String,
        sku: String,
        version: String,
    },
    Custom {
        resource_group: String,
        name: String,
    },
    Gallery {
        resource_group: String,
        gallery: String,
        image: String,
        version: String,
        path: String,
    },
}

/// A backend pool of an Azure load balancer or application gateway.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BackendPool {
    pub resource_group: String,
    /// The load balancer or application gateway name.
    pub name: String,
    pub pool: String,
    pub path: String,
}

/// A secondary IP configuration of the primary NIC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IpConfig {
    pub name: String,
    /// `IPv4` or `IPv6`.
    pub version: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Network {
    pub resource_group: String,
    pub virtual_network: String,
    pub subnet: String,
    /// Path of `publicIPAddressConfiguration` when nodes get a public IP.
    pub public_ip: Option<Sourced<Option<String>>>,
    pub enable_ip_forwarding: Option<Sourced<bool>>,
    pub security_group: Option<Sourced<ResourceRef>>,
    /// The non-primary ipConfigurations (Azure CNI pod IPs), with the array's path.
    pub additional_ip_configs: Sourced<Vec<IpConfig>>,
    pub load_balancers: Vec<BackendPool>,
    pub application_gateways: Vec<BackendPool>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Login {
    pub user_name: String,
    pub ssh_public_key: Option<String>,
    pub password: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Extension {
    pub name: String,
    pub publisher: String,
    pub type_: String,
    pub type_handler_version: String,
    pub auto_upgrade_minor_version: bool,
    pub enable_automatic_upgrade: Option<bool>,
    /// `settings`, `None` when absent or `{}`.
    pub settings: Option<Value>,
    pub protected_settings: Option<Value>,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OsDisk {
    pub size_gb: Option<u64>,
    /// `managedDisk.storageAccountType`, or else aks-engine's tier for the VM size.
    pub storage_type: String,
    /// Whether `storage_type` came from the scale set rather than from the VM size.
    pub explicit_type: bool,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DataDisk {
    pub lun: u64,
    pub size_gb: u64,
    pub storage_type: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NodeSpec {
    pub scale_set_name: String,
    pub location: String,
    /// Lower-case, as Spot lists sizes (`standard_d2_v2`).
    pub vm_size: String,
    pub capacity: u64,
    pub os: Os,
    pub image: Image,
    pub network: Network,
    pub login: Login,
    pub custom_data: Option<String>,
    pub computer_name_prefix: Option<Sourced<String>>,
    pub extensions: Vec<Extension>,
    pub user_identities: Sourced<Vec<ResourceRef>>,
    pub tags: Vec<(String, String)>,
    pub zones: Option<Sourced<Vec<String>>>,
    pub os_disk: OsDisk,
    pub data_disks: Sourced<Vec<DataDisk>>,
    /// Generation-neutral warnings found while reading.
    pub warnings: Vec<MappingWarning>,
}
