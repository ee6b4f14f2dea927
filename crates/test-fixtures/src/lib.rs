//! Locating the read-only `../shared` directory (fixtures, Spot OpenAPI, Azure specs) for tests.
//!
//! Kept apart from `test-support`'s servers so tests that only read fixtures build no HTTP stack.
//!
//! The directory sits beside the repository root. `SPOTINST_AKS_SHARED_DIR` overrides it.
//! When it is absent, tests fail under `CI=true` (CI always has it) and otherwise skip with a
//! visible notice on stderr, so a user's clone still passes.

use std::path::{Path, PathBuf};

/// The environment variable that overrides where `shared/` is.
pub const SHARED_DIR_ENV: &str = "SPOTINST_AKS_SHARED_DIR";

/// The repository root (the workspace directory).
pub fn repo_root() -> PathBuf {
    // crates/test-fixtures -> repo root
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crate lives two levels below the repository root")
        .to_path_buf()
}

/// The `shared/` directory, or `None` (after printing a notice) when it is missing outside CI.
///
/// # Panics
/// When the directory is missing and `CI=true`.
pub fn shared_dir(test_name: &str) -> Option<PathBuf> {
    let dir = match std::env::var_os(SHARED_DIR_ENV) {
        Some(d) => PathBuf::from(d),
        None => repo_root().join("../shared"),
    };
    if dir.is_dir() {
        return Some(dir.canonicalize().unwrap_or(dir));
    }
    let ci = std::env::var("CI")
        .map(|v| v == "true" || v == "1")
        .unwrap_or(false);
    if ci {
        panic!(
            "{test_name}: the shared directory {} is missing; CI must provide it (or set {SHARED_DIR_ENV})",
            dir.display()
        );
    }
    eprintln!(
        "NOTICE: {test_name} skipped: {} not found (set {SHARED_DIR_ENV} to run it)",
        dir.display()
    );
    None
}

/// `shared/fixtures/aks-engine`, when present.
pub fn aks_engine_fixtures(test_name: &str) -> Option<PathBuf> {
    shared_dir(test_name).map(|d| d.join("fixtures/aks-engine"))
}

/// Every case directory under `shared/fixtures/aks-engine`, sorted by name.
pub fn aks_engine_cases(test_name: &str) -> Vec<(String, PathBuf)> {
    let Some(root) = aks_engine_fixtures(test_name) else {
        return Vec::new();
    };
    let mut cases: Vec<(String, PathBuf)> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("reading {}: {e}", root.display()))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("azuredeploy.json").is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    cases.sort();
    cases
}

/// `shared/spec/spot/openapi`, when present.
pub fn spot_openapi_dir(test_name: &str) -> Option<PathBuf> {
    shared_dir(test_name).map(|d| d.join("spec/spot/openapi"))
}
