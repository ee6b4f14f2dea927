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
/// Every variant names where in the template (`json_path`) and, when known, the sub-expression
/// text that failed. [`fmt::Display`] renders one complete sentence.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// The expression does not parse.
    #[error(
        "The expression at {json_path} does not parse at column {column}: {message} (expression: {})",
        ex(expression)
    )]
    Parse {
        /// Where the expression is.
        json_path: String,
        /// The whole expression text.
        expression: String,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// No such template function.
    #[error(
        "The function '{function}' used at {json_path} is not a known template function (in `{}`).",
        ex(expression)
    )]
    UnknownFunction {
        /// The name as written.
        function: String,
        /// The call's text.
        expression: String,
        /// Where.
        json_path: String,
    },
    /// Wrong number of arguments.
    #[error(
        "The function '{function}' at {json_path} takes {expected} argument(s) but was given {actual} (in `{}`).",
        ex(expression)
    )]
    ArgumentCount {
        /// Canonical function name.
        function: String,
        /// e.g. `1 to 3`.
        expected: String,
        /// Arguments given.
        actual: usize,
        /// The call's text.
        expression: String,
        /// Where.
        json_path: String,
    },
    /// A function rejected its arguments (type, range, overflow, division by zero…).
    #[error(
        "The function '{function}' failed at {json_path}: {message} (in `{}`).",
        ex(expression)
    )]
    Function {
        /// Canonical function name.
        function: String,
        /// Why.
        message: String,
        /// The call's text.
        expression: String,
        /// Where.
        json_path: String,
    },
    /// `parameters('x')` names no declared parameter.
    #[error(
        "The template parameter '{name}' referenced at {json_path} is not declared (in `{}`).",
        ex(expression)
    )]
    UnknownParameter {
        /// The name asked for.
        name: String,
        /// The call's text.
        expression: String,
        /// Where.
        json_path: String,
    },
    /// `variables('x')` names no declared variable.
    #[error(
        "The template variable '{name}' referenced at {json_path} is not declared (in `{}`).",
        ex(expression)
    )]
    UnknownVariable {
        /// The name asked for.
        name: String,
        /// The call's text.
        expression: String,
        /// Where.
        json_path: String,
    },
    /// Variables (or parameter defaults) refer to each other in a loop.
    #[error("The {kind}s {} refer to each other in a cycle (detected at {json_path}).", .cycle.join(" -> "))]
    Cycle {
        /// `variable` or `parameter`.
        kind: &'static str,
        /// The names around the loop, first repeated at the end.
        cycle: Vec<String>,
        /// Where it was detected.
        json_path: String,
    },
    /// A property or index access failed.
    #[error(
        "The expression at {json_path} failed: {message} (in `{}`).",
        ex(expression)
    )]
    Access {
        /// Why.
        message: String,
        /// The access's text.
        expression: String,
        /// Where.
        json_path: String,
    },
    /// A value needs deployment-time information (e.g. `reference()`) and no resolver was given.
    #[error(
        "The value at {json_path} needs the deploy-time function '{function}', which cannot be evaluated without a resolver (in `{}`).",
        ex(expression)
    )]
    DeployTime {
        /// The deploy-time function at the root (`reference`, `listKeys`…).
        function: String,
        /// The sub-expression text that needs it.
        expression: String,
        /// Where.
        json_path: String,
    },
    /// A function used where ARM does not allow it (e.g. `utcNow` outside a parameter default).
    #[error(
        "The function '{function}' at {json_path} is not allowed here: {reason} (in `{}`).",
        ex(expression)
    )]
    NotAllowedHere {
        /// Canonical function name.
        function: String,
        /// Why.
        reason: String,
        /// The call's text.
        expression: String,
        /// Where.
        json_path: String,
    },
    /// The caller's resolver failed.
    #[error(
        "The resolver failed for '{function}' at {json_path}: {message} (in `{}`).",
        ex(expression)
    )]
    Resolver {
        /// The function (`reference`, `listKeys`…).
        function: String,
        /// The resolver's message.
        message: String,
        /// The call's text.
        expression: String,
        /// Where.
        json_path: String,
    },
    /// Evaluation would pass one of the evaluator's limits (value size, nesting, total work).
    #[error(
        "The expression at {json_path} exceeds an evaluation limit: {message} (in `{}`).",
        ex(expression)
    )]
    Limit {
        /// Which limit and by how much.
        message: String,
        /// The expression being evaluated.
        expression: String,
        /// Where.
        json_path: String,
    },
    /// The template's structure is invalid at this point (bad `copy`, non-string key…).
    #[error("The template is invalid at {json_path}: {message}.")]
    Invalid {
        /// Why.
        message: String,
        /// Where.
        json_path: String,
    },
    /// `evaluate_resource` was asked for an index past the end.
    #[error("The template has {count} resource(s); there is no resource at index {index}.")]
    NoSuchResource {
        /// The index asked for.
        index: usize,
        /// How many there are.
        count: usize,
    },
}

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
    /// Evaluating a parameter's default value failed.
    #[error("The default value of template parameter '{name}' failed to evaluate: {source}")]
    Default {
        /// The declared name.
        name: String,
        /// The evaluation error.
        #[source]
        source: Box<EvalError>,
    },
}
