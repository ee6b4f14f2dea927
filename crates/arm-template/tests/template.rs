//! Template-level behaviour: parameters, variables, copy loops, conditions, expression keys,
//! outputs, the resolver and the deploy-time policies.

use arm_template::{
    DEPLOY_TIME_MARKER_OPEN, DeployTimePolicy, Deployment, DeploymentContext, EvalErrorKind,
    ParameterValues, Resolver, Template, TemplateError,
};
use serde_json::{Value as Json, json};

fn deploy(t: &Template) -> Deployment<'_> {
    Deployment::new(t, &ParameterValues::new(), DeploymentContext::default()).unwrap()
}

#[test]
fn parameters_are_case_insensitive_and_defaults_may_be_expressions() {
    let t = Template::from_json(json!({
        "parameters": {
            "gcHighThreshold": {"type": "int"},
            "location": {"type": "string", "defaultValue": "[resourceGroup().location]"},
            "prefix": {"type": "string", "defaultValue": "[concat(parameters('location'), '-x')]"}
        }
    }))
    .unwrap();
    let p = ParameterValues::from_parameters_file(
        &json!({"parameters": {"gchighthreshold": {"value": 85}}}),
    )
    .unwrap();
    let d = Deployment::new(&t, &p, DeploymentContext::default()).unwrap();
    assert_eq!(d.parameter("GCHIGHTHRESHOLD").unwrap(), json!(85));
    assert_eq!(
        d.evaluate_expression("parameters('prefix')").unwrap(),
        json!("eastus-x")
    );
}

#[test]
fn a_failing_default_prints_its_cause_once_in_the_chain() {
    let t = Template::from_json(json!({"parameters": {
        "prefix": {"type": "string", "defaultValue": "[nosuchfunction()]"}
    }}))
    .unwrap();
    let err =
        Deployment::new(&t, &ParameterValues::new(), DeploymentContext::default()).unwrap_err();
    // As the binary prints an error: the message, then each cause, `: `-joined.
    let mut chain = vec![err.to_string()];
    let mut cause = std::error::Error::source(&err);
    while let Some(c) = cause {
        chain.push(c.to_string());
        cause = c.source();
    }
    assert_eq!(
        chain[0],
        "The default value of template parameter 'prefix' failed to evaluate"
    );
    let shown = chain.join(": ");
    assert!(chain.len() >= 2, "{shown}");
    assert!(shown.to_lowercase().contains("nosuchfunction"), "{shown}");
    // The cause is shown once, by the cause itself.
    assert_eq!(shown.matches(chain[1].as_str()).count(), 1, "{shown}");
}

#[test]
fn parameter_errors_name_the_parameter_and_never_the_value() {
    let t = Template::from_json(json!({"parameters": {
        "size": {"type": "string", "allowedValues": ["S", "M"]},
        "count": {"type": "int", "minValue": 1, "maxValue": 3},
        "name": {"type": "securestring", "minLength": 3}
    }}))
    .unwrap();
    let with = |entries: Json| {
        let p = ParameterValues::from_parameters_file(&json!({ "parameters": entries })).unwrap();
        Deployment::new(&t, &p, DeploymentContext::default()).map(|_| ())
    };
    let good = json!({"size": {"value": "S"}, "count": {"value": 2}, "name": {"value": "abcd"}});
    assert!(with(good).is_ok());
    let missing = with(json!({"size": {"value": "S"}, "count": {"value": 2}})).unwrap_err();
    assert_eq!(
        missing,
        TemplateError::MissingParameter {
            name: "name".into()
        }
    );
    let wrong_type =
        with(json!({"size": {"value": 1}, "count": {"value": 2}, "name": {"value": "abcd"}}))
            .unwrap_err();
    assert!(
        matches!(wrong_type, TemplateError::ParameterType { ref name, .. } if name == "size"),
        "{wrong_type}"
    );
    let not_allowed =
        with(json!({"size": {"value": "XL"}, "count": {"value": 2}, "name": {"value": "abcd"}}))
            .unwrap_err();
    assert!(
        not_allowed.to_string().contains("'size'") && !not_allowed.to_string().contains("XL"),
        "{not_allowed}"
    );
    let too_big =
        with(json!({"size": {"value": "S"}, "count": {"value": 9}, "name": {"value": "abcd"}}))
            .unwrap_err();
    assert!(too_big.to_string().contains("maxValue 3"), "{too_big}");
    let short =
        with(json!({"size": {"value": "S"}, "count": {"value": 2}, "name": {"value": "pw"}}))
            .unwrap_err();
    assert!(
        short.to_string().contains("minLength 3") && !short.to_string().contains("\"pw\""),
        "{short}"
    );
    let unknown = with(json!({"size": {"value": "S"}, "count": {"value": 2}, "name": {"value": "abcd"}, "extra": {"value": 1}}))
        .unwrap_err();
    assert_eq!(
        unknown,
        TemplateError::UnknownParameter {
            name: "extra".into()
        }
    );
    let vault = with(json!({"size": {"value": "S"}, "count": {"value": 2}, "name": {"reference": {
        "keyVault": {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/v"}, "secretName": "sp"}}}))
    .unwrap_err();
    assert!(
        matches!(vault, TemplateError::KeyVaultReference { ref name, ref secret_name, .. } if name == "name" && secret_name == "sp")
    );
}

#[test]
fn utc_now_and_new_guid_work_in_parameter_defaults_only() {
    let t = Template::from_json(json!({"parameters": {
        "stamp": {"type": "string", "defaultValue": "[utcNow()]"},
        "day": {"type": "string", "defaultValue": "[utcNow('d')]"},
        "id": {"type": "string", "defaultValue": "[newGuid()]"}
    }}))
    .unwrap();
    let d = Deployment::new(&t, &ParameterValues::new(), DeploymentContext::default()).unwrap();
    let id = d.parameter("id").unwrap();
    let id = id.as_str().unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(&id[14..15], "4", "version-4 shaped");
    assert_eq!(
        d.parameter("stamp").unwrap().as_str().unwrap().len(),
        "20190305T175318Z".len()
    );
    assert!(matches!(
        d.evaluate_expression("[utcNow()]"),
        Err(e) if matches!(e.kind(), EvalErrorKind::NotAllowedHere { .. })
    ));
}

#[test]
fn with_now_fixes_the_clock_for_later_evaluations() {
    let t = Template::from_json(json!({})).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2019-03-05T17:53:18Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let d = deploy(&t).with_now(now);
    assert_eq!(
        d.evaluate_expression("dateTimeFromEpoch(1551808398)")
            .unwrap(),
        json!("2019-03-05T17:53:18Z")
    );
}

#[test]
fn variables_are_lazy_memoised_and_cycles_are_named() {
    let t = Template::from_json(json!({"variables": {
        "a": "[variables('b')]",
        "b": "[variables('c')]",
        "c": "[variables('a')]",
        "fine": "[concat('x', variables('leaf'))]",
        "leaf": "y",
        "broken": "[div(1, 0)]"
    }}))
    .unwrap();
    let d = deploy(&t);
    assert_eq!(d.variable("FINE").unwrap(), json!("xy"));
    match d.variable("a").map_err(|e| e.kind().clone()) {
        Err(EvalErrorKind::Cycle { kind, cycle }) => {
            assert_eq!(kind, "variable");
            assert_eq!(cycle, vec!["a", "b", "c", "a"]);
        }
        other => panic!("{other:?}"),
    }
    match d.variable("broken") {
        Err(e) if matches!(e.kind(), EvalErrorKind::Function { .. }) => {
            assert_eq!(e.json_path(), "variables.broken")
        }
        other => panic!("{other:?}"),
    }
    // Only referenced variables are evaluated: `broken` does not stop `fine`.
    assert_eq!(d.variable("fine").unwrap(), json!("xy"));
}

#[test]
fn variable_copy_loops_both_forms() {
    let t = Template::from_json(json!({"variables": {
        "copy": [{"name": "disks", "count": 3, "input": {"name": "[concat('disk', copyIndex('disks', 1))]", "lun": "[copyIndex('disks')]"}}],
        "withProperty": {
            "copy": [{"name": "items", "count": "[length(variables('disks'))]", "input": "[copyIndex('items')]"}],
            "other": true
        }
    }}))
    .unwrap();
    let d = deploy(&t);
    assert_eq!(
        d.variable("disks").unwrap(),
        json!([{"name": "disk1", "lun": 0}, {"name": "disk2", "lun": 1}, {"name": "disk3", "lun": 2}])
    );
    assert_eq!(
        d.variable("withProperty").unwrap(),
        json!({"items": [0, 1, 2], "other": true})
    );
}

#[test]
fn resource_copy_condition_keys_null_and_property_copy() {
    let t = Template::from_json(json!({
        "parameters": {"n": {"type": "int", "defaultValue": 2}},
        "variables": {"idRef": "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id1')]"},
        "resources": [
            {
                "type": "Microsoft.Compute/virtualMachines",
                "name": "[concat('vm', copyIndex(10))]",
                "copy": {"name": "vmLoop", "count": "[parameters('n')]"},
                "identity": {"userAssignedIdentities": {"[variables('idRef')]": {}}},
                "properties": {
                    "dataDisks": null,
                    "literal": "[[not an expression]",
                    "plain": "[test] value",
                    "copy": [{"name": "nics", "count": 2, "input": {"idx": "[copyIndex('nics')]", "vm": "[copyIndex('vmLoop')]", "outer": "[copyIndex()]"}}]
                }
            },
            {"type": "x", "name": "skipped", "condition": "[equals(1, 2)]"},
            {"type": "x", "name": "kept", "condition": true}
        ]
    }))
    .unwrap();
    let d = deploy(&t);
    let vms = d.evaluate_resource(0).unwrap();
    assert_eq!(vms.len(), 2);
    assert_eq!(vms[1].json_path, "resources[0]");
    let vm = &vms[1].value;
    assert_eq!(vm["name"], "vm11");
    assert!(vm.get("copy").is_none());
    let ids = vm["identity"]["userAssignedIdentities"]
        .as_object()
        .unwrap();
    assert!(
        ids.keys()
            .next()
            .unwrap()
            .ends_with("/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1")
    );
    assert_eq!(vm["properties"]["dataDisks"], Json::Null);
    assert_eq!(vm["properties"]["literal"], "[not an expression]");
    assert_eq!(vm["properties"]["plain"], "[test] value");
    assert_eq!(
        vm["properties"]["nics"],
        json!([{"idx": 0, "vm": 1, "outer": 1}, {"idx": 1, "vm": 1, "outer": 1}])
    );
    assert!(d.evaluate_resource(1).unwrap().is_empty());
    assert_eq!(d.evaluate_resource(2).unwrap().len(), 1);
    assert_eq!(d.resources().unwrap().len(), 3);
    assert!(matches!(
        d.evaluate_resource(9),
        Err(e) if matches!(e.kind(), EvalErrorKind::NoSuchResource { index: 9, count: 3 })
    ));
}

#[test]
fn outputs_evaluate_including_copy_and_condition() {
    let t = Template::from_json(json!({
        "outputs": {
            "a": {"type": "string", "value": "[toUpper('x')]"},
            "list": {"type": "array", "copy": {"count": 2, "input": "[copyIndex()]"}},
            "hidden": {"type": "string", "condition": false, "value": "[div(1, 0)]"}
        }
    }))
    .unwrap();
    let outputs = deploy(&t).outputs().unwrap();
    assert_eq!(Json::Object(outputs), json!({"a": "X", "list": [0, 1]}));
}

#[test]
fn evaluate_value_reports_paths_and_keys() {
    let t = Template::from_json(json!({})).unwrap();
    let d = deploy(&t);
    let e = d
        .evaluate_value(
            "fragment",
            &json!({"a": ["[add(1, 2)]", {"[concat('k', 'ey')]": "v"}]}),
        )
        .unwrap();
    assert_eq!(e.value, json!({"a": [3, {"key": "v"}]}));
    match d.evaluate_value("fragment", &json!({"a": [1, {"b": "[div(1, 0)]"}]})) {
        Err(e) if matches!(e.kind(), EvalErrorKind::Function { .. }) => {
            assert_eq!(e.json_path(), "fragment.a[1].b")
        }
        other => panic!("{other:?}"),
    }
    match d
        .evaluate_value("f", &json!({"[createArray()]": 1}))
        .map_err(|e| e.kind().clone())
    {
        Err(EvalErrorKind::Invalid { message }) => assert!(message.contains("object key")),
        other => panic!("{other:?}"),
    }
}

const REF: &str =
    "reference(resourceId('Microsoft.Network/publicIPAddresses', 'ip'), '2019-01-01')";

#[test]
fn deploy_time_values_fail_or_are_marked() {
    let t = Template::from_json(json!({})).unwrap();
    let fail = deploy(&t);
    match fail.evaluate_value(
        "v",
        &json!({"fqdn": format!("[concat('https://', {REF}.dnsSettings.fqdn)]")}),
    ) {
        Err(e) => {
            let EvalErrorKind::DeployTime { function } = e.kind() else {
                panic!("{e:?}")
            };
            let (expression, json_path) = (e.expression().unwrap(), e.json_path());
            assert_eq!(function, "reference");
            assert_eq!(expression, format!("{REF}.dnsSettings.fqdn"));
            assert_eq!(json_path, "v.fqdn");
        }
        other => panic!("{other:?}"),
    }
    let mark = deploy(&t).with_deploy_time_policy(DeployTimePolicy::Mark);
    let e = mark
        .evaluate_value(
            "v",
            &json!({
                "fqdn": format!("[concat('https://', {REF}.dnsSettings.fqdn)]"),
                "whole": format!("[{REF}]"),
                "wrapped": format!("[toUpper({REF}.x)]"),
                "formatted": format!("[format('{{0}}!', {REF}.y)]"),
                "static": "[add(1, 1)]"
            }),
        )
        .unwrap();
    assert_eq!(
        e.value["fqdn"],
        format!("https://{DEPLOY_TIME_MARKER_OPEN}{REF}.dnsSettings.fqdn>>")
    );
    assert_eq!(
        e.value["whole"],
        format!("{DEPLOY_TIME_MARKER_OPEN}{REF}>>")
    );
    assert_eq!(
        e.value["wrapped"],
        format!("{DEPLOY_TIME_MARKER_OPEN}toUpper({REF}.x)>>")
    );
    assert_eq!(
        e.value["formatted"],
        format!("{DEPLOY_TIME_MARKER_OPEN}{REF}.y>>!")
    );
    assert_eq!(e.value["static"], 2);
    let mut deferred: Vec<(String, String)> = e
        .deferred
        .iter()
        .map(|d| (d.json_path.clone(), d.expression.clone()))
        .collect();
    deferred.sort();
    assert_eq!(
        deferred,
        vec![
            ("v.formatted".into(), format!("{REF}.y")),
            ("v.fqdn".into(), format!("{REF}.dnsSettings.fqdn")),
            ("v.whole".into(), REF.into()),
            ("v.wrapped".into(), format!("toUpper({REF}.x)")),
        ]
    );
}

struct FakeAzure;

impl Resolver for FakeAzure {
    fn reference(
        &self,
        resource_id: &str,
        api_version: Option<&str>,
        full: bool,
    ) -> Result<Json, String> {
        if resource_id.ends_with("/missing") {
            return Err("not found".into());
        }
        Ok(
            json!({"id": resource_id, "api": api_version, "full": full, "dnsSettings": {"fqdn": "x.eastus.cloudapp.azure.com"}}),
        )
    }

    fn list(
        &self,
        function: &str,
        resource_id: &str,
        api_version: &str,
        body: Option<&Json>,
    ) -> Result<Json, String> {
        Ok(json!({"function": function, "id": resource_id, "api": api_version, "body": body}))
    }
}

#[test]
fn a_resolver_answers_reference_and_list() {
    let t = Template::from_json(json!({})).unwrap();
    let resolver = FakeAzure;
    let d = deploy(&t).with_resolver(&resolver);
    assert_eq!(
        d.evaluate_expression(&format!("[{REF}.dnsSettings.fqdn]"))
            .unwrap(),
        "x.eastus.cloudapp.azure.com"
    );
    let short = d.evaluate_expression("[reference('Microsoft.ManagedIdentity/userAssignedIdentities/id1', '2018-11-30', 'Full')]").unwrap();
    assert_eq!(
        short["id"],
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/resourceGroup/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"
    );
    assert_eq!(short["full"], true);
    let keys = d.evaluate_expression("[listKeys(resourceId('Microsoft.Storage/storageAccounts', 'sa'), '2019-06-01', createObject('a', 1))]").unwrap();
    assert_eq!(keys["function"], "listKeys");
    assert_eq!(keys["body"], json!({"a": 1}));
    match d
        .evaluate_expression("[reference('Microsoft.Network/publicIPAddresses/missing')]")
        .map_err(|e| e.kind().clone())
    {
        Err(EvalErrorKind::Resolver { function, message }) => {
            assert_eq!(function, "reference");
            assert_eq!(message, "not found");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn template_structure_errors() {
    assert!(Template::from_json(json!([])).is_err());
    assert!(
        Template::from_json(json!({"resources": {}}))
            .unwrap_err()
            .to_string()
            .contains("symbolic-name")
    );
    assert!(Template::from_json(json!({"variables": {"copy": [{"name": "x"}]}})).is_err());
}
