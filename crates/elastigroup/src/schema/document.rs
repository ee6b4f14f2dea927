//! The embedded schema files (YAML converted to JSON at build time) parsed once, and `$ref` resolution between them
//! (`../schemas/x.yaml#/properties/capacity`: a path relative to the referring file plus an
//! optional JSON pointer).

use std::sync::OnceLock;

use serde_json::Value;

use super::embedded::JSON_FILES;

/// A schema object and the file it lives in (needed to resolve its relative `$ref`s).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Node<'a> {
    pub file: &'static str,
    pub schema: &'a Value,
}

/// All embedded files, parsed.
#[derive(Debug)]
pub(crate) struct Documents {
    files: Vec<(&'static str, Value)>,
}

static DOCUMENTS: OnceLock<Documents> = OnceLock::new();

/// The parsed documents. The embedded text is fixed at build time and a unit test parses it, so a
/// parse failure here is a build defect, not an input error.
pub(crate) fn documents() -> &'static Documents {
    DOCUMENTS.get_or_init(|| {
        Documents::parse().unwrap_or_else(|e| panic!("embedded OpenAPI schema: {e}"))
    })
}

/// `base_file`'s directory joined with `relative`, with `.` and `..` applied.
fn join(base_file: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = base_file.split('/').collect();
    parts.pop();
    for seg in relative.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

impl Documents {
    pub(crate) fn parse() -> Result<Self, String> {
        let mut files = Vec::new();
        for (path, text) in JSON_FILES {
            let value: Value = serde_json::from_str(text).map_err(|e| format!("{path}: {e}"))?;
            files.push((*path, value));
        }
        Ok(Documents { files })
    }

    fn file(&self, path: &str) -> Option<(&'static str, &Value)> {
        self.files
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(p, v)| (*p, v))
    }

    /// The schema at `pointer` (`/properties/group`, or empty for the whole file) in `file`.
    pub(crate) fn at(&self, file: &str, pointer: &str) -> Result<Node<'_>, String> {
        let (file, doc) = self
            .file(file)
            .ok_or_else(|| format!("schema file {file} is not embedded"))?;
        let schema = doc
            .pointer(pointer)
            .ok_or_else(|| format!("{file}#{pointer} does not exist"))?;
        Ok(Node { file, schema })
    }

    /// Follows `$ref` until a schema without one (at most 32 hops, against cycles).
    pub(crate) fn resolve<'a>(&'a self, mut node: Node<'a>) -> Result<Node<'a>, String> {
        for _ in 0..32 {
            let Some(reference) = node.schema.get("$ref") else {
                return Ok(node);
            };
            let reference = reference
                .as_str()
                .ok_or_else(|| format!("{}: $ref is not a string", node.file))?;
            let (path, pointer) = reference.split_once('#').unwrap_or((reference, ""));
            let file = if path.is_empty() {
                node.file.to_owned()
            } else {
                join(node.file, path)
            };
            node = self
                .at(&file, pointer)
                .map_err(|e| format!("$ref {reference:?} from {}: {e}", node.file))?;
        }
        Err(format!("{}: $ref chain too long (cycle?)", node.file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_paths() {
        assert_eq!(
            join("a/b/schemas/x.yaml", "../schemas/y.yaml"),
            "a/b/schemas/y.yaml"
        );
        assert_eq!(join("a/b/x.yaml", "./c/y.yaml"), "a/b/c/y.yaml");
        assert_eq!(join("a/b/x.yaml", "../../y.yaml"), "y.yaml");
    }

    #[test]
    fn every_embedded_file_parses_and_every_ref_resolves() {
        let docs = Documents::parse().unwrap();
        fn walk<'a>(docs: &'a Documents, file: &'static str, v: &'a Value, count: &mut usize) {
            match v {
                Value::Object(m) => {
                    if m.contains_key("$ref") {
                        *count += 1;
                        let target = docs.resolve(Node { file, schema: v }).unwrap();
                        assert!(target.schema.is_object(), "{file}: {v}");
                    }
                    m.values().for_each(|c| walk(docs, file, c, count));
                }
                Value::Array(a) => a.iter().for_each(|c| walk(docs, file, c, count)),
                _ => {}
            }
        }
        let mut refs = 0;
        for (file, doc) in &docs.files {
            walk(&docs, file, doc, &mut refs);
        }
        assert!(refs >= 1, "the v3 schema refers to spotSizeAttributes");
    }

    #[test]
    fn missing_targets_are_reported() {
        let docs = Documents::parse().unwrap();
        let bad = serde_json::json!({"$ref": "../nope.yaml#/x"});
        let err = docs
            .resolve(Node {
                file: super::super::embedded::V3_CREATE,
                schema: &bad,
            })
            .unwrap_err();
        assert!(err.contains("not embedded"), "{err}");
        assert!(
            docs.at(super::super::embedded::V3_CREATE, "/properties/nope")
                .is_err()
        );
    }
}
