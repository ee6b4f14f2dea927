//! Whose group a group is: the cluster identity a group body carries, compared before a group
//! found by name is adopted.
//!
//! The identity is the resource group, the region and the source-scale-set tag the import
//! writes (the aks-engine scale set name holds the cluster's name suffix). The subscription is
//! not in a group body: a Spot account is connected to one Azure subscription and every call
//! carries the account, so groups of another subscription are never listed.

use serde_json::Value;

/// The tag the import writes with the aks-engine scale set a group was made from (the same key
/// as `elastigroup::SOURCE_SCALE_SET_TAG`).
pub const SOURCE_SCALE_SET_TAG: &str = "spotinst-aks-engine.source-scale-set";

/// The cluster identity of a group; `None` where the group does not say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupOwner {
    /// `resourceGroupName`.
    pub resource_group: Option<String>,
    /// `region`.
    pub region: Option<String>,
    /// The value of the [`SOURCE_SCALE_SET_TAG`] tag in `compute.launchSpecification.tags`.
    pub source_scale_set: Option<String>,
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Azure regions are written `eastus` or `East US`.
fn region_key(r: &str) -> String {
    r.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

impl GroupOwner {
    /// From a group object (the inside of `{"group": ...}`, or an API item).
    pub fn from_group(group: &Value) -> Self {
        let tag = group
            .pointer("/compute/launchSpecification/tags")
            .and_then(Value::as_array)
            .and_then(|tags| {
                tags.iter()
                    .find(|t| t.get("tagKey").and_then(Value::as_str) == Some(SOURCE_SCALE_SET_TAG))
            })
            .and_then(|t| text(t.get("tagValue")));
        Self {
            resource_group: text(group.get("resourceGroupName")),
            region: text(group.get("region")),
            source_scale_set: tag,
        }
    }

    /// From a request body `{"group": {...}}`.
    pub fn from_body(body: &Value) -> Self {
        body.get("group").map(Self::from_group).unwrap_or_default()
    }

    /// What `found` has that differs from this (the expected) identity, one text per field;
    /// empty when it matches. A field this identity does not know is not compared.
    pub fn differences(&self, found: &GroupOwner) -> Vec<String> {
        let mut out = Vec::new();
        let mut compare = |field: &str,
                           expected: &Option<String>,
                           actual: &Option<String>,
                           same: &dyn Fn(&str, &str) -> bool| {
            let Some(e) = expected else { return };
            match actual {
                Some(a) if same(e, a) => {}
                Some(a) => out.push(format!("{field} is {a:?}, this cluster's is {e:?}")),
                None => out.push(format!("{field} is not set, this cluster's is {e:?}")),
            }
        };
        compare(
            "resourceGroupName",
            &self.resource_group,
            &found.resource_group,
            &|a, b| a.eq_ignore_ascii_case(b),
        );
        compare("region", &self.region, &found.region, &|a, b| {
            region_key(a) == region_key(b)
        });
        compare(
            &format!("tag {SOURCE_SCALE_SET_TAG}"),
            &self.source_scale_set,
            &found.source_scale_set,
            &|a, b| a == b,
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn group(rg: &str, region: &str, scale_set: Option<&str>) -> Value {
        let mut tags = vec![json!({"tagKey": "poolName", "tagValue": "agentpool1"})];
        if let Some(s) = scale_set {
            tags.push(json!({"tagKey": SOURCE_SCALE_SET_TAG, "tagValue": s}));
        }
        json!({"resourceGroupName": rg, "region": region,
               "compute": {"launchSpecification": {"tags": tags}}})
    }

    #[test]
    fn reads_the_identity_and_compares_it_leniently_where_azure_is() {
        let ours = GroupOwner::from_body(
            &json!({"group": group("RG-1", "eastus", Some("k8s-agentpool1-1234-vmss"))}),
        );
        assert_eq!(ours.resource_group.as_deref(), Some("RG-1"));
        assert_eq!(
            ours.source_scale_set.as_deref(),
            Some("k8s-agentpool1-1234-vmss")
        );
        let same =
            GroupOwner::from_group(&group("rg-1", "East US", Some("k8s-agentpool1-1234-vmss")));
        assert!(ours.differences(&same).is_empty());

        let other = GroupOwner::from_group(&group("rg-2", "westeurope", None));
        let diff = ours.differences(&other);
        assert_eq!(diff.len(), 3, "{diff:?}");
        assert!(
            diff[0].contains("\"rg-2\"") && diff[0].contains("\"RG-1\""),
            "{diff:?}"
        );
        assert!(diff[2].contains("not set"), "{diff:?}");

        // an identity that knows nothing compares nothing
        assert!(GroupOwner::default().differences(&other).is_empty());
    }
}
