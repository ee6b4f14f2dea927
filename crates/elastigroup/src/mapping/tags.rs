//! Tags: the scale set's `tags` plus [`SOURCE_SCALE_SET_TAG`] naming it →
//! `launchSpecification.tags` (same shape in both generations).

use serde_json::{Value, json};

use super::json_cursor::Cursor;
use super::{MappingErrorKind, MappingWarning, SOURCE_SCALE_SET_TAG};

/// Reads `tags` (non-string scalars become strings; objects and arrays are dropped with a
/// warning) and appends the source tag naming `scale_set`.
pub(crate) fn extract(
    c: &Cursor,
    scale_set: &str,
    w: &mut Vec<MappingWarning>,
) -> Result<Vec<(String, String)>, MappingErrorKind> {
    let mut out = Vec::new();
    if let Some(map) = c.object()? {
        for (k, v) in map {
            if k == SOURCE_SCALE_SET_TAG {
                continue;
            }
            match v {
                Value::String(s) => out.push((k.clone(), s.clone())),
                Value::Number(_) | Value::Bool(_) => out.push((k.clone(), v.to_string())),
                Value::Null => out.push((k.clone(), String::new())),
                _ => w.push(MappingWarning::new(
                    c.child_path(k),
                    "tag value is not a string: dropped",
                )),
            }
        }
    }
    out.push((SOURCE_SCALE_SET_TAG.to_owned(), scale_set.to_owned()));
    Ok(out)
}

/// `tags: [{tagKey, tagValue}]` (same shape in both generations).
pub(crate) fn render(tags: &[(String, String)]) -> Value {
    Value::Array(
        tags.iter()
            .map(|(k, v)| json!({"tagKey": k, "tagValue": v}))
            .collect(),
    )
}
