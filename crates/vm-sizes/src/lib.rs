//! Which VM sizes can run a pool's nodes, chosen from Azure's Resource SKUs catalog.
//!
//! Pure code (no I/O, no async): the caller reads the catalog (a file, or the live API through
//! `azure-arm`) and hands over bytes or JSON. [`Catalog`] reads either shape of the catalog,
//! [`rules`] says why a size cannot replace the source size, [`ranking`] orders the ones that can,
//! and [`choose`] puts it together into the group's Spot and on-demand size lists.
//!
//! See `docs/vm-sizes.md` in the repository for how sizes are chosen, in user terms.

pub mod catalog;
pub mod choose;
pub mod ranking;
pub mod rules;
pub mod size_name;

pub use catalog::{Catalog, CatalogError, Restriction, RestrictionKind, VmSku};
pub use choose::{
    ChooseError, MAX_PREFERRED, MAX_SIZES, Mode, RiskOf, Selection, SelectionWarning, choose,
    choose_with,
};
pub use ranking::{SpotRisk, UNKNOWN_EVICTION_RANK};
pub use rules::{
    AKS_ENGINE_HYPERV_GENERATION, DEFAULT_SIZE_WINDOW, Priority, Requirements, Rule, violations,
};
pub use size_name::{MAX_SIZE_NAME_LEN, SizeNameProblem, check_size_name};
