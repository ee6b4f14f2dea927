//! The catalog shipped with `examples/demo-cluster` gives its pool several sizes.

use vm_sizes::{Catalog, Mode, Requirements, Rule, choose};

#[test]
fn the_demo_pool_gets_several_sizes_closest_first() {
    let path =
        test_fixtures::repo_root().join("examples/demo-cluster/resource-skus-westeurope.json");
    let catalog = Catalog::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(catalog.next_link(), None);
    // agentpool1: Standard_D2_v2 in westeurope, regional, Standard_LRS OS disk, accelerated NIC;
    // the mapping spells the size in lowercase.
    let mut req = Requirements::new("westeurope");
    req.need_accelerated_networking = true;
    let sel = choose(&catalog, "standard_d2_v2", &req, &Mode::Auto).unwrap();
    assert_eq!(
        sel.spot,
        [
            "standard_d2_v2",
            "Standard_D11_v2",
            "Standard_D3_v2",
            "Standard_DS2_v2",
            "Standard_F4s_v2",
            "Standard_D2s_v3"
        ]
    );
    assert_eq!(sel.on_demand, sel.spot);
    assert!(sel.warnings.is_empty(), "{:?}", sel.warnings);
    let rules: Vec<(&str, &str)> = sel
        .excluded
        .iter()
        .map(|(n, r)| (n.as_str(), r.code()))
        .collect();
    assert_eq!(
        rules,
        [
            ("Standard_A2_v2", "less-memory"),
            ("Standard_B2ms", "not-spot-capable"),
            ("Standard_D2ps_v5", "cpu-architecture"),
            ("Standard_D4s_v3", "too-much-memory"),
        ]
    );
    assert!(matches!(sel.excluded[3].1, Rule::TooMuchMemory { .. }));
}
