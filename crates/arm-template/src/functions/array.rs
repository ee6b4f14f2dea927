//! Array functions (learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-array),
//! including those that also take strings or objects: `contains`, `empty`, `first`, `last`,
//! `indexOf`, `lastIndexOf`, `length`, `skip`, `take`, `intersection`, `union`.

use super::text::{index_of_ignore_case, len16, merge_objects, slice16};
use super::{Family, FnCtx, FnResult, FunctionDef, array_arg, def, int_arg};
use crate::limits::check_sum;
use crate::value::{Object, Value};

pub(crate) fn functions() -> Vec<FunctionDef> {
    use Family::Array as A;
    vec![
        def("array", A, 1, Some(1), array),
        def("contains", A, 2, Some(2), contains),
        def("createArray", A, 0, None, create_array),
        def("empty", A, 1, Some(1), empty),
        def("first", A, 1, Some(1), first),
        def("flatten", A, 1, Some(1), flatten),
        def("indexOf", A, 2, Some(2), index_of),
        def("intersection", A, 2, None, intersection),
        def("last", A, 1, Some(1), last),
        def("lastIndexOf", A, 2, Some(2), last_index_of),
        def("length", A, 1, Some(1), length),
        def("range", A, 2, Some(2), range),
        def("skip", A, 2, Some(2), skip),
        def("take", A, 2, Some(2), take),
        def("union", A, 1, None, union),
    ]
}

fn array(_: &FnCtx, mut args: Vec<Value>) -> FnResult {
    Ok(match args.remove(0) {
        v @ Value::Array(_) => v,
        other => Value::array(vec![other]),
    })
}

/// Strings: case-sensitive substring; arrays: case-sensitive element; objects: case-insensitive key.
fn contains(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::Bool(match (&args[0], &args[1]) {
        (Value::String(s), item) => s.contains(item.to_arm_string().as_str()),
        (Value::Array(a), item) => a.iter().any(|x| x.deep_eq(item)),
        (Value::Object(o), Value::String(k)) => Value::property(o, k).is_some(),
        (Value::Object(_), other) => {
            return Err(
                format!("an object key must be a string, not {}", other.type_name()).into(),
            );
        }
        (other, _) => {
            return Err(format!(
                "argument 1 must be a string, array or object, not {}",
                other.type_name()
            )
            .into());
        }
    }))
}

fn create_array(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::array(args))
}

fn empty(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::Bool(match &args[0] {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        other => {
            return Err(format!(
                "argument 1 must be a string, array or object, not {}",
                other.type_name()
            )
            .into());
        }
    }))
}

fn first(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(match &args[0] {
        Value::String(s) => Value::str(s.chars().next().map(String::from).unwrap_or_default()),
        Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
        other => {
            return Err(format!(
                "argument 1 must be a string or an array, not {}",
                other.type_name()
            )
            .into());
        }
    })
}

fn last(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(match &args[0] {
        Value::String(s) => Value::str(s.chars().last().map(String::from).unwrap_or_default()),
        Value::Array(a) => a.last().cloned().unwrap_or(Value::Null),
        other => {
            return Err(format!(
                "argument 1 must be a string or an array, not {}",
                other.type_name()
            )
            .into());
        }
    })
}

fn flatten(_: &FnCtx, args: Vec<Value>) -> FnResult {
    check_sum(array_arg(&args, 0)?.iter().map(|item| match item {
        Value::Array(inner) => inner.len().saturating_mul(8),
        _ => 0,
    }))?;
    let mut out = Vec::new();
    for item in array_arg(&args, 0)?.iter() {
        match item {
            Value::Array(inner) => out.extend(inner.iter().cloned()),
            other => {
                return Err(format!(
                    "flatten needs an array of arrays, found a {}",
                    other.type_name()
                )
                .into());
            }
        }
    }
    Ok(Value::array(out))
}

fn index_of(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    position(ctx, &args, false)
}

fn last_index_of(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    position(ctx, &args, true)
}

/// Strings: case-insensitive; arrays: case-sensitive deep equality.
fn position(ctx: &FnCtx, args: &[Value], last: bool) -> FnResult {
    Ok(Value::Int(match (&args[0], &args[1]) {
        (Value::String(s), Value::String(needle)) => {
            // The search compares the needle at every position: bound its worst case.
            let (h, n) = (s.len() as u64, needle.len() as u64);
            if n <= h {
                ctx.evaluator
                    .budget()
                    .steps((h - n + 1).saturating_mul(n) / 1024)?;
            }
            index_of_ignore_case(s, needle, last)
        }
        (Value::Array(a), item) => {
            let found = if last {
                a.iter().rposition(|x| x.deep_eq(item))
            } else {
                a.iter().position(|x| x.deep_eq(item))
            };
            found.map_or(-1, |i| i as i64)
        }
        (a, b) => {
            return Err(format!(
                "expected (string, string) or (array, value), not ({}, {})",
                a.type_name(),
                b.type_name()
            )
            .into());
        }
    }))
}

/// Arrays: elements present in every argument (first argument's order, no duplicates);
/// objects: key/value pairs present (equal) in every argument.
fn intersection(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    match &args[0] {
        Value::Array(first) => {
            let others = (1..args.len())
                .map(|i| array_arg(&args, i))
                .collect::<Result<Vec<_>, _>>()?;
            let mut out: Vec<Value> = Vec::new();
            for item in first.iter() {
                let compared: usize = others.iter().map(|o| o.len()).sum::<usize>() + out.len();
                ctx.evaluator.budget().steps(compared as u64)?;
                if others.iter().all(|o| o.iter().any(|x| x.deep_eq(item)))
                    && !out.iter().any(|x| x.deep_eq(item))
                {
                    out.push(item.clone());
                }
            }
            Ok(Value::array(out))
        }
        Value::Object(first) => {
            let others = (1..args.len())
                .map(|i| super::object_arg(&args, i))
                .collect::<Result<Vec<_>, _>>()?;
            let out: Object = first
                .iter()
                .filter(|(k, v)| {
                    others
                        .iter()
                        .all(|o| Value::property(o, k).is_some_and(|w| w.deep_eq(v)))
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Ok(Value::object(out))
        }
        other => Err(format!(
            "argument 1 must be an array or an object, not {}",
            other.type_name()
        )
        .into()),
    }
}

/// Arrays: all distinct elements in order; objects: merged left to right, nested objects merged deeply.
fn union(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    match &args[0] {
        Value::Array(_) => {
            let mut out: Vec<Value> = Vec::new();
            for i in 0..args.len() {
                for item in array_arg(&args, i)?.iter() {
                    ctx.evaluator.budget().steps(out.len() as u64 + 1)?;
                    if !out.iter().any(|x| x.deep_eq(item)) {
                        out.push(item.clone());
                    }
                }
            }
            Ok(Value::array(out))
        }
        Value::Object(_) => {
            let mut out = Object::new();
            for i in 0..args.len() {
                merge_objects(&mut out, super::object_arg(&args, i)?);
            }
            Ok(Value::object(out))
        }
        other => Err(format!(
            "argument 1 must be an array or an object, not {}",
            other.type_name()
        )
        .into()),
    }
}

fn length(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::Int(match &args[0] {
        Value::String(s) => len16(s) as i64,
        Value::Array(a) => a.len() as i64,
        Value::Object(o) => o.len() as i64,
        other => {
            return Err(format!(
                "argument 1 must be a string, array or object, not {}",
                other.type_name()
            )
            .into());
        }
    }))
}

/// `range(start, count)`: count ≤ 10000 and start + count ≤ 2147483647, as documented.
fn range(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let start = int_arg(&args, 0)?;
    let count = int_arg(&args, 1)?;
    if !(0..=10_000).contains(&count) {
        return Err(format!("the count {count} must be between 0 and 10000").into());
    }
    if start
        .checked_add(count)
        .is_none_or(|end| end > i64::from(i32::MAX))
    {
        return Err("start + count must not exceed 2147483647".into());
    }
    Ok(Value::array(
        (start..start + count).map(Value::Int).collect(),
    ))
}

/// `take`/`skip` clamp the count to [0, length].
fn clamp(n: i64, len: usize) -> usize {
    n.clamp(0, len as i64) as usize
}

fn skip(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let n = int_arg(&args, 1)?;
    Ok(match &args[0] {
        Value::String(s) => {
            let len = len16(s);
            let k = clamp(n, len);
            Value::str(slice16(s, k, len - k))
        }
        Value::Array(a) => Value::array(a[clamp(n, a.len())..].to_vec()),
        other => {
            return Err(format!(
                "argument 1 must be a string or an array, not {}",
                other.type_name()
            )
            .into());
        }
    })
}

fn take(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let n = int_arg(&args, 1)?;
    Ok(match &args[0] {
        Value::String(s) => Value::str(slice16(s, 0, clamp(n, len16(s)))),
        Value::Array(a) => Value::array(a[..clamp(n, a.len())].to_vec()),
        other => {
            return Err(format!(
                "argument 1 must be a string or an array, not {}",
                other.type_name()
            )
            .into());
        }
    })
}
