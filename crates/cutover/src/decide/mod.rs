//! The cutover's decisions, as pure functions over plain views of Nodes, Pods and budgets: which
//! node is whose, whether a pool has joined, which pod to evict, which budget holds what, when
//! to stop. No I/O here; [`crate::kube_ops`] builds the views from the API objects.

pub mod budgets;
pub mod drain_plan;
pub mod drain_progress;
pub mod join;
pub mod nodes;
pub mod pods;
pub mod pool_health;
pub mod roll;
pub mod scale_set;
#[cfg(test)]
pub(crate) mod test_vms;
