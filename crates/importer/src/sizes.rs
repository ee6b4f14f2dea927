//! The pool's VM sizes: which Resource SKUs catalog the import uses (`--sku-catalog`, the one
//! saved in the output directory, or the live API), and what `vm-sizes` chose for each pool, as
//! a report for stderr and `--output json`.
//!
//! A catalog that the user named and that cannot be read is an error; anything else about sizes
//! (no catalog, no Azure credentials, a saved file that is damaged) only leaves the pool with its
//! source size and says so: sizes never fail an import.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aks_engine::OutputDir;
use anyhow::{Context, Result, bail};
use elastigroup::{ApiGeneration, NodeSpec, VmSizes};
use serde::Serialize;
use serde_json::Value;
use vm_sizes::{Catalog, Requirements};

use crate::azure_access::ArmConnection;

pub use vm_sizes::{DEFAULT_SIZE_WINDOW, Mode};

/// How the import chooses each pool's sizes (`--spot-sizes`, `--size-window`, the catalog).
#[derive(Debug, Clone)]
pub struct SizeOptions {
    pub mode: Mode,
    /// At most this many times the source size's vCPUs and memory.
    pub size_window: f64,
    pub catalog: CatalogSource,
}

impl Default for SizeOptions {
    fn default() -> Self {
        Self {
            mode: Mode::Auto,
            size_window: DEFAULT_SIZE_WINDOW,
            catalog: CatalogSource::None,
        }
    }
}

/// The catalog a plan chooses from.
#[derive(Debug, Clone)]
pub enum CatalogSource {
    /// None at all: every pool keeps its source size, with a note.
    None,
    /// One catalog for every pool.
    Loaded(Arc<LoadedCatalog>),
    /// A real import reads the live catalog before it sends anything ([`settle_catalog`]);
    /// until then pools keep their source size and nothing is reported.
    Pending,
}

/// A catalog and where it came from.
#[derive(Debug, Clone)]
pub struct LoadedCatalog {
    pub catalog: Catalog,
    pub origin: CatalogOrigin,
}

/// Where a catalog came from, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "lowercase")]
pub enum CatalogOrigin {
    /// `--sku-catalog FILE`.
    File { path: PathBuf },
    /// `<output-dir>/resource-skus-<region>.json`, saved by an earlier real import.
    Saved { path: PathBuf },
    /// The Resource SKUs API, just now.
    Live {
        region: String,
        /// Where it was saved (`None` when saving failed).
        #[serde(rename = "savedTo", skip_serializing_if = "Option::is_none")]
        saved_to: Option<PathBuf>,
    },
}

/// What the user asked for: `--spot-sizes`, `--size-window`, `--sku-catalog`.
#[derive(Debug, Clone)]
pub struct SizeFlags {
    pub mode: Mode,
    pub size_window: f64,
    pub catalog_file: Option<PathBuf>,
}

impl Default for SizeFlags {
    fn default() -> Self {
        Self {
            mode: Mode::Auto,
            size_window: DEFAULT_SIZE_WINDOW,
            catalog_file: None,
        }
    }
}

impl SizeFlags {
    /// The plan's size options for `dir`: see [`initial_source`].
    pub fn options(&self, dir: &OutputDir, live_later: bool) -> Result<SizeOptions> {
        Ok(SizeOptions {
            mode: self.mode.clone(),
            size_window: self.size_window,
            catalog: initial_source(self.catalog_file.as_deref(), dir, &self.mode, live_later)?,
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
    Ok(Mode::List(sizes))
}

/// `--size-window`: a number of at least 1.
pub fn parse_size_window(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(f) if f.is_finite() && f >= 1.0 => Ok(f),
        _ => Err(format!(
            "{s:?} is not a factor of at least 1 (like 2 or 1.5)"
        )),
    }
}

/// Where a real import saves the live catalog of `region`, and where a dry run looks for it.
pub fn saved_path(output_dir: &Path, region: &str) -> PathBuf {
    output_dir.join(format!(
        "resource-skus-{}.json",
        region.to_ascii_lowercase()
    ))
}

/// The cluster's region: `apimodel.json`'s `location`, else the template parameter `location`.
pub fn cluster_region(dir: &OutputDir) -> Option<String> {
    dir.api_model
        .location
        .clone()
        .or_else(|| {
            dir.parameters
                .get("location")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .filter(|r| !r.is_empty())
        .map(|r| r.to_ascii_lowercase())
}

/// Reads `--sku-catalog FILE`; the error names the file.
pub fn read_file(path: &Path) -> Result<LoadedCatalog> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("reading the Resource SKUs catalog {}", path.display()))?;
    let catalog = Catalog::from_slice(&bytes)
        .with_context(|| format!("the Resource SKUs catalog {}", path.display()))?;
    warn_if_partial(&catalog, path);
    Ok(LoadedCatalog {
        catalog,
        origin: CatalogOrigin::File {
            path: path.to_owned(),
        },
    })
}

fn warn_if_partial(catalog: &Catalog, path: &Path) {
    if catalog.next_link().is_some() {
        tracing::warn!(
            "the Resource SKUs catalog {} is one page of a longer answer (it has a nextLink): sizes on later pages are not considered",
            path.display()
        );
    }
}

/// The catalog saved in the output directory for `region`, if any. A damaged one is a warning
/// (the import goes on with source sizes), not an error: it is ours, not the user's.
pub fn read_saved(output_dir: &Path, region: &str) -> Option<LoadedCatalog> {
    let path = saved_path(output_dir, region);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(
                "cannot read the saved Resource SKUs catalog {}: {e}",
                path.display()
            );
            return None;
        }
    };
    match Catalog::from_slice(&bytes) {
        Ok(catalog) => {
            warn_if_partial(&catalog, &path);
            Some(LoadedCatalog {
                catalog,
                origin: CatalogOrigin::Saved { path },
            })
        }
        Err(e) => {
            tracing::warn!(
                "the saved Resource SKUs catalog {} is not usable ({}); pools keep their source size",
                path.display(),
                crate::summary::error_chain(&e)
            );
            None
        }
    }
}

/// The catalog of a run that reads nothing from Azure now: `--sku-catalog` when given (an error
/// when it cannot be read), else the saved one for the cluster's region, else none.
/// `live_later` (a real import) makes it [`CatalogSource::Pending`] instead of the saved one.
pub fn initial_source(
    file: Option<&Path>,
    dir: &OutputDir,
    mode: &Mode,
    live_later: bool,
) -> Result<CatalogSource> {
    if let Some(path) = file {
        return Ok(CatalogSource::Loaded(Arc::new(read_file(path)?)));
    }
    if *mode == Mode::Source {
        return Ok(CatalogSource::None);
    }
    if live_later {
        return Ok(CatalogSource::Pending);
    }
    Ok(cluster_region(dir)
        .and_then(|region| read_saved(&dir.path, &region))
        .map_or(CatalogSource::None, |c| CatalogSource::Loaded(Arc::new(c))))
}

/// For a [`CatalogSource::Pending`] plan: reads the live catalog of the cluster's region through
/// Azure Resource Manager (every page) and saves it as `<output-dir>/resource-skus-<region>.json`,
/// replacing an earlier one (the catalog changes: restrictions, new sizes). Without Azure access
/// it falls back to the saved catalog, else to none, with a warning.
pub async fn settle_catalog(dir: &OutputDir, arm: &mut ArmConnection) -> CatalogSource {
    let Some(region) = cluster_region(dir) else {
        tracing::warn!(
            "the cluster's region is not in apimodel.json: no Resource SKUs catalog, pools keep their source size"
        );
        return CatalogSource::None;
    };
    match read_live(dir, &region, arm).await {
        Ok(loaded) => CatalogSource::Loaded(Arc::new(loaded)),
        Err(e) => {
            let saved = read_saved(&dir.path, &region);
            let then = match &saved {
                Some(s) => match &s.origin {
                    CatalogOrigin::Saved { path } => {
                        format!("using the saved catalog {}", path.display())
                    }
                    _ => String::new(),
                },
                None => "no saved catalog either".to_owned(),
            };
            tracing::warn!(
                "cannot read the Resource SKUs catalog of {region} from Azure ({e:#}); {then}"
            );
            saved.map_or(CatalogSource::None, |c| CatalogSource::Loaded(Arc::new(c)))
        }
    }
}

async fn read_live(
    dir: &OutputDir,
    region: &str,
    arm: &mut ArmConnection,
) -> Result<LoadedCatalog> {
    let client = arm.client().await?;
    let records = client
        .list_resource_skus(region)
        .await
        .context("listing Resource SKUs")?;
    let page = serde_json::json!({ "value": records });
    let catalog = Catalog::from_value(&page).context("the Resource SKUs answer")?;
    tracing::info!(
        "read the Resource SKUs catalog of {region} from Azure: {} records",
        catalog.record_count()
    );
    let path = saved_path(&dir.path, region);
    let saved_to = match save_atomically(&path, &page) {
        Ok(()) => Some(path),
        Err(e) => {
            tracing::warn!("{e:#}; later dry runs will not find the catalog");
            None
        }
    };
    Ok(LoadedCatalog {
        catalog,
        origin: CatalogOrigin::Live {
            region: region.to_owned(),
            saved_to,
        },
    })
}

/// Writes `value` to `path` through a temporary file in the same directory, so a reader never
/// sees half a catalog.
fn save_atomically(path: &Path, value: &Value) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let ctx = || format!("saving the Resource SKUs catalog to {}", path.display());
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(ctx)?;
    serde_json::to_writer_pretty(&mut tmp, value).with_context(ctx)?;
    std::io::Write::write_all(&mut tmp, b"\n").with_context(ctx)?;
    tmp.persist(path).map_err(|e| e.error).with_context(ctx)?;
    Ok(())
}

/// One excluded candidate and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Excluded {
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
    pub warnings: Vec<String>,
    /// Why the pool kept its one size and how to get more, when there was no catalog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The catalog a pool's sizes came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogUsed {
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
        if verbose {
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
    }
}

/// The sizes of one mapped pool: `Some` sizes to map the pool with when they differ from its
/// source size alone, and the report (`None` while the catalog is pending). An error only for a
/// `--spot-sizes` list that the catalog refuses or cannot check.
pub(crate) fn for_pool(
    opts: &SizeOptions,
    node: &NodeSpec,
    generation: ApiGeneration,
) -> Result<(Option<VmSizes>, Option<PoolSizes>)> {
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
    };
    let loaded = match (&opts.catalog, &opts.mode) {
        (_, Mode::Source) => return Ok((None, Some(report))),
        (CatalogSource::Pending, _) => return Ok((None, None)),
        (CatalogSource::Loaded(c), _) => c,
        (CatalogSource::None, Mode::List(_)) => bail!(
            "a size list needs a Resource SKUs catalog to check it against: pass --sku-catalog FILE \
             (`az vm list-skus -l {} -o json > FILE`), or set the sizes unchecked with --set compute.vmSizes.spotSizes=[...]",
            node.location
        ),
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
    let sel = vm_sizes::choose(&loaded.catalog, source, &req, &opts.mode)?;
    report.catalog = Some(CatalogUsed {
        origin: loaded.origin.clone(),
        records: loaded.catalog.record_count(),
    });
    // One spelling in the body: Spot lists sizes lower-case, as the mapping writes the source.
    let lower =
        |v: &[String]| -> Vec<String> { v.iter().map(|s| s.to_ascii_lowercase()).collect() };
    report.spot_sizes = lower(&sel.spot);
    report.od_sizes = lower(&sel.on_demand);
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
    };
    let single = sizes == VmSizes::single(source);
    Ok(((!single).then_some(sizes), Some(report)))
}

#[cfg(test)]
mod tests {
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
    }

    #[test]
    fn size_window_must_be_at_least_one() {
        assert_eq!(parse_size_window("1.5"), Ok(1.5));
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
        let (sizes, report) = for_pool(&demo_catalog(), &node(), ApiGeneration::V3).unwrap();
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
        let (_, report) = for_pool(&opts, &premium, ApiGeneration::V3).unwrap();
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
        let (sizes, report) = for_pool(&opts, &node(), ApiGeneration::V3).unwrap();
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
        let err = for_pool(&list, &node(), ApiGeneration::V3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs a Resource SKUs catalog"), "{err}");

        let pending = SizeOptions {
            catalog: CatalogSource::Pending,
            ..SizeOptions::default()
        };
        assert_eq!(
            for_pool(&pending, &node(), ApiGeneration::V3).unwrap(),
            (None, None)
        );
    }

    #[test]
    fn a_set_after_the_choice_is_reported_as_the_users() {
        let (_, report) = for_pool(&demo_catalog(), &node(), ApiGeneration::V2).unwrap();
        let mut report = report.unwrap();
        let group = serde_json::json!({"compute": {"vmSizes": {"lowPrioritySizes": ["standard_d3_v2"], "odSizes": ["standard_d2_v2"]}}});
        report.note_final(&group, ApiGeneration::V2);
        assert!(report.set_by_user);
        assert_eq!(report.spot_sizes, ["standard_d3_v2"]);
    }

    #[test]
    fn a_catalog_file_that_cannot_be_read_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("skus.json");
        std::fs::write(&bad, "{\"nope\": 1}").unwrap();
        let err = format!("{:#}", read_file(&bad).unwrap_err());
        assert!(err.contains(&bad.display().to_string()), "{err}");
        let missing = dir.path().join("missing.json");
        let err = format!("{:#}", read_file(&missing).unwrap_err());
        assert!(err.contains("missing.json"), "{err}");
    }

    #[test]
    fn saving_replaces_only_the_catalog_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = saved_path(dir.path(), "WestEurope");
        assert!(path.ends_with("resource-skus-westeurope.json"));
        std::fs::write(&path, "old").unwrap();
        save_atomically(&path, &serde_json::json!({"value": []})).unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
        let back: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(back, serde_json::json!({"value": []}));
        assert!(read_saved(dir.path(), "westeurope").is_some());
    }
}
