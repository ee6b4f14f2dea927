//! The size rules and the ranking, driven by the real Resource SKUs records in
//! `../shared/fixtures/azure/resource-skus/`, plus properties of every selection.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod choose_fixtures;
mod demo_catalog;
mod fixtures;
mod properties;
mod risk_ranking;
mod rules_fixtures;
