//! Corpus test over the real aks-engine v0.46.3 outputs in `shared/fixtures/aks-engine`:
//! every expression parses, every VMSS evaluates completely (except the user-assigned-MSI
//! case's deploy-time `reference()`), and concrete values match what ARM would produce.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use arm_template::{
    DEPLOY_TIME_MARKER_OPEN, DeployTimePolicy, EvalErrorKind, is_expression, parse_expression,
};
use base64::Engine as _;
use common::{Case, SUBSCRIPTION, visit_strings};
use serde_json::Value as Json;

#[test]
fn every_expression_in_every_template_parses() {
    let cases = common::cases("every_expression_in_every_template_parses");
    let mut count = 0;
    for case in &cases {
        visit_strings(&case.template_json, "", &mut |path, s| {
            if is_expression(s) {
                count += 1;
                if let Err(e) = parse_expression(s) {
                    panic!("{}: {path}: {e}", case.name);
                }
            }
        });
    }
    if !cases.is_empty() {
        assert!(count > 4000, "only {count} expressions found");
    }
}

fn assert_fully_evaluated(case: &str, v: &Json) {
    visit_strings(v, "", &mut |path, s| {
        assert!(
            !is_expression(s),
            "{case}: unevaluated expression left at {path}: {s}"
        );
    });
}

const MSI_CLIENT_ID: &str = "reference(concat('Microsoft.ManagedIdentity/userAssignedIdentities/', variables('userAssignedID')), '2018-11-30').clientId";

#[test]
fn every_vmss_evaluates_completely() {
    let cases = common::cases("every_vmss_evaluates_completely");
    for case in &cases {
        let deployment = case.deployment();
        let indexes = case.vmss_indexes();
        if case.name != "availability-set" {
            assert!(!indexes.is_empty(), "{}: no VMSS", case.name);
        }
        for i in indexes {
            let result = deployment.evaluate_resource(i);
            if case.name == "msi" {
                match result
                    .as_ref()
                    .map_err(|e| (e.kind(), e.expression(), e.json_path()))
                {
                    Err((EvalErrorKind::DeployTime { function }, Some(expression), json_path)) => {
                        assert_eq!(function, "reference");
                        assert_eq!(expression, MSI_CLIENT_ID);
                        assert_eq!(
                            json_path,
                            format!(
                                "resources[{i}].properties.virtualMachineProfile.extensionProfile.extensions[0].properties.protectedSettings.commandToExecute"
                            )
                        );
                    }
                    other => panic!("msi: expected a DeployTime error, got {other:?}"),
                }
                continue;
            }
            let evaluated = result.unwrap_or_else(|e| panic!("{}: resources[{i}]: {e}", case.name));
            assert_eq!(evaluated.len(), 1);
            assert!(evaluated[0].deferred.is_empty());
            assert_fully_evaluated(&case.name, &evaluated[0].value);
        }
    }
}

#[test]
fn msi_vmss_marks_the_deploy_time_client_id() {
    let Some(case) = common::case("msi_vmss_marks_the_deploy_time_client_id", "msi") else {
        return;
    };
    let deployment = case
        .deployment()
        .with_deploy_time_policy(DeployTimePolicy::Mark);
    let i = case.vmss_indexes()[0];
    let evaluated = deployment.evaluate_resource(i).unwrap();
    let vmss = &evaluated[0];
    let command = vmss.value["properties"]["virtualMachineProfile"]["extensionProfile"]["extensions"][0]["properties"]
        ["protectedSettings"]["commandToExecute"]
        .as_str()
        .unwrap();
    assert!(command.contains(&format!(
        "USER_ASSIGNED_IDENTITY_ID={DEPLOY_TIME_MARKER_OPEN}{MSI_CLIENT_ID}>> "
    )));
    assert_eq!(vmss.deferred.len(), 1, "{:?}", vmss.deferred);
    assert_eq!(vmss.deferred[0].expression, MSI_CLIENT_ID);
    assert!(
        vmss.deferred[0]
            .json_path
            .ends_with("protectedSettings.commandToExecute")
    );
    // The identity key was an expression and evaluates to the identity's resource id.
    let identities = vmss.value["identity"]["userAssignedIdentities"]
        .as_object()
        .unwrap();
    let key = identities.keys().next().unwrap();
    assert_eq!(
        key,
        &format!(
            "/subscriptions/{SUBSCRIPTION}/resourceGroups/{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/spotaksmsi-identity",
            case.dns_prefix()
        )
    );
    assert_fully_evaluated("msi", &vmss.value);
}

fn simple() -> Option<Case> {
    common::case("azurenet_simple", "azurenet-simple")
}

#[test]
fn azurenet_simple_vmss_has_the_expected_values() {
    let Some(case) = simple() else { return };
    let deployment = case.deployment();
    let i = case.vmss_indexes()[0];
    let vmss = &deployment.evaluate_resource(i).unwrap()[0].value;
    let rg = case.dns_prefix();
    assert_eq!(vmss["name"], "k8s-agentpool1-78258974-vmss");
    assert_eq!(vmss["location"], "eastus");
    assert_eq!(vmss["apiVersion"], "2019-07-01");
    assert_eq!(vmss["sku"]["name"], "Standard_D2_v2");
    assert_eq!(vmss["sku"]["capacity"], 1);
    assert_eq!(
        vmss["tags"]["creationSource"],
        "aksengine-k8s-agentpool1-78258974-vmss"
    );
    assert_eq!(vmss["tags"]["orchestrator"], "Kubernetes:1.16.4");
    let profile = &vmss["properties"]["virtualMachineProfile"];
    assert_eq!(
        profile["storageProfile"]["dataDisks"],
        Json::Null,
        "JSON null is kept"
    );
    assert_eq!(
        profile["storageProfile"]["imageReference"]["sku"],
        "aks-ubuntu-1604-202001"
    );
    let ip = &profile["networkProfile"]["networkInterfaceConfigurations"][0]["properties"]["ipConfigurations"]
        [0]["properties"];
    assert_eq!(
        ip["subnet"]["id"],
        format!(
            "/subscriptions/{SUBSCRIPTION}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/k8s-vnet-78258974/subnets/k8s-subnet"
        )
    );
    assert_eq!(
        ip["loadBalancerBackendAddressPools"][0]["id"],
        format!(
            "/subscriptions/{SUBSCRIPTION}/resourceGroups/{rg}/providers/Microsoft.Network/loadBalancers/{rg}/backendAddressPools/{rg}"
        )
    );
    let custom_data = profile["osProfile"]["customData"].as_str().unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(custom_data)
        .unwrap();
    let text = String::from_utf8(decoded).unwrap();
    assert!(text.starts_with("#cloud-config"), "{}", &text[..40]);
    assert!(text.contains(&format!("kubernetes.azure.com/cluster={rg}")));
    assert_eq!(profile["osProfile"]["adminUsername"], "azureuser");
}

#[test]
fn azurenet_simple_whole_template_and_outputs() {
    let Some(case) = simple() else { return };
    let deployment = case
        .deployment()
        .with_deploy_time_policy(DeployTimePolicy::Mark);
    let resources = deployment.resources().unwrap();
    // Master copy loops expand (1 master) and nothing is left unevaluated.
    assert!(resources.len() >= case.template.resources_raw().len() - 1);
    for r in &resources {
        assert_fully_evaluated(&case.name, &r.value);
    }
    let outputs = deployment.outputs().unwrap();
    assert_eq!(
        outputs["primaryScaleSetName"],
        "k8s-agentpool1-78258974-vmss"
    );
    assert!(
        outputs["masterFQDN"]
            .as_str()
            .unwrap()
            .starts_with(DEPLOY_TIME_MARKER_OPEN)
    );
    // Under Fail, the masterFQDN output needs reference().
    let failing = case.deployment();
    assert!(matches!(
        failing.outputs(),
        Err(e) if matches!(e.kind(), EvalErrorKind::DeployTime { .. })
    ));
}

#[test]
fn every_case_binds_parameters_and_evaluates_all_resources_when_marking() {
    for case in
        common::cases("every_case_binds_parameters_and_evaluates_all_resources_when_marking")
    {
        let deployment = case
            .deployment()
            .with_deploy_time_policy(DeployTimePolicy::Mark);
        let resources = deployment
            .resources()
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        for r in &resources {
            assert_fully_evaluated(&case.name, &r.value);
        }
        deployment
            .outputs()
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    }
}

#[test]
fn custom_vnet_subnet_comes_from_the_parameters_file() {
    let Some(case) = common::case("custom_vnet", "custom-vnet") else {
        return;
    };
    let deployment = case.deployment();
    let vmss = &deployment
        .evaluate_resource(case.vmss_indexes()[0])
        .unwrap()[0]
        .value;
    let subnet = &vmss["properties"]["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"]
        [0]["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"];
    assert_eq!(
        subnet,
        &case.parameters_json["parameters"]["agentpool1VnetSubnetID"]["value"]
    );
}

#[test]
fn multi_pool_has_three_zoned_pools() {
    let Some(case) = common::case("multi_pool", "multi-pool") else {
        return;
    };
    let deployment = case.deployment();
    let names: Vec<String> = case
        .vmss_indexes()
        .into_iter()
        .map(|i| {
            deployment.evaluate_resource(i).unwrap()[0].value["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(names.len(), 3);
    assert!(
        names
            .iter()
            .all(|n| n.starts_with("k8s-") && n.ends_with("-vmss")),
        "{names:?}"
    );
}
