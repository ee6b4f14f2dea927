//! Reading a live group while recording which fields were read, so that what the export could
//! not express is listed (never silently dropped).

use std::cell::RefCell;
use std::collections::BTreeSet;

use serde_json::Value;

/// The paths read so far (`a.b[0].c`); a read path covers its whole subtree.
#[derive(Debug, Default)]
pub(crate) struct Seen(RefCell<BTreeSet<String>>);

impl Seen {
    fn mark(&self, path: &str) {
        self.0.borrow_mut().insert(path.to_owned());
    }

    fn covers(&self, path: &str) -> bool {
        self.0.borrow().contains(path)
    }

    /// Whether a path under `path` (not `path` itself) was read.
    fn reads_below(&self, path: &str) -> bool {
        self.0.borrow().iter().any(|p| {
            p.strip_prefix(path)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        })
    }
}

/// A position in the group's JSON: the value there (if any, `null` counts as none) and its path.
#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    value: Option<&'a Value>,
    path: String,
    seen: &'a Seen,
}

impl<'a> Node<'a> {
    pub(crate) fn root(value: &'a Value, seen: &'a Seen) -> Self {
        Self {
            value: Some(value),
            path: String::new(),
            seen,
        }
    }

    /// The field `key` of an object.
    pub(crate) fn get(&self, key: &str) -> Node<'a> {
        let path = if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        };
        Node {
            value: self.value.and_then(|v| v.get(key)).filter(|v| !v.is_null()),
            path,
            seen: self.seen,
        }
    }

    /// The entries of an array (none when this is not an array).
    pub(crate) fn items(&self) -> Vec<Node<'a>> {
        match self.value {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| Node {
                    value: Some(v).filter(|v| !v.is_null()),
                    path: format!("{}[{i}]", self.path),
                    seen: self.seen,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// Whether there is a value here (not missing, not `null`).
    pub(crate) fn exists(&self) -> bool {
        self.value.is_some()
    }

    /// Whether there is an object here (nothing is marked read).
    pub(crate) fn is_object(&self) -> bool {
        self.value.is_some_and(Value::is_object)
    }

    /// The value, marking the whole subtree read.
    pub(crate) fn take(&self) -> Option<&'a Value> {
        let v = self.value?;
        self.seen.mark(&self.path);
        Some(v)
    }

    pub(crate) fn str(&self) -> Option<&'a str> {
        let s = self.value?.as_str()?;
        self.seen.mark(&self.path);
        Some(s)
    }

    pub(crate) fn bool(&self) -> Option<bool> {
        let b = self.value?.as_bool()?;
        self.seen.mark(&self.path);
        Some(b)
    }

    pub(crate) fn number(&self) -> Option<&'a serde_json::Number> {
        let n = match self.value? {
            Value::Number(n) => n,
            _ => return None,
        };
        self.seen.mark(&self.path);
        Some(n)
    }

    /// An array of strings, in order (`None` unless every entry is a string).
    pub(crate) fn strings(&self) -> Option<Vec<&'a str>> {
        let items = self.value?.as_array()?;
        let strings: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
        let strings = strings?;
        self.seen.mark(&self.path);
        Some(strings)
    }
}

/// What of `root` was not read: the highest unread paths holding a value (a `null`, an empty
/// array or an empty object hold none), in document order; `skip` names top-level fields that
/// are not configuration (the id, timestamps).
pub(crate) fn unread(root: &Value, seen: &Seen, skip: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    if let Value::Object(map) = root {
        for (k, v) in map {
            if !skip.contains(&k.as_str()) {
                walk(v, k.clone(), seen, &mut out);
            }
        }
    }
    out
}

fn holds_nothing(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.iter().all(holds_nothing),
        Value::Object(o) => o.values().all(holds_nothing),
        _ => false,
    }
}

fn walk(v: &Value, path: String, seen: &Seen, out: &mut Vec<String>) {
    if seen.covers(&path) || holds_nothing(v) {
        return;
    }
    if !seen.reads_below(&path) {
        out.push(path);
        return;
    }
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                walk(child, format!("{path}.{k}"), seen, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, format!("{path}[{i}]"), seen, out);
            }
        }
        _ => out.push(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unread_lists_the_highest_unread_paths_and_ignores_empty_values() {
        let group = json!({
            "id": "sig-1",
            "name": "n",
            "integrations": {"a": 1},
            "compute": {"os": "Linux", "licenseType": "RHEL_BYOS", "zones": [], "x": null,
                        "nics": [{"subnetName": "s", "publicIps": [{"name": "p"}]}]},
            "strategy": {}
        });
        let seen = Seen::default();
        let root = Node::root(&group, &seen);
        assert_eq!(root.get("name").str(), Some("n"));
        assert_eq!(root.get("compute").get("os").str(), Some("Linux"));
        let nics = root.get("compute").get("nics").items();
        assert_eq!(nics[0].get("subnetName").str(), Some("s"));
        assert_eq!(
            unread(&group, &seen, &["id"]),
            [
                "integrations",
                "compute.licenseType",
                "compute.nics[0].publicIps"
            ]
        );
    }

    #[test]
    fn a_taken_subtree_is_read_whole_and_null_is_absent() {
        let group = json!({"a": {"b": {"c": 1}}, "n": null});
        let seen = Seen::default();
        let root = Node::root(&group, &seen);
        assert!(!root.get("n").exists());
        assert!(root.get("a").get("b").take().is_some());
        assert!(unread(&group, &seen, &[]).is_empty());
    }

    #[test]
    fn strings_requires_every_entry_to_be_a_string() {
        let group = json!({"a": ["x", 1], "b": ["x", "y"]});
        let seen = Seen::default();
        let root = Node::root(&group, &seen);
        assert_eq!(root.get("a").strings(), None);
        assert_eq!(root.get("b").strings(), Some(vec!["x", "y"]));
        assert_eq!(unread(&group, &seen, &[]), ["a"]);
    }
}
