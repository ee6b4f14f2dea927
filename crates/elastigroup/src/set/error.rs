//! Why a `--set` argument or the resulting capacity is rejected.

/// A rejected `--set` argument, assignment or capacity. Values of secret fields are never shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    /// The argument is not `key=value[,key=value...]`.
    #[error("--set argument #{arg_index} `{arg}`: {message}")]
    Syntax {
        arg_index: usize,
        arg: String,
        message: String,
    },
    /// The key is not a dotted path like `capacity.target` or `a.b[0].c`.
    #[error(
        "--set argument #{arg_index}: key `{key}` is not a valid path: {message} (expected dotted names with optional [N] indexes, e.g. compute.vmSizes.spotSizes[0])"
    )]
    InvalidKey {
        arg_index: usize,
        key: String,
        message: String,
    },
    /// The path runs into a value of the wrong kind.
    #[error("--set {key}: cannot set `{segment}` because `{at}` is {found}, not {expected}")]
    Conflict {
        key: String,
        segment: String,
        at: String,
        found: &'static str,
        expected: &'static str,
    },
    /// An index past the end of an array (arrays grow only by appending at index == length).
    #[error(
        "--set {key}: index {index} is out of range for `{at}` (length {len}); arrays grow only by one, at index {len}"
    )]
    IndexOutOfRange {
        key: String,
        at: String,
        index: usize,
        len: usize,
    },
    /// The value does not fit the Spot OpenAPI schema at the key: `problem` says what was expected.
    #[error("--set {key}={value}: {problem}")]
    NotAccepted {
        key: String,
        /// The value as JSON (shortened), or a marker for a secret field.
        value: String,
        problem: String,
    },
    /// The key starts with `group.`, but keys are relative to the group.
    #[error("--set {key}: keys are relative to the group; write `{suggestion}`")]
    GroupPrefix { key: String, suggestion: String },
    /// The value `--set` applies to is not a group object.
    #[error("--set: the group body is {found}, not an object")]
    NotAnObject { found: &'static str },
    #[error("capacity.{field} is missing")]
    MissingCapacity { field: &'static str },
    #[error("capacity.{field} must be a non-negative integer, found {found}")]
    InvalidCapacity { field: &'static str, found: String },
    #[error(
        "capacity must satisfy minimum <= target <= maximum, found minimum {minimum}, target {target}, maximum {maximum}"
    )]
    CapacityOrder {
        minimum: u64,
        target: u64,
        maximum: u64,
    },
}
