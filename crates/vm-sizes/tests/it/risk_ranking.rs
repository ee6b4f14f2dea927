//! Ranking by eviction band and Spot price per vCPU, and the preferred Spot sizes, on the real
//! southcentralus catalog with made-up risks (the real prices are tested where they are read).

use std::collections::HashMap;

use vm_sizes::{
    Catalog, MAX_PREFERRED, MAX_SIZES, Mode, Requirements, SpotRisk, UNKNOWN_EVICTION_RANK, choose,
    choose_with,
};

use crate::fixtures::{fixture, fixture_json, synthetic};

const SCUS: &str = "southcentralus.json";

fn req() -> Requirements {
    let mut r = Requirements::new("southcentralus");
    r.need_accelerated_networking = true;
    r
}

/// A risk table: size (any case) → (rank or unknown, Spot price per hour or unknown).
fn table(entries: &[(&str, Option<u8>, Option<f64>)]) -> impl Fn(&str) -> SpotRisk {
    let map: HashMap<String, (Option<u8>, Option<f64>)> = entries
        .iter()
        .map(|(n, r, p)| (n.to_ascii_lowercase(), (*r, *p)))
        .collect();
    move |name: &str| {
        let (rank, price) = map
            .get(&name.to_ascii_lowercase())
            .copied()
            .unwrap_or((None, None));
        SpotRisk {
            eviction_rank: rank.unwrap_or(UNKNOWN_EVICTION_RANK),
            spot_hourly: price,
        }
    }
}

#[test]
fn band_first_then_price_per_vcpu_then_closeness() {
    let Some(c) = fixture("risk ranking", SCUS) else {
        return;
    };
    // Closeness alone: D4s_v3, D2_v3, D2_v5 (see choose_fixtures).
    let risk = table(&[
        // 4 vCPUs at 0.02688 = 0.00672 per vCPU.
        ("Standard_D4s_v3", Some(1), Some(0.02688)),
        // 2 vCPUs at 0.0096 = 0.0048 per vCPU: cheaper per vCPU, same band.
        ("Standard_D2_v3", Some(1), Some(0.0096)),
        // The lowest band wins over any price.
        ("Standard_D2_v5", Some(0), Some(0.5)),
    ]);
    let sel = choose_with(&c, "standard_d2s_v3", &req(), &Mode::Auto, Some(&risk)).unwrap();
    assert_eq!(
        sel.spot,
        [
            "standard_d2s_v3",
            "Standard_D2_v5",
            "Standard_D2_v3",
            "Standard_D4s_v3"
        ],
        "the source stays first"
    );
    // The same rules: what is excluded does not change.
    let plain = choose(&c, "standard_d2s_v3", &req(), &Mode::Auto).unwrap();
    assert_eq!(sel.excluded, plain.excluded);
    assert_eq!(
        sel.on_demand, plain.on_demand,
        "on-demand sizes keep the closeness order"
    );
    assert!(plain.preferred.is_empty(), "no data, no preferred sizes");
}

#[test]
fn a_size_without_a_rate_counts_as_10_15_and_an_unknown_price_comes_last() {
    let Some(c) = fixture("risk unknowns", SCUS) else {
        return;
    };
    let risk = table(&[
        // No rate: ranked 10-15, so after 5-10 and before 15-20.
        ("Standard_D4s_v3", None, Some(0.001)),
        ("Standard_D2_v3", Some(3), Some(0.0001)),
        // Band 10-15 too, but no price: after D4s_v3.
        ("Standard_D2_v5", Some(2), None),
    ]);
    let sel = choose_with(&c, "standard_d2s_v3", &req(), &Mode::Auto, Some(&risk)).unwrap();
    assert_eq!(
        sel.spot,
        [
            "standard_d2s_v3",
            "Standard_D4s_v3",
            "Standard_D2_v5",
            "Standard_D2_v3"
        ]
    );
    // Nothing known about anyone: today's closeness order.
    let none = table(&[]);
    let sel = choose_with(&c, "standard_d2s_v3", &req(), &Mode::Auto, Some(&none)).unwrap();
    let plain = choose(&c, "standard_d2s_v3", &req(), &Mode::Auto).unwrap();
    assert_eq!(sel.spot, plain.spot);
}

#[test]
fn the_ten_kept_are_the_first_in_risk_order_not_the_closest() {
    let Some(mut v) = fixture_json("risk cap", SCUS) else {
        return;
    };
    let records = v["value"].as_array_mut().unwrap();
    for i in 0..12 {
        records.push(synthetic(&format!("Standard_X{i}s_v3"), 2, 8));
    }
    let c = Catalog::from_value(&v).unwrap();
    // Closeness would keep X0..X8 (same family and shape); the risk keeps the far sizes first.
    let risk = table(&[
        ("Standard_D2_v5", Some(0), Some(0.0096)),
        ("Standard_D2_v3", Some(0), Some(0.0096)),
        ("Standard_D4s_v3", Some(0), Some(0.0096)),
        ("Standard_X11s_v3", Some(0), Some(0.01)),
    ]);
    let sel = choose_with(&c, "Standard_D2s_v3", &req(), &Mode::Auto, Some(&risk)).unwrap();
    assert_eq!(sel.spot.len(), MAX_SIZES);
    // 4 vCPUs at 0.0096 is the cheapest per vCPU; D2_v3 and D2_v5 tie and go by closeness.
    assert_eq!(
        sel.spot[1..6],
        [
            "Standard_D4s_v3",
            "Standard_D2_v3",
            "Standard_D2_v5",
            "Standard_X11s_v3",
            "Standard_X0s_v3"
        ]
    );
    assert!(
        sel.ranked_out.contains(&"Standard_X9s_v3".to_owned()),
        "{:?}",
        sel.ranked_out
    );
    assert_eq!(
        sel.preferred,
        ["Standard_D4s_v3", "Standard_D2_v3", "Standard_D2_v5"]
    );
}

#[test]
fn preferred_are_the_three_best_of_the_list_ties_in_list_order() {
    let Some(c) = fixture("preferred", SCUS) else {
        return;
    };
    let list = Mode::List(vec![
        "standard_d2s_v3".into(),
        "Standard_D4s_v3".into(),
        "Standard_D2_v3".into(),
        "Standard_D2_v5".into(),
    ]);
    // All in one band and price per vCPU: the list's own order.
    let same = table(&[
        ("standard_d2s_v3", Some(1), Some(0.01)),
        ("Standard_D4s_v3", Some(1), Some(0.02)),
        ("Standard_D2_v3", Some(1), Some(0.01)),
        ("Standard_D2_v5", Some(1), Some(0.01)),
    ]);
    let sel = choose_with(&c, "standard_d2s_v3", &req(), &list, Some(&same)).unwrap();
    assert_eq!(sel.preferred.len(), MAX_PREFERRED);
    assert_eq!(
        sel.preferred,
        ["standard_d2s_v3", "Standard_D4s_v3", "Standard_D2_v3"]
    );
    // The source size is not preferred when it is the riskiest.
    let risky_source = table(&[("standard_d2s_v3", Some(4), Some(0.001))]);
    let sel = choose_with(&c, "standard_d2s_v3", &req(), &list, Some(&risky_source)).unwrap();
    assert_eq!(sel.spot[0], "standard_d2s_v3");
    assert_eq!(
        sel.preferred,
        ["Standard_D4s_v3", "Standard_D2_v3", "Standard_D2_v5"]
    );
    // One size: nothing to prefer.
    let sel = choose_with(&c, "standard_d2s_v3", &req(), &Mode::Source, Some(&same)).unwrap();
    assert!(sel.preferred.is_empty());
}
