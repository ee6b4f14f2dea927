//! The controller's cluster permissions, written from the documented list: read most workload and
//! node objects, change nodes, evict and delete pods, approve kubelet CSRs, update itself.

use k8s_openapi::api::rbac::v1::PolicyRule;

const READ: &[&str] = &["get", "list", "watch"];

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        api_groups: Some(groups.iter().map(|s| s.to_string()).collect()),
        resources: Some(resources.iter().map(|s| s.to_string()).collect()),
        verbs: verbs.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

fn named(mut r: PolicyRule, names: &[&str]) -> PolicyRule {
    r.resource_names = Some(names.iter().map(|s| s.to_string()).collect());
    r
}

/// The rules of the controller's ClusterRole; `self_name` is the name of its own ClusterRole and
/// Deployment (it may update both to upgrade itself).
pub fn controller_rules(self_name: &str) -> Vec<PolicyRule> {
    vec![
        // Read.
        rule(
            &[""],
            &[
                "pods",
                "nodes",
                "services",
                "namespaces",
                "replicationcontrollers",
                "limitranges",
                "events",
                "persistentvolumes",
                "persistentvolumeclaims",
            ],
            READ,
        ),
        rule(
            &["apps"],
            &["deployments", "daemonsets", "statefulsets", "replicasets"],
            READ,
        ),
        rule(&["storage.k8s.io"], &["storageclasses"], READ),
        rule(&["batch"], &["jobs"], READ),
        rule(&["policy"], &["poddisruptionbudgets"], READ),
        rule(&["metrics.k8s.io"], &["pods"], &["get", "list"]),
        rule(&["autoscaling"], &["horizontalpodautoscalers"], READ),
        PolicyRule {
            non_resource_urls: Some(vec!["/version".into(), "/version/".into()]),
            verbs: vec!["get".into()],
            ..Default::default()
        },
        // Write.
        rule(&[""], &["nodes"], &["patch", "update", "delete"]),
        rule(&[""], &["pods"], &["delete"]),
        rule(&[""], &["pods/eviction"], &["create"]),
        // CSR approval.
        rule(
            &["certificates.k8s.io"],
            &["certificatesigningrequests"],
            &["get", "list", "watch", "create", "delete"],
        ),
        rule(
            &["certificates.k8s.io"],
            &["certificatesigningrequests/approval"],
            &["patch", "update"],
        ),
        named(
            rule(&["certificates.k8s.io"], &["signers"], &["approve"]),
            &["kubernetes.io/kubelet-serving"],
        ),
        // Self update.
        named(
            rule(
                &["rbac.authorization.k8s.io"],
                &["clusterroles"],
                &["patch", "update", "escalate"],
            ),
            &[self_name],
        ),
        named(
            rule(&["apps"], &["deployments"], &["patch", "update"]),
            &[self_name],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(rules: &[PolicyRule], group: &str, resource: &str, verb: &str) -> bool {
        rules.iter().any(|r| {
            r.api_groups
                .as_ref()
                .is_some_and(|g| g.iter().any(|x| x == group))
                && r.resources
                    .as_ref()
                    .is_some_and(|x| x.iter().any(|x| x == resource))
                && r.verbs.iter().any(|v| v == verb)
        })
    }

    #[test]
    fn documented_permissions_are_granted() {
        let r = controller_rules("ctl");
        assert!(allows(&r, "", "nodes", "list"));
        assert!(allows(&r, "", "nodes", "patch"));
        assert!(allows(&r, "", "pods", "delete"));
        assert!(allows(&r, "", "pods/eviction", "create"));
        assert!(allows(&r, "apps", "statefulsets", "watch"));
        assert!(allows(&r, "policy", "poddisruptionbudgets", "list"));
        assert!(allows(&r, "metrics.k8s.io", "pods", "get"));
        assert!(
            !allows(&r, "", "secrets", "get"),
            "no blanket secret access"
        );
        let self_update = r
            .iter()
            .find(|x| x.resources.as_deref() == Some(&["clusterroles".to_string()][..]))
            .unwrap();
        assert_eq!(
            self_update.resource_names.as_deref(),
            Some(&["ctl".to_string()][..])
        );
    }
}
