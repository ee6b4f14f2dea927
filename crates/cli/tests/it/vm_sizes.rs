//! Each pool's VM sizes: the catalog sources (`--sku-catalog`, the saved one, the live API,
//! none), `--spot-sizes`, `--size-window`, `--set` winning, and what stderr and JSON report.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use test_support::arm_server::{ArmServer, ArmServerConfig};
use test_support::spot_server::SpotServer;

use crate::common::{SUBSCRIPTION, bin, example_dir};
use crate::import_create::{Run, Workdir, import, run, spot_cmd};

/// What the demo's saved catalog yields for Standard_D2_v2 (see crates/vm-sizes/README.md).
const DEMO_SIZES: [&str; 6] = [
    "standard_d2_v2",
    "standard_d11_v2",
    "standard_d3_v2",
    "standard_ds2_v2",
    "standard_f4s_v2",
    "standard_d2s_v3",
];

fn saved_catalog(dir: &Path) -> PathBuf {
    dir.join("resource-skus-westeurope.json")
}

/// A copy of the example without its saved catalog.
fn example_without_catalog() -> Workdir {
    let work = Workdir::example();
    std::fs::remove_file(saved_catalog(&work.dir)).unwrap();
    work
}

/// The demo catalog's records.
fn demo_records() -> Vec<Value> {
    let v: Value =
        serde_json::from_slice(&std::fs::read(saved_catalog(&example_dir())).unwrap()).unwrap();
    v["value"].as_array().unwrap().clone()
}

fn dry_run(dir: &Path, extra: &[&str]) -> Run {
    let mut cmd = bin();
    cmd.args(["import", "--dry-run", "-s", SUBSCRIPTION, "-o"])
        .arg(dir)
        .args(extra);
    run(cmd)
}

fn vm_sizes(stdout: &str) -> Value {
    let body: Value = serde_json::from_str(stdout).unwrap();
    body["group"]["compute"]["vmSizes"].clone()
}

fn spot_sizes(stdout: &str) -> Value {
    let s = vm_sizes(stdout);
    if s.get("lowPrioritySizes").is_some() {
        s["lowPrioritySizes"].clone()
    } else {
        s["spotSizes"].clone()
    }
}

#[test]
fn the_saved_catalog_beside_the_artifacts_gives_a_dry_run_several_sizes() {
    let r = dry_run(&example_dir(), &[]);
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(spot_sizes(&r.stdout), json!(DEMO_SIZES));
    assert_eq!(vm_sizes(&r.stdout)["odSizes"][0], "standard_d2_v2");
    assert!(
        r.stderr.contains(&format!(
            "saved catalog {}",
            saved_catalog(&example_dir()).display()
        )),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(&DEMO_SIZES.join(", ")), "{}", r.stderr);
    // Only -v lists what was left out.
    assert!(!r.stderr.contains("left out"), "{}", r.stderr);
}

#[test]
fn verbose_lists_every_excluded_size_with_its_rule() {
    let r = dry_run(&example_dir(), &["-v"]);
    assert!(r.ok, "{}", r.stderr);
    for line in [
        "left out Standard_A2_v2: 4 GB memory, less than the source size's 7 GB",
        "left out Standard_B2ms: not Spot-capable (LowPriorityCapable is False)",
        "left out Standard_D2ps_v5: CPU architecture Arm64, the source size is x64",
        "left out Standard_D4s_v3: 16 GB memory, more than the size window's 14 GB",
    ] {
        assert!(r.stderr.contains(line), "{line}\n{}", r.stderr);
    }
}

#[test]
fn sku_catalog_file_in_either_shape_is_used_and_named() {
    let work = example_without_catalog();
    let tmp = tempfile::tempdir().unwrap();
    // The bare array `az vm list-skus -o json` prints.
    let file = tmp.path().join("skus.json");
    std::fs::write(&file, serde_json::to_vec(&demo_records()).unwrap()).unwrap();
    let r = dry_run(&work.dir, &["--sku-catalog", file.to_str().unwrap()]);
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(spot_sizes(&r.stdout), json!(DEMO_SIZES));
    assert!(
        r.stderr
            .contains(&format!("catalog {}, 10 records", file.display())),
        "{}",
        r.stderr
    );
    // The API's {"value": [...]} works the same, and the file wins over a saved catalog.
    let api = tmp.path().join("api.json");
    let mut records = demo_records();
    records.retain(|r| r["name"] != "Standard_D11_v2");
    std::fs::write(
        &api,
        serde_json::to_vec(&json!({"value": records})).unwrap(),
    )
    .unwrap();
    let r = dry_run(&example_dir(), &["--sku-catalog", api.to_str().unwrap()]);
    assert!(r.ok, "{}", r.stderr);
    let sizes = spot_sizes(&r.stdout);
    assert_eq!(
        sizes.as_array().unwrap().len(),
        DEMO_SIZES.len() - 1,
        "{sizes}"
    );
    assert!(!sizes.to_string().contains("standard_d11_v2"));
}

#[test]
fn without_any_catalog_the_pool_keeps_its_size_and_a_note_says_how_to_get_more() {
    let work = example_without_catalog();
    let r = dry_run(&work.dir, &[]);
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(
        vm_sizes(&r.stdout),
        json!({"odSizes": ["standard_d2_v2"], "spotSizes": ["standard_d2_v2"]})
    );
    assert!(
        r.stderr.contains("no Resource SKUs catalog"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("--sku-catalog") && r.stderr.contains("az vm list-skus -l westeurope"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_unreadable_or_unparsable_catalog_is_an_error_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("not-a-catalog.json");
    std::fs::write(&bad, "{\"skus\": []}").unwrap();
    let missing = tmp.path().join("missing.json");
    for file in [&bad, &missing] {
        let r = dry_run(&example_dir(), &["--sku-catalog", file.to_str().unwrap()]);
        assert!(!r.ok);
        assert_ne!(r.code, Some(0));
        assert!(r.stdout.is_empty(), "{}", r.stdout);
        assert!(
            r.stderr.contains(&file.display().to_string()),
            "{}",
            r.stderr
        );
    }
    // A real import: nothing is created.
    let server = crate::common::spot_server();
    let work = Workdir::example();
    let r = import(
        &server,
        &work.dir,
        &["--sku-catalog", bad.to_str().unwrap()],
    );
    assert!(!r.ok);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.contains("not-a-catalog.json"), "{}", r.stderr);
    assert!(server.requests().is_empty());
    assert!(!work.state_file().exists());
}

#[test]
fn spot_sizes_source_keeps_the_one_size_despite_a_catalog() {
    let r = dry_run(&example_dir(), &["--spot-sizes", "source"]);
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(
        vm_sizes(&r.stdout),
        json!({"odSizes": ["standard_d2_v2"], "spotSizes": ["standard_d2_v2"]})
    );
    assert!(r.stderr.contains("--spot-sizes source"), "{}", r.stderr);
}

#[test]
fn a_size_list_is_checked_and_an_incompatible_size_is_named_with_its_rule() {
    let r = dry_run(
        &example_dir(),
        &["--spot-sizes", "Standard_D3_v2,standard_d2_v2"],
    );
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(
        vm_sizes(&r.stdout),
        json!({"odSizes": ["standard_d2_v2"], "spotSizes": ["standard_d3_v2", "standard_d2_v2"]})
    );

    let r = dry_run(
        &example_dir(),
        &["--spot-sizes", "standard_d2_v2,Standard_B2ms"],
    );
    assert!(!r.ok);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        r.stderr.contains("Standard_B2ms")
            && r.stderr
                .contains("not Spot-capable (LowPriorityCapable is False)"),
        "{}",
        r.stderr
    );

    let r = dry_run(&example_dir(), &["--spot-sizes", "Standard_Nope_v9"]);
    assert!(!r.ok);
    assert!(r.stderr.contains("Standard_Nope_v9"), "{}", r.stderr);

    // Without a catalog a list cannot be checked: an error that says what to do.
    let work = example_without_catalog();
    let r = dry_run(&work.dir, &["--spot-sizes", "Standard_D3_v2"]);
    assert!(!r.ok);
    assert!(r.stderr.contains("--sku-catalog"), "{}", r.stderr);
}

#[test]
fn the_size_window_widens_the_choice_and_must_be_at_least_one() {
    let r = dry_run(&example_dir(), &["--size-window", "3"]);
    assert!(r.ok, "{}", r.stderr);
    let sizes = spot_sizes(&r.stdout);
    assert!(sizes.to_string().contains("standard_d4s_v3"), "{sizes}");

    let r = dry_run(&example_dir(), &["--size-window", "0.5"]);
    assert!(!r.ok);
    assert!(r.stderr.contains("--size-window"), "{}", r.stderr);
}

#[test]
fn an_explicit_set_always_wins_v3_and_v2() {
    let r = dry_run(
        &example_dir(),
        &[
            "--set",
            r#"compute.vmSizes.spotSizes=["standard_d4_v2"]"#,
            "--set",
            r#"compute.vmSizes.odSizes=["standard_d4_v2"]"#,
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(
        vm_sizes(&r.stdout),
        json!({"odSizes": ["standard_d4_v2"], "spotSizes": ["standard_d4_v2"]})
    );
    assert!(r.stderr.contains("set by --set"), "{}", r.stderr);

    let r = dry_run(
        &example_dir(),
        &[
            "--elastigroup-api",
            "v2",
            "--set",
            r#"compute.vmSizes.lowPrioritySizes=["standard_d4_v2"]"#,
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    let sizes = vm_sizes(&r.stdout);
    assert_eq!(sizes["lowPrioritySizes"], json!(["standard_d4_v2"]));
    // odSizes were not set: the chosen ones stay.
    assert_eq!(sizes["odSizes"], json!(DEMO_SIZES));

    // Without --set, v2 gets the chosen sizes as lowPrioritySizes.
    let r = dry_run(&example_dir(), &["--elastigroup-api", "v2"]);
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(vm_sizes(&r.stdout)["lowPrioritySizes"], json!(DEMO_SIZES));
}

/// The local ARM server serving the demo's Resource SKUs, three per page.
struct Arm {
    _rt: tokio::runtime::Runtime,
    server: ArmServer,
}

impl Arm {
    fn start() -> Arm {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = rt.block_on(ArmServer::start(ArmServerConfig::default()));
        server.serve_resource_skus(demo_records(), 3);
        Arm { _rt: rt, server }
    }

    /// `import -o DIR` with Azure credentials for this server.
    fn import(&self, spot: &SpotServer, dir: &Path, extra: &[&str]) -> Run {
        let c = self.server.config();
        let mut cmd = spot_cmd(spot);
        cmd.args(["import", "-s", &c.subscription_id, "-o"])
            .arg(dir)
            .args(["--arm-url", &self.server.url()])
            .args(extra)
            .env("AZURE_AUTHORITY_HOST", self.server.url())
            .env("AZURE_CLIENT_ID", &c.client_id)
            .env("AZURE_CLIENT_SECRET", &c.client_secret);
        run(cmd)
    }
}

#[test]
fn a_real_import_reads_the_live_catalog_page_by_page_saves_it_and_sends_the_sizes() {
    let arm = Arm::start();
    let spot = crate::common::spot_server();
    let work = example_without_catalog();
    // No AZURE_TENANT_ID: the tenant is discovered, as for reference().
    let r = arm.import(&spot, &work.dir, &["--output", "json"]);
    assert!(r.ok, "{}", r.stderr);

    let posts = spot.requests_matching("POST", "/azure/compute/group");
    assert_eq!(posts.len(), 1);
    let body = posts[0].json();
    let sent = &body["group"]["compute"]["vmSizes"];
    assert_eq!(sent["spotSizes"], json!(DEMO_SIZES));

    // Every page was read: 10 records, 3 per page.
    let pages = arm.server.requests_to("/providers/Microsoft.Compute/skus");
    assert_eq!(pages.len(), 4, "{pages:#?}");
    assert_eq!(
        pages[0].query_param("$filter").as_deref(),
        Some("location eq 'westeurope'")
    );

    // Saved beside the artifacts, whole, for later dry runs.
    let saved: Value =
        serde_json::from_slice(&std::fs::read(saved_catalog(&work.dir)).unwrap()).unwrap();
    assert_eq!(saved["value"].as_array().unwrap().len(), 10);
    // (without -s: the subscription the import recorded; common's SUBSCRIPTION is another one)
    let mut again = bin();
    again.args(["import", "--dry-run", "-o"]).arg(&work.dir);
    let again = run(again);
    assert!(again.ok, "{}", again.stderr);
    assert_eq!(spot_sizes(&again.stdout), json!(DEMO_SIZES));

    // stderr and the JSON summary say where the sizes came from.
    assert!(
        r.stderr.contains("live catalog of westeurope, 10 records"),
        "{}",
        r.stderr
    );
    let summary: Value = serde_json::from_str(&r.stdout).unwrap();
    let sizes = &summary["groups"][0]["sizes"];
    assert_eq!(sizes["catalog"]["source"], "live");
    assert_eq!(sizes["catalog"]["region"], "westeurope");
    assert_eq!(sizes["catalog"]["records"], 10);
    assert_eq!(sizes["spotSizes"], json!(DEMO_SIZES));
    assert!(
        sizes["excluded"]
            .as_array()
            .unwrap()
            .contains(&json!({"size": "Standard_B2ms", "rule": "not-spot-capable", "reason": "not Spot-capable (LowPriorityCapable is False)"})),
        "{sizes}"
    );
}

#[test]
fn a_real_import_with_a_catalog_file_reads_nothing_live() {
    let arm = Arm::start();
    let spot = crate::common::spot_server();
    let work = example_without_catalog();
    let file = saved_catalog(&example_dir());
    let r = arm.import(&spot, &work.dir, &["--sku-catalog", file.to_str().unwrap()]);
    assert!(r.ok, "{}", r.stderr);
    assert!(arm.server.requests_to("Microsoft.Compute/skus").is_empty());
    assert!(!saved_catalog(&work.dir).exists(), "nothing saved");
    let posts = spot.requests_matching("POST", "/azure/compute/group");
    assert_eq!(
        posts[0].json()["group"]["compute"]["vmSizes"]["spotSizes"],
        json!(DEMO_SIZES)
    );
}

/// `import` with no Azure credentials at all: no `az` on PATH, nothing listening.
fn import_without_azure(spot: &SpotServer, dir: &Path) -> Run {
    let no_az = tempfile::tempdir().unwrap();
    let mut cmd = spot_cmd(spot);
    cmd.args(["import", "-s", SUBSCRIPTION, "-o"])
        .arg(dir)
        .env("PATH", no_az.path())
        .env("AZURE_RESOURCE_MANAGER_URL", "http://127.0.0.1:9")
        .env("AZURE_AUTHORITY_HOST", "http://127.0.0.1:9");
    run(cmd)
}

#[test]
fn without_azure_credentials_a_real_import_falls_back_to_the_saved_catalog_or_the_source_size() {
    let spot = crate::common::spot_server();
    let work = Workdir::example();
    let before = std::fs::read(saved_catalog(&work.dir)).unwrap();
    let r = import_without_azure(&spot, &work.dir);
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stderr.contains("using the saved catalog"), "{}", r.stderr);
    let posts = spot.requests_matching("POST", "/azure/compute/group");
    assert_eq!(
        posts[0].json()["group"]["compute"]["vmSizes"]["spotSizes"],
        json!(DEMO_SIZES)
    );
    assert_eq!(
        std::fs::read(saved_catalog(&work.dir)).unwrap(),
        before,
        "left as it was"
    );

    let spot = crate::common::spot_server();
    let work = example_without_catalog();
    let r = import_without_azure(&spot, &work.dir);
    assert!(r.ok, "never fails because of sizes: {}", r.stderr);
    assert!(r.stderr.contains("no saved catalog either"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("no Resource SKUs catalog; for several sizes"),
        "{}",
        r.stderr
    );
    let posts = spot.requests_matching("POST", "/azure/compute/group");
    assert_eq!(
        posts[0].json()["group"]["compute"]["vmSizes"],
        json!({"odSizes": ["standard_d2_v2"], "spotSizes": ["standard_d2_v2"]})
    );
}

#[test]
fn a_catalog_with_a_byte_order_mark_is_read_and_one_in_utf16_says_how_to_resave_it() {
    let work = example_without_catalog();
    let text = serde_json::to_vec(&json!({ "value": demo_records() })).unwrap();
    let bom = work.dir.join("skus-bom.json");
    std::fs::write(&bom, [b"\xEF\xBB\xBF".as_slice(), &text].concat()).unwrap();
    let r = dry_run(&work.dir, &["--sku-catalog", bom.to_str().unwrap()]);
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(spot_sizes(&r.stdout), json!(DEMO_SIZES));

    // What Windows PowerShell's `>` writes: UTF-16 little-endian with a byte-order mark.
    let utf16 = work.dir.join("skus-utf16.json");
    let le: Vec<u8> = String::from_utf8(text)
        .unwrap()
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(&utf16, [[0xFF, 0xFE].as_slice(), &le].concat()).unwrap();
    let r = dry_run(&work.dir, &["--sku-catalog", utf16.to_str().unwrap()]);
    assert!(!r.ok);
    assert!(
        r.stderr.contains(&format!(
            "the Resource SKUs catalog {}: the file is UTF-16 (little-endian), as Windows PowerShell's `>` writes it; \
             save it as UTF-8: `az vm list-skus -l REGION -o json | Out-File -Encoding utf8 FILE`",
            utf16.display()
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn size_names_from_a_catalog_or_the_flag_are_checked() {
    let work = example_without_catalog();
    let mut records = demo_records();
    records[0]["name"] = json!("Standard D2_v2");
    let file = work.dir.join("skus.json");
    std::fs::write(
        &file,
        serde_json::to_vec(&json!({ "value": records })).unwrap(),
    )
    .unwrap();
    let r = dry_run(&work.dir, &["--sku-catalog", file.to_str().unwrap()]);
    assert!(!r.ok);
    assert!(
        r.stderr.contains(&format!(
            "the Resource SKUs catalog {}: record #0: size name \"Standard D2_v2\" is not a VM size name: it contains a space",
            file.display()
        )),
        "{}",
        r.stderr
    );

    let r = dry_run(
        &example_dir(),
        &["--spot-sizes", "Standard_D2_v2,Standard/D3_v2"],
    );
    assert!(!r.ok);
    assert!(
        r.stderr.contains("--spot-sizes")
            && r.stderr
                .contains("\"Standard/D3_v2\": it contains '/'; a VM size name has letters"),
        "{}",
        r.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_device_as_catalog_is_refused_without_reading_it() {
    let r = dry_run(&example_dir(), &["--sku-catalog", "/dev/zero"]);
    assert!(!r.ok);
    assert!(
        r.stderr
            .contains("the Resource SKUs catalog /dev/zero is not a file (a character device)"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_size_window_has_an_upper_bound() {
    let r = dry_run(&example_dir(), &["--size-window", "8"]);
    assert!(r.ok, "{}", r.stderr);
    let r = dry_run(&example_dir(), &["--size-window", "9"]);
    assert!(!r.ok);
    assert!(
        r.stderr.contains("--size-window") && r.stderr.contains("from 1 to 8"),
        "{}",
        r.stderr
    );
}
