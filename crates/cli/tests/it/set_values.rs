//! `--set` values are checked against the Spot OpenAPI schema before anything is printed or sent:
//! the error names the key, the value and what was expected.

use crate::common::{SUBSCRIPTION, bin, example_dir};

/// A dry run of the bundled example with `sets`: (success, stdout, stderr).
fn dry_run(generation: &str, sets: &[&str]) -> (bool, String, String) {
    let mut cmd = bin();
    cmd.args(["import", "--dry-run", "-s", SUBSCRIPTION, "-o"])
        .arg(example_dir())
        .args(["--elastigroup-api", generation]);
    for s in sets {
        cmd.args(["--set", s]);
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn refused(generation: &str, set: &str, expected: &[&str]) {
    let (ok, stdout, stderr) = dry_run(generation, &[set]);
    assert!(!ok, "{set}: expected failure; stderr: {stderr}");
    assert!(stdout.is_empty(), "{set}: nothing printed: {stdout}");
    for e in expected {
        assert!(stderr.contains(e), "{set}: `{e}` missing from: {stderr}");
    }
}

#[test]
fn integers_written_as_floats_or_beyond_64_bits_are_refused() {
    refused(
        "v3",
        "capacity.target=1e+23",
        &["capacity.target=1e+23", "expected integer"],
    );
    refused(
        "v3",
        "capacity.target=1.0",
        &["capacity.target=1.0", "expected integer"],
    );
    refused(
        "v3",
        "capacity.maximum=18446744073709551615",
        &["capacity.maximum=18446744073709551615", "64-bit"],
    );
}

#[test]
fn out_of_range_percentages_and_an_empty_name_are_refused() {
    refused(
        "v3",
        "strategy.spotPercentage=150",
        &["strategy.spotPercentage=150", "from 0 to 100"],
    );
    refused(
        "v2",
        "strategy.lowPriorityPercentage=150",
        &["strategy.lowPriorityPercentage=150", "from 0 to 100"],
    );
    refused("v3", "name=", &["--set name=\"\"", "non-empty string"]);
}

#[test]
fn a_group_prefix_suggests_the_key_without_it() {
    refused(
        "v3",
        "group.capacity.target=2",
        &["group.capacity.target", "write `capacity.target`"],
    );
}

#[test]
fn values_within_the_schema_are_applied() {
    let (ok, stdout, stderr) = dry_run(
        "v3",
        &[
            "strategy.spotPercentage=100",
            "capacity.maximum=4",
            "name=my-group",
        ],
    );
    assert!(ok, "{stderr}");
    let g: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(g["group"]["capacity"]["maximum"], 4);
    assert_eq!(g["group"]["name"], "my-group");
}
