//! The export of live groups: snapshots of the generated files, and what they must (not) hold,
//! checked by parsing them back with hcl-rs.

use hcl::eval::{Context, Evaluate};
use hcl::{Block, Body, Expression};
use serde_json::{Value, json};
use terraform_export::{ExportError, GroupError, LiveGroup, SecretValue, export};

fn every_field() -> Value {
    serde_json::from_str(include_str!("data/every-field.json")).unwrap()
}

fn one(pool: &str, group: &Value) -> terraform_export::Export {
    export(&[LiveGroup {
        pool,
        group_id: group["id"].as_str().unwrap_or("sig-00000000"),
        group,
    }])
    .unwrap()
}

fn parse(text: &str) -> Body {
    hcl::parse(text).unwrap_or_else(|e| panic!("does not parse ({e}):\n{text}"))
}

fn blocks<'a>(body: &'a Body, ident: &str) -> Vec<&'a Block> {
    body.blocks().filter(|b| b.identifier() == ident).collect()
}

fn attr<'a>(body: &'a Body, key: &str) -> &'a Expression {
    body.attributes()
        .find(|a| a.key() == key)
        .map(|a| a.expr())
        .unwrap_or_else(|| panic!("no attribute {key}"))
}

fn eval(expr: &Expression) -> hcl::Value {
    expr.evaluate(&Context::new()).unwrap()
}

fn resource(body: &Body) -> &Body {
    let r = blocks(body, "resource");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].labels()[0].as_str(), "spotinst_elastigroup_azure_v3");
    r[0].body()
}

#[test]
fn every_field_snapshot() {
    let out = one("agentpool1", &every_field());
    insta::assert_snapshot!("every_field_tf", out.tf);
    insta::assert_snapshot!("every_field_tfvars", out.tfvars);
}

#[test]
fn every_field_of_the_fixture_is_mapped_and_nothing_is_defaulted() {
    let out = one("agentpool1", &every_field());
    assert_eq!(out.groups[0].left_out, Vec::<String>::new());
    assert_eq!(out.groups[0].defaulted, Vec::<String>::new());
    assert!(!out.tf.contains("Left out"), "{}", out.tf);
}

#[test]
fn the_file_has_the_provider_the_import_and_the_values_as_spot_returned_them() {
    let group = every_field();
    let out = one("agentpool1", &group);
    let body = parse(&out.tf);

    let tf = blocks(&body, "terraform");
    let providers = blocks(tf[0].body(), "required_providers");
    let spotinst = eval(attr(providers[0].body(), "spotinst"));
    assert_eq!(spotinst, hcl::value!({ source = "spotinst/spotinst" }));

    let import = blocks(&body, "import");
    assert_eq!(import.len(), 1);
    assert_eq!(
        attr(import[0].body(), "to").to_string(),
        "spotinst_elastigroup_azure_v3.agentpool1"
    );
    assert_eq!(
        eval(attr(import[0].body(), "id")),
        hcl::Value::from("sig-0123abcd")
    );

    let r = resource(&body);
    assert_eq!(eval(attr(r, "name")), hcl::Value::from("demo-agentpool1"));
    assert_eq!(eval(attr(r, "desired_capacity")), hcl::Value::from(2));
    assert_eq!(
        eval(attr(r, "fallback_to_on_demand")),
        hcl::Value::from(true)
    );
    // Sizes keep Spot's case; tags keep Spot's order.
    let sizes = blocks(r, "vm_sizes");
    assert_eq!(
        eval(attr(sizes[0].body(), "spot_sizes")),
        hcl::value!(["standard_d2s_v3", "Standard_D2as_v4"])
    );
    let tags: Vec<(hcl::Value, hcl::Value)> = blocks(r, "tags")
        .iter()
        .map(|t| (eval(attr(t.body(), "key")), eval(attr(t.body(), "value"))))
        .collect();
    assert_eq!(
        tags,
        [
            ("poolName".into(), "agentpool1".into()),
            ("aksEngineVersion".into(), "v0.46.3".into()),
            ("Orchestrator".into(), "Kubernetes:1.16.4".into()),
        ]
    );
    let network = blocks(r, "network");
    let nic = blocks(network[0].body(), "network_interfaces");
    assert_eq!(blocks(nic[0].body(), "additional_ip_configs").len(), 2);
    assert_eq!(blocks(nic[0].body(), "application_security_group").len(), 1);
}

#[test]
fn secrets_are_variables_without_default_and_only_the_tfvars_holds_them() {
    let group = every_field();
    let spec = &group["compute"]["launchSpecification"];
    let custom_data = spec["customData"].as_str().unwrap();
    let user_data = spec["userData"].as_str().unwrap();
    let command = spec["extensions"][0]["protectedSettings"]["commandToExecute"]
        .as_str()
        .unwrap();
    let out = one("agentpool1", &group);

    for secret in [custom_data, user_data, command, "kubelet-key", "client.key"] {
        assert!(!out.tf.contains(secret), "{secret} is in the .tf");
    }
    let body = parse(&out.tf);
    let variables = blocks(&body, "variable");
    let names: Vec<&str> = variables.iter().map(|v| v.labels()[0].as_str()).collect();
    assert_eq!(
        names,
        [
            "agentpool1_custom_data",
            "agentpool1_user_data",
            "agentpool1_vmssCSE_protected_settings"
        ]
    );
    for v in &variables {
        assert_eq!(eval(attr(v.body(), "sensitive")), hcl::Value::from(true));
        assert!(v.body().attributes().all(|a| a.key() != "default"));
    }
    let r = resource(&body);
    assert_eq!(
        attr(r, "custom_data").to_string(),
        "var.agentpool1_custom_data"
    );
    let ext = blocks(r, "extensions");
    assert_eq!(
        attr(ext[0].body(), "protected_settings").to_string(),
        "var.agentpool1_vmssCSE_protected_settings"
    );
    // The comment above each variable says where its value comes from.
    assert!(
        out.tf.contains(
            "# compute.launchSpecification.customData (base64, sent to Spot as it is).\n"
        )
    );
    assert!(out.tf.contains("--show-secrets"));

    // The tfvars file holds exactly the values, byte for byte once parsed (`${`, `%{`, quotes
    // and line breaks included).
    let vars = parse(&out.tfvars);
    assert_eq!(
        eval(attr(&vars, "agentpool1_custom_data")),
        hcl::Value::from(custom_data)
    );
    assert_eq!(
        eval(attr(&vars, "agentpool1_user_data")),
        hcl::Value::from(user_data)
    );
    let settings = eval(attr(&vars, "agentpool1_vmssCSE_protected_settings"));
    assert_eq!(settings, hcl::value!({ commandToExecute = (command) }));
    assert!(out.tfvars.starts_with("# Secret values"));
    assert!(out.tfvars.contains("NEVER commit this file"));
}

#[test]
fn a_windows_password_is_a_secret_too() {
    let mut group = every_field();
    group["compute"]["os"] = json!("Windows");
    group["compute"]["launchSpecification"]["login"] =
        json!({"userName": "azureuser", "password": "P@ss\"${word}"});
    let out = one("win", &group);
    assert!(!out.tf.contains("P@ss"));
    let r = parse(&out.tf);
    let login = blocks(resource(&r), "login");
    assert_eq!(
        attr(login[0].body(), "password").to_string(),
        "var.win_password"
    );
    assert_eq!(
        eval(attr(&parse(&out.tfvars), "win_password")),
        hcl::Value::from("P@ss\"${word}")
    );
}

#[test]
fn what_the_provider_cannot_express_is_left_out_and_named_in_a_comment() {
    let mut group = every_field();
    let spec = &mut group["compute"]["launchSpecification"];
    spec["licenseType"] = json!("RHEL_BYOS");
    spec["network"]["networkInterfaces"][0]["publicIps"] =
        json!([{"name": "pip", "resourceGroupName": "demo-rg"}]);
    spec["extensions"][0]["publicSettings"] = json!({"fileUris": ["https://x"]});
    group["strategy"]["onDemandCount"] = json!(1);
    group["strategy"]["shouldUtilizeCommitments"] = json!(false);
    group["integrations"] = json!({"kubernetes": {"clusterIdentifier": "demo"}});
    group["unknownEmpty"] = json!({"a": null, "b": []});
    let out = one("agentpool1", &group);
    assert_eq!(
        out.groups[0].left_out,
        [
            "compute.launchSpecification.extensions[0].publicSettings",
            "strategy.onDemandCount",
            "strategy.shouldUtilizeCommitments",
            // In the group's own order (`licenseType` was added after `network`).
            "compute.launchSpecification.network.networkInterfaces[0].publicIps",
            "compute.launchSpecification.licenseType",
            "integrations",
        ]
    );
    assert!(
        out.tf
            .contains("#   compute.launchSpecification.licenseType\n"),
        "{}",
        out.tf
    );
    assert!(out.tf.contains("#   integrations\n"));
    let body = parse(&out.tf);
    let r = resource(&body);
    assert!(r.attributes().all(|a| a.key() != "on_demand_count"));
    assert!(
        blocks(r, "extensions")[0]
            .body()
            .attributes()
            .all(|a| a.key() != "public_settings")
    );
}

#[test]
fn on_demand_count_is_written_when_there_is_no_spot_percentage() {
    let mut group = every_field();
    group["strategy"] = json!({"onDemandCount": 2, "fallbackToOd": false});
    let out = one("p", &group);
    let body = parse(&out.tf);
    let r = resource(&body);
    assert_eq!(eval(attr(r, "on_demand_count")), hcl::Value::from(2));
    assert!(r.attributes().all(|a| a.key() != "spot_percentage"));
    assert_eq!(
        eval(attr(r, "fallback_to_on_demand")),
        hcl::Value::from(false)
    );
}

#[test]
fn arguments_the_provider_requires_are_written_with_its_default_when_spot_omits_them() {
    let mut group = every_field();
    group["strategy"]
        .as_object_mut()
        .unwrap()
        .remove("fallbackToOd");
    let spec = &mut group["compute"]["launchSpecification"];
    spec["network"]["networkInterfaces"][0]
        .as_object_mut()
        .unwrap()
        .remove("assignPublicIp");
    group["compute"]["vmSizes"]
        .as_object_mut()
        .unwrap()
        .remove("odSizes");
    let out = one("p", &group);
    assert_eq!(
        out.groups[0].defaulted,
        [
            "strategy.fallbackToOd",
            "compute.vmSizes.odSizes",
            "compute.launchSpecification.network.networkInterfaces[0].assignPublicIp",
        ]
    );
    let body = parse(&out.tf);
    let r = resource(&body);
    assert_eq!(
        eval(attr(r, "fallback_to_on_demand")),
        hcl::Value::from(true)
    );
    let sizes = blocks(r, "vm_sizes");
    assert_eq!(eval(attr(sizes[0].body(), "od_sizes")), hcl::value!([]));
    assert!(out.tf.contains("written with its default"));
}

#[test]
fn a_group_without_a_required_field_is_an_error_naming_it() {
    let mut group = every_field();
    group.as_object_mut().unwrap().remove("region");
    let err = export(&[LiveGroup {
        pool: "agentpool1",
        group_id: "sig-1",
        group: &group,
    }])
    .unwrap_err();
    assert!(
        matches!(&err, ExportError::Group { pool, source: GroupError::MissingField { field }, .. }
            if pool == "agentpool1" && field == "region"),
        "{err:?}"
    );
    let err = export(&[LiveGroup {
        pool: "p",
        group_id: "sig-1",
        group: &json!([1]),
    }])
    .unwrap_err();
    assert!(matches!(
        err,
        ExportError::Group {
            source: GroupError::NotAnObject,
            ..
        }
    ));
}

#[test]
fn nested_protected_settings_cannot_be_a_map_of_strings_and_are_left_out() {
    let mut group = every_field();
    group["compute"]["launchSpecification"]["extensions"][0]["protectedSettings"] =
        json!({"a": {"nested": "secret-value"}});
    let out = one("p", &group);
    assert!(!out.tf.contains("secret-value") && !out.tfvars.contains("secret-value"));
    assert!(
        out.groups[0]
            .left_out
            .contains(&"compute.launchSpecification.extensions[0].protectedSettings".to_owned())
    );
    assert!(
        out.groups[0]
            .secrets
            .iter()
            .all(|s| !matches!(s.value, SecretValue::Map(_)))
    );
}

#[test]
fn several_groups_get_unique_names_in_state_file_order() {
    let a = every_field();
    let mut b = every_field();
    b["id"] = json!("sig-bbbbbbbb");
    b["name"] = json!("demo-pool-2");
    let out = export(&[
        LiveGroup {
            pool: "pool.1",
            group_id: "sig-0123abcd",
            group: &a,
        },
        LiveGroup {
            pool: "pool 1",
            group_id: "sig-bbbbbbbb",
            group: &b,
        },
    ])
    .unwrap();
    let addresses: Vec<&str> = out.groups.iter().map(|g| g.address.as_str()).collect();
    assert_eq!(
        addresses,
        [
            "spotinst_elastigroup_azure_v3.pool_1",
            "spotinst_elastigroup_azure_v3.pool_1_2"
        ]
    );
    let body = parse(&out.tf);
    let imports: Vec<String> = blocks(&body, "import")
        .iter()
        .map(|i| {
            let id = eval(attr(i.body(), "id"));
            format!("{} {}", attr(i.body(), "to"), id.as_str().unwrap())
        })
        .collect();
    assert_eq!(
        imports,
        [
            "spotinst_elastigroup_azure_v3.pool_1 sig-0123abcd",
            "spotinst_elastigroup_azure_v3.pool_1_2 sig-bbbbbbbb"
        ]
    );
    let vars = parse(&out.tfvars);
    assert_eq!(vars.attributes().count(), 6);
}

#[test]
fn a_group_without_secrets_gives_a_tfvars_of_comments_only() {
    let mut group = every_field();
    let spec = group["compute"]["launchSpecification"]
        .as_object_mut()
        .unwrap();
    spec.remove("customData");
    spec.remove("userData");
    spec.remove("extensions");
    let out = one("p", &group);
    assert!(blocks(&parse(&out.tf), "variable").is_empty());
    assert_eq!(parse(&out.tfvars).attributes().count(), 0);
    assert!(out.tfvars.contains("NEVER commit"));
}
