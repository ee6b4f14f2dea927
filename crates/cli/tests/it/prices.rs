//! Prices and Spot eviction rates: `estimate` (text and JSON) on a shared fixture case with the
//! fixture price files, its refusal without prices, the end of `import`'s summary, and a real
//! import reading both live (paged, from the local Retail Prices and ARM stand-ins), saving
//! them, and a dry run reusing the saved files offline.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use test_support::arm_server::{ArmServer, ArmServerConfig};
use test_support::prices_server::PricesServer;
use test_support::spot_server::SpotServer;

use crate::common::{SUBSCRIPTION, bin};
use crate::import_create::{Run, Workdir, run, spot_cmd};

/// `../shared/fixtures/azure/prices`, or `None` (skipped) when `../shared` is absent.
fn price_dir(test: &str) -> Option<PathBuf> {
    Some(test_fixtures::shared_dir(test)?.join("fixtures/azure/prices"))
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The southcentralus Resource SKUs fixture relabelled to `region` (the fixture cases run in
/// eastus), written into `dir`.
pub fn catalog_for(region: &str, dir: &Path) -> PathBuf {
    let shared = test_fixtures::shared_dir("prices catalog").unwrap();
    let mut v = read_json(&shared.join("fixtures/azure/resource-skus/southcentralus.json"));
    for r in v["value"].as_array_mut().unwrap() {
        r["locations"] = json!([region]);
        for li in r["locationInfo"].as_array_mut().into_iter().flatten() {
            li["location"] = json!(region);
        }
        for rs in r["restrictions"].as_array_mut().into_iter().flatten() {
            if rs.get("values").is_some() {
                rs["values"] = json!([region]);
            }
            if rs.pointer("/restrictionInfo/locations").is_some() {
                rs["restrictionInfo"]["locations"] = json!([region]);
            }
        }
    }
    let path = dir.join(format!("skus-{region}.json"));
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    path
}

/// The multi-pool fixture (eastus: agentpool1 2 × Standard_D2_v2, zonalpool 3 × Standard_D4s_v3,
/// labeled 1 × Standard_F8s_v2) as it is, read-only: `estimate` writes nothing.
fn multi_pool() -> Option<PathBuf> {
    test_fixtures::aks_engine_cases("prices multi-pool")
        .into_iter()
        .find(|(name, _)| name == "multi-pool")
        .map(|(_, p)| p)
}

fn estimate(dir: &Path, extra: &[&str]) -> Run {
    let mut cmd = bin();
    cmd.args(["estimate", "-o"]).arg(dir).args(extra);
    run(cmd)
}

struct Files {
    _tmp: tempfile::TempDir,
    skus: PathBuf,
    prices: PathBuf,
    rates: PathBuf,
}

fn files(test: &str) -> Option<Files> {
    let prices = price_dir(test)?;
    let tmp = tempfile::tempdir().unwrap();
    Some(Files {
        skus: catalog_for("eastus", tmp.path()),
        _tmp: tmp,
        prices: prices.join("southcentralus.json"),
        rates: prices.join("spot-eviction-rates-southcentralus.json"),
    })
}

impl Files {
    fn args(&self) -> Vec<&str> {
        vec![
            "--sku-catalog",
            self.skus.to_str().unwrap(),
            "--price-catalog",
            self.prices.to_str().unwrap(),
            "--eviction-rates",
            self.rates.to_str().unwrap(),
        ]
    }
}

#[test]
fn estimate_prints_each_pool_its_sizes_and_the_total() {
    let (Some(dir), Some(f)) = (multi_pool(), files("estimate text")) else {
        return;
    };
    let r = estimate(&dir, &f.args());
    assert!(r.ok, "{}", r.stderr);
    let out = &r.stdout;
    for line in [
        "Estimated cost in USD (eastus, 730 hours a month):",
        "agentpool1: 2 × Standard_D2_v2",
        // 2 × 0.146 $/h; 2 × 0.01752 $/h.
        "  on-demand       $0.2920/hour       $213.16/month",
        "  Spot            $0.0350/hour        $25.58/month  saving 88.0%",
        "    Standard_DS2_v2  Spot   $0.02774/hour  on-demand   $0.14600/hour  evictions 0-5%/month",
        "    Standard_D2_v5   Spot   $0.00960/hour  on-demand   $0.09600/hour  evictions 10-15%/month",
        "zonalpool: 3 × Standard_D4s_v3",
        // The catalog has no F8s_v2 and the prices neither: the pool is shown, not totalled.
        "labeled: 1 × standard_f8s_v2",
        "total: on-demand $633.64/month → Spot ~$84.45/month (-86.7%)",
        "  (without labeled: no price for the source size)",
    ] {
        assert!(out.contains(line), "{line:?} in\n{out}");
    }
    assert!(
        out.contains("list prices") && out.contains("Spot prices move"),
        "{out}"
    );
    // The sizes after the source are in risk order: DS2_v2 (0-5) first.
    let d2 = out.find("    Standard_D2_v2 ").unwrap();
    let ds2 = out.find("    Standard_DS2_v2").unwrap();
    let d2s = out.find("    Standard_D2s_v3").unwrap();
    assert!(d2 < ds2 && ds2 < d2s, "{out}");
    // The files are southcentralus's: said, and used.
    assert!(
        r.stderr
            .contains("are for southcentralus, not the cluster's region eastus: using them anyway"),
        "{}",
        r.stderr
    );
}

#[test]
fn estimate_json_has_the_documented_shape_and_count_comes_from_the_capacity_target() {
    let (Some(dir), Some(f)) = (multi_pool(), files("estimate json")) else {
        return;
    };
    let mut args = f.args();
    args.extend([
        "--output",
        "json",
        "--pool",
        "agentpool1",
        "--set",
        "capacity.target=3,capacity.maximum=3",
    ]);
    let r = estimate(&dir, &args);
    assert!(r.ok, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["currency"], "USD");
    let pools = v["pools"].as_array().unwrap();
    assert_eq!(pools.len(), 1);
    let p = &pools[0];
    assert_eq!(
        (
            p["pool"].clone(),
            p["count"].clone(),
            p["sourceSize"].clone()
        ),
        (json!("agentpool1"), json!(3), json!("Standard_D2_v2"))
    );
    assert_eq!(p["onDemandHourly"], json!(0.438));
    assert_eq!(p["spotHourly"], json!(0.05256));
    assert_eq!(p["onDemandMonthly"], json!(319.74));
    assert_eq!(p["spotMonthly"], json!(38.37));
    assert_eq!(p["savingsPercent"], json!(88.0));
    assert_eq!(
        p["sizes"][0],
        json!({"name": "Standard_D2_v2", "spotHourly": 0.01752, "onDemandHourly": 0.146, "evictionRate": null})
    );
    assert_eq!(
        p["sizes"][1],
        json!({"name": "Standard_DS2_v2", "spotHourly": 0.02774, "onDemandHourly": 0.146, "evictionRate": "0-5"})
    );
    assert_eq!(
        v["total"],
        json!({"onDemandMonthly": 319.74, "spotMonthly": 38.37, "savingsPercent": 88.0})
    );
}

#[test]
fn estimate_without_any_price_data_exits_1_naming_the_flag_and_the_saved_file() {
    let Some(dir) = multi_pool() else {
        return;
    };
    // The Retail Prices URL of every test run points at a closed port.
    let r = estimate(&dir, &[]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.contains("--price-catalog FILE"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&dir.join("prices-eastus.json").display().to_string()),
        "{}",
        r.stderr
    );
    // Without -s, no Resource Graph query is tried.
    assert!(r.stderr.contains("no subscription"), "{}", r.stderr);
}

#[test]
fn a_dry_run_ranks_with_the_files_prefers_three_sizes_and_ends_with_the_costs() {
    let (Some(dir), Some(f)) = (multi_pool(), files("dry run prices")) else {
        return;
    };
    let mut cmd = bin();
    cmd.args(["import", "--dry-run", "-s", SUBSCRIPTION, "-o"])
        .arg(&dir)
        .args(f.args());
    let r = run(cmd);
    assert!(r.ok, "{}", r.stderr);
    let bodies: Value = serde_json::from_str(&r.stdout).unwrap();
    let sizes = &bodies[0]["group"]["compute"]["vmSizes"];
    assert_eq!(
        sizes["spotSizes"],
        json!([
            "standard_d2_v2",
            "standard_ds2_v2",
            "standard_d2s_v3",
            "standard_d2_v3",
            "standard_d2_v5"
        ])
    );
    // 0-5 first; then, all 10-15, by Spot price per vCPU; D2_v3 and D2_v5 tie, list order.
    assert_eq!(
        sizes["preferredSpotSizes"],
        json!(["standard_ds2_v2", "standard_d2s_v3", "standard_d2_v3"])
    );
    for line in [
        "agentpool1: 2 × Standard_D2_v2  on-demand $213/month → Spot ~$26/month (-88%)",
        "zonalpool: 3 × Standard_D4s_v3  on-demand $420/month → Spot ~$59/month (-86%)",
        "These are list prices",
    ] {
        assert!(r.stderr.contains(line), "{line:?} in\n{}", r.stderr);
    }
    // -v shows each size's band and prices.
    let mut cmd = bin();
    cmd.args(["import", "--dry-run", "-v", "-s", SUBSCRIPTION, "-o"])
        .arg(&dir)
        .args(f.args());
    let v = run(cmd);
    assert!(
        v.stderr.contains(
            "  standard_ds2_v2: evictions 0-5%/month, Spot 0.02774/hour, on-demand 0.146/hour"
        ),
        "{}",
        v.stderr
    );

    // Without prices or rates: the closeness order, no preferred sizes, and how to get them.
    let mut cmd = bin();
    cmd.args(["import", "--dry-run", "-s", SUBSCRIPTION, "-o"])
        .arg(&dir)
        .args(["--sku-catalog", f.skus.to_str().unwrap()]);
    let plain = run(cmd);
    assert!(plain.ok, "{}", plain.stderr);
    let bodies: Value = serde_json::from_str(&plain.stdout).unwrap();
    let sizes = &bodies[0]["group"]["compute"]["vmSizes"];
    assert!(sizes.get("preferredSpotSizes").is_none(), "{sizes}");
    assert_eq!(
        sizes["spotSizes"],
        json!([
            "standard_d2_v2",
            "standard_ds2_v2",
            "standard_d2_v3",
            "standard_d2_v5",
            "standard_d2s_v3"
        ]),
        "closeness alone puts D2s_v3 (another family and generation) last"
    );
    assert!(
        plain
            .stderr
            .contains("note: no VM prices for eastus: pass --price-catalog FILE"),
        "{}",
        plain.stderr
    );
    assert!(
        plain
            .stderr
            .contains("note: no Spot eviction rates for eastus: pass --eviction-rates FILE"),
        "{}",
        plain.stderr
    );
    assert!(!plain.stderr.contains("/month"), "{}", plain.stderr);
}

/// The fixture's rows and records relabelled to `region`.
fn live_data(prices: &Path, region: &str) -> (Vec<Value>, Vec<Value>) {
    let mut rows = read_json(&prices.join("southcentralus.json"))["Items"]
        .as_array()
        .unwrap()
        .clone();
    for r in &mut rows {
        r["armRegionName"] = json!(region);
        r["location"] = json!(region);
        r["serviceName"] = json!("Virtual Machines");
    }
    let mut rates = read_json(&prices.join("spot-eviction-rates-southcentralus.json"))["data"]
        .as_array()
        .unwrap()
        .clone();
    for r in &mut rates {
        r["location"] = json!(region);
    }
    (rows, rates)
}

/// Local ARM (Resource SKUs, Resource Graph) and Retail Prices servers.
struct Live {
    _rt: tokio::runtime::Runtime,
    arm: ArmServer,
    prices: PricesServer,
}

impl Live {
    fn start(rows: Vec<Value>, rates: Vec<Value>, skus: Vec<Value>) -> Live {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let arm = rt.block_on(ArmServer::start(ArmServerConfig::default()));
        arm.serve_resource_skus(skus, 0);
        arm.serve_spot_eviction_rates(rates, 5);
        let prices = rt.block_on(PricesServer::start(rows, 25));
        Live {
            _rt: rt,
            arm,
            prices,
        }
    }

    fn import(&self, spot: &SpotServer, dir: &Path) -> Run {
        let c = self.arm.config();
        let mut cmd = spot_cmd(spot);
        cmd.args(["import", "-s", &c.subscription_id, "-o"])
            .arg(dir)
            .args(["--arm-url", &self.arm.url()])
            .env("AZURE_AUTHORITY_HOST", self.arm.url())
            .env("AZURE_CLIENT_ID", &c.client_id)
            .env("AZURE_CLIENT_SECRET", &c.client_secret)
            .env("AZURE_RETAIL_PRICES_URL", self.prices.url());
        run(cmd)
    }
}

#[test]
fn a_real_import_reads_prices_and_rates_live_saves_them_and_a_dry_run_reuses_them_offline() {
    let Some(prices) = price_dir("live prices") else {
        return;
    };
    let region = "westeurope";
    let (rows, rates) = live_data(&prices, region);
    let work = Workdir::example();
    let skus = read_json(&work.dir.join("resource-skus-westeurope.json"))["value"]
        .as_array()
        .unwrap()
        .clone();
    let live = Live::start(rows.clone(), rates.clone(), skus);
    let spot = crate::common::spot_server();
    let r = live.import(&spot, &work.dir);
    assert!(r.ok, "{}", r.stderr);

    // Every page of both: 140 rows (the filter keeps the Consumption ones) in pages of 25,
    // 13 records in pages of 5.
    let consumption = rows.iter().filter(|r| r["type"] == "Consumption").count();
    assert_eq!(live.prices.price_requests().len(), consumption.div_ceil(25));
    let graph = live
        .arm
        .requests_to("/providers/Microsoft.ResourceGraph/resources");
    assert_eq!(graph.len(), 3, "13 records in pages of 5");

    // Saved beside the artifacts, whole.
    let saved_prices = read_json(&work.dir.join("prices-westeurope.json"));
    assert_eq!(saved_prices["Items"].as_array().unwrap().len(), consumption);
    let saved_rates = read_json(&work.dir.join("spot-eviction-rates-westeurope.json"));
    assert_eq!(saved_rates["data"].as_array().unwrap().len(), 13);

    // The group sent was ranked with them: DS2_v2 (0-5) is preferred first.
    let posts = spot.requests_matching("POST", "/azure/compute/group");
    let sent = posts[0].json()["group"]["compute"]["vmSizes"].clone();
    assert_eq!(sent["preferredSpotSizes"][0], "standard_ds2_v2", "{sent}");
    assert!(
        r.stderr.contains(
            "agentpool1: 2 × Standard_D2_v2  on-demand $213/month → Spot ~$26/month (-88%)"
        ),
        "{}",
        r.stderr
    );

    // A dry run afterwards reads the saved files: no network (the test's prices URL is closed,
    // no ARM is given), the same sizes and the same line. No `-s`: the import recorded its
    // subscription, and another one would be refused.
    let mut cmd = bin();
    cmd.args(["import", "--dry-run", "-o"]).arg(&work.dir);
    let again = run(cmd);
    assert!(again.ok, "{}", again.stderr);
    let body: Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(body["group"]["compute"]["vmSizes"], sent);
    assert!(
        again.stderr.contains(
            "agentpool1: 2 × Standard_D2_v2  on-demand $213/month → Spot ~$26/month (-88%)"
        ),
        "{}",
        again.stderr
    );
    assert!(!again.stderr.contains("note: no "), "{}", again.stderr);
    // And `estimate` too, offline.
    let e = estimate(&work.dir, &["--output", "json"]);
    assert!(e.ok, "{}", e.stderr);
    let v: Value = serde_json::from_str(&e.stdout).unwrap();
    assert_eq!(v["pools"][0]["onDemandMonthly"], json!(213.16));
}
