//! The agent's decisions, as pure functions over plain views: is this scheduled event mine and
//! actionable, when must the drain be done, which pods go, is this Node garbage. No I/O here.

pub mod events;
pub mod garbage;
pub mod pods;
