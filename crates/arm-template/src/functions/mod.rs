//! The function registry: every template function by (case-insensitive) name, with its family,
//! arity and implementation. One module per family, as Microsoft's function reference groups them.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::LazyLock;

use crate::error::EvalError;
use crate::evaluator::Evaluator;
use crate::scope::Scope;
use crate::value::{Object, Value};

pub(crate) mod array;
pub(crate) mod cidr;
pub(crate) mod comparison;
pub(crate) mod date;
pub(crate) mod deployment;
pub(crate) mod dotnet_format;
pub(crate) mod lambda;
pub(crate) mod logical;
pub(crate) mod numeric;
pub(crate) mod object;
pub(crate) mod resource;
pub(crate) mod scope;
pub(crate) mod string;
pub(crate) mod text;

/// The function families of Microsoft's template function reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// String functions.
    String,
    /// Array functions.
    Array,
    /// Object functions.
    Object,
    /// Comparison functions.
    Comparison,
    /// Logical functions.
    Logical,
    /// Numeric functions.
    Numeric,
    /// Scope functions.
    Scope,
    /// Deployment functions.
    Deployment,
    /// Resource functions.
    Resource,
    /// Date functions.
    Date,
    /// CIDR functions.
    Cidr,
    /// Lambda functions.
    Lambda,
}

/// How a function treats deploy-time (unresolved) arguments under [`DeployTimePolicy::Mark`](crate::DeployTimePolicy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnresolvedArgs {
    /// The whole call becomes unresolved.
    Propagate,
    /// The argument is embedded as a `<<deploy-time: …>>` marker (string-building functions).
    Embed,
}

/// What a function failure carries before the evaluator adds the call's context.
#[derive(Debug)]
pub(crate) enum FnError {
    /// A message; the evaluator adds function name, expression and path.
    Message(String),
    /// A complete error from a nested evaluation (variables, lambdas…).
    Eval(Box<EvalError>),
}

impl From<EvalError> for FnError {
    fn from(e: EvalError) -> Self {
        FnError::Eval(Box::new(e))
    }
}

impl From<String> for FnError {
    fn from(m: String) -> Self {
        FnError::Message(m)
    }
}

impl From<&str> for FnError {
    fn from(m: &str) -> Self {
        FnError::Message(m.to_owned())
    }
}

/// A function result.
pub(crate) type FnResult = Result<Value, FnError>;

/// Everything a function implementation may use besides its arguments.
pub(crate) struct FnCtx<'a, 't> {
    pub evaluator: &'a Evaluator<'t>,
    pub scope: &'a Scope<'a>,
    /// The function name as written.
    pub name: &'a str,
    /// The call's source text.
    pub text: &'a str,
}

/// A function implementation.
pub(crate) type Implementation = fn(&FnCtx<'_, '_>, Vec<Value>) -> FnResult;

/// One registry entry.
pub(crate) struct FunctionDef {
    pub name: &'static str,
    pub family: Family,
    pub min: usize,
    pub max: Option<usize>,
    pub implementation: Implementation,
    pub unresolved: UnresolvedArgs,
}

/// Shorthand for a registry entry.
pub(crate) const fn def(
    name: &'static str,
    family: Family,
    min: usize,
    max: Option<usize>,
    implementation: Implementation,
) -> FunctionDef {
    FunctionDef {
        name,
        family,
        min,
        max,
        implementation,
        unresolved: UnresolvedArgs::Propagate,
    }
}

static REGISTRY: LazyLock<HashMap<String, FunctionDef>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    let all = [
        string::functions(),
        array::functions(),
        object::functions(),
        comparison::functions(),
        logical::functions(),
        numeric::functions(),
        scope::functions(),
        deployment::functions(),
        resource::functions(),
        date::functions(),
        cidr::functions(),
        lambda::functions(),
    ];
    for def in all.into_iter().flatten() {
        let previous = map.insert(def.name.to_ascii_lowercase(), def);
        assert!(
            previous.is_none(),
            "function registered twice: {}",
            previous.map_or("", |p| p.name)
        );
    }
    map
});

static LIST: FunctionDef = FunctionDef {
    name: "list*",
    family: Family::Resource,
    min: 2,
    max: Some(3),
    implementation: resource::list,
    unresolved: UnresolvedArgs::Propagate,
};

/// The registry entry for a lower-cased name.
pub(crate) fn lookup(name_lower: &str) -> Option<&'static FunctionDef> {
    REGISTRY.get(name_lower)
}

/// The entry shared by every `list*` function (`listKeys`, `listSecrets`…).
pub(crate) fn list_function() -> &'static FunctionDef {
    &LIST
}

/// Public description of one supported function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FunctionInfo {
    /// Canonical name.
    pub name: &'static str,
    /// Family.
    pub family: Family,
    /// Minimum argument count.
    pub min_args: usize,
    /// Maximum argument count (`None` = unbounded).
    pub max_args: Option<usize>,
}

/// Every function the evaluator knows (plus the `list*` pattern), sorted by name.
pub fn supported_functions() -> Vec<FunctionInfo> {
    let mut out: Vec<FunctionInfo> = REGISTRY
        .values()
        .chain(std::iter::once(&LIST))
        .map(|d| FunctionInfo {
            name: d.name,
            family: d.family,
            min_args: d.min,
            max_args: d.max,
        })
        .collect();
    out.sort_by_key(|f| f.name.to_ascii_lowercase());
    out
}

// ----- argument helpers -------------------------------------------------------------------------

fn wrong_type(i: usize, expected: &str, actual: &Value) -> FnError {
    FnError::Message(format!(
        "argument {} must be {expected}, not {}",
        i + 1,
        actual.type_name()
    ))
}

/// Argument `i` as a string.
pub(crate) fn string_arg(args: &[Value], i: usize) -> Result<&str, FnError> {
    match &args[i] {
        Value::String(s) => Ok(s),
        other => Err(wrong_type(i, "a string", other)),
    }
}

/// Argument `i` as an integer.
pub(crate) fn int_arg(args: &[Value], i: usize) -> Result<i64, FnError> {
    match &args[i] {
        Value::Int(n) => Ok(*n),
        other => Err(wrong_type(i, "an int", other)),
    }
}

/// Argument `i` as a bool.
pub(crate) fn bool_arg(args: &[Value], i: usize) -> Result<bool, FnError> {
    match &args[i] {
        Value::Bool(b) => Ok(*b),
        other => Err(wrong_type(i, "a bool", other)),
    }
}

/// Argument `i` as an array.
pub(crate) fn array_arg(args: &[Value], i: usize) -> Result<&Rc<Vec<Value>>, FnError> {
    match &args[i] {
        Value::Array(a) => Ok(a),
        other => Err(wrong_type(i, "an array", other)),
    }
}

/// Argument `i` as an object.
pub(crate) fn object_arg(args: &[Value], i: usize) -> Result<&Rc<Object>, FnError> {
    match &args[i] {
        Value::Object(o) => Ok(o),
        other => Err(wrong_type(i, "an object", other)),
    }
}

/// Argument `i` as a lambda.
pub(crate) fn lambda_arg(args: &[Value], i: usize) -> Result<&Rc<crate::value::Lambda>, FnError> {
    match &args[i] {
        Value::Lambda(l) => Ok(l),
        other => Err(wrong_type(i, "a lambda", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_builds_without_duplicates_and_knows_the_core_functions() {
        for name in [
            "concat",
            "format",
            "resourceid",
            "uniquestring",
            "guid",
            "parsecidr",
            "map",
            "datetimeadd",
        ] {
            assert!(lookup(name).is_some(), "{name}");
        }
        assert!(supported_functions().len() > 100);
    }
}
