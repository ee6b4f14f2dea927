//! The pool's VM sizes: which Resource SKUs catalog the import uses (`catalog_source`: the
//! `--sku-catalog` file, the one saved in the output directory, or the live API), what `vm-sizes`
//! chooses for each pool from it, and the `report` of that choice for stderr and
//! `--output json`.
//!
//! A catalog that the user named and that cannot be read is an error; anything else about sizes
//! (no catalog, no Azure credentials, a saved file that is damaged) only leaves the pool with its
//! source size and says so: sizes never fail an import.

mod catalog_source;
mod report;

use std::path::PathBuf;

use aks_engine::OutputDir;
use elastigroup::{ApiGeneration, NodeSpec, VmSizes};
use vm_prices::{Lookup, Os, RegionLookup};
use vm_sizes::{ChooseError, Requirements, SpotRisk};

use crate::prices::{PriceData, PriceFlags, PriceSourceError};

pub use catalog_source::{
    CatalogOrigin, CatalogSource, LoadedCatalog, MAX_CATALOG_BYTES, SkuCatalogError,
    cluster_region, initial_source, read_file, read_saved, saved_path, settle_catalog,
};
pub use report::{CatalogUsed, Excluded, PoolSizes, SizeSignal};
pub use vm_sizes::{DEFAULT_SIZE_WINDOW, Mode};

/// A `--spot-sizes` list that cannot be used for a pool.
#[derive(Debug, thiserror::Error)]
pub enum SizeChoiceError {
    /// A list is checked against a catalog, and there is none.
    #[error(
        "a size list needs a Resource SKUs catalog to check it against: pass --sku-catalog FILE \
         (`az vm list-skus -l {location} -o json > FILE`), or set the sizes unchecked with --set compute.vmSizes.spotSizes=[...]"
    )]
    NoCatalogForList {
        /// The cluster's region, for the `az` command in the message.
        location: String,
    },
    /// The catalog refuses the list (vm-sizes says which size and why).
    #[error(transparent)]
    Choose(#[from] ChooseError),
}

/// How the import chooses each pool's sizes (`--spot-sizes`, `--size-window`, the catalog).
#[derive(Debug, Clone)]
pub struct SizeOptions {
    /// `--spot-sizes`.
    pub mode: Mode,
    /// At most this many times the source size's vCPUs and memory.
    pub size_window: f64,
    /// The catalog the sizes are chosen from and checked against.
    pub catalog: CatalogSource,
    /// Prices and eviction rates: with either, Spot sizes are ranked by risk and cost.
    pub prices: PriceData,
}

impl Default for SizeOptions {
    fn default() -> Self {
        Self {
            mode: Mode::Auto,
            size_window: DEFAULT_SIZE_WINDOW,
            catalog: CatalogSource::None,
            prices: PriceData::default(),
        }
    }
}

/// What the user asked for: `--spot-sizes`, `--size-window`, `--sku-catalog`.
#[derive(Debug, Clone)]
pub struct SizeFlags {
    /// `--spot-sizes`.
    pub mode: Mode,
    /// `--size-window`: at most this many times the source size's vCPUs and memory.
    pub size_window: f64,
    /// `--sku-catalog`; `None` = the saved or live catalog.
    pub catalog_file: Option<PathBuf>,
    /// `--price-catalog`, `--eviction-rates`.
    pub prices: PriceFlags,
}

impl Default for SizeFlags {
    fn default() -> Self {
        Self {
            mode: Mode::Auto,
            size_window: DEFAULT_SIZE_WINDOW,
            catalog_file: None,
            prices: PriceFlags::default(),
        }
    }
}

/// A flag's file (catalog, prices, eviction rates) that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SizeDataError {
    /// The Resource SKUs catalog.
    #[error(transparent)]
    Catalog(#[from] SkuCatalogError),
    /// Prices or eviction rates.
    #[error(transparent)]
    Prices(#[from] PriceSourceError),
}

impl SizeFlags {
    /// The plan's size options for `dir`: see [`initial_source`] and [`PriceFlags::initial`].
    pub fn options(&self, dir: &OutputDir, live_later: bool) -> Result<SizeOptions, SizeDataError> {
        let region = cluster_region(dir);
        Ok(SizeOptions {
            mode: self.mode.clone(),
            size_window: self.size_window,
            catalog: initial_source(self.catalog_file.as_deref(), dir, &self.mode, live_later)?,
            prices: self
                .prices
                .initial(&dir.path, region.as_deref(), live_later)?,
        })
    }
}

/// `--spot-sizes`: `auto`, `source`, or a comma list of sizes.
pub fn parse_mode(s: &str) -> Result<Mode, String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("auto") {
        return Ok(Mode::Auto);
    }
    if t.eq_ignore_ascii_case("source") {
        return Ok(Mode::Source);
    }
    let sizes: Vec<String> = t
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if sizes.is_empty() {
        return Err("expected auto, source, or a comma-separated list of VM sizes".into());
    }
    for size in &sizes {
        vm_sizes::check_size_name(size).map_err(|problem| format!("{size:?}: {problem}"))?;
    }
    Ok(Mode::List(sizes))
}

/// The widest `--size-window`: 8 times the source's vCPUs and memory already lets a 2-vCPU pool
/// get 16-vCPU nodes; wider, the window stops bounding the pool's node shape and cost at all.
pub const MAX_SIZE_WINDOW: f64 = 8.0;

/// `--size-window`: a number from 1 to [`MAX_SIZE_WINDOW`].
pub fn parse_size_window(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(f) if f.is_finite() && (1.0..=MAX_SIZE_WINDOW).contains(&f) => Ok(f),
        _ => Err(format!(
            "{s:?} is not a factor from 1 to {MAX_SIZE_WINDOW} (like 2 or 1.5): wider windows \
             would let a pool's nodes grow to any size"
        )),
    }
}

/// The sizes of one mapped pool: `Some` sizes to map the pool with when they differ from its
/// source size alone, and the report (`None` while the catalog is pending). An error only for a
/// `--spot-sizes` list that the catalog refuses or cannot check.
pub(crate) fn for_pool(
    opts: &SizeOptions,
    node: &NodeSpec,
    generation: ApiGeneration,
    os: Os,
) -> Result<(Option<VmSizes>, Option<PoolSizes>), SizeChoiceError> {
    let region = node.location.to_ascii_lowercase();
    let lookup = Lookup::new(opts.prices.prices.get(), opts.prices.rates.get(), os).region(&region);
    let (sizes, report) = choose_for_pool(opts, node, generation, &lookup)?;
    let report = report.map(|mut r| {
        if lookup.has_data() {
            r.signals = r
                .spot_sizes
                .iter()
                .map(|s| SizeSignal::of(s, &lookup))
                .collect();
        }
        r
    });
    Ok((sizes, report))
}

/// What `vm-sizes` ranks a size by, from the data.
fn risk_of(lookup: &RegionLookup<'_>, size: &str) -> SpotRisk {
    SpotRisk {
        eviction_rank: lookup.ranked_band(size).rank(),
        spot_hourly: lookup.prices(size).spot,
    }
}

fn choose_for_pool(
    opts: &SizeOptions,
    node: &NodeSpec,
    generation: ApiGeneration,
    lookup: &RegionLookup<'_>,
) -> Result<(Option<VmSizes>, Option<PoolSizes>), SizeChoiceError> {
    let source = &node.vm_size;
    let mode_name = match opts.mode {
        Mode::Auto => "auto",
        Mode::Source => "source",
        Mode::List(_) => "list",
    };
    let mut report = PoolSizes {
        catalog: None,
        mode: mode_name,
        spot_sizes: vec![source.clone()],
        od_sizes: vec![source.clone()],
        set_by_user: false,
        excluded: Vec::new(),
        ranked_out: Vec::new(),
        warnings: Vec::new(),
        note: None,
        source_size: source.clone(),
        preferred_spot_sizes: Vec::new(),
        signals: Vec::new(),
    };
    let loaded = match (&opts.catalog, &opts.mode) {
        (_, Mode::Source) => return Ok((None, Some(report))),
        (CatalogSource::Pending, _) => return Ok((None, None)),
        (CatalogSource::Loaded(c), _) => c,
        (CatalogSource::None, Mode::List(_)) => {
            return Err(SizeChoiceError::NoCatalogForList {
                location: node.location.clone(),
            });
        }
        (CatalogSource::None, Mode::Auto) => {
            report.note = Some(format!(
                "no Resource SKUs catalog; for several sizes pass --sku-catalog FILE \
                 (`az vm list-skus -l {region} -o json > FILE`) or run a real import with Azure credentials, \
                 which saves resource-skus-{region}.json in the output directory for later dry runs",
                region = node.location.to_ascii_lowercase()
            ));
            return Ok((None, Some(report)));
        }
    };
    let mut req = Requirements::new(node.location.to_ascii_lowercase());
    // v2 groups have no zones (the mapping warns): the pool is regional there.
    if generation == ApiGeneration::V3 {
        req.zones = node.zones.clone();
    }
    req.need_premium_io = node.os_disk_type.eq_ignore_ascii_case("Premium_LRS");
    req.need_accelerated_networking = node.accelerated_networking;
    req.size_window = opts.size_window;
    let risk = |size: &str| risk_of(lookup, size);
    let sel = vm_sizes::choose_with(
        &loaded.catalog,
        source,
        &req,
        &opts.mode,
        lookup.has_data().then_some(&risk as vm_sizes::RiskOf<'_>),
    )?;
    report.catalog = Some(CatalogUsed {
        origin: loaded.origin.clone(),
        records: loaded.catalog.record_count(),
    });
    // One spelling in the body: Spot lists sizes lower-case, as the mapping writes the source.
    let lower =
        |v: &[String]| -> Vec<String> { v.iter().map(|s| s.to_ascii_lowercase()).collect() };
    report.spot_sizes = lower(&sel.spot);
    report.od_sizes = lower(&sel.on_demand);
    // v2 has no preferred sizes.
    if generation == ApiGeneration::V3 {
        report.preferred_spot_sizes = lower(&sel.preferred);
    }
    report.excluded = sel
        .excluded
        .iter()
        .map(|(size, rule)| Excluded {
            size: size.clone(),
            rule: rule.code(),
            reason: rule.to_string(),
        })
        .collect();
    report.ranked_out = sel.ranked_out.clone();
    report.warnings = sel.warnings.iter().map(ToString::to_string).collect();
    let sizes = VmSizes {
        spot: report.spot_sizes.clone(),
        on_demand: report.od_sizes.clone(),
        preferred: report.preferred_spot_sizes.clone(),
    };
    let single = sizes == VmSizes::single(source);
    Ok(((!single).then_some(sizes), Some(report)))
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;

    #[test]
    fn spot_sizes_flag_reads_auto_source_and_lists() {
        assert_eq!(parse_mode("auto"), Ok(Mode::Auto));
        assert_eq!(parse_mode("SOURCE"), Ok(Mode::Source));
        assert_eq!(
            parse_mode("Standard_D2_v2, standard_d3_v2,"),
            Ok(Mode::List(vec![
                "Standard_D2_v2".into(),
                "standard_d3_v2".into()
            ]))
        );
        assert!(parse_mode(" , ").is_err());
        assert_eq!(
            parse_mode("Standard_D2_v2,Standard D3_v2"),
            Err(
                "\"Standard D3_v2\": it contains a space; a VM size name has letters, digits, \
                 `_` and `-` only, like Standard_D2s_v3"
                    .into()
            )
        );
        assert!(
            parse_mode("'Standard_D2_v2'")
                .unwrap_err()
                .contains("a quote")
        );
        assert!(parse_mode("Standard_D2_v2/x").unwrap_err().contains("'/'"));
    }

    #[test]
    fn size_window_must_be_a_factor_from_one_to_the_maximum() {
        assert_eq!(parse_size_window("1.5"), Ok(1.5));
        assert_eq!(parse_size_window("8"), Ok(8.0));
        assert_eq!(
            parse_size_window("8.5"),
            Err(
                "\"8.5\" is not a factor from 1 to 8 (like 2 or 1.5): wider windows would let a \
                 pool's nodes grow to any size"
                    .into()
            )
        );
        assert!(parse_size_window("inf").is_err());
        assert!(parse_size_window("0.5").is_err());
        assert!(parse_size_window("NaN").is_err());
        assert!(parse_size_window("two").is_err());
    }

    fn node() -> NodeSpec {
        NodeSpec {
            location: "westeurope".into(),
            vm_size: "standard_d2_v2".into(),
            zones: vec![],
            os_disk_type: "Standard_LRS".into(),
            accelerated_networking: true,
        }
    }

    fn demo_catalog() -> SizeOptions {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/demo-cluster/resource-skus-westeurope.json");
        SizeOptions {
            catalog: CatalogSource::Loaded(Arc::new(read_file(&path).unwrap())),
            ..SizeOptions::default()
        }
    }

    #[test]
    fn auto_with_a_catalog_lowercases_every_size_and_keeps_the_source_first() {
        let (sizes, report) =
            for_pool(&demo_catalog(), &node(), ApiGeneration::V3, Os::Linux).unwrap();
        let sizes = sizes.unwrap();
        assert_eq!(sizes.spot[0], "standard_d2_v2");
        assert!(sizes.spot.len() > 1, "{sizes:?}");
        assert!(sizes.spot.iter().all(|s| *s == s.to_ascii_lowercase()));
        let report = report.unwrap();
        assert_eq!(report.spot_sizes, sizes.spot);
        assert!(
            report
                .excluded
                .iter()
                .any(|e| e.size == "Standard_B2ms" && e.rule == "not-spot-capable"),
            "{:?}",
            report.excluded
        );
    }

    #[test]
    fn premium_disks_and_accelerated_networking_become_requirements() {
        let opts = demo_catalog();
        let mut premium = node();
        premium.os_disk_type = "Premium_LRS".into();
        let (_, report) = for_pool(&opts, &premium, ApiGeneration::V3, Os::Linux).unwrap();
        let report = report.unwrap();
        // Standard_D2_v2 itself has no Premium storage: the warning says so, and every added
        // size has it.
        assert!(
            report.warnings.iter().any(|w| w.contains("Premium")),
            "{:?}",
            report.warnings
        );
        assert!(
            report.excluded.iter().any(|e| e.rule == "no-premium-io"),
            "{:?}",
            report.excluded
        );
    }

    #[test]
    fn without_a_catalog_auto_keeps_the_source_with_a_note_and_a_list_is_an_error() {
        let opts = SizeOptions::default();
        let (sizes, report) = for_pool(&opts, &node(), ApiGeneration::V3, Os::Linux).unwrap();
        assert_eq!(sizes, None);
        let report = report.unwrap();
        assert_eq!(report.spot_sizes, ["standard_d2_v2"]);
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
        let note = report.note.as_deref().unwrap();
        assert!(note.contains("--sku-catalog"), "{note}");
        assert!(report.lines("p", false)[0].contains(note));

        let list = SizeOptions {
            mode: Mode::List(vec!["Standard_D3_v2".into()]),
            ..SizeOptions::default()
        };
        let err = for_pool(&list, &node(), ApiGeneration::V3, Os::Linux)
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs a Resource SKUs catalog"), "{err}");

        let pending = SizeOptions {
            catalog: CatalogSource::Pending,
            ..SizeOptions::default()
        };
        assert_eq!(
            for_pool(&pending, &node(), ApiGeneration::V3, Os::Linux).unwrap(),
            (None, None)
        );
    }

    #[test]
    fn a_set_after_the_choice_is_reported_as_the_users() {
        let (_, report) = for_pool(&demo_catalog(), &node(), ApiGeneration::V2, Os::Linux).unwrap();
        let mut report = report.unwrap();
        let group = serde_json::json!({"compute": {"vmSizes": {"lowPrioritySizes": ["standard_d3_v2"], "odSizes": ["standard_d2_v2"]}}});
        report.note_final(&group, ApiGeneration::V2);
        assert!(report.set_by_user);
        assert_eq!(report.spot_sizes, ["standard_d3_v2"]);
    }

    #[test]
    fn a_set_of_spot_sizes_keeps_only_our_preferred_sizes_still_listed() {
        let mut report = for_pool(&demo_catalog(), &node(), ApiGeneration::V3, Os::Linux)
            .unwrap()
            .1
            .unwrap();
        report.preferred_spot_sizes = vec!["standard_d3_v2".into(), "standard_d2_v2".into()];
        let mut group = serde_json::json!({"compute": {"vmSizes": {
            "spotSizes": ["standard_d2_v2", "standard_ds2_v2"], "odSizes": ["standard_d2_v2"],
            "preferredSpotSizes": ["standard_d3_v2", "standard_d2_v2"]}}});
        report.fit_preferred(&mut group);
        assert_eq!(
            group["compute"]["vmSizes"]["preferredSpotSizes"],
            serde_json::json!(["standard_d2_v2"])
        );
        // None left: the key goes.
        let mut none = serde_json::json!({"compute": {"vmSizes": {
            "spotSizes": ["standard_ds2_v2"], "preferredSpotSizes": ["standard_d3_v2", "standard_d2_v2"]}}});
        report.fit_preferred(&mut none);
        assert!(
            none["compute"]["vmSizes"]
                .get("preferredSpotSizes")
                .is_none()
        );
        // The user's own preferred sizes are theirs.
        let mut theirs = serde_json::json!({"compute": {"vmSizes": {
            "spotSizes": ["standard_ds2_v2"], "preferredSpotSizes": ["standard_e2_v3"]}}});
        report.fit_preferred(&mut theirs);
        assert_eq!(
            theirs["compute"]["vmSizes"]["preferredSpotSizes"],
            serde_json::json!(["standard_e2_v3"])
        );
    }
}
