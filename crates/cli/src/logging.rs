//! Logs go to stderr; stdout carries only results. `-v` shows steps, `-vv` HTTP calls.

use tracing_subscriber::EnvFilter;

pub fn init(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_env("SPOTINST_AKS_ENGINE_LOG").unwrap_or_else(|_| {
        // Our crates at the chosen level; dependencies stay quieter unless -vvv.
        let deps = if verbose >= 3 { "debug" } else { "warn" };
        EnvFilter::new(format!("{deps},spotinst_aks_engine={default},aks_engine={default},arm_template={default},elastigroup={default},spot_api={default},group_sync={default},azure_arm={default},spot_controller={default}"))
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .try_init();
}
