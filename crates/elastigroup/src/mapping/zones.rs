//! Availability zones: the scale set's `zones` → v3 `compute.zones`; v2 has none (warning).

use serde_json::Value;

use super::json_cursor::Cursor;
use super::sourced::Sourced;
use super::{MappingErrorKind, MappingWarning};

/// Reads `zones` (numbers or strings); `None` when there are none.
pub(crate) fn extract(c: &Cursor) -> Result<Option<Sourced<Vec<String>>>, MappingErrorKind> {
    let mut out = Vec::new();
    for z in c.items()? {
        match z.value() {
            Some(Value::Number(n)) => out.push(n.to_string()),
            _ => out.push(z.req_str("an availability zone")?.to_owned()),
        }
    }
    Ok((!out.is_empty()).then(|| Sourced {
        value: out,
        path: c.path().to_owned(),
    }))
}

/// v2: the zones are not applied, with a warning.
pub(crate) fn warn_v2(zones: &Sourced<Vec<String>>, w: &mut Vec<MappingWarning>) {
    w.push(MappingWarning::new(
        &zones.path,
        format!(
            "v2 has no availability zones: zones {:?} are not applied",
            zones.value
        ),
    ));
}
