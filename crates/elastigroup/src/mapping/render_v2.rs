//! [`NodeSpec`] → v2 (legacy Low-Priority, `/compute/azure/group`) group, with the field names of
//! `lowPriorityVMsEGCreation.yaml` and the 2019 sdk-go structs. v2 has no zones, disks, Azure load
//! balancers, NSG, IP forwarding, VM name prefix or extension `settings`: each becomes a warning.

use serde_json::{Map, Value, json};

use super::node::{Image, NodeSpec};
use super::render_common as common;
use super::{MappingErrorKind, MappingWarning, PoolInput};

pub(crate) fn render(
    name: &str,
    input: &PoolInput,
    node: &NodeSpec,
) -> Result<(Value, Vec<MappingWarning>), MappingErrorKind> {
    let mut w = Vec::new();
    let image = match &node.image {
        Image::Marketplace {
            publisher,
            offer,
            sku,
            version,
        } => {
            json!({"marketplace": {"publisher": publisher, "offer": offer, "sku": sku, "version": version}})
        }
        Image::Custom {
            resource_group,
            name,
        } => {
            json!({"custom": {"resourceGroupName": resource_group, "imageName": name}})
        }
        Image::Gallery { path, .. } => {
            return Err(MappingErrorKind::Unsupported {
                path: path.clone(),
                message: "the v2 (Low-Priority) API has no shared image gallery images; use --api v3 or a managed image"
                    .into(),
            });
        }
    };

    let n = &node.network;
    let mut network = Map::new();
    network.insert("resourceGroupName".into(), json!(n.resource_group));
    network.insert("virtualNetworkName".into(), json!(n.virtual_network));
    network.insert("subnetName".into(), json!(n.subnet));
    network.insert("assignPublicIp".into(), json!(n.public_ip.is_some()));
    if !n.additional_ip_configs.value.is_empty() {
        network.insert(
            "additionalIpConfigurations".into(),
            common::additional_ip_configs(node),
        );
    }
    if let Some(Some(_)) = n.public_ip.as_ref().map(|p| &p.value) {
        let path = n
            .public_ip
            .as_ref()
            .map(|p| p.path.clone())
            .unwrap_or_default();
        w.push(MappingWarning::new(
            path,
            "v2 cannot choose the public IP SKU",
        ));
    }
    if let Some(fwd) = n.enable_ip_forwarding.as_ref().filter(|f| f.value) {
        w.push(MappingWarning::new(
            &fwd.path,
            "v2 cannot enable IP forwarding on the NIC",
        ));
    }
    if let Some(nsg) = &n.security_group {
        w.push(MappingWarning::new(
            &nsg.path,
            format!("v2 cannot attach the network security group {}; it still applies if set on the subnet", nsg.value.name),
        ));
    }
    for lb in &n.load_balancers {
        w.push(MappingWarning::new(
            &lb.path,
            format!(
                "v2 has no Azure load balancer type: backend pool {}/{} is not attached (the Kubernetes Azure cloud \
                 provider manages pool membership)",
                lb.name, lb.pool
            ),
        ));
    }

    let mut launch = Map::new();
    launch.insert("image".into(), image);
    launch.insert("network".into(), Value::Object(network));
    launch.insert("login".into(), common::login(node));
    if let Some(data) = &node.custom_data {
        launch.insert("customData".into(), json!(data));
    }
    if !node.user_identities.value.is_empty() {
        launch.insert(
            "managedServiceIdentities".into(),
            common::managed_identities(node),
        );
    }
    launch.insert("tags".into(), common::tags(node));
    if !node.extensions.is_empty() {
        let mut list = Vec::new();
        for e in &node.extensions {
            let mut m = Map::new();
            m.insert("name".into(), json!(e.name));
            m.insert("publisher".into(), json!(e.publisher));
            m.insert("type".into(), json!(e.type_));
            m.insert("typeHandlerVersion".into(), json!(e.type_handler_version));
            m.insert(
                "autoUpgradeMinorVersion".into(),
                json!(e.auto_upgrade_minor_version),
            );
            if let Some(p) = &e.protected_settings {
                m.insert("protectedSettings".into(), p.clone());
            }
            if e.settings.is_some() {
                w.push(MappingWarning::new(
                    format!("{}.properties.settings", e.path),
                    format!(
                        "v2 extensions have no public settings: the settings of {} are dropped",
                        e.name
                    ),
                ));
            }
            if e.enable_automatic_upgrade.is_some() {
                w.push(MappingWarning::new(
                    format!("{}.properties.enableAutomaticUpgrade", e.path),
                    "v2 extensions have no enableAutomaticUpgrade",
                ));
            }
            list.push(Value::Object(m));
        }
        launch.insert("extensions".into(), Value::Array(list));
    }
    if !n.application_gateways.is_empty() {
        let gws: Vec<Value> = n
            .application_gateways
            .iter()
            .map(|g| {
                json!({"type": "APPLICATION_GATEWAY", "resourceGroupName": g.resource_group,
                       "applicationGatewayName": g.name, "backendPoolName": g.pool})
            })
            .collect();
        launch.insert(
            "loadBalancersConfig".into(),
            json!({ "loadBalancers": gws }),
        );
    }

    if let Some(z) = &node.zones {
        w.push(MappingWarning::new(
            &z.path,
            format!(
                "v2 has no availability zones: zones {:?} are not applied",
                z.value
            ),
        ));
    }
    // Only what the scale set asked for: the tier derived from the VM size is not worth a warning.
    let d = &node.os_disk;
    if d.size_gb.is_some() || d.explicit_type {
        w.push(MappingWarning::new(
            &d.path,
            "v2 cannot set the OS disk size or type: Spot uses the image default",
        ));
    }
    if !node.data_disks.value.is_empty() {
        w.push(MappingWarning::new(
            &node.data_disks.path,
            format!(
                "v2 has no data disks: {} data disk(s) are not attached",
                node.data_disks.value.len()
            ),
        ));
    }
    if let Some(prefix) = &node.computer_name_prefix {
        w.push(MappingWarning::new(
            &prefix.path,
            "v2 has no VM name prefix: Spot names the VMs",
        ));
    }
    if input.cluster_identifier.trim().is_empty() {
        w.push(MappingWarning::new(
            "",
            "empty Kubernetes cluster identifier: the Spot controller cannot be linked to this group",
        ));
    }

    let group = json!({
        "name": name,
        "region": node.location,
        "resourceGroupName": input.resource_group,
        "capacity": {"target": node.capacity, "minimum": 0, "maximum": node.capacity},
        "strategy": {"lowPriorityPercentage": 100, "drainingTimeout": 120},
        "compute": {
            "product": node.os.as_str(),
            "vmSizes": {"odSizes": [node.vm_size], "lowPrioritySizes": [node.vm_size]},
            "launchSpecification": launch,
        },
        "thirdPartiesIntegration": {"kubernetes": {"clusterIdentifier": input.cluster_identifier}},
    });
    Ok((group, w))
}
