//! Why a scale set could not be mapped.

use crate::ApiGeneration;

/// A scale set that cannot become a group, with the pool and generation it was mapped for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("agent pool {pool} (Elastigroup API {generation}): {kind}")]
pub struct MappingError {
    pub pool: String,
    pub generation: ApiGeneration,
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
    #[error("the resource is not a virtual machine scale set (type {found:?})")]
    NotAScaleSet { found: String },
    #[error("missing {what} at `{path}`")]
    Missing { path: String, what: &'static str },
    #[error("`{path}` must be {expected}, found {found}")]
    WrongType {
        path: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("`{path}` is not {expected}: {id:?}")]
    BadResourceId {
        path: String,
        id: String,
        expected: &'static str,
    },
    #[error("`{path}`: {message}")]
    Unsupported { path: String, message: String },
}
