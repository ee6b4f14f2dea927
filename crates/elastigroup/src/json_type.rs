//! The JSON type of a value as a phrase for messages, shared by the mapping, `--set` and the
//! schema check.

use serde_json::Value;

/// The JSON type name of a value, for error messages (never the value itself: it may be a secret).
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
