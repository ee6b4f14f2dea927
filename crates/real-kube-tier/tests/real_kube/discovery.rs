//! What `kubectl drain` reads before it acts, answered alike: discovery (pods have the
//! `pods/eviction` subresource in `policy/v1`; `policy/v1` serves budgets), the 404 `Status`
//! of a pod that is gone, and lists a page at a time (`limit`, `continue`).

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use serde_json::json;

use crate::cluster::Cluster;

pub(crate) async fn what_kubectl_reads(c: &impl Cluster) {
    let who = c.label();
    let client = c.client();

    let core = client.list_core_api_versions().await.unwrap();
    assert_eq!(core.versions, ["v1"], "{who}");
    let v1 = client.list_core_api_resources("v1").await.unwrap();
    let eviction = v1
        .resources
        .iter()
        .find(|r| r.name == "pods/eviction")
        .unwrap_or_else(|| panic!("{who}: no pods/eviction"));
    assert_eq!(
        (
            eviction.group.as_deref(),
            eviction.version.as_deref(),
            eviction.kind.as_str(),
            eviction.namespaced,
        ),
        (Some("policy"), Some("v1"), "Eviction", true),
        "{who}"
    );
    assert_eq!(eviction.verbs, ["create"], "{who}");
    for name in ["pods", "nodes", "nodes/status", "pods/status"] {
        assert!(v1.resources.iter().any(|r| r.name == name), "{who}: {name}");
    }
    let groups = client.list_api_groups().await.unwrap();
    let policy = groups.groups.iter().find(|g| g.name == "policy").unwrap();
    assert_eq!(
        policy.preferred_version.as_ref().unwrap().group_version,
        "policy/v1",
        "{who}"
    );
    let budgets = client.list_api_group_resources("policy/v1").await.unwrap();
    let pdb = budgets
        .resources
        .iter()
        .find(|r| r.name == "poddisruptionbudgets")
        .unwrap();
    assert_eq!(pdb.kind, "PodDisruptionBudget", "{who}");
    assert_eq!(pdb.short_names.as_deref(), Some(&["pdb".to_owned()][..]));

    let ns = "pages";
    c.namespace(ns).await;
    for name in ["page-a", "page-b", "page-c"] {
        c.add_pod(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"terminationGracePeriodSeconds": 0,
                "containers": [{"name": "main", "image": "registry.k8s.io/pause:3.9"}]}}))
            .await;
    }
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let Err(kube::Error::Api(gone)) = pods.get("nope").await else {
        panic!("{who}: a missing pod is a 404");
    };
    assert_eq!(
        (gone.code, gone.reason.as_str(), gone.message.as_str()),
        (404, "NotFound", "pods \"nope\" not found"),
        "{who}"
    );
    let details = gone.details.as_ref().unwrap();
    assert_eq!(
        (details.name.as_str(), details.kind.as_str()),
        ("nope", "pods")
    );

    let mut names = Vec::new();
    let mut pages = 0;
    let mut params = ListParams::default().limit(2);
    loop {
        let page = pods.list(&params).await.unwrap();
        pages += 1;
        names.extend(page.items.iter().filter_map(|p| p.metadata.name.clone()));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(next) => params = params.continue_token(&next),
            None => break,
        }
    }
    assert_eq!(names, ["page-a", "page-b", "page-c"], "{who}");
    assert_eq!(pages, 2, "{who}: pages of 2");
}
