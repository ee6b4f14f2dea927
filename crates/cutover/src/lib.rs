//! The safe cutover from aks-engine's scale sets to the Spot groups an import created.
//!
//! 1. **Join**: each group's VMs (from Spot) are matched to Nodes; wait until the Ready ones
//!    reach the group's capacity target.
//! 2. **Cordon** every node of each source scale set, all before any eviction.
//! 3. **Drain** them with `policy/v1` evictions, as `kubectl drain` decides which pods go;
//!    disruption budgets are retried until the drain timeout, then everything this tool
//!    cordoned is uncordoned and the run stops.
//! 4. **Retire** each scale set: `sku.capacity = 0` through ARM, then delete its Node objects.
//!
//! Every step is recorded in `<output-dir>/spot-cutover.json` ([`state`]), so a re-run resumes.
//! The decisions are pure functions in [`decide`]; [`kube_ops`] does the Kubernetes calls.
//! [`plan_cutover`] is the dry run; [`decide::pool_health`] is the health `status` shows.

pub mod decide;
pub mod drain;
pub mod dry_run;
pub mod error;
pub mod events;
pub mod input;
pub mod kube_ops;
pub mod kubeconfig;
pub(crate) mod read;
pub mod roll_run;
pub mod run;
pub mod state;
mod state_file;
pub mod verify;

pub use decide::budgets::{BudgetHold, BudgetInfo};
pub use decide::drain_plan::{DrainPlan, NodePlan, PlannedPod, RefusedPod};
pub use decide::join::{PoolJoin, VmJoin};
pub use decide::nodes::NodeInfo;
pub use decide::pods::{DrainFlags, LeaveReason, PodAction, PodInfo, RefuseReason};
pub use decide::pool_health::{
    DEFAULT_JOIN_GRACE, Health, NodeHealth, PoolHealth, SourceNode, VmHealth, pool_health,
};
pub use dry_run::{CutoverPlan, ScaleSetToRetire, plan_cutover};
pub use error::{CutoverError, KubeError, StateFileError};
pub use events::{Progress, ProgressEvent, Step};
pub use input::{Clients, CutoverOptions, CutoverPool, SourceScaleSet};
pub use kubeconfig::{KubeconfigError, client_from_kubeconfig};
pub use roll_run::{
    DEFAULT_DETACH_TIMEOUT, RollCapacity, RollError, RollGroup, RollOptions, RollReport, RollState,
    RollStore, record_roll, record_roll_with, run_roll_until, run_rolls, set_roll_capacity,
};
pub use run::{CutoverReport, run_cutover, run_cutover_checked, run_cutover_until};
pub use state::{CUTOVER_STATE_FILE_NAME, CutoverState, PoolCutover};
pub use verify::{RevivedScaleSet, ScaleSetChecks, check_scale_sets};
