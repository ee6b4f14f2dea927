//! [`NodeSpec`] → v3 ("Spot VMs", `/azure/compute/group`) group, with the field names of
//! `createElastigroupSpotVMs.yaml` and sdk-go `v3/azure.go`.

use serde_json::{Map, Value, json};

use super::node::{BackendPool, Image, NodeSpec};
use super::render_common as common;
use super::{MappingErrorKind, MappingWarning, PoolInput};

/// Characters the v3 API forbids in `vmNamePrefix` (besides whitespace and control characters).
const VM_NAME_PREFIX_FORBIDDEN: &str = "~!@#$%^&*()=+_[]{}|;:.'\",<>/?";

pub(crate) fn render(
    name: &str,
    input: &PoolInput,
    node: &NodeSpec,
) -> Result<(Value, Vec<MappingWarning>), MappingErrorKind> {
    let mut w = Vec::new();
    let mut launch = Map::new();
    launch.insert("image".into(), image(&node.image));
    launch.insert("network".into(), network(node));
    launch.insert("login".into(), common::login(node));
    if let Some(data) = &node.custom_data {
        launch.insert("customData".into(), json!(data));
    }
    if let Some(prefix) = &node.computer_name_prefix {
        if valid_vm_name_prefix(&prefix.value) {
            launch.insert("vmNamePrefix".into(), json!(prefix.value));
        } else {
            w.push(MappingWarning::new(
                &prefix.path,
                "computerNamePrefix is not a valid Spot vmNamePrefix (forbidden character or trailing '-'): \
                 Spot names the VMs",
            ));
        }
    }
    if !node.user_identities.value.is_empty() {
        launch.insert(
            "managedServiceIdentities".into(),
            common::managed_identities(node),
        );
    }
    launch.insert("tags".into(), common::tags(node));
    if !node.extensions.is_empty() {
        launch.insert(
            "extensions".into(),
            Value::Array(node.extensions.iter().map(extension).collect()),
        );
    }
    let balancers = load_balancers(node);
    if !balancers.is_empty() {
        launch.insert(
            "loadBalancersConfig".into(),
            json!({ "loadBalancers": balancers }),
        );
    }
    if let Some(disk) = &node.os_disk {
        let mut d = Map::new();
        if let Some(size) = disk.size_gb {
            // sdk-go sends `sizeGB`; the OpenAPI file says `size` (a known defect, see schema workarounds).
            d.insert("sizeGB".into(), json!(size));
        }
        if let Some(t) = &disk.storage_type {
            d.insert("type".into(), json!(t));
        }
        launch.insert("osDisk".into(), Value::Object(d));
    }
    if !node.data_disks.value.is_empty() {
        let disks: Vec<Value> = node
            .data_disks
            .value
            .iter()
            .map(|d| json!({"lun": d.lun, "sizeGB": d.size_gb, "type": d.storage_type}))
            .collect();
        launch.insert("dataDisks".into(), Value::Array(disks));
    }

    let mut compute = Map::new();
    compute.insert("os".into(), json!(node.os.as_str()));
    compute.insert(
        "vmSizes".into(),
        json!({"odSizes": [node.vm_size], "spotSizes": [node.vm_size]}),
    );
    if let Some(zones) = &node.zones {
        compute.insert("zones".into(), json!(zones.value));
    }
    compute.insert("launchSpecification".into(), Value::Object(launch));

    let group = json!({
        "name": name,
        "region": node.location,
        "resourceGroupName": input.resource_group,
        "capacity": {"target": node.capacity, "minimum": 0, "maximum": node.capacity},
        "strategy": {"spotPercentage": 100, "fallbackToOd": true, "drainingTimeout": 120},
        "compute": compute,
    });
    Ok((group, w))
}

fn valid_vm_name_prefix(p: &str) -> bool {
    !p.is_empty()
        && !p.ends_with('-')
        && !p
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || VM_NAME_PREFIX_FORBIDDEN.contains(c))
}

fn image(image: &Image) -> Value {
    match image {
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
            json!({"custom": {"resourceGroupName": resource_group, "name": name}})
        }
        Image::Gallery {
            resource_group,
            gallery,
            image,
            version,
            ..
        } => json!({"gallery": {
            "resourceGroupName": resource_group, "galleryName": gallery, "imageName": image, "version": version
        }}),
    }
}

fn network(node: &NodeSpec) -> Value {
    let n = &node.network;
    let mut nic = Map::new();
    nic.insert("subnetName".into(), json!(n.subnet));
    nic.insert("isPrimary".into(), json!(true));
    nic.insert("assignPublicIp".into(), json!(n.public_ip.is_some()));
    if let Some(Some(sku)) = n.public_ip.as_ref().map(|p| &p.value) {
        nic.insert("publicIpSku".into(), json!(sku));
    }
    if let Some(fwd) = &n.enable_ip_forwarding {
        nic.insert("enableIPForwarding".into(), json!(fwd.value));
    }
    if let Some(nsg) = &n.security_group {
        nic.insert(
            "securityGroup".into(),
            json!({"name": nsg.value.name, "resourceGroupName": nsg.value.resource_group}),
        );
    }
    if !n.additional_ip_configs.value.is_empty() {
        nic.insert(
            "additionalIpConfigurations".into(),
            common::additional_ip_configs(node),
        );
    }
    json!({
        "resourceGroupName": n.resource_group,
        "virtualNetworkName": n.virtual_network,
        "networkInterfaces": [Value::Object(nic)],
    })
}

fn extension(e: &super::node::Extension) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(e.name));
    m.insert("publisher".into(), json!(e.publisher));
    m.insert("type".into(), json!(e.type_));
    m.insert("apiVersion".into(), json!(e.type_handler_version));
    m.insert(
        "minorVersionAutoUpgrade".into(),
        json!(e.auto_upgrade_minor_version),
    );
    if let Some(auto) = e.enable_automatic_upgrade {
        m.insert("enableAutomaticUpgrade".into(), json!(auto));
    }
    if let Some(s) = &e.settings {
        m.insert("publicSettings".into(), s.clone());
    }
    if let Some(p) = &e.protected_settings {
        m.insert("protectedSettings".into(), p.clone());
    }
    Value::Object(m)
}

/// One entry per load balancer / application gateway, its backend pools grouped under it.
fn load_balancers(node: &NodeSpec) -> Vec<Value> {
    let mut out = Vec::new();
    let groups = [
        ("loadBalancer", &node.network.load_balancers),
        ("applicationGateway", &node.network.application_gateways),
    ];
    for (type_, pools) in groups {
        let mut grouped: Vec<(&BackendPool, Vec<&str>)> = Vec::new();
        for p in pools.iter() {
            let same = |q: &BackendPool| {
                q.resource_group.eq_ignore_ascii_case(&p.resource_group)
                    && q.name.eq_ignore_ascii_case(&p.name)
            };
            match grouped.iter_mut().find(|(q, _)| same(q)) {
                Some((_, names)) => names.push(&p.pool),
                None => grouped.push((p, vec![&p.pool])),
            }
        }
        for (p, names) in grouped {
            let mut lb =
                json!({"type": type_, "resourceGroupName": p.resource_group, "name": p.name});
            if type_ == "loadBalancer" {
                // aks-engine requires a Standard load balancer for the Spot integration.
                lb["sku"] = json!("Standard");
            }
            lb["backendPoolNames"] = json!(names);
            out.push(lb);
        }
    }
    out
}
