//! The Resource SKUs list: the region filter, every page, retries, errors.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use azure_arm::ArmError;
use common::{client, server};
use serde_json::{Value, json};
use test_support::arm_server::{ArmServerConfig, Fault};

fn record(name: &str, region: &str) -> Value {
    json!({"resourceType": "virtualMachines", "name": name, "tier": "Standard", "locations": [region],
        "locationInfo": [{"location": region, "zones": []}],
        "capabilities": [{"name": "vCPUs", "value": "2"}], "restrictions": []})
}

fn names(records: &[Value]) -> Vec<&str> {
    records
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect()
}

fn catalog() -> Vec<Value> {
    let mut out = Vec::new();
    for i in 0..7 {
        out.push(record(&format!("Standard_D{i}_v2"), "westeurope"));
        out.push(record(&format!("Standard_E{i}_v3"), "eastus"));
    }
    out.push(json!({"resourceType": "disks", "name": "Premium_LRS", "locations": ["westeurope"]}));
    out
}

#[tokio::test]
async fn every_page_of_the_region_is_read() {
    let s = server(ArmServerConfig::default()).await;
    s.serve_resource_skus(catalog(), 3);
    let records = client(&s).list_resource_skus("westeurope").await.unwrap();
    assert_eq!(
        names(&records),
        [
            "Standard_D0_v2",
            "Standard_D1_v2",
            "Standard_D2_v2",
            "Standard_D3_v2",
            "Standard_D4_v2",
            "Standard_D5_v2",
            "Standard_D6_v2",
            "Premium_LRS"
        ],
        "only westeurope's records, all resource types, in order"
    );
    let calls = s.requests_to("/providers/Microsoft.Compute/skus");
    assert_eq!(calls.len(), 3, "8 records in pages of 3");
    for c in &calls {
        assert_eq!(c.method, "GET");
        assert_eq!(c.query_param("api-version").as_deref(), Some("2021-07-01"));
        assert_eq!(
            c.query_param("$filter").as_deref(),
            Some("location eq 'westeurope'")
        );
        assert!(c.headers["authorization"].starts_with("Bearer "));
    }
    assert!(
        calls[0]
            .query
            .contains("$filter=location%20eq%20%27westeurope%27"),
        "spaces are sent as %20: {}",
        calls[0].query
    );
    assert_eq!(calls[1].query_param("$skiptoken").as_deref(), Some("3"));
}

#[tokio::test]
async fn one_page_has_no_next_link() {
    let s = server(ArmServerConfig::default()).await;
    s.serve_resource_skus(catalog(), 0);
    let records = client(&s).list_resource_skus("eastus").await.unwrap();
    assert_eq!(records.len(), 7);
    assert_eq!(s.requests_to("/skus").len(), 1);
}

#[tokio::test]
async fn throttled_and_failing_pages_are_retried_and_the_list_completes() {
    let s = server(ArmServerConfig::default()).await;
    s.serve_resource_skus(catalog(), 4);
    s.inject(Fault::server_error("/skus", 503));
    s.inject(Fault::throttle("/skus", 0));
    let records = client(&s).list_resource_skus("westeurope").await.unwrap();
    assert_eq!(records.len(), 8);
    assert_eq!(
        s.requests_to("/skus").len(),
        2 + 2,
        "two faults retried, then two pages"
    );
}

#[tokio::test]
async fn an_arm_error_is_typed_with_status_and_request_id() {
    let s = server(ArmServerConfig::default()).await;
    s.serve_resource_skus(catalog(), 3);
    s.inject(Fault::arm_error(
        "/skus",
        403,
        "AuthorizationFailed",
        "The client does not have authorization to perform action 'Microsoft.Compute/skus/read'.",
    ));
    let err = client(&s)
        .list_resource_skus("westeurope")
        .await
        .unwrap_err();
    let ArmError::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status, 403);
    assert_eq!(api.error.code, "AuthorizationFailed");
    assert!(
        api.url
            .contains("/providers/Microsoft.Compute/skus?api-version=2021-07-01"),
        "{}",
        api.url
    );
    assert!(api.ids.request_id.is_some());
}

#[tokio::test]
async fn a_region_without_sizes_is_an_empty_list() {
    let s = server(ArmServerConfig::default()).await;
    s.serve_resource_skus(catalog(), 3);
    let records = client(&s).list_resource_skus("japaneast").await.unwrap();
    assert!(records.is_empty());
}
