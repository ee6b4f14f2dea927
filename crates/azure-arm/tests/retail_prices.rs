//! The Retail Prices client against the local stand-in: the filter, every page through the
//! absolute `NextPageLink`, no Authorization header, retries, errors.

use std::time::Duration;

use azure_arm::{RetailPricesClient, RetailPricesError, RetryPolicy};
use serde_json::{Value, json};
use test_support::prices_server::{Fault, PricesServer};

fn row(region: &str, sku: &str, sku_name: &str, price: f64) -> Value {
    json!({"currencyCode": "USD", "armRegionName": region, "armSkuName": sku, "retailPrice": price,
        "unitOfMeasure": "1 Hour", "skuName": sku_name, "meterName": sku_name,
        "productName": "Virtual Machines Dv2 Series", "serviceName": "Virtual Machines",
        "type": "Consumption"})
}

fn rows() -> Vec<Value> {
    let mut out = Vec::new();
    for i in 0..5 {
        out.push(row(
            "southcentralus",
            &format!("Standard_D{i}_v2"),
            &format!("D{i} v2"),
            0.1 * f64::from(i + 1),
        ));
        out.push(row(
            "southcentralus",
            &format!("Standard_D{i}_v2"),
            &format!("D{i} v2 Spot"),
            0.01 * f64::from(i + 1),
        ));
        out.push(row(
            "eastus",
            &format!("Standard_D{i}_v2"),
            &format!("D{i} v2"),
            0.2,
        ));
    }
    let mut devtest = row("southcentralus", "Standard_D0_v2", "D0 v2", 0.001);
    devtest["type"] = json!("DevTestConsumption");
    out.push(devtest);
    out
}

fn client(server: &PricesServer) -> RetailPricesClient {
    RetailPricesClient::new(
        &server.url(),
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
        },
    )
    .unwrap()
}

#[tokio::test]
async fn every_page_is_followed_through_the_next_page_link() {
    let s = PricesServer::start(rows(), 4).await;
    let got = client(&s).vm_prices("southcentralus").await.unwrap();
    assert_eq!(got.len(), 10, "the region's Consumption rows only");
    let calls = s.price_requests();
    assert_eq!(calls.len(), 3, "10 rows in pages of 4");
    for c in &calls {
        assert_eq!(
            c.query_param("api-version").as_deref(),
            Some("2023-01-01-preview")
        );
        assert_eq!(
            c.query_param("$filter").as_deref(),
            Some(
                "serviceName eq 'Virtual Machines' and armRegionName eq 'southcentralus' and priceType eq 'Consumption'"
            )
        );
        assert!(
            c.header("authorization").is_none(),
            "no credentials to a public API"
        );
    }
    assert_eq!(calls[1].query_param("$skip").as_deref(), Some("4"));
    // Read by vm-prices like the saved file: both shapes give the same prices.
    let catalog = vm_prices::PriceCatalog::from_value(&json!({"Items": got})).unwrap();
    let p = catalog.hourly("Standard_D2_v2", "southcentralus", vm_prices::Os::Linux);
    assert_eq!(
        (p.on_demand, p.spot),
        (Some(0.30000000000000004), Some(0.03))
    );
}

#[tokio::test]
async fn throttling_is_retried_and_errors_name_the_url() {
    let s = PricesServer::start(rows(), 0).await;
    s.inject(Fault::too_many_requests(0));
    assert_eq!(client(&s).vm_prices("eastus").await.unwrap().len(), 5);
    assert_eq!(s.price_requests().len(), 2);

    s.inject(Fault::status(400).times(1));
    let err = client(&s).vm_prices("eastus").await.unwrap_err();
    assert!(
        matches!(err, RetailPricesError::Status { status: 400, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("/api/retail/prices?api-version="),
        "{err}"
    );
}
