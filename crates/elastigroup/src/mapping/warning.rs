//! A mapping warning: a scale set field the chosen API generation cannot carry (or a fact worth
//! telling the user), named by its JSON path in the scale set.

use std::fmt;

/// Something from the scale set that the group does not carry as-is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingWarning {
    /// JSON path in the scale set resource, e.g. `properties.virtualMachineProfile.storageProfile.osDisk`.
    pub path: String,
    /// What the group does instead, or what to add with `--set`, for the user to read.
    pub message: String,
}

impl MappingWarning {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        MappingWarning {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for MappingWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}
