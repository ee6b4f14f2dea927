//! Random templates through the whole dry run: the bundled example (`examples/demo-cluster`)
//! with generated ARM expressions and values put into its variables, its agent pool's scale set
//! (properties, a copy loop, a condition) and its parameter values, planned by [`importer::plan`]
//! (what `import --dry-run` runs). Whatever the template, the plan never panics: it gives bodies
//! that Spot's schema accepts, or an error that names the file it comes from.

use std::path::{Path, PathBuf};

use aks_engine::{OutputDir, RequirementOverrides};
use elastigroup::ApiGeneration;
use importer::plan::{self, PlanOptions};
use importer::sizes::SizeFlags;
use proptest::prelude::*;
use serde_json::{Value, json};

const SUBSCRIPTION: &str = "6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d";

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo-cluster")
}

/// The example's variable and parameter names, so generated expressions often refer to real ones.
const VARIABLES: [&str; 8] = [
    "agentpool1VMNamePrefix",
    "agentpool1VMSize",
    "agentpool1VnetSubnetID",
    "agentpool1osImageSKU",
    "location",
    "locations",
    "vnetID",
    "sshKeyPath",
];
const PARAMETERS: [&str; 8] = [
    "agentpool1Count",
    "agentpool1VMSize",
    "agentpool1osImageSKU",
    "linuxAdminUsername",
    "location",
    "maxPods",
    "nameSuffix",
    "sshRSAPublicKey",
];

/// Places in the scale set resource a generated value replaces (added when missing).
const SCALE_SET_PATHS: [&str; 14] = [
    "/sku/capacity",
    "/sku/name",
    "/sku/tier",
    "/location",
    "/name",
    "/tags/poolName",
    "/zones",
    "/properties/overprovision",
    "/properties/virtualMachineProfile/priority",
    "/properties/virtualMachineProfile/osProfile/adminUsername",
    "/properties/virtualMachineProfile/osProfile/customData",
    "/properties/virtualMachineProfile/storageProfile/imageReference/sku",
    "/properties/virtualMachineProfile/storageProfile/osDisk/diskSizeGB",
    "/properties/virtualMachineProfile/networkProfile/networkInterfaceConfigurations/0/properties/ipConfigurations/0/properties/subnet/id",
];

/// An ARM expression's inner text (without the brackets).
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (-5i64..300).prop_map(|n| n.to_string()),
        "[a-zA-Z0-9_ ,./{}-]{0,12}".prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
        proptest::sample::select(&VARIABLES[..]).prop_map(|v| format!("variables('{v}')")),
        proptest::sample::select(&PARAMETERS[..]).prop_map(|p| format!("parameters('{p}')")),
        Just("resourceGroup().name".to_owned()),
        Just("resourceGroup().location".to_owned()),
        Just("subscription().subscriptionId".to_owned()),
        Just("true()".to_owned()),
        Just("copyIndex()".to_owned()),
        Just("json('{\"a\": [1, 2]}')".to_owned()),
        Just("variables('nope')".to_owned()),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        let f1 = proptest::sample::select(
            &[
                "string",
                "int",
                "length",
                "toLower",
                "toUpper",
                "base64",
                "first",
                "last",
                "empty",
                "not",
                "bool",
                "createArray",
                "json",
                "uniqueString",
                "trim",
            ][..],
        );
        let f2 = proptest::sample::select(
            &[
                "concat", "add", "sub", "mul", "div", "mod", "equals", "greater", "split",
                "contains", "union", "take", "skip", "format", "replace", "and", "or", "min",
                "max", "range", "padLeft",
            ][..],
        );
        prop_oneof![
            (f1, inner.clone()).prop_map(|(f, a)| format!("{f}({a})")),
            (f2, inner.clone(), inner.clone()).prop_map(|(f, a, b)| format!("{f}({a}, {b})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("if({c}, {a}, {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("substring({a}, 0, {b})")),
            (inner.clone(), 0u8..4).prop_map(|(a, i)| format!("{a}[{i}]")),
            inner.prop_map(|a| format!("{a}.name")),
        ]
    })
}

/// A template value: an expression string or plain JSON.
fn template_value() -> impl Strategy<Value = Value> {
    let plain = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-3i64..1_000_000).prop_map(Value::from),
        (-1.0e3f64..1.0e3).prop_map(Value::from),
        "[a-zA-Z0-9_ ./-]{0,16}".prop_map(Value::from),
        Just(json!(["westeurope", 1, null])),
        Just(json!({"name": "x", "value": [1, "2"]})),
        Just(json!("[[literal bracket")),
        Just(json!("[unclosed(")),
    ];
    prop_oneof![
        3 => expression().prop_map(|e| Value::from(format!("[{e}]"))),
        2 => plain,
    ]
}

/// One change to the example.
#[derive(Debug, Clone)]
enum Mutation {
    Variable(String, Value),
    ScaleSet(&'static str, Value),
    Copy(Value),
    Condition(Value),
    Parameter(&'static str, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let variable_name = prop_oneof![
        3 => proptest::sample::select(&VARIABLES[..]).prop_map(str::to_owned),
        1 => "[a-z]{1,6}",
    ];
    prop_oneof![
        (variable_name, template_value()).prop_map(|(n, v)| Mutation::Variable(n, v)),
        (
            proptest::sample::select(&SCALE_SET_PATHS[..]),
            template_value()
        )
            .prop_map(|(p, v)| Mutation::ScaleSet(p, v)),
        prop_oneof![
            (0i64..6).prop_map(Value::from),
            (-2i64..2000).prop_map(Value::from),
            template_value(),
        ]
        .prop_map(Mutation::Copy),
        prop_oneof![any::<bool>().prop_map(Value::from), template_value()]
            .prop_map(Mutation::Condition),
        (proptest::sample::select(&PARAMETERS[..]), template_value())
            .prop_map(|(p, v)| Mutation::Parameter(p, v)),
    ]
}

/// Sets `pointer` in `root`, creating the last object member when missing.
fn set_pointer(root: &mut Value, pointer: &str, value: Value) {
    if let Some(slot) = root.pointer_mut(pointer) {
        *slot = value;
        return;
    }
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    if let Some(Value::Object(map)) = root.pointer_mut(parent) {
        map.insert(key.to_owned(), value);
    }
}

/// The example's agent pool scale set.
fn vmss(template: &mut Value) -> &mut Value {
    template["resources"]
        .as_array_mut()
        .expect("resources")
        .iter_mut()
        .find(|r| r["type"] == "Microsoft.Compute/virtualMachineScaleSets")
        .expect("the example's scale set")
}

fn apply(template: &mut Value, parameters: &mut Value, m: &Mutation) {
    match m {
        Mutation::Variable(name, v) => {
            template["variables"][name.as_str()] = v.clone();
        }
        Mutation::ScaleSet(path, v) => set_pointer(vmss(template), path, v.clone()),
        Mutation::Copy(count) => {
            vmss(template)["copy"] = json!({"name": "poolCopy", "count": count});
        }
        Mutation::Condition(c) => {
            vmss(template)["condition"] = c.clone();
        }
        Mutation::Parameter(name, v) => {
            parameters["parameters"][*name] = json!({ "value": v });
        }
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Copies the example into a temporary directory with `mutations` applied.
fn mutated_example(mutations: &[Mutation]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let src = example_dir();
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), tmp.path().join(entry.file_name())).unwrap();
        }
    }
    let mut template = read_json(&src.join("azuredeploy.json"));
    let mut parameters = read_json(&src.join("azuredeploy.parameters.json"));
    for m in mutations {
        apply(&mut template, &mut parameters, m);
    }
    std::fs::write(
        tmp.path().join("azuredeploy.json"),
        serde_json::to_vec_pretty(&template).unwrap(),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("azuredeploy.parameters.json"),
        serde_json::to_vec_pretty(&parameters).unwrap(),
    )
    .unwrap();
    tmp
}

/// Loads and plans `dir` as `import --dry-run -s SUBSCRIPTION` does.
fn dry_run(
    dir: &Path,
    generation: ApiGeneration,
) -> Result<Vec<plan::PlannedGroup>, Box<dyn std::error::Error + 'static>> {
    let dir = OutputDir::load(dir)?;
    let options = PlanOptions {
        pools: Vec::new(),
        generation,
        sets: Vec::new(),
        overrides: RequirementOverrides::default(),
        subscription_id: SUBSCRIPTION.to_owned(),
        resource_group: "spotdemo".to_owned(),
        sizes: SizeFlags::default().options(&dir, false)?,
    };
    Ok(plan::plan(&dir, &options, None)?)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_templates_plan_to_valid_bodies_or_a_located_error(
        mutations in proptest::collection::vec(mutation(), 1..5),
        v2 in any::<bool>(),
    ) {
        let generation = if v2 { ApiGeneration::V2 } else { ApiGeneration::V3 };
        let tmp = mutated_example(&mutations);
        match dry_run(tmp.path(), generation) {
            Ok(planned) => {
                prop_assert!(!planned.is_empty());
                for g in &planned {
                    let report = elastigroup::schema::validate(generation, &g.body);
                    prop_assert!(
                        report.errors.is_empty(),
                        "pool {}: {:?}\n{}",
                        g.pool,
                        report.errors,
                        g.body
                    );
                }
            }
            Err(e) => {
                // It names the template file, or (a value the template gives that Spot's schema
                // refuses) the body path it would have gone to.
                let message = importer::error_chain(e.as_ref());
                prop_assert!(
                    message.contains("azuredeploy")
                        || message.contains("does not match Spot's")
                            && message.contains("\n  group."),
                    "the error names neither the file nor a path: {message}"
                );
            }
        }
    }
}

/// The unchanged example plans (the properties above start from a template that works).
#[test]
fn the_unchanged_example_plans() {
    let tmp = mutated_example(&[]);
    let planned = dry_run(tmp.path(), ApiGeneration::V3).unwrap();
    assert_eq!(planned.len(), 1);
    assert!(
        elastigroup::schema::validate(ApiGeneration::V3, &planned[0].body)
            .errors
            .is_empty()
    );
}
