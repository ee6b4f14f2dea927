//! Comparison functions (learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-comparison).

use std::cmp::Ordering;

use super::{Family, FnCtx, FnResult, FunctionDef, def};
use crate::value::Value;

pub(crate) fn functions() -> Vec<FunctionDef> {
    use Family::Comparison as C;
    vec![
        def("coalesce", C, 1, None, coalesce),
        def("equals", C, 2, Some(2), equals),
        def("greater", C, 2, Some(2), greater),
        def("greaterOrEquals", C, 2, Some(2), greater_or_equals),
        def("less", C, 2, Some(2), less),
        def("lessOrEquals", C, 2, Some(2), less_or_equals),
    ]
}

/// The first argument that is not null (null if all are). The evaluator short-circuits
/// `coalesce` itself (`Deployment::eval_coalesce`); this eager form only backs the registry entry.
fn coalesce(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(args
        .into_iter()
        .find(|v| !matches!(v, Value::Null))
        .unwrap_or(Value::Null))
}

fn equals(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::Bool(args[0].deep_eq(&args[1])))
}

/// Ints/floats numerically, strings ordinally (case-sensitive).
fn compare(args: &[Value]) -> Result<Ordering, String> {
    match (&args[0], &args[1]) {
        (Value::Int(a), Value::Int(b)) => Ok(a.cmp(b)),
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            let f = |v: &Value| match v {
                Value::Int(i) => *i as f64,
                Value::Float(f) => *f,
                _ => 0.0,
            };
            f(&args[0])
                .partial_cmp(&f(&args[1]))
                .ok_or_else(|| "cannot compare NaN".to_owned())
        }
        (Value::String(a), Value::String(b)) => Ok(a.cmp(b)),
        (a, b) => Err(format!(
            "can only compare two ints or two strings, not {} and {}",
            a.type_name(),
            b.type_name()
        )),
    }
}

fn greater(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::Bool(compare(&args)? == Ordering::Greater))
}

fn greater_or_equals(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::Bool(compare(&args)? != Ordering::Less))
}

fn less(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::Bool(compare(&args)? == Ordering::Less))
}

fn less_or_equals(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::Bool(compare(&args)? != Ordering::Greater))
}
