//! Scale set → group mapping, one test per mapping row, for both API generations.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use common::*;
use elastigroup::{ApiGeneration, MappingErrorKind, SOURCE_SCALE_SET_TAG, schema};
use serde_json::{Value, json};

fn assert_valid(m: &elastigroup::MappedGroup, generation: ApiGeneration) {
    let report = schema::validate(generation, &m.body);
    assert!(
        report.errors.is_empty(),
        "{generation}: {:#?}",
        report.errors
    );
    assert!(
        report.unknown_fields.is_empty(),
        "{generation}: {:#?}",
        report.unknown_fields
    );
}

#[test]
fn maps_azurenet_simple_to_a_v3_group() {
    let m = map_ok(&simple_vmss(), ApiGeneration::V3);
    assert_eq!(m.name, "spotaksimple-agentpool1");
    let g = &m.body["group"];
    assert_eq!(g["name"], "spotaksimple-agentpool1");
    assert_eq!(g["region"], "eastus");
    assert_eq!(g["resourceGroupName"], "spotaksimple");
    assert_eq!(
        g["capacity"],
        json!({"target": 1, "minimum": 0, "maximum": 1})
    );
    assert_eq!(
        g["strategy"],
        json!({"spotPercentage": 100, "fallbackToOd": true, "drainingTimeout": 120})
    );
    assert_eq!(g["compute"]["os"], "Linux");
    assert_eq!(
        g["compute"]["vmSizes"],
        json!({"odSizes": ["standard_d2_v2"], "spotSizes": ["standard_d2_v2"]})
    );
    assert!(g["compute"].get("zones").is_none());
    assert!(
        g.get("thirdPartiesIntegration").is_none(),
        "v3 has no kubernetes integration"
    );

    let ls = launch(&m);
    assert_eq!(
        ls["image"],
        json!({"marketplace": {"publisher": "microsoft-aks", "offer": "aks", "sku": "aks-ubuntu-1604-202001", "version": "2020.01.15"}})
    );
    let net = &ls["network"];
    assert_eq!(net["resourceGroupName"], "spotaksimple");
    assert_eq!(net["virtualNetworkName"], "k8s-vnet-78258974");
    let nic = &net["networkInterfaces"][0];
    assert_eq!(nic["subnetName"], "k8s-subnet");
    assert_eq!(nic["isPrimary"], true);
    assert_eq!(nic["assignPublicIp"], false);
    let extra = nic["additionalIpConfigurations"].as_array().unwrap();
    assert_eq!(extra.len(), 30, "ipconfig2..ipconfig31");
    assert_eq!(
        extra[0],
        json!({"name": "ipconfig2", "privateIpAddressVersion": "IPv4"})
    );
    assert_eq!(extra[29]["name"], "ipconfig31");

    assert_eq!(ls["login"]["userName"], "azureuser");
    assert!(
        ls["login"]["sshPublicKey"]
            .as_str()
            .unwrap()
            .starts_with("ssh-rsa ")
    );
    assert!(ls["login"].get("password").is_none());
    let vmss = simple_vmss();
    assert_eq!(
        ls["customData"],
        vmss["properties"]["virtualMachineProfile"]["osProfile"]["customData"]
    );
    // The scale set name is 28 characters, over Spot's 25: aks-engine's `-vmss` suffix is dropped.
    // Never the cluster's name suffix: `aks-engine upgrade` would take the VMs for its own.
    assert_eq!(ls["vmNamePrefix"], "k8s-agentpool1-spot");

    let ext = ls["extensions"].as_array().unwrap();
    assert_eq!(ext.len(), 2);
    assert_eq!(ext[0]["name"], "vmssCSE");
    assert_eq!(ext[0]["publisher"], "Microsoft.Azure.Extensions");
    assert_eq!(ext[0]["type"], "CustomScript");
    assert_eq!(ext[0]["apiVersion"], "2.0");
    assert_eq!(ext[0]["minorVersionAutoUpgrade"], true);
    assert_eq!(
        ext[0]["protectedSettings"],
        vmss["properties"]["virtualMachineProfile"]["extensionProfile"]["extensions"][0]["properties"]
            ["protectedSettings"]
    );
    assert!(
        ext[0].get("publicSettings").is_none(),
        "empty settings are not sent"
    );
    assert_eq!(
        ext[1]["name"],
        "k8s-agentpool1-78258974-vmss-computeAksLinuxBilling"
    );
    assert_eq!(ext[1]["type"], "Compute.AKS-Engine.Linux.Billing");
    assert_eq!(ext[1]["apiVersion"], "1.0");

    assert_eq!(
        ls["loadBalancersConfig"],
        json!({"loadBalancers": [{"type": "loadBalancer", "resourceGroupName": "spotaksimple", "name": "spotaksimple",
                                  "sku": "Standard", "backendPoolNames": ["spotaksimple"]}]})
    );
    let tags = ls["tags"].as_array().unwrap();
    assert!(tags.contains(&json!({"tagKey": "poolName", "tagValue": "agentpool1"})));
    assert!(tags.contains(&json!({"tagKey": "orchestrator", "tagValue": "Kubernetes:1.16.4"})));
    assert!(tags.contains(
        &json!({"tagKey": SOURCE_SCALE_SET_TAG, "tagValue": "k8s-agentpool1-78258974-vmss"})
    ));
    // aks-engine's tier for Standard_D2_v2 (the node is labelled storagetier=Standard_LRS).
    assert_eq!(ls["osDisk"], json!({"type": "Standard_LRS"}));
    assert!(ls.get("dataDisks").is_none() && ls.get("managedServiceIdentities").is_none());

    // No warnings on the happy path: accelerated networking (on, as aks-engine sets it for every
    // size that supports it) has no Elastigroup field and is not worth a warning on every pool.
    assert!(m.warnings.is_empty(), "{:#?}", m.warnings);
    assert_valid(&m, ApiGeneration::V3);
}

#[test]
fn maps_azurenet_simple_to_a_v2_group() {
    let m = map_ok(&simple_vmss(), ApiGeneration::V2);
    let g = &m.body["group"];
    assert_eq!(g["name"], "spotaksimple-agentpool1");
    assert_eq!(
        g["strategy"],
        json!({"lowPriorityPercentage": 100, "drainingTimeout": 120})
    );
    assert_eq!(g["compute"]["product"], "Linux");
    assert_eq!(
        g["compute"]["vmSizes"],
        json!({"odSizes": ["standard_d2_v2"], "lowPrioritySizes": ["standard_d2_v2"]})
    );
    assert_eq!(
        g["thirdPartiesIntegration"],
        json!({"kubernetes": {"clusterIdentifier": "spotaksimple"}})
    );
    let ls = launch(&m);
    assert_eq!(ls["image"]["marketplace"]["version"], "2020.01.15");
    let net = &ls["network"];
    assert_eq!(net["resourceGroupName"], "spotaksimple");
    assert_eq!(net["virtualNetworkName"], "k8s-vnet-78258974");
    assert_eq!(net["subnetName"], "k8s-subnet");
    assert_eq!(net["assignPublicIp"], false);
    assert_eq!(
        net["additionalIpConfigurations"].as_array().unwrap().len(),
        30
    );
    assert!(
        ls["login"].is_object(),
        "login is an object even though the v2 schema says array"
    );
    let ext = &ls["extensions"][0];
    assert_eq!(ext["typeHandlerVersion"], "2.0");
    assert_eq!(ext["autoUpgradeMinorVersion"], true);
    assert!(ext.get("apiVersion").is_none() && ext.get("publicSettings").is_none());
    assert!(ext["protectedSettings"]["commandToExecute"].is_string());
    assert!(ls.get("loadBalancersConfig").is_none());
    assert!(ls.get("vmNamePrefix").is_none());
    assert!(has_warning(
        &m,
        "loadBalancerBackendAddressPools[0].id",
        "no Azure load balancer type"
    ));
    assert!(has_warning(
        &m,
        "osProfile.computerNamePrefix",
        "no VM name prefix"
    ));
    assert!(ls.get("osDisk").is_none());
    assert!(
        !has_warning(&m, "osDisk", "") && !has_warning(&m, "enableAcceleratedNetworking", ""),
        "the derived disk tier and accelerated networking are not v2 warnings: {:#?}",
        m.warnings
    );
    assert_eq!(m.warnings.len(), 2, "{:#?}", m.warnings);
    assert_valid(&m, ApiGeneration::V2);
}

#[test]
fn custom_vnet_in_another_resource_group_with_nsg() {
    let mut vmss = simple_vmss();
    let subnet = format!(
        "/subscriptions/{SUB}/RESOURCEGROUPS/network-rg/providers/microsoft.network/virtualnetworks/custom-vnet/SUBNETS/agent-subnet"
    );
    for ipc in nic(&mut vmss)["ipConfigurations"].as_array_mut().unwrap() {
        ipc["properties"]["subnet"]["id"] = json!(subnet);
    }
    nic(&mut vmss)["networkSecurityGroup"] = json!({"id": format!(
        "/subscriptions/{SUB}/resourceGroups/spotaksimple/providers/Microsoft.Network/networkSecurityGroups/k8s-master-78258974-nsg")});
    let m = map_ok(&vmss, ApiGeneration::V3);
    let net = &launch(&m)["network"];
    assert_eq!(net["resourceGroupName"], "network-rg");
    assert_eq!(net["virtualNetworkName"], "custom-vnet");
    assert_eq!(net["networkInterfaces"][0]["subnetName"], "agent-subnet");
    assert_eq!(
        net["networkInterfaces"][0]["securityGroup"],
        json!({"name": "k8s-master-78258974-nsg", "resourceGroupName": "spotaksimple"})
    );
    assert_eq!(
        m.body["group"]["resourceGroupName"], "spotaksimple",
        "the group stays in the target RG"
    );
    assert_valid(&m, ApiGeneration::V3);

    let m = map_ok(&vmss, ApiGeneration::V2);
    assert_eq!(launch(&m)["network"]["resourceGroupName"], "network-rg");
    assert_eq!(launch(&m)["network"]["subnetName"], "agent-subnet");
    assert!(has_warning(
        &m,
        "networkSecurityGroup.id",
        "k8s-master-78258974-nsg"
    ));
    assert_valid(&m, ApiGeneration::V2);
}

#[test]
fn custom_managed_image() {
    let mut vmss = simple_vmss();
    vmp(&mut vmss)["storageProfile"]["imageReference"] = json!({"id": format!("/subscriptions/{SUB}/resourceGroups/images-rg/providers/Microsoft.Compute/images/aks-custom-1604")});
    let m = map_ok(&vmss, ApiGeneration::V3);
    assert_eq!(
        launch(&m)["image"],
        json!({"custom": {"resourceGroupName": "images-rg", "name": "aks-custom-1604"}})
    );
    assert_valid(&m, ApiGeneration::V3);
    let m = map_ok(&vmss, ApiGeneration::V2);
    assert_eq!(
        launch(&m)["image"],
        json!({"custom": {"resourceGroupName": "images-rg", "imageName": "aks-custom-1604"}})
    );
    assert_valid(&m, ApiGeneration::V2);
}

#[test]
fn shared_gallery_image_is_v3_only() {
    let mut vmss = simple_vmss();
    vmp(&mut vmss)["storageProfile"]["imageReference"] = json!({"id": format!(
        "/subscriptions/{SUB}/resourceGroups/gal-rg/providers/Microsoft.Compute/galleries/myGallery/images/aks-node/versions/1.2.3")});
    let m = map_ok(&vmss, ApiGeneration::V3);
    assert_eq!(
        launch(&m)["image"],
        json!({"gallery": {"resourceGroupName": "gal-rg", "galleryName": "myGallery", "imageName": "aks-node", "version": "1.2.3"}})
    );
    assert_valid(&m, ApiGeneration::V3);
    let err = map(&vmss, ApiGeneration::V2).unwrap_err();
    assert_eq!(
        err.path(),
        Some("properties.virtualMachineProfile.storageProfile.imageReference.id")
    );
    assert!(matches!(err.kind, MappingErrorKind::Unsupported { .. }));
    assert!(
        err.to_string().contains("agentpool1") && err.to_string().contains("v2"),
        "{err}"
    );

    // Without a version: "latest", with a warning.
    vmp(&mut vmss)["storageProfile"]["imageReference"]["id"] = json!(format!(
        "/subscriptions/{SUB}/resourceGroups/gal-rg/providers/Microsoft.Compute/galleries/g/images/i"
    ));
    let m = map_ok(&vmss, ApiGeneration::V3);
    assert_eq!(launch(&m)["image"]["gallery"]["version"], "latest");
    assert!(has_warning(&m, "imageReference.id", "latest"));
}

#[test]
fn marketplace_image_always_sends_a_version() {
    let mut vmss = simple_vmss();
    vmp(&mut vmss)["storageProfile"]["imageReference"]
        .as_object_mut()
        .unwrap()
        .remove("version");
    for g in both() {
        let m = map_ok(&vmss, g);
        assert_eq!(launch(&m)["image"]["marketplace"]["version"], "latest");
        assert!(has_warning(&m, "imageReference.version", "latest"));
    }
}

#[test]
fn node_public_ip() {
    let mut vmss = simple_vmss();
    nic(&mut vmss)["ipConfigurations"][0]["properties"]["publicIPAddressConfiguration"] =
        json!({"name": "pub1", "properties": {"idleTimeoutInMinutes": 30}});
    let m = map_ok(&vmss, ApiGeneration::V3);
    let nic3 = &launch(&m)["network"]["networkInterfaces"][0];
    assert_eq!(nic3["assignPublicIp"], true);
    // v3 requires publicIpSku with assignPublicIp; the NIC is in the Standard agent LB's pool.
    assert_eq!(nic3["publicIpSku"], "STANDARD");
    assert!(has_warning(
        &m,
        "ipConfigurations[0].properties.publicIPAddressConfiguration",
        "sending STANDARD"
    ));
    assert!(has_warning(
        &m,
        "publicIPAddressConfiguration.properties",
        "idleTimeoutInMinutes"
    ));
    assert_valid(&m, ApiGeneration::V3);
    let m = map_ok(&vmss, ApiGeneration::V2);
    assert_eq!(launch(&m)["network"]["assignPublicIp"], true);
    assert!(launch(&m)["network"].get("publicIpSku").is_none());
    assert_valid(&m, ApiGeneration::V2);

    // Outside a load balancer: Azure's default, BASIC, without a warning.
    nic(&mut vmss)["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] =
        json!([]);
    let m = map_ok(&vmss, ApiGeneration::V3);
    assert_eq!(
        launch(&m)["network"]["networkInterfaces"][0]["publicIpSku"],
        "BASIC"
    );
    assert!(!has_warning(&m, "", "sending STANDARD"));

    // An explicit SKU is sent in the API's upper case.
    nic(&mut vmss)["ipConfigurations"][0]["properties"]["publicIPAddressConfiguration"]["sku"] =
        json!({"name": "Standard"});
    let m = map_ok(&vmss, ApiGeneration::V3);
    assert_eq!(
        launch(&m)["network"]["networkInterfaces"][0]["publicIpSku"],
        "STANDARD"
    );
    assert_valid(&m, ApiGeneration::V3);
}

#[test]
fn ip_forwarding_kubenet_style() {
    let mut vmss = simple_vmss();
    let n = nic(&mut vmss);
    n["enableIPForwarding"] = json!(true);
    n["ipConfigurations"].as_array_mut().unwrap().truncate(1);
    n["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] = json!([]);
    let m = map_ok(&vmss, ApiGeneration::V3);
    let nic3 = &launch(&m)["network"]["networkInterfaces"][0];
    assert_eq!(nic3["enableIPForwarding"], true);
    assert!(nic3.get("additionalIpConfigurations").is_none());
    assert!(launch(&m).get("loadBalancersConfig").is_none());
    assert_valid(&m, ApiGeneration::V3);
    let m = map_ok(&vmss, ApiGeneration::V2);
    assert!(has_warning(&m, "enableIPForwarding", "IP forwarding"));
    assert!(
        launch(&m)["network"]
            .get("additionalIpConfigurations")
            .is_none()
    );
}

#[test]
fn user_assigned_identity() {
    let mut vmss = simple_vmss();
    vmss["identity"] = json!({"type": "UserAssigned", "userAssignedIdentities": {
        format!("/subscriptions/{SUB}/resourcegroups/spotaksmsi/providers/Microsoft.ManagedIdentity/userAssignedIdentities/spotaksmsi-identity"): {}
    }});
    for g in both() {
        let m = map_ok(&vmss, g);
        assert_eq!(
            launch(&m)["managedServiceIdentities"],
            json!([{"resourceGroupName": "spotaksmsi", "name": "spotaksmsi-identity"}])
        );
        assert!(!has_warning(&m, "identity", ""));
        assert_valid(&m, g);
    }
    vmss["identity"]["userAssignedIdentities"] = json!({"not-an-id": {}});
    let err = map(&vmss, ApiGeneration::V3).unwrap_err();
    assert_eq!(err.path(), Some("identity.userAssignedIdentities"));
    assert!(err.to_string().contains("not-an-id"));
}

#[test]
fn system_assigned_identity_is_a_warning() {
    let mut vmss = simple_vmss();
    vmss["identity"] = json!({"type": "SystemAssigned"});
    for g in both() {
        let m = map_ok(&vmss, g);
        assert!(has_warning(&m, "identity.type", "system-assigned"));
        assert!(launch(&m).get("managedServiceIdentities").is_none());
    }
}

#[test]
fn zones() {
    let mut vmss = simple_vmss();
    vmss["zones"] = json!(["1", "2"]);
    let m = map_ok(&vmss, ApiGeneration::V3);
    assert_eq!(m.body["group"]["compute"]["zones"], json!(["1", "2"]));
    assert_valid(&m, ApiGeneration::V3);
    let m = map_ok(&vmss, ApiGeneration::V2);
    assert!(m.body["group"]["compute"].get("zones").is_none());
    assert!(has_warning(&m, "zones", "no availability zones"));
}

#[test]
fn os_and_data_disks() {
    let mut vmss = simple_vmss();
    let sp = &mut vmp(&mut vmss)["storageProfile"];
    sp["osDisk"]["diskSizeGB"] = json!(128);
    sp["osDisk"]["managedDisk"] = json!({"storageAccountType": "Premium_LRS"});
    sp["dataDisks"] = json!([
        {"lun": 0, "diskSizeGB": 256, "createOption": "Empty", "managedDisk": {"storageAccountType": "Premium_LRS"}},
        {"lun": 1, "diskSizeGB": 64, "createOption": "Empty"}
    ]);
    let m = map_ok(&vmss, ApiGeneration::V3);
    assert_eq!(
        launch(&m)["osDisk"],
        json!({"sizeGB": 128, "type": "Premium_LRS"})
    );
    assert_eq!(
        launch(&m)["dataDisks"],
        json!([{"lun": 0, "sizeGB": 256, "type": "Premium_LRS"}, {"lun": 1, "sizeGB": 64, "type": "Standard_LRS"}])
    );
    assert!(
        !has_warning(&m, "storageAccountType", ""),
        "a missing type takes the size's tier silently"
    );
    assert_valid(&m, ApiGeneration::V3);
    let m = map_ok(&vmss, ApiGeneration::V2);
    assert!(has_warning(&m, "storageProfile.osDisk", "OS disk"));
    assert!(has_warning(
        &m,
        "storageProfile.dataDisks",
        "2 data disk(s)"
    ));
    assert_valid(&m, ApiGeneration::V2);
}

#[test]
fn ephemeral_os_disk_is_a_warning() {
    // As in the ephemeral-os-disk fixture: Standard_D4s_v3, 50 GB.
    let mut vmss = simple_vmss();
    vmss["sku"]["name"] = json!("Standard_D4s_v3");
    vmp(&mut vmss)["storageProfile"]["osDisk"] = json!({"caching": "ReadOnly", "createOption": "FromImage", "diffDiskSettings": {"option": "Local"}, "diskSizeGB": 50});
    let m = map_ok(&vmss, ApiGeneration::V3);
    assert!(has_warning(&m, "osDisk.diffDiskSettings", "ephemeral"));
    assert_eq!(
        launch(&m)["osDisk"],
        json!({"type": "Premium_LRS", "sizeGB": 50})
    );
    assert_valid(&m, ApiGeneration::V3);
}

#[test]
fn disks_without_a_type_get_the_aks_engine_tier_of_the_size() {
    let mut vmss = simple_vmss();
    vmss["sku"]["name"] = json!("Standard_F8s_v2");
    vmp(&mut vmss)["storageProfile"]["osDisk"]["diskSizeGB"] = json!(128);
    vmp(&mut vmss)["storageProfile"]["dataDisks"] =
        json!([{"lun": 0, "diskSizeGB": 64, "createOption": "Empty"}]);
    let m = map_ok(&vmss, ApiGeneration::V3);
    assert_eq!(
        launch(&m)["osDisk"],
        json!({"type": "Premium_LRS", "sizeGB": 128})
    );
    assert_eq!(launch(&m)["dataDisks"][0]["type"], "Premium_LRS");
    assert!(
        !has_warning(&m, "Disk", ""),
        "no warnings: {:#?}",
        m.warnings
    );
    assert_valid(&m, ApiGeneration::V3);

    // A size without a capability part: Standard_LRS, with a warning.
    vmss["sku"]["name"] = json!("custom");
    let m = map_ok(&vmss, ApiGeneration::V3);
    assert_eq!(launch(&m)["osDisk"]["type"], "Standard_LRS");
    assert!(has_warning(&m, "sku.name", "Standard_LRS"));
}

/// Cross-checks the disk tier against the `storagetier=` node label aks-engine wrote into every
/// pool's customData in the real fixtures (the VM size comes from the parameters file).
#[test]
fn disk_tier_matches_the_storagetier_label_of_every_fixture_pool() {
    let cases = test_fixtures::aks_engine_cases(
        "disk_tier_matches_the_storagetier_label_of_every_fixture_pool",
    );
    let fixtures_present = !cases.is_empty();
    let mut checked = 0;
    for (case, dir) in cases {
        let read = |f: &str| -> Value {
            serde_json::from_slice(&std::fs::read(dir.join(f)).unwrap())
                .unwrap_or_else(|e| panic!("{case}/{f}: {e}"))
        };
        let template = read("azuredeploy.json");
        let params = read("azuredeploy.parameters.json");
        let scale_sets = template["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["type"] == "Microsoft.Compute/virtualMachineScaleSets");
        for r in scale_sets {
            let pool = r["tags"]["poolName"].as_str().unwrap();
            let custom_data = r["properties"]["virtualMachineProfile"]["osProfile"]["customData"]
                .as_str()
                .unwrap();
            let Some(label) = custom_data
                .split("storagetier=")
                .nth(1)
                .and_then(|rest| rest.split(',').next())
            else {
                continue; // ephemeral OS disks carry no storagetier label
            };
            let size = params["parameters"][format!("{pool}VMSize")]["value"]
                .as_str()
                .unwrap_or_else(|| panic!("{case}: no {pool}VMSize"));
            let mut vmss = simple_vmss();
            vmss["sku"]["name"] = json!(size);
            let m = map_ok(&vmss, ApiGeneration::V3);
            assert_eq!(
                launch(&m)["osDisk"]["type"],
                label,
                "{case}/{pool} ({size})"
            );
            checked += 1;
        }
    }
    if fixtures_present {
        assert!(checked >= 12, "only {checked} pools checked");
    }
}

#[test]
fn vm_name_prefix_respects_the_v3_limits() {
    let prefix = |p: &str| {
        let mut vmss = simple_vmss();
        vmp(&mut vmss)["osProfile"]["computerNamePrefix"] = json!(p);
        map_ok(&vmss, ApiGeneration::V3)
    };
    // aks-engine's longest Linux name (12-character pool): 30 characters; the name suffix goes.
    let m = prefix("k8s-pool12345678-78258974-vmss");
    assert_eq!(launch(&m)["vmNamePrefix"], "k8s-pool12345678-spot");
    assert_valid(&m, ApiGeneration::V3);
    // A Windows pool name is short and kept as is.
    assert_eq!(launch(&prefix("2328k8s01"))["vmNamePrefix"], "2328k8s01");
    // Exactly 25 characters is allowed.
    let exact = "a".repeat(25);
    assert_eq!(launch(&prefix(&exact))["vmNamePrefix"], exact.as_str());
    for bad in [
        "a".repeat(26),
        "k8s-a-very-long-pool-name-x-vmss".to_owned(),
        "k8s_pool".to_owned(),
        "trailing-".to_owned(),
        "78258974-vmss".to_owned(),
    ] {
        let m = prefix(&bad);
        assert!(launch(&m).get("vmNamePrefix").is_none(), "{bad}");
        assert!(
            has_warning(&m, "computerNamePrefix", "25 characters"),
            "{bad}"
        );
    }
}

#[test]
fn windows_pool_with_password() {
    let mut vmss = simple_vmss();
    let os = &mut vmp(&mut vmss)["osProfile"];
    let os_obj = os.as_object_mut().unwrap();
    os_obj.remove("linuxConfiguration");
    os_obj.insert(
        "windowsConfiguration".into(),
        json!({"enableAutomaticUpdates": false}),
    );
    os_obj.insert("adminPassword".into(), json!("FakePassw0rd!NOT-REAL"));
    os_obj.insert("computerNamePrefix".into(), json!("2328k8s01"));
    for g in both() {
        let m = map_ok(&vmss, g);
        let login = &launch(&m)["login"];
        assert_eq!(login["password"], "FakePassw0rd!NOT-REAL");
        assert!(login.get("sshPublicKey").is_none());
        let os_field = if g == ApiGeneration::V3 {
            "os"
        } else {
            "product"
        };
        assert_eq!(m.body["group"]["compute"][os_field], "Windows");
        assert_valid(&m, g);
        let printed = elastigroup::redact_secrets(&m.body).to_string();
        assert!(!printed.contains("FakePassw0rd"));
    }
    vmp(&mut vmss)["osProfile"]
        .as_object_mut()
        .unwrap()
        .remove("adminPassword");
    let err = map(&vmss, ApiGeneration::V3).unwrap_err();
    assert_eq!(
        err.path(),
        Some("properties.virtualMachineProfile.osProfile.adminPassword")
    );
}

#[test]
fn already_spot_or_low_priority_maps_with_a_note() {
    let mut vmss = simple_vmss();
    vmp(&mut vmss)["priority"] = json!("Spot");
    vmp(&mut vmss)["evictionPolicy"] = json!("Delete");
    vmp(&mut vmss)["billingProfile"] = json!({"maxPrice": 0.05});
    let m = map_ok(&vmss, ApiGeneration::V3);
    assert!(has_warning(
        &m,
        "virtualMachineProfile.priority",
        "Spot VMs (eviction policy Delete)"
    ));
    assert!(has_warning(&m, "billingProfile.maxPrice", "max price"));
    vmp(&mut vmss)["priority"] = json!("Low");
    let m = map_ok(&vmss, ApiGeneration::V2);
    assert!(has_warning(&m, "virtualMachineProfile.priority", "Low VMs"));
    assert_valid(&m, ApiGeneration::V2);
}

#[test]
fn extension_settings_map_to_v3_public_settings_and_warn_on_v2() {
    let mut vmss = simple_vmss();
    vmp(&mut vmss)["extensionProfile"]["extensions"][1]["properties"]["settings"] =
        json!({"mode": "x"});
    let m = map_ok(&vmss, ApiGeneration::V3);
    assert_eq!(
        launch(&m)["extensions"][1]["publicSettings"],
        json!({"mode": "x"})
    );
    assert_valid(&m, ApiGeneration::V3);
    let m = map_ok(&vmss, ApiGeneration::V2);
    assert!(launch(&m)["extensions"][1].get("settings").is_none());
    assert!(has_warning(
        &m,
        "extensions[1].properties.settings",
        "no public settings"
    ));
}

#[test]
fn multiple_backend_pools_are_grouped_per_load_balancer() {
    let mut vmss = simple_vmss();
    let lb = |name: &str, pool: &str| json!({"id": format!("/subscriptions/{SUB}/resourceGroups/spotaksimple/providers/Microsoft.Network/loadBalancers/{name}/backendAddressPools/{pool}")});
    nic(&mut vmss)["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] =
        json!([
            lb("lb1", "a"),
            lb("lb1", "b"),
            lb("lb2", "c"),
            lb("LB1", "a")
        ]);
    let agw = |name: &str, pool: &str| json!({"id": format!("/subscriptions/{SUB}/resourceGroups/gw-rg/providers/Microsoft.Network/applicationGateways/{name}/backendAddressPools/{pool}")});
    nic(&mut vmss)["ipConfigurations"][0]["properties"]["applicationGatewayBackendAddressPools"] =
        json!([agw("gw", "p1"), agw("gw", "p2")]);
    let m = map_ok(&vmss, ApiGeneration::V3);
    let lbs = launch(&m)["loadBalancersConfig"]["loadBalancers"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(lbs.len(), 4);
    assert_eq!(lbs[0]["name"], "lb1");
    assert_eq!(lbs[0]["backendPoolNames"], json!(["a", "b"]));
    assert_eq!(lbs[1]["backendPoolNames"], json!(["c"]));
    // "For Azure Gateway, each Backend Pool is a separate load balancer."
    assert_eq!(
        lbs[2],
        json!({"type": "applicationGateway", "resourceGroupName": "gw-rg", "name": "gw", "backendPoolNames": ["p1"]})
    );
    assert_eq!(lbs[3]["backendPoolNames"], json!(["p2"]));
    assert_valid(&m, ApiGeneration::V3);
}

#[test]
fn tags_carry_the_source_scale_set() {
    let mut vmss = simple_vmss();
    vmss["tags"] = json!({"costCenter": "cc-1234", "n": 5});
    let m = map_ok(&vmss, ApiGeneration::V3);
    assert_eq!(
        launch(&m)["tags"],
        json!([
            {"tagKey": "costCenter", "tagValue": "cc-1234"},
            {"tagKey": "n", "tagValue": "5"},
            {"tagKey": SOURCE_SCALE_SET_TAG, "tagValue": "k8s-agentpool1-78258974-vmss"}
        ])
    );
    // Azure forbids <>%&\?/ in tag keys.
    assert!(!SOURCE_SCALE_SET_TAG.chars().any(|c| "<>%&\\?/".contains(c)));
}

#[test]
fn missing_required_inputs_name_the_json_path() {
    type Mutation = fn(&mut Value);
    let cases: Vec<(Mutation, &str)> = vec![
        (
            |v| {
                nic(v)["ipConfigurations"][0]["properties"]
                    .as_object_mut()
                    .unwrap()
                    .remove("subnet");
            },
            "properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations[0].properties.ipConfigurations[0].properties.subnet.id",
        ),
        (
            |v| {
                vmp(v)["storageProfile"]
                    .as_object_mut()
                    .unwrap()
                    .remove("imageReference");
            },
            "properties.virtualMachineProfile.storageProfile.imageReference",
        ),
        (
            |v| {
                v["sku"].as_object_mut().unwrap().remove("name");
            },
            "sku.name",
        ),
        (
            |v| {
                v.as_object_mut().unwrap().remove("location");
            },
            "location",
        ),
        (
            |v| {
                vmp(v)["osProfile"]
                    .as_object_mut()
                    .unwrap()
                    .remove("adminUsername");
            },
            "properties.virtualMachineProfile.osProfile.adminUsername",
        ),
        (
            |v| {
                vmp(v)["osProfile"]["linuxConfiguration"]["ssh"]["publicKeys"] = json!([]);
            },
            "properties.virtualMachineProfile.osProfile.linuxConfiguration.ssh.publicKeys",
        ),
        (
            |v| {
                vmp(v)["networkProfile"]["networkInterfaceConfigurations"] = json!([]);
            },
            "properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations",
        ),
    ];
    for (mutate, path) in cases {
        let mut vmss = simple_vmss();
        mutate(&mut vmss);
        for g in both() {
            let err = map(&vmss, g).unwrap_err();
            assert_eq!(err.path(), Some(path), "{err}");
            assert!(
                matches!(err.kind, MappingErrorKind::Missing { .. }),
                "{err}"
            );
            assert!(err.to_string().contains(path));
        }
    }
}

#[test]
fn malformed_subnet_id_and_wrong_resource_type_are_errors() {
    let mut vmss = simple_vmss();
    nic(&mut vmss)["ipConfigurations"][0]["properties"]["subnet"]["id"] = json!("k8s-subnet");
    let err = map(&vmss, ApiGeneration::V3).unwrap_err();
    assert!(
        matches!(err.kind, MappingErrorKind::BadResourceId { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("a subnet id"));

    let mut vmss = simple_vmss();
    vmss["type"] = json!("Microsoft.Compute/virtualMachines");
    let err = map(&vmss, ApiGeneration::V3).unwrap_err();
    assert!(matches!(err.kind, MappingErrorKind::NotAScaleSet { .. }));

    let mut vmss = simple_vmss();
    vmss["sku"]["capacity"] = json!("many");
    let err = map(&vmss, ApiGeneration::V3).unwrap_err();
    assert!(matches!(err.kind, MappingErrorKind::WrongType { .. }));
    assert_eq!(err.path(), Some("sku.capacity"));
}

#[test]
fn errors_never_contain_secret_values() {
    let mut vmss = simple_vmss();
    vmp(&mut vmss)["osProfile"]["customData"] = json!(12345678);
    let err = map(&vmss, ApiGeneration::V3).unwrap_err();
    assert!(!err.to_string().contains("12345678"), "{err}");
    assert!(!format!("{err:?}").contains("12345678"));
}

#[test]
fn secondary_nics_and_extra_ssh_keys_are_warnings() {
    let mut vmss = simple_vmss();
    let nics = vmp(&mut vmss)["networkProfile"]["networkInterfaceConfigurations"]
        .as_array_mut()
        .unwrap();
    let mut second = nics[0].clone();
    second["properties"]["primary"] = json!(false);
    nics.insert(0, second);
    vmp(&mut vmss)["osProfile"]["linuxConfiguration"]["ssh"]["publicKeys"]
        .as_array_mut()
        .unwrap()
        .push(json!({"keyData": "ssh-rsa BBBB second", "path": "/home/azureuser/.ssh/authorized_keys"}));
    let m = map_ok(&vmss, ApiGeneration::V3);
    assert!(has_warning(
        &m,
        "networkInterfaceConfigurations[0]",
        "only the primary network interface"
    ));
    assert!(has_warning(&m, "ssh.publicKeys", "only the first"));
    assert!(
        launch(&m)["login"]["sshPublicKey"]
            .as_str()
            .unwrap()
            .starts_with("ssh-rsa AAAA")
    );
}

#[test]
fn warnings_display_path_and_message() {
    let m = map_ok(&simple_vmss(), ApiGeneration::V2);
    let text = m
        .warnings
        .iter()
        .find(|w| w.path.ends_with("computerNamePrefix"))
        .unwrap()
        .to_string();
    assert_eq!(
        text,
        "properties.virtualMachineProfile.osProfile.computerNamePrefix: v2 has no VM name prefix: Spot names the VMs"
    );
}

#[test]
fn debug_output_and_redaction_hide_secrets() {
    let vmss = simple_vmss();
    let m = map_ok(&vmss, ApiGeneration::V3);
    let custom_data = vmss["properties"]["virtualMachineProfile"]["osProfile"]["customData"]
        .as_str()
        .unwrap();
    assert!(
        m.body.to_string().contains("NOT-REAL"),
        "the body itself keeps the secrets for the API"
    );
    for shown in [
        format!("{m:?}"),
        elastigroup::redact_secrets(&m.body).to_string(),
        format!(
            "{:?}",
            elastigroup::PoolInput {
                pool_name: "p",
                cluster_name: "c",
                cluster_identifier: "c",
                resource_group: "r",
                scale_set: &vmss,
                vm_sizes: None,
            }
        ),
    ] {
        assert!(!shown.contains("NOT-REAL"), "{shown}");
        assert!(!shown.contains(custom_data));
        assert!(shown.contains("pass --show-secrets to show"));
    }
    let red = elastigroup::redact_secrets(&m.body);
    assert_eq!(
        red["group"]["compute"]["launchSpecification"]["customData"],
        format!(
            "<redacted: {} bytes; pass --show-secrets to show>",
            custom_data.len()
        )
    );
}

#[test]
fn supplied_vm_sizes_replace_the_scale_set_size_in_both_pools() {
    let vmss = simple_vmss();
    let sizes = elastigroup::VmSizes {
        spot: vec!["standard_d4_v2".into(), "standard_d2_v2".into()],
        on_demand: vec!["standard_d2_v2".into()],
        preferred: vec![],
    };
    let input = |generation| map_sized(&vmss, Some(&sizes), generation).unwrap();
    let v3 = input(ApiGeneration::V3);
    assert_eq!(
        v3.body["group"]["compute"]["vmSizes"],
        json!({"odSizes": ["standard_d2_v2"], "spotSizes": ["standard_d4_v2", "standard_d2_v2"]})
    );
    let v2 = input(ApiGeneration::V2);
    assert_eq!(
        v2.body["group"]["compute"]["vmSizes"],
        json!({"odSizes": ["standard_d2_v2"], "lowPrioritySizes": ["standard_d4_v2", "standard_d2_v2"]})
    );
    // Without sizes, both pools get the scale set's own size.
    let own = map_ok(&vmss, ApiGeneration::V3);
    assert_eq!(
        own.body["group"]["compute"]["vmSizes"],
        json!({"odSizes": ["standard_d2_v2"], "spotSizes": ["standard_d2_v2"]})
    );
}

#[test]
fn preferred_spot_sizes_are_written_for_v3_only_and_only_from_the_spot_list() {
    let vmss = simple_vmss();
    let sizes = elastigroup::VmSizes {
        spot: vec![
            "standard_d2_v2".into(),
            "standard_d4_v2".into(),
            "standard_ds2_v2".into(),
        ],
        on_demand: vec!["standard_d2_v2".into()],
        preferred: vec![
            "standard_ds2_v2".into(),
            "standard_e2_v3".into(),
            "standard_d2_v2".into(),
        ],
    };
    let map = |generation| map_sized(&vmss, Some(&sizes), generation).unwrap();
    let v3 = map(ApiGeneration::V3);
    assert_eq!(
        v3.body["group"]["compute"]["vmSizes"]["preferredSpotSizes"],
        json!(["standard_ds2_v2", "standard_d2_v2"]),
        "a size not in spotSizes is dropped"
    );
    assert_valid(&v3, ApiGeneration::V3);
    let v2 = map(ApiGeneration::V2);
    assert!(
        v2.body["group"]["compute"]["vmSizes"]
            .get("preferredSpotSizes")
            .is_none()
    );
}

#[test]
fn the_node_spec_carries_what_decides_compatible_sizes() {
    let m = map_ok(&simple_vmss(), ApiGeneration::V3);
    assert_eq!(
        m.node,
        elastigroup::NodeSpec {
            location: "eastus".into(),
            vm_size: "standard_d2_v2".into(),
            zones: vec![],
            os_disk_type: "Standard_LRS".into(),
            accelerated_networking: true,
        }
    );

    let mut vmss = simple_vmss();
    vmss["sku"]["name"] = json!("Standard_D2s_v3");
    vmss["zones"] = json!(["1", 2]);
    nic(&mut vmss)["enableAcceleratedNetworking"] = json!(false);
    for generation in both() {
        let node = map_ok(&vmss, generation).node;
        assert_eq!(node.vm_size, "standard_d2s_v3");
        assert_eq!(node.zones, ["1", "2"]);
        assert_eq!(
            node.os_disk_type, "Premium_LRS",
            "aks-engine's tier for an s size"
        );
        assert!(!node.accelerated_networking);
    }
}
