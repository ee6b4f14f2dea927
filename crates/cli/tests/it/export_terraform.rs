//! `export terraform`: the groups the local Spot API holds, written as HCL; parsed back with
//! hcl-rs, secrets checked absent from the .tf and present in the tfvars.

use std::path::{Path, PathBuf};

use elastigroup::ApiGeneration;
use group_sync::{GroupRecord, StateFile};
use serde_json::Value;
use test_support::spot_server::SpotServer;

use crate::common::{SUBSCRIPTION, bin, spot_server};
use crate::import_create::{Run, Workdir, import, run, spot_cmd};

/// `export terraform -o DIR EXTRA...` against `server`.
fn export(server: &SpotServer, dir: &Path, extra: &[&str]) -> Run {
    let mut cmd = spot_cmd(server);
    cmd.args(["export", "terraform", "-o"]).arg(dir).args(extra);
    run(cmd)
}

/// The groups `import --dry-run --show-secrets` plans for a directory (secrets shown).
fn planned(dir: &Path) -> Vec<Value> {
    let out = bin()
        .args([
            "import",
            "--dry-run",
            "--show-secrets",
            "-s",
            SUBSCRIPTION,
            "-o",
        ])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    match serde_json::from_slice::<Value>(&out.stdout).unwrap() {
        Value::Array(a) => a.into_iter().map(|b| b["group"].clone()).collect(),
        one => vec![one["group"].clone()],
    }
}

fn pool_of(group: &Value) -> String {
    group["compute"]["launchSpecification"]["tags"]
        .as_array()
        .and_then(|tags| tags.iter().find(|t| t["tagKey"] == "poolName"))
        .and_then(|t| t["tagValue"].as_str())
        .expect("every planned group carries its poolName tag")
        .to_owned()
}

/// Records `(pool, id, generation, name)` in `dir`'s state file, as an import would.
fn record(dir: &Path, groups: &[(&str, &str, ApiGeneration, &str)]) {
    let mut state = StateFile::load(&StateFile::path_in(dir)).unwrap();
    for (pool, id, generation, name) in groups {
        state.upsert(GroupRecord {
            pool: (*pool).into(),
            group_id: (*id).into(),
            generation: *generation,
            name: (*name).into(),
            created_at: group_sync::now_rfc3339(),
            updated_at: None,
            resource_group: None,
            subscription_id: None,
        });
    }
    state.save().unwrap();
}

/// What a test needs from every exported file: it parses, has one resource and one import
/// per group, and no secret value of `groups`; the tfvars (when written) holds them all.
fn check_files(tf: &str, tfvars: Option<&str>, groups: &[Value]) {
    let body: hcl::Body = hcl::parse(tf).unwrap_or_else(|e| panic!("does not parse ({e}):\n{tf}"));
    let count = |ident: &str| body.blocks().filter(|b| b.identifier() == ident).count();
    assert_eq!(count("resource"), groups.len());
    assert_eq!(count("import"), groups.len());
    assert_eq!(count("terraform"), 1);
    let vars = tfvars.map(|t| hcl::parse(t).unwrap_or_else(|e| panic!("tfvars ({e}):\n{t}")));
    let values: Vec<hcl::Value> = vars
        .iter()
        .flat_map(|v| v.attributes())
        .map(|a| hcl::eval::Evaluate::evaluate(a.expr(), &hcl::eval::Context::new()).unwrap())
        .collect();
    for group in groups {
        let spec = &group["compute"]["launchSpecification"];
        let mut secrets: Vec<&str> = vec![spec["customData"].as_str().unwrap()];
        for ext in spec["extensions"].as_array().into_iter().flatten() {
            if let Some(settings) = ext["protectedSettings"].as_object() {
                secrets.extend(settings.values().filter_map(Value::as_str));
            }
        }
        for secret in secrets {
            assert!(secret.len() > 16, "a real secret value");
            assert!(!tf.contains(secret), "a secret is in the .tf");
            if tfvars.is_some() {
                let present = values.iter().any(|v| match v {
                    hcl::Value::String(s) => s == secret,
                    hcl::Value::Object(m) => m.values().any(|x| x.as_str() == Some(secret)),
                    _ => false,
                });
                assert!(present, "a secret is missing from the tfvars");
            }
        }
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_real_import_then_export_writes_the_group_with_its_import_block() {
    let server = spot_server();
    let work = Workdir::example();
    let r = import(&server, &work.dir, &[]);
    assert!(r.ok, "{}", r.stderr);
    let id = server.groups()[0].id().to_owned();
    let tfvars = work.dir.join("secrets.auto.tfvars");

    let r = export(&server, &work.dir, &["--tfvars", tfvars.to_str().unwrap()]);
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.contains("exported 1 Spot Elastigroup(s)"),
        "{}",
        r.stderr
    );
    let gets = server.requests_matching("GET", &format!("/azure/compute/group/{id}"));
    assert_eq!(gets.len(), 1, "the live group is read from Spot");

    let tf_path = work.dir.join("spot-elastigroups.tf");
    let tf = std::fs::read_to_string(&tf_path).unwrap();
    let vars = std::fs::read_to_string(&tfvars).unwrap();
    let live = server.groups()[0].group.clone();
    check_files(&tf, Some(&vars), &[live]);
    assert!(tf.contains(&format!("id = \"{id}\"")));
    assert!(tf.contains("to = spotinst_elastigroup_azure_v3.agentpool1"));
    // The example's service principal secret reaches the group (in the bootstrap command):
    // the tfvars file has it, the .tf file and the terminal do not.
    let secret = "example-secret-written-for-the-demo";
    assert!(vars.contains(secret) && !tf.contains(secret));
    assert!(!r.stderr.contains(secret) && !r.stdout.contains(secret));
    #[cfg(unix)]
    {
        assert_eq!(mode(&tf_path), 0o600);
        assert_eq!(mode(&tfvars), 0o600);
    }
}

#[test]
fn without_tfvars_and_to_stdout_nothing_but_the_hcl_is_written() {
    let server = spot_server();
    let work = Workdir::example();
    assert!(import(&server, &work.dir, &[]).ok);
    let r = export(&server, &work.dir, &["--file", "-"]);
    assert!(r.ok, "{}", r.stderr);
    check_files(&r.stdout, None, &[server.groups()[0].group.clone()]);
    assert!(!work.dir.join("spot-elastigroups.tf").exists());
    assert!(
        r.stderr.contains("set them, e.g. with --tfvars FILE"),
        "{}",
        r.stderr
    );
}

#[test]
fn every_shared_case_exports_to_hcl_that_parses_and_keeps_its_secrets_out() {
    let cases = test_fixtures::aks_engine_cases("export_terraform");
    let mut exported = 0;
    let formatted = tempfile::tempdir().unwrap();
    for (name, dir) in cases {
        // availability-set is refused by the import; pools-50 is the dry run's load case.
        if name == "availability-set" || name == "pools-50" {
            continue;
        }
        let server = spot_server();
        let groups = planned(&dir);
        let state_dir = tempfile::tempdir().unwrap();
        let mut records = Vec::new();
        for group in &groups {
            let id = server.insert_group("v3", group.clone());
            records.push((
                pool_of(group),
                id,
                group["name"].as_str().unwrap().to_owned(),
            ));
        }
        let rows: Vec<(&str, &str, ApiGeneration, &str)> = records
            .iter()
            .map(|(p, id, n)| (p.as_str(), id.as_str(), ApiGeneration::V3, n.as_str()))
            .collect();
        record(state_dir.path(), &rows);
        let tfvars = state_dir.path().join("secrets.tfvars");
        let r = export(
            &server,
            state_dir.path(),
            &["--tfvars", tfvars.to_str().unwrap()],
        );
        assert!(r.ok, "{name}: {}", r.stderr);
        let tf = std::fs::read_to_string(state_dir.path().join("spot-elastigroups.tf")).unwrap();
        let vars = std::fs::read_to_string(&tfvars).unwrap();
        check_files(&tf, Some(&vars), &groups);
        std::fs::write(formatted.path().join(format!("{name}.tf")), &tf).unwrap();
        std::fs::write(formatted.path().join(format!("{name}.tfvars")), &vars).unwrap();
        insta::with_settings!({
            snapshot_suffix => name.clone(),
            filters => vec![(r"sig-[0-9a-f]{8}", "sig-[id]")],
            prepend_module_to_snapshot => true,
        }, {
            insta::assert_snapshot!("export_tf", tf);
        });
        exported += 1;
    }
    if test_fixtures::aks_engine_fixtures("export_terraform").is_some() {
        assert!(exported >= 10, "only {exported} cases exported");
    }
    terraform_fmt_leaves_alone(formatted.path());
}

/// `terraform fmt -check` on every file of `dir` (when Terraform is installed): the export is
/// written as Terraform formats it, so a repository that checks formatting takes it as it is.
fn terraform_fmt_leaves_alone(dir: &std::path::Path) {
    let out = std::process::Command::new("terraform")
        .args(["fmt", "-check", "-diff", "-recursive"])
        .arg(dir)
        // No CLI configuration is needed to format, and none is read.
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .output();
    match out {
        Err(e) => eprintln!("NOTICE: terraform fmt -check skipped: terraform not runnable ({e})"),
        Ok(out) => assert!(
            out.status.success(),
            "terraform fmt would rewrite the export:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

#[test]
fn v2_groups_are_named_and_skipped() {
    let server = spot_server();
    let work = Workdir::example();
    assert!(import(&server, &work.dir, &[]).ok);
    record(
        &work.dir,
        &[(
            "legacy",
            "sig-00000002",
            ApiGeneration::V2,
            "spotdemo-legacy",
        )],
    );
    let r = export(&server, &work.dir, &[]);
    assert!(r.ok, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "agent pool `legacy`: Spot Elastigroup sig-00000002 (spotdemo-legacy) is a v2"
        ),
        "{}",
        r.stderr
    );
    let tf = std::fs::read_to_string(work.dir.join("spot-elastigroups.tf")).unwrap();
    assert!(!tf.contains("sig-00000002") && !tf.contains("legacy"));
    assert!(
        server
            .requests_matching("GET", "/compute/azure/group")
            .is_empty()
    );
}

#[test]
fn nothing_to_export_exits_1_and_writes_nothing() {
    let server = spot_server();
    let dir = tempfile::tempdir().unwrap();
    // No state file at all.
    let r = export(&server, dir.path(), &[]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("run import first"), "{}", r.stderr);
    // Only v2 groups.
    record(dir.path(), &[("p", "sig-00000002", ApiGeneration::V2, "n")]);
    let r = export(&server, dir.path(), &[]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("nothing exported"), "{}", r.stderr);
    assert!(!dir.path().join("spot-elastigroups.tf").exists());
    assert!(server.requests().is_empty());
}

#[test]
fn a_group_spot_no_longer_has_fails_the_export_and_writes_nothing() {
    let server = spot_server();
    let work = Workdir::example();
    assert!(import(&server, &work.dir, &[]).ok);
    record(
        &work.dir,
        &[("gone", "sig-0000dead", ApiGeneration::V3, "spotdemo-gone")],
    );
    let r = export(&server, &work.dir, &[]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .contains("agent pool `gone`: reading Spot Elastigroup sig-0000dead"),
        "{}",
        r.stderr
    );
    assert!(!work.dir.join("spot-elastigroups.tf").exists());
}

#[test]
fn tfvars_must_be_its_own_file() {
    let server = spot_server();
    let dir: PathBuf = tempfile::tempdir().unwrap().keep();
    let r = export(&server, &dir, &["--tfvars", "-"]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("--tfvars takes a file path"),
        "{}",
        r.stderr
    );
    std::fs::remove_dir_all(dir).unwrap();
}
