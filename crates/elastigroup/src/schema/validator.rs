//! The hand-written validator for the JSON Schema subset the Spot create schemas use: `type`,
//! `properties`, `required`, `items`, `enum`, `allOf`/`oneOf`/`anyOf`, `nullable`, `$ref`
//! (`format`, `example`, `default` and the like are ignored), plus the workarounds of
//! [`super::workarounds`] and an unknown-field check.

use serde_json::{Map, Value};

use super::document::{Documents, Node};
use super::nearest::nearest_known;
use super::workarounds::{Override, alias_target, aliases_at, override_for};
use super::{SchemaIssue, SchemaReport, UnknownField};
use crate::ApiGeneration;
use crate::json_type::type_name;

pub(crate) struct Validator<'d> {
    pub docs: &'d Documents,
    pub generation: ApiGeneration,
    pub known_paths: &'d [String],
}

/// `a.b[3].c[0]` → `a.b[].c[]`, the form the workarounds and known paths use.
pub(crate) fn normalize(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push_str("[]");
            }
            ']' => in_index = false,
            _ if in_index => {}
            c => out.push(c),
        }
    }
    out
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "number" => v.is_number(),
        "integer" => {
            v.as_i64().is_some()
                || v.as_u64().is_some()
                || v.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        "null" => v.is_null(),
        _ => true, // unknown type keyword: do not guess
    }
}

/// A short rendering of a value for enum errors (enums are on non-secret fields).
fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

impl<'d> Validator<'d> {
    fn error(report: &mut SchemaReport, path: &str, message: impl Into<String>) {
        report.errors.push(SchemaIssue {
            path: path.to_owned(),
            message: message.into(),
        });
    }

    /// The alternatives of a composite keyword, resolved.
    fn branches(
        &self,
        node: Node<'d>,
        keyword: &str,
        report: &mut SchemaReport,
        path: &str,
    ) -> Vec<Node<'d>> {
        let Some(list) = node.schema.get(keyword).and_then(Value::as_array) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for b in list {
            match self.docs.resolve(Node {
                file: node.file,
                schema: b,
            }) {
                Ok(n) => out.push(n),
                Err(e) => Self::error(report, path, format!("schema defect: {e}")),
            }
        }
        out
    }

    /// Checks `value` at instance path `path` against `node`.
    pub(crate) fn check(
        &self,
        node: Node<'d>,
        value: &Value,
        path: &str,
        report: &mut SchemaReport,
    ) {
        let node = match self.docs.resolve(node) {
            Ok(n) => n,
            Err(e) => return Self::error(report, path, format!("schema defect: {e}")),
        };
        let schema = node.schema;
        let norm = normalize(path);
        match override_for(self.generation, &norm) {
            Some(Override::ArrayAcceptsObject) if value.is_object() => {
                if let Some(items) = schema.get("items") {
                    return self.check(
                        Node {
                            file: node.file,
                            schema: items,
                        },
                        value,
                        path,
                        report,
                    );
                }
            }
            Some(Override::ObjectAcceptsArray) if value.is_array() => {
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    self.check(node, item, &format!("{path}[{i}]"), report);
                }
                return;
            }
            Some(Override::AlsoAcceptsBoolean) if value.is_boolean() => return,
            _ => {}
        }
        let declared = schema.get("type").and_then(Value::as_str);
        if value.is_null() {
            let nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true);
            if !nullable && let Some(t) = declared {
                Self::error(
                    report,
                    path,
                    format!("null is not allowed here (expected {t})"),
                );
            }
            return;
        }
        if let Some(t) = declared
            && !type_matches(t, value)
        {
            return Self::error(
                report,
                path,
                format!("expected {t}, found {}", type_name(value)),
            );
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array)
            && !options.contains(value)
        {
            let list: Vec<String> = options.iter().map(short).collect();
            Self::error(
                report,
                path,
                format!("{} is not one of [{}]", short(value), list.join(", ")),
            );
        }

        let all_of = self.branches(node, "allOf", report, path);
        let any_of: Vec<Node<'d>> = {
            let mut v = self.branches(node, "oneOf", report, path);
            v.extend(self.branches(node, "anyOf", report, path));
            v
        };
        if let Value::Object(obj) = value {
            self.check_object(node, &all_of, &any_of, obj, path, &norm, report);
        }
        if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
            for (i, item) in items.iter().enumerate() {
                self.check(
                    Node {
                        file: node.file,
                        schema: item_schema,
                    },
                    item,
                    &format!("{path}[{i}]"),
                    report,
                );
            }
        }
        for b in &all_of {
            let mut scratch = SchemaReport::default();
            self.check(*b, value, path, &mut scratch);
            for e in scratch.errors {
                if !report.errors.contains(&e) {
                    report.errors.push(e);
                }
            }
        }
        if !any_of.is_empty() {
            let mut best: Option<SchemaReport> = None;
            for b in &any_of {
                let mut scratch = SchemaReport::default();
                self.check(*b, value, path, &mut scratch);
                if scratch.errors.is_empty() {
                    best = None;
                    break;
                }
                if best
                    .as_ref()
                    .is_none_or(|r| scratch.errors.len() < r.errors.len())
                {
                    best = Some(scratch);
                }
            }
            if let Some(best) = best {
                let first = best
                    .errors
                    .first()
                    .map(|e| format!(" (closest: {e})"))
                    .unwrap_or_default();
                Self::error(
                    report,
                    path,
                    format!(
                        "matches none of the {} allowed alternatives{first}",
                        any_of.len()
                    ),
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn check_object(
        &self,
        node: Node<'d>,
        all_of: &[Node<'d>],
        any_of: &[Node<'d>],
        obj: &Map<String, Value>,
        path: &str,
        norm: &str,
        report: &mut SchemaReport,
    ) {
        // Properties known at this level: own, then those of every alternative (first wins).
        let mut props: Vec<(&str, Node<'d>)> = Vec::new();
        let mut has_properties = false;
        let mut open = false;
        for n in std::iter::once(&node).chain(all_of).chain(any_of) {
            if let Some(Value::Object(p)) = n.schema.get("properties") {
                has_properties = true;
                for (k, s) in p {
                    if !props.iter().any(|(name, _)| *name == k) {
                        props.push((
                            k,
                            Node {
                                file: n.file,
                                schema: s,
                            },
                        ));
                    }
                }
            }
            if n.schema
                .get("additionalProperties")
                .is_some_and(|a| a != &Value::Bool(false))
            {
                open = true;
            }
        }
        let lookup = |name: &str| props.iter().find(|(k, _)| *k == name).map(|(_, n)| *n);

        // Workaround: required names without a property are ignored (schema defect).
        if let Some(required) = node.schema.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if lookup(name).is_none() {
                    continue;
                }
                let present = obj.get(name).is_some()
                    || aliases_at(self.generation, norm).any(|a| {
                        alias_target(self.generation, norm, a) == Some(name) && obj.contains_key(a)
                    });
                if !present {
                    Self::error(report, path, format!("missing required property `{name}`"));
                }
            }
        }

        for (key, v) in obj {
            let target =
                lookup(key).or_else(|| alias_target(self.generation, norm, key).and_then(lookup));
            match target {
                Some(n) => self.check(n, v, &child(path, key), report),
                None if has_properties && !open => {
                    let mut siblings: Vec<&str> = props.iter().map(|(k, _)| *k).collect();
                    for alias in aliases_at(self.generation, norm) {
                        siblings.push(alias);
                    }
                    report.unknown_fields.push(UnknownField {
                        path: child(path, key),
                        nearest_known: nearest_known(path, key, &siblings, self.known_paths),
                    });
                }
                None => {}
            }
        }
    }

    /// Every property path under `node` (normalized, `[]` for arrays), for suggestions.
    pub(crate) fn known_paths(
        docs: &'d Documents,
        node: Node<'d>,
        path: &str,
        out: &mut Vec<String>,
        depth: usize,
    ) {
        if depth > 24 {
            return;
        }
        let Ok(node) = docs.resolve(node) else { return };
        if let Some(Value::Object(p)) = node.schema.get("properties") {
            for (k, s) in p {
                let c = child(path, k);
                if !out.contains(&c) {
                    out.push(c.clone());
                }
                Self::known_paths(
                    docs,
                    Node {
                        file: node.file,
                        schema: s,
                    },
                    &c,
                    out,
                    depth + 1,
                );
            }
        }
        if let Some(items) = node.schema.get("items") {
            Self::known_paths(
                docs,
                Node {
                    file: node.file,
                    schema: items,
                },
                &format!("{path}[]"),
                out,
                depth + 1,
            );
        }
        for kw in ["allOf", "oneOf", "anyOf"] {
            for b in node
                .schema
                .get(kw)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                Self::known_paths(
                    docs,
                    Node {
                        file: node.file,
                        schema: b,
                    },
                    path,
                    out,
                    depth + 1,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_indexes() {
        assert_eq!(normalize("group.a[3].b[10][2]"), "group.a[].b[][]");
        assert_eq!(normalize("group"), "group");
    }

    #[test]
    fn integer_accepts_whole_floats_only() {
        assert!(type_matches("integer", &serde_json::json!(3)));
        assert!(type_matches("integer", &serde_json::json!(3.0)));
        assert!(!type_matches("integer", &serde_json::json!(3.5)));
        assert!(!type_matches("integer", &serde_json::json!("3")));
    }
}
