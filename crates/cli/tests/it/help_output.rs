//! Snapshots of the help text users read first.

use crate::common::bin;

fn help(args: &[&str]) -> String {
    let out = bin().args(args).env("COLUMNS", "100").output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn top_level_help() {
    insta::assert_snapshot!("help_top_level", help(&["--help"]));
}

#[test]
fn import_help_keeps_the_original_flags() {
    let text = help(&["import", "--help"]);
    for flag in [
        "--dry-run",
        "-o, --output-directory",
        "-r, --resource-group",
        "-s, --subscription",
        "--set",
    ] {
        assert!(text.contains(flag), "{flag} in\n{text}");
    }
    assert!(text.contains("[default: ./output]"));
    insta::assert_snapshot!("help_import", text);
}

#[test]
fn create_simple_help() {
    insta::assert_snapshot!("help_create_simple", help(&["create-simple", "--help"]));
}

#[test]
fn cutover_help_says_what_its_resource_group_is() {
    let text = help(&["cutover", "--help"]);
    let import = help(&["import", "--help"]);
    assert!(
        !text.contains("Azure resource group of the cluster ["),
        "cutover's -r is not import's:\n{text}"
    );
    assert!(import.contains("Azure resource group of the cluster"));
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Resource group of the cluster's scale sets, the one the import used"),
        "{text}"
    );
}

#[test]
fn eviction_concurrency_is_at_least_one() {
    for (command, flag) in [
        ("cutover", "--concurrency"),
        ("cutover", "--eviction-concurrency"),
        ("sync", "--eviction-concurrency"),
    ] {
        assert!(help(&[command, "--help"]).contains("-concurrency <N>"));
        let out = bin().args([command, flag, "0"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command} {flag} 0: {stderr}");
        assert!(
            stderr.contains("concurrency <N>") && stderr.contains("0 is not in 1.."),
            "{stderr}"
        );
    }
}
