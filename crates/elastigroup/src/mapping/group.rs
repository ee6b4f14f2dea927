//! The whole group: reads the scale set part by part into a [`ScaleSet`], then writes each
//! generation's body from the parts, in the order the API documents its fields.
//!
//! Required inputs (size, location, image, subnet, admin user, key or password) fail with the JSON
//! path; things neither generation can express become warnings while reading, things only one
//! cannot express while writing. Scale-set-only behaviour that means nothing for Spot-managed VMs
//! is ignored on purpose: `overprovision`, `doNotRunExtensionsOnOverprovisionedVMs`,
//! `singlePlacementGroup`, `upgradePolicy`, `platformFaultDomainCount`, `dependsOn`,
//! `apiVersion`, osDisk `caching`/`createOption`, the SSH key `path` (always the admin's
//! `authorized_keys`) and `disablePasswordAuthentication`.
//!
//! `enableAcceleratedNetworking` is ignored too: neither Elastigroup generation has a field for
//! it, and aks-engine turns it on for every size that supports it, so a warning would fire on
//! nearly every pool without anything the user could do about it (nodes join either way).

use serde_json::{Map, Value, json};

use super::disks::{self, Disks};
use super::extensions::{self, Extension};
use super::identity::{self, UserIdentity};
use super::image::{self, Image};
use super::json_cursor::Cursor;
use super::login::{self, Login};
use super::network::{self, Network};
use super::os::Os;
use super::sourced::Sourced;
use super::{
    MappingErrorKind, MappingWarning, PoolInput, VmSizes, custom_data, load_balancer, priority,
    tags, vm_name_prefix, vm_sizes, zones,
};

const VMSS_TYPE: &str = "Microsoft.Compute/virtualMachineScaleSets";

/// What a node needs, read from the scale set and independent of the API generation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScaleSet {
    pub name: String,
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
    pub user_identities: Sourced<Vec<UserIdentity>>,
    pub tags: Vec<(String, String)>,
    pub zones: Option<Sourced<Vec<String>>>,
    pub disks: Disks,
}

/// Reads the evaluated scale set resource, adding generation-neutral warnings to `w`; see the
/// module docs for what is required.
pub(crate) fn read(
    vmss: &Value,
    w: &mut Vec<MappingWarning>,
) -> Result<ScaleSet, MappingErrorKind> {
    let root = Cursor::root(vmss);
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
    let os = Os::of(&os_profile);
    let storage = vmp.key("storageProfile");
    let image = image::extract(&storage.key("imageReference"), w)?;
    let network = network::extract(
        &vmp.keys("networkProfile.networkInterfaceConfigurations"),
        w,
    )?;
    let login = login::extract(&os_profile, os, w)?;
    let custom_data = custom_data::extract(&os_profile, w)?;
    let computer_name_prefix = vm_name_prefix::extract(&os_profile)?;
    let extensions = extensions::extract(&vmp.keys("extensionProfile.extensions"), w)?;
    let user_identities = identity::extract(&root.key("identity"), w)?;
    let tags = tags::extract(&root.key("tags"), &name, w)?;
    let zones = zones::extract(&root.key("zones"))?;
    let disks = disks::extract(&storage, &sku.key("name"), &vm_size, w)?;
    priority::check(&vmp, w)?;

    Ok(ScaleSet {
        name,
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
        disks,
    })
}

/// `capacity`: the scale set's instance count as target and maximum, minimum 0.
fn capacity(s: &ScaleSet) -> Value {
    json!({"target": s.capacity, "minimum": 0, "maximum": s.capacity})
}

fn insert_some(m: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        m.insert(key.into(), v);
    }
}

/// The v3 ("Spot VMs", `/azure/compute/group`) group, with the field names of
/// `createElastigroupSpotVMs.yaml` and sdk-go `v3/azure.go`.
pub(crate) fn render_v3(
    name: &str,
    input: &PoolInput,
    sizes: &VmSizes,
    s: &ScaleSet,
    w: &mut Vec<MappingWarning>,
) -> Value {
    let mut launch = Map::new();
    launch.insert("image".into(), image::render_v3(&s.image));
    launch.insert("network".into(), network::render_v3(&s.network, w));
    launch.insert("login".into(), login::render(&s.login));
    insert_some(
        &mut launch,
        "customData",
        s.custom_data.as_ref().map(|d| json!(d)),
    );
    if let Some(prefix) = &s.computer_name_prefix {
        insert_some(
            &mut launch,
            "vmNamePrefix",
            vm_name_prefix::render_v3(prefix, w).map(Value::String),
        );
    }
    insert_some(
        &mut launch,
        "managedServiceIdentities",
        identity::render(&s.user_identities.value),
    );
    launch.insert("tags".into(), tags::render(&s.tags));
    insert_some(
        &mut launch,
        "extensions",
        extensions::render_v3(&s.extensions),
    );
    insert_some(
        &mut launch,
        "loadBalancersConfig",
        load_balancer::render_v3(&s.network.backends),
    );
    launch.insert("osDisk".into(), disks::render_v3_os_disk(&s.disks.os));
    insert_some(
        &mut launch,
        "dataDisks",
        disks::render_v3_data_disks(&s.disks.data.value),
    );

    let mut compute = Map::new();
    compute.insert("os".into(), json!(s.os.as_str()));
    compute.insert("vmSizes".into(), vm_sizes::render_v3(sizes));
    insert_some(
        &mut compute,
        "zones",
        s.zones.as_ref().map(|z| json!(z.value)),
    );
    compute.insert("launchSpecification".into(), Value::Object(launch));

    // Built by moving the parts in: `json!` would copy each (customData included).
    let mut group = head(name, input, s);
    group.insert(
        "strategy".into(),
        json!({"spotPercentage": 100, "fallbackToOd": true, "drainingTimeout": 120}),
    );
    group.insert("compute".into(), Value::Object(compute));
    Value::Object(group)
}

/// `name`, `region`, `resourceGroupName` and `capacity`, the fields both generations start with.
fn head(name: &str, input: &PoolInput, s: &ScaleSet) -> Map<String, Value> {
    let mut group = Map::new();
    group.insert("name".into(), name.into());
    group.insert("region".into(), s.location.as_str().into());
    group.insert("resourceGroupName".into(), input.resource_group.into());
    group.insert("capacity".into(), capacity(s));
    group
}

/// The v2 (legacy Low-Priority, `/compute/azure/group`) group, with the field names of
/// `lowPriorityVMsEGCreation.yaml` and the 2019 sdk-go structs. What v2 cannot express becomes
/// a warning.
///
/// # Errors
/// A gallery image.
pub(crate) fn render_v2(
    name: &str,
    input: &PoolInput,
    sizes: &VmSizes,
    s: &ScaleSet,
    w: &mut Vec<MappingWarning>,
) -> Result<Value, MappingErrorKind> {
    let image = image::render_v2(&s.image)?;
    let network = network::render_v2(&s.network, w);
    let balancers = load_balancer::render_v2(&s.network.backends, w);
    let extensions = extensions::render_v2(&s.extensions, w);

    let mut launch = Map::new();
    launch.insert("image".into(), image);
    launch.insert("network".into(), network);
    launch.insert("login".into(), login::render(&s.login));
    insert_some(
        &mut launch,
        "customData",
        s.custom_data.as_ref().map(|d| json!(d)),
    );
    insert_some(
        &mut launch,
        "managedServiceIdentities",
        identity::render(&s.user_identities.value),
    );
    launch.insert("tags".into(), tags::render(&s.tags));
    insert_some(&mut launch, "extensions", extensions);
    insert_some(&mut launch, "loadBalancersConfig", balancers);

    if let Some(z) = &s.zones {
        zones::warn_v2(z, w);
    }
    disks::warn_v2(&s.disks, w);
    if let Some(prefix) = &s.computer_name_prefix {
        vm_name_prefix::warn_v2(prefix, w);
    }
    if input.cluster_identifier.trim().is_empty() {
        w.push(MappingWarning::new(
            "",
            "empty Kubernetes cluster identifier: the Spot controller cannot be linked to this group",
        ));
    }

    let mut compute = Map::new();
    compute.insert("product".into(), s.os.as_str().into());
    compute.insert("vmSizes".into(), vm_sizes::render_v2(sizes));
    compute.insert("launchSpecification".into(), Value::Object(launch));
    let mut group = head(name, input, s);
    group.insert(
        "strategy".into(),
        json!({"lowPriorityPercentage": 100, "drainingTimeout": 120}),
    );
    group.insert("compute".into(), Value::Object(compute));
    group.insert(
        "thirdPartiesIntegration".into(),
        json!({"kubernetes": {"clusterIdentifier": input.cluster_identifier}}),
    );
    Ok(Value::Object(group))
}
