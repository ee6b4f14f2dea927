//! `create-simple`: the seed's quick start as one command. Deploy a cluster with aks-engine,
//! import it into Spot, apply the Spot Kubernetes controller, optionally cut over (drain the
//! source scale set's nodes once the Spot nodes are Ready, then scale it to zero). Each finished
//! step is recorded so a re-run resumes where it failed.
//!
//! [`prepare()`] checks what can be checked up front, [`run()`] runs the steps, one file per
//! step: `deploy.rs`, `import.rs` (the shared import pipeline), `controller.rs`, `scale_down.rs`
//! (the cutover).

pub mod aks_engine_deploy;
mod controller;
mod deploy;
pub mod duration;
mod error;
mod import;
pub mod inputs;
pub mod model;
mod options;
mod outcome;
mod prepare;
pub mod progress;
mod run;
mod scale_down;
pub mod steps;

pub use error::QuickStartError;
pub use options::{
    ControllerOptions, DEFAULT_SETS, NodeAgentOptions, QuickStartOptions, default_output_dir,
};
pub use outcome::{
    ControllerState, GroupOrigin, GroupSummary, NodeAgentState, Outcome, SourceState,
};
pub use prepare::{Prepared, prepare};
pub use run::run;
