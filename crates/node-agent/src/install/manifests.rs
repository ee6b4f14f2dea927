//! The agent's Kubernetes objects, typed. Both workloads run this tool's image (`--image`).

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetSpec, Deployment, DeploymentSpec, DeploymentStrategy,
};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvVar, EnvVarSource, HostPathVolumeSource, Namespace,
    ObjectFieldSelector, PodSpec, PodTemplateSpec, ResourceRequirements, SecurityContext,
    ServiceAccount, Toleration, Volume, VolumeMount,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::Serialize;

use super::InstallError;
use crate::azure_json::AZURE_JSON_PATH;

/// The agent's namespace.
pub const NAMESPACE: &str = "spot-node-agent";
/// The ServiceAccount, ClusterRole and ClusterRoleBinding.
pub const NAME: &str = "spot-node-agent";
/// The `preempt` DaemonSet.
pub const DAEMON_SET_NAME: &str = "spot-node-agent-preempt";
/// The `gc` Deployment.
pub const DEPLOYMENT_NAME: &str = "spot-node-agent-gc";
/// The metrics port of both workloads.
pub const METRICS_PORT: i32 = 9464;
/// The binary inside the image.
pub const BINARY: &str = "spotinst-aks-engine";

/// What the manifests are made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallSettings {
    /// This tool's image (built from its Dockerfile).
    pub image: String,
    /// The collector's `--name-prefix` values (the groups' `vmNamePrefix`), in order, without
    /// duplicates.
    pub name_prefixes: Vec<String>,
}

impl InstallSettings {
    /// Checks the image and prefixes; prefixes are deduplicated case-insensitively, first kept.
    pub fn new(image: Option<&str>, prefixes: &[String]) -> Result<Self, InstallError> {
        let image = image
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .ok_or(InstallError::NoImage)?;
        Ok(Self {
            image: image.to_owned(),
            name_prefixes: checked_prefixes(prefixes)?,
        })
    }
}

/// The collector's prefixes: at least one, none empty or with spaces or `/`, deduplicated
/// case-insensitively (first kept). An empty prefix would match every VM.
pub fn checked_prefixes(prefixes: &[String]) -> Result<Vec<String>, InstallError> {
    let mut out: Vec<String> = Vec::new();
    for p in prefixes {
        if p.is_empty() || p.contains(char::is_whitespace) || p.contains('/') {
            return Err(InstallError::BadPrefix(p.clone()));
        }
        if !out.iter().any(|q| q.eq_ignore_ascii_case(p)) {
            out.push(p.clone());
        }
    }
    if out.is_empty() {
        return Err(InstallError::NoPrefixes);
    }
    Ok(out)
}

/// Every object, in apply order.
#[derive(Debug, Clone)]
pub struct AgentManifests {
    /// Where the workloads run.
    pub namespace: Namespace,
    /// Their identity.
    pub service_account: ServiceAccount,
    /// The least permissions both need.
    pub cluster_role: ClusterRole,
    /// Grants them.
    pub cluster_role_binding: ClusterRoleBinding,
    /// `preempt`, one per node.
    pub daemon_set: DaemonSet,
    /// `gc`, one per cluster, on a master.
    pub deployment: Deployment,
}

impl AgentManifests {
    /// The objects as one multi-document YAML stream (what `--dry-run` prints).
    pub fn to_yaml(&self) -> Result<String, serde_saphyr::SerializeError> {
        let docs = [
            yaml(&self.namespace)?,
            yaml(&self.service_account)?,
            yaml(&self.cluster_role)?,
            yaml(&self.cluster_role_binding)?,
            yaml(&self.daemon_set)?,
            yaml(&self.deployment)?,
        ];
        Ok(docs
            .iter()
            .map(|d| format!("---\n{d}"))
            .collect::<Vec<_>>()
            .concat())
    }
}

fn yaml<T: Serialize>(obj: &T) -> Result<String, serde_saphyr::SerializeError> {
    serde_saphyr::to_string(obj)
}

fn labels(component: Option<&str>) -> BTreeMap<String, String> {
    let mut l = BTreeMap::from([
        ("app.kubernetes.io/name".to_owned(), NAME.to_owned()),
        (
            "app.kubernetes.io/managed-by".to_owned(),
            "spotinst-aks-engine".to_owned(),
        ),
    ]);
    if let Some(c) = component {
        l.insert("app.kubernetes.io/component".to_owned(), c.to_owned());
    }
    l
}

fn meta(name: &str, namespaced: bool, component: Option<&str>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: namespaced.then(|| NAMESPACE.to_owned()),
        labels: Some(labels(component)),
        ..Default::default()
    }
}

fn rule(resources: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        api_groups: Some(vec![String::new()]),
        resources: Some(resources.iter().map(|s| (*s).to_owned()).collect()),
        verbs: verbs.iter().map(|s| (*s).to_owned()).collect(),
        ..Default::default()
    }
}

/// Nodes: get/list/watch/patch (cordon)/delete (gc); pods: list; pods/eviction: create;
/// events: create. Nothing on secrets, no wildcard.
pub fn rules() -> Vec<PolicyRule> {
    vec![
        rule(&["nodes"], &["get", "list", "watch", "patch", "delete"]),
        rule(&["pods"], &["list"]),
        rule(&["pods/eviction"], &["create"]),
        rule(&["events"], &["create"]),
    ]
}

fn quantity(s: &str) -> Quantity {
    Quantity(s.to_owned())
}

fn container(
    image: &str,
    args: Vec<String>,
    env: Option<Vec<EnvVar>>,
    run_as_root: bool,
) -> Container {
    Container {
        name: "agent".to_owned(),
        image: Some(image.to_owned()),
        image_pull_policy: Some("IfNotPresent".to_owned()),
        command: Some(vec![BINARY.to_owned()]),
        args: Some(args),
        env,
        ports: Some(vec![ContainerPort {
            container_port: METRICS_PORT,
            name: Some("metrics".to_owned()),
            ..Default::default()
        }]),
        resources: Some(ResourceRequirements {
            requests: Some(BTreeMap::from([
                ("cpu".to_owned(), quantity("10m")),
                ("memory".to_owned(), quantity("32Mi")),
            ])),
            limits: Some(BTreeMap::from([("memory".to_owned(), quantity("128Mi"))])),
            ..Default::default()
        }),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            read_only_root_filesystem: Some(true),
            // The collector reads azure.json, which aks-engine leaves readable by root only.
            run_as_user: Some(if run_as_root { 0 } else { 65534 }),
            run_as_non_root: Some(!run_as_root),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn template(component: &str, spec: PodSpec) -> (LabelSelector, PodTemplateSpec) {
    let selector = BTreeMap::from([
        ("app.kubernetes.io/name".to_owned(), NAME.to_owned()),
        (
            "app.kubernetes.io/component".to_owned(),
            component.to_owned(),
        ),
    ]);
    (
        LabelSelector {
            match_labels: Some(selector.clone()),
            ..Default::default()
        },
        PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(selector),
                ..Default::default()
            }),
            spec: Some(spec),
        },
    )
}

/// Builds every object for `settings`.
pub fn manifests(settings: &InstallSettings) -> AgentManifests {
    let namespace = Namespace {
        metadata: meta(NAMESPACE, false, None),
        ..Default::default()
    };
    let service_account = ServiceAccount {
        metadata: meta(NAME, true, None),
        ..Default::default()
    };
    let cluster_role = ClusterRole {
        metadata: meta(NAME, false, None),
        rules: Some(rules()),
        ..Default::default()
    };
    let cluster_role_binding = spot_controller::manifests::service_account_binding(
        meta(NAME, false, None),
        NAME,
        NAMESPACE,
    );
    let metrics_arg = format!(":{METRICS_PORT}");

    let node_name = EnvVar {
        name: "NODE_NAME".to_owned(),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: "spec.nodeName".to_owned(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let preempt_args = [
        "-v",
        "node-agent",
        "preempt",
        "--node-name",
        "$(NODE_NAME)",
        "--metrics-addr",
        &metrics_arg,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let (selector, pod) = template(
        "preempt",
        PodSpec {
            service_account_name: Some(NAME.to_owned()),
            // The metadata service is link-local to the VM.
            host_network: Some(true),
            dns_policy: Some("ClusterFirstWithHostNet".to_owned()),
            node_selector: Some(BTreeMap::from([(
                "kubernetes.io/os".to_owned(),
                "linux".to_owned(),
            )])),
            // Every node, whatever its taints.
            tolerations: Some(vec![Toleration {
                operator: Some("Exists".to_owned()),
                ..Default::default()
            }]),
            termination_grace_period_seconds: Some(5),
            containers: vec![container(
                &settings.image,
                preempt_args,
                Some(vec![node_name]),
                false,
            )],
            ..Default::default()
        },
    );
    let daemon_set = DaemonSet {
        metadata: meta(DAEMON_SET_NAME, true, Some("preempt")),
        spec: Some(DaemonSetSpec {
            selector,
            template: pod,
            ..Default::default()
        }),
        ..Default::default()
    };

    let mut gc_args: Vec<String> = ["-v", "node-agent", "gc", "--metrics-addr", &metrics_arg]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    for p in &settings.name_prefixes {
        gc_args.push("--name-prefix".to_owned());
        gc_args.push(p.clone());
    }
    let mut gc_container = container(&settings.image, gc_args, None, true);
    gc_container.volume_mounts = Some(vec![VolumeMount {
        name: "azure-json".to_owned(),
        mount_path: AZURE_JSON_PATH.to_owned(),
        read_only: Some(true),
        ..Default::default()
    }]);
    let (selector, pod) = template(
        "gc",
        PodSpec {
            service_account_name: Some(NAME.to_owned()),
            node_selector: Some(BTreeMap::from([(
                "kubernetes.io/role".to_owned(),
                "master".to_owned(),
            )])),
            tolerations: Some(vec![Toleration {
                key: Some("node-role.kubernetes.io/master".to_owned()),
                operator: Some("Exists".to_owned()),
                effect: Some("NoSchedule".to_owned()),
                ..Default::default()
            }]),
            volumes: Some(vec![Volume {
                name: "azure-json".to_owned(),
                host_path: Some(HostPathVolumeSource {
                    path: AZURE_JSON_PATH.to_owned(),
                    type_: Some("File".to_owned()),
                }),
                ..Default::default()
            }]),
            containers: vec![gc_container],
            ..Default::default()
        },
    );
    let deployment = Deployment {
        metadata: meta(DEPLOYMENT_NAME, true, Some("gc")),
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            // One collector at a time.
            strategy: Some(DeploymentStrategy {
                type_: Some("Recreate".to_owned()),
                ..Default::default()
            }),
            selector,
            template: pod,
            ..Default::default()
        }),
        ..Default::default()
    };
    AgentManifests {
        namespace,
        service_account,
        cluster_role,
        cluster_role_binding,
        daemon_set,
        deployment,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> InstallSettings {
        InstallSettings::new(
            Some("registry.example/spotinst-aks-engine:1"),
            &["spotpool1-".into(), "SPOTPOOL1-".into(), "k8s-gpu".into()],
        )
        .unwrap()
    }

    #[test]
    fn settings_need_an_image_and_a_usable_prefix() {
        assert_eq!(settings().name_prefixes, ["spotpool1-", "k8s-gpu"]);
        assert!(matches!(
            InstallSettings::new(None, &["p".into()]),
            Err(InstallError::NoImage)
        ));
        assert!(matches!(
            InstallSettings::new(Some(" "), &["p".into()]),
            Err(InstallError::NoImage)
        ));
        assert!(matches!(
            InstallSettings::new(Some("i"), &[]),
            Err(InstallError::NoPrefixes)
        ));
        for bad in ["", "a b", "a/b"] {
            assert!(
                matches!(
                    InstallSettings::new(Some("i"), &[bad.into()]),
                    Err(InstallError::BadPrefix(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_role_is_least_privilege() {
        let rules = rules();
        for r in &rules {
            assert!(!r.verbs.iter().any(|v| v == "*"));
            let res = r.resources.as_ref().unwrap();
            assert!(!res.iter().any(|x| x == "*" || x.starts_with("secrets")));
            assert_eq!(r.api_groups.as_deref(), Some(&[String::new()][..]));
        }
        let find = |res: &str| {
            rules
                .iter()
                .find(|r| r.resources.as_ref().unwrap().iter().any(|x| x == res))
                .map(|r| r.verbs.clone())
                .unwrap()
        };
        assert_eq!(find("nodes"), ["get", "list", "watch", "patch", "delete"]);
        assert_eq!(find("pods"), ["list"]);
        assert_eq!(find("pods/eviction"), ["create"]);
        assert_eq!(find("events"), ["create"]);
    }

    #[test]
    fn the_collector_gets_one_flag_per_prefix() {
        let m = manifests(&settings());
        let args = m.deployment.spec.unwrap().template.spec.unwrap().containers[0]
            .args
            .clone()
            .unwrap();
        assert_eq!(
            args[args.len() - 4..],
            ["--name-prefix", "spotpool1-", "--name-prefix", "k8s-gpu"]
        );
    }
}
