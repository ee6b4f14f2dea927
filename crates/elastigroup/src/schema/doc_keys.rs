//! Keys of an OpenAPI schema that document it but take no part in validation. `build.rs` drops
//! them from the embedded copy (a third of its size), and the tests drop them too when comparing.

use serde_json::Value;

/// Documentation-only keywords.
pub const DOC_KEYS: &[&str] = &[
    "description",
    "example",
    "examples",
    "title",
    "externalDocs",
];

/// Removes [`DOC_KEYS`] from every schema object in `v`, except where they name a property
/// (inside `properties`, a field may be called `description`).
pub fn strip_doc_keys(v: &mut Value) {
    strip(v, false);
}

fn strip(v: &mut Value, in_properties: bool) {
    match v {
        Value::Object(map) => {
            if !in_properties {
                map.retain(|k, _| !DOC_KEYS.contains(&k.as_str()));
            }
            for (k, child) in map.iter_mut() {
                strip(child, !in_properties && k == "properties");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| strip(i, false)),
        _ => {}
    }
}
