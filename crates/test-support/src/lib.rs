//! Local servers that speak the real Spot, Azure Resource Manager, Azure Retail Prices and
//! Kubernetes protocols on loopback, for tests. Fixture lookup (`../shared`) is the lighter `test-fixtures` crate.
//!
//! The three share one [`Fault`] description and one [`RecordedRequest`].
//!
//! Nothing here is used by the shipped binary.

#![warn(missing_docs, unreachable_pub)]

pub mod arm_server;
pub mod fault;
pub mod kube_server;
mod loopback;
pub mod prices_server;
mod recorded;
mod shared;
pub mod spot_server;

pub use fault::Fault;
pub use recorded::RecordedRequest;
