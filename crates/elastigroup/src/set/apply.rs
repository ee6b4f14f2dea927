//! Applying `--set` assignments to a group object.

use serde_json::{Map, Value};

use super::{PathSegment, SetAssignment, SetError};
use crate::json_type::type_name;

/// Applies the assignments in order to `group` (the object inside `{"group": ...}`).
///
/// Missing (or `null`) intermediate fields become objects or arrays as the next path segment
/// requires; an array grows only by one element, at index == length.
///
/// # Errors
/// A path through a value of the wrong kind, or an index past the end of an array.
pub fn apply_set(group: &mut Value, sets: &[SetAssignment]) -> Result<(), SetError> {
    if !group.is_object() {
        return Err(SetError::NotAnObject {
            found: type_name(group),
        });
    }
    for set in sets {
        apply_one(group, set)?;
    }
    Ok(())
}

fn apply_one(group: &mut Value, set: &SetAssignment) -> Result<(), SetError> {
    let mut cur = group;
    let mut at = String::from("(group)");
    let last = set.path.len().saturating_sub(1);
    for (i, seg) in set.path.iter().enumerate() {
        let conflict = |cur: &Value, at: &str, expected| SetError::Conflict {
            key: set.key.clone(),
            segment: seg.to_string(),
            at: at.to_owned(),
            found: type_name(cur),
            expected,
        };
        match seg {
            PathSegment::Key(k) => {
                if cur.is_null() {
                    *cur = Value::Object(Map::new());
                }
                let Value::Object(m) = cur else {
                    return Err(conflict(cur, &at, "an object"));
                };
                if i == last {
                    m.insert(k.clone(), set.value.clone());
                    return Ok(());
                }
                cur = m.entry(k.clone()).or_insert(Value::Null);
                at = if i == 0 {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
            }
            PathSegment::Index(n) => {
                if cur.is_null() {
                    *cur = Value::Array(Vec::new());
                }
                let Value::Array(a) = cur else {
                    return Err(conflict(cur, &at, "an array"));
                };
                if *n > a.len() {
                    return Err(SetError::IndexOutOfRange {
                        key: set.key.clone(),
                        at,
                        index: *n,
                        len: a.len(),
                    });
                }
                if *n == a.len() {
                    a.push(Value::Null);
                }
                if i == last {
                    a[*n] = set.value.clone();
                    return Ok(());
                }
                cur = &mut a[*n];
                at = format!("{at}[{n}]");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_set_args;
    use serde_json::json;

    fn apply(group: &mut Value, a: &[&str]) -> Result<(), SetError> {
        let sets = parse_set_args(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        apply_set(group, &sets)
    }

    #[test]
    fn overrides_existing_fields_and_creates_intermediate_objects() {
        let mut g = json!({"capacity": {"target": 1, "minimum": 0, "maximum": 1}, "name": "x"});
        apply(
            &mut g,
            &[
                "capacity.maximum=3",
                "capacity.target=2",
                "thirdPartiesIntegration.kubernetes.clusterIdentifier=c1",
            ],
        )
        .unwrap();
        assert_eq!(
            g["capacity"],
            json!({"target": 2, "minimum": 0, "maximum": 3})
        );
        assert_eq!(
            g["thirdPartiesIntegration"]["kubernetes"]["clusterIdentifier"],
            "c1"
        );
        apply(&mut g, &["compute.vmSizes.spotSizes=[\"a\",\"b\"]"]).unwrap();
        assert_eq!(g["compute"]["vmSizes"]["spotSizes"], json!(["a", "b"]));
    }

    #[test]
    fn arrays_grow_by_exactly_one() {
        let mut g = json!({"compute": {"vmSizes": {"spotSizes": ["a"]}}});
        apply(
            &mut g,
            &[
                "compute.vmSizes.spotSizes[0]=z",
                "compute.vmSizes.spotSizes[1]=b",
            ],
        )
        .unwrap();
        assert_eq!(g["compute"]["vmSizes"]["spotSizes"], json!(["z", "b"]));
        let e = apply(&mut g, &["compute.vmSizes.spotSizes[3]=c"]).unwrap_err();
        assert_eq!(
            e,
            SetError::IndexOutOfRange {
                key: "compute.vmSizes.spotSizes[3]".into(),
                at: "compute.vmSizes.spotSizes".into(),
                index: 3,
                len: 2
            }
        );
        assert!(e.to_string().contains("at index 2"));
        // New arrays and objects inside arrays.
        apply(
            &mut g,
            &[
                "compute.launchSpecification.tags[0].tagKey=k",
                "compute.launchSpecification.tags[0].tagValue=v",
            ],
        )
        .unwrap();
        assert_eq!(
            g["compute"]["launchSpecification"]["tags"],
            json!([{"tagKey": "k", "tagValue": "v"}])
        );
        apply(&mut g, &["m[0][0]=1"]).unwrap();
        assert_eq!(g["m"], json!([[1]]));
    }

    #[test]
    fn conflicts_name_the_offending_value() {
        let mut g = json!({"name": "x", "list": [1]});
        let e = apply(&mut g, &["name.first=a"]).unwrap_err();
        assert!(
            matches!(&e, SetError::Conflict { at, found: "a string", expected: "an object", .. } if at == "name")
        );
        let e = apply(&mut g, &["list.a=1"]).unwrap_err();
        assert!(matches!(
            e,
            SetError::Conflict {
                found: "an array",
                ..
            }
        ));
        let e = apply(&mut g, &["name[0]=1"]).unwrap_err();
        assert!(matches!(
            e,
            SetError::Conflict {
                expected: "an array",
                ..
            }
        ));
        assert!(matches!(
            apply_set(&mut json!([]), &[]),
            Err(SetError::NotAnObject { .. })
        ));
    }

    #[test]
    fn later_assignments_win() {
        let mut g = json!({});
        apply(&mut g, &["a=1,a=2"]).unwrap();
        assert_eq!(g, json!({"a": 2}));
    }
}
