//! What was chosen for one pool and from which catalog: the lines stderr shows and the `sizes`
//! object of `--output json`.

use elastigroup::ApiGeneration;
use serde::Serialize;
use serde_json::Value;

use super::catalog_source::CatalogOrigin;

/// One excluded candidate and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Excluded {
    /// The VM size's name (`Standard_D4s_v3`).
    pub size: String,
    /// The rule's stable code (`not-spot-capable`).
    pub rule: &'static str,
    /// The rule's text.
    pub reason: String,
}

/// What was chosen for one pool, and from what (a `sizes` object per pool in `--output json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolSizes {
    /// The catalog used; `None` when there was none.
    pub catalog: Option<CatalogUsed>,
    /// `auto`, `source` or `list`.
    pub mode: &'static str,
    /// The group's Spot sizes as sent (v3 `spotSizes`, v2 `lowPrioritySizes`).
    pub spot_sizes: Vec<String>,
    /// The group's on-demand sizes as sent.
    pub od_sizes: Vec<String>,
    /// `--set` replaced the chosen sizes.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub set_by_user: bool,
    /// Every catalog size left out of the Spot list, with its first broken rule.
    pub excluded: Vec<Excluded>,
    /// Compatible sizes left out because the list was full.
    pub ranked_out: Vec<String>,
    /// What the user should know about the choice that is not an error.
    pub warnings: Vec<String>,
    /// Why the pool kept its one size and how to get more, when there was no catalog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The size the scale set runs (as the template spells it).
    #[serde(skip)]
    pub source_size: String,
    /// v3 `preferredSpotSizes` as sent; empty without prices or rates.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preferred_spot_sizes: Vec<String>,
    /// Each Spot size's eviction band and prices, when any are known.
    #[serde(rename = "spotSizeData", skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<SizeSignal>,
}

/// One Spot size's eviction band and hourly prices (`-v` and `--output json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SizeSignal {
    /// The size as sent.
    pub size: String,
    /// The published eviction band (`0-5` … `20+`), if any.
    pub eviction_rate: Option<&'static str>,
    /// Spot price per hour.
    pub spot_hourly: Option<f64>,
    /// Pay-as-you-go price per hour.
    pub on_demand_hourly: Option<f64>,
}

impl SizeSignal {
    /// `size`'s data from `lookup`.
    pub(crate) fn of(size: &str, lookup: &vm_prices::RegionLookup<'_>) -> Self {
        let d = lookup.size(size);
        SizeSignal {
            size: size.to_owned(),
            eviction_rate: d.band.map(|b| b.as_str()),
            spot_hourly: d.prices.spot,
            on_demand_hourly: d.prices.on_demand,
        }
    }

    fn line(&self) -> String {
        let price =
            |p: Option<f64>| p.map_or_else(|| "unknown".to_owned(), |p| format!("{p}/hour"));
        format!(
            "  {}: evictions {}, Spot {}, on-demand {}",
            self.size,
            self.eviction_rate.map_or_else(
                || "not published (ranked as 10-15%/month)".to_owned(),
                |b| format!("{b}%/month")
            ),
            price(self.spot_hourly),
            price(self.on_demand_hourly)
        )
    }
}

/// The catalog a pool's sizes came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogUsed {
    /// Where it came from.
    #[serde(flatten)]
    pub origin: CatalogOrigin,
    /// Records of any resource type in it.
    pub records: usize,
}

impl CatalogUsed {
    fn describe(&self) -> String {
        let n = self.records;
        match &self.origin {
            CatalogOrigin::File { path } => format!("catalog {}, {n} records", path.display()),
            CatalogOrigin::Saved { path } => {
                format!("saved catalog {}, {n} records", path.display())
            }
            CatalogOrigin::Live {
                region,
                saved_to: Some(p),
            } => format!(
                "live catalog of {region}, {n} records, saved to {}",
                p.display()
            ),
            CatalogOrigin::Live {
                region,
                saved_to: None,
            } => format!("live catalog of {region}, {n} records"),
        }
    }
}

impl PoolSizes {
    /// The lines stderr shows for `pool`: what was chosen and from what, then (`verbose`) every
    /// size left out with its rule. Warnings are separate ([`PoolSizes::warnings`]).
    pub fn lines(&self, pool: &str, verbose: bool) -> Vec<String> {
        let from = match (&self.catalog, self.mode) {
            (_, "source") => "the source size alone (--spot-sizes source)".to_owned(),
            (Some(c), "list") => format!("as listed, checked against the {}", c.describe()),
            (Some(c), _) => format!("from the {}", c.describe()),
            (None, _) => self.note.clone().unwrap_or_else(|| "no catalog".to_owned()),
        };
        let set = if self.set_by_user {
            ", set by --set"
        } else {
            ""
        };
        let od = if self.od_sizes == self.spot_sizes {
            "the same".to_owned()
        } else {
            self.od_sizes.join(", ")
        };
        let mut out = vec![format!(
            "agent pool `{pool}`: Spot sizes {} ({from}{set}); on-demand sizes {od}",
            self.spot_sizes.join(", "),
        )];
        if !self.preferred_spot_sizes.is_empty() {
            out.push(format!(
                "agent pool `{pool}`: preferred Spot sizes {} (lowest eviction band, then Spot price per vCPU)",
                self.preferred_spot_sizes.join(", ")
            ));
        }
        if verbose {
            for s in &self.signals {
                out.push(s.line());
            }
            for e in &self.excluded {
                out.push(format!("  left out {}: {}", e.size, e.reason));
            }
            for s in &self.ranked_out {
                out.push(format!(
                    "  left out {s}: compatible, but the list holds {} sizes at most",
                    vm_sizes::MAX_SIZES
                ));
            }
        }
        out
    }

    /// Records what the body holds after `--set` (which always wins).
    pub(crate) fn note_final(&mut self, group: &Value, generation: ApiGeneration) {
        let spot_key = match generation {
            ApiGeneration::V3 => "spotSizes",
            ApiGeneration::V2 => "lowPrioritySizes",
        };
        let list = |key: &str| -> Option<Vec<String>> {
            group
                .pointer(&format!("/compute/vmSizes/{key}"))?
                .as_array()?
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect()
        };
        if let (Some(spot), Some(od)) = (list(spot_key), list("odSizes"))
            && (spot != self.spot_sizes || od != self.od_sizes)
        {
            self.spot_sizes = spot;
            self.od_sizes = od;
            self.set_by_user = true;
        }
        if let Some(preferred) = list("preferredSpotSizes")
            && preferred != self.preferred_spot_sizes
        {
            self.preferred_spot_sizes = preferred;
            self.set_by_user = true;
        }
    }

    /// After `--set` replaced the Spot sizes: drops from our `preferredSpotSizes` the sizes no
    /// longer in the list (Spot refuses any other), the key when none is left. A
    /// `preferredSpotSizes` the user set is left as it is.
    pub(crate) fn fit_preferred(&self, group: &mut Value) {
        let Some(sizes) = group.pointer_mut("/compute/vmSizes") else {
            return;
        };
        let spot: Vec<String> = sizes
            .get("spotSizes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_ascii_lowercase)
            .collect();
        let Some(Value::Array(preferred)) = sizes.get_mut("preferredSpotSizes") else {
            return;
        };
        let ours: Vec<Value> = self
            .preferred_spot_sizes
            .iter()
            .map(|s| Value::String(s.clone()))
            .collect();
        if *preferred != ours {
            return;
        }
        preferred.retain(|p| {
            p.as_str()
                .is_some_and(|p| spot.contains(&p.to_ascii_lowercase()))
        });
        if preferred.is_empty()
            && let Some(m) = sizes.as_object_mut()
        {
            m.remove("preferredSpotSizes");
        }
    }
}
