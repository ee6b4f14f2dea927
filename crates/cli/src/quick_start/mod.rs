//! `create-simple`: the seed's quick start as one command. Deploy a cluster with aks-engine,
//! import it into Spot, apply the Spot Kubernetes controller, optionally scale the source scale
//! set to zero. Each finished step is recorded so a re-run resumes where it failed.

pub mod aks_engine_deploy;
pub mod duration;
pub mod inputs;
pub mod model;
pub mod progress;
pub mod run;
pub mod steps;
