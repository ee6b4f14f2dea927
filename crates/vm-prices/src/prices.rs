//! The Retail Prices API's rows for virtual machines, and which row is a size's price.
//!
//! Reads either shape: the API's page `{"Items": [...], "NextPageLink": ...}` or a bare array of
//! rows. A row counts only when it is a pay-as-you-go hourly price: `type` `Consumption`
//! (`DevTestConsumption` and `Reservation` rows are other offers) and `unitOfMeasure` `1 Hour`.
//! Then `productName` ending in ` Windows` makes it a Windows price, else Linux; `skuName` or
//! `meterName` ending in ` Spot` makes it the Spot price; ` Low Priority` rows are the retired
//! low-priority offer and are never taken for a Spot price (nor for an on-demand one).

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

/// A price file or answer that is not a list of Retail Prices rows.
#[derive(Debug, thiserror::Error)]
pub enum PriceError {
    /// Not JSON.
    #[error("not JSON")]
    Json(#[source] serde_json::Error),
    /// JSON of another shape.
    #[error(
        "expected the Retail Prices API's page {{\"Items\": [...]}} or an array of its rows, found {found}"
    )]
    Shape {
        /// What was found instead.
        found: &'static str,
    },
}

/// The operating system a price is for: Windows prices include the licence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Os {
    /// Linux (and any row whose product does not end in ` Windows`).
    Linux,
    /// Windows.
    Windows,
}

impl Os {
    /// From an Elastigroup's `compute.os` (`Linux`, `Windows`); anything else is Linux.
    pub fn from_group_os(os: &str) -> Self {
        if os.eq_ignore_ascii_case("windows") {
            Os::Windows
        } else {
            Os::Linux
        }
    }
}

/// One size's hourly prices for one OS; `None` where the catalog has no such row.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SizePrices {
    /// Pay-as-you-go price per hour.
    pub on_demand: Option<f64>,
    /// Spot price per hour.
    pub spot: Option<f64>,
}

/// What one row is, once selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    OnDemand,
    Spot,
}

/// The fields of a row we read; the API sends many more.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    #[serde(default)]
    arm_sku_name: String,
    #[serde(default)]
    arm_region_name: String,
    retail_price: Option<f64>,
    #[serde(default)]
    unit_of_measure: String,
    #[serde(default)]
    sku_name: String,
    #[serde(default)]
    meter_name: String,
    #[serde(default)]
    product_name: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    currency_code: String,
}

impl Row {
    /// The OS and kind of a pay-as-you-go hourly row; `None` for every other row.
    fn select(&self) -> Option<(Os, Kind)> {
        if !self.kind.eq_ignore_ascii_case("Consumption")
            || self.unit_of_measure.trim() != "1 Hour"
            || self.arm_sku_name.is_empty()
        {
            return None;
        }
        let ends = |s: &str, suffix: &str| {
            s.len() >= suffix.len()
                && s.is_char_boundary(s.len() - suffix.len())
                && s[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
        };
        let named = |suffix: &str| ends(&self.sku_name, suffix) || ends(&self.meter_name, suffix);
        if named(" Low Priority") {
            return None;
        }
        let kind = if named(" Spot") {
            Kind::Spot
        } else {
            Kind::OnDemand
        };
        let os = if ends(&self.product_name, " Windows") {
            Os::Windows
        } else {
            Os::Linux
        };
        Some((os, kind))
    }
}

/// The pay-as-you-go and Spot hourly prices of VM sizes, from Retail Prices rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PriceCatalog {
    /// (lowercase size, region, os, kind) → price per hour.
    prices: HashMap<(String, String, Os, Kind), f64>,
    /// Lowercase size → `armSkuName` as the rows spell it.
    names: HashMap<String, String>,
    regions: Vec<String>,
    currency: Option<String>,
    rows: usize,
    next_page: Option<String>,
}

impl PriceCatalog {
    /// Reads a price file's bytes (either shape).
    pub fn from_slice(bytes: &[u8]) -> Result<Self, PriceError> {
        let value: Value = serde_json::from_slice(bytes).map_err(PriceError::Json)?;
        Self::from_value(&value)
    }

    /// Reads rows already parsed as JSON (either shape). Rows that are not objects or lack the
    /// fields read are skipped, as rows of other offers are.
    pub fn from_value(value: &Value) -> Result<Self, PriceError> {
        let (items, next_page) = match value {
            Value::Array(items) => (items.as_slice(), None),
            Value::Object(map) => match map.get("Items") {
                Some(Value::Array(items)) => (
                    items.as_slice(),
                    map.get("NextPageLink")
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                ),
                _ => {
                    return Err(PriceError::Shape {
                        found: "an object without an \"Items\" array",
                    });
                }
            },
            Value::Null => return Err(PriceError::Shape { found: "null" }),
            Value::Bool(_) => return Err(PriceError::Shape { found: "a boolean" }),
            Value::Number(_) => return Err(PriceError::Shape { found: "a number" }),
            Value::String(_) => return Err(PriceError::Shape { found: "a string" }),
        };
        let mut catalog = PriceCatalog {
            rows: items.len(),
            next_page,
            ..PriceCatalog::default()
        };
        for item in items {
            let Ok(row) = Row::deserialize(item) else {
                continue;
            };
            let Some(price) = row.retail_price.filter(|p| p.is_finite() && *p >= 0.0) else {
                continue;
            };
            let Some((os, kind)) = row.select() else {
                continue;
            };
            let region = row.arm_region_name.to_ascii_lowercase();
            if !catalog.regions.contains(&region) {
                catalog.regions.push(region.clone());
            }
            if catalog.currency.is_none() && !row.currency_code.is_empty() {
                catalog.currency = Some(row.currency_code.clone());
            }
            catalog
                .names
                .entry(row.arm_sku_name.to_ascii_lowercase())
                .or_insert_with(|| row.arm_sku_name.clone());
            // Several rows for one price (meters of one size in two products) keep the lowest.
            catalog
                .prices
                .entry((row.arm_sku_name.to_ascii_lowercase(), region, os, kind))
                .and_modify(|p| *p = p.min(price))
                .or_insert(price);
        }
        Ok(catalog)
    }

    /// The size's hourly prices in `region` for `os` (names and regions in any case).
    pub fn hourly(&self, size: &str, region: &str, os: Os) -> SizePrices {
        let get = |kind| {
            self.prices
                .get(&(
                    size.to_ascii_lowercase(),
                    region.to_ascii_lowercase(),
                    os,
                    kind,
                ))
                .copied()
        };
        SizePrices {
            on_demand: get(Kind::OnDemand),
            spot: get(Kind::Spot),
        }
    }

    /// The size as the rows spell it (`Standard_D2_v2`), if any row prices it.
    pub fn spelling(&self, size: &str) -> Option<&str> {
        self.names
            .get(&size.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// The regions with at least one selected price, in the order first seen (lowercase).
    pub fn regions(&self) -> &[String] {
        &self.regions
    }

    /// Whether any selected price is for `region`.
    pub fn has_region(&self, region: &str) -> bool {
        self.regions.iter().any(|r| r.eq_ignore_ascii_case(region))
    }

    /// The currency of the rows (`USD` unless the request asked for another).
    pub fn currency(&self) -> &str {
        self.currency.as_deref().unwrap_or("USD")
    }

    /// Rows read, of any kind.
    pub fn row_count(&self) -> usize {
        self.rows
    }

    /// Prices selected (one per size, region, OS and kind).
    pub fn price_count(&self) -> usize {
        self.prices.len()
    }

    /// The `NextPageLink` of a file that is one page of a longer answer.
    pub fn next_page(&self) -> Option<&str> {
        self.next_page.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(sku: &str, sku_name: &str, product: &str, kind: &str, price: f64) -> Value {
        json!({"currencyCode": "USD", "armRegionName": "southcentralus", "armSkuName": sku,
            "retailPrice": price, "unitPrice": price, "unitOfMeasure": "1 Hour",
            "skuName": sku_name, "meterName": sku_name, "productName": product, "type": kind})
    }

    fn d2() -> Vec<Value> {
        vec![
            row(
                "Standard_D2_v2",
                "D2 v2",
                "Virtual Machines Dv2 Series",
                "Consumption",
                0.146,
            ),
            row(
                "Standard_D2_v2",
                "D2 v2 Spot",
                "Virtual Machines Dv2 Series",
                "Consumption",
                0.01752,
            ),
            row(
                "Standard_D2_v2",
                "D2 v2 Low Priority",
                "Virtual Machines Dv2 Series",
                "Consumption",
                0.0292,
            ),
            row(
                "Standard_D2_v2",
                "D2 v2",
                "Virtual Machines Dv2 Series Windows",
                "Consumption",
                0.284,
            ),
            row(
                "Standard_D2_v2",
                "D2 v2 Spot",
                "Virtual Machines Dv2 Series Windows",
                "Consumption",
                0.03408,
            ),
            row(
                "Standard_D2_v2",
                "D2 v2",
                "Virtual Machines Dv2 Series",
                "DevTestConsumption",
                0.00146,
            ),
            row(
                "Standard_D2_v2",
                "D2 v2",
                "Virtual Machines Dv2 Series",
                "Reservation",
                730.0,
            ),
        ]
    }

    #[test]
    fn both_shapes_read_the_same_prices() {
        let page = PriceCatalog::from_value(&json!({"Items": d2(), "NextPageLink": null})).unwrap();
        let bare = PriceCatalog::from_value(&Value::Array(d2())).unwrap();
        assert_eq!(page, bare);
        assert_eq!(page.row_count(), 7);
        assert_eq!(page.price_count(), 4);
        assert_eq!(page.next_page(), None);
        assert_eq!(page.currency(), "USD");
        assert_eq!(page.regions(), ["southcentralus"]);
        let linked = PriceCatalog::from_value(
            &json!({"Items": d2(), "NextPageLink": "https://prices.azure.com/api/retail/prices?$skip=100"}),
        )
        .unwrap();
        assert!(linked.next_page().unwrap().contains("$skip=100"));
    }

    #[test]
    fn linux_and_windows_spot_and_on_demand_are_told_apart() {
        let c = PriceCatalog::from_value(&Value::Array(d2())).unwrap();
        assert_eq!(
            c.hourly("standard_d2_v2", "SouthCentralUS", Os::Linux),
            SizePrices {
                on_demand: Some(0.146),
                spot: Some(0.01752)
            }
        );
        assert_eq!(
            c.hourly("Standard_D2_v2", "southcentralus", Os::Windows),
            SizePrices {
                on_demand: Some(0.284),
                spot: Some(0.03408)
            }
        );
        assert_eq!(
            c.hourly("Standard_D2_v2", "eastus", Os::Linux),
            SizePrices::default()
        );
    }

    #[test]
    fn low_priority_dev_test_and_reservation_rows_are_never_prices() {
        let only = |r: Value| PriceCatalog::from_value(&json!([r])).unwrap();
        let lp = only(row(
            "Standard_A0",
            "A0 Low Priority",
            "Virtual Machines A Series",
            "Consumption",
            0.004,
        ));
        assert_eq!(lp.price_count(), 0);
        // meterName alone is enough to mark a Spot or Low Priority row.
        let mut spot_meter = row(
            "Standard_A0",
            "A0",
            "Virtual Machines A Series",
            "Consumption",
            0.0032,
        );
        spot_meter["meterName"] = json!("A0 Spot");
        assert_eq!(
            only(spot_meter).hourly("Standard_A0", "southcentralus", Os::Linux),
            SizePrices {
                on_demand: None,
                spot: Some(0.0032)
            }
        );
        let mut lp_meter = row(
            "Standard_A0",
            "A0",
            "Virtual Machines A Series",
            "Consumption",
            0.004,
        );
        lp_meter["meterName"] = json!("A0 Low Priority");
        assert_eq!(only(lp_meter).price_count(), 0);
        for kind in ["DevTestConsumption", "Reservation"] {
            assert_eq!(
                only(row(
                    "Standard_A0",
                    "A0",
                    "Virtual Machines A Series",
                    kind,
                    0.02
                ))
                .price_count(),
                0,
                "{kind}"
            );
        }
        let mut monthly = row(
            "Standard_A0",
            "A0",
            "Virtual Machines A Series",
            "Consumption",
            14.6,
        );
        monthly["unitOfMeasure"] = json!("1/Month");
        assert_eq!(only(monthly).price_count(), 0);
    }

    #[test]
    fn rows_without_the_fields_read_are_skipped_and_the_lowest_duplicate_kept() {
        let c = PriceCatalog::from_value(&json!([
            "not a row",
            {"armSkuName": "Standard_A0"},
            {"armSkuName": "Standard_A0", "retailPrice": "cheap", "type": "Consumption", "unitOfMeasure": "1 Hour"},
            row("Standard_A0", "A0", "Virtual Machines A Series", "Consumption", 0.03),
            row("Standard_A0", "A0", "Virtual Machines A Series Basic", "Consumption", 0.02),
        ]))
        .unwrap();
        assert_eq!(c.row_count(), 5);
        assert_eq!(
            c.hourly("Standard_A0", "southcentralus", Os::Linux)
                .on_demand,
            Some(0.02)
        );
    }

    #[test]
    fn other_shapes_are_refused_saying_what_was_expected() {
        for (v, found) in [
            (json!({"value": []}), "an object without an \"Items\" array"),
            (json!(null), "null"),
            (json!("x"), "a string"),
            (json!(3), "a number"),
        ] {
            let err = PriceCatalog::from_value(&v).unwrap_err().to_string();
            assert!(
                err.contains("{\"Items\": [...]}") && err.contains(found),
                "{err}"
            );
        }
        assert!(matches!(
            PriceCatalog::from_slice(b"{"),
            Err(PriceError::Json(_))
        ));
    }

    #[test]
    fn the_shared_fixture_has_both_oses_for_d2_v2_and_no_low_priority_price() {
        let Some(shared) = test_fixtures::shared_dir("vm-prices fixture") else {
            return;
        };
        let bytes =
            std::fs::read(shared.join("fixtures/azure/prices/southcentralus.json")).unwrap();
        let c = PriceCatalog::from_slice(&bytes).unwrap();
        assert_eq!(c.row_count(), 140);
        let linux = c.hourly("Standard_D2_v2", "southcentralus", Os::Linux);
        assert_eq!(
            linux,
            SizePrices {
                on_demand: Some(0.146),
                spot: Some(0.01752)
            }
        );
        // B1s has a Spot and a Low Priority row: the Spot one is taken.
        assert_eq!(
            c.hourly("Standard_B1s", "southcentralus", Os::Linux).spot,
            Some(0.00156)
        );
        // E4d_v5 has no Linux on-demand Consumption row besides the right one, and a DevTest one.
        assert_eq!(
            c.hourly("Standard_E4d_v5", "southcentralus", Os::Linux)
                .on_demand,
            Some(0.288)
        );
    }
}
