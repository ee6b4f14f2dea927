//! Spot eviction rates: Azure Resource Graph's `SpotResources` records of type
//! `microsoft.compute/skuspotevictionrate/location`, one per size and region, each with a band
//! of evictions per month (`0-5` … `20+` percent).
//!
//! Reads either shape: the Resource Graph answer `{"data": [...], ...}` or its `data` array.
//! A record's size is `sku.name` (else a projected `skuName`), its band
//! `properties.evictionRate` (else a projected `evictionRate`).

use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

/// An eviction-rate file or answer that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum EvictionError {
    /// Not JSON.
    #[error("not JSON")]
    Json(#[source] serde_json::Error),
    /// JSON of another shape.
    #[error(
        "expected the Resource Graph answer {{\"data\": [...]}} or its data array, found {found}"
    )]
    Shape {
        /// What was found instead.
        found: &'static str,
    },
}

/// How often Azure evicted a size's Spot VMs in a region, in percent per month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EvictionBand {
    /// `0-5`.
    UpTo5,
    /// `5-10`.
    UpTo10,
    /// `10-15`; also what a size without a published rate counts as.
    UpTo15,
    /// `15-20`.
    UpTo20,
    /// `20+`.
    Over20,
}

impl EvictionBand {
    /// The band a size without a published rate is ranked as: the middle one.
    pub const UNKNOWN: EvictionBand = EvictionBand::UpTo15;

    /// Reads Azure's spelling (`0-5`, `5-10`, `10-15`, `15-20`, `20+`; spaces and `%` allowed).
    pub fn parse(s: &str) -> Option<Self> {
        let t: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '%')
            .collect();
        Some(match t.as_str() {
            "0-5" => EvictionBand::UpTo5,
            "5-10" => EvictionBand::UpTo10,
            "10-15" => EvictionBand::UpTo15,
            "15-20" => EvictionBand::UpTo20,
            "20+" | "20-100" => EvictionBand::Over20,
            _ => return None,
        })
    }

    /// Azure's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EvictionBand::UpTo5 => "0-5",
            EvictionBand::UpTo10 => "5-10",
            EvictionBand::UpTo15 => "10-15",
            EvictionBand::UpTo20 => "15-20",
            EvictionBand::Over20 => "20+",
        }
    }

    /// 0 for the lowest band to 4 for the highest.
    pub fn rank(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for EvictionBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The eviction band of each size, per region.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvictionRates {
    /// (lowercase size, lowercase region) → band.
    bands: HashMap<(String, String), EvictionBand>,
    regions: Vec<String>,
    records: usize,
}

impl EvictionRates {
    /// Reads a file's bytes (either shape).
    pub fn from_slice(bytes: &[u8]) -> Result<Self, EvictionError> {
        let value: Value = serde_json::from_slice(bytes).map_err(EvictionError::Json)?;
        Self::from_value(&value)
    }

    /// Reads records already parsed as JSON (either shape). Records without a size or with a
    /// band this reader does not know are skipped.
    pub fn from_value(value: &Value) -> Result<Self, EvictionError> {
        let records = match value {
            Value::Array(items) => items.as_slice(),
            Value::Object(map) => match map.get("data") {
                Some(Value::Array(items)) => items.as_slice(),
                // Resource Graph's `table` result format is not what we ask for.
                _ => {
                    return Err(EvictionError::Shape {
                        found: "an object without a \"data\" array",
                    });
                }
            },
            Value::Null => return Err(EvictionError::Shape { found: "null" }),
            Value::Bool(_) => return Err(EvictionError::Shape { found: "a boolean" }),
            Value::Number(_) => return Err(EvictionError::Shape { found: "a number" }),
            Value::String(_) => return Err(EvictionError::Shape { found: "a string" }),
        };
        let mut rates = EvictionRates {
            records: records.len(),
            ..EvictionRates::default()
        };
        for r in records {
            let text = |pointer: &str, flat: &str| {
                r.pointer(pointer)
                    .or_else(|| r.get(flat))
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
            };
            let (Some(size), Some(band)) = (
                text("/sku/name", "skuName"),
                text("/properties/evictionRate", "evictionRate").and_then(EvictionBand::parse),
            ) else {
                continue;
            };
            let region = text("/location", "location")
                .unwrap_or_default()
                .to_ascii_lowercase();
            if !rates.regions.contains(&region) {
                rates.regions.push(region.clone());
            }
            rates
                .bands
                .insert((size.to_ascii_lowercase(), region), band);
        }
        Ok(rates)
    }

    /// The size's band in `region`, if Azure publishes one (names in any case).
    pub fn band(&self, size: &str, region: &str) -> Option<EvictionBand> {
        self.bands
            .get(&(size.to_ascii_lowercase(), region.to_ascii_lowercase()))
            .copied()
    }

    /// The regions with at least one rate, in the order first seen (lowercase).
    pub fn regions(&self) -> &[String] {
        &self.regions
    }

    /// Whether any rate is for `region`.
    pub fn has_region(&self, region: &str) -> bool {
        self.regions.iter().any(|r| r.eq_ignore_ascii_case(region))
    }

    /// Records read.
    pub fn record_count(&self) -> usize {
        self.records
    }

    /// Rates read (sizes × regions).
    pub fn rate_count(&self) -> usize {
        self.bands.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(size: &str, band: &str) -> Value {
        json!({"id": format!("microsoft.compute/skuspotevictionrate/location/{size}/southcentralus"),
            "type": "microsoft.compute/skuspotevictionrate/location", "location": "southcentralus",
            "sku": {"name": size}, "properties": {"evictionRate": band}})
    }

    #[test]
    fn bands_parse_in_azures_spelling_and_order_lowest_first() {
        let all = ["0-5", "5-10", "10-15", "15-20", "20+"];
        let bands: Vec<EvictionBand> = all
            .iter()
            .map(|s| EvictionBand::parse(s).unwrap())
            .collect();
        let mut sorted = bands.clone();
        sorted.sort();
        assert_eq!(bands, sorted);
        for (b, s) in bands.iter().zip(all) {
            assert_eq!(b.to_string(), s);
        }
        assert_eq!(
            EvictionBand::parse(" 10 - 15 %"),
            Some(EvictionBand::UpTo15)
        );
        assert_eq!(EvictionBand::parse("high"), None);
        assert_eq!(EvictionBand::UNKNOWN.as_str(), "10-15");
        assert_eq!(EvictionBand::Over20.rank(), 4);
    }

    #[test]
    fn the_answer_and_its_data_array_read_the_same() {
        let data = vec![
            record("standard_d2_v2", "0-5"),
            record("standard_a0", "20+"),
        ];
        let answer = EvictionRates::from_value(
            &json!({"totalRecords": 2, "count": 2, "data": data, "facets": [], "resultTruncated": "false"}),
        )
        .unwrap();
        let bare = EvictionRates::from_value(&Value::Array(data)).unwrap();
        assert_eq!(answer, bare);
        assert_eq!(
            answer.band("Standard_D2_v2", "SouthCentralUS"),
            Some(EvictionBand::UpTo5)
        );
        assert_eq!(
            answer.band("standard_a0", "southcentralus"),
            Some(EvictionBand::Over20)
        );
        assert_eq!(answer.band("standard_a0", "eastus"), None);
        assert_eq!(answer.regions(), ["southcentralus"]);
        assert_eq!((answer.record_count(), answer.rate_count()), (2, 2));
    }

    #[test]
    fn projected_records_and_unreadable_ones() {
        let r = EvictionRates::from_value(&json!([
            {"skuName": "standard_b1s", "evictionRate": "15-20", "location": "southcentralus"},
            {"sku": {"name": "standard_x"}, "properties": {"evictionRate": "often"}},
            {"properties": {"evictionRate": "0-5"}},
            42
        ]))
        .unwrap();
        assert_eq!(r.record_count(), 4);
        assert_eq!(r.rate_count(), 1);
        assert_eq!(
            r.band("Standard_B1s", "southcentralus"),
            Some(EvictionBand::UpTo20)
        );
    }

    #[test]
    fn other_shapes_are_refused_saying_what_was_expected() {
        let err = EvictionRates::from_value(&json!({"value": []}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("{\"data\": [...]}"), "{err}");
        assert!(matches!(
            EvictionRates::from_slice(b"nope"),
            Err(EvictionError::Json(_))
        ));
    }

    #[test]
    fn the_shared_fixture_reads_every_record() {
        let Some(shared) = test_fixtures::shared_dir("vm-prices eviction fixture") else {
            return;
        };
        let bytes = std::fs::read(
            shared.join("fixtures/azure/prices/spot-eviction-rates-southcentralus.json"),
        )
        .unwrap();
        let r = EvictionRates::from_slice(&bytes).unwrap();
        assert_eq!(r.rate_count(), 13);
        assert_eq!(
            r.band("Standard_DS2_v2", "southcentralus"),
            Some(EvictionBand::UpTo5)
        );
        assert_eq!(r.band("Standard_D2_v2", "southcentralus"), None);
    }
}
