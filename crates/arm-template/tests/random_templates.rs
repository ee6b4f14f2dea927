//! Property test: small generated templates (random expressions in variables, parameter
//! defaults, resource names, copy counts, conditions, property loops and outputs) go through
//! binding and the evaluation of every resource and output. Whatever the input, each step returns
//! `Ok` or a typed error; none panics.

use arm_template::{
    DeployTimePolicy, Deployment, DeploymentContext, EvalError, ParameterValues, Template,
    TemplateError,
};
use proptest::prelude::*;
use serde_json::{Value as Json, json};

/// Functions the generator calls, with how many arguments it gives them (arity may be wrong on
/// purpose: that must be an error, not a panic).
const FUNCTIONS: &[&str] = &[
    "concat",
    "format",
    "add",
    "sub",
    "mul",
    "div",
    "mod",
    "string",
    "int",
    "length",
    "range",
    "substring",
    "padLeft",
    "replace",
    "split",
    "join",
    "union",
    "intersection",
    "createArray",
    "createObject",
    "first",
    "last",
    "take",
    "skip",
    "indexOf",
    "contains",
    "empty",
    "if",
    "equals",
    "not",
    "and",
    "or",
    "coalesce",
    "toUpper",
    "base64",
    "base64ToString",
    "json",
    "uniqueString",
    "guid",
    "resourceId",
    "dateTimeAdd",
    "cidrSubnet",
    "cidrHost",
    "min",
    "max",
    "flatten",
    "items",
    "objectKeys",
    "copyIndex",
    "reference",
    "uriComponent",
    "dataUri",
    "tryGet",
    "shallowMerge",
    "nosuchfunction",
];

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        (-3i64..12).prop_map(|i| i.to_string()),
        Just("9223372036854775807".to_owned()),
        Just("-9223372036854775807".to_owned()),
        Just("2147483647".to_owned()),
        prop::sample::select(vec![
            "'a'",
            "''",
            "'{0}'",
            "'{0,5}'",
            "'{0:D3}'",
            "'{1}'",
            "'10.0.0.0/16'",
            "'P1D'",
            "'2020-01-01'",
            "'[1,2]'",
            "'{\"a\":1}'",
            "'x,y'",
            "','",
            "'YQ=='",
        ])
        .prop_map(str::to_owned),
        prop::sample::select(vec!["true", "false", "null"]).prop_map(str::to_owned),
        (0usize..4).prop_map(|i| format!("variables('v{i}')")),
        Just("parameters('p')".to_owned()),
        Just("copyIndex()".to_owned()),
        Just("resourceGroup().name".to_owned()),
    ]
}

fn expression() -> impl Strategy<Value = String> {
    leaf().prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            4 => (prop::sample::select(FUNCTIONS), prop::collection::vec(inner.clone(), 0..4))
                .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
            1 => (inner.clone(), inner.clone()).prop_map(|(t, i)| format!("{t}[{i}]")),
            1 => inner.prop_map(|t| format!("{t}.a")),
        ]
    })
}

fn bracketed() -> impl Strategy<Value = Json> {
    expression().prop_map(|e| Json::String(format!("[{e}]")))
}

/// A JSON value that is a literal or an expression string, possibly inside an array or object.
fn fragment() -> impl Strategy<Value = Json> {
    let scalar = prop_oneof![
        2 => bracketed(),
        1 => leaf().prop_map(|e| Json::String(format!("[{e}]"))),
        1 => (0i64..5).prop_map(Json::from),
        1 => Just(json!("plain")),
    ];
    scalar.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Json::Array),
            (inner.clone(), inner).prop_map(|(a, b)| json!({"a": a, "[concat('k', 'x')]": b})),
        ]
    })
}

fn resource() -> impl Strategy<Value = Json> {
    (
        prop_oneof![Just(json!("name")), bracketed()],
        prop::option::of(prop_oneof![3 => (0i64..4).prop_map(Json::from), 1 => bracketed()]),
        prop::option::weighted(0.2, bracketed()),
        fragment(),
        prop::option::of((0i64..3, fragment())),
    )
        .prop_map(|(name, count, condition, properties, property_copy)| {
            let mut r = json!({"type": "Microsoft.Test/things", "name": name, "properties": {"p": properties}});
            if let Some(count) = count {
                r["copy"] = json!({"name": "loop", "count": count});
            }
            if let Some(condition) = condition {
                r["condition"] = condition;
            }
            if let Some((n, input)) = property_copy {
                r["properties"]["copy"] = json!([{"name": "items", "count": n, "input": input}]);
            }
            r
        })
}

fn template() -> impl Strategy<Value = Json> {
    (
        prop::collection::vec(fragment(), 4),
        prop::option::weighted(0.2, bracketed()),
        prop::collection::vec(resource(), 1..4),
        fragment(),
    )
        .prop_map(|(variables, default, resources, output)| {
            let variables: serde_json::Map<String, Json> = variables
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!("v{i}"), v))
                .collect();
            json!({
                "parameters": {"p": {"type": "string", "defaultValue": default.unwrap_or(json!("x"))}},
                "variables": variables,
                "resources": resources,
                "outputs": {"o": {"type": "object", "value": output}}
            })
        })
}

/// Evaluation results are `Ok` or one of the typed errors; reaching here means nothing panicked.
fn typed<T>(r: Result<T, EvalError>) -> bool {
    match r {
        Ok(_) => true,
        Err(e) => !e.to_string().is_empty(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn random_templates_evaluate_or_fail_with_a_typed_error(raw in template()) {
        let Ok(t) = Template::from_json(raw) else { return Ok(()) };
        for policy in [DeployTimePolicy::Fail, DeployTimePolicy::Mark] {
            match Deployment::new(&t, &ParameterValues::new(), DeploymentContext::default()) {
                Ok(d) => {
                    let d = d.with_deploy_time_policy(policy);
                    prop_assert!(typed(d.resources()));
                    for index in 0..t.resources_raw().len() {
                        prop_assert!(typed(d.evaluate_resource(index)));
                    }
                    prop_assert!(typed(d.outputs()));
                    for name in ["v0", "v1", "v2", "v3"] {
                        prop_assert!(typed(d.variable(name)));
                    }
                }
                Err(e) => {
                    let e: TemplateError = e;
                    prop_assert!(!e.to_string().is_empty());
                }
            }
        }
    }
}
