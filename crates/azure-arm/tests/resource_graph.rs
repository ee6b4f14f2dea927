//! Resource Graph through ARM: the eviction-rate query, every page via `$skipToken`, retries.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use common::{client, server};
use serde_json::{Value, json};
use test_support::arm_server::{ArmServerConfig, Fault};

fn rate(size: &str, region: &str, band: &str) -> Value {
    json!({"id": format!("microsoft.compute/skuspotevictionrate/location/{size}/{region}"),
        "type": "microsoft.compute/skuspotevictionrate/location", "location": region,
        "sku": {"name": size}, "properties": {"evictionRate": band}})
}

fn rates() -> Vec<Value> {
    let mut out = Vec::new();
    for (i, band) in ["0-5", "5-10", "10-15", "15-20", "20+", "0-5", "5-10"]
        .iter()
        .enumerate()
    {
        out.push(rate(&format!("standard_d{i}_v2"), "southcentralus", band));
        out.push(rate(&format!("standard_e{i}_v3"), "eastus", band));
    }
    out
}

#[tokio::test]
async fn every_page_of_the_regions_rates_is_read_sending_the_skip_token_back() {
    let s = server(ArmServerConfig::default()).await;
    s.serve_spot_eviction_rates(rates(), 3);
    let records = client(&s)
        .spot_eviction_rates("southcentralus")
        .await
        .unwrap();
    let names: Vec<&str> = records
        .iter()
        .map(|r| r["sku"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 7, "{names:?}");
    assert!(
        names.iter().all(|n| n.starts_with("standard_d")),
        "{names:?}"
    );
    let calls = s.requests_to("/providers/Microsoft.ResourceGraph/resources");
    assert_eq!(calls.len(), 3, "7 records in pages of 3");
    for (i, c) in calls.iter().enumerate() {
        assert_eq!(c.method, "POST");
        assert_eq!(c.query_param("api-version").as_deref(), Some("2021-03-01"));
        assert!(c.headers["authorization"].starts_with("Bearer "));
        let body = c.json();
        assert_eq!(body["subscriptions"], json!([s.config().subscription_id]));
        assert_eq!(
            body["query"],
            "SpotResources | where type =~ 'microsoft.compute/skuspotevictionrate/location' | where location =~ 'southcentralus'"
        );
        let token = body.pointer("/options/$skipToken").cloned();
        assert_eq!(
            token,
            if i == 0 {
                None
            } else {
                Some(json!(format!("skip-{}", 3 * i)))
            }
        );
    }
    // The records read as the Resource Graph answer's data, as the saved file is read.
    let r = vm_prices::EvictionRates::from_value(&json!({ "data": records })).unwrap();
    assert_eq!(
        r.band("Standard_D4_v2", "southcentralus"),
        Some(vm_prices::EvictionBand::Over20)
    );
}

#[tokio::test]
async fn throttling_is_retried_and_an_error_is_typed() {
    let s = server(ArmServerConfig::default()).await;
    s.serve_spot_eviction_rates(rates(), 0);
    s.inject(Fault::throttle("/resources", 0));
    let records = client(&s).spot_eviction_rates("eastus").await.unwrap();
    assert_eq!(records.len(), 7);
    assert_eq!(s.requests_to("/resources").len(), 2);

    s.inject(Fault::arm_error(
        "/resources",
        403,
        "AuthorizationFailed",
        "no read on Microsoft.ResourceGraph",
    ));
    let err = client(&s).spot_eviction_rates("eastus").await.unwrap_err();
    let azure_arm::ArmError::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status, 403);
    assert!(
        api.url
            .contains("Microsoft.ResourceGraph/resources?api-version=2021-03-01"),
        "{}",
        api.url
    );
}

#[tokio::test]
async fn a_region_without_rates_is_an_empty_list() {
    let s = server(ArmServerConfig::default()).await;
    s.serve_spot_eviction_rates(rates(), 2);
    assert!(
        client(&s)
            .spot_eviction_rates("japaneast")
            .await
            .unwrap()
            .is_empty()
    );
}
