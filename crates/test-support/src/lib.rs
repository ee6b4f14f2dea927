//! Test support shared by every crate's tests: where `../shared` is, and local servers that speak
//! the real Spot, Azure Resource Manager and Kubernetes protocols on loopback.
//!
//! Nothing here is used by the shipped binary.

pub mod arm_server;
pub mod kube_server;
mod loopback;
pub mod shared;
pub mod spot_server;
