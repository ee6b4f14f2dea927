//! The evaluator's value type: JSON plus deploy-time placeholders and lambdas.
//!
//! Composite values are reference counted so that memoised variables (some are large objects of
//! pre-compressed files) can be shared without deep copies.

use std::rc::Rc;

use indexmap::IndexMap;

use crate::ast::Expression;

/// An ARM object: insertion-ordered, looked up case-insensitively.
pub(crate) type Object = IndexMap<String, Value>;

/// A runtime value.
#[derive(Clone, Debug)]
pub(crate) enum Value {
    /// JSON `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A 64-bit integer (ARM's integer type).
    Int(i64),
    /// A non-integer JSON number (only ever passed through or produced by `float`/`json`).
    Float(f64),
    /// A string.
    String(Rc<str>),
    /// An array.
    Array(Rc<Vec<Value>>),
    /// An object.
    Object(Rc<Object>),
    /// A value only known at deployment time (see [`DeployTimePolicy::Mark`](crate::DeployTimePolicy)).
    Unresolved(Rc<Unresolved>),
    /// A `lambda(...)`, only valid as an argument of the lambda functions.
    Lambda(Rc<Lambda>),
}

/// A deploy-time value: which function made it and the expression text standing for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unresolved {
    /// The deploy-time function at its root (e.g. `reference`).
    pub function: String,
    /// The expression text, extended by property/index accesses.
    pub text: String,
}

/// A `lambda('x', 'y', body)` value.
#[derive(Clone, Debug)]
pub(crate) struct Lambda {
    /// Parameter names.
    pub params: Vec<String>,
    /// The body expression.
    pub body: Expression,
    /// The source text the body's spans index into.
    pub source: Rc<str>,
}

impl Value {
    /// A string value.
    pub(crate) fn str(s: impl Into<Rc<str>>) -> Value {
        Value::String(s.into())
    }

    /// An array value.
    pub(crate) fn array(items: Vec<Value>) -> Value {
        Value::Array(Rc::new(items))
    }

    /// An object value.
    pub(crate) fn object(map: Object) -> Value {
        Value::Object(Rc::new(map))
    }

    /// Convert template JSON into a value.
    pub(crate) fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::str(s.as_str()),
            serde_json::Value::Array(a) => Value::array(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::object(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Convert to JSON; `unresolved` decides what a deploy-time value becomes (or fails).
    pub(crate) fn to_json_with<E>(
        &self,
        unresolved: &mut dyn FnMut(&Unresolved) -> Result<serde_json::Value, E>,
    ) -> Result<serde_json::Value, E> {
        Ok(match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::Array(a) => serde_json::Value::Array(
                a.iter()
                    .map(|v| v.to_json_with(unresolved))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(o) => serde_json::Value::Object(
                o.iter()
                    .map(|(k, v)| Ok((k.clone(), v.to_json_with(unresolved)?)))
                    .collect::<Result<_, E>>()?,
            ),
            Value::Unresolved(u) => unresolved(u)?,
            Value::Lambda(_) => serde_json::Value::String("<lambda>".into()),
        })
    }

    /// Convert to JSON, rendering deploy-time values as markers.
    pub(crate) fn to_json_marked(&self) -> serde_json::Value {
        self.to_json_with::<std::convert::Infallible>(&mut |u| {
            Ok(serde_json::Value::String(marker(&u.text)))
        })
        .unwrap_or_else(|never| match never {})
    }

    /// The ARM type name, as used in error messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
            Value::Unresolved(_) => "deploy-time value",
            Value::Lambda(_) => "lambda",
        }
    }

    /// The string, if this is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Case-insensitive property lookup (ARM objects ignore case on lookup).
    pub(crate) fn property<'a>(object: &'a Object, name: &str) -> Option<&'a Value> {
        object.get(name).or_else(|| {
            object
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
    }

    /// Whether this is a deploy-time placeholder.
    pub(crate) fn is_unresolved(&self) -> bool {
        matches!(self, Value::Unresolved(_))
    }

    /// Deep equality as ARM's `equals` sees it (strings case-sensitive, object keys case-insensitive).
    pub(crate) fn deep_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => {
                (*a as f64) == *b
            }
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.deep_eq(y))
            }
            (Value::Object(a), Value::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| Value::property(b, k).is_some_and(|w| v.deep_eq(w)))
            }
            (Value::Unresolved(a), Value::Unresolved(b)) => a == b,
            _ => false,
        }
    }

    /// The text ARM produces when this value is converted to a string (`string()`, `concat`, `format`).
    ///
    /// Booleans print as .NET does (`True`/`False`), null as empty, objects/arrays as compact JSON.
    pub(crate) fn to_arm_string(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => format_float(*f),
            Value::String(s) => s.to_string(),
            Value::Array(_) | Value::Object(_) => {
                serde_json::to_string(&self.to_json_marked()).unwrap_or_default()
            }
            Value::Unresolved(u) => marker(&u.text),
            Value::Lambda(_) => "<lambda>".into(),
        }
    }
}

/// Render a float the way .NET's round-trip formatting does for ordinary values.
pub(crate) fn format_float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// The marker text embedding a deploy-time expression in a string.
pub(crate) fn marker(expression: &str) -> String {
    format!(
        "{}{expression}{}",
        crate::DEPLOY_TIME_MARKER_OPEN,
        crate::DEPLOY_TIME_MARKER_CLOSE
    )
}

/// The deploy-time expressions embedded in `s` as markers, outermost first (nested markers are skipped).
pub(crate) fn markers_in(s: &str) -> Vec<String> {
    let open = crate::DEPLOY_TIME_MARKER_OPEN;
    let close = crate::DEPLOY_TIME_MARKER_CLOSE;
    let mut found = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find(open) {
        let body_start = start + open.len();
        let mut depth = 1usize;
        let mut i = body_start;
        let mut end = None;
        while i < rest.len() {
            if rest[i..].starts_with(open) {
                depth += 1;
                i += open.len();
            } else if rest[i..].starts_with(close) {
                depth -= 1;
                if depth == 0 {
                    end = Some(i);
                    break;
                }
                i += close.len();
            } else {
                i += rest[i..].chars().next().map_or(1, char::len_utf8);
            }
        }
        let Some(end) = end else { break };
        found.push(rest[body_start..end].to_owned());
        rest = &rest[end + close.len()..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_of_scalars_and_composites() {
        assert_eq!(Value::Bool(true).to_arm_string(), "True");
        assert_eq!(Value::Int(-3).to_arm_string(), "-3");
        assert_eq!(Value::Null.to_arm_string(), "");
        let v = Value::from_json(&serde_json::json!({"a": [1, "x", null], "b": {"c": true}}));
        assert_eq!(v.to_arm_string(), r#"{"a":[1,"x",null],"b":{"c":true}}"#);
        assert_eq!(Value::Float(0.05).to_arm_string(), "0.05");
    }

    #[test]
    fn objects_compare_and_look_up_case_insensitively() {
        let a = Value::from_json(&serde_json::json!({"Name": "x"}));
        let b = Value::from_json(&serde_json::json!({"name": "x"}));
        assert!(a.deep_eq(&b));
        let Value::Object(o) = &a else { unreachable!() };
        assert!(Value::property(o, "NAME").is_some());
        assert!(!Value::str("a").deep_eq(&Value::str("A")));
    }

    #[test]
    fn finds_markers_including_nested_ones() {
        let s = format!(
            "x {} y {}",
            marker("reference('a').b"),
            marker(&format!("f({})", marker("g()")))
        );
        assert_eq!(
            markers_in(&s),
            vec![
                "reference('a').b".to_owned(),
                format!("f({})", marker("g()"))
            ]
        );
        assert!(markers_in("plain").is_empty());
    }
}
