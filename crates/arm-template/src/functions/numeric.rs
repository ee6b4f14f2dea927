//! Numeric functions (learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-numeric).
//! Integers are 64-bit; overflow and division by zero are errors, as in ARM.

use super::{Family, FnCtx, FnResult, FunctionDef, def, int_arg};
use crate::value::Value;

pub(crate) fn functions() -> Vec<FunctionDef> {
    use Family::Numeric as N;
    vec![
        def("add", N, 2, Some(2), add),
        def("copyIndex", N, 0, Some(2), copy_index),
        def("div", N, 2, Some(2), div),
        def("float", N, 1, Some(1), float),
        def("int", N, 1, Some(1), int),
        def("max", N, 1, None, max),
        def("min", N, 1, None, min),
        def("mod", N, 2, Some(2), modulo),
        def("mul", N, 2, Some(2), mul),
        def("sub", N, 2, Some(2), sub),
    ]
}

fn overflow() -> super::FnError {
    "the result overflows a 64-bit integer".into()
}

fn add(_: &FnCtx, args: Vec<Value>) -> FnResult {
    int_arg(&args, 0)?
        .checked_add(int_arg(&args, 1)?)
        .map(Value::Int)
        .ok_or_else(overflow)
}

fn sub(_: &FnCtx, args: Vec<Value>) -> FnResult {
    int_arg(&args, 0)?
        .checked_sub(int_arg(&args, 1)?)
        .map(Value::Int)
        .ok_or_else(overflow)
}

fn mul(_: &FnCtx, args: Vec<Value>) -> FnResult {
    int_arg(&args, 0)?
        .checked_mul(int_arg(&args, 1)?)
        .map(Value::Int)
        .ok_or_else(overflow)
}

/// Integer division truncating toward zero, like C#.
fn div(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let (a, b) = (int_arg(&args, 0)?, int_arg(&args, 1)?);
    if b == 0 {
        return Err("division by zero".into());
    }
    a.checked_div(b).map(Value::Int).ok_or_else(overflow)
}

/// Remainder with the dividend's sign, like C#'s `%`.
fn modulo(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let (a, b) = (int_arg(&args, 0)?, int_arg(&args, 1)?);
    if b == 0 {
        return Err("division by zero".into());
    }
    a.checked_rem(b).map(Value::Int).ok_or_else(overflow)
}

/// Strings parse as integers; floats truncate toward zero.
fn int(_: &FnCtx, args: Vec<Value>) -> FnResult {
    match &args[0] {
        Value::Int(i) => Ok(Value::Int(*i)),
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| "the string is not a valid 64-bit integer".into()),
        Value::Float(f) if f.is_finite() && f.abs() < 9.2e18 => Ok(Value::Int(f.trunc() as i64)),
        other => Err(format!("cannot convert a {} to int", other.type_name()).into()),
    }
}

/// Only used for logic-app style values; stored as a float.
fn float(_: &FnCtx, args: Vec<Value>) -> FnResult {
    match &args[0] {
        Value::Int(i) => Ok(Value::Float(*i as f64)),
        Value::Float(f) => Ok(Value::Float(*f)),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| "the string is not a valid number".into()),
        other => Err(format!("cannot convert a {} to float", other.type_name()).into()),
    }
}

/// Either one array of ints or several int arguments.
fn ints(args: &[Value]) -> Result<Vec<i64>, super::FnError> {
    let items: Vec<Value> = match args {
        [Value::Array(a)] => a.to_vec(),
        _ => args.to_vec(),
    };
    if items.is_empty() {
        return Err("needs at least one value".into());
    }
    (0..items.len()).map(|i| int_arg(&items, i)).collect()
}

fn max(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::Int(
        ints(&args)?.into_iter().max().unwrap_or_default(),
    ))
}

fn min(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::Int(
        ints(&args)?.into_iter().min().unwrap_or_default(),
    ))
}

/// `copyIndex()`, `copyIndex(offset)`, `copyIndex('loop')`, `copyIndex('loop', offset)`.
fn copy_index(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    let (name, offset) = match args.as_slice() {
        [] => (None, 0),
        [Value::Int(o)] => (None, *o),
        [Value::String(n)] => (Some(n.to_string()), 0),
        [Value::String(n), Value::Int(o)] => (Some(n.to_string()), *o),
        _ => return Err("expected copyIndex([loopName], [offset])".into()),
    };
    let frames = ctx.scope.copies;
    let frame = match &name {
        None => frames.iter().find(|f| f.resource_level).or(frames.last()),
        Some(n) => frames.iter().rev().find(|f| f.name.eq_ignore_ascii_case(n)),
    };
    let frame = frame.ok_or_else(|| match &name {
        None => "copyIndex() is only valid inside a copy loop".to_owned(),
        Some(n) => format!("there is no enclosing copy loop named '{n}'"),
    })?;
    frame
        .index
        .checked_add(offset)
        .map(Value::Int)
        .ok_or_else(overflow)
}
