//! The library half of `spotinst-aks-engine`: the one import pipeline that `import` and
//! `create-simple` both run (plan → deploy-time values → requests → Spot → summary), where the
//! Azure scope and the Spot and ARM access come from, each pool's VM sizes, and the quick
//! start's steps. The binary
//! parses flags and prints; everything it runs lives here so tests can call it in process.

pub mod azure_access;
pub mod cutover;
mod error_chain;
pub mod home;
pub mod import;
pub mod kubeconfig;
pub mod lock;
pub mod node_agent;
pub mod plan;
pub mod prices;
pub mod quick_start;
pub mod recorded;
pub mod regenerate;
pub mod scope;
pub mod sizes;
pub mod spot_access;
pub mod status;
pub mod summary;

pub use error_chain::error_chain;
