//! Laws of every automatic selection, over generated catalogs.

use proptest::prelude::*;
use serde_json::{Value, json};
use vm_sizes::{Catalog, MAX_SIZES, Mode, Priority, Requirements, choose, violations};

const REGION: &str = "westeurope";

/// Names drawn from a small pool, in random case, so catalogs repeat sizes.
fn name() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "Standard_D2_v2",
            "Standard_DS2_v2",
            "Standard_D3_v2",
            "Standard_D2s_v3",
            "Standard_D4s_v3",
            "Standard_D2_v5",
            "Standard_F4s_v2",
            "Standard_E2s_v3",
            "Standard_B2s",
            "Standard_DC2s_v2",
            "Standard_D11_v2",
            "Standard_D2as_v4",
            "Standard_D4_v3",
            "Standard_F2s_v2",
            "Standard_D2_v3_Promo",
            "Standard_A2_v2",
            "Standard_D8s_v3",
            "Standard_E4s_v3",
            "Standard_NC6",
            "Standard_L4s",
        ]),
        any::<bool>(),
    )
        .prop_map(|(n, lower)| {
            if lower {
                n.to_ascii_lowercase()
            } else {
                n.to_owned()
            }
        })
}

fn flag() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["True", "False"])
}

prop_compose! {
    fn record()(
        name in name(),
        here in prop::bool::weighted(0.9),
        vcpus in prop::sample::select(vec![1u32, 2, 4, 8]),
        available_all in prop::bool::weighted(0.9),
        memory in prop::sample::select(vec![0.75f64, 3.5, 7.0, 8.0, 14.0, 16.0, 32.0]),
        spot in flag(), premium in flag(), accel in flag(),
        arm in prop::bool::weighted(0.1),
        gens in prop::sample::select(vec!["V1", "V2", "V1,V2"]),
        gpus in prop::sample::select(vec![0u32, 0, 0, 1]),
        family in prop::sample::select(vec!["standardDv2Family", "standardDSv3Family", "standardFSv2Family"]),
        zones in prop::sample::subsequence(vec!["1", "2", "3"], 0..=3),
        location_restricted in prop::bool::weighted(0.1),
    ) -> Value {
        let region = if here { REGION } else { "eastus" };
        let restrictions = if location_restricted {
            json!([{"type": "Location", "values": [region], "restrictionInfo": {"locations": [region]}, "reasonCode": "NotAvailableForSubscription"}])
        } else { json!([]) };
        json!({"resourceType": "virtualMachines", "name": name, "family": family,
            "locations": [region], "locationInfo": [{"location": region, "zones": zones}],
            "capabilities": [
                {"name": "vCPUs", "value": vcpus.to_string()},
                {"name": "vCPUsAvailable", "value": (if available_all { vcpus } else { 1 }).to_string()},
                {"name": "MemoryGB", "value": memory.to_string()},
                {"name": "LowPriorityCapable", "value": spot},
                {"name": "PremiumIO", "value": premium},
                {"name": "AcceleratedNetworkingEnabled", "value": accel},
                {"name": "CpuArchitectureType", "value": if arm { "Arm64" } else { "x64" }},
                {"name": "HyperVGenerations", "value": gens},
                {"name": "GPUs", "value": gpus.to_string()}],
            "restrictions": restrictions})
    }
}

prop_compose! {
    fn requirements()(
        zones in prop::sample::subsequence(vec!["1", "2", "3"], 0..=2),
        premium in any::<bool>(), accel in any::<bool>(),
        window in prop::sample::select(vec![1.0f64, 1.5, 2.0, 4.0, 100.0]),
    ) -> Requirements {
        let mut r = Requirements::new(REGION);
        r.zones = zones.into_iter().map(str::to_owned).collect();
        r.need_premium_io = premium;
        r.need_accelerated_networking = accel;
        r.size_window = window;
        r
    }
}

proptest! {
    #[test]
    fn auto_selections_keep_their_promises(
        records in prop::collection::vec(record(), 0..40),
        source in name(),
        req in requirements(),
    ) {
        let catalog = Catalog::from_value(&Value::Array(records)).unwrap();
        let sel = choose(&catalog, &source, &req, &Mode::Auto).unwrap();
        let src = catalog.get(&source, REGION);
        for (list, priority) in [(&sel.spot, Priority::Spot), (&sel.on_demand, Priority::OnDemand)] {
            prop_assert_eq!(&list[0], &source, "the source size comes first, as spelled");
            prop_assert!(list.len() <= MAX_SIZES);
            let mut lower: Vec<String> = list.iter().map(|s| s.to_ascii_lowercase()).collect();
            lower.sort();
            lower.dedup();
            prop_assert_eq!(lower.len(), list.len(), "no duplicates: {:?}", list);
            for size in &list[1..] {
                let sku = catalog.get(size, REGION).expect("chosen sizes come from the catalog");
                prop_assert_eq!(&sku.name, size, "catalog spelling");
                let broken = violations(sku, src, &req, priority);
                prop_assert!(broken.is_empty(), "{} breaks {:?}", size, broken);
            }
        }
        if src.is_none() {
            prop_assert_eq!(sel.spot.len(), 1);
        }
        // Every other catalog size is accounted for: chosen, ranked out, or excluded by a rule.
        let distinct = catalog.sizes_for(REGION).iter().filter(|s| !s.name.eq_ignore_ascii_case(&source)).count();
        if src.is_some() {
            prop_assert_eq!(sel.spot.len() - 1 + sel.ranked_out.len() + sel.excluded.len(), distinct);
        }
    }
}
