//! A loopback stand-in for the Kubernetes API server, enough for typed kube-rs clients doing
//! server-side apply: `PATCH` with `application/apply-patch+yaml` (`?fieldManager=..&force=true`)
//! and `GET` on namespaced and cluster-scoped paths, objects kept in memory, Deployment status
//! reported per a script, failures injected per call, errors as `Status` bodies.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The content type of server-side apply.
pub const APPLY_PATCH_CONTENT_TYPE: &str = "application/apply-patch+yaml";

/// How Deployments report their rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RolloutScript {
    /// Fully rolled out from the first GET on.
    Ready,
    /// Not ready for this many GETs after an apply, then rolled out.
    ReadyAfterGets(u32),
    /// Never rolled out (to test timeouts).
    Never,
}

/// The server's behaviour.
#[derive(Debug, Clone)]
pub struct KubeServerConfig {
    /// Bearer token required on every request (`None` = no check).
    pub token: Option<String>,
    /// Deployment rollout behaviour.
    pub rollout: RolloutScript,
}

impl Default for KubeServerConfig {
    fn default() -> Self {
        Self {
            token: Some("test-kube-token".into()),
            rollout: RolloutScript::ReadyAfterGets(2),
        }
    }
}

/// One scripted failure: the next request matching method and path fragment gets this status.
#[derive(Debug, Clone)]
pub struct KubeFault {
    /// Only this method (`None` = any).
    pub method: Option<String>,
    /// Only paths containing this.
    pub path_contains: String,
    /// HTTP status (and `code` of the Status body).
    pub status: u16,
    /// `reason` of the Status body (`InternalError`, `Forbidden`, ...).
    pub reason: String,
    /// `message` of the Status body.
    pub message: String,
}

impl KubeFault {
    /// A 500 on the next apply (PATCH) to a path containing `path_contains`.
    pub fn apply_error(path_contains: &str, message: &str) -> Self {
        Self {
            method: Some("PATCH".into()),
            path_contains: path_contains.into(),
            status: 500,
            reason: "InternalError".into(),
            message: message.into(),
        }
    }
}

/// One request the server saw.
#[derive(Debug, Clone)]
pub struct KubeRequest {
    /// Method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Query parameters.
    pub query: BTreeMap<String, String>,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// Body as text.
    pub body: String,
}

#[derive(Debug, Default)]
struct KubeState {
    requests: Vec<KubeRequest>,
    faults: VecDeque<KubeFault>,
    objects: HashMap<String, Value>,
    gets_since_apply: HashMap<String, u32>,
    resource_version: u64,
}

struct Shared {
    config: KubeServerConfig,
    state: Mutex<KubeState>,
}

/// A running fake API server; stops when dropped.
pub struct KubeServer {
    shared: Arc<Shared>,
    served: crate::loopback::Served,
}

impl KubeServer {
    /// Starts on `127.0.0.1:0`.
    pub async fn start(config: KubeServerConfig) -> Self {
        let shared = Arc::new(Shared {
            config,
            state: Mutex::new(KubeState::default()),
        });
        let state = shared.clone();
        let served = crate::loopback::serve(
            |_| Router::new().fallback(handle).with_state(state),
            "kube test server",
        )
        .await;
        Self { shared, served }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.served.url.clone()
    }

    /// A kubeconfig (JSON, as aks-engine writes them) pointing at this server.
    pub fn kubeconfig_json(&self) -> String {
        let user = match &self.shared.config.token {
            Some(t) => json!({"token": t}),
            None => json!({}),
        };
        json!({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "test", "cluster": {"server": self.served.url}}],
            "users": [{"name": "test-admin", "user": user}],
            "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test-admin"}}],
            "current-context": "test"
        })
        .to_string()
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<KubeRequest> {
        self.state().requests.clone()
    }

    /// The stored object at an API path (e.g. `/api/v1/namespaces/kube-system/configmaps/x`).
    pub fn object(&self, path: &str) -> Option<Value> {
        self.state().objects.get(path).cloned()
    }

    /// Paths of all stored objects, sorted.
    pub fn object_paths(&self) -> Vec<String> {
        let mut v: Vec<String> = self.state().objects.keys().cloned().collect();
        v.sort();
        v
    }

    /// Queues a one-shot fault.
    pub fn inject(&self, fault: KubeFault) {
        self.state().faults.push_back(fault);
    }

    fn state(&self) -> std::sync::MutexGuard<'_, KubeState> {
        self.shared.state.lock().expect("kube server state")
    }
}

fn status_body(code: u16, reason: &str, message: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code})
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().trim_end_matches('/').to_owned();
    let query: BTreeMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut state = shared.state.lock().expect("kube server state");
    state.requests.push(KubeRequest {
        method: method.to_string(),
        path: path.clone(),
        query: query.clone(),
        content_type: content_type.clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let (status, value) = respond(
        &shared.config,
        &mut state,
        &method,
        &path,
        &query,
        content_type.as_deref(),
        &headers,
        &body,
    );
    drop(state);
    (
        StatusCode::from_u16(status).expect("status"),
        axum::Json(value),
    )
        .into_response()
}

#[allow(clippy::too_many_arguments)]
fn respond(
    config: &KubeServerConfig,
    state: &mut KubeState,
    method: &Method,
    path: &str,
    query: &BTreeMap<String, String>,
    content_type: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> (u16, Value) {
    if let Some(token) = &config.token {
        let expected = format!("Bearer {token}");
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
            return (401, status_body(401, "Unauthorized", "Unauthorized"));
        }
    }
    if let Some(i) = state.faults.iter().position(|f| {
        f.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()))
            && path.contains(&f.path_contains)
    }) {
        let f = state.faults.remove(i).expect("fault index");
        return (f.status, status_body(f.status, &f.reason, &f.message));
    }
    let Some((kind_path, name)) = object_path(path) else {
        return (
            404,
            status_body(
                404,
                "NotFound",
                &format!("the server could not find the requested resource ({path})"),
            ),
        );
    };
    let key = format!("{kind_path}/{name}");
    match method.as_str() {
        "PATCH" => apply(state, &key, name, query, content_type, body),
        "GET" => match state.objects.get(&key).cloned() {
            Some(mut obj) => {
                if obj.get("kind").and_then(Value::as_str) == Some("Deployment") {
                    let gets = state.gets_since_apply.entry(key.clone()).or_default();
                    *gets += 1;
                    let ready = match config.rollout {
                        RolloutScript::Ready => true,
                        RolloutScript::ReadyAfterGets(n) => *gets > n,
                        RolloutScript::Never => false,
                    };
                    obj["status"] = deployment_status(&obj, ready);
                }
                (200, obj)
            }
            None => {
                let resource = kind_path.rsplit('/').next().unwrap_or("");
                (
                    404,
                    status_body(404, "NotFound", &format!("{resource} \"{name}\" not found")),
                )
            }
        },
        _ => (
            405,
            status_body(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
            ),
        ),
    }
}

/// Splits `/api/v1/namespaces/ns/configmaps/name[/status]` or `/apis/g/v/resource/name` into
/// the collection path and the name.
fn object_path(path: &str) -> Option<(String, &str)> {
    let path = path.strip_suffix("/status").unwrap_or(path);
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let ok = matches!(
        segs.as_slice(),
        ["api", "v1", "namespaces", _, _, _]
            | ["api", "v1", _, _]
            | ["apis", _, _, "namespaces", _, _, _]
            | ["apis", _, _, _, _]
    );
    if !ok {
        return None;
    }
    let (name, rest) = segs.split_last()?;
    Some((format!("/{}", rest.join("/")), name))
}

fn apply(
    state: &mut KubeState,
    key: &str,
    name: &str,
    query: &BTreeMap<String, String>,
    content_type: Option<&str>,
    body: &[u8],
) -> (u16, Value) {
    if content_type != Some(APPLY_PATCH_CONTENT_TYPE) {
        return (
            415,
            status_body(
                415,
                "UnsupportedMediaType",
                &format!(
                    "the body of the request was in an unknown format - accepted media types include: {APPLY_PATCH_CONTENT_TYPE}"
                ),
            ),
        );
    }
    if query.get("fieldManager").is_none_or(|m| m.is_empty()) {
        return (
            422,
            status_body(
                422,
                "Invalid",
                "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
            ),
        );
    }
    let Ok(mut obj) = serde_json::from_slice::<Value>(body) else {
        return (
            400,
            status_body(400, "BadRequest", "error decoding YAML: invalid apply body"),
        );
    };
    if obj.get("apiVersion").is_none() || obj.get("kind").is_none() {
        return (
            400,
            status_body(400, "BadRequest", "Object 'Kind' is missing in apply body"),
        );
    }
    if obj.pointer("/metadata/name").and_then(Value::as_str) != Some(name) {
        return (
            400,
            status_body(
                400,
                "BadRequest",
                "the name of the object does not match the name on the URL",
            ),
        );
    }
    let previous = state.objects.get(key).cloned();
    if let Some(prev) = &previous {
        let owner = prev
            .pointer("/metadata/annotations/test-field-manager")
            .and_then(Value::as_str);
        if owner.is_some_and(|o| Some(o) != query.get("fieldManager").map(String::as_str))
            && query.get("force").map(String::as_str) != Some("true")
        {
            return (
                409,
                status_body(
                    409,
                    "Conflict",
                    "Apply failed with 1 conflict: conflict with another field manager",
                ),
            );
        }
    }
    state.resource_version += 1;
    let generation = match &previous {
        Some(prev) if prev.get("spec") == obj.get("spec") => prev
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(1),
        Some(prev) => {
            prev.pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(1)
                + 1
        }
        None => 1,
    };
    let meta = obj["metadata"]
        .as_object_mut()
        .expect("metadata is an object");
    meta.insert(
        "resourceVersion".into(),
        json!(state.resource_version.to_string()),
    );
    meta.insert("generation".into(), json!(generation));
    meta.insert(
        "uid".into(),
        json!(format!(
            "00000000-0000-0000-0000-{:012}",
            state.resource_version
        )),
    );
    state.objects.insert(key.to_owned(), obj.clone());
    state.gets_since_apply.insert(key.to_owned(), 0);
    (if previous.is_some() { 200 } else { 201 }, obj)
}

fn deployment_status(obj: &Value, ready: bool) -> Value {
    let replicas = obj
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let generation = obj
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    if ready {
        json!({"observedGeneration": generation, "replicas": replicas, "updatedReplicas": replicas,
            "readyReplicas": replicas, "availableReplicas": replicas})
    } else {
        json!({"observedGeneration": generation, "replicas": replicas, "updatedReplicas": 0,
            "unavailableReplicas": replicas})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_paths_for_namespaced_and_cluster_kinds() {
        assert_eq!(
            object_path("/api/v1/namespaces/kube-system/secrets/s"),
            Some(("/api/v1/namespaces/kube-system/secrets".to_owned(), "s"))
        );
        assert_eq!(
            object_path("/apis/apps/v1/namespaces/kube-system/deployments/d/status"),
            Some((
                "/apis/apps/v1/namespaces/kube-system/deployments".to_owned(),
                "d"
            ))
        );
        assert_eq!(
            object_path("/apis/rbac.authorization.k8s.io/v1/clusterroles/r"),
            Some((
                "/apis/rbac.authorization.k8s.io/v1/clusterroles".to_owned(),
                "r"
            ))
        );
        assert_eq!(object_path("/version"), None);
    }
}
