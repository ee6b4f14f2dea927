//! One pool's view of the data: its region's prices for its OS and its region's eviction bands.
//!
//! A file holds one region's data. When it has none for the pool's region but holds exactly one
//! other region (a file saved for another cluster, or test data), that region's data is used:
//! the caller warns about it ([`Lookup::borrowed_regions`]).

use crate::eviction::{EvictionBand, EvictionRates};
use crate::prices::{Os, PriceCatalog, SizePrices};

/// The region whose data answers for `wanted`: `wanted` when the data has it, else the data's
/// only region, else `wanted` (nothing will be found).
fn data_region(regions: &[String], wanted: &str) -> String {
    if regions.iter().any(|r| r.eq_ignore_ascii_case(wanted)) {
        return wanted.to_ascii_lowercase();
    }
    match regions {
        [only] => only.clone(),
        _ => wanted.to_ascii_lowercase(),
    }
}

/// Prices and eviction bands for one region and OS.
#[derive(Debug, Clone, Copy)]
pub struct Lookup<'a> {
    prices: Option<&'a PriceCatalog>,
    rates: Option<&'a EvictionRates>,
    os: Os,
}

/// One size's data, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeData {
    /// Hourly prices.
    pub prices: SizePrices,
    /// The published eviction band; `None` when Azure publishes none for the size.
    pub band: Option<EvictionBand>,
}

/// Lookups of one region's data.
#[derive(Debug, Clone)]
pub struct RegionLookup<'a> {
    inner: Lookup<'a>,
    price_region: String,
    rate_region: String,
}

impl<'a> Lookup<'a> {
    /// What is known, for `os`.
    pub fn new(prices: Option<&'a PriceCatalog>, rates: Option<&'a EvictionRates>, os: Os) -> Self {
        Self { prices, rates, os }
    }

    /// For the pool's `region`.
    pub fn region(self, region: &str) -> RegionLookup<'a> {
        RegionLookup {
            price_region: data_region(self.prices.map_or(&[], |p| p.regions()), region),
            rate_region: data_region(self.rates.map_or(&[], |r| r.regions()), region),
            inner: self,
        }
    }

    /// Any prices or rates at all.
    pub fn has_data(&self) -> bool {
        self.prices.is_some() || self.rates.is_some()
    }
}

impl RegionLookup<'_> {
    /// Any prices or rates at all.
    pub fn has_data(&self) -> bool {
        self.inner.has_data()
    }

    /// The size's hourly prices.
    pub fn prices(&self, size: &str) -> SizePrices {
        self.inner
            .prices
            .map(|p| p.hourly(size, &self.price_region, self.inner.os))
            .unwrap_or_default()
    }

    /// The size's published band.
    pub fn band(&self, size: &str) -> Option<EvictionBand> {
        self.inner
            .rates
            .and_then(|r| r.band(size, &self.rate_region))
    }

    /// The band the size is ranked by: its own, else [`EvictionBand::UNKNOWN`].
    pub fn ranked_band(&self, size: &str) -> EvictionBand {
        self.band(size).unwrap_or(EvictionBand::UNKNOWN)
    }

    /// Both.
    pub fn size(&self, size: &str) -> SizeData {
        SizeData {
            prices: self.prices(size),
            band: self.band(size),
        }
    }

    /// The size as the price rows spell it, else as given.
    pub fn spelling<'s>(&'s self, size: &'s str) -> &'s str {
        self.inner
            .prices
            .and_then(|p| p.spelling(size))
            .unwrap_or(size)
    }

    /// The regions whose data stands in for `wanted` (prices, rates), when they differ from it.
    pub fn borrowed_regions(&self, wanted: &str) -> (Option<&str>, Option<&str>) {
        let prices = self
            .inner
            .prices
            .is_some_and(|p| p.has_region(&self.price_region))
            && !self.price_region.eq_ignore_ascii_case(wanted);
        let rates = self
            .inner
            .rates
            .is_some_and(|r| r.has_region(&self.rate_region))
            && !self.rate_region.eq_ignore_ascii_case(wanted);
        (
            prices.then_some(self.price_region.as_str()),
            rates.then_some(self.rate_region.as_str()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn prices(region: &str) -> PriceCatalog {
        PriceCatalog::from_value(&json!([
            {"armRegionName": region, "armSkuName": "Standard_D2_v2", "retailPrice": 0.146, "unitOfMeasure": "1 Hour",
             "skuName": "D2 v2", "meterName": "D2 v2", "productName": "Virtual Machines Dv2 Series", "type": "Consumption"},
            {"armRegionName": region, "armSkuName": "Standard_D2_v2", "retailPrice": 0.284, "unitOfMeasure": "1 Hour",
             "skuName": "D2 v2", "meterName": "D2 v2", "productName": "Virtual Machines Dv2 Series Windows", "type": "Consumption"}
        ]))
        .unwrap()
    }

    fn rates(region: &str) -> EvictionRates {
        EvictionRates::from_value(&json!([
            {"location": region, "sku": {"name": "standard_d2_v2"}, "properties": {"evictionRate": "5-10"}}
        ]))
        .unwrap()
    }

    #[test]
    fn the_pools_region_and_os_are_looked_up() {
        let (p, r) = (prices("eastus"), rates("eastus"));
        let linux = Lookup::new(Some(&p), Some(&r), Os::Linux).region("EastUS");
        assert_eq!(linux.prices("standard_d2_v2").on_demand, Some(0.146));
        assert_eq!(linux.band("Standard_D2_v2"), Some(EvictionBand::UpTo10));
        assert_eq!(linux.ranked_band("Standard_D4_v2"), EvictionBand::UNKNOWN);
        assert_eq!(linux.spelling("standard_d2_v2"), "Standard_D2_v2");
        assert_eq!(linux.borrowed_regions("eastus"), (None, None));
        let windows = Lookup::new(Some(&p), None, Os::Windows).region("eastus");
        assert_eq!(windows.prices("Standard_D2_v2").on_demand, Some(0.284));
        assert_eq!(windows.band("Standard_D2_v2"), None);
    }

    #[test]
    fn a_file_of_one_other_region_stands_in_and_says_so() {
        let (p, r) = (prices("southcentralus"), rates("westus"));
        let l = Lookup::new(Some(&p), Some(&r), Os::Linux).region("eastus");
        assert_eq!(l.prices("Standard_D2_v2").on_demand, Some(0.146));
        assert_eq!(l.band("Standard_D2_v2"), Some(EvictionBand::UpTo10));
        assert_eq!(
            l.borrowed_regions("eastus"),
            (Some("southcentralus"), Some("westus"))
        );
        let none = Lookup::new(None, None, Os::Linux);
        assert!(!none.has_data());
        assert_eq!(
            none.region("eastus").prices("Standard_D2_v2"),
            SizePrices::default()
        );
    }
}
