//! What several commands share to reach the outside: the Spot and Azure access their flags ask
//! for, the groups recorded in the output directory, and the async runtime the clients run on.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use group_sync::StateFile;
use importer::azure_access::AzureAccess;
use importer::spot_access::SpotAccess;

use crate::cli::{AzureArgs, SpotArgs};

/// What the Spot flags ask for (credentials are resolved by [`SpotAccess::client`]).
pub(super) fn spot_access(args: &SpotArgs) -> SpotAccess {
    SpotAccess {
        token: args.token.clone().map(spot_api::SecretString::from),
        account: args.account.clone(),
        base_url: args.spot_api_url.clone(),
        timeout: Duration::from_secs(args.spot_timeout.max(1)),
    }
}

/// AZURE_* variables plus the flags.
pub(super) fn azure_access(args: &AzureArgs) -> AzureAccess {
    let mut access = AzureAccess::from_env(&|k| std::env::var(k).ok());
    access.arm_url = args.arm_url.clone();
    access.use_msi = args.use_msi;
    access
}

/// The state file of `dir`, refusing when it records nothing.
pub(super) fn recorded_state(dir: &Path) -> Result<StateFile> {
    Ok(importer::recorded::recorded_state(dir)?)
}

/// The async runtime the Spot, ARM and Kubernetes clients run on: multi-thread, because the
/// import's planning leaves the async context with `block_in_place` to resolve deploy-time
/// values (see `importer::import::resolve_deploy_time_values`).
pub(super) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")
}
