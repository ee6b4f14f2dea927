//! `import --dry-run` on the example bundled in the repository (no ../shared needed).

use serde_json::Value;

use crate::common::{SUBSCRIPTION, bin, example_dir};

fn run(extra: &[&str]) -> (bool, String, String) {
    let out = bin()
        .args(["import", "--dry-run", "-o"])
        .arg(example_dir())
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn example_dry_run_prints_exactly_one_group_body() {
    let (ok, stdout, stderr) = run(&["-s", SUBSCRIPTION]);
    assert!(ok, "{stderr}");
    let body: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["group"]
    );
    assert_eq!(body["group"]["name"], "spotdemo-agentpool1");
    assert_eq!(body["group"]["region"], "westeurope");
    assert!(
        !stdout.contains("example-secret-written-for-the-demo"),
        "secret redacted"
    );
    insta::assert_snapshot!("example_dry_run", stdout);
}

#[test]
fn resource_group_defaults_to_the_dns_prefix_then_env_then_flag() {
    let (_, stdout, _) = run(&["-s", SUBSCRIPTION]);
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["group"]["resourceGroupName"], "spotdemo");

    let out = bin()
        .env("AZURE_RESOURCE_GROUP", "from-env")
        .args(["import", "--dry-run", "-s", SUBSCRIPTION, "-o"])
        .arg(example_dir())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["group"]["resourceGroupName"], "from-env");

    let (_, stdout, _) = run(&["-s", SUBSCRIPTION, "-r", "from-flag"]);
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["group"]["resourceGroupName"], "from-flag");
    // the resource group also flows into resourceGroup() inside the template
    let net = &v["group"]["compute"]["launchSpecification"]["network"];
    assert_eq!(net["resourceGroupName"], "from-flag");
}

#[test]
fn subscription_comes_from_the_environment_and_a_dry_run_without_one_warns() {
    let (ok, stdout, stderr) = run(&[]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("no subscription given"), "{stderr}");
    assert!(
        serde_json::from_str::<Value>(&stdout).is_ok(),
        "stdout stays pure JSON"
    );

    let out = bin()
        .env("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION)
        .args(["import", "--dry-run", "--show-secrets", "-o"])
        .arg(example_dir())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains(&format!("SUBSCRIPTION_ID={SUBSCRIPTION}")),
        "subscription() evaluated from env"
    );
}

#[test]
fn set_overrides_apply_after_mapping_with_typed_values() {
    let (ok, stdout, stderr) = run(&[
        "-s",
        SUBSCRIPTION,
        "--set",
        "capacity.maximum=5",
        "--set",
        "capacity.target=3,strategy.fallbackToOd=false",
        "--set",
        r#"compute.vmSizes.spotSizes=["standard_d2_v2","standard_d4_v2"]"#,
    ]);
    assert!(ok, "{stderr}");
    let g: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(g["group"]["capacity"]["maximum"], 5);
    assert_eq!(g["group"]["capacity"]["target"], 3);
    assert_eq!(g["group"]["strategy"]["fallbackToOd"], false);
    assert_eq!(
        g["group"]["compute"]["vmSizes"]["spotSizes"],
        serde_json::json!(["standard_d2_v2", "standard_d4_v2"])
    );
}

#[test]
fn legacy_generation_carries_the_cluster_identifier() {
    let (ok, stdout, stderr) = run(&["-s", SUBSCRIPTION, "--elastigroup-api", "v2"]);
    assert!(ok, "{stderr}");
    let g: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        g["group"]["thirdPartiesIntegration"]["kubernetes"]["clusterIdentifier"],
        "spotdemo"
    );
    assert!(
        stderr.to_lowercase().contains("load balancer"),
        "v2 cannot express the Azure LB: {stderr}"
    );
}

#[test]
fn unknown_set_path_warns_with_the_nearest_known_path() {
    let (ok, _stdout, stderr) = run(&["-s", SUBSCRIPTION, "--set", "strategy.fallbackToODD=true"]);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("fallbackToODD") && stderr.contains("fallbackToOd"),
        "{stderr}"
    );
}
