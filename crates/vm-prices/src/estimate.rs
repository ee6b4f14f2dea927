//! What a set of pools costs on demand and on Spot: `estimate`'s table and JSON document, and
//! the line per pool that ends `import`'s summary.
//!
//! A pool's figures are its node count × its source size's price: what the nodes cost now, and
//! what the same nodes cost as Spot VMs of the same size. The other sizes are listed with their
//! own prices per VM. Figures are rounded for showing: hourly to 5 decimals, monthly to cents,
//! percentages to one decimal.

use serde::{Serialize, Serializer};

use crate::eviction::EvictionBand;
use crate::figures::{monthly, savings_percent};
use crate::lookup::RegionLookup;

fn round(v: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

fn hourly(v: Option<f64>) -> Option<f64> {
    v.map(|v| round(v, 5))
}

fn per_month(v: Option<f64>) -> Option<f64> {
    v.map(|v| round(monthly(v), 2))
}

fn percent(od: Option<f64>, spot: Option<f64>) -> Option<f64> {
    savings_percent(od?, spot?).map(|p| round(p, 1))
}

fn band_text<S: Serializer>(b: &Option<EvictionBand>, s: S) -> Result<S::Ok, S::Error> {
    match b {
        Some(b) => s.serialize_str(b.as_str()),
        None => s.serialize_none(),
    }
}

/// One of a pool's Spot sizes, per VM.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SizeEstimate {
    /// The size (as the price rows spell it).
    pub name: String,
    /// Spot price per hour.
    pub spot_hourly: Option<f64>,
    /// Pay-as-you-go price per hour.
    pub on_demand_hourly: Option<f64>,
    /// The published eviction band (`0-5` … `20+`); `null` when Azure publishes none.
    #[serde(serialize_with = "band_text")]
    pub eviction_rate: Option<EvictionBand>,
}

/// One pool: its nodes at the source size's prices, and its Spot sizes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolEstimate {
    /// The agent pool.
    pub pool: String,
    /// The node count (the group's capacity target).
    pub count: u64,
    /// The size the pool runs today.
    pub source_size: String,
    /// count × the source size's pay-as-you-go price per hour.
    pub on_demand_hourly: Option<f64>,
    /// count × the source size's Spot price per hour.
    pub spot_hourly: Option<f64>,
    /// `on_demand_hourly` × 730.
    pub on_demand_monthly: Option<f64>,
    /// `spot_hourly` × 730.
    pub spot_monthly: Option<f64>,
    /// How much less Spot costs, in percent.
    pub savings_percent: Option<f64>,
    /// The group's Spot sizes, in the group's order.
    pub sizes: Vec<SizeEstimate>,
}

impl PoolEstimate {
    /// The pool's figures from `lookup` (its region and OS). `source_size` and `spot_sizes` in
    /// any case.
    pub fn new(
        pool: &str,
        count: u64,
        source_size: &str,
        spot_sizes: &[String],
        lookup: &RegionLookup<'_>,
    ) -> Self {
        let src = lookup.prices(source_size);
        let n = count as f64;
        let od = src.on_demand.map(|p| p * n);
        let spot = src.spot.map(|p| p * n);
        let sizes = spot_sizes
            .iter()
            .map(|s| {
                let d = lookup.size(s);
                SizeEstimate {
                    name: lookup.spelling(s).to_owned(),
                    spot_hourly: hourly(d.prices.spot),
                    on_demand_hourly: hourly(d.prices.on_demand),
                    eviction_rate: d.band,
                }
            })
            .collect();
        PoolEstimate {
            pool: pool.to_owned(),
            count,
            source_size: lookup.spelling(source_size).to_owned(),
            on_demand_hourly: hourly(od),
            spot_hourly: hourly(spot),
            on_demand_monthly: per_month(od),
            spot_monthly: per_month(spot),
            savings_percent: percent(od, spot),
            sizes,
        }
    }

    /// `agentpool1: 3 × Standard_D2_v2  on-demand $320/month → Spot ~$64/month (-80%)`, when
    /// both prices are known.
    pub fn summary_line(&self, currency: &str) -> Option<String> {
        let (od, spot) = (self.on_demand_monthly?, self.spot_monthly?);
        let saving = self
            .savings_percent
            .map(|p| format!(" (-{p:.0}%)"))
            .unwrap_or_default();
        Some(format!(
            "{}: {} × {}  on-demand {}/month → Spot ~{}/month{saving}",
            self.pool,
            self.count,
            self.source_size,
            money(currency, od, 0),
            money(currency, spot, 0),
        ))
    }
}

/// The sum over the pools whose source size has both prices.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Total {
    /// Pay-as-you-go per month.
    pub on_demand_monthly: Option<f64>,
    /// Spot per month.
    pub spot_monthly: Option<f64>,
    /// How much less Spot costs, in percent.
    pub savings_percent: Option<f64>,
}

/// `estimate`'s document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// The prices' currency.
    pub currency: String,
    /// One per pool, in pool order.
    pub pools: Vec<PoolEstimate>,
    /// The sum of the priced pools.
    pub total: Total,
}

/// What every figure is, said wherever figures are shown.
pub const CAVEAT: &str = "list prices (pay-as-you-go, before reservations, savings plans and \
    negotiated discounts); Spot prices move with demand and capacity, so the Spot figures are a \
    snapshot, not a quote";

impl Estimate {
    /// The document for `pools`.
    pub fn new(currency: &str, pools: Vec<PoolEstimate>) -> Self {
        let priced: Vec<&PoolEstimate> = pools
            .iter()
            .filter(|p| p.on_demand_hourly.is_some() && p.spot_hourly.is_some())
            .collect();
        let sum = |f: fn(&PoolEstimate) -> Option<f64>| -> Option<f64> {
            (!priced.is_empty()).then(|| priced.iter().filter_map(|p| f(p)).sum())
        };
        let od = sum(|p| p.on_demand_hourly);
        let spot = sum(|p| p.spot_hourly);
        let total = Total {
            on_demand_monthly: per_month(od),
            spot_monthly: per_month(spot),
            savings_percent: percent(od, spot),
        };
        Estimate {
            currency: currency.to_owned(),
            pools,
            total,
        }
    }

    /// Pools whose source size has no price (left out of the total).
    pub fn unpriced(&self) -> Vec<&PoolEstimate> {
        self.pools
            .iter()
            .filter(|p| p.on_demand_hourly.is_none() || p.spot_hourly.is_none())
            .collect()
    }

    /// The text table: per pool its figures and sizes, then the total and what the figures are.
    pub fn text(&self) -> String {
        let c = self.currency.as_str();
        let opt =
            |v: Option<f64>, d: usize| v.map_or_else(|| "unknown".to_owned(), |v| money(c, v, d));
        let mut out = String::new();
        for p in &self.pools {
            out.push_str(&format!("{}: {} × {}\n", p.pool, p.count, p.source_size));
            out.push_str(&format!(
                "  on-demand  {:>12}/hour  {:>12}/month\n",
                opt(p.on_demand_hourly, 4),
                opt(p.on_demand_monthly, 2)
            ));
            let saving = p
                .savings_percent
                .map(|s| format!("  saving {s:.1}%"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  Spot       {:>12}/hour  {:>12}/month{saving}\n",
                opt(p.spot_hourly, 4),
                opt(p.spot_monthly, 2)
            ));
            if !p.sizes.is_empty() {
                out.push_str("  Spot sizes (per VM):\n");
            }
            let width = p.sizes.iter().map(|s| s.name.len()).max().unwrap_or(0);
            for s in &p.sizes {
                let band = s.eviction_rate.map_or_else(
                    || "evictions not published (ranked as 10-15%/month)".to_owned(),
                    |b| format!("evictions {b}%/month"),
                );
                out.push_str(&format!(
                    "    {:<width$}  Spot {:>10}/hour  on-demand {:>10}/hour  {band}\n",
                    s.name,
                    opt(s.spot_hourly, 5),
                    opt(s.on_demand_hourly, 5),
                ));
            }
        }
        match (self.total.on_demand_monthly, self.total.spot_monthly) {
            (Some(od), Some(spot)) => {
                let saving = self
                    .total
                    .savings_percent
                    .map(|s| format!(" (-{s:.1}%)"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "total: on-demand {}/month → Spot ~{}/month{saving}\n",
                    money(c, od, 2),
                    money(c, spot, 2)
                ));
            }
            _ => out.push_str("total: unknown (no pool's source size has both prices)\n"),
        }
        let unpriced: Vec<&str> = self.unpriced().iter().map(|p| p.pool.as_str()).collect();
        if !unpriced.is_empty() && self.total.on_demand_monthly.is_some() {
            out.push_str(&format!(
                "  (without {}: no price for the source size)\n",
                unpriced.join(", ")
            ));
        }
        out.push_str(&format!("These are {CAVEAT}.\n"));
        out
    }
}

/// `$320` for USD, `320 EUR` for any other currency; `decimals` after the point.
pub fn money(currency: &str, v: f64, decimals: usize) -> String {
    if currency.eq_ignore_ascii_case("USD") {
        format!("${v:.decimals$}")
    } else {
        format!("{v:.decimals$} {currency}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EvictionRates, Lookup, Os, PriceCatalog};
    use serde_json::json;

    fn row(sku: &str, sku_name: &str, product: &str, price: f64) -> serde_json::Value {
        json!({"currencyCode": "USD", "armRegionName": "eastus", "armSkuName": sku, "retailPrice": price,
            "unitOfMeasure": "1 Hour", "skuName": sku_name, "meterName": sku_name, "productName": product, "type": "Consumption"})
    }

    fn data() -> (PriceCatalog, EvictionRates) {
        let p = PriceCatalog::from_value(&json!([
            row(
                "Standard_D2_v2",
                "D2 v2",
                "Virtual Machines Dv2 Series",
                0.146
            ),
            row(
                "Standard_D2_v2",
                "D2 v2 Spot",
                "Virtual Machines Dv2 Series",
                0.0292
            ),
            row(
                "Standard_D2_v2",
                "D2 v2",
                "Virtual Machines Dv2 Series Windows",
                0.284
            ),
            row(
                "Standard_D2_v2",
                "D2 v2 Spot",
                "Virtual Machines Dv2 Series Windows",
                0.0568
            ),
            row(
                "Standard_DS2_v2",
                "DS2 v2 Spot",
                "Virtual Machines DSv2 Series",
                0.02774
            ),
        ]))
        .unwrap();
        let r = EvictionRates::from_value(&json!([
            {"location": "eastus", "sku": {"name": "standard_ds2_v2"}, "properties": {"evictionRate": "0-5"}}
        ]))
        .unwrap();
        (p, r)
    }

    #[test]
    fn a_pools_figures_are_count_times_the_source_sizes_price() {
        let (p, r) = data();
        let l = Lookup::new(Some(&p), Some(&r), Os::Linux).region("eastus");
        let sizes = vec!["standard_d2_v2".to_owned(), "standard_ds2_v2".to_owned()];
        let e = PoolEstimate::new("agentpool1", 3, "standard_d2_v2", &sizes, &l);
        assert_eq!(e.source_size, "Standard_D2_v2");
        assert_eq!(e.on_demand_hourly, Some(0.438));
        assert_eq!(e.spot_hourly, Some(0.0876));
        assert_eq!(e.on_demand_monthly, Some(319.74));
        assert_eq!(e.spot_monthly, Some(63.95));
        assert_eq!(e.savings_percent, Some(80.0));
        assert_eq!(
            e.summary_line("USD").unwrap(),
            "agentpool1: 3 × Standard_D2_v2  on-demand $320/month → Spot ~$64/month (-80%)"
        );
        assert_eq!(
            serde_json::to_value(&e.sizes).unwrap(),
            json!([
                {"name": "Standard_D2_v2", "spotHourly": 0.0292, "onDemandHourly": 0.146, "evictionRate": null},
                {"name": "Standard_DS2_v2", "spotHourly": 0.02774, "onDemandHourly": null, "evictionRate": "0-5"}
            ])
        );
        let windows = Lookup::new(Some(&p), Some(&r), Os::Windows).region("eastus");
        let w = PoolEstimate::new("win", 1, "Standard_D2_v2", &sizes[..1], &windows);
        assert_eq!(w.on_demand_hourly, Some(0.284));
    }

    #[test]
    fn the_total_sums_priced_pools_and_the_document_has_the_documented_shape() {
        let (p, r) = data();
        let l = Lookup::new(Some(&p), Some(&r), Os::Linux).region("eastus");
        let a = PoolEstimate::new("a", 2, "Standard_D2_v2", &["Standard_D2_v2".to_owned()], &l);
        let b = PoolEstimate::new("b", 4, "Standard_D2_v2", &[], &l);
        let unpriced = PoolEstimate::new("c", 5, "Standard_E2_v3", &[], &l);
        assert_eq!(unpriced.summary_line("USD"), None);
        let e = Estimate::new(p.currency(), vec![a, b, unpriced]);
        assert_eq!(
            e.total.on_demand_monthly,
            Some(round(6.0 * 0.146 * 730.0, 2))
        );
        assert_eq!(e.total.savings_percent, Some(80.0));
        assert_eq!(e.unpriced().len(), 1);
        let v = serde_json::to_value(&e).unwrap();
        let keys = |v: &serde_json::Value| -> Vec<String> {
            v.as_object().unwrap().keys().cloned().collect()
        };
        assert_eq!(keys(&v), ["currency", "pools", "total"]);
        assert_eq!(
            keys(&v["pools"][0]),
            [
                "pool",
                "count",
                "sourceSize",
                "onDemandHourly",
                "spotHourly",
                "onDemandMonthly",
                "spotMonthly",
                "savingsPercent",
                "sizes"
            ]
        );
        assert_eq!(
            keys(&v["total"]),
            ["onDemandMonthly", "spotMonthly", "savingsPercent"]
        );
        assert_eq!(v["pools"][2]["onDemandHourly"], serde_json::Value::Null);
        let text = e.text();
        // Pool b lists no Spot sizes, so it has no sizes header.
        let b = &text[text.find("b: 4").unwrap()..text.find("c: 5").unwrap()];
        assert!(!b.contains("Spot sizes"), "{text}");
        assert!(
            text.contains("total: on-demand $639.48/month → Spot ~$127.90/month (-80.0%)"),
            "{text}"
        );
        assert!(
            text.contains("(without c: no price for the source size)"),
            "{text}"
        );
        assert!(
            text.contains("list prices") && text.contains("Spot prices move"),
            "{text}"
        );
        assert!(
            text.contains("evictions not published (ranked as 10-15%/month)"),
            "{text}"
        );
    }

    #[test]
    fn money_in_dollars_or_named_currency() {
        assert_eq!(money("USD", 319.74, 0), "$320");
        assert_eq!(money("EUR", 1.5, 2), "1.50 EUR");
    }
}
