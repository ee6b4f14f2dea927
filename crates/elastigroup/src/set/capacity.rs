//! The capacity sanity check run after `--set`.

use serde_json::Value;

use super::SetError;

fn field(cap: &Value, name: &'static str) -> Result<u64, SetError> {
    let v = cap
        .get(name)
        .filter(|v| !v.is_null())
        .ok_or(SetError::MissingCapacity { field: name })?;
    let n = match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                .map(|f| f as u64)
        }),
        _ => None,
    };
    n.ok_or_else(|| SetError::InvalidCapacity {
        field: name,
        found: v.to_string(),
    })
}

/// Checks `group.capacity`: `minimum`, `target` and `maximum` are non-negative integers and
/// `minimum <= target <= maximum`.
///
/// # Errors
/// Names the field and value, or all three values when out of order.
pub fn check_capacity(group: &Value) -> Result<(), SetError> {
    let cap = group
        .get("capacity")
        .filter(|c| c.is_object())
        .ok_or(SetError::MissingCapacity { field: "(all)" })?;
    let minimum = field(cap, "minimum")?;
    let target = field(cap, "target")?;
    let maximum = field(cap, "maximum")?;
    if minimum <= target && target <= maximum {
        Ok(())
    } else {
        Err(SetError::CapacityOrder {
            minimum,
            target,
            maximum,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_ordered_non_negative_integers() {
        check_capacity(&json!({"capacity": {"minimum": 0, "target": 2, "maximum": 3}})).unwrap();
        check_capacity(&json!({"capacity": {"minimum": 1, "target": 1, "maximum": 1}})).unwrap();
        check_capacity(&json!({"capacity": {"minimum": 0, "target": 2.0, "maximum": 3}})).unwrap();
    }

    #[test]
    fn rejects_out_of_order_values_naming_them() {
        let e = check_capacity(&json!({"capacity": {"minimum": 0, "target": 4, "maximum": 3}}))
            .unwrap_err();
        assert_eq!(
            e,
            SetError::CapacityOrder {
                minimum: 0,
                target: 4,
                maximum: 3
            }
        );
        assert!(e.to_string().contains("target 4") && e.to_string().contains("maximum 3"));
        let e = check_capacity(&json!({"capacity": {"minimum": 2, "target": 1, "maximum": 3}}))
            .unwrap_err();
        assert!(matches!(e, SetError::CapacityOrder { minimum: 2, .. }));
    }

    #[test]
    fn rejects_negative_fractional_non_numeric_and_missing() {
        for (cap, field) in [
            (json!({"minimum": -1, "target": 1, "maximum": 1}), "minimum"),
            (json!({"minimum": 0, "target": 1.5, "maximum": 2}), "target"),
            (
                json!({"minimum": 0, "target": 1, "maximum": "3"}),
                "maximum",
            ),
        ] {
            let e = check_capacity(&json!({ "capacity": cap })).unwrap_err();
            assert!(
                matches!(e, SetError::InvalidCapacity { field: f, .. } if f == field),
                "{e}"
            );
        }
        let e = check_capacity(&json!({"capacity": {"minimum": 0, "target": 1}})).unwrap_err();
        assert_eq!(e, SetError::MissingCapacity { field: "maximum" });
        assert!(matches!(
            check_capacity(&json!({})),
            Err(SetError::MissingCapacity { .. })
        ));
    }
}
