//! The controller's Kubernetes objects, typed, all in `kube-system`: a Secret with the Spot
//! credentials, a ConfigMap with the cluster identifier and options, a ServiceAccount, a
//! ClusterRole and its binding, and the Deployment.

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::ByteString;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapKeySelector, Container, ContainerPort, EnvVar, EnvVarSource, HTTPGetAction,
    ObjectFieldSelector, PodSpec, PodTemplateSpec, Probe, Secret, SecretKeySelector,
    ServiceAccount, Toleration,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use secrecy::ExposeSecret;

use crate::rbac::controller_rules;
use crate::settings::ControllerSettings;

/// Namespace of every namespaced object.
pub const NAMESPACE: &str = "kube-system";
/// Name of the Secret, ServiceAccount, ClusterRole(Binding) and Deployment.
pub const NAME: &str = "spotinst-kubernetes-cluster-controller";
/// Name of the ConfigMap.
pub const CONFIG_MAP_NAME: &str = "spotinst-kubernetes-cluster-controller-config";
/// The controller's health port.
pub const HEALTH_PORT: i32 = 4401;

/// Secret keys.
pub mod secret_keys {
    /// Spot API token.
    pub const TOKEN: &str = "token";
    /// Spot account id.
    pub const ACCOUNT: &str = "account";
}

/// ConfigMap keys.
pub mod config_keys {
    /// Must equal the group's cluster identifier.
    pub const CLUSTER_IDENTIFIER: &str = "spotinst.cluster-identifier";
    /// Spot API base URL.
    pub const BASE_URL: &str = "base-url";
    /// Proxy URL.
    pub const PROXY_URL: &str = "proxy-url";
    /// `"true"`/`"false"`.
    pub const DISABLE_AUTO_UPDATE: &str = "disable-auto-update";
    /// `"true"`/`"false"`.
    pub const ENABLE_CSR_APPROVAL: &str = "enable-csr-approval";
}

/// Every object of the controller, in apply order.
#[derive(Clone)]
pub struct Manifests {
    /// Credentials.
    pub secret: Secret,
    /// Cluster identifier and options.
    pub config_map: ConfigMap,
    /// The controller's identity.
    pub service_account: ServiceAccount,
    /// Its permissions.
    pub cluster_role: ClusterRole,
    /// Grants them.
    pub cluster_role_binding: ClusterRoleBinding,
    /// The controller itself.
    pub deployment: Deployment,
}

impl fmt::Debug for Manifests {
    /// Names only: the Secret's data must never be printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Manifests")
            .field("secret", &self.secret.metadata.name)
            .field("config_map", &self.config_map.metadata.name)
            .field("service_account", &self.service_account.metadata.name)
            .field("cluster_role", &self.cluster_role.metadata.name)
            .field(
                "cluster_role_binding",
                &self.cluster_role_binding.metadata.name,
            )
            .field("deployment", &self.deployment.metadata.name)
            .finish()
    }
}

fn labels() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("k8s-app".to_owned(), NAME.to_owned()),
        (
            "app.kubernetes.io/managed-by".to_owned(),
            "spotinst-aks-engine".to_owned(),
        ),
    ])
}

fn meta(name: &str, namespaced: bool) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: namespaced.then(|| NAMESPACE.to_owned()),
        labels: Some(labels()),
        ..Default::default()
    }
}

/// A ClusterRoleBinding (`metadata`) granting the ClusterRole `name` to the ServiceAccount
/// `namespace/name` (the controller's and the node agent's RBAC both have this shape).
pub fn service_account_binding(
    metadata: ObjectMeta,
    name: &str,
    namespace: &str,
) -> ClusterRoleBinding {
    ClusterRoleBinding {
        metadata,
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".to_owned(),
            kind: "ClusterRole".to_owned(),
            name: name.to_owned(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".to_owned(),
            name: name.to_owned(),
            namespace: Some(namespace.to_owned()),
            ..Default::default()
        }]),
    }
}

fn from_secret(var: &str, key: &str) -> EnvVar {
    EnvVar {
        name: var.to_owned(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: NAME.to_owned(),
                key: key.to_owned(),
                optional: Some(false),
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn from_config(var: &str, key: &str, optional: bool) -> EnvVar {
    EnvVar {
        name: var.to_owned(),
        value_from: Some(EnvVarSource {
            config_map_key_ref: Some(ConfigMapKeySelector {
                name: CONFIG_MAP_NAME.to_owned(),
                key: key.to_owned(),
                optional: Some(optional),
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn from_field(var: &str, path: &str) -> EnvVar {
    EnvVar {
        name: var.to_owned(),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: path.to_owned(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn toleration(key: &str, effect: &str, seconds: Option<i64>) -> Toleration {
    Toleration {
        key: Some(key.to_owned()),
        operator: Some("Exists".to_owned()),
        effect: Some(effect.to_owned()),
        toleration_seconds: seconds,
        ..Default::default()
    }
}

/// Builds every object for `settings`.
pub fn manifests(settings: &ControllerSettings) -> Manifests {
    let secret = Secret {
        metadata: meta(NAME, true),
        type_: Some("Opaque".to_owned()),
        data: Some(BTreeMap::from([
            (
                secret_keys::TOKEN.to_owned(),
                ByteString(settings.token.expose_secret().as_bytes().to_vec()),
            ),
            (
                secret_keys::ACCOUNT.to_owned(),
                ByteString(settings.account.as_bytes().to_vec()),
            ),
        ])),
        ..Default::default()
    };

    let mut data = BTreeMap::from([(
        config_keys::CLUSTER_IDENTIFIER.to_owned(),
        settings.cluster_identifier.clone(),
    )]);
    let optional = [
        (config_keys::BASE_URL, settings.base_url.clone()),
        (config_keys::PROXY_URL, settings.proxy_url.clone()),
        (
            config_keys::DISABLE_AUTO_UPDATE,
            settings.disable_auto_update.map(|b| b.to_string()),
        ),
        (
            config_keys::ENABLE_CSR_APPROVAL,
            settings.enable_csr_approval.map(|b| b.to_string()),
        ),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            data.insert(k.to_owned(), v);
        }
    }
    let config_map = ConfigMap {
        metadata: meta(CONFIG_MAP_NAME, true),
        data: Some(data),
        ..Default::default()
    };

    let service_account = ServiceAccount {
        metadata: meta(NAME, true),
        ..Default::default()
    };

    let cluster_role = ClusterRole {
        metadata: meta(NAME, false),
        rules: Some(controller_rules(NAME)),
        ..Default::default()
    };

    let cluster_role_binding = service_account_binding(meta(NAME, false), NAME, NAMESPACE);

    let selector = BTreeMap::from([("k8s-app".to_owned(), NAME.to_owned())]);
    let container = Container {
        name: NAME.to_owned(),
        image: Some(settings.image_reference()),
        image_pull_policy: Some("Always".to_owned()),
        ports: Some(vec![ContainerPort {
            container_port: HEALTH_PORT,
            name: Some("health".to_owned()),
            ..Default::default()
        }]),
        liveness_probe: Some(Probe {
            http_get: Some(HTTPGetAction {
                path: Some("/healthcheck".to_owned()),
                port: IntOrString::Int(HEALTH_PORT),
                ..Default::default()
            }),
            initial_delay_seconds: Some(300),
            period_seconds: Some(20),
            timeout_seconds: Some(2),
            success_threshold: Some(1),
            failure_threshold: Some(3),
            ..Default::default()
        }),
        env: Some(vec![
            from_secret("SPOTINST_TOKEN", secret_keys::TOKEN),
            from_secret("SPOTINST_ACCOUNT", secret_keys::ACCOUNT),
            from_config("CLUSTER_IDENTIFIER", config_keys::CLUSTER_IDENTIFIER, false),
            from_config("BASE_SPOTINST_URL", config_keys::BASE_URL, true),
            from_config("PROXY_URL", config_keys::PROXY_URL, true),
            from_config(
                "DISABLE_AUTO_UPDATE",
                config_keys::DISABLE_AUTO_UPDATE,
                true,
            ),
            from_config(
                "ENABLE_CSR_APPROVAL",
                config_keys::ENABLE_CSR_APPROVAL,
                true,
            ),
            from_field("POD_ID", "metadata.uid"),
            from_field("POD_NAME", "metadata.name"),
            from_field("POD_NAMESPACE", "metadata.namespace"),
        ]),
        ..Default::default()
    };
    let deployment = Deployment {
        metadata: meta(NAME, true),
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            revision_history_limit: Some(10),
            selector: LabelSelector {
                match_labels: Some(selector.clone()),
                ..Default::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(selector),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    service_account_name: Some(NAME.to_owned()),
                    priority_class_name: Some("system-cluster-critical".to_owned()),
                    containers: vec![container],
                    tolerations: Some(vec![
                        toleration("node.kubernetes.io/not-ready", "NoExecute", Some(150)),
                        toleration("node.kubernetes.io/unreachable", "NoExecute", Some(150)),
                        toleration("node-role.kubernetes.io/master", "NoSchedule", None),
                    ]),
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    };

    Manifests {
        secret,
        config_map,
        service_account,
        cluster_role,
        cluster_role_binding,
        deployment,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn settings() -> ControllerSettings {
        ControllerSettings::new(
            SecretString::from("secret-token"),
            "act-12345678",
            "spotaksmsi",
        )
    }

    #[test]
    fn token_and_account_live_only_in_the_secret() {
        let m = manifests(&settings());
        let data = m.secret.data.as_ref().unwrap();
        assert_eq!(data["token"].0, b"secret-token");
        assert_eq!(data["account"].0, b"act-12345678");
        let cm = m.config_map.data.as_ref().unwrap();
        assert_eq!(cm.len(), 1, "only the identifier by default: {cm:?}");
        assert_eq!(cm["spotinst.cluster-identifier"], "spotaksmsi");
        let all = serde_json::to_string(&(&m.config_map, &m.deployment)).unwrap();
        assert!(!all.contains("secret-token"));
        assert!(!format!("{m:?}").contains("secret-token"));
    }

    #[test]
    fn optional_keys_appear_when_set() {
        let mut s = settings();
        s.base_url = Some("https://api.spotinst.io".into());
        s.disable_auto_update = Some(true);
        let cm = manifests(&s).config_map.data.unwrap();
        assert_eq!(cm["base-url"], "https://api.spotinst.io");
        assert_eq!(cm["disable-auto-update"], "true");
        assert!(!cm.contains_key("proxy-url"));
    }

    #[test]
    fn deployment_runs_the_chosen_image_as_the_service_account() {
        let mut s = settings();
        s.version = "1.0.99".into();
        let d = manifests(&s).deployment;
        let pod = d.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
        assert_eq!(pod.service_account_name.as_deref(), Some(NAME));
        assert_eq!(
            pod.containers[0].image.as_deref(),
            Some("gcr.io/spotinst-artifacts/kubernetes-cluster-controller:1.0.99")
        );
        let env = pod.containers[0].env.as_ref().unwrap();
        let token = env.iter().find(|e| e.name == "SPOTINST_TOKEN").unwrap();
        let r = token
            .value_from
            .as_ref()
            .unwrap()
            .secret_key_ref
            .as_ref()
            .unwrap();
        assert_eq!((r.name.as_str(), r.key.as_str()), (NAME, "token"));
        assert_eq!(d.metadata.namespace.as_deref(), Some(NAMESPACE));
    }
}
