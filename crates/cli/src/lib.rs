//! The library half of the `spotinst-aks-engine` binary: the import plan (output directory →
//! Elastigroup bodies), where the Azure scope comes from, and the quick start's steps. The binary
//! (`main.rs`) parses flags and prints; everything it runs lives here so tests and benches can
//! call it in process.

pub mod azure_access;
pub mod import_plan;
pub mod import_run;
pub mod quick_start;
pub mod scope;
pub mod spot_access;
