//! JSON paths into the template (`resources[2].properties.osProfile.customData`), built as a
//! borrowed linked list while walking and rendered only when an error or deferral needs one.

use std::fmt;

/// One step of a path.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Segment<'a> {
    /// A verbatim prefix, e.g. `resources[2]`.
    Root(&'a str),
    /// An object key.
    Key(&'a str),
    /// An array index.
    Index(usize),
}

/// A path: the last segment and a link to its parent.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JsonPath<'a> {
    parent: Option<&'a JsonPath<'a>>,
    segment: Segment<'a>,
}

impl<'a> JsonPath<'a> {
    /// A path starting with the verbatim text `root`.
    pub(crate) fn root(root: &'a str) -> Self {
        JsonPath {
            parent: None,
            segment: Segment::Root(root),
        }
    }

    /// This path extended by an object key.
    pub(crate) fn key(&'a self, key: &'a str) -> JsonPath<'a> {
        JsonPath {
            parent: Some(self),
            segment: Segment::Key(key),
        }
    }

    /// This path extended by an array index.
    pub(crate) fn index(&'a self, index: usize) -> JsonPath<'a> {
        JsonPath {
            parent: Some(self),
            segment: Segment::Index(index),
        }
    }

    fn write(&self, out: &mut String) {
        if let Some(parent) = self.parent {
            parent.write(out);
        }
        match self.segment {
            Segment::Root(root) => out.push_str(root),
            Segment::Key(key) if is_plain_key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Key(key) => {
                out.push_str("['");
                out.push_str(&key.replace('\'', "''"));
                out.push_str("']");
            }
            Segment::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
}

impl fmt::Display for JsonPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write(&mut out);
        f.write_str(&out)
    }
}

fn is_plain_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_keys_and_indexes() {
        let root = JsonPath::root("resources[2]");
        let props = root.key("properties");
        let ext = props.key("extensions");
        let first = ext.index(0);
        let odd = first.key("[variables('x')]");
        assert_eq!(first.to_string(), "resources[2].properties.extensions[0]");
        assert_eq!(
            odd.to_string(),
            "resources[2].properties.extensions[0]['[variables(''x'')]']"
        );
        assert_eq!(JsonPath::root("").key("a").to_string(), "a");
    }
}
