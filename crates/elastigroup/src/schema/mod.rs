//! Checks a create body against the Spot OpenAPI create schema of its generation, embedded in the
//! binary (see `openapi/SOURCE.md`), with the known schema defects worked around
//! (`workarounds.rs`).

pub mod doc_keys;
mod document;
pub mod embedded;
mod nearest;
mod validator;
mod workarounds;

use std::fmt;
use std::sync::OnceLock;

use serde_json::Value;

use crate::ApiGeneration;
use document::{Node, documents};
use validator::{At, Validator};

/// A schema violation (the API would likely reject the body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaIssue {
    /// Instance path, e.g. `group.compute.launchSpecification.extensions[0].name`.
    pub path: String,
    /// What the schema expected there and what the body has (never a secret value).
    pub message: String,
}

impl fmt::Display for SchemaIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            if self.path.is_empty() {
                "(body)"
            } else {
                &self.path
            },
            self.message
        )
    }
}

/// A field the schema does not know (the API may ignore it silently): usually a typo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownField {
    /// Instance path of the field, in the same form as [`SchemaIssue::path`].
    pub path: String,
    /// The closest known path by edit distance, when one is close enough.
    pub nearest_known: Option<String>,
}

impl fmt::Display for UnknownField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: unknown field", self.path)?;
        if let Some(n) = &self.nearest_known {
            write!(f, " (did you mean {n}?)")?;
        }
        Ok(())
    }
}

/// The result of [`validate`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaReport {
    /// Violations, in body order: any one means the API would likely reject the body.
    pub errors: Vec<SchemaIssue>,
    /// Fields the schema does not know, in body order: warnings only.
    pub unknown_fields: Vec<UnknownField>,
}

impl SchemaReport {
    /// No schema errors (unknown fields are only warnings).
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

fn root(generation: ApiGeneration) -> (&'static str, &'static str) {
    match generation {
        ApiGeneration::V3 => (embedded::V3_CREATE, "/properties/group"),
        ApiGeneration::V2 => (embedded::V2_CREATE, "/properties/group"),
    }
}

fn known_paths(generation: ApiGeneration) -> &'static [String] {
    static V3: OnceLock<Vec<String>> = OnceLock::new();
    static V2: OnceLock<Vec<String>> = OnceLock::new();
    let cell = match generation {
        ApiGeneration::V3 => &V3,
        ApiGeneration::V2 => &V2,
    };
    cell.get_or_init(|| {
        let docs = documents();
        let (file, pointer) = root(generation);
        let mut out = Vec::new();
        if let Ok(node) = docs.at(file, pointer) {
            Validator::known_paths(docs, node, "group", &mut out, 0);
        }
        out
    })
}

/// Validates `body` (`{"group": {...}}`) against the `generation`'s create schema.
///
/// Only the `group` subtree is validated (workaround: both schemas also list the group's fields as
/// required at the top level). Never fails: problems are in the report.
pub fn validate(generation: ApiGeneration, body: &Value) -> SchemaReport {
    let mut report = SchemaReport::default();
    let Value::Object(top) = body else {
        report.errors.push(SchemaIssue {
            path: String::new(),
            message: format!(
                "the body must be an object {{\"group\": ...}}, found {}",
                crate::json_type::type_name(body)
            ),
        });
        return report;
    };
    for key in top.keys().filter(|k| *k != "group") {
        report.unknown_fields.push(UnknownField {
            path: key.clone(),
            nearest_known: nearest::nearest_known("", key, &["group"], &[]),
        });
    }
    let Some(group) = top.get("group") else {
        report.errors.push(SchemaIssue {
            path: String::new(),
            message: "missing required property `group`".into(),
        });
        return report;
    };
    let docs = documents();
    let (file, pointer) = root(generation);
    let node: Node = match docs.at(file, pointer) {
        Ok(n) => n,
        Err(e) => {
            report.errors.push(SchemaIssue {
                path: String::new(),
                message: format!("schema defect: {e}"),
            });
            return report;
        }
    };
    let v = Validator {
        docs,
        generation,
        known_paths: known_paths(generation),
        check_required: true,
    };
    v.check(node, group, &mut At::new("group"), &mut report);
    report
}

/// [`validate`] for a body sent to the `generation` (`"v3"` or `"v2"`) routes: the schema errors
/// as text, none when the body conforms (unknown fields are only warnings, so they pass).
///
/// The shape test servers take (`test_support::spot_server::SchemaCheck`), so they can check
/// bodies without depending on this crate.
pub fn validate_request(generation: &str, body: &Value) -> Vec<String> {
    let generation = match generation {
        "v3" => ApiGeneration::V3,
        "v2" => ApiGeneration::V2,
        other => {
            return vec![format!(
                "unknown API generation `{other}` (expected v3 or v2)"
            )];
        }
    };
    validate(generation, body)
        .errors
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// What the schema says about one value set at a path below `group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueCheck {
    /// The schema describes the path and the value fits it.
    Valid,
    /// The schema does not describe the path (an unknown field: [`validate`] reports it).
    UnknownPath,
    /// The value does not fit: what is wrong, at instance paths starting with `group.`.
    Invalid(Vec<SchemaIssue>),
}

/// Checks `value` as the value at `path` (relative to the group, as `--set` writes it) against
/// the `generation`'s create schema: types, enums, ranges and lengths, without requiring the
/// properties its siblings may still supply.
pub fn check_value_at(
    generation: ApiGeneration,
    path: &[crate::PathSegment],
    value: &Value,
) -> ValueCheck {
    let docs = documents();
    let (file, pointer) = root(generation);
    let Ok(group) = docs.at(file, pointer) else {
        return ValueCheck::UnknownPath;
    };
    let v = Validator {
        docs,
        generation,
        known_paths: known_paths(generation),
        check_required: false,
    };
    let Some((node, at)) = v.node_at(group, path) else {
        return ValueCheck::UnknownPath;
    };
    let mut report = SchemaReport::default();
    v.check(node, value, &mut At::new(&at), &mut report);
    if report.errors.is_empty() {
        ValueCheck::Valid
    } else {
        ValueCheck::Invalid(report.errors)
    }
}
