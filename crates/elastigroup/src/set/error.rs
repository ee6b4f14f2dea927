//! Why a `--set` argument or the resulting capacity is rejected.

/// A rejected `--set` argument, assignment or capacity. Values of secret fields are never shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    /// The argument is not `key=value[,key=value...]`.
    #[error("--set argument #{arg_index} `{arg}`: {message}")]
    Syntax {
        /// The argument's position among the `--set` arguments, 1-based.
        arg_index: usize,
        /// The argument, shortened, or a marker when it may hold a secret value.
        arg: String,
        /// What is wrong and how to write it.
        message: String,
    },
    /// The key is not a dotted path like `capacity.target` or `a.b[0].c`.
    #[error(
        "--set argument #{arg_index}: key `{key}` is not a valid path: {message} (expected dotted names with optional [N] indexes, e.g. compute.vmSizes.spotSizes[0])"
    )]
    InvalidKey {
        /// The argument's position among the `--set` arguments, 1-based.
        arg_index: usize,
        /// The key as written.
        key: String,
        /// What is wrong with the key.
        message: String,
    },
    /// The path runs into a value of the wrong kind.
    #[error("--set {key}: cannot set `{segment}` because `{at}` is {found}, not {expected}")]
    Conflict {
        /// The key as written.
        key: String,
        /// The key segment that could not be set: a name or `[N]`.
        segment: String,
        /// The path of the value in the way, or `(group)` for the group itself.
        at: String,
        /// The JSON type of that value, with article: `a string`.
        found: &'static str,
        /// The JSON type the segment needs: `an object` or `an array`.
        expected: &'static str,
    },
    /// An index past the end of an array (arrays grow only by appending at index == length).
    #[error(
        "--set {key}: index {index} is out of range for `{at}` (length {len}); arrays grow only by one, at index {len}"
    )]
    IndexOutOfRange {
        /// The key as written.
        key: String,
        /// The path of the array.
        at: String,
        /// The index asked for.
        index: usize,
        /// The array's length.
        len: usize,
    },
    /// The value does not fit the Spot OpenAPI schema at the key: `problem` says what was expected.
    #[error("--set {key}={value}: {problem}")]
    NotAccepted {
        /// The key as written.
        key: String,
        /// The value as JSON (shortened), or a marker for a secret field.
        value: String,
        /// The schema's objections, joined by `; `.
        problem: String,
    },
    /// The key starts with `group.`, but keys are relative to the group.
    #[error("--set {key}: keys are relative to the group; write `{suggestion}`")]
    GroupPrefix {
        /// The key as written.
        key: String,
        /// The key without `group.`.
        suggestion: String,
    },
    /// The value `--set` applies to is not a group object.
    #[error("--set: the group body is {found}, not an object")]
    NotAnObject {
        /// The body's JSON type, with article.
        found: &'static str,
    },
    /// The group has no `capacity` object, or it lacks a field.
    #[error("capacity.{field} is missing")]
    MissingCapacity {
        /// `minimum`, `target` or `maximum`; `(all)` when `capacity` itself is missing.
        field: &'static str,
    },
    /// A capacity field is not a non-negative integer.
    #[error("capacity.{field} must be a non-negative integer, found {found}")]
    InvalidCapacity {
        /// `minimum`, `target` or `maximum`.
        field: &'static str,
        /// The field's value as JSON.
        found: String,
    },
    /// The capacity fields are out of order.
    #[error(
        "capacity must satisfy minimum <= target <= maximum, found minimum {minimum}, target {target}, maximum {maximum}"
    )]
    CapacityOrder {
        /// `capacity.minimum`, in instances.
        minimum: u64,
        /// `capacity.target`, in instances.
        target: u64,
        /// `capacity.maximum`, in instances.
        maximum: u64,
    },
}
