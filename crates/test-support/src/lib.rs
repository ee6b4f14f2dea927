//! Local servers that speak the real Spot, Azure Resource Manager, Azure Retail Prices, Kubernetes
//! and Azure Instance Metadata Service protocols on loopback, for tests. Fixture lookup
//! (`../shared`) is the lighter `test-fixtures` crate.
//!
//! They share one [`Fault`] description and one [`RecordedRequest`]. [`real_kube`] starts a real
//! kube-apiserver instead, for the tier that checks the Kubernetes fake agrees with it.
//!
//! Nothing here is used by the shipped binary.

pub mod arm_server;
pub mod fault;
pub mod imds_server;
mod kube_discovery;
pub mod kube_server;
pub mod kubectl;
mod loopback;
mod path_match;
pub mod prices_server;
pub mod real_kube;
mod recorded;
mod shared;
pub mod spot_server;

pub use fault::Fault;
pub use recorded::RecordedRequest;
