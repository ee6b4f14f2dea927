//! What the Kubernetes stand-in says about itself, in the real server's shapes: `/version` and
//! the discovery documents (`/api`, `/apis`, `/api/v1`, `/apis/GROUP/VERSION`) for the resources
//! it serves. `kubectl` reads them before it acts: `kubectl drain` finds there that pods have
//! the `pods/eviction` subresource in `policy/v1` (without it, it deletes pods instead).
//! Only the legacy documents: a client asking for aggregated discovery gets these and falls
//! back, as with a server older than 1.26.

use serde_json::{Value, json};

/// The version this stand-in claims (`GET /version`).
const GIT_VERSION: &str = "v1.32.0";

/// One resource of a group version, as discovery lists it.
struct Resource {
    name: &'static str,
    namespaced: bool,
    kind: &'static str,
    short_names: &'static [&'static str],
}

const ALL_VERBS: [&str; 8] = [
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

const fn resource(
    name: &'static str,
    namespaced: bool,
    kind: &'static str,
    short_names: &'static [&'static str],
) -> Resource {
    Resource {
        name,
        namespaced,
        kind,
        short_names,
    }
}

/// The group versions served (`v1` is the core group) and their resources; `/status` entries
/// are added for the kinds that have a status.
const GROUP_VERSIONS: [(&str, &[Resource]); 4] = [
    (
        "v1",
        &[
            resource("configmaps", true, "ConfigMap", &["cm"]),
            resource("events", true, "Event", &["ev"]),
            resource("namespaces", false, "Namespace", &["ns"]),
            resource("nodes", false, "Node", &["no"]),
            resource("pods", true, "Pod", &["po"]),
            resource("secrets", true, "Secret", &[]),
            resource("serviceaccounts", true, "ServiceAccount", &["sa"]),
        ],
    ),
    (
        "apps/v1",
        &[
            resource("daemonsets", true, "DaemonSet", &["ds"]),
            resource("deployments", true, "Deployment", &["deploy"]),
        ],
    ),
    (
        "policy/v1",
        &[resource(
            "poddisruptionbudgets",
            true,
            "PodDisruptionBudget",
            &["pdb"],
        )],
    ),
    (
        "rbac.authorization.k8s.io/v1",
        &[
            resource("clusterrolebindings", false, "ClusterRoleBinding", &[]),
            resource("clusterroles", false, "ClusterRole", &[]),
            resource("rolebindings", true, "RoleBinding", &[]),
            resource("roles", true, "Role", &[]),
        ],
    ),
];

/// Kinds whose objects have a `status` subresource.
const WITH_STATUS: [&str; 6] = [
    "Namespace",
    "Node",
    "Pod",
    "DaemonSet",
    "Deployment",
    "PodDisruptionBudget",
];

/// The document the real server answers a `GET` of `path` with, when `path` is one of
/// `/version`, `/api`, `/apis`, `/api/v1`, `/apis/GROUP/VERSION` (served ones only);
/// `server_address` is `host:port`.
pub(crate) fn document(path: &str, server_address: &str) -> Option<Value> {
    match path {
        "/version" => Some(version()),
        "/api" => Some(json!({"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]})),
        "/apis" => Some(group_list()),
        "/api/v1" => resource_list("v1"),
        _ => resource_list(path.strip_prefix("/apis/")?),
    }
}

fn version() -> Value {
    let minor = GIT_VERSION.split('.').nth(1).unwrap_or_default();
    json!({"major": "1", "minor": minor, "gitVersion": GIT_VERSION,
        "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23.0", "compiler": "gc",
        "platform": "linux/amd64"})
}

/// `/apis`: every named group with its one version, preferred.
fn group_list() -> Value {
    let groups: Vec<Value> = GROUP_VERSIONS
        .iter()
        .filter_map(|(gv, _)| gv.split_once('/'))
        .map(|(group, version)| {
            let v = json!({"groupVersion": format!("{group}/{version}"), "version": version});
            json!({"name": group, "versions": [v.clone()], "preferredVersion": v})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/api/v1` or `/apis/GROUP/VERSION` (given without the prefix): its resources, with their
/// `/status` subresources and, for pods, `pods/eviction` (group `policy`, version `v1`).
fn resource_list(group_version: &str) -> Option<Value> {
    let (_, resources) = GROUP_VERSIONS.iter().find(|(gv, _)| *gv == group_version)?;
    let mut out = Vec::new();
    for r in *resources {
        let mut entry = json!({"name": r.name, "singularName": "", "namespaced": r.namespaced,
            "kind": r.kind, "verbs": ALL_VERBS});
        if !r.short_names.is_empty() {
            entry["shortNames"] = json!(r.short_names);
        }
        out.push(entry);
        if r.kind == "Pod" {
            out.push(
                json!({"name": "pods/eviction", "singularName": "", "namespaced": true,
                "group": "policy", "version": "v1", "kind": "Eviction", "verbs": ["create"]}),
            );
        }
        if WITH_STATUS.contains(&r.kind) {
            out.push(
                json!({"name": format!("{}/status", r.name), "singularName": "",
                "namespaced": r.namespaced, "kind": r.kind, "verbs": ["get", "patch", "update"]}),
            );
        }
    }
    let mut list = json!({"kind": "APIResourceList", "groupVersion": group_version,
        "resources": out});
    if group_version != "v1" {
        list["apiVersion"] = json!("v1");
    }
    Some(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pods_have_the_policy_v1_eviction_subresource() {
        let core = document("/api/v1", "127.0.0.1:1").unwrap();
        let eviction = core["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "pods/eviction")
            .unwrap();
        assert_eq!(
            (&eviction["group"], &eviction["version"], &eviction["kind"]),
            (&json!("policy"), &json!("v1"), &json!("Eviction"))
        );
        let groups = document("/apis", "127.0.0.1:1").unwrap();
        assert!(
            groups["groups"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["preferredVersion"]["groupVersion"] == "policy/v1")
        );
        let policy = document("/apis/policy/v1", "127.0.0.1:1").unwrap();
        assert_eq!(policy["resources"][0]["name"], "poddisruptionbudgets");
        assert_eq!(
            document("/api", "127.0.0.1:1").unwrap()["versions"],
            json!(["v1"])
        );
        assert!(document("/apis/policy/v1beta1", "127.0.0.1:1").is_none());
        assert!(document("/api/v1/pods", "127.0.0.1:1").is_none());
        assert_eq!(document("/version", "x").unwrap()["minor"], "32");
    }
}
