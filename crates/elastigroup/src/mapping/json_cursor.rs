//! A read-only view into the scale set JSON that remembers its JSON path, so every error and
//! warning can name the exact field (`properties.virtualMachineProfile.osProfile.adminUsername`).

use serde_json::{Map, Value};

use super::MappingErrorKind;
use crate::json_type::type_name;

/// A position in the scale set; `value` is `None` when the field is absent or JSON `null`
/// (aks-engine emits `"dataDisks": null`, which means the same as absent).
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    value: Option<&'a Value>,
    path: String,
}

impl<'a> Cursor<'a> {
    pub(super) fn root(value: &'a Value) -> Self {
        Cursor {
            value: Some(value).filter(|v| !v.is_null()),
            path: String::new(),
        }
    }

    pub(super) fn path(&self) -> &str {
        &self.path
    }

    /// The path of a child key, whether or not it exists. (Built by hand: `format!` made
    /// paths a quarter of the mapping's time.)
    pub(super) fn child_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            return key.to_owned();
        }
        let mut path = String::with_capacity(self.path.len() + 1 + key.len());
        path.push_str(&self.path);
        path.push('.');
        path.push_str(key);
        path
    }

    fn index_path(&self, i: usize) -> String {
        use std::fmt::Write;
        let mut path = String::with_capacity(self.path.len() + 4);
        path.push_str(&self.path);
        let _ = write!(path, "[{i}]");
        path
    }

    pub(super) fn key(&self, key: &str) -> Cursor<'a> {
        Cursor {
            value: self.value.and_then(|v| v.get(key)).filter(|v| !v.is_null()),
            path: self.child_path(key),
        }
    }

    /// Follows a dotted chain of keys.
    pub(super) fn keys(&self, dotted: &str) -> Cursor<'a> {
        dotted.split('.').fold(self.clone(), |c, k| c.key(k))
    }

    pub(super) fn value(&self) -> Option<&'a Value> {
        self.value
    }

    pub(super) fn exists(&self) -> bool {
        self.value.is_some()
    }

    fn wrong_type(&self, expected: &'static str) -> MappingErrorKind {
        MappingErrorKind::WrongType {
            path: self.path.clone(),
            expected,
            found: self.value.map_or("nothing", type_name),
        }
    }

    /// A resource id at this position that is not the kind of resource `expected` names.
    pub(super) fn bad_id(&self, id: &str, expected: &'static str) -> MappingErrorKind {
        MappingErrorKind::BadResourceId {
            path: self.path.clone(),
            id: id.to_owned(),
            expected,
        }
    }

    pub(super) fn missing(&self, what: &'static str) -> MappingErrorKind {
        MappingErrorKind::Missing {
            path: self.path.clone(),
            what,
        }
    }

    pub(super) fn str(&self) -> Result<Option<&'a str>, MappingErrorKind> {
        match self.value {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.wrong_type("a string")),
        }
    }

    /// A non-empty string, or a `Missing` error naming `what`.
    pub(super) fn req_str(&self, what: &'static str) -> Result<&'a str, MappingErrorKind> {
        match self.str()? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(self.missing(what)),
        }
    }

    pub(super) fn bool(&self) -> Result<Option<bool>, MappingErrorKind> {
        match self.value {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            // Evaluated templates sometimes carry booleans as strings ("true").
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(_) => Err(self.wrong_type("a boolean")),
        }
    }

    pub(super) fn u64(&self) -> Result<Option<u64>, MappingErrorKind> {
        match self.value {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.wrong_type("a non-negative integer")),
            // ARM `int()` results and parameters may arrive as strings of digits.
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| self.wrong_type("a non-negative integer")),
            Some(_) => Err(self.wrong_type("a non-negative integer")),
        }
    }

    /// The elements of an array (absent = empty).
    pub(super) fn items(&self) -> Result<Vec<Cursor<'a>>, MappingErrorKind> {
        match self.value {
            None => Ok(Vec::new()),
            Some(Value::Array(a)) => Ok(a
                .iter()
                .enumerate()
                .map(|(i, v)| Cursor {
                    value: Some(v).filter(|v| !v.is_null()),
                    path: self.index_path(i),
                })
                .collect()),
            Some(_) => Err(self.wrong_type("an array")),
        }
    }

    /// The members of an object (absent = none).
    pub(super) fn object(&self) -> Result<Option<&'a Map<String, Value>>, MappingErrorKind> {
        match self.value {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(_) => Err(self.wrong_type("an object")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tracks_paths_and_treats_null_as_absent() {
        let v = json!({"a": {"b": [ {"c": "x"}, null ], "n": null, "i": 3, "s": "7", "t": "true"}});
        let root = Cursor::root(&v);
        let items = root.keys("a.b").items().unwrap();
        assert_eq!(items[0].key("c").path(), "a.b[0].c");
        assert_eq!(items[0].key("c").req_str("c").unwrap(), "x");
        assert!(!items[1].exists());
        assert!(!root.keys("a.n").exists());
        assert_eq!(root.keys("a.i").u64().unwrap(), Some(3));
        assert_eq!(root.keys("a.s").u64().unwrap(), Some(7));
        assert_eq!(root.keys("a.t").bool().unwrap(), Some(true));
    }

    #[test]
    fn wrong_types_name_path_and_types_but_not_values() {
        let v = json!({"secret": 42});
        let err = Cursor::root(&v).key("secret").str().unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("`secret`") && msg.contains("a string") && msg.contains("a number"),
            "{msg}"
        );
        assert!(!msg.contains("42"));
        let err = Cursor::root(&v)
            .key("absent")
            .req_str("the admin user")
            .unwrap_err();
        assert!(err.to_string().contains("the admin user"));
    }
}
