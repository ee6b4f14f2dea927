//! `import --dry-run` over every real aks-engine output in ../shared/fixtures/aks-engine:
//! a snapshot of the output plus what each case must show.

use base64::Engine;
use serde_json::Value;

use crate::common::{SUBSCRIPTION, bin, strings};

struct Case {
    name: String,
    dir: std::path::PathBuf,
    dns_prefix: String,
}

fn cases() -> Vec<Case> {
    test_fixtures::aks_engine_cases("dry_run_corpus")
        .into_iter()
        .map(|(name, dir)| {
            let model: Value =
                serde_json::from_slice(&std::fs::read(dir.join("apimodel.json")).unwrap()).unwrap();
            let dns_prefix = model["properties"]["masterProfile"]["dnsPrefix"]
                .as_str()
                .unwrap()
                .to_string();
            Case {
                name,
                dir,
                dns_prefix,
            }
        })
        .collect()
}

/// Runs `import --dry-run` and returns (exit ok, stdout, stderr).
fn dry_run(case: &Case, extra: &[&str]) -> (bool, String, String) {
    let out = bin()
        .args(["import", "--dry-run", "-s", SUBSCRIPTION, "-o"])
        .arg(&case.dir)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The groups in a dry-run output (one object, or an array for several pools).
fn groups(stdout: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{stdout}"));
    match v {
        Value::Array(a) => a.into_iter().map(|b| b["group"].clone()).collect(),
        b => vec![b["group"].clone()],
    }
}

fn pools(case: &Case) -> Vec<Value> {
    let model: Value =
        serde_json::from_slice(&std::fs::read(case.dir.join("apimodel.json")).unwrap()).unwrap();
    model["properties"]["agentPoolProfiles"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn every_case_dry_runs_to_fully_evaluated_valid_groups_in_both_generations() {
    for case in cases() {
        for api in ["v3", "v2"] {
            let (ok, stdout, stderr) =
                dry_run(&case, &["--elastigroup-api", api, "--show-secrets"]);
            if case.name == "availability-set" {
                assert!(!ok, "{}: availability-set must be refused", case.name);
                assert!(
                    stdout.is_empty(),
                    "{}: nothing on stdout when refused",
                    case.name
                );
                assert!(
                    stderr.contains("availabilityProfile AvailabilitySet"),
                    "{}: {stderr}",
                    case.name
                );
                continue;
            }
            assert!(ok, "{} ({api}) failed:\n{stderr}", case.name);
            let groups = groups(&stdout);
            let scale_set_pools: Vec<Value> = pools(&case);
            assert_eq!(
                groups.len(),
                scale_set_pools.len(),
                "{}: one group per pool",
                case.name
            );
            for (group, pool) in groups.iter().zip(&scale_set_pools) {
                let mut all = Vec::new();
                strings(group, String::new(), &mut all);
                for (at, s) in &all {
                    assert!(
                        !(s.starts_with('[') && s.ends_with(']')),
                        "{} ({api}): unevaluated expression at {at}: {s}",
                        case.name
                    );
                }
                let count = pool["count"].as_u64().unwrap();
                assert_eq!(
                    group["capacity"]["target"], count,
                    "{}: target = pool count",
                    case.name
                );
                assert_eq!(
                    group["capacity"]["maximum"], count,
                    "{}: maximum = target",
                    case.name
                );
                assert_eq!(group["capacity"]["minimum"], 0, "{}", case.name);
                assert_eq!(group["region"], "eastus");
                assert_eq!(group["resourceGroupName"], case.dns_prefix.as_str());
                let size = pool["vmSize"].as_str().unwrap().to_ascii_lowercase();
                assert_eq!(
                    group["compute"]["vmSizes"]["odSizes"][0],
                    size.as_str(),
                    "{}",
                    case.name
                );
                let launch = &group["compute"]["launchSpecification"];
                // customData is the evaluated cloud-config.
                let custom = base64::engine::general_purpose::STANDARD
                    .decode(launch["customData"].as_str().expect("customData"))
                    .unwrap();
                assert!(
                    custom.starts_with(b"#cloud-config"),
                    "{}: customData",
                    case.name
                );
                assert_eq!(launch["login"]["userName"], "azureuser");
                assert!(
                    launch["login"]["sshPublicKey"]
                        .as_str()
                        .unwrap()
                        .starts_with("ssh-rsa ")
                );
                let ext_names: Vec<&str> = launch["extensions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["name"].as_str().unwrap())
                    .collect();
                assert!(
                    ext_names.contains(&"vmssCSE"),
                    "{}: {ext_names:?}",
                    case.name
                );
                assert!(
                    ext_names
                        .iter()
                        .any(|n| n.ends_with("-computeAksLinuxBilling")),
                    "{}",
                    case.name
                );
                let pool_name = pool["name"].as_str().unwrap();
                let tags = launch["tags"].as_array().unwrap();
                assert!(
                    tags.iter()
                        .any(|t| t["tagKey"] == "poolName" && t["tagValue"] == pool_name),
                    "{}: poolName tag",
                    case.name
                );
                if api == "v2" {
                    assert_eq!(
                        group["thirdPartiesIntegration"]["kubernetes"]["clusterIdentifier"],
                        case.dns_prefix.as_str()
                    );
                    assert_eq!(group["strategy"]["lowPriorityPercentage"], 100);
                } else {
                    assert_eq!(group["strategy"]["spotPercentage"], 100);
                    assert_eq!(group["strategy"]["fallbackToOd"], true);
                    let lbs = &launch["loadBalancersConfig"]["loadBalancers"];
                    assert_eq!(
                        lbs[0]["name"],
                        case.dns_prefix.as_str(),
                        "{}: agent LB",
                        case.name
                    );
                    assert_eq!(lbs[0]["backendPoolNames"][0], case.dns_prefix.as_str());
                }
            }
        }
    }
}

fn v3_group(case_name: &str) -> Option<Vec<Value>> {
    let case = cases().into_iter().find(|c| c.name == case_name)?;
    let (ok, stdout, stderr) = dry_run(&case, &["--show-secrets"]);
    assert!(ok, "{case_name}: {stderr}");
    Some(groups(&stdout))
}

#[test]
fn simple_cluster_network_image_and_subnet() {
    let Some(g) = v3_group("azurenet-simple") else {
        return;
    };
    let launch = &g[0]["compute"]["launchSpecification"];
    assert_eq!(
        launch["image"]["marketplace"],
        serde_json::json!({"publisher": "microsoft-aks", "offer": "aks", "sku": "aks-ubuntu-1604-202001", "version": "2020.01.15"})
    );
    assert_eq!(launch["network"]["virtualNetworkName"], "k8s-vnet-78258974");
    assert_eq!(launch["network"]["resourceGroupName"], "spotaksimple");
    let nic = &launch["network"]["networkInterfaces"][0];
    assert_eq!(nic["subnetName"], "k8s-subnet");
    assert_eq!(nic["isPrimary"], true);
    assert_eq!(
        nic["additionalIpConfigurations"].as_array().unwrap().len(),
        30,
        "Azure CNI: maxPods IPs"
    );
}

#[test]
fn custom_vnet_takes_subnet_from_another_resource_group() {
    let Some(g) = v3_group("custom-vnet") else {
        return;
    };
    let net = &g[0]["compute"]["launchSpecification"]["network"];
    assert_eq!(net["resourceGroupName"], "network-rg");
    assert_ne!(net["virtualNetworkName"], "");
}

#[test]
fn custom_image_maps_to_custom_image_reference() {
    let Some(g) = v3_group("custom-image-k8s117") else {
        return;
    };
    let image = &g[0]["compute"]["launchSpecification"]["image"];
    assert!(image.get("custom").is_some(), "{image}");
    assert!(image.get("marketplace").is_none());
}

#[test]
fn multi_pool_yields_one_group_per_pool_with_zones_and_disks() {
    let Some(g) = v3_group("multi-pool") else {
        return;
    };
    assert_eq!(g.len(), 3);
    assert_eq!(g[0]["compute"]["zones"], serde_json::json!(["1", "2", "3"]));
    assert_eq!(g[1]["compute"]["zones"], serde_json::json!(["1", "2"]));
    assert_eq!(g[2]["compute"]["zones"], serde_json::json!(["3"]));
    assert_eq!(
        g[0]["compute"]["launchSpecification"]["osDisk"]["sizeGB"],
        128
    );
    let tags = g[2]["compute"]["launchSpecification"]["tags"]
        .as_array()
        .unwrap();
    assert!(
        tags.iter()
            .any(|t| t["tagKey"] == "costCenter" && t["tagValue"] == "cc-1234")
    );
}

#[test]
fn ephemeral_os_disk_keeps_its_size() {
    let Some(g) = v3_group("ephemeral-os-disk") else {
        return;
    };
    assert_eq!(
        g[0]["compute"]["launchSpecification"]["osDisk"]["sizeGB"],
        50
    );
}

#[test]
fn node_public_ip_assigns_public_ips() {
    let Some(g) = v3_group("node-public-ip") else {
        return;
    };
    assert_eq!(
        g[0]["compute"]["launchSpecification"]["network"]["networkInterfaces"][0]["assignPublicIp"],
        true
    );
}

#[test]
fn user_assigned_identity_is_mapped_and_its_reference_marked() {
    let Some(case) = cases().into_iter().find(|c| c.name == "msi") else {
        return;
    };
    let (ok, stdout, stderr) = dry_run(&case, &["--show-secrets"]);
    assert!(ok, "{stderr}");
    let g = groups(&stdout);
    let launch = &g[0]["compute"]["launchSpecification"];
    assert_eq!(
        launch["managedServiceIdentities"][0]["name"],
        "spotaksmsi-identity"
    );
    let cmd = launch["extensions"][0]["protectedSettings"]["commandToExecute"]
        .as_str()
        .unwrap();
    assert!(cmd.contains("<<deploy-time: reference("), "{cmd}");
    assert!(
        stderr.contains("reference(") && stderr.contains("clientId"),
        "warning names the expression: {stderr}"
    );
}

#[test]
fn system_assigned_identity_is_a_warning() {
    let Some(case) = cases()
        .into_iter()
        .find(|c| c.name == "msi-system-assigned")
    else {
        return;
    };
    let (ok, _stdout, stderr) = dry_run(&case, &[]);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("system-assigned identity cannot be expressed"),
        "{stderr}"
    );
}

#[test]
fn secrets_are_redacted_unless_asked() {
    let Some(case) = cases().into_iter().find(|c| c.name == "azurenet-simple") else {
        return;
    };
    let (ok, stdout, stderr) = dry_run(&case, &[]);
    assert!(ok, "{stderr}");
    // The fixture's service-principal secret, read from its parameters file.
    let params: Value = serde_json::from_slice(
        &std::fs::read(case.dir.join("azuredeploy.parameters.json")).unwrap(),
    )
    .unwrap();
    let secret = params["parameters"]["servicePrincipalClientSecret"]["value"]
        .as_str()
        .unwrap();
    assert!(secret.len() > 8);
    assert!(!stdout.contains(secret) && !stderr.contains(secret));
    assert!(
        stdout.contains("--show-secrets"),
        "the marker says how to show them"
    );
    let g = groups(&stdout);
    assert!(
        g[0]["compute"]["launchSpecification"]["customData"]
            .as_str()
            .unwrap()
            .starts_with("<redacted")
    );
}

#[test]
fn dry_run_snapshots() {
    for case in cases() {
        if case.name == "pools-50" || case.name == "availability-set" {
            continue;
        }
        let (ok, stdout, stderr) = dry_run(&case, &[]);
        assert!(ok, "{}: {stderr}", case.name);
        insta::assert_snapshot!(format!("dry_run_v3__{}", case.name), stdout);
    }
}

#[test]
fn fifty_pools_yield_fifty_groups() {
    let Some(case) = cases().into_iter().find(|c| c.name == "pools-50") else {
        return;
    };
    let (ok, stdout, stderr) = dry_run(&case, &[]);
    assert!(ok, "{stderr}");
    assert_eq!(groups(&stdout).len(), 50);
}
