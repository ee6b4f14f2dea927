//! Choosing and ranking on the real southcentralus catalog.

use serde_json::json;
use vm_sizes::{
    Catalog, ChooseError, MAX_SIZES, Mode, Requirements, Rule, SelectionWarning, choose,
};

use crate::fixtures::{fixture, fixture_json, set_capability, synthetic};

const SCUS: &str = "southcentralus.json";

fn req() -> Requirements {
    let mut r = Requirements::new("southcentralus");
    r.need_accelerated_networking = true;
    r
}

#[test]
fn same_family_first_then_same_generation_then_the_rest() {
    let Some(c) = fixture("ranking", SCUS) else {
        return;
    };
    let sel = choose(&c, "standard_d2s_v3", &req(), &Mode::Auto).unwrap();
    // D4s_v3 shares standardDSv3Family; D2_v3 shares the v3 generation; D2_v5 shares neither.
    assert_eq!(
        sel.spot,
        [
            "standard_d2s_v3",
            "Standard_D4s_v3",
            "Standard_D2_v3",
            "Standard_D2_v5"
        ],
        "the source keeps its spelling, the rest take the catalog's"
    );
    assert!(sel.warnings.is_empty(), "{:?}", sel.warnings);
    let excluded = |name: &str| {
        sel.excluded
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| panic!("{name} not excluded: {sel:?}"))
    };
    assert_eq!(excluded("Standard_B1s"), Rule::NotSpotCapable);
    assert_eq!(
        excluded("Standard_D2_v2"),
        Rule::LessMemory {
            found: 7.0,
            source: 8.0
        }
    );
    assert!(matches!(
        excluded("Standard_D2as_v6"),
        Rule::HyperVGeneration { .. }
    ));
    assert!(matches!(
        excluded("Standard_D64s_v3"),
        Rule::TooManyVcpus { .. }
    ));
    assert!(matches!(
        excluded("Standard_E4d_v5"),
        Rule::TooMuchMemory { .. }
    ));
    assert_eq!(
        sel.spot.len() + sel.excluded.len(),
        c.len(),
        "every catalog size is either chosen or excluded with a rule"
    );
}

#[test]
fn a_premium_disk_narrows_the_choice() {
    let Some(c) = fixture("premium_choice", SCUS) else {
        return;
    };
    let mut r = req();
    r.need_premium_io = true;
    let sel = choose(&c, "Standard_D2s_v3", &r, &Mode::Auto).unwrap();
    assert_eq!(sel.spot, ["Standard_D2s_v3", "Standard_D4s_v3"]);
    assert!(
        sel.excluded
            .contains(&("Standard_D2_v3".into(), Rule::NoPremiumIo))
    );
}

#[test]
fn the_smaller_step_comes_first_within_a_family() {
    let Some(c) = fixture("step", SCUS) else {
        return;
    };
    let mut r = req();
    r.size_window = 32.0;
    let sel = choose(&c, "Standard_D2s_v3", &r, &Mode::Auto).unwrap();
    let d4 = sel
        .spot
        .iter()
        .position(|s| s == "Standard_D4s_v3")
        .unwrap();
    let d64 = sel
        .spot
        .iter()
        .position(|s| s == "Standard_D64s_v3")
        .unwrap();
    assert!(d4 < d64, "{:?}", sel.spot);
    assert!(
        d64 < sel.spot.iter().position(|s| s == "Standard_D2_v3").unwrap(),
        "family before generation"
    );
}

#[test]
fn on_demand_sizes_need_not_be_spot_capable() {
    let Some(mut v) = fixture_json("on_demand", SCUS) else {
        return;
    };
    // D2_v3 made not Spot-capable: gone from the Spot list, still an on-demand size.
    set_capability(&mut v, "Standard_D2_v3", "LowPriorityCapable", "False");
    let c = Catalog::from_value(&v).unwrap();
    let sel = choose(&c, "Standard_D2s_v3", &req(), &Mode::Auto).unwrap();
    assert_eq!(
        sel.spot,
        ["Standard_D2s_v3", "Standard_D4s_v3", "Standard_D2_v5"]
    );
    assert_eq!(
        sel.on_demand,
        [
            "Standard_D2s_v3",
            "Standard_D4s_v3",
            "Standard_D2_v3",
            "Standard_D2_v5"
        ]
    );
    assert!(
        sel.excluded
            .contains(&("Standard_D2_v3".into(), Rule::NotSpotCapable))
    );
}

#[test]
fn a_source_size_missing_from_the_catalog_is_kept_alone_with_a_warning() {
    let Some(c) = fixture("missing_source", SCUS) else {
        return;
    };
    let sel = choose(&c, "Standard_D2_v4", &req(), &Mode::Auto).unwrap();
    assert_eq!(sel.spot, ["Standard_D2_v4"]);
    assert_eq!(sel.on_demand, ["Standard_D2_v4"]);
    assert!(sel.excluded.is_empty());
    assert_eq!(
        sel.warnings,
        [SelectionWarning::SourceNotInCatalog {
            size: "Standard_D2_v4".into(),
            region: "southcentralus".into()
        }]
    );
    assert_eq!(
        sel.warnings[0].to_string(),
        "the source size Standard_D2_v4 is not in the Resource SKUs catalog for southcentralus: the pool keeps Standard_D2_v4 alone"
    );
}

#[test]
fn a_source_size_that_breaks_a_rule_is_kept_with_a_warning() {
    let Some(c) = fixture("source_breaks", SCUS) else {
        return;
    };
    let sel = choose(
        &c,
        "Standard_A0",
        &Requirements::new("southcentralus"),
        &Mode::Auto,
    )
    .unwrap();
    assert_eq!(sel.spot[0], "Standard_A0");
    assert_eq!(
        sel.warnings,
        [SelectionWarning::SourceBreaksRule {
            size: "Standard_A0".into(),
            rule: Rule::NotSpotCapable
        }]
    );
}

#[test]
fn source_mode_keeps_todays_behaviour() {
    let Some(c) = fixture("source_mode", SCUS) else {
        return;
    };
    let sel = choose(&c, "standard_d2s_v3", &req(), &Mode::Source).unwrap();
    assert_eq!(sel.spot, ["standard_d2s_v3"]);
    assert_eq!(sel.on_demand, ["standard_d2s_v3"]);
    assert!(sel.excluded.is_empty() && sel.warnings.is_empty());
}

#[test]
fn a_listed_size_is_checked_and_spelled_as_the_catalog_does() {
    let Some(c) = fixture("list", SCUS) else {
        return;
    };
    let list = |s: &[&str]| Mode::List(s.iter().map(|s| s.to_string()).collect());
    let sel = choose(
        &c,
        "standard_d2s_v3",
        &req(),
        &list(&["standard_d4s_v3", "STANDARD_D2S_V3", "Standard_D4s_v3"]),
    )
    .unwrap();
    assert_eq!(
        sel.spot,
        ["Standard_D4s_v3", "standard_d2s_v3"],
        "as given, without duplicates"
    );
    assert_eq!(sel.on_demand, ["standard_d2s_v3"]);

    let e = choose(
        &c,
        "standard_d2s_v3",
        &req(),
        &list(&["Standard_D4s_v3", "Standard_B1s"]),
    )
    .unwrap_err();
    assert_eq!(
        e,
        ChooseError::Incompatible {
            size: "Standard_B1s".into(),
            source_size: "standard_d2s_v3".into(),
            rule: Rule::NotSpotCapable
        }
    );
    assert_eq!(
        e.to_string(),
        "size Standard_B1s cannot replace standard_d2s_v3: not Spot-capable (LowPriorityCapable is False)"
    );
    let e = choose(&c, "standard_d2s_v3", &req(), &list(&["Standard_D3_v9"])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "size Standard_D3_v9 is not in the Resource SKUs catalog"
    );
    assert_eq!(
        choose(&c, "standard_d2s_v3", &req(), &list(&[" "])),
        Err(ChooseError::EmptyList)
    );
}

#[test]
fn a_window_below_one_is_refused() {
    let Some(c) = fixture("window", SCUS) else {
        return;
    };
    let mut r = req();
    r.size_window = 0.5;
    assert_eq!(
        choose(&c, "Standard_D2s_v3", &r, &Mode::Auto),
        Err(ChooseError::BadWindow(0.5))
    );
    r.size_window = f64::NAN;
    assert!(choose(&c, "Standard_D2s_v3", &r, &Mode::Auto).is_err());
}

#[test]
fn the_spot_list_stops_at_ten_and_says_what_did_not_fit() {
    let Some(mut v) = fixture_json("cap", SCUS) else {
        return;
    };
    let records = v["value"].as_array_mut().unwrap();
    for i in 0..12 {
        records.push(synthetic(
            &format!("Standard_X{i}s_v3"),
            2 + (i % 3),
            8 + (i % 8),
        ));
    }
    let c = Catalog::from_value(&v).unwrap();
    let sel = choose(&c, "Standard_D2s_v3", &req(), &Mode::Auto).unwrap();
    assert_eq!(sel.spot.len(), MAX_SIZES);
    assert_eq!(sel.on_demand.len(), MAX_SIZES);
    assert_eq!(sel.spot[0], "Standard_D2s_v3");
    // 12 synthetic (at most 4 vCPUs, 15 GB) + D4s_v3, D2_v3, D2_v5 compatible: 15, of which 9 fit.
    assert_eq!(sel.ranked_out.len(), 15 - (MAX_SIZES - 1));
    // The closest synthetic (2 vCPUs, 8 GB: same shape, same family) comes first.
    assert_eq!(sel.spot[1], "Standard_X0s_v3");
}

#[test]
fn a_source_record_without_vcpus_or_memory_keeps_the_source_alone_with_a_warning() {
    // M6: the source record lacks its capabilities (a hand-made or trimmed catalog); without its
    // shape no window can be drawn, and a 2-vCPU pool must not get a 64-vCPU size.
    let mut source = synthetic("Standard_D2s_v3", 2, 8);
    source["capabilities"]
        .as_array_mut()
        .unwrap()
        .retain(|c| c["name"] != "vCPUs" && c["name"] != "MemoryGB");
    let c = Catalog::from_value(&json!([
        source,
        synthetic("Standard_D4s_v3", 4, 16),
        synthetic("Standard_D64s_v3", 64, 256)
    ]))
    .unwrap();
    let sel = choose(&c, "Standard_D2s_v3", &req(), &Mode::Auto).unwrap();
    assert_eq!(sel.spot, ["Standard_D2s_v3"]);
    assert_eq!(sel.on_demand, ["Standard_D2s_v3"]);
    assert_eq!(
        sel.warnings,
        [SelectionWarning::SourceShapeUnknown {
            size: "Standard_D2s_v3".into(),
            missing: vec!["vCPUs", "MemoryGB"],
        }]
    );
    assert_eq!(
        sel.warnings[0].to_string(),
        "the Resource SKUs catalog gives no vCPUs or MemoryGB for the source size Standard_D2s_v3, \
         so no size window can be drawn around it: the pool keeps Standard_D2s_v3 alone"
    );

    // Memory alone missing is enough to stop the choice, and the warning names only it.
    let mut source = synthetic("Standard_D2s_v3", 2, 8);
    source["capabilities"]
        .as_array_mut()
        .unwrap()
        .retain(|c| c["name"] != "MemoryGB");
    let c = Catalog::from_value(&json!([source, synthetic("Standard_D64s_v3", 64, 256)])).unwrap();
    let sel = choose(&c, "Standard_D2s_v3", &req(), &Mode::Auto).unwrap();
    assert_eq!(sel.spot, ["Standard_D2s_v3"]);
    assert!(
        matches!(&sel.warnings[..], [SelectionWarning::SourceShapeUnknown { missing, .. }] if missing == &["MemoryGB"]),
        "{:?}",
        sel.warnings
    );
}
