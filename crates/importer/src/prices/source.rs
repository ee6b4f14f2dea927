//! Where the prices and the Spot eviction rates come from, each on its own: `--price-catalog` /
//! `--eviction-rates FILE`, else the files a real import saved in the output directory
//! (`prices-<region>.json`, `spot-eviction-rates-<region>.json`), else (a real import, or
//! `estimate`) the live APIs: the Retail Prices API (no credentials) and Resource Graph through
//! Resource Manager (the import's Azure credentials).
//!
//! A file the user named that cannot be read is an error. Anything else (no data, no
//! credentials, an API that fails, a damaged saved file) is a note saying what is missing and
//! how to get it: prices never fail an import.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use azure_arm::{ArmError, RetailPricesClient, RetailPricesError};
use serde::Serialize;
use serde_json::{Value, json};
use vm_prices::{EvictionError, EvictionRates, PriceCatalog, PriceError};

use crate::azure_access::{ArmConnectError, ArmConnection};
use crate::error_chain::error_chain;

/// Price or eviction-rate data that could not be read or fetched.
#[derive(Debug, thiserror::Error)]
pub enum PriceSourceError {
    /// A file cannot be read.
    #[error("reading {what} {}", path.display())]
    Read {
        /// `the price catalog` or `the eviction rates`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// A price file is not Retail Prices rows.
    #[error("the price catalog {}", path.display())]
    Prices {
        /// The file.
        path: PathBuf,
        /// What is wrong in it.
        #[source]
        source: PriceError,
    },
    /// An eviction-rate file is not a Resource Graph answer.
    #[error("the eviction rates {}", path.display())]
    Rates {
        /// The file.
        path: PathBuf,
        /// What is wrong in it.
        #[source]
        source: EvictionError,
    },
    /// The Retail Prices API failed.
    #[error("reading the Retail Prices API")]
    RetailPrices(#[source] RetailPricesError),
    /// The Retail Prices answer is not rows.
    #[error("the Retail Prices answer")]
    PricesAnswer(#[source] PriceError),
    /// No Resource Manager client for Resource Graph.
    #[error(transparent)]
    Connect(#[from] ArmConnectError),
    /// The Resource Graph query failed.
    #[error("querying Resource Graph for Spot eviction rates")]
    Graph(#[source] ArmError),
    /// The Resource Graph answer is not eviction rates.
    #[error("the Resource Graph answer")]
    RatesAnswer(#[source] EvictionError),
    /// A live answer cannot be saved in the output directory.
    #[error("saving {}", path.display())]
    Save {
        /// The file.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
}

/// `--price-catalog` and `--eviction-rates`.
#[derive(Debug, Clone, Default)]
pub struct PriceFlags {
    /// `--price-catalog FILE`.
    pub price_catalog: Option<PathBuf>,
    /// `--eviction-rates FILE`.
    pub eviction_rates: Option<PathBuf>,
}

/// Where one piece of data came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "lowercase")]
pub enum DataOrigin {
    /// A flag's file.
    File {
        /// The file as given.
        path: PathBuf,
    },
    /// Saved by an earlier real import.
    Saved {
        /// The saved file.
        path: PathBuf,
    },
    /// The live API, just now.
    Live {
        /// Where it was saved (`None`: not saved).
        #[serde(rename = "savedTo", skip_serializing_if = "Option::is_none")]
        saved_to: Option<PathBuf>,
    },
}

impl DataOrigin {
    /// `file X`, `saved file X`, `live API (saved to X)`.
    pub fn describe(&self) -> String {
        match self {
            DataOrigin::File { path } => format!("file {}", path.display()),
            DataOrigin::Saved { path } => format!("saved file {}", path.display()),
            DataOrigin::Live { saved_to: Some(p) } => {
                format!("live API, saved to {}", p.display())
            }
            DataOrigin::Live { saved_to: None } => "live API".to_owned(),
        }
    }
}

/// Data and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    /// The data.
    pub data: T,
    /// Its origin.
    pub origin: DataOrigin,
}

/// One piece of data for a plan.
#[derive(Debug, Clone, Default)]
pub enum Piece<T> {
    /// None: a note says how to get it.
    #[default]
    Missing,
    /// Read.
    Loaded(Arc<Loaded<T>>),
    /// A real import fetches it before sending anything ([`settle`]).
    Pending,
}

impl<T> Piece<T> {
    /// The data, when read.
    pub fn get(&self) -> Option<&T> {
        match self {
            Piece::Loaded(l) => Some(&l.data),
            _ => None,
        }
    }

    /// Where it came from, when read.
    pub fn origin(&self) -> Option<&DataOrigin> {
        match self {
            Piece::Loaded(l) => Some(&l.origin),
            _ => None,
        }
    }
}

/// The prices and eviction rates a plan ranks sizes with and shows figures from.
#[derive(Debug, Clone, Default)]
pub struct PriceData {
    /// Retail prices.
    pub prices: Piece<PriceCatalog>,
    /// Spot eviction rates.
    pub rates: Piece<EvictionRates>,
}

impl PriceData {
    /// Whether a real import still has to fetch a piece.
    pub fn is_pending(&self) -> bool {
        matches!(self.prices, Piece::Pending) || matches!(self.rates, Piece::Pending)
    }

    /// When a file holds another region's data and it stands in for `region`'s: one line each.
    pub fn stand_in_notes(&self, region: &str) -> Vec<String> {
        let lookup =
            vm_prices::Lookup::new(self.prices.get(), self.rates.get(), vm_prices::Os::Linux)
                .region(region);
        let (prices, rates) = lookup.borrowed_regions(region);
        let mut out = Vec::new();
        for (what, other, origin) in [
            ("prices", prices, self.prices.origin()),
            ("eviction rates", rates, self.rates.origin()),
        ] {
            if let (Some(other), Some(origin)) = (other, origin) {
                out.push(format!(
                    "the {what} ({}) are for {other}, not the cluster's region {region}: using them anyway",
                    origin.describe()
                ));
            }
        }
        out
    }

    /// What is missing and how to get it, one line each (none when everything is there).
    pub fn missing_notes(&self, output_dir: &Path, region: &str) -> Vec<String> {
        let mut out = Vec::new();
        if matches!(self.prices, Piece::Missing) {
            out.push(format!(
                "no VM prices for {region}: pass --price-catalog FILE (the Retail Prices API's answer, see docs/prices.md), \
                 or run a real import, which saves {}",
                saved_prices_path(output_dir, region).display()
            ));
        }
        if matches!(self.rates, Piece::Missing) {
            out.push(format!(
                "no Spot eviction rates for {region}: pass --eviction-rates FILE (`az graph query` of SpotResources, see docs/prices.md), \
                 or run a real import with Azure credentials, which saves {}",
                saved_rates_path(output_dir, region).display()
            ));
        }
        out
    }
}

/// Where a real import saves the prices of `region`, and where later runs look for them.
pub fn saved_prices_path(output_dir: &Path, region: &str) -> PathBuf {
    output_dir.join(format!("prices-{}.json", region.to_ascii_lowercase()))
}

/// Where a real import saves the eviction rates of `region`, and where later runs look.
pub fn saved_rates_path(output_dir: &Path, region: &str) -> PathBuf {
    output_dir.join(format!(
        "spot-eviction-rates-{}.json",
        region.to_ascii_lowercase()
    ))
}

fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, PriceSourceError> {
    std::fs::read(path).map_err(|source| PriceSourceError::Read {
        what,
        path: path.to_owned(),
        source,
    })
}

/// Reads `--price-catalog FILE`; the error names the file.
pub fn read_prices_file(path: &Path) -> Result<Loaded<PriceCatalog>, PriceSourceError> {
    let data = PriceCatalog::from_slice(&read("the price catalog", path)?).map_err(|source| {
        PriceSourceError::Prices {
            path: path.to_owned(),
            source,
        }
    })?;
    if data.next_page().is_some() {
        tracing::warn!(
            "the price catalog {} is one page of a longer answer (it has a NextPageLink): sizes on later pages have no price",
            path.display()
        );
    }
    Ok(Loaded {
        data,
        origin: DataOrigin::File {
            path: path.to_owned(),
        },
    })
}

/// Reads `--eviction-rates FILE`; the error names the file.
pub fn read_rates_file(path: &Path) -> Result<Loaded<EvictionRates>, PriceSourceError> {
    let data = EvictionRates::from_slice(&read("the eviction rates", path)?).map_err(|source| {
        PriceSourceError::Rates {
            path: path.to_owned(),
            source,
        }
    })?;
    Ok(Loaded {
        data,
        origin: DataOrigin::File {
            path: path.to_owned(),
        },
    })
}

/// A saved file, if there is one that reads (one read: a missing file is none); a damaged one
/// is a warning (it is ours).
fn read_saved<T>(
    path: PathBuf,
    parse: impl Fn(&Path) -> Result<Loaded<T>, PriceSourceError>,
) -> Option<Loaded<T>> {
    match parse(&path) {
        Ok(mut l) => {
            l.origin = DataOrigin::Saved { path };
            Some(l)
        }
        Err(PriceSourceError::Read { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            None
        }
        Err(e) => {
            tracing::warn!("the saved {} is not usable", error_chain(&e));
            None
        }
    }
}

/// The saved prices of `region` in `output_dir`, if any.
pub fn read_saved_prices(output_dir: &Path, region: &str) -> Option<Loaded<PriceCatalog>> {
    read_saved(saved_prices_path(output_dir, region), read_prices_file)
}

/// The saved eviction rates of `region` in `output_dir`, if any.
pub fn read_saved_rates(output_dir: &Path, region: &str) -> Option<Loaded<EvictionRates>> {
    read_saved(saved_rates_path(output_dir, region), read_rates_file)
}

fn piece<T>(
    file: Option<&Path>,
    read_file: impl Fn(&Path) -> Result<Loaded<T>, PriceSourceError>,
    saved: impl FnOnce() -> Option<Loaded<T>>,
    live_later: bool,
) -> Result<Piece<T>, PriceSourceError> {
    if let Some(path) = file {
        return Ok(Piece::Loaded(Arc::new(read_file(path)?)));
    }
    if let Some(s) = saved() {
        return Ok(Piece::Loaded(Arc::new(s)));
    }
    Ok(if live_later {
        Piece::Pending
    } else {
        Piece::Missing
    })
}

impl PriceFlags {
    /// The data of a run before anything is fetched: each flag's file (an error when it cannot be
    /// read), else the saved file for `region`, else [`Piece::Pending`] when `live_later` (a real
    /// import, `estimate`), else missing. `region` `None` (not in apimodel.json) finds no saved
    /// file and fetches nothing.
    pub fn initial(
        &self,
        output_dir: &Path,
        region: Option<&str>,
        live_later: bool,
    ) -> Result<PriceData, PriceSourceError> {
        let live_later = live_later && region.is_some();
        Ok(PriceData {
            prices: piece(
                self.price_catalog.as_deref(),
                read_prices_file,
                || region.and_then(|r| read_saved_prices(output_dir, r)),
                live_later,
            )?,
            rates: piece(
                self.eviction_rates.as_deref(),
                read_rates_file,
                || region.and_then(|r| read_saved_rates(output_dir, r)),
                live_later,
            )?,
        })
    }
}

/// Whether [`settle`] writes what it fetched into the output directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveLive {
    /// A real import: saves both, for later dry runs.
    Save,
    /// `estimate`: reads only.
    DontSave,
}

/// Fetches the pending pieces of `data` for `region`: the Retail Prices API (`prices`, no
/// credentials) and Resource Graph (through `arm`). A piece that cannot be fetched is missing
/// (why is logged at `-v`; [`PriceData::missing_notes`] tells the user how to get it); what is
/// fetched is saved atomically when `save` says so.
pub async fn settle(
    data: &mut PriceData,
    output_dir: &Path,
    region: &str,
    prices: Option<&RetailPricesClient>,
    arm: &mut ArmConnection,
    save: SaveLive,
) {
    if matches!(data.prices, Piece::Pending) {
        data.prices = match fetch_prices(output_dir, region, prices, save).await {
            Ok(l) => {
                tracing::info!(
                    "read {} price rows of {region} from the Retail Prices API",
                    l.data.row_count()
                );
                Piece::Loaded(Arc::new(l))
            }
            Err(e) => {
                tracing::info!("no VM prices: {}", error_chain(&e));
                Piece::Missing
            }
        };
    }
    if matches!(data.rates, Piece::Pending) {
        data.rates = match fetch_rates(output_dir, region, arm, save).await {
            Ok(l) => {
                tracing::info!(
                    "read {} Spot eviction rates of {region} from Resource Graph",
                    l.data.rate_count()
                );
                Piece::Loaded(Arc::new(l))
            }
            Err(e) => {
                tracing::info!("no Spot eviction rates: {}", error_chain(&e));
                Piece::Missing
            }
        };
    }
}

async fn fetch_prices(
    output_dir: &Path,
    region: &str,
    client: Option<&RetailPricesClient>,
    save: SaveLive,
) -> Result<Loaded<PriceCatalog>, PriceSourceError> {
    let owned;
    let client = match client {
        Some(c) => c,
        None => {
            owned = RetailPricesClient::from_env(None).map_err(PriceSourceError::RetailPrices)?;
            &owned
        }
    };
    let rows = client
        .vm_prices(region)
        .await
        .map_err(PriceSourceError::RetailPrices)?;
    let page = json!({"Items": rows, "NextPageLink": null, "Count": rows.len()});
    let data = PriceCatalog::from_value(&page).map_err(PriceSourceError::PricesAnswer)?;
    let saved_to = saved(save, &saved_prices_path(output_dir, region), &page);
    Ok(Loaded {
        data,
        origin: DataOrigin::Live { saved_to },
    })
}

async fn fetch_rates(
    output_dir: &Path,
    region: &str,
    arm: &mut ArmConnection,
    save: SaveLive,
) -> Result<Loaded<EvictionRates>, PriceSourceError> {
    let client = arm.client().await?;
    let records = client
        .spot_eviction_rates(region)
        .await
        .map_err(PriceSourceError::Graph)?;
    let answer = json!({"totalRecords": records.len(), "count": records.len(), "data": records});
    let data = EvictionRates::from_value(&answer).map_err(PriceSourceError::RatesAnswer)?;
    let saved_to = saved(save, &saved_rates_path(output_dir, region), &answer);
    Ok(Loaded {
        data,
        origin: DataOrigin::Live { saved_to },
    })
}

fn saved(save: SaveLive, path: &Path, value: &Value) -> Option<PathBuf> {
    if save == SaveLive::DontSave {
        return None;
    }
    match save_atomically(path, value) {
        Ok(()) => Some(path.to_owned()),
        Err(e) => {
            tracing::warn!("{}; later dry runs will not find it", error_chain(&e));
            None
        }
    }
}

/// Writes `value` to `path` through a temporary file in the same directory, so a reader never
/// sees half a file.
fn save_atomically(path: &Path, value: &Value) -> Result<(), PriceSourceError> {
    group_sync::write_json_atomic_if_changed(path, value)
        .map(|_| ())
        .map_err(|source| PriceSourceError::Save {
            path: path.to_owned(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROWS: &str = r#"{"Items": [{"armRegionName": "eastus", "armSkuName": "Standard_D2_v2", "retailPrice": 0.146,
        "unitOfMeasure": "1 Hour", "skuName": "D2 v2", "meterName": "D2 v2", "productName": "Virtual Machines Dv2 Series", "type": "Consumption"}]}"#;

    #[test]
    fn a_named_file_wins_and_a_bad_one_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.json");
        std::fs::write(&file, ROWS).unwrap();
        std::fs::write(saved_prices_path(dir.path(), "eastus"), "{\"Items\": []}").unwrap();
        let flags = PriceFlags {
            price_catalog: Some(file.clone()),
            eviction_rates: None,
        };
        let data = flags.initial(dir.path(), Some("eastus"), false).unwrap();
        assert_eq!(
            data.prices.origin(),
            Some(&DataOrigin::File { path: file.clone() })
        );
        assert!(matches!(data.rates, Piece::Missing));
        let notes = data.missing_notes(dir.path(), "eastus");
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("--eviction-rates FILE"), "{notes:?}");
        assert!(
            notes[0].contains("spot-eviction-rates-eastus.json"),
            "{notes:?}"
        );

        std::fs::write(&file, "[1, 2").unwrap();
        let err = error_chain(
            &flags
                .initial(dir.path(), Some("eastus"), false)
                .unwrap_err(),
        );
        assert!(err.contains(&file.display().to_string()), "{err}");
        let rates = PriceFlags {
            eviction_rates: Some(dir.path().join("missing.json")),
            ..PriceFlags::default()
        };
        let err = error_chain(
            &rates
                .initial(dir.path(), Some("eastus"), false)
                .unwrap_err(),
        );
        assert!(
            err.contains("the eviction rates") && err.contains("missing.json"),
            "{err}"
        );
    }

    #[test]
    fn saved_files_are_used_offline_a_damaged_one_is_skipped_and_live_is_pending() {
        let dir = tempfile::tempdir().unwrap();
        let none = PriceFlags::default();
        let data = none.initial(dir.path(), Some("EastUS"), false).unwrap();
        assert!(matches!(
            (&data.prices, &data.rates),
            (Piece::Missing, Piece::Missing)
        ));
        assert!(!data.is_pending());
        let live = none.initial(dir.path(), Some("eastus"), true).unwrap();
        assert!(live.is_pending());
        // Without a region there is nothing to fetch.
        assert!(!none.initial(dir.path(), None, true).unwrap().is_pending());

        save_atomically(
            &saved_prices_path(dir.path(), "eastus"),
            &serde_json::from_str(ROWS).unwrap(),
        )
        .unwrap();
        std::fs::write(saved_rates_path(dir.path(), "eastus"), "not json").unwrap();
        let data = none.initial(dir.path(), Some("eastus"), true).unwrap();
        assert_eq!(
            data.prices.origin(),
            Some(&DataOrigin::Saved {
                path: dir.path().join("prices-eastus.json")
            })
        );
        assert!(
            matches!(data.rates, Piece::Pending),
            "the damaged saved file is skipped"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
    }
}
