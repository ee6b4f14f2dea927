//! The Spot Kubernetes cluster controller: manifests, server-side apply, rollout wait.
//!
//! Typical use: [`client_from_kubeconfig`] on aks-engine's kubeconfig, [`manifests`] from
//! [`ControllerSettings`], [`apply_all`], then [`wait_for_rollout`].

pub mod apply;
pub mod error;
pub mod kubeconfig;
pub mod manifests;
pub mod rbac;
pub mod rollout;
pub mod settings;

pub use apply::{Applied, FIELD_MANAGER, apply_all, apply_object};
pub use error::ControllerError;
pub use kubeconfig::{aks_engine_kubeconfig_path, client_from_kubeconfig};
pub use manifests::{CONFIG_MAP_NAME, Manifests, NAME, NAMESPACE, manifests};
pub use rollout::{RolloutOutcome, RolloutProgress, wait_for_rollout};
pub use secrecy::{ExposeSecret, SecretString};
pub use settings::{ControllerSettings, DEFAULT_IMAGE, DEFAULT_VERSION};
