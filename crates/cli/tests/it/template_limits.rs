//! `template eval` under the evaluation limits, and `template resources` with copy loops and
//! failing resources: inputs that once took gigabytes, panicked (exit 101) or printed errors as
//! resource names.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::{SUBSCRIPTION, bin, copy_dir, example_dir};

fn eval(expression: &str) -> std::process::Output {
    bin()
        .args(["template", "eval", expression])
        .output()
        .unwrap()
}

fn assert_fails_with(expression: &str, needle: &str) {
    let out = eval(expression);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{expression}: {stderr}");
    assert!(out.stdout.is_empty(), "{expression}");
    assert!(stderr.contains(needle), "{expression}: {stderr}");
    assert!(!stderr.contains("panicked"), "{expression}: {stderr}");
}

#[test]
fn huge_alignment_is_a_format_error() {
    assert_fails_with(
        "format('{0,2147483647}', 'a')",
        "Input string was not in a correct format",
    );
}

#[test]
fn huge_precision_is_a_format_error_not_a_panic() {
    assert_fails_with("format('{0:D65536}', 1)", "Format specifier was invalid");
    assert_fails_with("format('{0:X70000}', 1)", "Format specifier was invalid");
}

#[test]
fn values_past_4_mib_are_refused_naming_the_expression() {
    let mib = "format('{0,999999}', 'a')";
    let four = format!("concat({mib}, {mib}, {mib}, {mib})");
    assert_fails_with(&format!("concat({four}, {four})"), "4 MiB");
    assert_fails_with(&format!("concat({four}, {four})"), "concat(concat(format(");
}

#[test]
fn integer_overflow_and_out_of_range_are_errors() {
    assert_fails_with("add(9223372036854775807, 1)", "overflows");
    assert_fails_with("substring('abc', 1, 9223372036854775807)", "out of range");
    assert_fails_with("range(0, 9223372036854775807)", "between 0 and 10000");
}

/// The example cluster with extra resources appended to its template.
fn cluster_with(dir: &Path, extra: Vec<Value>) {
    copy_dir(&example_dir(), dir);
    let path = dir.join("azuredeploy.json");
    let mut template: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    template["resources"].as_array_mut().unwrap().extend(extra);
    std::fs::write(&path, serde_json::to_vec_pretty(&template).unwrap()).unwrap();
}

fn resources(dir: &Path) -> std::process::Output {
    bin()
        .args([
            "template",
            "resources",
            "-s",
            SUBSCRIPTION,
            "--output",
            "json",
            "-o",
        ])
        .arg(dir)
        .output()
        .unwrap()
}

#[test]
fn resources_expands_copy_loops_and_skips_false_conditions() {
    let tmp = tempfile::tempdir().unwrap();
    cluster_with(
        tmp.path(),
        vec![
            json!({
                "type": "Microsoft.Network/networkInterfaces",
                "name": "[concat('nic-', copyIndex())]",
                "copy": {"name": "nics", "count": 3}
            }),
            json!({
                "type": "Microsoft.Network/publicIPAddresses",
                "name": "never",
                "condition": false
            }),
        ],
    );
    let out = resources(tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let nics: Vec<&Value> = rows.iter().filter(|r| r["index"] == 2).collect();
    assert_eq!(nics.len(), 3, "{rows:#?}");
    for (i, nic) in nics.iter().enumerate() {
        assert_eq!(nic["name"], format!("nic-{i}"));
        assert_eq!(nic["copy"], i);
        assert!(nic.get("error").is_none());
    }
    assert!(rows.iter().all(|r| r["index"] != 3), "{rows:#?}");
    assert!(rows.iter().all(|r| r.get("error").is_none()));
}

#[test]
fn a_failing_resource_gets_an_error_field_and_a_non_zero_exit() {
    let tmp = tempfile::tempdir().unwrap();
    cluster_with(
        tmp.path(),
        vec![json!({
            "type": "Microsoft.Network/networkInterfaces",
            "name": "[concat('nic-', parameters('noSuchParameter'))]"
        })],
    );
    let out = resources(tmp.path());
    assert_eq!(out.status.code(), Some(1));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let bad = rows
        .iter()
        .find(|r| r["index"] == 2)
        .expect("a row for the bad resource");
    assert_eq!(bad["name"], Value::Null);
    assert_eq!(bad["type"], "Microsoft.Network/networkInterfaces");
    let error = bad["error"].as_str().unwrap();
    assert!(error.contains("'noSuchParameter'"), "{error}");
    // Good resources are still listed, and no name carries error text.
    assert!(
        rows.iter()
            .any(|r| r["index"] == 0 && r["name"].is_string())
    );
    assert!(
        rows.iter()
            .all(|r| !r["name"].as_str().unwrap_or_default().contains("error"))
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 of 3 template resource(s) failed"),
        "{stderr}"
    );
}

#[test]
fn a_string_doubled_through_40_variables_is_refused_not_allocated() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&example_dir(), tmp.path());
    let path = tmp.path().join("azuredeploy.json");
    let mut template: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let variables = template["variables"].as_object_mut().unwrap();
    variables.insert("d0".into(), json!("ab"));
    for i in 1..=40 {
        let previous = format!("d{}", i - 1);
        variables.insert(
            format!("d{i}"),
            json!(format!(
                "[concat(variables('{previous}'), variables('{previous}'))]"
            )),
        );
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&template).unwrap()).unwrap();
    let out = bin()
        .args(["template", "eval", "-s", SUBSCRIPTION, "-r", "my-rg", "-o"])
        .arg(tmp.path())
        .arg("length(variables('d40'))")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("exceeds") || stderr.contains("4 MiB"),
        "{stderr}"
    );
    assert!(stderr.contains("concat(variables('d"), "{stderr}");
}
