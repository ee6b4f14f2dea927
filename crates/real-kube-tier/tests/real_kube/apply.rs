//! The Spot controller's server-side apply (`spot_controller::apply_all`): every object created,
//! RBAC included; a second identical apply changes nothing; our field manager is recorded.

use std::fmt::Debug;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Secret, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::Api;
use kube::{Client, Resource};
use serde::de::DeserializeOwned;
use spot_controller::{
    CONFIG_MAP_NAME, ControllerSettings, FIELD_MANAGER, NAME, NAMESPACE, SecretString, apply_all,
    manifests,
};

use crate::cluster::Cluster;

fn settings() -> ControllerSettings {
    ControllerSettings::new(
        SecretString::from("spot-secret-token"),
        "act-0a1b2c3d",
        "spotaksmsi",
    )
}

async fn meta<K>(api: Api<K>, name: &str) -> ObjectMeta
where
    K: Resource + Clone + Debug + DeserializeOwned,
{
    api.get(name).await.unwrap().meta().clone()
}

/// `(kind, resourceVersion, managers that applied)` of each object the controller owns.
async fn applied_objects(client: &Client) -> Vec<(&'static str, String, Vec<String>)> {
    let metas = [
        (
            "Secret",
            meta(Api::<Secret>::namespaced(client.clone(), NAMESPACE), NAME).await,
        ),
        (
            "ConfigMap",
            meta(
                Api::<ConfigMap>::namespaced(client.clone(), NAMESPACE),
                CONFIG_MAP_NAME,
            )
            .await,
        ),
        (
            "ServiceAccount",
            meta(
                Api::<ServiceAccount>::namespaced(client.clone(), NAMESPACE),
                NAME,
            )
            .await,
        ),
        (
            "ClusterRole",
            meta(Api::<ClusterRole>::all(client.clone()), NAME).await,
        ),
        (
            "ClusterRoleBinding",
            meta(Api::<ClusterRoleBinding>::all(client.clone()), NAME).await,
        ),
        (
            "Deployment",
            meta(
                Api::<Deployment>::namespaced(client.clone(), NAMESPACE),
                NAME,
            )
            .await,
        ),
    ];
    metas
        .into_iter()
        .map(|(kind, m)| {
            if kind != "ClusterRole" && kind != "ClusterRoleBinding" {
                assert_eq!(m.namespace.as_deref(), Some(NAMESPACE), "{kind}");
            }
            let appliers = m
                .managed_fields
                .unwrap_or_default()
                .into_iter()
                .filter(|f| f.operation.as_deref() == Some("Apply"))
                .filter_map(|f| f.manager)
                .collect();
            (kind, m.resource_version.unwrap_or_default(), appliers)
        })
        .collect()
}

/// Apply twice: the same objects, unchanged the second time, our field manager recorded.
pub(crate) async fn server_side_apply(c: &impl Cluster) {
    let who = c.label();
    let client = spot_controller::client_from_kubeconfig(c.kubeconfig())
        .await
        .expect("the controller's client builder accepts the kubeconfig");
    let m = manifests(&settings());
    let mut reported = Vec::new();
    let first = apply_all(&client, &m, &mut |a| reported.push(a.clone()))
        .await
        .unwrap_or_else(|e| panic!("{who}: {e}"));
    assert_eq!(reported, first, "{who}");
    let after_first = applied_objects(&client).await;
    for (kind, _, appliers) in &after_first {
        assert_eq!(
            appliers,
            &[FIELD_MANAGER.to_owned()],
            "{who}: {kind} is applied by our field manager"
        );
    }

    let second = apply_all(&client, &m, &mut |_| {})
        .await
        .unwrap_or_else(|e| panic!("{who}: {e}"));
    assert_eq!(second, first, "{who}");
    assert_eq!(
        applied_objects(&client).await,
        after_first,
        "{who}: an identical second apply changes nothing (same resourceVersions)"
    );

    let role = Api::<ClusterRole>::all(client.clone())
        .get(NAME)
        .await
        .unwrap();
    assert_eq!(role.rules, m.cluster_role.rules, "{who}: the RBAC rules");
    let binding = Api::<ClusterRoleBinding>::all(client.clone())
        .get(NAME)
        .await
        .unwrap();
    assert_eq!(binding.role_ref, m.cluster_role_binding.role_ref, "{who}");
    assert_eq!(binding.subjects, m.cluster_role_binding.subjects, "{who}");
    let account = binding.subjects.unwrap_or_default();
    assert!(
        account
            .iter()
            .any(|s| s.kind == "ServiceAccount" && s.name == NAME),
        "{who}: bound to the controller's ServiceAccount"
    );
}
