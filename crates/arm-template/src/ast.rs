//! The expression syntax tree produced by [`parse_expression`](crate::parse_expression).

/// A byte range in the expression source (the text between the outer brackets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// One expression node with the source range it was parsed from (used to name sub-expressions in errors).
#[derive(Clone, Debug, PartialEq)]
pub struct Expression {
    /// What the node is.
    pub kind: ExpressionKind,
    /// Where it is in the source.
    pub span: Span,
}

/// The node kinds of the ARM expression language.
#[derive(Clone, Debug, PartialEq)]
pub enum ExpressionKind {
    /// `'text'`
    String(String),
    /// `42`, `-1`
    Integer(i64),
    /// Bare `true` / `false`.
    Bool(bool),
    /// Bare `null`.
    Null,
    /// `name(arg, …)`; `name_lower` is the lower-cased name used for case-insensitive dispatch.
    Call {
        /// The function name as written.
        name: String,
        /// The name lower-cased.
        name_lower: String,
        /// The arguments.
        args: Vec<Expression>,
    },
    /// `target.name`
    Property {
        /// What the property is read from.
        target: Box<Expression>,
        /// The property name as written.
        name: String,
    },
    /// `target[index]`
    Index {
        /// What is indexed.
        target: Box<Expression>,
        /// The index (integer for arrays, string for objects).
        index: Box<Expression>,
    },
}

impl Expression {
    /// The source text of this node.
    pub fn text<'s>(&self, source: &'s str) -> &'s str {
        &source[self.span.start..self.span.end]
    }
}
