//! The evaluation scope: where in the template we are, which copy loops and lambdas enclose us.

use std::cell::RefCell;

use crate::error::{EvalError, EvalErrorKind};
use crate::evaluated::Deferred;
use crate::json_path::JsonPath;
use crate::value::Value;

/// One enclosing `copy` iteration.
#[derive(Clone, Debug)]
pub(crate) struct CopyFrame {
    /// The loop name (`copyIndex('name')`).
    pub name: String,
    /// The current iteration (0-based).
    pub index: i64,
    /// Whether this is the resource (or output/variable top-level) loop that `copyIndex()` without a name means.
    pub resource_level: bool,
}

/// Bound lambda parameters.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LambdaFrame<'a> {
    pub names: &'a [String],
    pub values: &'a [Value],
    pub parent: Option<&'a LambdaFrame<'a>>,
}

/// Everything an expression's value may depend on besides the deployment itself.
#[derive(Clone, Copy)]
pub(crate) struct Scope<'a> {
    /// Where the expression is (for errors and deferrals).
    pub path: &'a JsonPath<'a>,
    /// Enclosing copy iterations, outermost first.
    pub copies: &'a [CopyFrame],
    /// Innermost lambda frame.
    pub lambda: Option<&'a LambdaFrame<'a>>,
    /// Whether we are evaluating a parameter's `defaultValue` (where `utcNow`/`newGuid` are legal).
    pub in_parameter_default: bool,
    /// Where deferred values are recorded; `Some` only while producing final output.
    pub sink: Option<&'a RefCell<Vec<Deferred>>>,
}

impl<'a> Scope<'a> {
    /// A scope at `path` with nothing enclosing it.
    pub(crate) fn at(path: &'a JsonPath<'a>) -> Self {
        Scope {
            path,
            copies: &[],
            lambda: None,
            in_parameter_default: false,
            sink: None,
        }
    }

    /// The same scope at another path.
    pub(crate) fn with_path<'b>(&self, path: &'b JsonPath<'b>) -> Scope<'b>
    where
        'a: 'b,
    {
        Scope { path, ..*self }
    }

    /// The rendered path.
    pub(crate) fn json_path(&self) -> String {
        self.path.to_string()
    }

    /// An error of `kind` here, in `expression`.
    pub(crate) fn error(&self, kind: EvalErrorKind, expression: impl Into<String>) -> EvalError {
        EvalError::new(kind, self.json_path(), Some(expression.into()))
    }

    /// The template is invalid here: `message`.
    pub(crate) fn invalid(&self, message: impl Into<String>) -> EvalError {
        EvalError::new(
            EvalErrorKind::Invalid {
                message: message.into(),
            },
            self.json_path(),
            None,
        )
    }

    /// Look up a lambda variable by name (case-insensitive), innermost first.
    pub(crate) fn lambda_variable(&self, name: &str) -> Option<&'a Value> {
        let mut frame = self.lambda;
        while let Some(f) = frame {
            if let Some(i) = f.names.iter().position(|n| n.eq_ignore_ascii_case(name)) {
                return f.values.get(i);
            }
            frame = f.parent;
        }
        None
    }
}
