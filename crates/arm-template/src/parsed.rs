//! A parsed expression together with the source text its spans index into.

use std::rc::Rc;

use crate::ast::Expression;

/// One parsed expression string (cached per deployment).
#[derive(Debug)]
pub(crate) struct Parsed {
    /// The text between the outer brackets.
    pub source: Rc<str>,
    /// The syntax tree.
    pub expression: Expression,
}
