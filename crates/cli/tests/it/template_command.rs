//! `template eval` and `template resources`.

use crate::common::{SUBSCRIPTION, bin, example_dir};

#[test]
fn eval_without_a_template_prints_json() {
    let out = bin()
        .args(["template", "eval", "concat('a', string(add(1, 2)))"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "\"a3\"");
}

#[test]
fn eval_accepts_brackets_and_unique_string_is_exact() {
    let out = bin()
        .args(["template", "eval", "[uniqueString('tyeth')]"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        "\"zcztcwvu6iyg6\""
    );
}

#[test]
fn eval_against_the_example_uses_parameters_variables_and_scope() {
    let out = bin()
        .args(["template", "eval", "-s", SUBSCRIPTION, "-r", "my-rg", "-o"])
        .arg(example_dir())
        .arg("variables('vnetSubnetID')")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!(
            "\"/subscriptions/{SUBSCRIPTION}/resourceGroups/my-rg/providers/Microsoft.Network/virtualNetworks/k8s-vnet-31415926/subnets/k8s-subnet\""
        )
    );
}

#[test]
fn bad_expression_exits_non_zero_with_the_column() {
    let out = bin()
        .args(["template", "eval", "[concat('a' 'b')]"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does not parse at column 13"), "{stderr}");
    // the caret sits under the offending token of the text as typed
    assert!(
        stderr.contains("\n  [concat('a' 'b')]\n              ^\n"),
        "{stderr}"
    );
}

#[test]
fn resources_lists_evaluated_types_and_names() {
    let out = bin()
        .args(["template", "resources", "-s", SUBSCRIPTION, "-o"])
        .arg(example_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("Microsoft.Compute/virtualMachineScaleSets"),
        "{stdout}"
    );
    assert!(stdout.contains("k8s-agentpool1-31415926-vmss"), "{stdout}");
    assert!(
        stdout.contains("Microsoft.Network/loadBalancers") && stdout.contains("spotdemo"),
        "{stdout}"
    );
}
