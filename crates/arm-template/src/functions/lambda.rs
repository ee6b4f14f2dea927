//! Lambda functions (learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-lambda).
//! `lambda` itself is built by the evaluator (its body stays unevaluated); `lambdaVariables` is
//! registered with the deployment functions.

use std::cmp::Ordering;

use super::{Family, FnCtx, FnResult, FunctionDef, array_arg, def, lambda_arg, object_arg};
use crate::value::{Lambda, Object, Value};

pub(crate) fn functions() -> Vec<FunctionDef> {
    use Family::Lambda as L;
    vec![
        def("filter", L, 2, Some(2), filter),
        def("groupBy", L, 2, Some(2), group_by),
        def("lambda", L, 1, None, lambda_placeholder),
        def("map", L, 2, Some(2), map),
        def("mapValues", L, 2, Some(2), map_values),
        def("reduce", L, 3, Some(3), reduce),
        def("sort", L, 2, Some(2), sort),
        def("toObject", L, 2, Some(3), to_object),
    ]
}

fn lambda_placeholder(_: &FnCtx, _: Vec<Value>) -> FnResult {
    Err("lambda() is built by the evaluator".into())
}

fn call(ctx: &FnCtx, lambda: &Lambda, args: &[Value]) -> FnResult {
    Ok(ctx.evaluator.invoke_lambda(lambda, args, ctx.scope)?)
}

fn map(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    let items = array_arg(&args, 0)?;
    let f = lambda_arg(&args, 1)?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        out.push(call(ctx, f, &[item.clone(), Value::Int(i as i64)])?);
    }
    Ok(Value::array(out))
}

fn filter(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    let items = array_arg(&args, 0)?;
    let f = lambda_arg(&args, 1)?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match call(ctx, f, &[item.clone(), Value::Int(i as i64)])? {
            Value::Bool(true) => out.push(item.clone()),
            Value::Bool(false) => {}
            other => {
                return Err(format!(
                    "the filter lambda must return a bool, not {}",
                    other.type_name()
                )
                .into());
            }
        }
    }
    Ok(Value::array(out))
}

/// `reduce(array, initial, lambda(current, next[, index]))`.
fn reduce(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    let items = array_arg(&args, 0)?;
    let f = lambda_arg(&args, 2)?;
    let mut acc = args[1].clone();
    for (i, item) in items.iter().enumerate() {
        acc = call(ctx, f, &[acc, item.clone(), Value::Int(i as i64)])?;
    }
    Ok(acc)
}

/// `sort(array, lambda(a, b))`: the lambda says whether `a` sorts before `b` (stable).
fn sort(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    let f = lambda_arg(&args, 1)?;
    let mut items = array_arg(&args, 0)?.to_vec();
    let mut failure = None;
    items.sort_by(|a, b| {
        if failure.is_some() {
            return Ordering::Equal;
        }
        let before = |x: &Value, y: &Value| match call(ctx, f, &[x.clone(), y.clone()]) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(super::FnError::from(format!(
                "the sort lambda must return a bool, not {}",
                other.type_name()
            ))),
            Err(e) => Err(e),
        };
        match (before(a, b), before(b, a)) {
            (Ok(true), _) => Ordering::Less,
            (Ok(false), Ok(true)) => Ordering::Greater,
            (Ok(false), Ok(false)) => Ordering::Equal,
            (Err(e), _) | (_, Err(e)) => {
                failure = Some(e);
                Ordering::Equal
            }
        }
    });
    match failure {
        Some(e) => Err(e),
        None => Ok(Value::array(items)),
    }
}

/// `toObject(array, keyLambda[, valueLambda])`; later duplicates win.
fn to_object(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    let items = array_arg(&args, 0)?;
    let key_f = lambda_arg(&args, 1)?;
    let value_f = match args.get(2) {
        Some(_) => Some(lambda_arg(&args, 2)?),
        None => None,
    };
    let mut out = Object::new();
    for item in items.iter() {
        let key = match call(ctx, key_f, std::slice::from_ref(item))? {
            Value::String(s) => s.to_string(),
            other => {
                return Err(format!(
                    "the key lambda must return a string, not {}",
                    other.type_name()
                )
                .into());
            }
        };
        let value = match value_f {
            Some(f) => call(ctx, f, std::slice::from_ref(item))?,
            None => item.clone(),
        };
        out.insert(key, value);
    }
    Ok(Value::object(out))
}

/// `groupBy(array, keyLambda)` → object of arrays.
fn group_by(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    let items = array_arg(&args, 0)?;
    let f = lambda_arg(&args, 1)?;
    let mut groups: indexmap::IndexMap<String, Vec<Value>> = indexmap::IndexMap::new();
    for item in items.iter() {
        let key = match call(ctx, f, std::slice::from_ref(item))? {
            Value::String(s) => s.to_string(),
            other => {
                return Err(format!(
                    "the key lambda must return a string, not {}",
                    other.type_name()
                )
                .into());
            }
        };
        groups.entry(key).or_default().push(item.clone());
    }
    Ok(Value::object(
        groups
            .into_iter()
            .map(|(k, v)| (k, Value::array(v)))
            .collect(),
    ))
}

/// `mapValues(object, lambda(value))`.
fn map_values(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    let o = object_arg(&args, 0)?;
    let f = lambda_arg(&args, 1)?;
    let mut out = Object::with_capacity(o.len());
    for (k, v) in o.iter() {
        out.insert(k.clone(), call(ctx, f, std::slice::from_ref(v))?);
    }
    Ok(Value::object(out))
}
