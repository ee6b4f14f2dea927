//! Reads an evaluated scale set into a [`NodeSpec`].
//!
//! Required inputs (size, location, image, subnet, admin user, key or password) fail with the JSON
//! path; things *neither* generation can express become warnings here. Scale-set-only behaviour
//! that means nothing for Spot-managed VMs is ignored on purpose: `overprovision`,
//! `doNotRunExtensionsOnOverprovisionedVMs`, `singlePlacementGroup`, `upgradePolicy`,
//! `platformFaultDomainCount`, `dependsOn`, `apiVersion`, osDisk `caching`/`createOption`, the SSH
//! key `path` (always the admin's `authorized_keys`) and `disablePasswordAuthentication`.
//!
//! `enableAcceleratedNetworking` is ignored too: neither Elastigroup generation has a field for
//! it, and aks-engine turns it on for every size that supports it, so a warning would fire on
//! nearly every pool without anything the user could do about it (nodes join either way).
//!
//! Disks: aks-engine never writes `managedDisk.storageAccountType`, so the OS and data disks get
//! the tier aks-engine labels the nodes with ([`super::storage_tier`]); an explicit type wins.

use serde_json::Value;

use super::node::{
    BackendPool, DataDisk, Extension, Image, IpConfig, Login, Network, NodeSpec, Os, OsDisk,
    ResourceRef, Sourced,
};
use super::storage_tier::aks_engine_storage_tier;
use super::{MappingErrorKind, MappingWarning, SOURCE_SCALE_SET_TAG};
use crate::arm_id::ArmId;
use crate::json_cursor::Cursor;

const VMSS_TYPE: &str = "Microsoft.Compute/virtualMachineScaleSets";

type Result<T> = std::result::Result<T, MappingErrorKind>;

/// Reads the scale set; see the module docs for what is required.
pub(crate) fn extract(vmss: &Value) -> Result<NodeSpec> {
    let root = Cursor::root(vmss);
    let mut w = Vec::new();
    if let Some(t) = root.key("type").str()?
        && !t.eq_ignore_ascii_case(VMSS_TYPE)
    {
        return Err(MappingErrorKind::NotAScaleSet {
            found: t.to_owned(),
        });
    }
    let name = root.key("name").req_str("the scale set name")?.to_owned();
    let location = root
        .key("location")
        .req_str("the location (region)")?
        .to_owned();
    let sku = root.key("sku");
    let vm_size = sku.key("name").req_str("the VM size")?.to_ascii_lowercase();
    let capacity_c = sku.key("capacity");
    let capacity = capacity_c
        .u64()?
        .ok_or_else(|| capacity_c.missing("the instance count"))?;

    let vmp = root.keys("properties.virtualMachineProfile");
    if !vmp.exists() {
        return Err(vmp.missing("the virtual machine profile"));
    }
    let os_profile = vmp.key("osProfile");
    if !os_profile.exists() {
        return Err(os_profile.missing("the OS profile"));
    }
    let os = if os_profile.key("windowsConfiguration").exists() {
        Os::Windows
    } else {
        Os::Linux
    };
    let storage = vmp.key("storageProfile");
    let image = image(&storage.key("imageReference"), &mut w)?;
    let network = network(
        &vmp.keys("networkProfile.networkInterfaceConfigurations"),
        &mut w,
    )?;
    let login = login(&os_profile, os, &mut w)?;

    let custom_data_c = os_profile.key("customData");
    let custom_data = custom_data_c.str()?.map(str::to_owned);
    if custom_data.is_none() {
        w.push(MappingWarning::new(
            custom_data_c.path(),
            "no customData: nodes will not get the aks-engine bootstrap files",
        ));
    }
    if !os_profile.key("secrets").items()?.is_empty() {
        w.push(MappingWarning::new(
            os_profile.key("secrets").path(),
            "Key Vault certificates (osProfile.secrets) are not mapped; add them with --set compute.launchSpecification.secrets",
        ));
    }
    let computer_name_prefix = os_profile
        .key("computerNamePrefix")
        .str()?
        .map(|p| Sourced {
            value: p.to_owned(),
            path: os_profile.key("computerNamePrefix").path().to_owned(),
        });

    let extensions = extensions(&vmp.keys("extensionProfile.extensions"), &mut w)?;
    let user_identities = identities(&root.key("identity"), &mut w)?;
    let tags = tags(&root.key("tags"), &name, &mut w)?;
    let zones = zones(&root.key("zones"))?;
    let tier = match aks_engine_storage_tier(&vm_size) {
        Some(t) => t,
        None => {
            w.push(MappingWarning::new(
                sku.key("name").path(),
                "the VM size has no capability part (like D2s in Standard_D2s_v3): disks default to Standard_LRS",
            ));
            "Standard_LRS"
        }
    };
    let os_disk = os_disk(&storage.key("osDisk"), tier, &mut w)?;
    let data_disks = data_disks(&storage.key("dataDisks"), tier, &mut w)?;
    priority(&vmp, &mut w)?;

    Ok(NodeSpec {
        scale_set_name: name,
        location,
        vm_size,
        capacity,
        os,
        image,
        network,
        login,
        custom_data,
        computer_name_prefix,
        extensions,
        user_identities,
        tags,
        zones,
        os_disk,
        data_disks,
        warnings: w,
    })
}

fn bad_id(c: &Cursor, id: &str, expected: &'static str) -> MappingErrorKind {
    MappingErrorKind::BadResourceId {
        path: c.path().to_owned(),
        id: id.to_owned(),
        expected,
    }
}

fn image(c: &Cursor, w: &mut Vec<MappingWarning>) -> Result<Image> {
    if !c.exists() {
        return Err(c.missing("the image reference"));
    }
    let id_c = c.key("id");
    if let Some(id) = id_c.str()? {
        const EXPECTED: &str = "a managed image or shared image gallery image id";
        let arm = ArmId::parse(id).ok_or_else(|| bad_id(&id_c, id, EXPECTED))?;
        let rg = arm.resource_group.to_owned();
        if let Some(n) = arm.names_if("Microsoft.Compute", &["images"]) {
            return Ok(Image::Custom {
                resource_group: rg,
                name: n[0].to_owned(),
            });
        }
        if let Some(n) = arm.names_if("Microsoft.Compute", &["galleries", "images", "versions"]) {
            return Ok(Image::Gallery {
                resource_group: rg,
                gallery: n[0].to_owned(),
                image: n[1].to_owned(),
                version: n[2].to_owned(),
                path: id_c.path().to_owned(),
            });
        }
        if let Some(n) = arm.names_if("Microsoft.Compute", &["galleries", "images"]) {
            w.push(MappingWarning::new(
                id_c.path(),
                "gallery image id without a version: the group uses version \"latest\"",
            ));
            return Ok(Image::Gallery {
                resource_group: rg,
                gallery: n[0].to_owned(),
                image: n[1].to_owned(),
                version: "latest".to_owned(),
                path: id_c.path().to_owned(),
            });
        }
        return Err(bad_id(&id_c, id, EXPECTED));
    }
    let publisher = c
        .key("publisher")
        .req_str("the image publisher (or an image id)")?
        .to_owned();
    let offer = c.key("offer").req_str("the image offer")?.to_owned();
    let sku = c.key("sku").req_str("the image SKU")?.to_owned();
    // The Spot API rejected marketplace images without a version (INVALID_MARKETPLACE_IMAGE ... version: null).
    let version = match c.key("version").str()? {
        Some(v) if !v.trim().is_empty() => v.to_owned(),
        _ => {
            w.push(MappingWarning::new(
                c.key("version").path(),
                "no image version: sending \"latest\"",
            ));
            "latest".to_owned()
        }
    };
    Ok(Image::Marketplace {
        publisher,
        offer,
        sku,
        version,
    })
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
    let arm = ArmId::parse(id).ok_or_else(|| bad_id(id_c, id, "a subnet id"))?;
    let n = arm
        .names_if("Microsoft.Network", &["virtualNetworks", "subnets"])
        .ok_or_else(|| bad_id(id_c, id, "a subnet id"))?;
    Ok((
        arm.resource_group.to_owned(),
        n[0].to_owned(),
        n[1].to_owned(),
    ))
}

fn resource_ref(
    id_c: &Cursor,
    namespace: &str,
    type_: &str,
    expected: &'static str,
) -> Result<ResourceRef> {
    let id = id_c.req_str(expected)?;
    let arm = ArmId::parse(id).ok_or_else(|| bad_id(id_c, id, expected))?;
    let n = arm
        .names_if(namespace, &[type_])
        .ok_or_else(|| bad_id(id_c, id, expected))?;
    Ok(ResourceRef {
        resource_group: arm.resource_group.to_owned(),
        name: n[0].to_owned(),
    })
}

fn backend_pools(
    list: &Cursor,
    parent_type: &str,
    expected: &'static str,
    into: &mut Vec<BackendPool>,
) -> Result<()> {
    for item in list.items()? {
        let id_c = item.key("id");
        let id = id_c.req_str(expected)?;
        let arm = ArmId::parse(id).ok_or_else(|| bad_id(&id_c, id, expected))?;
        let n = arm
            .names_if("Microsoft.Network", &[parent_type, "backendAddressPools"])
            .ok_or_else(|| bad_id(&id_c, id, expected))?;
        let pool = BackendPool {
            resource_group: arm.resource_group.to_owned(),
            name: n[0].to_owned(),
            pool: n[1].to_owned(),
            path: id_c.path().to_owned(),
        };
        let duplicate = into.iter().any(|p| {
            p.resource_group.eq_ignore_ascii_case(&pool.resource_group)
                && p.name.eq_ignore_ascii_case(&pool.name)
                && p.pool.eq_ignore_ascii_case(&pool.pool)
        });
        if !duplicate {
            into.push(pool);
        }
    }
    Ok(())
}

fn network(nics_c: &Cursor, w: &mut Vec<MappingWarning>) -> Result<Network> {
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
    let mut load_balancers = Vec::new();
    let mut application_gateways = Vec::new();
    for (i, ipc) in ipcs.iter().enumerate() {
        let p = ipc.key("properties");
        backend_pools(
            &p.key("loadBalancerBackendAddressPools"),
            "loadBalancers",
            "a load balancer backend pool id",
            &mut load_balancers,
        )?;
        backend_pools(
            &p.key("applicationGatewayBackendAddressPools"),
            "applicationGateways",
            "an application gateway backend pool id",
            &mut application_gateways,
        )?;
        if !p.key("loadBalancerInboundNatPools").items()?.is_empty() {
            w.push(MappingWarning::new(
                p.key("loadBalancerInboundNatPools").path(),
                "inbound NAT pools cannot be expressed in an Elastigroup",
            ));
        }
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
    let fwd_c = np.key("enableIPForwarding");
    let enable_ip_forwarding = fwd_c.bool()?.map(|v| Sourced {
        value: v,
        path: fwd_c.path().to_owned(),
    });
    let nsg_c = np.keys("networkSecurityGroup.id");
    let security_group = if nsg_c.exists() {
        let r = resource_ref(
            &nsg_c,
            "Microsoft.Network",
            "networkSecurityGroups",
            "a network security group id",
        )?;
        Some(Sourced {
            value: r,
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
        load_balancers,
        application_gateways,
    })
}

fn login(os_profile: &Cursor, os: Os, w: &mut Vec<MappingWarning>) -> Result<Login> {
    let user_name = os_profile
        .key("adminUsername")
        .req_str("the admin user name")?
        .to_owned();
    let password_c = os_profile.key("adminPassword");
    let password = password_c
        .str()?
        .filter(|p| !p.is_empty())
        .map(str::to_owned);
    match os {
        Os::Windows => {
            let password =
                password.ok_or_else(|| password_c.missing("the Windows admin password"))?;
            Ok(Login {
                user_name,
                ssh_public_key: None,
                password: Some(password),
            })
        }
        Os::Linux => {
            let keys_c = os_profile.keys("linuxConfiguration.ssh.publicKeys");
            let keys = keys_c.items()?;
            if keys.len() > 1 {
                w.push(MappingWarning::new(
                    keys_c.path(),
                    format!("{} SSH public keys: only the first is mapped", keys.len()),
                ));
            }
            let key = match keys.first() {
                Some(k) => Some(
                    k.key("keyData")
                        .req_str("the SSH public key data")?
                        .to_owned(),
                ),
                None => None,
            };
            match (key, password) {
                (Some(k), p) => {
                    if p.is_some() {
                        w.push(MappingWarning::new(
                            password_c.path(),
                            "Linux admin password not sent: the SSH public key is used instead",
                        ));
                    }
                    Ok(Login {
                        user_name,
                        ssh_public_key: Some(k),
                        password: None,
                    })
                }
                (None, Some(p)) => Ok(Login {
                    user_name,
                    ssh_public_key: None,
                    password: Some(p),
                }),
                (None, None) => Err(keys_c.missing("an SSH public key (or adminPassword)")),
            }
        }
    }
}

fn extensions(list: &Cursor, w: &mut Vec<MappingWarning>) -> Result<Vec<Extension>> {
    let mut out = Vec::new();
    for e in list.items()? {
        let p = e.key("properties");
        if !p.key("provisionAfterExtensions").items()?.is_empty() {
            w.push(MappingWarning::new(
                p.key("provisionAfterExtensions").path(),
                "extension ordering (provisionAfterExtensions) cannot be expressed",
            ));
        }
        let settings = p
            .key("settings")
            .value()
            .filter(|v| !matches!(v, Value::Object(m) if m.is_empty()))
            .cloned();
        out.push(Extension {
            name: e.key("name").req_str("the extension name")?.to_owned(),
            publisher: p
                .key("publisher")
                .req_str("the extension publisher")?
                .to_owned(),
            type_: p.key("type").req_str("the extension type")?.to_owned(),
            type_handler_version: p
                .key("typeHandlerVersion")
                .req_str("the extension typeHandlerVersion")?
                .to_owned(),
            auto_upgrade_minor_version: p.key("autoUpgradeMinorVersion").bool()?.unwrap_or(false),
            enable_automatic_upgrade: p.key("enableAutomaticUpgrade").bool()?,
            settings,
            protected_settings: p.key("protectedSettings").value().cloned(),
            path: e.path().to_owned(),
        });
    }
    Ok(out)
}

fn identities(c: &Cursor, w: &mut Vec<MappingWarning>) -> Result<Sourced<Vec<ResourceRef>>> {
    let type_ = c.key("type").str()?.unwrap_or_default();
    if type_.to_ascii_lowercase().contains("systemassigned") {
        w.push(MappingWarning::new(
            c.key("type").path(),
            "a system-assigned identity cannot be expressed in an Elastigroup: Spot VMs get none, so \
             anything that relies on it (cloud provider, role assignments) must use a user-assigned identity",
        ));
    }
    let ua = c.key("userAssignedIdentities");
    let mut out = Vec::new();
    if let Some(map) = ua.object()? {
        for id in map.keys() {
            const EXPECTED: &str = "a user-assigned identity id";
            let arm = ArmId::parse(id).ok_or_else(|| bad_id(&ua, id, EXPECTED))?;
            let n = arm
                .names_if("Microsoft.ManagedIdentity", &["userAssignedIdentities"])
                .ok_or_else(|| bad_id(&ua, id, EXPECTED))?;
            out.push(ResourceRef {
                resource_group: arm.resource_group.to_owned(),
                name: n[0].to_owned(),
            });
        }
    }
    Ok(Sourced {
        value: out,
        path: ua.path().to_owned(),
    })
}

fn tags(c: &Cursor, scale_set: &str, w: &mut Vec<MappingWarning>) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    if let Some(map) = c.object()? {
        for (k, v) in map {
            if k == SOURCE_SCALE_SET_TAG {
                continue;
            }
            match v {
                Value::String(s) => out.push((k.clone(), s.clone())),
                Value::Number(_) | Value::Bool(_) => out.push((k.clone(), v.to_string())),
                Value::Null => out.push((k.clone(), String::new())),
                _ => w.push(MappingWarning::new(
                    c.child_path(k),
                    "tag value is not a string: dropped",
                )),
            }
        }
    }
    out.push((SOURCE_SCALE_SET_TAG.to_owned(), scale_set.to_owned()));
    Ok(out)
}

fn zones(c: &Cursor) -> Result<Option<Sourced<Vec<String>>>> {
    let mut out = Vec::new();
    for z in c.items()? {
        match z.value() {
            Some(Value::Number(n)) => out.push(n.to_string()),
            _ => out.push(z.req_str("an availability zone")?.to_owned()),
        }
    }
    Ok((!out.is_empty()).then(|| Sourced {
        value: out,
        path: c.path().to_owned(),
    }))
}

fn os_disk(c: &Cursor, tier: &str, w: &mut Vec<MappingWarning>) -> Result<OsDisk> {
    if c.key("diffDiskSettings").exists() {
        w.push(MappingWarning::new(
            c.key("diffDiskSettings").path(),
            "ephemeral OS disks cannot be expressed in an Elastigroup: VMs get a managed OS disk instead",
        ));
    }
    let size_gb = c.key("diskSizeGB").u64()?;
    let explicit = c.keys("managedDisk.storageAccountType").str()?;
    Ok(OsDisk {
        size_gb,
        storage_type: explicit.unwrap_or(tier).to_owned(),
        explicit_type: explicit.is_some(),
        path: c.path().to_owned(),
    })
}

fn data_disks(
    c: &Cursor,
    tier: &str,
    w: &mut Vec<MappingWarning>,
) -> Result<Sourced<Vec<DataDisk>>> {
    let mut out = Vec::new();
    for d in c.items()? {
        let lun = d
            .key("lun")
            .u64()?
            .ok_or_else(|| d.key("lun").missing("the data disk LUN"))?;
        let size_gb = d
            .key("diskSizeGB")
            .u64()?
            .ok_or_else(|| d.key("diskSizeGB").missing("the data disk size"))?;
        let storage_type = d
            .keys("managedDisk.storageAccountType")
            .str()?
            .unwrap_or(tier)
            .to_owned();
        if let Some(opt) = d.key("createOption").str()?
            && !opt.eq_ignore_ascii_case("Empty")
        {
            w.push(MappingWarning::new(
                d.key("createOption").path(),
                format!("createOption {opt:?} cannot be expressed: Spot creates empty data disks"),
            ));
        }
        out.push(DataDisk {
            lun,
            size_gb,
            storage_type,
        });
    }
    Ok(Sourced {
        value: out,
        path: c.path().to_owned(),
    })
}

fn priority(vmp: &Cursor, w: &mut Vec<MappingWarning>) -> Result<()> {
    if let Some(p) = vmp.key("priority").str()?
        && !p.eq_ignore_ascii_case("Regular")
    {
        let eviction = vmp.key("evictionPolicy").str()?.unwrap_or("unset");
        w.push(MappingWarning::new(
            vmp.key("priority").path(),
            format!(
                "the scale set already uses {p} VMs (eviction policy {eviction}); mapped normally: the group's \
                 strategy decides which VMs are spot and Spot handles evictions"
            ),
        ));
    }
    let price = vmp.keys("billingProfile.maxPrice");
    if price.exists() {
        w.push(MappingWarning::new(
            price.path(),
            "a spot max price cannot be expressed: Spot buys at market price and falls back to on-demand",
        ));
    }
    Ok(())
}
