//! Where a plan's Resource SKUs catalog comes from: `--sku-catalog FILE`, the file a real import
//! saved in the output directory, or (for a real import) the live API, saved there for later.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aks_engine::OutputDir;
use azure_arm::ArmError;
use serde::Serialize;
use serde_json::Value;
use vm_sizes::{Catalog, CatalogError, Mode};

use crate::azure_access::{ArmConnectError, ArmConnection};
use crate::error_chain;
use crate::prices::SaveLive;

/// A Resource SKUs catalog that could not be read, from a file or from Azure, or not saved.
#[derive(Debug, thiserror::Error)]
pub enum SkuCatalogError {
    /// A catalog file cannot be read.
    #[error("reading the Resource SKUs catalog {}", path.display())]
    Read {
        /// The catalog file.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// A catalog path names a directory or a device (`/dev/zero`), not a file or a pipe.
    #[error("the Resource SKUs catalog {} is not a file ({kind})", path.display())]
    NotAFile {
        /// The path as given.
        path: PathBuf,
        /// What it is instead.
        kind: &'static str,
    },
    /// A catalog file is larger than any real catalog.
    #[error(
        "the Resource SKUs catalog {} is larger than {} MiB; a whole catalog is a few MiB",
        path.display(),
        MAX_CATALOG_BYTES >> 20
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// A catalog file is not a Resource SKUs list.
    #[error("the Resource SKUs catalog {}", path.display())]
    Parse {
        /// The catalog file.
        path: PathBuf,
        /// What is wrong in it.
        #[source]
        source: CatalogError,
    },
    /// No Resource Manager client could be made to read the live catalog.
    #[error(transparent)]
    Connect(#[from] ArmConnectError),
    /// The Resource SKUs request failed.
    #[error("listing Resource SKUs")]
    List(#[source] ArmError),
    /// The Resource SKUs API's answer is not a catalog.
    #[error("the Resource SKUs answer")]
    Answer(#[source] CatalogError),
    /// The live catalog cannot be saved in the output directory.
    #[error("saving the Resource SKUs catalog to {}", path.display())]
    Save {
        /// The file it was written to.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
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
    /// The catalog's VM sizes.
    pub catalog: Catalog,
    /// Where it came from, as reported.
    pub origin: CatalogOrigin,
}

/// Where a catalog came from, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "lowercase")]
pub enum CatalogOrigin {
    /// `--sku-catalog FILE`.
    File {
        /// The file as given.
        path: PathBuf,
    },
    /// `<output-dir>/resource-skus-<region>.json`, saved by an earlier real import.
    Saved {
        /// The saved file.
        path: PathBuf,
    },
    /// The Resource SKUs API, just now.
    Live {
        /// The region it was listed for.
        region: String,
        /// Where it was saved (`None` when saving failed).
        #[serde(rename = "savedTo", skip_serializing_if = "Option::is_none")]
        saved_to: Option<PathBuf>,
    },
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

/// The most a catalog file may hold: every region's catalog is under 30 MiB, so this only stops
/// a wrong path (`/dev/zero`, a disk image) from filling the memory.
pub const MAX_CATALOG_BYTES: u64 = 256 << 20;

/// A catalog file's bytes, at most `cap`: a regular file or a pipe (`<(az vm list-skus ...)`);
/// a directory or a device is refused before anything is read.
fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, SkuCatalogError> {
    let read_err = |source| SkuCatalogError::Read {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let kind = file.metadata().map_err(read_err)?.file_type();
    let not_a_file = if kind.is_dir() {
        Some("a directory")
    } else {
        device_kind(&kind)
    };
    if let Some(kind) = not_a_file {
        return Err(SkuCatalogError::NotAFile {
            path: path.to_owned(),
            kind,
        });
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, cap + 1), &mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > cap {
        return Err(SkuCatalogError::TooLarge {
            path: path.to_owned(),
        });
    }
    Ok(bytes)
}

#[cfg(unix)]
fn device_kind(kind: &std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_char_device() {
        Some("a character device")
    } else if kind.is_block_device() {
        Some("a block device")
    } else if kind.is_socket() {
        Some("a socket")
    } else {
        None
    }
}

#[cfg(not(unix))]
fn device_kind(_: &std::fs::FileType) -> Option<&'static str> {
    None
}

/// Reads `--sku-catalog FILE`; the error names the file.
pub fn read_file(path: &Path) -> Result<LoadedCatalog, SkuCatalogError> {
    let bytes = read_capped(path, MAX_CATALOG_BYTES)?;
    let catalog = Catalog::from_slice(&bytes).map_err(|source| SkuCatalogError::Parse {
        path: path.to_owned(),
        source,
    })?;
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
    let bytes = match read_capped(&path, MAX_CATALOG_BYTES) {
        Ok(b) => b,
        Err(SkuCatalogError::Read { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            return None;
        }
        Err(e) => {
            tracing::warn!(
                "cannot read the saved Resource SKUs catalog: {}",
                error_chain(&e)
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
                error_chain(&e)
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
) -> Result<CatalogSource, SkuCatalogError> {
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
/// Azure Resource Manager (every page) and, when `save` says so (not in a dry run), saves it as
/// `<output-dir>/resource-skus-<region>.json`, replacing an earlier one (the catalog changes:
/// restrictions, new sizes). Without Azure access it falls back to the saved catalog, else to
/// none, with a warning.
pub async fn settle_catalog(
    dir: &OutputDir,
    arm: &mut ArmConnection,
    save: SaveLive,
) -> CatalogSource {
    let Some(region) = cluster_region(dir) else {
        tracing::warn!(
            "the cluster's region is not in apimodel.json: no Resource SKUs catalog, pools keep their source size"
        );
        return CatalogSource::None;
    };
    match read_live(dir, &region, arm, save).await {
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
                "cannot read the Resource SKUs catalog of {region} from Azure ({}); {then}",
                error_chain(&e)
            );
            saved.map_or(CatalogSource::None, |c| CatalogSource::Loaded(Arc::new(c)))
        }
    }
}

async fn read_live(
    dir: &OutputDir,
    region: &str,
    arm: &mut ArmConnection,
    save: SaveLive,
) -> Result<LoadedCatalog, SkuCatalogError> {
    let client = arm.client().await?;
    let records = client
        .list_resource_skus(region)
        .await
        .map_err(SkuCatalogError::List)?;
    let page = serde_json::json!({ "value": records });
    let catalog = Catalog::from_value(&page).map_err(SkuCatalogError::Answer)?;
    tracing::info!(
        "read the Resource SKUs catalog of {region} from Azure: {} records",
        catalog.record_count()
    );
    let path = saved_path(&dir.path, region);
    let saved_to = match (save == SaveLive::Save)
        .then(|| save_atomically(&path, &page))
        .transpose()
    {
        Ok(None) => None,
        Ok(Some(())) => Some(path),
        Err(e) => {
            tracing::warn!(
                "{}; later dry runs will not find the catalog",
                error_chain(&e)
            );
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

/// Writes `value` to `path` with group-sync's atomic write (temporary file, fsync, rename), so
/// a reader never sees half a catalog, even after a crash; the same catalog is not written again.
fn save_atomically(path: &Path, value: &Value) -> Result<(), SkuCatalogError> {
    group_sync::write_json_atomic_if_changed(path, value)
        .map(|_| ())
        .map_err(|source| SkuCatalogError::Save {
            path: path.to_owned(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_catalog_file_that_cannot_be_read_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("skus.json");
        std::fs::write(&bad, "{\"nope\": 1}").unwrap();
        let err = error_chain(&read_file(&bad).unwrap_err());
        assert!(err.contains(&bad.display().to_string()), "{err}");
        let missing = dir.path().join("missing.json");
        let err = error_chain(&read_file(&missing).unwrap_err());
        assert!(err.contains("missing.json"), "{err}");
    }

    #[test]
    fn a_device_or_directory_is_refused_before_reading() {
        #[cfg(unix)]
        {
            let err = error_chain(&read_file(Path::new("/dev/zero")).unwrap_err());
            assert_eq!(
                err,
                "the Resource SKUs catalog /dev/zero is not a file (a character device)"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let err = error_chain(&read_file(dir.path()).unwrap_err());
        assert!(err.ends_with("is not a file (a directory)"), "{err}");
    }

    #[test]
    fn reading_stops_at_the_cap_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("skus.json");
        std::fs::write(&path, "[]").unwrap();
        assert_eq!(read_capped(&path, 2).unwrap(), b"[]");
        std::fs::write(&path, "[ ]").unwrap();
        let err = error_chain(&read_capped(&path, 2).unwrap_err());
        assert_eq!(
            err,
            format!(
                "the Resource SKUs catalog {} is larger than 256 MiB; a whole catalog is a few MiB",
                path.display()
            )
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_is_read_like_a_file() {
        // `--sku-catalog <(az vm list-skus ...)` hands over /dev/fd/N, a pipe.
        let mut child = std::process::Command::new("sh")
            .args(["-c", "printf '\\357\\273\\277[]'"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(child.stdout.as_ref().unwrap());
        let loaded = read_file(Path::new(&format!("/dev/fd/{fd}"))).unwrap();
        assert!(loaded.catalog.is_empty(), "the byte-order mark is skipped");
        child.wait().unwrap();
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
