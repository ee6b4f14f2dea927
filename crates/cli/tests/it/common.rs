//! Running the binary with a cleared environment, and what several test files share.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use test_support::spot_server::SpotServer;

pub const SUBSCRIPTION: &str = "6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d";

/// The binary with none of the caller's environment but `PATH`, and an empty `HOME`.
pub fn bin() -> Command {
    spawnable_bin().into()
}

/// A local Spot API that checks every create/update body against Spot's OpenAPI create schema.
pub fn spot_server() -> SpotServer {
    SpotServer::start_with_schema_check(elastigroup::schema::validate_request)
}

/// [`bin`] as a plain `std::process::Command`, for tests that spawn the binary and signal it.
///
/// The environment is cleared, so a developer's `SPOTINST_TOKEN`, `SPOTINST_PROFILE`,
/// `SPOTINST_SHARED_CREDENTIALS_FILE`, Azure variables or `RUST_LOG` never reach the binary;
/// `PATH` is kept (the stand-in `aks-engine` is a shell script) and `HOME` is an empty
/// directory, so `~/.spotinst/credentials` and an Azure CLI login are not the developer's.
/// Tests set what they need on top.
pub fn spawnable_bin() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("spotinst-aks-engine"));
    cmd.env_clear().env("HOME", test_home());
    // Never ask the real Retail Prices API: a closed loopback port fails at once.
    cmd.env("AZURE_RETAIL_PRICES_URL", NO_PRICES_API);
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    // Windows programs cannot start without it.
    #[cfg(windows)]
    if let Some(root) = std::env::var_os("SYSTEMROOT") {
        cmd.env("SYSTEMROOT", root);
    }
    cmd
}

/// A Retail Prices URL nothing listens on.
pub const NO_PRICES_API: &str = "http://127.0.0.1:9";

/// An empty directory under cargo's temporary directory for integration tests (`target/tmp`).
fn test_home() -> PathBuf {
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("empty-home");
    std::fs::create_dir_all(&home).expect("creating the tests' HOME");
    home
}

/// The example directory bundled in the repository.
pub fn example_dir() -> PathBuf {
    test_fixtures::repo_root().join("examples/demo-cluster")
}

/// Copies a directory tree (fixtures in ../shared are read-only; tests that write copy them first).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every string in a JSON value, with its JSON pointer.
pub fn strings(v: &serde_json::Value, at: String, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::String(s) => out.push((at, s.clone())),
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                strings(x, format!("{at}/{i}"), out);
            }
        }
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                out.push((format!("{at}/<key>"), k.clone()));
                strings(x, format!("{at}/{k}"), out);
            }
        }
        _ => {}
    }
}
