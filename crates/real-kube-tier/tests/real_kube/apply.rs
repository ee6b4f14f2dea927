//! The Spot controller's server-side apply (`spot_controller::apply_all`): every object created,
//! RBAC included; a second identical apply changes nothing; our field manager is recorded.

use std::fmt::Debug;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Secret, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use kube::api::Api;
use kube::{Client, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
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

async fn get<K>(api: Api<K>, name: &str) -> Value
where
    K: Resource + Clone + Debug + DeserializeOwned + Serialize,
{
    serde_json::to_value(api.get(name).await.unwrap()).unwrap()
}

/// One applied object as the server keeps it.
#[derive(Debug, PartialEq)]
struct Stored {
    kind: &'static str,
    /// The managers whose `Apply` is recorded in `managedFields`.
    appliers: Vec<String>,
    /// The object without `status` (nothing reconciles it on the real server; the fake scripts
    /// it), `resourceVersion` and `managedFields`: a 1.24 server can record a no-op apply's new
    /// timestamp in `managedFields` (a new `resourceVersion`) once a second has passed.
    content: Value,
}

/// Each object the controller owns, as stored.
async fn stored_objects(client: &Client) -> Vec<Stored> {
    let objects = [
        (
            "Secret",
            get(Api::<Secret>::namespaced(client.clone(), NAMESPACE), NAME).await,
        ),
        (
            "ConfigMap",
            get(
                Api::<ConfigMap>::namespaced(client.clone(), NAMESPACE),
                CONFIG_MAP_NAME,
            )
            .await,
        ),
        (
            "ServiceAccount",
            get(
                Api::<ServiceAccount>::namespaced(client.clone(), NAMESPACE),
                NAME,
            )
            .await,
        ),
        (
            "ClusterRole",
            get(Api::<ClusterRole>::all(client.clone()), NAME).await,
        ),
        (
            "ClusterRoleBinding",
            get(Api::<ClusterRoleBinding>::all(client.clone()), NAME).await,
        ),
        (
            "Deployment",
            get(
                Api::<Deployment>::namespaced(client.clone(), NAMESPACE),
                NAME,
            )
            .await,
        ),
    ];
    objects
        .into_iter()
        .map(|(kind, mut content)| {
            let appliers = content["metadata"]["managedFields"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|f| f["operation"] == "Apply")
                .filter_map(|f| f["manager"].as_str().map(str::to_owned))
                .collect();
            if let Some(o) = content.as_object_mut() {
                o.remove("status");
            }
            if let Some(meta) = content["metadata"].as_object_mut() {
                meta.remove("resourceVersion");
                meta.remove("managedFields");
            }
            Stored {
                kind,
                appliers,
                content,
            }
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
    let after_first = stored_objects(&client).await;
    for stored in &after_first {
        assert_eq!(
            stored.appliers,
            [FIELD_MANAGER],
            "{who}: {} is applied by our field manager",
            stored.kind
        );
        if stored.kind != "ClusterRole" && stored.kind != "ClusterRoleBinding" {
            assert_eq!(stored.content["metadata"]["namespace"], NAMESPACE, "{who}");
        }
    }

    // Past the second of the first apply, so a 1.24 server always takes the same path (it
    // writes the new managedFields timestamp) and the check never depends on timing.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = apply_all(&client, &m, &mut |_| {})
        .await
        .unwrap_or_else(|e| panic!("{who}: {e}"));
    assert_eq!(second, first, "{who}");
    assert_eq!(
        stored_objects(&client).await,
        after_first,
        "{who}: an identical second apply changes nothing (spec, generation, data, labels)"
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
