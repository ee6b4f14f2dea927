//! The field-level difference between a live group (as Spot returns it) and the group the
//! import pipeline computes now, for `sync` and `import --update`.
//!
//! Only the fields the computed group sets are compared: what Spot adds on its own (defaults,
//! `id`, `createdAt`, `updatedAt`, ...) is never a difference, or every run would find one. The
//! live capacity (what users, `--set` and scaling change) is compared only for the capacity
//! fields `--set capacity.*` names. A difference in a field Spot cannot update is refused with
//! the reason; secret fields are compared, but their values are never shown.

use serde::Serialize;
use serde_json::Value;

use crate::redact::is_secret_key;

/// Fields Spot sets itself: never part of a diff, wherever the desired body mentions them.
const SERVER_SIDE: &[&str] = &["id", "createdAt", "updatedAt"];

/// Fields of the group Spot cannot update (absent from its update schemas), with the reason.
const IMMUTABLE: &[(&str, &str)] = &[
    (
        "region",
        "Spot cannot move a group to another region: delete the group and import again",
    ),
    (
        "resourceGroupName",
        "Spot cannot move a group to another resource group: delete the group and import again",
    ),
    (
        "compute.os",
        "Spot cannot change a group's operating system: delete the group and import again",
    ),
    (
        "compute.product",
        "Spot cannot change a group's operating system: delete the group and import again",
    ),
];

/// The capacity fields a diff may compare.
const CAPACITY: &str = "capacity";

/// How a diff is taken.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiffOptions {
    /// Capacity fields (`target`, `minimum`, `maximum`) the user asks to change with
    /// `--set capacity.<field>`; the others keep their live value.
    pub capacity_fields: Vec<String>,
}

impl DiffOptions {
    /// The capacity fields named by `--set` keys (`capacity.target=5` names `target`;
    /// `capacity={...}` names every field it sets).
    pub fn from_set_keys<'a>(keys: impl IntoIterator<Item = (&'a str, &'a Value)>) -> Self {
        let mut capacity_fields = Vec::new();
        for (key, value) in keys {
            if let Some(field) = key.strip_prefix("capacity.") {
                capacity_fields.push(field.to_owned());
            } else if let (CAPACITY, Value::Object(m)) = (key, value) {
                capacity_fields.extend(m.keys().cloned());
            }
        }
        capacity_fields.sort();
        capacity_fields.dedup();
        Self { capacity_fields }
    }
}

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// Dotted JSON path below `group` (`compute.launchSpecification.customData`,
    /// `compute.launchSpecification.tags[3].tagValue`).
    pub path: String,
    /// The live value (`None`: the live group does not have it). Secret: see [`Self::secret`].
    #[serde(skip)]
    pub old: Option<Value>,
    /// The computed value. Secret: see [`Self::secret`].
    #[serde(skip)]
    pub new: Option<Value>,
    /// The field holds a secret: shown as `<changed>`, never its values.
    pub secret: bool,
}

/// How long a value may be before the text output shortens it.
pub const SHORT_VALUE_CHARS: usize = 60;

impl FieldChange {
    /// `path: old → new`; secrets as `<changed>`; long values as their length unless `verbose`,
    /// which shows them shortened to their start and end.
    pub fn line(&self, verbose: bool) -> String {
        if self.secret {
            return format!("{}: <changed>", self.path);
        }
        format!(
            "{}: {} → {}",
            self.path,
            shown(self.old.as_ref(), verbose),
            shown(self.new.as_ref(), verbose)
        )
    }

    /// The values for `--output json`: `null` for a secret or a missing side.
    pub fn json(&self) -> Value {
        let side = |v: &Option<Value>| {
            if self.secret {
                Value::String("<changed>".into())
            } else {
                v.clone().unwrap_or(Value::Null)
            }
        };
        serde_json::json!({
            "path": self.path,
            "old": side(&self.old),
            "new": side(&self.new),
            "secret": self.secret,
        })
    }
}

/// A value as the text output shows it.
fn shown(value: Option<&Value>, verbose: bool) -> String {
    let Some(value) = value else {
        return "(absent)".into();
    };
    let text = value.to_string();
    let chars = text.chars().count();
    if chars <= SHORT_VALUE_CHARS {
        return text;
    }
    if !verbose {
        return format!("<{chars} characters; -v shows them shortened>");
    }
    let head: String = text.chars().take(SHORT_VALUE_CHARS / 2).collect();
    let tail: String = text.chars().skip(chars - SHORT_VALUE_CHARS / 2).collect();
    format!("{head}…{tail} ({chars} characters)")
}

/// A difference in a field Spot cannot update.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refusal {
    /// Dotted JSON path below `group`.
    pub path: String,
    /// Why it cannot be sent.
    pub reason: &'static str,
}

/// Everything that differs between a live group and the computed one.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GroupDiff {
    /// Fields an update would change, in the computed body's order.
    pub changes: Vec<FieldChange>,
    /// Differences in fields Spot cannot update: the update is refused.
    pub refused: Vec<Refusal>,
}

impl GroupDiff {
    /// Nothing to send.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.refused.is_empty()
    }
}

/// The diff between `live` (the group Spot returns: `{"id": ..., "name": ..., ...}`, with or
/// without a `{"group": ...}` envelope) and `desired` (the computed `{"group": {...}}`).
pub fn diff_group(live: &Value, desired: &Value, options: &DiffOptions) -> GroupDiff {
    let live = unwrap_group(live);
    let desired = unwrap_group(desired);
    let mut diff = GroupDiff::default();
    let (Value::Object(live), Value::Object(desired)) = (live, desired) else {
        return diff;
    };
    for (key, want) in desired {
        if SERVER_SIDE.contains(&key.as_str()) {
            continue;
        }
        let have = live.get(key);
        if key == CAPACITY {
            for field in &options.capacity_fields {
                let want = want.get(field);
                let have = have.and_then(|c| c.get(field));
                if want.is_some() && want != have {
                    diff.changes.push(FieldChange {
                        path: format!("{CAPACITY}.{field}"),
                        old: have.cloned(),
                        new: want.cloned(),
                        secret: false,
                    });
                }
            }
            continue;
        }
        compare(key, have, want, false, &mut diff);
    }
    diff
}

/// `{"group": g}` → `g`; anything else as it is.
fn unwrap_group(v: &Value) -> &Value {
    match v.get("group") {
        Some(g) if g.is_object() => g,
        _ => v,
    }
}

/// Compares one field of the computed body with the live one, recursing into the computed
/// object's keys and into arrays of the same length.
fn compare(path: &str, have: Option<&Value>, want: &Value, secret: bool, diff: &mut GroupDiff) {
    if let Some((_, reason)) = IMMUTABLE.iter().find(|(p, _)| *p == path) {
        if have != Some(want) {
            diff.refused.push(Refusal {
                path: path.to_owned(),
                reason,
            });
        }
        return;
    }
    match (have, want) {
        // A null asks for nothing (`--set x=null` removes a field from the body).
        (_, Value::Null) => {}
        (Some(Value::Object(h)), Value::Object(w)) if !secret => {
            for (key, want) in w {
                if SERVER_SIDE.contains(&key.as_str()) {
                    continue;
                }
                compare(
                    &format!("{path}.{key}"),
                    h.get(key),
                    want,
                    is_secret_key(key),
                    diff,
                );
            }
        }
        (Some(Value::Array(h)), Value::Array(w)) if !secret && h.len() == w.len() => {
            for (i, (have, want)) in h.iter().zip(w).enumerate() {
                compare(&format!("{path}[{i}]"), Some(have), want, false, diff);
            }
        }
        (have, want) if have != Some(want) => diff.changes.push(FieldChange {
            path: path.to_owned(),
            old: have.cloned(),
            new: Some(want.clone()),
            secret: secret || path.rsplit('.').next().is_some_and(is_secret_key),
        }),
        _ => {}
    }
}

/// The body to PUT: the computed `{"group": {...}}` with the live capacity, except the capacity
/// fields the user asked to change, and without server-side fields.
pub fn update_body(live: &Value, desired: &Value, options: &DiffOptions) -> Value {
    let live = unwrap_group(live);
    let mut body = desired.clone();
    let Some(group) = body.get_mut("group").and_then(Value::as_object_mut) else {
        return body;
    };
    for key in SERVER_SIDE {
        group.remove(*key);
    }
    if let Some(Value::Object(live_capacity)) = live.get(CAPACITY) {
        let mut capacity = live_capacity.clone();
        if let Some(Value::Object(want)) = group.get(CAPACITY) {
            for field in &options.capacity_fields {
                if let Some(v) = want.get(field) {
                    capacity.insert(field.clone(), v.clone());
                }
            }
        }
        group.insert(CAPACITY.into(), Value::Object(capacity));
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn live() -> Value {
        json!({
            "id": "sig-1234abcd", "name": "demo-agentpool1", "region": "eastus",
            "resourceGroupName": "rg", "createdAt": "2020-01-01T00:00:00Z",
            "updatedAt": "2020-01-02T00:00:00Z",
            "capacity": {"minimum": 0, "maximum": 10, "target": 4},
            "strategy": {"spotPercentage": 100, "fallbackToOd": true, "drainingTimeout": 300},
            "compute": {
                "os": "Linux",
                "vmSizes": {"odSizes": ["standard_d2s_v3"], "spotSizes": ["standard_d2s_v3"]},
                "launchSpecification": {
                    "customData": "b2xk",
                    "vmNamePrefix": "k8s-agentpool1-spot",
                    "extensions": [{"name": "cse", "protectedSettings": {"commandToExecute": "K=1.16.4"},
                        "publicSettings": null}],
                    "tags": [{"tagKey": "orchestrator", "tagValue": "Kubernetes:1.16.4"},
                             {"tagKey": "poolName", "tagValue": "agentpool1"}]
                }
            }
        })
    }

    fn desired() -> Value {
        let mut g = live();
        let g = g.as_object_mut().unwrap();
        for k in ["id", "createdAt", "updatedAt"] {
            g.remove(k);
        }
        // Spot added this default; the computed body does not set it.
        g["strategy"]
            .as_object_mut()
            .unwrap()
            .remove("fallbackToOd");
        g["capacity"] = json!({"minimum": 0, "maximum": 3, "target": 2});
        json!({"group": g})
    }

    fn no_opts() -> DiffOptions {
        DiffOptions::default()
    }

    #[test]
    fn the_same_group_has_no_diff_despite_server_fields_defaults_and_capacity() {
        let d = diff_group(&live(), &desired(), &no_opts());
        assert!(d.is_empty(), "{d:?}");
        // The envelope is optional on both sides.
        assert!(diff_group(&json!({"group": live()}), &desired()["group"], &no_opts()).is_empty());
    }

    #[test]
    fn an_upgrade_shows_each_field_with_secrets_as_changed() {
        let mut want = desired();
        let ls = &mut want["group"]["compute"]["launchSpecification"];
        ls["customData"] = json!("bmV3");
        ls["extensions"][0]["protectedSettings"]["commandToExecute"] = json!("K=1.17.1");
        ls["tags"][0]["tagValue"] = json!("Kubernetes:1.17.1");
        let d = diff_group(&live(), &want, &no_opts());
        assert!(d.refused.is_empty());
        let lines: Vec<String> = d.changes.iter().map(|c| c.line(false)).collect();
        assert_eq!(
            lines,
            [
                "compute.launchSpecification.customData: <changed>",
                "compute.launchSpecification.extensions[0].protectedSettings: <changed>",
                "compute.launchSpecification.tags[0].tagValue: \"Kubernetes:1.16.4\" → \"Kubernetes:1.17.1\"",
            ]
        );
        let text = format!("{lines:?}{}", serde_json::to_string(&d).unwrap());
        let json: Vec<Value> = d.changes.iter().map(FieldChange::json).collect();
        let text = format!("{text}{json:?}");
        for secret in ["bmV3", "b2xk", "K=1.17.1", "K=1.16.4"] {
            assert!(!text.contains(secret), "{secret} shown: {text}");
        }
        assert_eq!(json[0]["new"], "<changed>");
        assert_eq!(json[2]["old"], "Kubernetes:1.16.4");
    }

    #[test]
    fn capacity_is_compared_only_for_the_fields_set_asks() {
        let opts = DiffOptions::from_set_keys([("capacity.target", &json!(2))]);
        assert_eq!(opts.capacity_fields, ["target"]);
        let d = diff_group(&live(), &desired(), &opts);
        assert_eq!(d.changes.len(), 1);
        assert_eq!(d.changes[0].line(false), "capacity.target: 4 → 2");
        let whole = json!({"maximum": 3, "target": 2});
        let opts = DiffOptions::from_set_keys([("capacity", &whole)]);
        assert_eq!(opts.capacity_fields, ["maximum", "target"]);
        assert_eq!(diff_group(&live(), &desired(), &opts).changes.len(), 2);
        // Other keys name no capacity field.
        let other = DiffOptions::from_set_keys([("capacityX.target", &json!(1))]);
        assert!(other.capacity_fields.is_empty());
    }

    #[test]
    fn fields_spot_cannot_update_are_refused_with_the_reason() {
        let mut want = desired();
        want["group"]["region"] = json!("westeurope");
        want["group"]["resourceGroupName"] = json!("other");
        want["group"]["compute"]["os"] = json!("Windows");
        let d = diff_group(&live(), &want, &no_opts());
        let paths: Vec<&str> = d.refused.iter().map(|r| r.path.as_str()).collect();
        // In the computed body's order.
        assert_eq!(paths, ["compute.os", "region", "resourceGroupName"]);
        assert!(d.refused[1].reason.contains("region"));
        assert!(d.changes.is_empty());
        assert!(!d.is_empty());
        // The network's resource group is not the group's: it can change.
        let mut want = desired();
        want["group"]["compute"]["network"] = json!({"resourceGroupName": "net"});
        let d = diff_group(&live(), &want, &no_opts());
        assert!(d.refused.is_empty());
        assert_eq!(d.changes[0].path, "compute.network");
    }

    #[test]
    fn missing_added_and_resized_arrays() {
        let mut want = desired();
        want["group"]["description"] = json!("new");
        want["group"]["compute"]["launchSpecification"]["tags"]
            .as_array_mut()
            .unwrap()
            .push(json!({"tagKey": "x", "tagValue": "y"}));
        want["group"]["compute"]["vmSizes"]["spotSizes"] =
            json!(["standard_d2s_v3", "standard_d4s_v3"]);
        let d = diff_group(&live(), &want, &no_opts());
        let paths: Vec<&str> = d.changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "compute.vmSizes.spotSizes",
                "compute.launchSpecification.tags",
                "description",
            ]
        );
        assert_eq!(d.changes[2].line(false), "description: (absent) → \"new\"");
    }

    #[test]
    fn a_null_in_the_computed_body_asks_for_nothing() {
        let mut want = desired();
        want["group"]["compute"]["launchSpecification"]["vmNamePrefix"] = Value::Null;
        assert!(diff_group(&live(), &want, &no_opts()).is_empty());
    }

    #[test]
    fn a_secret_absent_from_the_live_group_is_changed_without_its_value() {
        let mut have = live();
        have["compute"]["launchSpecification"]
            .as_object_mut()
            .unwrap()
            .remove("customData");
        let d = diff_group(&have, &desired(), &no_opts());
        assert_eq!(d.changes.len(), 1);
        assert!(d.changes[0].secret);
        assert_eq!(
            d.changes[0].line(true),
            "compute.launchSpecification.customData: <changed>"
        );
    }

    #[test]
    fn long_values_are_shortened_and_only_shown_with_verbose() {
        let long = "a".repeat(200);
        let mut want = desired();
        want["group"]["description"] = json!(long);
        let d = diff_group(&live(), &want, &no_opts());
        let quiet = d.changes[0].line(false);
        assert!(
            quiet.contains("<202 characters; -v shows them shortened>"),
            "{quiet}"
        );
        let verbose = d.changes[0].line(true);
        assert!(verbose.contains('…') && verbose.contains("(202 characters)"));
        assert!(verbose.len() < 120, "{verbose}");
    }

    #[test]
    fn non_objects_give_no_diff_and_no_panic() {
        for (a, b) in [(json!(null), json!(1)), (json!([]), json!({"group": 1}))] {
            assert!(diff_group(&a, &b, &no_opts()).is_empty());
            let _ = update_body(&a, &b, &no_opts());
        }
    }

    #[test]
    fn the_update_body_keeps_the_live_capacity_unless_asked() {
        let body = update_body(&live(), &desired(), &no_opts());
        assert_eq!(
            body["group"]["capacity"],
            json!({"minimum": 0, "maximum": 10, "target": 4})
        );
        assert!(body["group"].get("id").is_none());
        let opts = DiffOptions::from_set_keys([("capacity.target", &json!(2))]);
        let body = update_body(&live(), &desired(), &opts);
        assert_eq!(
            body["group"]["capacity"],
            json!({"minimum": 0, "maximum": 10, "target": 2})
        );
        // The rest is the computed body.
        assert_eq!(body["group"]["compute"], desired()["group"]["compute"]);
    }
}
