//! Why a group could not be exported.

/// A live group that cannot be written as a resource.
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    /// Spot's answer is not a JSON object.
    #[error("the group Spot returned is not a JSON object")]
    NotAnObject,
    /// A field the resource requires is missing (or not a string).
    #[error(
        "the group Spot returned has no string `{field}`, which spotinst_elastigroup_azure_v3 requires"
    )]
    MissingField {
        /// The field's path in the group, e.g. `compute.os`.
        field: String,
    },
}

/// Why the export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// One group could not be mapped.
    #[error("agent pool `{pool}` (Spot Elastigroup {group_id})")]
    Group {
        /// The pool in the state file.
        pool: String,
        /// The group's id.
        group_id: String,
        /// What is wrong with it.
        #[source]
        source: GroupError,
    },
    /// hcl-rs could not format the document.
    #[error("formatting the HCL")]
    Format(#[source] hcl::Error),
    /// The formatted document did not parse back (a bug: the file is not written).
    #[error("the generated HCL does not parse back")]
    Reparse(#[source] hcl::edit::parser::Error),
}
