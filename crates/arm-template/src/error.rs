//! Typed errors: parse errors (with column), evaluation errors (with JSON path and expression
//! text) and template/parameter errors. Messages never include parameter values, so secrets
//! (certificates, passwords, customData) cannot leak through them.

use std::fmt;

/// An expression failed to parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ParseError {
    /// 1-based character column in the expression text (counting the leading `[` when present).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// Expression text shown in messages, shortened so multi-kilobyte expressions stay readable.
struct Excerpt<'a>(&'a str);

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 300;
        if self.0.chars().count() <= MAX {
            write!(f, "{}", self.0)
        } else {
            let head: String = self.0.chars().take(MAX).collect();
            write!(f, "{head}…")
        }
    }
}

fn ex(s: &str) -> Excerpt<'_> {
    Excerpt(s)
}

/// Evaluating an expression or a template fragment failed.
///
/// Every error names where in the template it happened ([`EvalError::json_path`]) and, when
/// known, the sub-expression text that failed ([`EvalError::expression`]); [`EvalError::kind`]
/// says what went wrong. [`fmt::Display`] renders one complete sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalError {
    kind: EvalErrorKind,
    json_path: String,
    expression: Option<String>,
}

/// What went wrong in an [`EvalError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EvalErrorKind {
    /// The expression does not parse.
    Parse {
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// No such template function.
    UnknownFunction {
        /// The name as written.
        function: String,
    },
    /// Wrong number of arguments.
    ArgumentCount {
        /// Canonical function name.
        function: String,
        /// e.g. `1 to 3`.
        expected: String,
        /// Arguments given.
        actual: usize,
    },
    /// A function rejected its arguments (type, range, overflow, division by zero…).
    Function {
        /// Canonical function name.
        function: String,
        /// Why.
        message: String,
    },
    /// `parameters('x')` names no declared parameter.
    UnknownParameter {
        /// The name asked for.
        name: String,
    },
    /// `variables('x')` names no declared variable.
    UnknownVariable {
        /// The name asked for.
        name: String,
    },
    /// Variables (or parameter defaults) refer to each other in a loop.
    Cycle {
        /// `variable` or `parameter`.
        kind: &'static str,
        /// The names around the loop, first repeated at the end.
        cycle: Vec<String>,
    },
    /// A property or index access failed.
    Access {
        /// Why.
        message: String,
    },
    /// A value needs deployment-time information (e.g. `reference()`) and no resolver was given.
    DeployTime {
        /// The deploy-time function at the root (`reference`, `listKeys`…).
        function: String,
    },
    /// A function used where ARM does not allow it (e.g. `utcNow` outside a parameter default).
    NotAllowedHere {
        /// Canonical function name.
        function: String,
        /// Why.
        reason: String,
    },
    /// The caller's resolver failed.
    Resolver {
        /// The function (`reference`, `listKeys`…).
        function: String,
        /// The resolver's message.
        message: String,
    },
    /// Evaluation would pass one of the evaluator's limits (value size, nesting, total work).
    Limit {
        /// Which limit and by how much.
        message: String,
    },
    /// The template's structure is invalid at this point (bad `copy`, non-string key…).
    Invalid {
        /// Why.
        message: String,
    },
    /// `evaluate_resource` was asked for an index past the end.
    NoSuchResource {
        /// The index asked for.
        index: usize,
        /// How many there are.
        count: usize,
    },
}

impl EvalError {
    /// An error of `kind` at `json_path`, in `expression` when there is one.
    pub(crate) fn new(
        kind: EvalErrorKind,
        json_path: impl Into<String>,
        expression: Option<String>,
    ) -> Self {
        EvalError {
            kind,
            json_path: json_path.into(),
            expression,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &EvalErrorKind {
        &self.kind
    }

    /// Where in the template (empty for [`EvalErrorKind::NoSuchResource`]).
    pub fn json_path(&self) -> &str {
        &self.json_path
    }

    /// The (sub-)expression that failed, when the error is about one.
    pub fn expression(&self) -> Option<&str> {
        self.expression.as_deref()
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = &self.json_path;
        let expression = ex(self.expression.as_deref().unwrap_or_default());
        match &self.kind {
            EvalErrorKind::Parse { column, message } => write!(
                f,
                "The expression at {path} does not parse at column {column}: {message} (expression: {expression})"
            ),
            EvalErrorKind::UnknownFunction { function } => write!(
                f,
                "The function '{function}' used at {path} is not a known template function (in `{expression}`)."
            ),
            EvalErrorKind::ArgumentCount {
                function,
                expected,
                actual,
            } => write!(
                f,
                "The function '{function}' at {path} takes {expected} argument(s) but was given {actual} (in `{expression}`)."
            ),
            EvalErrorKind::Function { function, message } => write!(
                f,
                "The function '{function}' failed at {path}: {message} (in `{expression}`)."
            ),
            EvalErrorKind::UnknownParameter { name } => write!(
                f,
                "The template parameter '{name}' referenced at {path} is not declared (in `{expression}`)."
            ),
            EvalErrorKind::UnknownVariable { name } => write!(
                f,
                "The template variable '{name}' referenced at {path} is not declared (in `{expression}`)."
            ),
            EvalErrorKind::Cycle { kind, cycle } => write!(
                f,
                "The {kind}s {} refer to each other in a cycle (detected at {path}).",
                cycle.join(" -> ")
            ),
            EvalErrorKind::Access { message } => write!(
                f,
                "The expression at {path} failed: {message} (in `{expression}`)."
            ),
            EvalErrorKind::DeployTime { function } => write!(
                f,
                "The value at {path} needs the deploy-time function '{function}', which cannot be evaluated without a resolver (in `{expression}`)."
            ),
            EvalErrorKind::NotAllowedHere { function, reason } => write!(
                f,
                "The function '{function}' at {path} is not allowed here: {reason} (in `{expression}`)."
            ),
            EvalErrorKind::Resolver { function, message } => write!(
                f,
                "The resolver failed for '{function}' at {path}: {message} (in `{expression}`)."
            ),
            EvalErrorKind::Limit { message } => write!(
                f,
                "The expression at {path} exceeds an evaluation limit: {message} (in `{expression}`)."
            ),
            EvalErrorKind::Invalid { message } => {
                write!(f, "The template is invalid at {path}: {message}.")
            }
            EvalErrorKind::NoSuchResource { index, count } => write!(
                f,
                "The template has {count} resource(s); there is no resource at index {index}."
            ),
        }
    }
}

impl std::error::Error for EvalError {}

/// Loading a template or parameters file, or binding parameters, failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// The document or one of its sections has the wrong shape.
    #[error("The {document} is invalid at {json_path}: {message}.")]
    Invalid {
        /// `template` or `parameters file`.
        document: &'static str,
        /// Where.
        json_path: String,
        /// Why.
        message: String,
    },
    /// A parameter without default is not supplied.
    #[error("The template parameter '{name}' has no default value and was not supplied.")]
    MissingParameter {
        /// The declared name.
        name: String,
    },
    /// A supplied parameter is not declared by the template (ARM rejects these).
    #[error("The parameter '{name}' was supplied but the template does not declare it.")]
    UnknownParameter {
        /// The supplied name.
        name: String,
    },
    /// A parameter value has the wrong type.
    #[error(
        "The template parameter '{name}' must be of type {expected} but the value is of type {actual}."
    )]
    ParameterType {
        /// The declared name.
        name: String,
        /// Declared type.
        expected: String,
        /// Type of the value given.
        actual: String,
    },
    /// A parameter value violates `allowedValues`, `minLength`/`maxLength` or `minValue`/`maxValue`.
    #[error("The value of template parameter '{name}' is not valid: {message}.")]
    ParameterConstraint {
        /// The declared name.
        name: String,
        /// Which constraint (values are never printed).
        message: String,
    },
    /// A parameter is supplied as a Key Vault reference, which this static evaluator cannot read.
    #[error(
        "The template parameter '{name}' is a Key Vault reference (secret '{secret_name}' in {vault_id}); Key Vault references are not supported, supply the value directly."
    )]
    KeyVaultReference {
        /// The parameter name.
        name: String,
        /// The secret name.
        secret_name: String,
        /// The vault's resource id.
        vault_id: String,
    },
    /// Evaluating a parameter's default value failed (the evaluation error is the source, shown
    /// once by whoever prints the chain).
    #[error("The default value of template parameter '{name}' failed to evaluate")]
    Default {
        /// The declared name.
        name: String,
        /// The evaluation error.
        #[source]
        source: Box<EvalError>,
    },
}
