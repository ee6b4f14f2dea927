//! What a plan's pools come to: each pool's node count (its group's capacity target, after
//! `--set`), OS and sizes, priced from the plan's [`PriceData`].

use serde_json::Value;
use vm_prices::{Estimate, Lookup, Os, PoolEstimate};

use super::source::PriceData;
use crate::plan::PlannedGroup;

/// The estimate of `planned` in `region`; `None` without prices.
pub fn estimate(planned: &[PlannedGroup], data: &PriceData, region: &str) -> Option<Estimate> {
    let prices = data.prices.get()?;
    let pools = planned
        .iter()
        .map(|g| {
            let group = g.body.get("group").unwrap_or(&Value::Null);
            let count = group
                .pointer("/capacity/target")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            let os = Os::from_group_os(
                group
                    .pointer("/compute/os")
                    .and_then(Value::as_str)
                    .unwrap_or("Linux"),
            );
            let list = |key: &str| -> Vec<String> {
                group
                    .pointer(&format!("/compute/vmSizes/{key}"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            };
            let mut spot = list("spotSizes");
            if spot.is_empty() {
                spot = list("lowPrioritySizes");
            }
            let source = g
                .sizes
                .as_ref()
                .map(|s| s.source_size.clone())
                .filter(|s| !s.is_empty())
                .or_else(|| list("odSizes").into_iter().next())
                .unwrap_or_default();
            let lookup = Lookup::new(Some(prices), data.rates.get(), os).region(region);
            PoolEstimate::new(&g.pool, count, &source, &spot, &lookup)
        })
        .collect();
    Some(Estimate::new(prices.currency(), pools))
}

/// The lines that end `import`'s summary: one per pool with both prices, then what the figures
/// are. None when no pool is priced.
pub fn summary_lines(estimate: &Estimate) -> Vec<String> {
    let mut out: Vec<String> = estimate
        .pools
        .iter()
        .filter_map(|p| p.summary_line(&estimate.currency))
        .collect();
    if !out.is_empty() {
        out.push(format!("These are {}.", vm_prices::estimate::CAVEAT));
    }
    out
}
