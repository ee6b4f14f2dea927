//! Reads an aks-engine v0.46.3 output directory and evaluates its agent pools' scale sets.
//!
//! The flow is one way: [`OutputDir::load`] reads and parses the files, [`requirements::check`]
//! enforces the seed's cluster requirements, and [`ScaleSetEvaluator`] evaluates each selected
//! pool's `Microsoft.Compute/virtualMachineScaleSets` resource with the `arm-template` engine.
//! Nothing here talks to the network.

pub mod api_model;
pub mod error;
pub mod output_dir;
pub mod requirements;
pub mod scale_set;

pub use api_model::{AgentPoolProfile, ApiModel};
pub use error::{LoadError, RequirementError, ScaleSetError};
pub use output_dir::{OutputDir, parse_api_model};
pub use requirements::RequirementOverrides;
pub use scale_set::{EvaluatedScaleSet, ScaleSetEvaluator, deployment_context};
