//! [`NodeSpec`] → v3 ("Spot VMs", `/azure/compute/group`) group, with the field names of
//! `createElastigroupSpotVMs.yaml` and sdk-go `v3/azure.go`.

use serde_json::{Map, Value, json};

use super::node::{BackendPool, Image, NodeSpec, Sourced};
use super::render_common as common;
use super::{MappingErrorKind, MappingWarning, PoolInput};

/// Characters the v3 API forbids in `vmNamePrefix` (besides whitespace and control characters).
const VM_NAME_PREFIX_FORBIDDEN: &str = "~!@#$%^&*()=+_[]{}|;:.'\",<>/?";

/// The longest `vmNamePrefix` the v3 API accepts.
const VM_NAME_PREFIX_MAX_CHARS: usize = 25;

/// The suffix aks-engine gives Linux scale set names (`k8s-<pool>-<suffix>-vmss`).
const AKS_ENGINE_VMSS_SUFFIX: &str = "-vmss";

pub(crate) fn render(
    name: &str,
    input: &PoolInput,
    node: &NodeSpec,
) -> Result<(Value, Vec<MappingWarning>), MappingErrorKind> {
    let mut w = Vec::new();
    let mut launch = Map::new();
    launch.insert("image".into(), image(&node.image));
    launch.insert("network".into(), network(node, &mut w));
    launch.insert("login".into(), common::login(node));
    if let Some(data) = &node.custom_data {
        launch.insert("customData".into(), json!(data));
    }
    if let Some(prefix) = &node.computer_name_prefix {
        match vm_name_prefix(&prefix.value) {
            Some(p) => {
                launch.insert("vmNamePrefix".into(), json!(p));
            }
            None => w.push(MappingWarning::new(
                &prefix.path,
                format!(
                    "computerNamePrefix is not a valid Spot vmNamePrefix (more than {VM_NAME_PREFIX_MAX_CHARS} \
                     characters, a forbidden character or a trailing '-'): Spot names the VMs"
                ),
            )),
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
    // Always sent: the type is required whenever osDisk is, and without it Spot would pick a tier
    // that may contradict the node's aks-engine `storagetier` label.
    let mut os_disk = Map::new();
    os_disk.insert("type".into(), json!(node.os_disk.storage_type));
    if let Some(size) = node.os_disk.size_gb {
        // sdk-go sends `sizeGB`; the OpenAPI file says `size` (a known defect, see schema workarounds).
        os_disk.insert("sizeGB".into(), json!(size));
    }
    launch.insert("osDisk".into(), Value::Object(os_disk));
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
        && p.chars().count() <= VM_NAME_PREFIX_MAX_CHARS
        && !p.ends_with('-')
        && !p
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || VM_NAME_PREFIX_FORBIDDEN.contains(c))
}

/// The `vmNamePrefix` for a scale set's `computerNamePrefix`: itself when valid, else without
/// aks-engine's `-vmss` suffix when that makes it valid (`k8s-agentpool1-78258974-vmss`, 28
/// characters, becomes `k8s-agentpool1-78258974`, the prefix aks-engine gives availability-set
/// agent VMs), else none.
fn vm_name_prefix(computer_name_prefix: &str) -> Option<&str> {
    if valid_vm_name_prefix(computer_name_prefix) {
        return Some(computer_name_prefix);
    }
    computer_name_prefix
        .strip_suffix(AKS_ENGINE_VMSS_SUFFIX)
        .filter(|p| valid_vm_name_prefix(p))
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

fn network(node: &NodeSpec, w: &mut Vec<MappingWarning>) -> Value {
    let n = &node.network;
    let mut nic = Map::new();
    nic.insert("subnetName".into(), json!(n.subnet));
    nic.insert("isPrimary".into(), json!(true));
    nic.insert("assignPublicIp".into(), json!(n.public_ip.is_some()));
    if let Some(public_ip) = &n.public_ip {
        nic.insert(
            "publicIpSku".into(),
            json!(public_ip_sku(public_ip, !n.load_balancers.is_empty(), w)),
        );
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

/// `publicIpSku` (`STANDARD` or `BASIC`), which v3 requires with `assignPublicIp: true`. Without
/// a SKU in the scale set Azure would use Basic, but a NIC in a Standard load balancer's backend
/// pool (every aks-engine agent pool with one) cannot have a Basic public IP: STANDARD then.
fn public_ip_sku(
    public_ip: &Sourced<Option<String>>,
    in_load_balancer: bool,
    w: &mut Vec<MappingWarning>,
) -> String {
    match &public_ip.value {
        Some(sku) => sku.to_ascii_uppercase(),
        None if in_load_balancer => {
            w.push(MappingWarning::new(
                &public_ip.path,
                "no public IP SKU: sending STANDARD, the SKU a NIC in a Standard load balancer's backend pool needs",
            ));
            "STANDARD".to_owned()
        }
        None => "BASIC".to_owned(),
    }
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

/// One entry per load balancer with its backend pools grouped under it, then one entry per
/// application gateway backend pool (the schema: "For Azure Gateway, each Backend Pool is a
/// separate load balancer").
fn load_balancers(node: &NodeSpec) -> Vec<Value> {
    let mut grouped: Vec<(&BackendPool, Vec<&str>)> = Vec::new();
    for p in &node.network.load_balancers {
        let same = |q: &BackendPool| {
            q.resource_group.eq_ignore_ascii_case(&p.resource_group)
                && q.name.eq_ignore_ascii_case(&p.name)
        };
        match grouped.iter_mut().find(|(q, _)| same(q)) {
            Some((_, names)) => names.push(&p.pool),
            None => grouped.push((p, vec![&p.pool])),
        }
    }
    let mut out: Vec<Value> = grouped
        .into_iter()
        .map(|(p, names)| {
            // aks-engine agent pools are only in a load balancer's backend pool with a Standard one.
            json!({"type": "loadBalancer", "resourceGroupName": p.resource_group, "name": p.name,
                   "sku": "Standard", "backendPoolNames": names})
        })
        .collect();
    out.extend(node.network.application_gateways.iter().map(|p| {
        json!({"type": "applicationGateway", "resourceGroupName": p.resource_group, "name": p.name,
               "backendPoolNames": [p.pool]})
    }));
    out
}
