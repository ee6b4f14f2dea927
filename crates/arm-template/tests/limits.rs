//! Evaluation limits: no expression or template may take unbounded memory or time, and no input
//! may panic. Each case is an input that once allocated gigabytes or panicked.

use arm_template::{Deployment, DeploymentContext, EvalError, ParameterValues, Template};
use serde_json::{Value as Json, json};

fn eval(expression: &str) -> Result<Json, EvalError> {
    let t = Template::from_json(json!({})).unwrap();
    let d = Deployment::new(&t, &ParameterValues::new(), DeploymentContext::default()).unwrap();
    d.evaluate_expression(expression)
}

fn eval_err(expression: &str) -> String {
    eval(expression).expect_err(expression).to_string()
}

/// Variables `v0` .. `v{n}` where each doubles the previous with `step` (`{}` = previous name).
fn doubling_template(seed: Json, step: &str, n: usize) -> Template {
    let mut variables = serde_json::Map::new();
    variables.insert("v0".into(), seed);
    for i in 1..=n {
        let previous = format!("v{}", i - 1);
        variables.insert(format!("v{i}"), Json::String(step.replace("{}", &previous)));
    }
    Template::from_json(json!({"variables": variables})).unwrap()
}

fn variable_err(t: &Template, name: &str) -> String {
    let d = Deployment::new(t, &ParameterValues::new(), DeploymentContext::default()).unwrap();
    d.variable(name).expect_err(name).to_string()
}

#[test]
fn format_alignment_past_dotnet_limit_is_a_format_error() {
    let err = eval_err("format('{0,2147483647}', 'a')");
    assert!(
        err.contains("Input string was not in a correct format"),
        "{err}"
    );
    assert!(err.contains("format('{0,2147483647}', 'a')"), "{err}");
}

#[test]
fn huge_numeric_precision_is_a_format_error_not_a_panic() {
    for expression in [
        "format('{0:D65536}', 1)",
        "format('{0:X70000}', 1)",
        "format('{0:N99999}', 1)",
        "format('{0:F100}', json('1.5'))",
    ] {
        let err = eval_err(expression);
        assert!(err.contains("Format specifier was invalid"), "{err}");
    }
}

#[test]
fn a_string_doubled_through_40_variables_stops_at_4_mib() {
    let t = doubling_template(
        json!("ab"),
        "[concat(variables('{}'), variables('{}'))]",
        40,
    );
    let err = variable_err(&t, "v40");
    assert!(err.contains("4 MiB"), "{err}");
    assert!(err.contains("concat(variables('v"), "{err}");
}

#[test]
fn an_array_doubled_through_40_variables_stops_at_4_mib() {
    let t = doubling_template(json!([1]), "[concat(variables('{}'), variables('{}'))]", 40);
    assert!(variable_err(&t, "v40").contains("4 MiB"));
    let t = doubling_template(json!([1]), "[union(variables('{}'), range(0, 10))]", 3);
    let d = Deployment::new(&t, &ParameterValues::new(), DeploymentContext::default()).unwrap();
    assert_eq!(d.variable("v3").unwrap().as_array().unwrap().len(), 10);
}

#[test]
fn a_value_shared_through_json_literals_is_measured_when_made() {
    // Each variable is an array holding the previous one twice: memory stays small (shared), but
    // the value written out would be 2^40 elements.
    let mut variables = serde_json::Map::new();
    variables.insert("v0".into(), json!("x"));
    for i in 1..=40 {
        let previous = format!("[variables('v{}')]", i - 1);
        variables.insert(format!("v{i}"), json!([previous, previous]));
    }
    let t = Template::from_json(json!({"variables": variables})).unwrap();
    let err = variable_err(&t, "v40");
    assert!(
        err.contains("exceeds an evaluation limit") && err.contains("4 MiB"),
        "{err}"
    );
}

#[test]
fn nested_values_and_reference_chains_are_bounded() {
    let t = doubling_template(json!(1), "[createArray(variables('{}'))]", 200);
    assert!(variable_err(&t, "v200").contains("more than"));
    let t = doubling_template(json!(1), "[variables('{}')]", 2000);
    let err = variable_err(&t, "v2000");
    assert!(err.contains("levels deep"), "{err}");
}

#[test]
fn string_growth_is_checked_before_allocating() {
    let big = "concat(format('{0,999999}', 'a'), format('{0,999999}', 'a'))";
    let quad = format!("concat({big}, {big})");
    assert!(eval(&quad).is_ok());
    let oct = format!("concat({quad}, {quad}, 'x')");
    assert!(eval_err(&oct).contains("4 MiB"));
    let replaced = format!("replace({quad}, ' ', '    ')");
    assert!(eval_err(&replaced).contains("4 MiB"));
    let joined = format!("join(createArray({quad}, {quad}), '-')");
    assert!(eval_err(&joined).contains("4 MiB"));
    let encoded = format!("base64(concat({quad}, {big}))");
    assert!(eval_err(&encoded).contains("4 MiB"));
    let escaped = format!("uriComponent({quad})");
    assert!(eval_err(&escaped).contains("4 MiB"));
    assert!(eval_err("padLeft('a', 2147483647)").contains("16000"));
}

#[test]
fn total_work_is_bounded() {
    let err = eval_err(
        "length(map(range(0, 10000), lambda('x', map(range(0, 10000), lambda('y', add(lambdaVariables('x'), lambdaVariables('y')))))))",
    );
    assert!(err.contains("evaluation steps"), "{err}");
}

#[test]
fn integer_edge_cases_are_errors_not_panics() {
    for expression in [
        "add(9223372036854775807, 1)",
        "sub(-9223372036854775807, 2)",
        "mul(9223372036854775807, 2)",
        "div(sub(-9223372036854775807, 1), -1)",
        "mod(sub(-9223372036854775807, 1), -1)",
        "range(9223372036854775807, 1)",
        "range(0, 9223372036854775807)",
        "substring('abc', 1, 9223372036854775807)",
        "substring('abc', 9223372036854775807)",
        "substring('abc', -1)",
        "copyIndex(9223372036854775807)",
        "dateTimeAdd('2020-01-01', 'P9999999999999999999Y')",
        "dateTimeAdd('2020-01-01', 'PT9223372036854775807S')",
        "cidrSubnet('10.0.0.0/8', 128, 0)",
        "cidrHost('10.0.0.0/8', 9223372036854775807)",
        "take('abc', -9223372036854775807)",
        "skip(createArray(1), 9223372036854775807)",
    ] {
        let _ = eval(expression); // must return (Ok or Err) without panicking
    }
    assert!(eval_err("substring('abc', 1, 9223372036854775807)").contains("out of range"));
    assert!(eval_err("add(9223372036854775807, 1)").contains("overflows"));
}

#[test]
fn long_date_format_runs_are_not_a_panic() {
    let yyy = "y".repeat(70_000);
    let expression = format!("utcNow('{yyy}')");
    let t = Template::from_json(json!({
        "parameters": {"now": {"type": "string", "defaultValue": format!("[{expression}]")}}
    }))
    .unwrap();
    let d = Deployment::new(&t, &ParameterValues::new(), DeploymentContext::default()).unwrap();
    assert_eq!(d.parameter("now").unwrap().as_str().unwrap().len(), 70_000);
}

#[test]
fn deep_expressions_inside_deep_variable_chains_do_not_overflow_the_stack() {
    // Each variable nests 200 calls deep and refers to the next one at the bottom.
    let mut variables = serde_json::Map::new();
    for i in 0..60 {
        let inner = if i == 59 {
            "'end'".to_owned()
        } else {
            format!("variables('v{}')", i + 1)
        };
        let expression = format!("{}{inner}{}", "string(".repeat(200), ")".repeat(200));
        variables.insert(format!("v{i}"), Json::String(format!("[{expression}]")));
    }
    let t = Template::from_json(json!({"variables": variables})).unwrap();
    let err = variable_err(&t, "v0");
    assert!(err.contains("nested more than"), "{err}");
}

#[test]
fn deep_json_inside_deep_variable_chains_does_not_overflow_the_stack() {
    // Each variable is JSON nested 100 arrays deep with a reference to the next at the bottom.
    let mut variables = serde_json::Map::new();
    for i in 0..60 {
        let mut value = if i == 59 {
            json!("end")
        } else {
            json!(format!("[variables('v{}')]", i + 1))
        };
        for _ in 0..100 {
            value = json!([value]);
        }
        variables.insert(format!("v{i}"), value);
    }
    let t = Template::from_json(json!({"variables": variables})).unwrap();
    let err = variable_err(&t, "v0");
    assert!(err.contains("nested more than"), "{err}");
}

#[test]
fn quadratic_string_searches_are_bounded() {
    let haystack = "format('{0,999999}', 'a')";
    let needle = "format('{0,500000}', 'b')";
    let err = eval_err(&format!("indexOf({haystack}, {needle})"));
    assert!(err.contains("evaluation steps"), "{err}");
    let err = eval_err(&format!("lastIndexOf({haystack}, {needle})"));
    assert!(err.contains("evaluation steps"), "{err}");
    let err = eval_err(&format!(
        "split({haystack}, createArray({needle}, {needle}))"
    ));
    assert!(err.contains("evaluation steps"), "{err}");
    assert_eq!(eval("indexOf('abcdef', 'CD')").unwrap(), json!(2));
}
