//! `create-simple`: the seed's quick start as one command. Deploy a cluster with aks-engine,
//! import it into Spot, apply the Spot Kubernetes controller, optionally cut over (drain the
//! source scale set's nodes once the Spot nodes are Ready, then scale it to zero). Each finished
//! step is recorded so a re-run resumes where it failed.
//!
//! [`prepare()`] checks what can be checked up front, [`run()`] runs the steps, one file per
//! step, named after it: `deploy_cluster.rs`, `import_pools.rs` (the shared import pipeline),
//! `install_controller.rs`, `cut_over.rs` (the shared cutover). Progress is reported as
//! [`ProgressEvent`]s; the binary draws them.

pub mod aks_engine_deploy;
mod cut_over;
mod deploy_cluster;
mod error;
mod import_pools;
pub mod inputs;
mod install_controller;
pub mod model;
mod options;
mod outcome;
mod prepare;
mod progress;
mod run;
pub mod steps;

pub use error::QuickStartError;
pub use options::{
    ControllerOptions, DEFAULT_SETS, NodeAgentOptions, QuickStartOptions, default_output_dir,
};
pub use outcome::{ControllerState, NodeAgentState, QuickStartReport, SourceState};
pub use prepare::{Prepared, prepare};
pub use progress::{Progress, ProgressEvent};
pub use run::run;
