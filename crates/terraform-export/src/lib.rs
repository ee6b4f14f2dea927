//! Live Spot Elastigroups (v3, as Spot's GET returns them) → Terraform HCL for the
//! `spotinst_elastigroup_azure_v3` resource of the `spotinst/spotinst` provider.
//!
//! Pure: JSON in, two texts out (the `.tf` file without secrets, the tfvars file with them).
//! The HCL is built with hcl-rs's `Block`/`Body` builders and formatted by hcl-rs; comments are
//! added through hcl-edit (see [`comments`](crate::comments)). What maps to what, and what the
//! provider cannot express, is in `docs/terraform.md`.

mod align;
mod comments;
mod document;
mod error;
mod expr;
mod names;
mod resource;
mod secret;
mod seen;

pub use document::{Export, ExportedGroup, LiveGroup, PROVIDER_SOURCE, export};
pub use error::{ExportError, GroupError};
pub use resource::RESOURCE_TYPE;
pub use secret::{Secret, SecretValue};
