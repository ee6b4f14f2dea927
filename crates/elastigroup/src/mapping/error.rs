//! Why a scale set could not be mapped.

use crate::ApiGeneration;

/// A scale set that cannot become a group, with the pool and generation it was mapped for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("agent pool {pool} (Elastigroup API {generation}): {kind}")]
pub struct MappingError {
    /// The agent pool's name.
    pub pool: String,
    /// The API generation the pool was mapped for.
    pub generation: ApiGeneration,
    /// What is wrong with the scale set.
    pub kind: MappingErrorKind,
}

impl MappingError {
    /// The JSON path in the scale set the error is about, when there is one.
    pub fn path(&self) -> Option<&str> {
        match &self.kind {
            MappingErrorKind::NotAScaleSet { .. } => None,
            MappingErrorKind::Missing { path, .. }
            | MappingErrorKind::WrongType { path, .. }
            | MappingErrorKind::BadResourceId { path, .. }
            | MappingErrorKind::Unsupported { path, .. } => Some(path),
        }
    }
}

/// The cause. Messages name paths and types, never values (a value may be a secret), except ARM
/// resource ids, which are not secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingErrorKind {
    /// The resource is of another type than `Microsoft.Compute/virtualMachineScaleSets`.
    #[error("the resource is not a virtual machine scale set (type {found:?})")]
    NotAScaleSet {
        /// The resource's `type`.
        found: String,
    },
    /// A required field is absent (or `null`).
    #[error("missing {what} at `{path}`")]
    Missing {
        /// JSON path of the field in the scale set.
        path: String,
        /// What the field holds, e.g. `the scale set name`.
        what: &'static str,
    },
    /// A field has another JSON type than the mapping reads.
    #[error("`{path}` must be {expected}, found {found}")]
    WrongType {
        /// JSON path of the field in the scale set.
        path: String,
        /// The JSON type wanted, with article: `an array`.
        expected: &'static str,
        /// The JSON type found, with article, or `nothing`.
        found: &'static str,
    },
    /// A resource id names another kind of resource than the field refers to.
    #[error("`{path}` is not {expected}: {id:?}")]
    BadResourceId {
        /// JSON path of the field in the scale set.
        path: String,
        /// The id as written (ARM ids are not secret).
        id: String,
        /// The kind of resource wanted, e.g. `a subnet id`.
        expected: &'static str,
    },
    /// The scale set uses something the chosen API generation cannot express.
    #[error("`{path}`: {message}")]
    Unsupported {
        /// JSON path of the field in the scale set.
        path: String,
        /// What is unsupported and what to do instead.
        message: String,
    },
}
