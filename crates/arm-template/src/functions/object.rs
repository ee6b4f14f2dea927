//! Object functions (learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-object).
//! `contains`, `empty`, `intersection`, `length` and `union` are in [`super::array`], `json` in [`super::string`].

use super::{Family, FnCtx, FnResult, FunctionDef, array_arg, def, object_arg};
use crate::value::{Object, Value};

pub(crate) fn functions() -> Vec<FunctionDef> {
    use Family::Object as O;
    vec![
        def("createObject", O, 0, None, create_object),
        def("items", O, 1, Some(1), items),
        def("null", O, 0, Some(0), null),
        def("objectKeys", O, 1, Some(1), object_keys),
        def("shallowMerge", O, 1, Some(1), shallow_merge),
        def("tryGet", O, 2, None, try_get),
    ]
}

fn create_object(_: &FnCtx, args: Vec<Value>) -> FnResult {
    if !args.len().is_multiple_of(2) {
        return Err("createObject needs an even number of arguments (key, value pairs)".into());
    }
    let mut out = Object::with_capacity(args.len() / 2);
    for pair in args.chunks(2) {
        let key = pair[0]
            .as_str()
            .ok_or_else(|| format!("object keys must be strings, not {}", pair[0].type_name()))?;
        if let Some(existing) = out.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned() {
            out.shift_remove(&existing);
        }
        out.insert(key.to_owned(), pair[1].clone());
    }
    Ok(Value::object(out))
}

/// `[{key, value}, …]`, sorted by key (ordinal, case-insensitive) as ARM returns them.
fn items(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let o = object_arg(&args, 0)?;
    let mut entries: Vec<(&String, &Value)> = o.iter().collect();
    entries.sort_by_key(|a| a.0.to_lowercase());
    Ok(Value::array(
        entries
            .into_iter()
            .map(|(k, v)| {
                let mut item = Object::new();
                item.insert("key".into(), Value::str(k.as_str()));
                item.insert("value".into(), v.clone());
                Value::object(item)
            })
            .collect(),
    ))
}

fn null(_: &FnCtx, _: Vec<Value>) -> FnResult {
    Ok(Value::Null)
}

fn object_keys(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::array(
        object_arg(&args, 0)?
            .keys()
            .map(|k| Value::str(k.as_str()))
            .collect(),
    ))
}

/// Merge an array of objects; only top-level properties, later ones win.
fn shallow_merge(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let mut out = Object::new();
    for item in array_arg(&args, 0)?.iter() {
        let Value::Object(o) = item else {
            return Err(format!(
                "shallowMerge needs an array of objects, found a {}",
                item.type_name()
            )
            .into());
        };
        for (k, v) in o.iter() {
            if let Some(existing) = out.keys().find(|e| e.eq_ignore_ascii_case(k)).cloned() {
                out.insert(existing, v.clone());
            } else {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(Value::object(out))
}

/// `tryGet(itemToTest, keyOrIndex, …)`: follow keys/indexes, `null` as soon as one is missing.
fn try_get(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let mut current = args[0].clone();
    for key in &args[1..] {
        current = match (&current, key) {
            (Value::Object(o), Value::String(k)) => {
                Value::property(o, k).cloned().unwrap_or(Value::Null)
            }
            (Value::Array(a), Value::Int(i)) => usize::try_from(*i)
                .ok()
                .and_then(|i| a.get(i).cloned())
                .unwrap_or(Value::Null),
            (Value::Null, _) => Value::Null,
            (Value::Object(_) | Value::Array(_), k) => {
                return Err(format!("tryGet cannot use a {} as a key here", k.type_name()).into());
            }
            (other, _) => {
                return Err(format!(
                    "tryGet needs an object or an array, not {}",
                    other.type_name()
                )
                .into());
            }
        };
    }
    Ok(current)
}
