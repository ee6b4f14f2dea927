//! The Resource SKUs catalog: the VM sizes Azure offers, with their capabilities.
//!
//! Reads either shape: the API's page `{"value": [...], "nextLink"?}` or the bare array that
//! `az vm list-skus -o json` prints. Only `resourceType == "virtualMachines"` records are kept;
//! disks, availability sets and the rest are skipped. Capability values are strings in the API
//! (`"True"`, `"0.75"`, `"V1,V2"`); they are parsed here once so the rules work on numbers and
//! booleans, and a malformed value is an error naming the size and the capability.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;
use serde_json::Value;

use crate::size_name::{SizeNameProblem, check_size_name};

/// The Hyper-V generation a size supports when its record lists no `HyperVGenerations`
/// capability: Azure omits it for sizes that run only generation-1 images.
pub const HYPERV_GENERATION_WHEN_OMITTED: &str = "V1";

/// The `resourceType` of VM sizes.
const VIRTUAL_MACHINES: &str = "virtualMachines";

/// Why a catalog could not be read. The caller adds which file or request it came from.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The bytes are not JSON.
    #[error("not valid JSON")]
    Json(#[source] serde_json::Error),
    /// The file is UTF-16, as Windows PowerShell's `>` and `Out-File` write it.
    #[error(
        "the file is UTF-16 ({0}), as Windows PowerShell's `>` writes it; save it as UTF-8: \
         `az vm list-skus -l REGION -o json | Out-File -Encoding utf8 FILE`"
    )]
    Utf16(&'static str),
    /// A record's `name` is not shaped like a VM size name.
    #[error("record #{index}: size name {name:?} is not a VM size name: {problem}")]
    SizeName {
        /// Position in the array (0-based).
        index: usize,
        /// The name as written.
        name: String,
        /// What is wrong with it.
        problem: SizeNameProblem,
    },
    /// JSON, but neither `{"value": [...]}` nor an array.
    #[error(
        "expected the Resource SKUs API's {{\"value\": [...]}} or the array `az vm list-skus -o json` prints, found {found}"
    )]
    Shape {
        /// What the top level was (`an object without "value"`, `a string`, ...).
        found: String,
    },
    /// A record that is not a Resource SKU.
    #[error("record #{index}{}: not a Resource SKU", name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default())]
    Record {
        /// Position in the array (0-based).
        index: usize,
        /// Its `name`, when it has one.
        name: Option<String>,
        /// What serde could not read.
        #[source]
        source: serde_json::Error,
    },
    /// A capability whose value is not what the API documents (a number, `True`/`False`).
    #[error("size {size}: capability {capability} has value {value:?}, expected {expected}")]
    Capability {
        /// The size.
        size: String,
        /// The capability's name.
        capability: String,
        /// Its value as written.
        value: String,
        /// What it should look like.
        expected: &'static str,
    },
}

/// What a restriction restricts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestrictionKind {
    /// The size cannot be used anywhere in the listed regions.
    Location,
    /// The size cannot be used in the listed zones of the listed regions.
    Zone,
    /// A kind this code does not know; ignored by the rules.
    Other(String),
}

/// One entry of a record's `restrictions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restriction {
    /// `type`.
    pub kind: RestrictionKind,
    /// Regions it covers (`restrictionInfo.locations`, else `values`), lowercase.
    pub locations: Vec<String>,
    /// Zones it covers (`restrictionInfo.zones`), for zone restrictions.
    pub zones: Vec<String>,
    /// `reasonCode`, e.g. `NotAvailableForSubscription`.
    pub reason: Option<String>,
}

impl Restriction {
    /// Whether it covers `region` (case-insensitive).
    pub fn covers_region(&self, region: &str) -> bool {
        self.locations
            .iter()
            .any(|l| l.eq_ignore_ascii_case(region))
    }
}

/// One VM size as the catalog describes it (one record: one size in the regions it lists).
#[derive(Debug, Clone, PartialEq)]
pub struct VmSku {
    /// `name`, as Azure spells it (`Standard_D2_v2`).
    pub name: String,
    /// `family` (`standardDv2Family`); empty when the record has none.
    pub family: String,
    /// `locations`.
    pub locations: Vec<String>,
    /// `locationInfo[].zones` per region (lowercase region).
    pub zones: BTreeMap<String, Vec<String>>,
    /// `restrictions`.
    pub restrictions: Vec<Restriction>,
    /// `vCPUs`.
    pub vcpus: Option<u32>,
    /// `vCPUsAvailable`; Azure omits it when every vCPU is available.
    pub vcpus_available: Option<u32>,
    /// `MemoryGB`.
    pub memory_gb: Option<f64>,
    /// `LowPriorityCapable`: whether Spot / low-priority VMs of this size exist.
    pub low_priority_capable: bool,
    /// `CpuArchitectureType`; older records omit it, and every size they describe is `x64`.
    pub cpu_architecture: String,
    /// `HyperVGenerations` split on commas; older records omit it, and those sizes run `V1`.
    pub hyperv_generations: Vec<String>,
    /// `PremiumIO`.
    pub premium_io: bool,
    /// `AcceleratedNetworkingEnabled`.
    pub accelerated_networking: bool,
    /// `GPUs` (0 when absent).
    pub gpus: u32,
}

impl VmSku {
    /// Whether the record lists `region` (case-insensitive).
    pub fn offered_in(&self, region: &str) -> bool {
        self.locations
            .iter()
            .any(|l| l.eq_ignore_ascii_case(region))
    }

    /// The zones `locationInfo` lists for `region`.
    pub fn zones_in(&self, region: &str) -> &[String] {
        self.zones
            .get(&region.to_ascii_lowercase())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The name without the `Standard_`/`Basic_` tier prefix (`D2_v2`).
    pub fn short_name(&self) -> &str {
        short_name(&self.name)
    }

    /// The size's generation: the `_vN` part of its name, 1 when it has none (`Standard_A0`).
    pub fn generation(&self) -> u32 {
        generation(&self.name)
    }
}

/// The name without the `Standard_`/`Basic_` prefix.
pub(crate) fn short_name(name: &str) -> &str {
    name.split_once('_')
        .filter(|(tier, _)| {
            tier.eq_ignore_ascii_case("standard") || tier.eq_ignore_ascii_case("basic")
        })
        .map(|(_, rest)| rest)
        .unwrap_or(name)
}

/// The `_vN` generation of a size name; 1 when absent.
pub(crate) fn generation(name: &str) -> u32 {
    name.split('_')
        .filter_map(|seg| {
            let digits = seg.strip_prefix('v').or_else(|| seg.strip_prefix('V'))?;
            digits.parse::<u32>().ok()
        })
        .next_back()
        .unwrap_or(1)
}

/// The VM sizes of a Resource SKUs catalog.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    skus: Vec<VmSku>,
    /// Lowercase name → positions in `skus` (a catalog without a region filter has one record
    /// per size and region).
    by_name: HashMap<String, Vec<usize>>,
    records: usize,
    next_link: Option<String>,
}

impl Catalog {
    /// Reads a catalog file's bytes (either shape). A UTF-8 byte-order mark (Notepad, PowerShell
    /// 7's `Out-File -Encoding utf8BOM`) is skipped; UTF-16 is refused with how to re-save it.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, CatalogError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if let Some(encoding) = utf16_encoding(bytes) {
            return Err(CatalogError::Utf16(encoding));
        }
        let value: Value = serde_json::from_slice(bytes).map_err(CatalogError::Json)?;
        Self::from_value(&value)
    }

    /// Reads a catalog already parsed as JSON (either shape).
    pub fn from_value(value: &Value) -> Result<Self, CatalogError> {
        let (records, next_link) = match value {
            Value::Array(items) => (items.as_slice(), None),
            Value::Object(map) => match map.get("value") {
                Some(Value::Array(items)) => (
                    items.as_slice(),
                    map.get("nextLink")
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                ),
                Some(other) => {
                    return Err(CatalogError::Shape {
                        found: format!("an object whose \"value\" is {}", describe(other)),
                    });
                }
                None => {
                    return Err(CatalogError::Shape {
                        found: "an object without \"value\"".into(),
                    });
                }
            },
            other => {
                return Err(CatalogError::Shape {
                    found: describe(other).into(),
                });
            }
        };
        let mut skus = Vec::new();
        for (index, record) in records.iter().enumerate() {
            let is_vm = record
                .get("resourceType")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case(VIRTUAL_MACHINES));
            if !record.is_object() {
                return Err(CatalogError::Record {
                    index,
                    name: None,
                    source: serde::de::Error::custom(format!(
                        "expected an object, found {}",
                        describe(record)
                    )),
                });
            }
            if !is_vm {
                continue;
            }
            let raw: RawSku =
                serde_json::from_value(record.clone()).map_err(|source| CatalogError::Record {
                    index,
                    name: record
                        .get("name")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    source,
                })?;
            check_size_name(&raw.name).map_err(|problem| CatalogError::SizeName {
                index,
                name: raw.name.clone(),
                problem,
            })?;
            skus.push(raw.into_sku()?);
        }
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, s) in skus.iter().enumerate() {
            by_name
                .entry(s.name.to_ascii_lowercase())
                .or_default()
                .push(i);
        }
        Ok(Self {
            skus,
            by_name,
            records: records.len(),
            next_link,
        })
    }

    /// Every VM size record, in catalog order.
    pub fn skus(&self) -> &[VmSku] {
        &self.skus
    }

    /// How many VM size records it holds.
    pub fn len(&self) -> usize {
        self.skus.len()
    }

    /// Whether it holds no VM size at all.
    pub fn is_empty(&self) -> bool {
        self.skus.is_empty()
    }

    /// How many records of any resource type the input had (what "N records" reports).
    pub fn record_count(&self) -> usize {
        self.records
    }

    /// The page's `nextLink`, when the input was one page of a longer answer: the catalog is
    /// then incomplete, which the caller should say.
    pub fn next_link(&self) -> Option<&str> {
        self.next_link.as_deref()
    }

    /// The record for size `name` (case-insensitive) in `region`; when no record lists the
    /// region, the first record of that name, so the rules can say it is not offered there.
    pub fn get(&self, name: &str, region: &str) -> Option<&VmSku> {
        let positions = self.by_name.get(&name.to_ascii_lowercase())?;
        let mut named = positions.iter().map(|&i| &self.skus[i]);
        let first = named.next()?;
        if first.offered_in(region) {
            return Some(first);
        }
        named.find(|s| s.offered_in(region)).or(Some(first))
    }

    /// One record per distinct size name (case-insensitive), preferring the one for `region`;
    /// in catalog order of first appearance.
    pub fn sizes_for(&self, region: &str) -> Vec<&VmSku> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for s in &self.skus {
            if seen.insert(s.name.to_ascii_lowercase())
                && let Some(best) = self.get(&s.name, region)
            {
                out.push(best);
            }
        }
        out
    }
}

/// `Some("little-endian")`/`Some("big-endian")` when `bytes` look like UTF-16 text: a UTF-16
/// byte-order mark, or JSON's first character (ASCII) followed or preceded by a zero byte.
fn utf16_encoding(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, ..] => Some("little-endian"),
        [0xFE, 0xFF, ..] => Some("big-endian"),
        [a, 0, ..] if a.is_ascii() && *a != 0 => Some("little-endian"),
        [0, b, ..] if b.is_ascii() && *b != 0 => Some("big-endian"),
        _ => None,
    }
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSku {
    name: String,
    #[serde(default)]
    family: Option<String>,
    #[serde(default)]
    locations: Vec<String>,
    #[serde(default)]
    location_info: Vec<RawLocationInfo>,
    #[serde(default)]
    capabilities: Vec<RawCapability>,
    #[serde(default)]
    restrictions: Vec<RawRestriction>,
}

#[derive(Deserialize)]
struct RawLocationInfo {
    location: String,
    #[serde(default)]
    zones: Vec<String>,
}

#[derive(Deserialize)]
struct RawCapability {
    name: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRestriction {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    values: Vec<String>,
    #[serde(default)]
    restriction_info: Option<RawRestrictionInfo>,
    #[serde(default)]
    reason_code: Option<String>,
}

#[derive(Deserialize)]
struct RawRestrictionInfo {
    #[serde(default)]
    locations: Vec<String>,
    #[serde(default)]
    zones: Vec<String>,
}

impl RawSku {
    fn into_sku(self) -> Result<VmSku, CatalogError> {
        let caps: BTreeMap<&str, &str> = self
            .capabilities
            .iter()
            .map(|c| (c.name.as_str(), c.value.as_str()))
            .collect();
        let name = &self.name;
        let bad =
            |capability: &str, value: &str, expected: &'static str| CatalogError::Capability {
                size: name.clone(),
                capability: capability.to_owned(),
                value: value.to_owned(),
                expected,
            };
        let count = |cap: &str| -> Result<Option<u32>, CatalogError> {
            caps.get(cap)
                .map(|v| {
                    v.trim()
                        .parse::<u32>()
                        .map_err(|_| bad(cap, v, "a whole number"))
                })
                .transpose()
        };
        let flag = |cap: &str| -> Result<bool, CatalogError> {
            match caps.get(cap) {
                None => Ok(false),
                Some(v) if v.trim().eq_ignore_ascii_case("true") => Ok(true),
                Some(v) if v.trim().eq_ignore_ascii_case("false") => Ok(false),
                Some(v) => Err(bad(cap, v, "True or False")),
            }
        };
        let memory_gb = caps
            .get("MemoryGB")
            .map(|v| {
                v.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|m| m.is_finite() && *m >= 0.0)
                    .ok_or_else(|| bad("MemoryGB", v, "a number"))
            })
            .transpose()?;
        let hyperv_generations = match caps.get("HyperVGenerations") {
            Some(v) => v
                .split(',')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_owned)
                .collect(),
            None => vec![HYPERV_GENERATION_WHEN_OMITTED.to_owned()],
        };
        let restrictions = self
            .restrictions
            .iter()
            .map(|r| {
                let info = r.restriction_info.as_ref();
                let locations = info
                    .map(|i| i.locations.clone())
                    .filter(|l| !l.is_empty())
                    .unwrap_or_else(|| r.values.clone());
                Restriction {
                    kind: match r.kind.as_str() {
                        k if k.eq_ignore_ascii_case("Location") => RestrictionKind::Location,
                        k if k.eq_ignore_ascii_case("Zone") => RestrictionKind::Zone,
                        k => RestrictionKind::Other(k.to_owned()),
                    },
                    locations: locations.iter().map(|l| l.to_ascii_lowercase()).collect(),
                    zones: info.map(|i| i.zones.clone()).unwrap_or_default(),
                    reason: r.reason_code.clone(),
                }
            })
            .collect();
        Ok(VmSku {
            vcpus: count("vCPUs")?,
            vcpus_available: count("vCPUsAvailable")?,
            memory_gb,
            low_priority_capable: flag("LowPriorityCapable")?,
            cpu_architecture: caps
                .get("CpuArchitectureType")
                .map(|v| v.trim().to_owned())
                .unwrap_or_else(|| "x64".to_owned()),
            hyperv_generations,
            premium_io: flag("PremiumIO")?,
            accelerated_networking: flag("AcceleratedNetworkingEnabled")?,
            gpus: count("GPUs")?.unwrap_or(0),
            family: self.family.clone().unwrap_or_default(),
            zones: self
                .location_info
                .iter()
                .map(|li| (li.location.to_ascii_lowercase(), li.zones.clone()))
                .collect(),
            locations: self.locations.clone(),
            restrictions,
            name: self.name,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn record(name: &str, caps: &[(&str, &str)]) -> Value {
        json!({
            "resourceType": "virtualMachines", "name": name, "tier": "Standard",
            "family": "standardDv2Family", "locations": ["westeurope"],
            "locationInfo": [{"location": "westeurope", "zones": ["1", "2"]}],
            "capabilities": caps.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>(),
            "restrictions": []
        })
    }

    #[test]
    fn reads_the_api_page_and_the_bare_array_alike() {
        let rec = record("Standard_D2_v2", &[("vCPUs", "2"), ("MemoryGB", "7")]);
        let disk =
            json!({"resourceType": "disks", "name": "Premium_LRS", "locations": ["westeurope"]});
        let page = Catalog::from_value(&json!({"value": [rec, disk]})).unwrap();
        let bare = Catalog::from_value(&json!([rec, disk])).unwrap();
        assert_eq!(page, bare);
        assert_eq!(page.len(), 1, "only virtualMachines records are sizes");
        assert_eq!(page.record_count(), 2);
        let s = &page.skus()[0];
        assert_eq!((s.vcpus, s.memory_gb), (Some(2), Some(7.0)));
        assert_eq!(s.zones_in("WestEurope"), ["1", "2"]);
    }

    #[test]
    fn a_page_with_next_link_says_so() {
        let c = Catalog::from_value(&json!({"value": [], "nextLink": "https://x/next"})).unwrap();
        assert_eq!(c.next_link(), Some("https://x/next"));
        assert!(c.is_empty());
    }

    #[test]
    fn records_without_architecture_or_generation_are_x64_v1() {
        let c = Catalog::from_value(&json!([record("Standard_A1", &[("vCPUs", "1")])])).unwrap();
        let s = &c.skus()[0];
        assert_eq!(s.cpu_architecture, "x64");
        assert_eq!(s.hyperv_generations, ["V1"]);
        assert!(
            !s.low_priority_capable,
            "absent LowPriorityCapable is not capable"
        );
    }

    #[test]
    fn wrong_shapes_are_typed_errors() {
        assert!(matches!(
            Catalog::from_slice(b"{not json"),
            Err(CatalogError::Json(_))
        ));
        let e = Catalog::from_value(&json!({"items": []})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected the Resource SKUs API's {\"value\": [...]} or the array `az vm list-skus -o json` prints, found an object without \"value\""
        );
        let e = Catalog::from_value(&json!("text")).unwrap_err();
        assert!(e.to_string().ends_with("found a string"), "{e}");
        let e = Catalog::from_value(&json!([{"resourceType": "virtualMachines", "name": "Standard_X", "capabilities": [{"name": "vCPUs"}]}])).unwrap_err();
        assert!(
            matches!(&e, CatalogError::Record { index: 0, name: Some(n), .. } if n == "Standard_X"),
            "{e:?}"
        );
        assert_eq!(e.to_string(), "record #0 (Standard_X): not a Resource SKU");
        let e = Catalog::from_value(&json!([42])).unwrap_err();
        assert_eq!(e.to_string(), "record #0: not a Resource SKU");
    }

    #[test]
    fn a_utf8_byte_order_mark_is_skipped() {
        let text =
            serde_json::to_vec(&json!([record("Standard_D2_v2", &[("vCPUs", "2")])])).unwrap();
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), &text].concat();
        assert_eq!(
            Catalog::from_slice(&with_bom).unwrap(),
            Catalog::from_slice(&text).unwrap()
        );
    }

    #[test]
    fn utf16_is_refused_with_how_to_save_it_as_utf8() {
        let text = r#"[{"resourceType": "virtualMachines", "name": "Standard_D2_v2"}]"#;
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for (bytes, encoding) in [
            ([[0xFF, 0xFE].as_slice(), &le].concat(), "little-endian"),
            ([[0xFE, 0xFF].as_slice(), &be].concat(), "big-endian"),
            (le, "little-endian"),
            (be, "big-endian"),
        ] {
            let e = Catalog::from_slice(&bytes).unwrap_err();
            assert!(
                matches!(e, CatalogError::Utf16(enc) if enc == encoding),
                "{e:?}"
            );
            assert_eq!(
                e.to_string(),
                format!(
                    "the file is UTF-16 ({encoding}), as Windows PowerShell's `>` writes it; save it as UTF-8: \
                     `az vm list-skus -l REGION -o json | Out-File -Encoding utf8 FILE`"
                )
            );
        }
    }

    #[test]
    fn size_names_are_checked_and_the_error_names_record_and_value() {
        for (name, says) in [
            ("Standard D2_v2", "it contains a space"),
            ("Standard_D2_v2\"", "it contains a quote (\")"),
            ("Standard/D2_v2", "it contains '/'"),
        ] {
            let e = Catalog::from_value(&json!([record("Standard_D2_v2", &[]), record(name, &[])]))
                .unwrap_err();
            assert_eq!(
                e.to_string(),
                format!(
                    "record #1: size name {name:?} is not a VM size name: {says}; \
                     a VM size name has letters, digits, `_` and `-` only, like Standard_D2s_v3"
                )
            );
        }
        // Records that are not VM sizes keep their own names (disks, availability sets).
        let disk = json!({"resourceType": "disks", "name": "Premium LRS"});
        assert!(Catalog::from_value(&json!([disk])).is_ok());
    }

    #[test]
    fn malformed_capabilities_name_the_size_and_capability() {
        let e = Catalog::from_value(&json!([record("Standard_D2_v2", &[("MemoryGB", "lots")])]))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "size Standard_D2_v2: capability MemoryGB has value \"lots\", expected a number"
        );
        let e = Catalog::from_value(&json!([record("Standard_D2_v2", &[("PremiumIO", "yes")])]))
            .unwrap_err();
        assert!(e.to_string().contains("expected True or False"), "{e}");
    }

    #[test]
    fn lookups_ignore_case_and_prefer_the_region() {
        let mut other = record("Standard_D2_v2", &[("vCPUs", "2")]);
        other["locations"] = json!(["eastus"]);
        let here = record("Standard_D2_v2", &[("vCPUs", "4")]);
        let c = Catalog::from_value(&json!([other, here])).unwrap();
        assert_eq!(
            c.get("standard_d2_v2", "westeurope").unwrap().vcpus,
            Some(4)
        );
        assert_eq!(c.get("STANDARD_D2_V2", "eastus").unwrap().vcpus, Some(2));
        assert_eq!(c.get("Standard_D2_v2", "japaneast").unwrap().vcpus, Some(2));
        assert!(c.get("Standard_D3_v2", "westeurope").is_none());
        assert_eq!(c.sizes_for("westeurope").len(), 1);
    }

    #[test]
    fn names_give_short_name_and_generation() {
        assert_eq!(short_name("Standard_D2_v2"), "D2_v2");
        assert_eq!(short_name("Basic_A0"), "A0");
        assert_eq!(short_name("D2_v2"), "D2_v2");
        assert_eq!(generation("Standard_D2_v2"), 2);
        assert_eq!(generation("Standard_A0"), 1);
        assert_eq!(generation("Standard_D13_v2_Promo"), 2);
        assert_eq!(generation("Standard_NC24ads_A100_v4"), 4);
    }
}
