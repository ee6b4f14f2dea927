//! Checking each `--set` value against the Spot OpenAPI create schema before it is applied, so a
//! wrong type or range is reported with the key the user wrote, not as a body path later.

use serde_json::Value;

use super::{PathSegment, SetAssignment, SetError};
use crate::ApiGeneration;
use crate::schema::{ValueCheck, check_value_at};

/// The longest value shown in an error, in characters.
const SHOWN_VALUE_CHARS: usize = 60;

/// Checks every assignment against the `generation`'s create schema: types (`integer` means a
/// JSON integer: not `1.0`, `1e+23` or beyond 64 bits), enums, ranges and lengths. A key the
/// schema does not know passes (the body check warns about it with the nearest known field),
/// except one that starts with `group.`, which is refused with the key to write instead.
///
/// # Errors
/// The first assignment that does not fit, naming its key, its value (unless secret) and what
/// was expected.
pub fn check_set_values(generation: ApiGeneration, sets: &[SetAssignment]) -> Result<(), SetError> {
    sets.iter().try_for_each(|set| check_one(generation, set))
}

fn check_one(generation: ApiGeneration, set: &SetAssignment) -> Result<(), SetError> {
    match check_value_at(generation, &set.path, &set.value) {
        ValueCheck::Valid => Ok(()),
        ValueCheck::UnknownPath => match set.path.as_slice() {
            [PathSegment::Key(first), _, ..] if first == "group" => Err(SetError::GroupPrefix {
                key: set.key.clone(),
                suggestion: set.key["group.".len()..].to_owned(),
            }),
            _ => Ok(()),
        },
        ValueCheck::Invalid(issues) => {
            let own_path = format!("group.{}", set.key);
            let problems: Vec<String> = issues
                .iter()
                .map(|i| {
                    if i.path == own_path {
                        i.message.clone()
                    } else {
                        let at = i.path.strip_prefix("group.").unwrap_or(&i.path);
                        format!("{at}: {}", i.message)
                    }
                })
                .collect();
            Err(SetError::NotAccepted {
                key: set.key.clone(),
                value: shown(set),
                problem: problems.join("; "),
            })
        }
    }
}

/// The value as the user can recognise it: JSON, shortened; a size marker for a secret field.
fn shown(set: &SetAssignment) -> String {
    if set.is_secret() {
        return match crate::redact::marker(&set.value) {
            Value::String(s) => s,
            other => other.to_string(),
        };
    }
    let s = set.value.to_string();
    if s.chars().count() > SHOWN_VALUE_CHARS {
        format!(
            "{}...",
            s.chars().take(SHOWN_VALUE_CHARS).collect::<String>()
        )
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_set_args;

    fn check(generation: ApiGeneration, arg: &str) -> Result<(), SetError> {
        check_set_values(generation, &parse_set_args(&[arg.to_owned()]).unwrap())
    }

    fn refused(generation: ApiGeneration, arg: &str) -> String {
        match check(generation, arg) {
            Err(e @ SetError::NotAccepted { .. }) => e.to_string(),
            other => panic!("{arg}: expected NotAccepted, got {other:?}"),
        }
    }

    #[test]
    fn accepts_values_of_the_schema_type_and_range() {
        for arg in [
            "capacity.target=2",
            "capacity.maximum=0",
            "strategy.spotPercentage=0",
            "strategy.spotPercentage=100",
            "strategy.fallbackToOd=false",
            "name=my-group",
            r#"compute.vmSizes.spotSizes=["standard_d2_v2","standard_d4_v2"]"#,
            "compute.vmSizes.spotSizes[0]=standard_d2_v2",
            "compute.launchSpecification.tags[0].tagKey=k",
            // Unknown fields are left to the body check's "did you mean" warning.
            "strategy.fallbackToODD=true",
        ] {
            check(ApiGeneration::V3, arg).unwrap_or_else(|e| panic!("{arg}: {e}"));
        }
        check(ApiGeneration::V2, "strategy.lowPriorityPercentage=50").unwrap();
        check(
            ApiGeneration::V2,
            "compute.launchSpecification.login.userName=u",
        )
        .unwrap();
    }

    #[test]
    fn integers_must_be_json_integers_within_64_bits() {
        let m = refused(ApiGeneration::V3, "capacity.target=1e+23");
        assert!(
            m.contains("--set capacity.target=1e+23") && m.contains("expected integer"),
            "{m}"
        );
        let m = refused(ApiGeneration::V3, "capacity.target=1.0");
        assert!(
            m.contains("capacity.target=1.0") && m.contains("without a decimal point"),
            "{m}"
        );
        let m = refused(ApiGeneration::V3, "capacity.maximum=18446744073709551615");
        assert!(
            m.contains("capacity.maximum=18446744073709551615") && m.contains("64-bit"),
            "{m}"
        );
        let m = refused(ApiGeneration::V2, "capacity.minimum=2.5");
        assert!(m.contains("expected integer"), "{m}");
    }

    #[test]
    fn percentages_and_counts_are_range_checked() {
        let m = refused(ApiGeneration::V3, "strategy.spotPercentage=150");
        assert_eq!(
            m,
            "--set strategy.spotPercentage=150: expected an integer from 0 to 100, found 150"
        );
        let m = refused(ApiGeneration::V3, "strategy.spotPercentage=-1");
        assert!(m.contains("from 0 to 100"), "{m}");
        let m = refused(ApiGeneration::V2, "strategy.lowPriorityPercentage=101");
        assert!(m.contains("from 0 to 100"), "{m}");
        let m = refused(ApiGeneration::V3, "capacity.target=-2");
        assert!(m.contains("of at least 0, found -2"), "{m}");
        // A range the published schema states itself.
        let m = refused(
            ApiGeneration::V3,
            "scheduling.tasks[0].adjustmentPercentage=0",
        );
        assert!(m.contains("from 1 to 100"), "{m}");
    }

    #[test]
    fn name_must_not_be_empty_and_types_are_named() {
        let m = refused(ApiGeneration::V3, "name=");
        assert_eq!(
            m,
            r#"--set name="": expected a non-empty string, found an empty one"#
        );
        let m = refused(ApiGeneration::V3, "strategy.fallbackToOd=yes");
        assert!(
            m.contains(r#"fallbackToOd="yes""#) && m.contains("expected boolean, found a string"),
            "{m}"
        );
        // Problems inside an object value name their own path.
        let m = refused(ApiGeneration::V3, r#"capacity={"target": 1.5}"#);
        assert!(m.contains("capacity.target: expected integer"), "{m}");
    }

    #[test]
    fn a_group_prefix_is_refused_with_the_key_to_write() {
        let e = check(ApiGeneration::V3, "group.capacity.target=2").unwrap_err();
        assert_eq!(
            e,
            SetError::GroupPrefix {
                key: "group.capacity.target".into(),
                suggestion: "capacity.target".into()
            }
        );
        assert!(e.to_string().contains("write `capacity.target`"), "{e}");
        assert!(matches!(
            check(ApiGeneration::V2, "group.name=x"),
            Err(SetError::GroupPrefix { .. })
        ));
    }

    #[test]
    fn secret_values_are_not_shown() {
        let m = refused(
            ApiGeneration::V3,
            "compute.launchSpecification.login.password=12",
        );
        assert!(!m.contains("=12:") && m.contains("redacted"), "{m}");
    }
}
