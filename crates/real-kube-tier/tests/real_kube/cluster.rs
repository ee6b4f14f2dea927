//! One cluster the cases run against: the in-process fake ([`FakeCluster`]) or the real
//! kube-apiserver ([`RealCluster`]). Each seeds objects its own way (the fake stores them as
//! given; the real server needs creates, then `status` subresource patches, since no kubelet or
//! controller fills status in) and hands out a client built by our own code.

use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::{Namespace, Node, Pod, ServiceAccount};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::Client;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use test_support::kube_server::{KubeServer, KubeServerConfig};
use test_support::real_kube::RealKube;

/// What the cases need from a cluster.
pub(crate) trait Cluster {
    /// "fake" or "real", for assertion messages.
    fn label(&self) -> &'static str;
    /// A client from `cutover::client_from_kubeconfig`.
    fn client(&self) -> &Client;
    /// The kubeconfig our clients read.
    fn kubeconfig(&self) -> &Path;
    /// Makes sure `ns` exists with its `default` ServiceAccount.
    async fn namespace(&self, ns: &str);
    /// A Node with `spec.providerID` and a `Ready` condition.
    async fn add_node(&self, name: &str, provider_id: &str, ready: bool);
    /// A Pod as given (its `status` included).
    async fn add_pod(&self, pod: Value);
    /// A `policy/v1` budget with `minAvailable: 1` over `app=<app>`, allowing `allowed` now.
    async fn add_pdb(&self, ns: &str, name: &str, app: &str, allowed: i32);
    /// Sets the budget's `status.disruptionsAllowed` (what the disruption controller would do).
    async fn set_pdb_allowed(&self, ns: &str, name: &str, allowed: i32);
}

/// The kubelet version every added node reports (`status.nodeInfo.kubeletVersion`).
pub(crate) const KUBELET_VERSION: &str = "v1.24.0";

fn ready_condition(ready: bool) -> Value {
    json!({"type": "Ready", "status": if ready { "True" } else { "False" },
        "reason": if ready { "KubeletReady" } else { "KubeletNotReady" }})
}

fn typed<K: DeserializeOwned>(value: Value) -> K {
    serde_json::from_value(value).expect("a valid object")
}

async fn client_for(kubeconfig: &Path) -> Client {
    cutover::client_from_kubeconfig(kubeconfig)
        .await
        .expect("our client builder accepts the kubeconfig")
}

/// The in-process fake API server.
pub(crate) struct FakeCluster {
    pub(crate) server: KubeServer,
    client: Client,
    kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
}

impl FakeCluster {
    pub(crate) async fn start() -> Self {
        let server = KubeServer::start(KubeServerConfig::default()).await;
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig.json");
        std::fs::write(&kubeconfig, server.kubeconfig_json()).unwrap();
        let client = client_for(&kubeconfig).await;
        FakeCluster {
            server,
            client,
            kubeconfig,
            _dir: dir,
        }
    }
}

impl Cluster for FakeCluster {
    fn label(&self) -> &'static str {
        "fake"
    }
    fn client(&self) -> &Client {
        &self.client
    }
    fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }
    async fn namespace(&self, _ns: &str) {
        // The fake has no namespace objects: any namespace is there.
    }
    async fn add_node(&self, name: &str, provider_id: &str, ready: bool) {
        self.server.add_node(name, Some(provider_id), ready);
        let path = format!("/api/v1/nodes/{name}");
        let mut node = self.server.object(&path).expect("the node just added");
        node["status"]["nodeInfo"] = json!({"kubeletVersion": KUBELET_VERSION});
        self.server.put_object(&path, node);
    }
    async fn add_pod(&self, pod: Value) {
        self.server.add_pod(pod);
    }
    async fn add_pdb(&self, ns: &str, name: &str, app: &str, allowed: i32) {
        self.server
            .add_pdb(ns, name, json!({"app": app}), i64::from(allowed));
    }
    async fn set_pdb_allowed(&self, ns: &str, name: &str, allowed: i32) {
        self.server
            .set_pdb_disruptions_allowed(ns, name, i64::from(allowed));
    }
}

/// The real kube-apiserver of [`RealKube`].
pub(crate) struct RealCluster<'a> {
    pub(crate) kube: &'a RealKube,
    client: Client,
}

impl<'a> RealCluster<'a> {
    pub(crate) async fn connect(kube: &'a RealKube) -> Self {
        let client = client_for(kube.kubeconfig()).await;
        RealCluster { kube, client }
    }
}

impl Cluster for RealCluster<'_> {
    fn label(&self) -> &'static str {
        "real"
    }
    fn client(&self) -> &Client {
        &self.client
    }
    fn kubeconfig(&self) -> &Path {
        self.kube.kubeconfig()
    }
    async fn namespace(&self, ns: &str) {
        let namespaces: Api<Namespace> = Api::all(self.client.clone());
        if namespaces.get_opt(ns).await.unwrap().is_none() {
            namespaces
                .create(
                    &PostParams::default(),
                    &typed(json!({"metadata": {"name": ns}})),
                )
                .await
                .unwrap();
        }
        // No controller-manager: nobody else creates the ServiceAccount pods default to.
        let accounts: Api<ServiceAccount> = Api::namespaced(self.client.clone(), ns);
        if accounts.get_opt("default").await.unwrap().is_none() {
            accounts
                .create(
                    &PostParams::default(),
                    &typed(json!({"metadata": {"name": "default"}})),
                )
                .await
                .unwrap();
        }
    }
    async fn add_node(&self, name: &str, provider_id: &str, ready: bool) {
        let nodes: Api<Node> = Api::all(self.client.clone());
        let node = json!({"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "spec": {"providerID": provider_id}});
        nodes
            .create(&PostParams::default(), &typed(node))
            .await
            .unwrap();
        // No kubelet: the status is ours to set.
        let status = json!({"status": {"conditions": [ready_condition(ready)],
            "nodeInfo": {"kubeletVersion": KUBELET_VERSION, "machineID": "", "systemUUID": "",
                "bootID": "", "kernelVersion": "", "osImage": "", "containerRuntimeVersion": "",
                "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64"}}});
        nodes
            .patch_status(name, &PatchParams::default(), &Patch::Merge(&status))
            .await
            .unwrap();
    }
    async fn add_pod(&self, mut pod: Value) {
        let ns = pod["metadata"]["namespace"].as_str().unwrap().to_owned();
        let name = pod["metadata"]["name"].as_str().unwrap().to_owned();
        let status = pod
            .as_object_mut()
            .and_then(|o| o.remove("status"))
            .unwrap_or(Value::Null);
        let pods: Api<Pod> = Api::namespaced(self.client.clone(), &ns);
        pods.create(&PostParams::default(), &typed(pod))
            .await
            .unwrap();
        if !status.is_null() {
            pods.patch_status(
                &name,
                &PatchParams::default(),
                &Patch::Merge(&json!({ "status": status })),
            )
            .await
            .unwrap();
        }
    }
    async fn add_pdb(&self, ns: &str, name: &str, app: &str, allowed: i32) {
        let budgets: Api<PodDisruptionBudget> = Api::namespaced(self.client.clone(), ns);
        let pdb = json!({"metadata": {"name": name, "namespace": ns},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": app}}}});
        budgets
            .create(&PostParams::default(), &typed(pdb))
            .await
            .unwrap();
        self.set_pdb_allowed(ns, name, allowed).await;
    }
    async fn set_pdb_allowed(&self, ns: &str, name: &str, allowed: i32) {
        let budgets: Api<PodDisruptionBudget> = Api::namespaced(self.client.clone(), ns);
        let generation = budgets.get(name).await.unwrap().metadata.generation;
        // The server refuses evictions while observedGeneration lags the budget's generation.
        let status = json!({"status": {"observedGeneration": generation,
            "disruptionsAllowed": allowed, "currentHealthy": 1 + allowed, "desiredHealthy": 1,
            "expectedPods": 1 + allowed}});
        budgets
            .patch_status(name, &PatchParams::default(), &Patch::Merge(&status))
            .await
            .unwrap();
    }
}
