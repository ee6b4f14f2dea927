//! Bad input: one clear error, a non-zero exit, nothing written.

use std::path::Path;

use crate::common::{SUBSCRIPTION, bin, copy_dir, example_dir};

fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in walk(dir) {
        let meta = std::fs::metadata(&e).unwrap();
        out.push(format!(
            "{} {}",
            e.strip_prefix(dir).unwrap().display(),
            meta.len()
        ));
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            v.extend(walk(&p));
        } else {
            v.push(p);
        }
    }
    v
}

/// Copies the example, lets `edit` break it, runs a dry run and a real import: both must fail
/// with `expected` on stderr, print nothing on stdout and leave the directory as it was.
fn fails_with(edit: impl Fn(&Path), extra: &[&str], expected: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    copy_dir(&example_dir(), &dir);
    edit(&dir);
    let before = listing(&dir);
    for dry in [true, false] {
        let mut cmd = bin();
        cmd.args(["import", "-s", SUBSCRIPTION, "-o"])
            .arg(&dir)
            .args(extra);
        if dry {
            cmd.arg("--dry-run");
        }
        cmd.env("SPOTINST_TOKEN", "test-token")
            .env("SPOTINST_ACCOUNT", "act-12345678");
        // never reach a real API even if validation were skipped
        cmd.env("SPOTINST_BASE_URL", "http://127.0.0.1:9");
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "expected failure, got success; stderr: {stderr}"
        );
        assert!(
            out.stdout.is_empty(),
            "nothing on stdout: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        for e in expected {
            assert!(stderr.contains(e), "stderr should contain {e:?}:\n{stderr}");
        }
        assert_eq!(listing(&dir), before, "nothing written");
    }
}

fn edit_json(path: &Path, f: impl Fn(&mut serde_json::Value)) {
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

#[test]
fn missing_directory() {
    let out = bin()
        .args(["import", "--dry-run", "-o", "/nonexistent/aks-output"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/nonexistent/aks-output does not exist"),
        "{stderr}"
    );
}

#[test]
fn directory_that_is_not_aks_engine_output() {
    fails_with(
        |d| std::fs::remove_file(d.join("azuredeploy.json")).unwrap(),
        &[],
        &["does not look like aks-engine output", "azuredeploy.json"],
    );
}

#[test]
fn malformed_json_names_file_line_and_column() {
    fails_with(
        |d| {
            std::fs::write(
                d.join("azuredeploy.parameters.json"),
                "{\n  \"parameters\": {\n    \"x\": ,\n  }\n}\n",
            )
            .unwrap()
        },
        &[],
        &["azuredeploy.parameters.json:3:10", "invalid JSON"],
    );
}

#[test]
fn unknown_pool_lists_the_pools() {
    fails_with(
        |_| {},
        &["--pool", "gpu"],
        &["no agent pool named `gpu`", "agentpool1"],
    );
}

#[test]
fn bad_set_syntax_names_the_argument() {
    fails_with(|_| {}, &["--set", "capacity.target"], &["capacity.target"]);
}

#[test]
fn inconsistent_capacity_is_refused() {
    fails_with(|_| {}, &["--set", "capacity.target=9"], &["capacity"]);
}

#[test]
fn kubenet_cluster_is_refused_with_reason() {
    fails_with(
        |d| {
            edit_json(&d.join("apimodel.json"), |v| {
                v["properties"]["orchestratorProfile"]["kubernetesConfig"]["networkPlugin"] =
                    "kubenet".into()
            })
        },
        &[],
        &[
            "networkPlugin is `kubenet`",
            "needs azure",
            "--allow-kubenet",
        ],
    );
}

#[test]
fn basic_load_balancer_is_refused_with_reason() {
    fails_with(
        |d| {
            edit_json(&d.join("apimodel.json"), |v| {
                v["properties"]["orchestratorProfile"]["kubernetesConfig"]["loadBalancerSku"] =
                    "Basic".into()
            })
        },
        &[],
        &["loadBalancerSku is `Basic`", "needs Standard"],
    );
}

#[test]
fn availability_set_pool_is_refused() {
    fails_with(
        |d| {
            edit_json(&d.join("apimodel.json"), |v| {
                v["properties"]["agentPoolProfiles"][0]["availabilityProfile"] =
                    "AvailabilitySet".into()
            })
        },
        &[],
        &["availabilityProfile AvailabilitySet"],
    );
}

#[test]
fn unresolvable_expression_names_expression_and_path() {
    fails_with(
        |d| {
            edit_json(&d.join("azuredeploy.json"), |v| {
                v["variables"]["agentpool1VMSize"] = "[parameters('noSuchParameter')]".into()
            })
        },
        &[],
        &["noSuchParameter"],
    );
}

#[test]
fn missing_required_parameter_is_named() {
    fails_with(
        |d| {
            edit_json(&d.join("azuredeploy.parameters.json"), |v| {
                v["parameters"]
                    .as_object_mut()
                    .unwrap()
                    .remove("sshRSAPublicKey");
            })
        },
        &[],
        &["sshRSAPublicKey"],
    );
}
