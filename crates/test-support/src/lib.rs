//! Local servers that speak the real Spot, Azure Resource Manager and Kubernetes protocols on
//! loopback, for tests. Fixture lookup (`../shared`) is the lighter `test-fixtures` crate.
//!
//! Nothing here is used by the shipped binary.

pub mod arm_server;
pub mod kube_server;
mod loopback;
pub mod spot_server;
