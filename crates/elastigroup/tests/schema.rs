//! The embedded OpenAPI schema: provenance, the validator's behaviour and its workarounds.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use common::*;
use elastigroup::schema::{self, SchemaReport, embedded};
use elastigroup::{ApiGeneration, apply_set, check_capacity, parse_set_args};
use serde_json::{Value, json};

fn v3_body() -> Value {
    map_ok(&simple_vmss(), ApiGeneration::V3).body
}

fn v2_body() -> Value {
    map_ok(&simple_vmss(), ApiGeneration::V2).body
}

fn error_at<'a>(r: &'a SchemaReport, path: &str) -> &'a str {
    &r.errors
        .iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| panic!("no error at {path}: {r:#?}"))
        .message
}

#[test]
fn embedded_schema_files_match_shared_spec() {
    let Some(dir) = test_fixtures::spot_openapi_dir("embedded_schema_files_match_shared_spec")
    else {
        return;
    };
    assert_eq!(embedded::FILES.len(), 3);
    for (path, text) in embedded::FILES {
        let upstream = std::fs::read(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(
            upstream == text.as_bytes(),
            "{path} differs from shared/spec/spot/openapi"
        );
    }
}

#[test]
fn embedded_files_are_exactly_the_transitive_refs_of_the_create_schemas() {
    // Every `$ref` target path, starting at the two create schemas, must be embedded, and every
    // embedded file must be reached.
    let text = |p: &str| {
        embedded::FILES
            .iter()
            .find(|(f, _)| *f == p)
            .map(|(_, t)| *t)
    };
    let roots = [
        "api/services/elastigroup/azure/spotVms/schemas/createElastigroupSpotVMs.yaml",
        "api/services/elastigroup/azure/scaleSetVms/schemas/lowPriorityVMsEGCreation.yaml",
    ];
    let mut seen: Vec<String> = Vec::new();
    let mut todo: Vec<String> = roots.iter().map(|s| s.to_string()).collect();
    while let Some(file) = todo.pop() {
        if seen.contains(&file) {
            continue;
        }
        let t = text(&file).unwrap_or_else(|| panic!("{file} is referenced but not embedded"));
        // Cheap textual scan is enough to find file refs: `$ref: "../x.yaml#..."`.
        let mut found = Vec::new();
        for line in t.lines() {
            if let Some(r) = line.trim().strip_prefix("$ref:") {
                found.push(r.trim().trim_matches(['"', '\'']).to_owned());
            }
        }
        for r in found {
            let (rel, _) = r.split_once('#').unwrap_or((&r, ""));
            if rel.is_empty() {
                continue;
            }
            let mut parts: Vec<&str> = file.split('/').collect();
            parts.pop();
            for seg in rel.split('/') {
                match seg {
                    "." | "" => {}
                    ".." => {
                        parts.pop();
                    }
                    s => parts.push(s),
                }
            }
            todo.push(parts.join("/"));
        }
        seen.push(file);
    }
    let mut embedded_paths: Vec<String> =
        embedded::FILES.iter().map(|(p, _)| p.to_string()).collect();
    embedded_paths.sort();
    seen.sort();
    assert_eq!(seen, embedded_paths);
}

#[test]
fn mapped_bodies_validate_cleanly_for_both_generations() {
    for (g, body) in [
        (ApiGeneration::V3, v3_body()),
        (ApiGeneration::V2, v2_body()),
    ] {
        let r = schema::validate(g, &body);
        assert!(r.is_valid(), "{g}: {:#?}", r.errors);
        assert!(r.unknown_fields.is_empty(), "{g}: {:#?}", r.unknown_fields);
    }
}

#[test]
fn a_v3_body_is_not_a_valid_v2_body() {
    // Different generations really are checked against different schemas.
    let r = schema::validate(ApiGeneration::V2, &v3_body());
    assert!(error_at(&r, "group.compute").contains("missing required property `product`"));
    assert!(
        r.unknown_fields
            .iter()
            .any(|u| u.path == "group.compute.os")
    );
    assert!(
        r.unknown_fields
            .iter()
            .any(|u| u.path == "group.strategy.spotPercentage")
    );
}

/// The string-keyed form test servers use: each route's generation, errors as text.
#[test]
fn validate_request_checks_the_named_generation() {
    assert_eq!(
        schema::validate_request("v3", &v3_body()),
        Vec::<String>::new()
    );
    assert_eq!(
        schema::validate_request("v2", &v2_body()),
        Vec::<String>::new()
    );
    let errors = schema::validate_request("v2", &v3_body());
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("group.compute: ") && e.contains("`product`")),
        "{errors:?}"
    );
    let errors = schema::validate_request("v4", &v3_body());
    assert_eq!(
        errors,
        ["unknown API generation `v4` (expected v3 or v2)"],
        "{errors:?}"
    );
}

#[test]
fn unknown_field_names_the_nearest_known_path() {
    let mut body = v3_body();
    let ls = &mut body["group"]["compute"]["launchSpecification"];
    ls["customDta"] = ls["customData"].clone();
    body["group"]["compute"]["zone"] = json!(["1"]);
    body["group"]["compute"]["shutdownScript"] = json!("x");
    body["group"]["totallyUnrelatedThing"] = json!(1);
    let r = schema::validate(ApiGeneration::V3, &body);
    assert!(
        r.is_valid(),
        "unknown fields are warnings, not errors: {:#?}",
        r.errors
    );
    let nearest = |p: &str| {
        r.unknown_fields
            .iter()
            .find(|u| u.path == p)
            .unwrap_or_else(|| panic!("{p}: {r:#?}"))
            .nearest_known
            .clone()
    };
    assert_eq!(
        nearest("group.compute.launchSpecification.customDta").as_deref(),
        Some("group.compute.launchSpecification.customData")
    );
    assert_eq!(
        nearest("group.compute.zone").as_deref(),
        Some("group.compute.zones")
    );
    assert_eq!(
        nearest("group.compute.shutdownScript").as_deref(),
        Some("group.compute.launchSpecification.shutdownScript"),
        "a field at the wrong level points to where it belongs"
    );
    assert_eq!(nearest("group.totallyUnrelatedThing"), None);
    let shown = r.unknown_fields[0].to_string();
    assert!(shown.contains("did you mean"), "{shown}");
}

#[test]
fn type_enum_and_required_violations_are_errors() {
    let mut body = v3_body();
    let g = &mut body["group"];
    g["capacity"]["target"] = json!("2");
    g["compute"]["os"] = json!("Plan9");
    g["compute"]["zones"] = json!(["4"]);
    g["compute"]["vmSizes"]
        .as_object_mut()
        .unwrap()
        .remove("spotSizes");
    g["compute"]["launchSpecification"]["extensions"][0]
        .as_object_mut()
        .unwrap()
        .remove("publisher");
    g["strategy"]["fallbackToOd"] = Value::Null;
    let r = schema::validate(ApiGeneration::V3, &body);
    assert!(error_at(&r, "group.capacity.target").contains("expected integer, found a string"));
    assert!(
        error_at(&r, "group.compute.os")
            .contains("\"Plan9\" is not one of [\"Linux\", \"Windows\"]")
    );
    assert!(error_at(&r, "group.compute.zones[0]").contains("is not one of"));
    assert!(error_at(&r, "group.compute.vmSizes").contains("`spotSizes`"));
    assert!(
        error_at(&r, "group.compute.launchSpecification.extensions[0]").contains("`publisher`")
    );
    assert!(error_at(&r, "group.strategy.fallbackToOd").contains("null is not allowed"));
    assert_eq!(r.errors.len(), 6, "{:#?}", r.errors);
}

#[test]
fn body_shape_errors() {
    let r = schema::validate(ApiGeneration::V3, &json!([]));
    assert!(r.errors[0].message.contains("must be an object"));
    let r = schema::validate(ApiGeneration::V3, &json!({"grop": {}}));
    assert!(
        r.errors[0]
            .message
            .contains("missing required property `group`")
    );
    assert_eq!(r.unknown_fields[0].nearest_known.as_deref(), Some("group"));
}

#[test]
fn workaround_required_names_without_property_are_ignored() {
    // Both schemas require `subnetName` in launchSpecification, which has no such property.
    for (g, body) in [
        (ApiGeneration::V3, v3_body()),
        (ApiGeneration::V2, v2_body()),
    ] {
        assert!(
            body["group"]["compute"]["launchSpecification"]
                .get("subnetName")
                .is_none()
        );
        assert!(schema::validate(g, &body).is_valid());
    }
}

#[test]
fn workaround_v2_login_object_or_array() {
    let mut body = v2_body();
    assert!(schema::validate(ApiGeneration::V2, &body).is_valid());
    body["group"]["compute"]["launchSpecification"]["login"]
        .as_object_mut()
        .unwrap()
        .remove("userName");
    let r = schema::validate(ApiGeneration::V2, &body);
    assert!(error_at(&r, "group.compute.launchSpecification.login").contains("`userName`"));
    body["group"]["compute"]["launchSpecification"]["login"] = json!([{"userName": "azureuser"}]);
    assert!(schema::validate(ApiGeneration::V2, &body).is_valid());
}

#[test]
fn workaround_scaling_policies_as_arrays() {
    let policy = json!({"policyName": "up", "metricName": "CPU", "statistic": "average", "threshold": 80,
        "period": 300, "isEnabled": true, "evaluationPeriods": 1, "cooldown": 300, "operator": "gte",
        "namespace": "Microsoft.Compute", "action": {"type": "adjustment", "adjustment": "1"}});
    let mut body = v3_body();
    body["group"]["scaling"] = json!({"up": [policy.clone()]});
    let r = schema::validate(ApiGeneration::V3, &body);
    assert!(r.is_valid() && r.unknown_fields.is_empty(), "{r:#?}");
    let mut bad = policy;
    bad.as_object_mut().unwrap().remove("cooldown");
    body["group"]["scaling"] = json!({"up": [bad]});
    let r = schema::validate(ApiGeneration::V3, &body);
    assert!(error_at(&r, "group.scaling.up[0]").contains("`cooldown`"));
}

#[test]
fn workaround_aliases_are_accepted() {
    // v3 osDisk.sizeGB (schema: size) is already in the mapped bodies; v2 odCount and dimensions:
    let mut body = v2_body();
    body["group"]["strategy"]["odCount"] = json!(1);
    body["group"]["scaling"] =
        json!({"up": [{"policyName": "p", "dimensions": [{"name": "a", "value": "b"}]}]});
    let r = schema::validate(ApiGeneration::V2, &body);
    assert!(r.is_valid() && r.unknown_fields.is_empty(), "{r:#?}");
    let mut body = v3_body();
    body["group"]["compute"]["launchSpecification"]["osDisk"] =
        json!({"sizeGb": 30, "type": "Standard_LRS"});
    let r = schema::validate(ApiGeneration::V3, &body);
    assert_eq!(
        r.unknown_fields[0].nearest_known.as_deref(),
        Some("group.compute.launchSpecification.osDisk.sizeGB")
    );
}

#[test]
fn free_form_objects_accept_any_field_and_anyof_is_checked() {
    let mut body = v3_body();
    body["group"]["compute"]["launchSpecification"]["extensions"][0]["publicSettings"] =
        json!({"anything": {"x": 1}});
    body["group"]["scheduling"] = json!({"tasks": [{"type": "scale", "isEnabled": true, "cronExpression": "0 1 * * *", "scaleTargetCapacity": 2}]});
    let r = schema::validate(ApiGeneration::V3, &body);
    assert!(r.is_valid() && r.unknown_fields.is_empty(), "{r:#?}");
    body["group"]["scheduling"]["tasks"][0]["type"] = json!("bogus");
    let r = schema::validate(ApiGeneration::V3, &body);
    assert!(
        error_at(&r, "group.scheduling.tasks[0]")
            .contains("matches none of the 6 allowed alternatives")
    );
}

#[test]
fn set_overrides_then_validate_end_to_end() {
    let mut body = v3_body();
    let sets = parse_set_args(&[
        "capacity.maximum=3,capacity.target=2".to_owned(),
        "compute.vmSizes.spotSizes=[\"standard_d2_v2\",\"standard_d3_v2\"]".to_owned(),
        "compute.launchSpecification.tags[3].tagKey=team".to_owned(),
    ])
    .unwrap();
    // tags has 6 entries, so index 3 exists and is overwritten in place.
    apply_set(&mut body["group"], &sets).unwrap();
    check_capacity(&body["group"]).unwrap();
    assert_eq!(
        body["group"]["capacity"],
        json!({"target": 2, "minimum": 0, "maximum": 3})
    );
    assert!(schema::validate(ApiGeneration::V3, &body).is_valid());

    let sets = parse_set_args(&["capacity.target=5".to_owned()]).unwrap();
    apply_set(&mut body["group"], &sets).unwrap();
    assert!(
        check_capacity(&body["group"])
            .unwrap_err()
            .to_string()
            .contains("target 5")
    );

    let sets = parse_set_args(&["compute.launchSpecification.vmNamePrefx=abc".to_owned()]).unwrap();
    apply_set(&mut body["group"], &sets).unwrap();
    let r = schema::validate(ApiGeneration::V3, &body);
    assert_eq!(
        r.unknown_fields[0].nearest_known.as_deref(),
        Some("group.compute.launchSpecification.vmNamePrefix")
    );
}

#[test]
fn build_time_json_is_the_embedded_yaml_without_documentation() {
    assert_eq!(embedded::JSON_FILES.len(), embedded::FILES.len());
    for ((yaml_path, yaml), (json_path, json)) in embedded::FILES.iter().zip(embedded::JSON_FILES) {
        assert_eq!(yaml_path, json_path);
        let mut from_yaml: serde_json::Value = serde_saphyr::from_str(yaml).unwrap();
        elastigroup::schema::doc_keys::strip_doc_keys(&mut from_yaml);
        let from_json: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(from_yaml, from_json, "{yaml_path}");
    }
}

#[test]
fn ranges_lengths_and_strict_integers_are_checked_in_the_body() {
    let mut body = v3_body();
    body["group"]["strategy"]["spotPercentage"] = json!(150);
    body["group"]["name"] = json!("");
    body["group"]["capacity"]["target"] = json!(2.0);
    body["group"]["capacity"]["maximum"] = json!(u64::MAX);
    let r = schema::validate(ApiGeneration::V3, &body);
    assert!(
        error_at(&r, "group.strategy.spotPercentage").contains("from 0 to 100, found 150"),
        "{r:?}"
    );
    assert!(
        error_at(&r, "group.name").contains("non-empty string"),
        "{r:?}"
    );
    assert!(
        error_at(&r, "group.capacity.target").contains("expected integer"),
        "{r:?}"
    );
    assert!(
        error_at(&r, "group.capacity.maximum").contains("64-bit"),
        "{r:?}"
    );
    let mut v2 = v2_body();
    v2["group"]["strategy"]["lowPriorityPercentage"] = json!(101);
    assert!(
        error_at(
            &schema::validate(ApiGeneration::V2, &v2),
            "group.strategy.lowPriorityPercentage"
        )
        .contains("from 0 to 100")
    );
    v2["group"]["strategy"]["lowPriorityPercentage"] = json!(100);
    assert!(schema::validate(ApiGeneration::V2, &v2).is_valid());
}
