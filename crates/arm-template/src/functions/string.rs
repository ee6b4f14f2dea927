//! String functions (learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-string).
//!
//! Functions that also accept arrays (`contains`, `empty`, `first`, `last`, `indexOf`,
//! `lastIndexOf`, `length`, `skip`, `take`) live in [`super::array`].

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::text::{
    ends_with_ignore_case, len16, parse_json_lenient, slice16, starts_with_ignore_case,
};
use super::{
    Family, FnCtx, FnError, FnResult, FunctionDef, UnresolvedArgs, array_arg, def, int_arg,
    string_arg,
};
use crate::hash;
use crate::limits::{check_size, check_sum};
use crate::value::Value;

pub(crate) fn functions() -> Vec<FunctionDef> {
    use Family::String as S;
    vec![
        def("base64", S, 1, Some(1), base64),
        def("base64ToJson", S, 1, Some(1), base64_to_json),
        def("base64ToString", S, 1, Some(1), base64_to_string),
        FunctionDef {
            unresolved: UnresolvedArgs::Embed,
            ..def("concat", S, 1, None, concat)
        },
        def("dataUri", S, 1, Some(1), data_uri),
        def("dataUriToString", S, 1, Some(1), data_uri_to_string),
        def("endsWith", S, 2, Some(2), ends_with),
        FunctionDef {
            unresolved: UnresolvedArgs::Embed,
            ..def("format", S, 1, None, format)
        },
        def("guid", S, 1, None, guid),
        def("join", S, 2, Some(2), join),
        def("json", S, 1, Some(1), json),
        def("newGuid", S, 0, Some(0), new_guid),
        def("padLeft", S, 2, Some(3), pad_left),
        def("replace", S, 3, Some(3), replace),
        def("split", S, 2, Some(2), split),
        def("startsWith", S, 2, Some(2), starts_with),
        FunctionDef {
            unresolved: UnresolvedArgs::Embed,
            ..def("string", S, 1, Some(1), string)
        },
        def("substring", S, 2, Some(3), substring),
        def("toLower", S, 1, Some(1), to_lower),
        def("toUpper", S, 1, Some(1), to_upper),
        def("trim", S, 1, Some(1), trim),
        def("uniqueString", S, 1, None, unique_string),
        def("uri", S, 2, Some(2), uri),
        def("uriComponent", S, 1, Some(1), uri_component),
        def(
            "uriComponentToString",
            S,
            1,
            Some(1),
            uri_component_to_string,
        ),
    ]
}

fn decode_base64(s: &str) -> Result<Vec<u8>, FnError> {
    STANDARD
        .decode(s.trim())
        .map_err(|e| FnError::Message(format!("the value is not valid base64 ({e})")))
}

fn utf8(bytes: Vec<u8>) -> Result<String, FnError> {
    String::from_utf8(bytes)
        .map_err(|_| FnError::Message("the decoded bytes are not valid UTF-8".into()))
}

fn base64(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let s = string_arg(&args, 0)?;
    check_size(base64_len(s.len()))?;
    Ok(Value::str(STANDARD.encode(s)))
}

/// Length of the padded base64 encoding of `n` bytes.
fn base64_len(n: usize) -> usize {
    n.div_ceil(3).saturating_mul(4)
}

fn base64_to_string(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::str(utf8(decode_base64(string_arg(&args, 0)?)?)?))
}

fn base64_to_json(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let text = utf8(decode_base64(string_arg(&args, 0)?)?)?;
    Ok(parse_json_lenient(&text)?)
}

/// Arrays concatenate into an array; scalars concatenate into a string; mixing is an error.
fn concat(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let arrays = args.iter().filter(|a| matches!(a, Value::Array(_))).count();
    if arrays > 0 {
        if let Some(bad) = args
            .iter()
            .find(|a| !matches!(a, Value::Array(_) | Value::Null))
        {
            return Err(format!(
                "cannot concatenate arrays with a {}; all arguments must be arrays or all strings",
                bad.type_name()
            )
            .into());
        }
        let lengths = args.iter().map(|a| match a {
            Value::Array(items) => items.len().saturating_mul(8),
            _ => 0,
        });
        check_sum(lengths)?;
        let mut out = Vec::new();
        for a in &args {
            if let Value::Array(items) = a {
                out.extend(items.iter().cloned());
            }
        }
        return Ok(Value::array(out));
    }
    if let Some(bad) = args
        .iter()
        .find(|a| matches!(a, Value::Object(_) | Value::Lambda(_)))
    {
        return Err(format!("cannot concatenate a {}", bad.type_name()).into());
    }
    // Room for the string arguments up front (growing the string by doubling copied it again
    // and again); never more than a value may hold, and the checks below stay as they are.
    let strings: usize = args
        .iter()
        .map(|a| match a {
            Value::String(s) => s.len(),
            _ => 0,
        })
        .fold(0, usize::saturating_add);
    let mut out = String::with_capacity(strings.min(crate::limits::MAX_VALUE_BYTES));
    for a in &args {
        match a {
            Value::String(s) => {
                check_sum([out.len(), s.len()])?;
                out.push_str(s);
            }
            other => {
                let text = other.to_arm_string();
                check_sum([out.len(), text.len()])?;
                out.push_str(&text);
            }
        }
    }
    Ok(Value::str(out))
}

fn data_uri(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let s = string_arg(&args, 0)?;
    check_size(base64_len(s.len()).saturating_add(40))?;
    Ok(Value::str(format!(
        "data:text/plain;charset=utf8;base64,{}",
        STANDARD.encode(s)
    )))
}

fn data_uri_to_string(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let s = string_arg(&args, 0)?;
    let rest = s
        .strip_prefix("data:")
        .ok_or("the value is not a data URI")?;
    let (meta, data) = rest.split_once(',').ok_or("the data URI has no ','")?;
    if meta.split(';').any(|p| p.eq_ignore_ascii_case("base64")) {
        Ok(Value::str(utf8(decode_base64(data)?)?))
    } else {
        Ok(Value::str(percent_decode(data)?))
    }
}

fn ends_with(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::Bool(ends_with_ignore_case(
        string_arg(&args, 0)?,
        string_arg(&args, 1)?,
    )))
}

fn starts_with(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::Bool(starts_with_ignore_case(
        string_arg(&args, 0)?,
        string_arg(&args, 1)?,
    )))
}

fn format(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let template = string_arg(&args, 0)?;
    Ok(Value::str(super::dotnet_format::composite_format(
        template,
        &args[1..],
    )?))
}

fn strings(args: &[Value]) -> Result<Vec<&str>, FnError> {
    (0..args.len()).map(|i| string_arg(args, i)).collect()
}

fn guid(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::str(hash::guid(&strings(&args)?)))
}

fn unique_string(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::str(hash::unique_string(&strings(&args)?)))
}

fn join(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let items = array_arg(&args, 0)?;
    let delimiter = string_arg(&args, 1)?;
    let mut parts = Vec::with_capacity(items.len());
    for item in items.iter() {
        match item {
            Value::Array(_) | Value::Object(_) => {
                return Err(format!(
                    "join needs an array of strings, found a {}",
                    item.type_name()
                )
                .into());
            }
            other => parts.push(other.to_arm_string()),
        }
    }
    let delimiters = parts
        .len()
        .saturating_sub(1)
        .saturating_mul(delimiter.len());
    check_sum(parts.iter().map(String::len).chain([delimiters]))?;
    Ok(Value::str(parts.join(delimiter)))
}

fn json(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(parse_json_lenient(string_arg(&args, 0)?)?)
}

fn new_guid(ctx: &FnCtx, _: Vec<Value>) -> FnResult {
    super::deployment::require_parameter_default(ctx)?;
    Ok(Value::str(ctx.evaluator.next_guid()))
}

fn pad_left(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let value = match &args[0] {
        Value::String(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        other => {
            return Err(format!(
                "argument 1 must be a string or an int, not {}",
                other.type_name()
            )
            .into());
        }
    };
    let total = int_arg(&args, 1)?;
    if !(0..=16_000).contains(&total) {
        return Err(format!("the total length {total} must be between 0 and 16000").into());
    }
    let pad = match args.get(2) {
        None => ' ',
        Some(_) => {
            let p = string_arg(&args, 2)?;
            let mut chars = p.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => c,
                _ => return Err("the padding must be exactly one character".into()),
            }
        }
    };
    let missing = (total as usize).saturating_sub(len16(&value));
    Ok(Value::str(format!(
        "{}{value}",
        pad.to_string().repeat(missing)
    )))
}

fn replace(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let s = string_arg(&args, 0)?;
    let old = string_arg(&args, 1)?;
    let new = string_arg(&args, 2)?;
    if old.is_empty() {
        return Err("the string to replace must not be empty".into());
    }
    if new.len() > old.len() {
        let growth = s.matches(old).count().saturating_mul(new.len() - old.len());
        check_sum([s.len(), growth])?;
    }
    Ok(Value::str(s.replace(old, new)))
}

/// .NET `String.Split(string[], None)`: at each position the first matching delimiter wins.
fn split(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    let s = string_arg(&args, 0)?;
    let delimiters: Vec<String> = match &args[1] {
        Value::String(d) => vec![d.to_string()],
        Value::Array(items) => items
            .iter()
            .map(|d| {
                d.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| FnError::from("delimiters must be strings"))
            })
            .collect::<Result<_, _>>()?,
        other => {
            return Err(format!(
                "argument 2 must be a string or an array of strings, not {}",
                other.type_name()
            )
            .into());
        }
    };
    let delimiters: Vec<&str> = delimiters
        .iter()
        .map(String::as_str)
        .filter(|d| !d.is_empty())
        .collect();
    if delimiters.is_empty() {
        return Ok(Value::array(vec![Value::str(s)]));
    }
    // Every delimiter is tried at every position: bound that work before doing it.
    let tried: usize = delimiters.iter().map(|d| d.len()).sum();
    ctx.evaluator
        .budget()
        .steps((s.len() as u64).saturating_mul(tried as u64) / 1024)?;
    let pieces = split_points(s, &delimiters).len() + 1;
    check_sum([s.len(), pieces.saturating_mul(8)])?;
    let mut parts = Vec::with_capacity(pieces);
    let mut start = 0;
    for (at, len) in split_points(s, &delimiters) {
        parts.push(Value::str(&s[start..at]));
        start = at + len;
    }
    parts.push(Value::str(&s[start..]));
    Ok(Value::array(parts))
}

/// Where `s` splits: (byte offset, delimiter length) of each delimiter found, left to right.
fn split_points(s: &str, delimiters: &[&str]) -> Vec<(usize, usize)> {
    let mut points = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if let Some(d) = delimiters.iter().find(|d| s[i..].starts_with(**d)) {
            points.push((i, d.len()));
            i += d.len();
        } else {
            i += s[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    points
}

fn string(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(match &args[0] {
        Value::String(_) => args[0].clone(),
        other => Value::str(other.to_arm_string()),
    })
}

fn substring(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let s = string_arg(&args, 0)?;
    let len = len16(s) as i64;
    let start = int_arg(&args, 1)?;
    if start < 0 || start > len {
        return Err(format!(
            "the start index {start} is out of range for a string of length {len}"
        )
        .into());
    }
    let length = match args.get(2) {
        None => len - start,
        Some(_) => int_arg(&args, 2)?,
    };
    if length < 0 || start.checked_add(length).is_none_or(|end| end > len) {
        return Err(format!(
            "the length {length} from start index {start} is out of range for a string of length {len}"
        )
        .into());
    }
    Ok(Value::str(slice16(s, start as usize, length as usize)))
}

/// .NET's invariant `ToLowerInvariant`/`ToUpperInvariant` map each character on its own and never
/// change the length: no context rules (final sigma) and no expansions (`ß` → `SS`), unlike Rust's
/// `str::to_lowercase`/`to_uppercase`. A character whose mapping is not a single character is kept.
fn simple_case(s: &str, map: impl Fn(char) -> Option<char>) -> String {
    s.chars().map(|c| map(c).unwrap_or(c)).collect()
}

fn single(mut it: impl Iterator<Item = char>) -> Option<char> {
    match (it.next(), it.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

fn to_lower(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::str(simple_case(string_arg(&args, 0)?, |c| {
        single(c.to_lowercase())
    })))
}

fn to_upper(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::str(simple_case(string_arg(&args, 0)?, |c| {
        single(c.to_uppercase())
    })))
}

fn trim(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::str(string_arg(&args, 0)?.trim()))
}

/// `new Uri(new Uri(base), relative)`.
fn uri(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let base = string_arg(&args, 0)?;
    let relative = string_arg(&args, 1)?;
    let base = url::Url::parse(base)
        .map_err(|e| FnError::Message(format!("the base URI is not absolute ({e})")))?;
    let joined = base
        .join(relative)
        .map_err(|e| FnError::Message(format!("the relative URI is invalid ({e})")))?;
    Ok(Value::str(joined.as_str()))
}

/// `Uri.EscapeDataString`: everything but RFC 3986 unreserved characters is percent-encoded.
fn uri_component(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let s = string_arg(&args, 0)?;
    let escaped = s
        .bytes()
        .filter(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')))
        .count();
    check_sum([s.len(), escaped.saturating_mul(2)])?;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(Value::str(out))
}

fn uri_component_to_string(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::str(percent_decode(string_arg(&args, 0)?)?))
}

fn percent_decode(s: &str) -> Result<String, FnError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    utf8(out)
}
