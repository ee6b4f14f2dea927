//! Whether the scale set Azure has under a pool's full id is the one the import read: its
//! `poolName` and `resourceNameSuffix` tags (aks-engine sets both) name this pool and this
//! cluster. A same-named scale set of another cluster (another resource group, or a stale
//! directory) fails here, before anything is cordoned or scaled.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// aks-engine's tag with the agent pool's name.
pub const POOL_NAME_TAG: &str = "poolName";
/// aks-engine's tag with the cluster's name suffix.
pub const NAME_SUFFIX_TAG: &str = "resourceNameSuffix";

/// One thing that differs: what was expected, what was found (`None`: absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Difference {
    /// `id`, or `tag poolName`.
    pub what: String,
    /// The expected value.
    pub expected: String,
    /// The value found; `None` when absent.
    pub found: Option<String>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.found {
            Some(v) => write!(f, "{} is `{v}`, expected `{}`", self.what, self.expected),
            None => write!(f, "{} is missing, expected `{}`", self.what, self.expected),
        }
    }
}

fn tag<'a>(tags: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    // Azure tag names are case-insensitive.
    tags.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

/// What differs between the scale set found (`found_id`, `tags`) and the one expected (the
/// pool's full id, the pool's name, the cluster's name suffix); empty when it is ours. Ids and
/// tag values compare ignoring ASCII case, as Azure does for names.
pub fn scale_set_differences(
    expected_id: &str,
    pool: &str,
    name_suffix: &str,
    found_id: &str,
    tags: &BTreeMap<String, String>,
) -> Vec<Difference> {
    let mut out = Vec::new();
    if !found_id.eq_ignore_ascii_case(expected_id) {
        out.push(Difference {
            what: "id".into(),
            expected: expected_id.to_owned(),
            found: Some(found_id.to_owned()),
        });
    }
    for (key, expected) in [(POOL_NAME_TAG, pool), (NAME_SUFFIX_TAG, name_suffix)] {
        let found = tag(tags, key);
        if !found.is_some_and(|v| !expected.is_empty() && v.eq_ignore_ascii_case(expected)) {
            out.push(Difference {
                what: format!("tag {key}"),
                expected: expected.to_owned(),
                found: found.map(str::to_owned),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/k8s-agentpool1-123-vmss";

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_scale_set_the_import_read_passes() {
        let t = tags(&[("poolName", "agentpool1"), ("resourceNameSuffix", "123")]);
        assert!(scale_set_differences(ID, "agentpool1", "123", ID, &t).is_empty());
        let upper = tags(&[("POOLNAME", "AgentPool1"), ("resourcenamesuffix", "123")]);
        assert!(
            scale_set_differences(ID, "agentpool1", "123", &ID.to_ascii_lowercase(), &upper)
                .is_empty()
        );
    }

    #[test]
    fn another_clusters_scale_set_is_named_with_each_difference() {
        let t = tags(&[("poolName", "agentpool1"), ("resourceNameSuffix", "999")]);
        let d = scale_set_differences(ID, "agentpool1", "123", ID, &t);
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].to_string(),
            "tag resourceNameSuffix is `999`, expected `123`"
        );
        let d = scale_set_differences(ID, "agentpool1", "123", ID, &BTreeMap::new());
        let text: Vec<String> = d.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "tag poolName is missing, expected `agentpool1`",
                "tag resourceNameSuffix is missing, expected `123`"
            ]
        );
        let other = ID.replace("/rg/", "/other/");
        let t = tags(&[("poolName", "agentpool1"), ("resourceNameSuffix", "123")]);
        let d = scale_set_differences(ID, "agentpool1", "123", &other, &t);
        assert_eq!(d[0].what, "id");
    }

    #[test]
    fn an_empty_expectation_never_matches() {
        let t = tags(&[("poolName", ""), ("resourceNameSuffix", "")]);
        assert_eq!(scale_set_differences(ID, "", "", ID, &t).len(), 2);
    }
}
