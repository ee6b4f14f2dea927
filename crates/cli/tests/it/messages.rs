//! What a user reads when something fails: each fact once, JSON paths instead of Rust types,
//! every unmet requirement at once, and silence when the reader of stdout goes away.

use std::path::Path;
use std::process::Stdio;

use test_support::spot_server::Fault;

use crate::common::{SUBSCRIPTION, bin, copy_dir, example_dir, spot_server};
use crate::import_create::{Workdir, import, run, spot_cmd};

fn edit_json(path: &Path, f: impl Fn(&mut serde_json::Value)) {
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

fn dry_run_stderr(dir: &Path, extra: &[&str]) -> String {
    let out = bin()
        .args(["import", "--dry-run", "-s", SUBSCRIPTION, "-o"])
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn an_api_failure_is_printed_once_with_its_cause() {
    let server = spot_server();
    server.inject(
        "POST",
        "/azure/compute/group",
        Fault::error(400, "CANT_CREATE_GROUP", "quota exceeded", None),
    );
    let work = Workdir::example();
    let r = import(&server, &work.dir, &[]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(
        r.stderr
            .matches("CANT_CREATE_GROUP: quota exceeded")
            .count(),
        1,
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("error: agent pool `agentpool1`"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_failed_delete_is_printed_once() {
    let server = spot_server();
    let work = Workdir::example();
    let r = import(&server, &work.dir, &[]);
    assert!(r.ok, "{}", r.stderr);
    server.inject(
        "DELETE",
        "/azure/compute/group/*",
        Fault::error(403, "FORBIDDEN", "not allowed", None),
    );
    let mut cmd = spot_cmd(&server);
    cmd.args(["delete", "-o"]).arg(&work.dir).arg("--yes");
    let r = run(cmd);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(
        r.stderr.matches("FORBIDDEN: not allowed").count(),
        1,
        "{}",
        r.stderr
    );
}

#[test]
fn an_error_shows_its_cause_once_after_its_own_context() {
    let work = Workdir::example();
    std::fs::create_dir(work.state_file()).unwrap();
    let server = spot_server();
    let r = import(&server, &work.dir, &[]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let line = r
        .stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line: {}", r.stderr));
    // The state file's context (checked before any request), then the cause, each once.
    assert!(line.contains("could not be written"), "{line}");
    assert_eq!(line.matches("it is a directory").count(), 1, "{line}");
    assert!(server.groups().is_empty());
}

#[cfg(unix)]
#[test]
fn a_closed_stdout_ends_the_dry_run_quietly() {
    let mut child = crate::common::spawnable_bin()
        .args(["import", "--dry-run", "-s", SUBSCRIPTION, "-o"])
        .arg(example_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the tool writes anything (`| head -c 0`).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn a_wrongly_typed_api_model_field_is_named_by_its_json_path_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    copy_dir(&example_dir(), &dir);
    edit_json(&dir.join("apimodel.json"), |v| {
        v["properties"]["agentPoolProfiles"][0]["count"] = "two".into()
    });
    let stderr = dry_run_stderr(&dir, &[]);
    assert!(
        stderr.contains(
            "properties.agentPoolProfiles[0].count: expected a non-negative integer, found \"two\""
        ),
        "{stderr}"
    );
    // The position of the value: `apimodel.json:LINE:COLUMN:`.
    let at = stderr.find("apimodel.json:").expect(&stderr);
    let position: Vec<&str> = stderr[at + "apimodel.json:".len()..]
        .splitn(3, ':')
        .take(2)
        .collect();
    assert!(
        position.iter().all(|p| p.parse::<usize>().is_ok()),
        "{stderr}"
    );
    assert!(!stderr.contains("u32"), "{stderr}");
}

#[test]
fn every_unmet_requirement_is_reported_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    copy_dir(&example_dir(), &dir);
    edit_json(&dir.join("apimodel.json"), |v| {
        let kc = &mut v["properties"]["orchestratorProfile"]["kubernetesConfig"];
        kc["networkPlugin"] = "kubenet".into();
        kc["loadBalancerSku"] = "Basic".into();
        v["properties"]["agentPoolProfiles"][0]["availabilityProfile"] = "AvailabilitySet".into();
    });
    let stderr = dry_run_stderr(&dir, &[]);
    for part in [
        "loadBalancerSku is `Basic`",
        "--allow-basic-load-balancer",
        "networkPlugin is `kubenet`",
        "--allow-kubenet",
        "availabilityProfile AvailabilitySet",
    ] {
        assert!(stderr.contains(part), "{part}: {stderr}");
    }
}

#[test]
fn create_simple_reports_every_unmet_requirement_without_suggesting_import_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model.json");
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(example_dir().join("apimodel.json")).unwrap())
            .unwrap();
    let kc = &mut v["properties"]["orchestratorProfile"]["kubernetesConfig"];
    kc["networkPlugin"] = "kubenet".into();
    kc["loadBalancerSku"] = "Basic".into();
    v["properties"]["masterProfile"]["dnsPrefix"] = "".into();
    std::fs::write(&model, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let fake_aks_engine = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fake-aks-engine");
    let out = bin()
        .current_dir(tmp.path())
        .env("SPOTINST_ACCOUNT", "act-12345678")
        .env("SPOTINST_TOKEN", "test-token")
        .env("SPOTINST_BASE_URL", "http://127.0.0.1:9")
        .env("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION)
        .env("AZURE_CLIENT_ID", "client")
        .env("AZURE_CLIENT_SECRET", "secret")
        .env("AKS_DNS_PREFIX", "reqs")
        .env("AZURE_LOCATION", "eastus")
        .env("AZURE_RESOURCE_MANAGER_URL", "http://127.0.0.1:9")
        .env("AZURE_AUTHORITY_HOST", "http://127.0.0.1:9")
        .env("AKS_ENGINE_BIN", &fake_aks_engine)
        .args(["create-simple", "--api-model"])
        .arg(&model)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("loadBalancerSku is `Basic`")
            && stderr.contains("networkPlugin is `kubenet`"),
        "{stderr}"
    );
    assert!(!stderr.contains("--allow-"), "{stderr}");
    assert!(!tmp.path().join("output").exists());
}
