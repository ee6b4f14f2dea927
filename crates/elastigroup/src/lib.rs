//! Maps an evaluated Azure scale set to a Spot Elastigroup (v3 and v2), --set, redaction, OpenAPI check.
//!
//! Everything here is pure: the input is one `Microsoft.Compute/virtualMachineScaleSets` resource whose
//! ARM expressions another crate already evaluated, the output is the JSON body of a Spot create call.
//!
//! - [`map_scale_set`]: scale set → `{"group": {...}}` for an [`ApiGeneration`], with [`MappingWarning`]s
//!   for everything the generation cannot express.
//! - [`parse_set_args`] / [`check_set_values`] / [`apply_set`] / [`check_capacity`]: the `--set
//!   path=value` overrides.
//! - [`schema::validate`]: checks a body against the embedded Spot OpenAPI create schema.
//! - [`diff::diff_group`]: what differs between a live group and the computed one (`sync`).
//! - [`redact_secrets`]: a copy of a body that is safe to print; [`Redacted`] prints it without the copy.

pub mod diff;
mod generation;
mod json_type;
mod mapping;
mod redact;
pub mod schema;
mod set;

pub use generation::{ApiGeneration, ParseGenerationError};
pub use mapping::{
    MappedGroup, MappingError, MappingErrorKind, MappingWarning, NodeSpec, PoolInput,
    SOURCE_SCALE_SET_TAG, VmSizes, map_scale_set,
};
pub use redact::{Redacted, is_secret_key, redact_secrets};
pub use set::{
    PathSegment, SetAssignment, SetError, apply_set, check_capacity, check_set_values,
    parse_set_args,
};
