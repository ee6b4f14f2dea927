//! A value read from the scale set together with the JSON path it came from, so a renderer that
//! has to drop it can name it in a warning.

/// A value with the scale set JSON path it came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sourced<T> {
    pub value: T,
    pub path: String,
}
