//! Logical functions (learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-logical).
//! `if`, `and` and `or` are evaluated by the evaluator itself so that only the arguments needed
//! run (`Deployment::eval_and_or`); the eager implementations here only back the registry entries.

use super::{Family, FnCtx, FnResult, FunctionDef, bool_arg, def};
use crate::value::Value;

pub(crate) fn functions() -> Vec<FunctionDef> {
    use Family::Logical as L;
    vec![
        def("and", L, 2, None, and),
        def("bool", L, 1, Some(1), bool),
        def("false", L, 0, Some(0), false_),
        def("if", L, 3, Some(3), if_),
        def("not", L, 1, Some(1), not),
        def("or", L, 2, None, or),
        def("true", L, 0, Some(0), true_),
    ]
}

fn bools(args: &[Value]) -> Result<Vec<bool>, super::FnError> {
    (0..args.len()).map(|i| bool_arg(args, i)).collect()
}

fn and(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::Bool(bools(&args)?.into_iter().all(|b| b)))
}

fn or(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::Bool(bools(&args)?.into_iter().any(|b| b)))
}

fn not(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::Bool(!bool_arg(&args, 0)?))
}

/// Strings `true`/`false` (any case), ints (0 is false) and bools.
fn bool(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::Bool(match &args[0] {
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => true,
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => false,
        Value::String(_) => return Err("the string is neither 'true' nor 'false'".into()),
        other => return Err(format!("cannot convert a {} to bool", other.type_name()).into()),
    }))
}

fn true_(_: &FnCtx, _: Vec<Value>) -> FnResult {
    Ok(Value::Bool(true))
}

fn false_(_: &FnCtx, _: Vec<Value>) -> FnResult {
    Ok(Value::Bool(false))
}

/// Never called: the evaluator handles `if` lazily.
fn if_(_: &FnCtx, _: Vec<Value>) -> FnResult {
    Err("if() is evaluated lazily by the evaluator".into())
}
