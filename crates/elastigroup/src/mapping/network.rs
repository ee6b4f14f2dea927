//! The primary NIC: `networkProfile.networkInterfaceConfigurations` → `launchSpecification.network`
//! (subnet, public IP, IP forwarding, network security group, Azure CNI's additional IP
//! configurations). Its backend pools are read here, per IP configuration, and rendered by
//! [`super::load_balancer`]. v2 has no public IP SKU, IP forwarding or NSG: warnings.

use serde_json::{Map, Value, json};

use super::arm_id::ArmId;
use super::json_cursor::Cursor;
use super::load_balancer::{self, Backends};
use super::sourced::Sourced;
use super::{MappingErrorKind, MappingWarning};

type Result<T> = std::result::Result<T, MappingErrorKind>;

/// `{resourceGroupName, name}` of a network security group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecurityGroup {
    pub resource_group: String,
    pub name: String,
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
    /// The public IP SKU, with the path of `publicIPAddressConfiguration`, when nodes get a public IP.
    pub public_ip: Option<Sourced<Option<String>>>,
    pub enable_ip_forwarding: Option<Sourced<bool>>,
    pub security_group: Option<Sourced<SecurityGroup>>,
    /// The non-primary ipConfigurations (Azure CNI pod IPs), with the array's path.
    pub additional_ip_configs: Sourced<Vec<IpConfig>>,
    pub backends: Backends,
    /// `enableAcceleratedNetworking` of the primary NIC: not expressible in either generation,
    /// but it limits which VM sizes can run the node.
    pub accelerated_networking: bool,
}

fn is_primary(c: &Cursor) -> Result<bool> {
    Ok(c.keys("properties.primary").bool()? == Some(true))
}

fn primary_index(items: &[Cursor]) -> Result<usize> {
    for (i, item) in items.iter().enumerate() {
        if is_primary(item)? {
            return Ok(i);
        }
    }
    Ok(0)
}

fn subnet_of(id_c: &Cursor) -> Result<(String, String, String)> {
    let id = id_c.req_str("the subnet id")?;
    let arm = ArmId::parse(id).ok_or_else(|| id_c.bad_id(id, "a subnet id"))?;
    let n = arm
        .names_if("Microsoft.Network", &["virtualNetworks", "subnets"])
        .ok_or_else(|| id_c.bad_id(id, "a subnet id"))?;
    Ok((
        arm.resource_group.to_owned(),
        n[0].to_owned(),
        n[1].to_owned(),
    ))
}

fn security_group(id_c: &Cursor) -> Result<SecurityGroup> {
    const EXPECTED: &str = "a network security group id";
    let id = id_c.req_str(EXPECTED)?;
    let arm = ArmId::parse(id).ok_or_else(|| id_c.bad_id(id, EXPECTED))?;
    let n = arm
        .names_if("Microsoft.Network", &["networkSecurityGroups"])
        .ok_or_else(|| id_c.bad_id(id, EXPECTED))?;
    Ok(SecurityGroup {
        resource_group: arm.resource_group.to_owned(),
        name: n[0].to_owned(),
    })
}

/// Reads the NIC configurations (`nics_c`); at least one, with a subnet, is required.
pub(crate) fn extract(nics_c: &Cursor, w: &mut Vec<MappingWarning>) -> Result<Network> {
    let nics = nics_c.items()?;
    if nics.is_empty() {
        return Err(nics_c.missing("a network interface configuration"));
    }
    let primary = primary_index(&nics)?;
    for (i, nic) in nics.iter().enumerate() {
        if i != primary {
            w.push(MappingWarning::new(
                nic.path(),
                "only the primary network interface is mapped; this one is dropped",
            ));
        }
    }
    let np = nics[primary].key("properties");
    if np.key("dnsSettings").exists() {
        w.push(MappingWarning::new(
            np.key("dnsSettings").path(),
            "NIC DNS settings are not mapped",
        ));
    }
    let ipcs_c = np.key("ipConfigurations");
    let ipcs = ipcs_c.items()?;
    if ipcs.is_empty() {
        return Err(ipcs_c.missing("an IP configuration"));
    }
    let pidx = primary_index(&ipcs)?;
    let pp = ipcs[pidx].key("properties");
    let subnet_c = pp.keys("subnet.id");
    let (resource_group, virtual_network, subnet) = subnet_of(&subnet_c)?;

    let mut additional = Vec::new();
    let mut backends = Backends::default();
    for (i, ipc) in ipcs.iter().enumerate() {
        let p = ipc.key("properties");
        load_balancer::extract_from_ip_config(&p, &mut backends, w)?;
        if i == pidx {
            continue;
        }
        let name = ipc
            .key("name")
            .req_str("the IP configuration name")?
            .to_owned();
        let version = match p.key("privateIPAddressVersion").str()? {
            Some(v) if v.eq_ignore_ascii_case("IPv6") => "IPv6",
            _ => "IPv4",
        };
        additional.push(IpConfig {
            name,
            version: version.to_owned(),
        });
        let other_subnet = p.keys("subnet.id");
        if let Some(id) = other_subnet.str()?
            && !id.eq_ignore_ascii_case(subnet_c.str()?.unwrap_or_default())
        {
            w.push(MappingWarning::new(
                other_subnet.path(),
                "this IP configuration uses another subnet; Spot places additional IP configurations in the primary subnet",
            ));
        }
        if p.key("publicIPAddressConfiguration").exists() {
            w.push(MappingWarning::new(
                p.key("publicIPAddressConfiguration").path(),
                "a public IP on a secondary IP configuration cannot be expressed; only the primary one gets a public IP",
            ));
        }
    }

    let pub_c = pp.key("publicIPAddressConfiguration");
    let public_ip = match pub_c.value() {
        None => None,
        Some(_) => {
            let extra: Vec<&str> = pub_c
                .key("properties")
                .object()?
                .map(|m| m.keys().map(String::as_str).collect())
                .unwrap_or_default();
            if !extra.is_empty() {
                w.push(MappingWarning::new(
                    pub_c.key("properties").path(),
                    format!(
                        "public IP settings [{}] cannot be expressed; Spot uses its defaults",
                        extra.join(", ")
                    ),
                ));
            }
            let sku = pub_c.keys("sku.name").str()?.map(str::to_owned);
            Some(Sourced {
                value: sku,
                path: pub_c.path().to_owned(),
            })
        }
    };
    let accelerated_networking = np.key("enableAcceleratedNetworking").bool()? == Some(true);
    let fwd_c = np.key("enableIPForwarding");
    let enable_ip_forwarding = fwd_c.bool()?.map(|v| Sourced {
        value: v,
        path: fwd_c.path().to_owned(),
    });
    let nsg_c = np.keys("networkSecurityGroup.id");
    let security_group = if nsg_c.exists() {
        Some(Sourced {
            value: security_group(&nsg_c)?,
            path: nsg_c.path().to_owned(),
        })
    } else {
        None
    };
    Ok(Network {
        resource_group,
        virtual_network,
        subnet,
        public_ip,
        enable_ip_forwarding,
        security_group,
        additional_ip_configs: Sourced {
            value: additional,
            path: ipcs_c.path().to_owned(),
        },
        backends,
        accelerated_networking,
    })
}

/// `additionalIpConfigurations: [{name, privateIpAddressVersion}]` (same shape in both generations).
fn additional_ip_configs(n: &Network) -> Value {
    Value::Array(
        n.additional_ip_configs
            .value
            .iter()
            .map(|c| json!({"name": c.name, "privateIpAddressVersion": c.version}))
            .collect(),
    )
}

/// v3 `network`: the vnet and one primary network interface.
pub(crate) fn render_v3(n: &Network, w: &mut Vec<MappingWarning>) -> Value {
    let mut nic = Map::new();
    nic.insert("subnetName".into(), json!(n.subnet));
    nic.insert("isPrimary".into(), json!(true));
    nic.insert("assignPublicIp".into(), json!(n.public_ip.is_some()));
    if let Some(public_ip) = &n.public_ip {
        nic.insert(
            "publicIpSku".into(),
            json!(public_ip_sku(
                public_ip,
                !n.backends.load_balancers.is_empty(),
                w
            )),
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
            additional_ip_configs(n),
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

/// v2 `network`: flat (the subnet is not in a network interface), with warnings for what v2
/// cannot set.
pub(crate) fn render_v2(n: &Network, w: &mut Vec<MappingWarning>) -> Value {
    let mut network = Map::new();
    network.insert("resourceGroupName".into(), json!(n.resource_group));
    network.insert("virtualNetworkName".into(), json!(n.virtual_network));
    network.insert("subnetName".into(), json!(n.subnet));
    network.insert("assignPublicIp".into(), json!(n.public_ip.is_some()));
    if !n.additional_ip_configs.value.is_empty() {
        network.insert(
            "additionalIpConfigurations".into(),
            additional_ip_configs(n),
        );
    }
    if let Some(public_ip) = &n.public_ip
        && public_ip.value.is_some()
    {
        w.push(MappingWarning::new(
            &public_ip.path,
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
            format!(
                "v2 cannot attach the network security group {}; it still applies if set on the subnet",
                nsg.value.name
            ),
        ));
    }
    Value::Object(network)
}
