//! The hand-written validator for the JSON Schema subset the Spot create schemas use: `type`,
//! `properties`, `required`, `items`, `enum`, `allOf`/`oneOf`/`anyOf`, `nullable`, `$ref`,
//! `minimum`/`maximum`, `minLength`/`maxLength` (`format`, `example`, `default` and the like are
//! ignored), plus the workarounds of [`super::workarounds`] and an unknown-field check.

use serde_json::{Map, Value};

use super::document::{Documents, Node};
use super::nearest::nearest_known;
use super::workarounds::{Bound, Override, alias_target, aliases_at, bounds_for, override_for};
use super::{SchemaIssue, SchemaReport, UnknownField};
use crate::json_type::type_name;
use crate::{ApiGeneration, PathSegment};

pub(crate) struct Validator<'d> {
    pub docs: &'d Documents,
    pub generation: ApiGeneration,
    pub known_paths: &'d [String],
    /// Whether missing required properties are errors (not for a value checked on its own,
    /// whose siblings may come later).
    pub check_required: bool,
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

/// The instance path being checked, grown and shrunk in place as the check descends (building a
/// new string per node, and normalizing it, was most of the validator's time): `shown` for
/// messages (`a.b[3]`), `norm` for the workarounds and known paths (`a.b[]`, see [`normalize`]).
pub(crate) struct At {
    shown: String,
    norm: String,
}

/// Where an [`At`] was before a step down, to go back up.
#[derive(Clone, Copy)]
struct Mark(usize, usize);

impl At {
    pub(crate) fn new(path: &str) -> At {
        At {
            shown: path.to_owned(),
            norm: normalize(path),
        }
    }

    fn mark(&self) -> Mark {
        Mark(self.shown.len(), self.norm.len())
    }

    fn back(&mut self, m: Mark) {
        self.shown.truncate(m.0);
        self.norm.truncate(m.1);
    }

    fn key(&mut self, key: &str) {
        for s in [&mut self.shown, &mut self.norm] {
            if !s.is_empty() {
                s.push('.');
            }
        }
        // Only schema property names are descended into, and none holds a bracket, so the key
        // needs no normalizing.
        self.shown.push_str(key);
        self.norm.push_str(key);
    }

    fn index(&mut self, i: usize) {
        use std::fmt::Write;
        let _ = write!(self.shown, "[{i}]");
        self.norm.push_str("[]");
    }
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
        // Workaround 5: a JSON integer within int64.
        "integer" => v.as_i64().is_some(),
        "null" => v.is_null(),
        _ => true, // unknown type keyword: do not guess
    }
}

/// Why `v` is not of type `t`, or `None` when it is. Numbers are shown (they are never
/// secrets); other values only by type.
fn type_problem(t: &str, v: &Value) -> Option<String> {
    if type_matches(t, v) {
        return None;
    }
    Some(match v {
        Value::Number(n) if t == "integer" && n.is_u64() => {
            format!("expected integer within the signed 64-bit range, found {n}")
        }
        Value::Number(n) if t == "integer" => {
            format!(
                "expected integer, found {n} (write a whole number without a decimal point or exponent)"
            )
        }
        _ => format!("expected {t}, found {}", type_name(v)),
    })
}

/// `from A to B`, `of at least A` or `of at most B`; `None` without bounds.
fn range_phrase(min: Option<f64>, max: Option<f64>) -> Option<String> {
    match (min, max) {
        (Some(a), Some(b)) => Some(format!("from {a} to {b}")),
        (Some(a), None) => Some(format!("of at least {a}")),
        (None, Some(b)) => Some(format!("of at most {b}")),
        (None, None) => None,
    }
}

/// The `allOf`/`oneOf`/`anyOf` alternatives of `node`, unresolved.
fn alternatives(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    ["allOf", "oneOf", "anyOf"].into_iter().flat_map(move |kw| {
        node.schema
            .get(kw)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(move |b| Node {
                file: node.file,
                schema: b,
            })
    })
}

fn tighter(a: Option<f64>, b: f64, keep_larger: bool) -> Option<f64> {
    Some(match a {
        Some(a) if keep_larger => a.max(b),
        Some(a) => a.min(b),
        None => b,
    })
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
    /// Why `value` is outside the bounds of `schema` (and of the workarounds at `norm`), or `None`.
    fn bound_problem(&self, schema: &Value, value: &Value, norm: &str) -> Option<String> {
        let num = |k: &str| schema.get(k).and_then(Value::as_f64);
        let (mut min, mut max) = (num("minimum"), num("maximum"));
        let (mut min_len, max_len) = (
            schema.get("minLength").and_then(Value::as_u64),
            schema.get("maxLength").and_then(Value::as_u64),
        );
        for b in bounds_for(self.generation, norm) {
            match b {
                Bound::Minimum(m) => min = tighter(min, m as f64, true),
                Bound::Maximum(m) => max = tighter(max, m as f64, false),
                Bound::MinLength(m) => min_len = Some(min_len.map_or(m, |l| l.max(m))),
            }
        }
        match value {
            Value::Number(n) => {
                let f = n.as_f64()?;
                let outside = min.is_some_and(|m| f < m) || max.is_some_and(|m| f > m);
                let kind = if n.is_f64() { "a number" } else { "an integer" };
                outside.then(|| {
                    format!(
                        "expected {kind} {}, found {n}",
                        range_phrase(min, max).unwrap_or_default()
                    )
                })
            }
            Value::String(s) => {
                if min_len.is_none() && max_len.is_none() {
                    return None;
                }
                let len = s.chars().count() as u64;
                let outside = min_len.is_some_and(|m| len < m) || max_len.is_some_and(|m| len > m);
                if !outside {
                    return None;
                }
                Some(if min_len == Some(1) && max_len.is_none() {
                    "expected a non-empty string, found an empty one".to_owned()
                } else {
                    format!(
                        "expected a string {} characters long, found {len}",
                        range_phrase(min_len.map(|m| m as f64), max_len.map(|m| m as f64))
                            .unwrap_or_default()
                    )
                })
            }
            _ => None,
        }
    }

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

    /// Checks `value` at instance path `at` against `node`.
    pub(crate) fn check(
        &self,
        node: Node<'d>,
        value: &Value,
        at: &mut At,
        report: &mut SchemaReport,
    ) {
        let node = match self.docs.resolve(node) {
            Ok(n) => n,
            Err(e) => return Self::error(report, &at.shown, format!("schema defect: {e}")),
        };
        let schema = node.schema;
        match override_for(self.generation, &at.norm) {
            Some(Override::ArrayAcceptsObject) if value.is_object() => {
                if let Some(items) = schema.get("items") {
                    return self.check(
                        Node {
                            file: node.file,
                            schema: items,
                        },
                        value,
                        at,
                        report,
                    );
                }
            }
            Some(Override::ObjectAcceptsArray) if value.is_array() => {
                let mark = at.mark();
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    at.index(i);
                    self.check(node, item, at, report);
                    at.back(mark);
                }
                return;
            }
            Some(Override::AlsoAcceptsBoolean) if value.is_boolean() => return,
            _ => {}
        }
        let path = at.shown.as_str();
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
        if let Some(problem) = declared.and_then(|t| type_problem(t, value)) {
            return Self::error(report, path, problem);
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
        if let Some(problem) = self.bound_problem(schema, value, &at.norm) {
            Self::error(report, path, problem);
        }

        let all_of = self.branches(node, "allOf", report, path);
        let any_of: Vec<Node<'d>> = {
            let mut v = self.branches(node, "oneOf", report, path);
            v.extend(self.branches(node, "anyOf", report, path));
            v
        };
        if let Value::Object(obj) = value {
            self.check_object(node, &all_of, &any_of, obj, at, report);
        }
        if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
            let mark = at.mark();
            for (i, item) in items.iter().enumerate() {
                at.index(i);
                self.check(
                    Node {
                        file: node.file,
                        schema: item_schema,
                    },
                    item,
                    at,
                    report,
                );
                at.back(mark);
            }
        }
        for b in &all_of {
            let mut scratch = SchemaReport::default();
            self.check(*b, value, at, &mut scratch);
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
                self.check(*b, value, at, &mut scratch);
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
                    &at.shown,
                    format!(
                        "matches none of the {} allowed alternatives{first}",
                        any_of.len()
                    ),
                );
            }
        }
    }

    fn check_object(
        &self,
        node: Node<'d>,
        all_of: &[Node<'d>],
        any_of: &[Node<'d>],
        obj: &Map<String, Value>,
        at: &mut At,
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
        if let Some(required) = node
            .schema
            .get("required")
            .and_then(Value::as_array)
            .filter(|_| self.check_required)
        {
            for name in required.iter().filter_map(Value::as_str) {
                if lookup(name).is_none() {
                    continue;
                }
                let present = obj.get(name).is_some()
                    || aliases_at(self.generation, &at.norm).any(|a| {
                        alias_target(self.generation, &at.norm, a) == Some(name)
                            && obj.contains_key(a)
                    });
                if !present {
                    Self::error(
                        report,
                        &at.shown,
                        format!("missing required property `{name}`"),
                    );
                }
            }
        }

        let mark = at.mark();
        for (key, v) in obj {
            let target = lookup(key)
                .or_else(|| alias_target(self.generation, &at.norm, key).and_then(lookup));
            match target {
                Some(n) => {
                    at.key(key);
                    self.check(n, v, at, report);
                    at.back(mark);
                }
                None if has_properties && !open => {
                    let mut siblings: Vec<&str> = props.iter().map(|(k, _)| *k).collect();
                    for alias in aliases_at(self.generation, &at.norm) {
                        siblings.push(alias);
                    }
                    report.unknown_fields.push(UnknownField {
                        path: child(&at.shown, key),
                        nearest_known: nearest_known(&at.shown, key, &siblings, self.known_paths),
                    });
                }
                None => {}
            }
        }
    }

    /// The schema of the value at `path` below `root` (the group), with its instance path;
    /// `None` when the schema does not describe it (an unknown field, reported elsewhere).
    pub(crate) fn node_at(
        &self,
        root: Node<'d>,
        path: &[PathSegment],
    ) -> Option<(Node<'d>, String)> {
        let mut node = root;
        let mut at = String::from("group");
        for seg in path {
            let mut resolved = self.docs.resolve(node).ok()?;
            let norm = normalize(&at);
            let over = override_for(self.generation, &norm);
            match seg {
                PathSegment::Key(k) => {
                    if over == Some(Override::ArrayAcceptsObject)
                        && let Some(items) = resolved.schema.get("items")
                    {
                        resolved = self
                            .docs
                            .resolve(Node {
                                file: resolved.file,
                                schema: items,
                            })
                            .ok()?;
                    }
                    let props = self.properties(resolved);
                    let lookup =
                        |name: &str| props.iter().find(|(n, _)| *n == name).map(|(_, s)| *s);
                    node = lookup(k)
                        .or_else(|| alias_target(self.generation, &norm, k).and_then(lookup))?;
                    at = child(&at, k);
                }
                PathSegment::Index(i) => {
                    if over != Some(Override::ObjectAcceptsArray) {
                        node = Node {
                            file: resolved.file,
                            schema: resolved.schema.get("items")?,
                        };
                    }
                    at = format!("{at}[{i}]");
                }
            }
        }
        Some((node, at))
    }

    /// The properties of `node` and of its `allOf`/`oneOf`/`anyOf` alternatives (first wins).
    fn properties(&self, node: Node<'d>) -> Vec<(&'d str, Node<'d>)> {
        let mut nodes = vec![node];
        nodes.extend(alternatives(node).filter_map(|b| self.docs.resolve(b).ok()));
        let mut out: Vec<(&'d str, Node<'d>)> = Vec::new();
        for n in nodes {
            if let Some(Value::Object(p)) = n.schema.get("properties") {
                for (k, s) in p {
                    if !out.iter().any(|(name, _)| name == k) {
                        out.push((
                            k,
                            Node {
                                file: n.file,
                                schema: s,
                            },
                        ));
                    }
                }
            }
        }
        out
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
        for b in alternatives(node) {
            Self::known_paths(docs, b, path, out, depth + 1);
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
    fn integer_accepts_json_integers_within_int64_only() {
        use serde_json::json;
        assert!(type_matches("integer", &json!(3)));
        assert!(type_matches("integer", &json!(-3)));
        assert!(type_matches("integer", &json!(i64::MAX)));
        assert!(!type_matches("integer", &json!(3.0)));
        assert!(!type_matches("integer", &json!(1e23)));
        assert!(!type_matches("integer", &json!(u64::MAX)));
        assert!(!type_matches("integer", &json!("3")));
        let m = type_problem("integer", &json!(1.0)).unwrap();
        assert!(
            m.contains("found 1.0") && m.contains("decimal point"),
            "{m}"
        );
        let m = type_problem("integer", &json!(u64::MAX)).unwrap();
        assert!(
            m.contains("18446744073709551615") && m.contains("64-bit"),
            "{m}"
        );
        assert_eq!(
            type_problem("integer", &json!("3")).unwrap(),
            "expected integer, found a string"
        );
    }

    #[test]
    fn range_phrases() {
        assert_eq!(
            range_phrase(Some(0.0), Some(100.0)).unwrap(),
            "from 0 to 100"
        );
        assert_eq!(range_phrase(Some(1.0), None).unwrap(), "of at least 1");
        assert_eq!(range_phrase(None, Some(2.5)).unwrap(), "of at most 2.5");
        assert_eq!(range_phrase(None, None), None);
    }
}
