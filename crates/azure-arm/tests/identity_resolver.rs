//! `reference()` of the msi case's user-assigned identity, answered from ARM.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use std::sync::Arc;

use azure_arm::ArmResolver;
use common::{RG, client, server};
use test_support::arm_server::ArmServerConfig;

const CLIENT_ID: &str = "5b2e1a3c-7d4f-4e6a-9b8c-0d1e2f3a4b5c";
const PRINCIPAL_ID: &str = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";

/// The identity name and the `reference()` text of the msi fixture.
fn msi_case() -> Option<(String, String)> {
    let cases = test_fixtures::aks_engine_cases("identity_resolver");
    let (_, dir) = cases.into_iter().find(|(n, _)| n == "msi")?;
    let apimodel: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("apimodel.json")).unwrap()).unwrap();
    let name = apimodel
        .pointer("/properties/orchestratorProfile/kubernetesConfig/userAssignedID")
        .and_then(|v| v.as_str())
        .expect("msi case has a userAssignedID")
        .to_owned();
    let template = std::fs::read_to_string(dir.join("azuredeploy.json")).unwrap();
    Some((name, template))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolves_the_identity_client_id_of_the_msi_case() {
    let Some((name, template)) = msi_case() else {
        return;
    };
    // The template asks exactly this: reference(concat('Microsoft.ManagedIdentity/userAssignedIdentities/', ..), '2018-11-30').clientId
    assert!(template.contains(
        "reference(concat('Microsoft.ManagedIdentity/userAssignedIdentities/', variables('userAssignedID')), '2018-11-30').clientId"
    ));
    let s = server(ArmServerConfig::default()).await;
    s.add_identity(RG, &name, CLIENT_ID, PRINCIPAL_ID);
    let resolver = ArmResolver::new(Arc::new(client(&s)), RG, tokio::runtime::Handle::current());
    let relative = format!("Microsoft.ManagedIdentity/userAssignedIdentities/{name}");

    let r = resolver.clone();
    let rel = relative.clone();
    let (with_version, without_version, full) = tokio::task::spawn_blocking(move || {
        (
            r.reference_blocking(&rel, Some("2018-11-30"), false)
                .unwrap(),
            r.reference_blocking(&rel, None, false).unwrap(),
            r.reference_blocking(&rel, Some("2018-11-30"), true)
                .unwrap(),
        )
    })
    .await
    .unwrap();
    assert_eq!(with_version["clientId"], CLIENT_ID);
    assert_eq!(without_version["principalId"], PRINCIPAL_ID);
    assert_eq!(full["properties"]["clientId"], CLIENT_ID);
    assert_eq!(full["name"], name.as_str());

    let gets = s.requests_to(&format!("/userAssignedIdentities/{name}"));
    assert_eq!(gets.len(), 3);
    assert!(gets[0].path.starts_with(&format!(
        "/subscriptions/{}/resourceGroups/{RG}/providers/",
        s.config().subscription_id
    )));
    assert!(
        gets.iter()
            .all(|g| g.query_param("api-version").as_deref() == Some("2018-11-30"))
    );
}

#[tokio::test]
async fn typed_identity_get() {
    let s = server(ArmServerConfig::default()).await;
    s.add_identity(RG, "spotaksmsi-identity", CLIENT_ID, PRINCIPAL_ID);
    let id = client(&s)
        .get_user_assigned_identity(RG, "spotaksmsi-identity")
        .await
        .unwrap();
    assert_eq!(id.properties.client_id, CLIENT_ID);
    assert_eq!(id.properties.principal_id, PRINCIPAL_ID);
    assert_eq!(id.properties.tenant_id, s.config().tenant_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_type_without_api_version_is_an_error() {
    let s = server(ArmServerConfig::default()).await;
    let resolver = ArmResolver::new(Arc::new(client(&s)), RG, tokio::runtime::Handle::current());
    let err = tokio::task::spawn_blocking(move || {
        resolver
            .reference_blocking("Microsoft.Network/publicIPAddresses/ip", None, false)
            .unwrap_err()
    })
    .await
    .unwrap();
    assert!(err.to_string().contains("apiVersion"), "{err}");
    assert!(s.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_template_evaluator_gets_client_id_through_the_resolver() {
    let cases = test_fixtures::aks_engine_cases("the_template_evaluator_gets_client_id");
    let Some((_, dir)) = cases.into_iter().find(|(n, _)| n == "msi") else {
        return;
    };
    let Some((name, _)) = msi_case() else { return };
    let s = server(ArmServerConfig::default()).await;
    s.add_identity(RG, &name, CLIENT_ID, PRINCIPAL_ID);
    let resolver = ArmResolver::new(Arc::new(client(&s)), RG, tokio::runtime::Handle::current());
    let subscription_id = s.config().subscription_id.clone();
    let value = tokio::task::spawn_blocking(move || {
        let read = |f: &str| -> serde_json::Value {
            serde_json::from_str(&std::fs::read_to_string(dir.join(f)).unwrap()).unwrap()
        };
        let template = arm_template::Template::from_json(read("azuredeploy.json")).unwrap();
        let params =
            arm_template::ParameterValues::from_parameters_file(&read("azuredeploy.parameters.json")).unwrap();
        let context = arm_template::DeploymentContext {
            subscription_id,
            resource_group: RG.into(),
            ..Default::default()
        };
        let deployment = arm_template::Deployment::new(&template, &params, context)
            .unwrap()
            .with_resolver(&resolver);
        deployment
            .evaluate_expression(
                "[reference(concat('Microsoft.ManagedIdentity/userAssignedIdentities/', variables('userAssignedID')), '2018-11-30').clientId]",
            )
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(value, serde_json::json!(CLIENT_ID));
}
