//! Running the binary with a clean environment.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use test_support::spot_server::SpotServer;

pub const SUBSCRIPTION: &str = "6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d";

/// The variables a test never inherits from the caller's environment.
const CLEARED: [&str; 17] = [
    "AZURE_SUBSCRIPTION_ID",
    "AZURE_RESOURCE_GROUP",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_TENANT_ID",
    "SPOTINST_TOKEN",
    "SPOTINST_ACCOUNT",
    "SPOTINST_BASE_URL",
    "SPOTINST_CREDENTIALS_FILE",
    "SPOTINST_CREDENTIALS_PROFILE",
    "SPOTINST_AKS_ENGINE_LOG",
    "RUST_LOG",
    "AZURE_RESOURCE_MANAGER_URL",
    "AZURE_AUTHORITY_HOST",
    "AKS_DNS_PREFIX",
    "AZURE_LOCATION",
    "AKS_ENGINE_BIN",
];

/// The binary with no Azure/Spot variables from the caller's environment.
pub fn bin() -> Command {
    let mut cmd = Command::cargo_bin("spotinst-aks-engine").expect("binary built");
    for var in CLEARED {
        cmd.env_remove(var);
    }
    // Never read the developer's real ~/.spotinst.
    cmd.env("HOME", test_home());
    // Never ask the real Retail Prices API: a closed loopback port fails at once.
    cmd.env("AZURE_RETAIL_PRICES_URL", NO_PRICES_API);
    cmd
}

/// A Retail Prices URL nothing listens on.
pub const NO_PRICES_API: &str = "http://127.0.0.1:9";

/// A local Spot API that checks every create/update body against Spot's OpenAPI create schema.
pub fn spot_server() -> SpotServer {
    SpotServer::start_with_schema_check(elastigroup::schema::validate_request)
}

/// [`bin`] as a plain `std::process::Command`, for tests that spawn the binary and signal it.
pub fn spawnable_bin() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("spotinst-aks-engine"));
    for var in CLEARED {
        cmd.env_remove(var);
    }
    cmd.env("HOME", test_home());
    cmd.env("AZURE_RETAIL_PRICES_URL", NO_PRICES_API);
    cmd
}

fn test_home() -> PathBuf {
    std::env::temp_dir().join("spotinst-aks-engine-test-home")
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
