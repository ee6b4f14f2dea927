//! Server-side apply of the controller's objects (field manager `spotinst-aks-engine`, forced),
//! in dependency order, with typed `Api`s so no discovery round-trips are needed.

use std::fmt::Debug;

use kube::api::{Api, Patch, PatchParams};
use kube::{Client, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ControllerError;
use crate::manifests::Manifests;

/// The field manager our applies use.
pub const FIELD_MANAGER: &str = "spotinst-aks-engine";

/// One object applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Kind.
    pub kind: &'static str,
    /// `namespace/name` or `name`.
    pub name: String,
}

fn display_name<K: Resource>(obj: &K) -> String {
    let meta = obj.meta();
    let name = meta.name.clone().unwrap_or_default();
    match &meta.namespace {
        Some(ns) => format!("{ns}/{name}"),
        None => name,
    }
}

/// Server-side applies one typed object (field manager [`FIELD_MANAGER`], forced): for other
/// installers of this tool (the node agent) that bring their own objects.
pub async fn apply_object<K>(
    client: &Client,
    kind: &'static str,
    obj: &K,
) -> Result<Applied, ControllerError>
where
    K: Resource<DynamicType = ()> + Clone + Debug + Serialize + DeserializeOwned,
    K::Scope: ApiFor<K>,
{
    let label = display_name(obj);
    let name = obj.meta().name.clone().unwrap_or_default();
    let api: Api<K> = K::Scope::api(client.clone(), obj.meta().namespace.as_deref());
    let params = PatchParams::apply(FIELD_MANAGER).force();
    tracing::debug!(kind, name = %label, "server-side apply");
    api.patch(&name, &params, &Patch::Apply(obj))
        .await
        .map_err(|e| ControllerError::apply(kind, label.clone(), e))?;
    Ok(Applied { kind, name: label })
}

/// Chooses `Api::namespaced` or `Api::all` by the resource's scope.
pub trait ApiFor<K: Resource> {
    /// The API handle for an object in `namespace` (ignored for cluster-scoped kinds).
    fn api(client: Client, namespace: Option<&str>) -> Api<K>;
}

impl<K> ApiFor<K> for k8s_openapi::NamespaceResourceScope
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>,
{
    fn api(client: Client, namespace: Option<&str>) -> Api<K> {
        Api::namespaced(client, namespace.unwrap_or("default"))
    }
}

impl<K> ApiFor<K> for k8s_openapi::ClusterResourceScope
where
    K: Resource<Scope = k8s_openapi::ClusterResourceScope, DynamicType = ()>,
{
    fn api(client: Client, _namespace: Option<&str>) -> Api<K> {
        Api::all(client)
    }
}

/// Applies every object (Secret, ConfigMap, ServiceAccount, ClusterRole, ClusterRoleBinding,
/// Deployment), reporting each to `progress`; stops at the first failure.
pub async fn apply_all(
    client: &Client,
    manifests: &Manifests,
    progress: &mut (dyn FnMut(&Applied) + Send),
) -> Result<Vec<Applied>, ControllerError> {
    let mut done = Vec::with_capacity(6);
    let mut record = |a: Applied, done: &mut Vec<Applied>| {
        progress(&a);
        done.push(a);
    };
    record(
        apply_object(client, "Secret", &manifests.secret).await?,
        &mut done,
    );
    record(
        apply_object(client, "ConfigMap", &manifests.config_map).await?,
        &mut done,
    );
    record(
        apply_object(client, "ServiceAccount", &manifests.service_account).await?,
        &mut done,
    );
    record(
        apply_object(client, "ClusterRole", &manifests.cluster_role).await?,
        &mut done,
    );
    record(
        apply_object(
            client,
            "ClusterRoleBinding",
            &manifests.cluster_role_binding,
        )
        .await?,
        &mut done,
    );
    record(
        apply_object(client, "Deployment", &manifests.deployment).await?,
        &mut done,
    );
    Ok(done)
}
