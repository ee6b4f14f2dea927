//! The few ARM operations the tool needs, each with the api-version its spec file pins.

pub mod identities;
pub mod resource_graph;
pub mod resource_skus;
pub mod scale_sets;
