//! A loopback stand-in for the Kubernetes API server, enough for typed kube-rs clients doing
//! server-side apply: `PATCH` with `application/apply-patch+yaml` (`?fieldManager=..&force=true`)
//! and `GET` on namespaced and cluster-scoped paths, objects kept in memory, Deployment status
//! reported per a script, failures injected per call, errors as `Status` bodies. As the real
//! server, an apply records its field manager in `metadata.managedFields`, and an apply that
//! changes nothing writes nothing (the `resourceVersion` stays); `crates/real-kube-tier` checks
//! that the two agree.
//!
//! For draining: lists (with `fieldSelector` on `spec.nodeName` / `metadata.name`), merge and
//! strategic-merge `PATCH`, `DELETE`, and the `policy/v1` eviction subresource, which honours
//! the `status.disruptionsAllowed` of matching PodDisruptionBudgets (429 when it is 0) and
//! leaves an evicted pod terminating for a scripted number of reads.
//!
//! For `kubectl` (`kubectl drain` runs against it in the drain benchmark): `/version` and the
//! discovery documents, `limit`/`continue` pages of lists, and 404s with the real `Status`
//! details. It speaks plain HTTP, over which `kubectl` sends no credentials: start it with
//! `token: None` for `kubectl`.
//!
//! For the node agent: `POST` on collections (Events, with `generateName`) and DaemonSet
//! rollout status, scripted like the Deployments'.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use serde_json::{Value, json};

pub use crate::fault::Fault;
use crate::fault::{self, PathMatch};
use crate::kube_discovery;
use crate::loopback::{Call, json_response};
pub use crate::recorded::RecordedRequest;

/// The content type of server-side apply.
pub const APPLY_PATCH_CONTENT_TYPE: &str = "application/apply-patch+yaml";
/// The content type of a JSON merge patch.
pub const MERGE_PATCH_CONTENT_TYPE: &str = "application/merge-patch+json";
/// The content type of a strategic merge patch (what kubectl sends).
pub const STRATEGIC_MERGE_PATCH_CONTENT_TYPE: &str = "application/strategic-merge-patch+json";

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
    /// Delay before every answer (e.g. 20 ms for the drain benchmark); requests overlap while
    /// they wait, as on a real server ([`KubeServer::max_in_flight`] tells how many did).
    pub response_delay: Duration,
}

impl Default for KubeServerConfig {
    fn default() -> Self {
        Self {
            token: Some("test-kube-token".into()),
            rollout: RolloutScript::ReadyAfterGets(2),
            response_delay: Duration::ZERO,
        }
    }
}

impl Fault {
    /// A 500 `InternalError` on the next apply (PATCH) to a path containing `path_contains`.
    pub fn apply_error(path_contains: &str, message: &str) -> Self {
        Fault::error(500, "InternalError", message, None)
            .on_method("PATCH")
            .path_contains(path_contains)
    }
}

#[derive(Debug, Default)]
struct KubeState {
    objects: HashMap<String, Value>,
    gets_since_apply: HashMap<String, u32>,
    resource_version: u64,
    /// Evicted pods still shown, with the reads left before they are gone.
    terminating: HashMap<String, u32>,
    /// Reads an evicted pod is still shown for (see [`KubeServer::set_evicted_pod_lingers_for_gets`]).
    linger_gets: u32,
    /// Requests being answered now, and the most at once so far.
    in_flight: usize,
    max_in_flight: usize,
}

type Shared = crate::shared::Shared<KubeServerConfig, KubeState>;

/// A running fake API server; stops when dropped.
pub struct KubeServer {
    shared: crate::shared::Running<KubeServerConfig, KubeState>,
}

impl KubeServer {
    /// Starts on `127.0.0.1:0`.
    pub async fn start(config: KubeServerConfig) -> Self {
        let state = KubeState {
            linger_gets: 1,
            ..KubeState::default()
        };
        Self {
            shared: crate::shared::Running::start(config, state, handle).await,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.shared.url.clone()
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
            "clusters": [{"name": "test", "cluster": {"server": self.shared.url}}],
            "users": [{"name": "test-admin", "user": user}],
            "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test-admin"}}],
            "current-context": "test"
        })
        .to_string()
    }

    /// The most requests that were being answered at once so far (they overlap only with a
    /// [`KubeServerConfig::response_delay`]).
    pub fn max_in_flight(&self) -> usize {
        self.state().max_in_flight
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
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

    /// Queues a fault (checked after authentication); faults are used in the order queued.
    pub fn inject(&self, fault: Fault) {
        self.shared.inject(fault);
    }

    /// After an allowed eviction, the pod is still returned (with `deletionTimestamp`) by this
    /// many `GET`s of it before it is gone (1 by default).
    pub fn set_evicted_pod_lingers_for_gets(&self, gets: u32) {
        self.state().linger_gets = gets;
    }

    /// Stores `object` at `path` as is, filling `metadata.uid` and `resourceVersion` if absent.
    pub fn put_object(&self, path: &str, mut object: Value) {
        let mut state = self.state();
        state.resource_version += 1;
        let rv = state.resource_version;
        if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.entry("uid")
                .or_insert_with(|| json!(format!("00000000-0000-0000-0000-{rv:012}")));
            meta.insert("resourceVersion".into(), json!(rv.to_string()));
        }
        state.objects.insert(path.to_owned(), object);
    }

    /// Removes the object at `path`; whether it existed.
    pub fn remove_object(&self, path: &str) -> bool {
        self.state().objects.remove(path).is_some()
    }

    /// Adds a Node with a `Ready` condition and, when given, a `spec.providerID`, created now
    /// (`metadata.creationTimestamp`, as the apiserver sets it).
    pub fn add_node(&self, name: &str, provider_id: Option<&str>, ready: bool) {
        self.add_node_at(name, provider_id, None, ready);
    }

    /// Adds a Node as [`KubeServer::add_node`] does, with `internal_ip` (when given) as its
    /// `InternalIP` and its name as its `Hostname` in `status.addresses` (what the kubelet and
    /// the Azure cloud provider report).
    pub fn add_node_at(
        &self,
        name: &str,
        provider_id: Option<&str>,
        internal_ip: Option<&str>,
        ready: bool,
    ) {
        let mut spec = json!({});
        if let Some(id) = provider_id {
            spec["providerID"] = json!(id);
        }
        let mut status = json!({"conditions": [ready_condition(ready)]});
        if let Some(ip) = internal_ip {
            status["addresses"] = json!([{"type": "Hostname", "address": name},
                {"type": "InternalIP", "address": ip}]);
        }
        self.put_object(
            &node_path(name),
            json!({"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": name, "creationTimestamp": creation_timestamp_now(),
                    "labels": {"kubernetes.io/hostname": name}},
                "spec": spec,
                "status": status}),
        );
    }

    /// Sets a stored Node's `metadata.creationTimestamp` (RFC 3339; `None` removes it): a Node
    /// registered long ago, or an object without one.
    pub fn set_node_created(&self, name: &str, timestamp: Option<&str>) {
        let mut state = self.state();
        if let Some(meta) = state
            .objects
            .get_mut(&node_path(name))
            .and_then(|n| n.get_mut("metadata"))
            .and_then(Value::as_object_mut)
        {
            match timestamp {
                Some(t) => meta.insert("creationTimestamp".into(), json!(t)),
                None => meta.remove("creationTimestamp"),
            };
        }
    }

    /// Sets a stored Node's `Ready` condition.
    pub fn set_node_ready(&self, name: &str, ready: bool) {
        let mut state = self.state();
        if let Some(node) = state.objects.get_mut(&node_path(name)) {
            node["status"]["conditions"] = json!([ready_condition(ready)]);
        }
    }

    /// Adds a Pod (a full object; `metadata.namespace` and `metadata.name` place it).
    pub fn add_pod(&self, pod: Value) {
        let ns = pod["metadata"]["namespace"].as_str().unwrap_or("default");
        let name = pod["metadata"]["name"].as_str().unwrap_or_default();
        let path = format!("/api/v1/namespaces/{ns}/pods/{name}");
        self.put_object(&path, pod);
    }

    /// Adds a `policy/v1` PodDisruptionBudget selecting `match_labels`, with this many
    /// disruptions allowed now.
    pub fn add_pdb(
        &self,
        namespace: &str,
        name: &str,
        match_labels: Value,
        disruptions_allowed: i64,
    ) {
        self.put_object(
            &pdb_path(namespace, name),
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                "metadata": {"name": name, "namespace": namespace},
                "spec": {"minAvailable": 1, "selector": {"matchLabels": match_labels}},
                "status": {"disruptionsAllowed": disruptions_allowed, "currentHealthy": 1,
                    "desiredHealthy": 1, "expectedPods": 1}}),
        );
    }

    /// Sets a stored budget's `status.disruptionsAllowed`.
    pub fn set_pdb_disruptions_allowed(&self, namespace: &str, name: &str, allowed: i64) {
        let mut state = self.state();
        if let Some(pdb) = state.objects.get_mut(&pdb_path(namespace, name)) {
            pdb["status"]["disruptionsAllowed"] = json!(allowed);
        }
    }

    /// Requests with this method whose path contains `fragment` (case-insensitive).
    pub fn requests_matching(&self, method: &str, fragment: &str) -> Vec<RecordedRequest> {
        self.shared
            .requests_matching(Some(method), PathMatch::Contains(fragment.to_owned()))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, KubeState> {
        self.shared.state()
    }
}

fn node_path(name: &str) -> String {
    format!("/api/v1/nodes/{name}")
}

fn pdb_path(namespace: &str, name: &str) -> String {
    format!("/apis/policy/v1/namespaces/{namespace}/poddisruptionbudgets/{name}")
}

fn ready_condition(ready: bool) -> Value {
    json!({"type": "Ready", "status": if ready { "True" } else { "False" },
        "reason": if ready { "KubeletReady" } else { "KubeletNotReady" }})
}

fn status_body(code: u16, reason: &str, message: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code})
}

async fn handle(State(shared): State<Arc<Shared>>, call: Call) -> Response {
    let path = call.uri.path().trim_end_matches('/').to_owned();
    let query: BTreeMap<String, String> =
        url::form_urlencoded::parse(call.uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let content_type = call
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut recorded = call.recorded();
    recorded.path = path.clone();
    shared.record(recorded);
    let _in_flight = InFlight::enter(&shared);
    if !shared.config.response_delay.is_zero() {
        tokio::time::sleep(shared.config.response_delay).await;
    }
    if let Some(token) = &shared.config.token {
        let expected = format!("Bearer {token}");
        if call
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            != Some(expected.as_str())
        {
            return json_response(401, status_body(401, "Unauthorized", "Unauthorized"));
        }
    }
    let fault = shared.take_fault(call.method.as_str(), &path);
    let error = |status: u16, reason: &str, message: &str, _field: Option<&str>| {
        json_response(status, status_body(status, reason, message))
    };
    fault::answer(fault, call.kill.clone(), &error, || {
        if call.method == Method::GET {
            let address = shared.url.trim_start_matches("http://");
            if let Some(document) = kube_discovery::document(&path, address) {
                return json_response(200, document);
            }
        }
        let (status, value) = respond(
            &shared.config,
            &mut shared.state(),
            &call.method,
            &path,
            &query,
            content_type.as_deref(),
            &call.body,
        );
        json_response(status, value)
    })
    .await
}

/// One request being answered: counted from its arrival until it is answered (or dropped).
struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn enter(shared: &'a Shared) -> Self {
        let mut state = shared.state();
        state.in_flight += 1;
        state.max_in_flight = state.max_in_flight.max(state.in_flight);
        InFlight(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.state().in_flight -= 1;
    }
}

fn respond(
    config: &KubeServerConfig,
    state: &mut KubeState,
    method: &Method,
    path: &str,
    query: &BTreeMap<String, String>,
    content_type: Option<&str>,
    body: &[u8],
) -> (u16, Value) {
    if method == Method::POST
        && let Some(pod_key) = path.strip_suffix("/eviction")
    {
        return evict(state, pod_key);
    }
    if method == Method::GET
        && let Some(answer) = list(state, path, query)
    {
        return answer;
    }
    if method == Method::POST && is_collection(path) {
        return create(state, path, body);
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
        "PATCH"
            if matches!(
                content_type,
                Some(MERGE_PATCH_CONTENT_TYPE | STRATEGIC_MERGE_PATCH_CONTENT_TYPE)
            ) =>
        {
            merge_patch_object(state, &key, name, body)
        }
        "PATCH" => apply(state, &key, name, query, content_type, body),
        "DELETE" => match state.objects.remove(&key) {
            Some(obj) => {
                state.terminating.remove(&key);
                (200, obj)
            }
            None => not_found(&kind_path, name),
        },
        "GET" if state.terminating.contains_key(&key) => {
            let left = state.terminating.get_mut(&key).expect("terminating pod");
            if *left == 0 {
                state.terminating.remove(&key);
                state.objects.remove(&key);
                return not_found(&kind_path, name);
            }
            *left -= 1;
            (200, state.objects.get(&key).cloned().unwrap_or(Value::Null))
        }
        "GET" => match state.objects.get(&key).cloned() {
            Some(mut obj) => {
                let kind = obj.get("kind").and_then(Value::as_str).map(str::to_owned);
                if let Some(kind @ ("Deployment" | "DaemonSet")) = kind.as_deref() {
                    let gets = state.gets_since_apply.entry(key.clone()).or_default();
                    *gets += 1;
                    let ready = match config.rollout {
                        RolloutScript::Ready => true,
                        RolloutScript::ReadyAfterGets(n) => *gets > n,
                        RolloutScript::Never => false,
                    };
                    obj["status"] = if kind == "Deployment" {
                        deployment_status(&obj, ready)
                    } else {
                        daemon_set_status(&obj, ready, state.node_count())
                    };
                }
                (200, obj)
            }
            None => not_found(&kind_path, name),
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

/// The real server's 404 for a missing object, with its `details`.
fn not_found(kind_path: &str, name: &str) -> (u16, Value) {
    let resource = kind_path.rsplit('/').next().unwrap_or("");
    let mut body = status_body(404, "NotFound", &format!("{resource} \"{name}\" not found"));
    body["details"] = json!({"name": name, "kind": resource});
    (404, body)
}

/// A `GET` on a collection (`/api/v1/nodes`, `/api/v1/pods`, `/api/v1/namespaces/ns/pods`,
/// `/apis/policy/v1/poddisruptionbudgets`, ...): the stored objects under it in their paths'
/// order, filtered by a `fieldSelector` of `spec.nodeName=` / `metadata.name=` terms, a page
/// of `limit` at a time (`metadata.continue` names the next page, as `?continue=`). `None`
/// when not a collection.
fn list(state: &KubeState, path: &str, query: &BTreeMap<String, String>) -> Option<(u16, Value)> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // (collection prefix before the resource, namespace, resource)
    let (prefix, namespace, resource) = match segs.as_slice() {
        ["api", "v1", resource] => ("/api/v1".to_owned(), None, *resource),
        ["api", "v1", "namespaces", ns, resource] => ("/api/v1".to_owned(), Some(*ns), *resource),
        ["apis", g, v, resource] => (format!("/apis/{g}/{v}"), None, *resource),
        ["apis", g, v, "namespaces", ns, resource] => {
            (format!("/apis/{g}/{v}"), Some(*ns), *resource)
        }
        _ => return None,
    };
    let selector: Vec<(String, String)> = query
        .get("fieldSelector")
        .map(|s| {
            s.split(',')
                .filter_map(|t| t.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    // A page starts after the path our last page ended with.
    let after = query.get("continue").filter(|c| !c.is_empty());
    if let Some(token) = after
        && !token.starts_with(&format!("{prefix}/"))
    {
        return Some((
            400,
            status_body(
                400,
                "BadRequest",
                "invalid continue token: continue key is not valid",
            ),
        ));
    }
    let limit = query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0);
    let mut keys: Vec<&String> = state
        .objects
        .keys()
        .filter(|k| {
            let Some(rest) = k.strip_prefix(&prefix) else {
                return false;
            };
            let parts: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
            match parts.as_slice() {
                [r, _] => namespace.is_none() && *r == resource,
                ["namespaces", ns, r, _] => *r == resource && namespace.is_none_or(|n| n == *ns),
                _ => false,
            }
        })
        .filter(|k| after.is_none_or(|a| k.as_str() > a.as_str()))
        .collect();
    keys.sort();
    let mut selected = keys.into_iter().filter(|k| {
        selector.iter().all(|(field, want)| {
            let pointer = format!("/{}", field.replace('.', "/"));
            state.objects[*k].pointer(&pointer).and_then(Value::as_str) == Some(want.as_str())
        })
    });
    let mut page: Vec<&String> = selected
        .by_ref()
        .take(limit.unwrap_or(usize::MAX))
        .collect();
    let more = selected.next().is_some();
    let next = more.then(|| page.last().map(|k| (*k).clone())).flatten();
    let items: Vec<Value> = page.drain(..).map(|k| state.objects[k].clone()).collect();
    let kind = items
        .first()
        .and_then(|i| i.get("kind"))
        .and_then(Value::as_str)
        .map(|k| format!("{k}List"))
        .unwrap_or_else(|| "List".to_owned());
    let api_version = if prefix == "/api/v1" {
        "v1".to_owned()
    } else {
        prefix.trim_start_matches("/apis/").to_owned()
    };
    let mut metadata = json!({"resourceVersion": state.resource_version.to_string()});
    if let Some(next) = next {
        metadata["continue"] = json!(next);
    }
    Some((
        200,
        json!({"kind": kind, "apiVersion": api_version, "metadata": metadata, "items": items}),
    ))
}

/// Whether a label selector (`matchLabels` and `matchExpressions`) selects these labels; a
/// missing selector selects nothing.
fn selects(selector: Option<&Value>, labels: &Value) -> bool {
    let Some(selector) = selector.filter(|s| !s.is_null()) else {
        return false;
    };
    let label = |k: &str| labels.get(k).and_then(Value::as_str);
    let labels_ok = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .is_none_or(|m| m.iter().all(|(k, v)| label(k) == v.as_str()));
    let exprs_ok = selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .is_none_or(|exprs| {
            exprs.iter().all(|e| {
                let key = e["key"].as_str().unwrap_or_default();
                let values: Vec<&str> = e["values"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                match e["operator"].as_str().unwrap_or_default() {
                    "In" => label(key).is_some_and(|v| values.contains(&v)),
                    "NotIn" => label(key).is_none_or(|v| !values.contains(&v)),
                    "Exists" => label(key).is_some(),
                    "DoesNotExist" => label(key).is_none(),
                    _ => false,
                }
            })
        });
    labels_ok && exprs_ok
}

/// `POST .../pods/NAME/eviction`: 404 for a missing pod, 429 when a matching budget allows no
/// disruption, else the budget is charged and the pod starts terminating.
fn evict(state: &mut KubeState, pod_key: &str) -> (u16, Value) {
    let Some((kind_path, name)) = object_path(pod_key) else {
        return not_found("pods", "");
    };
    let Some(pod) = state.objects.get(pod_key).cloned() else {
        return not_found(&kind_path, name);
    };
    if state.terminating.contains_key(pod_key) {
        return (
            201,
            json!({"kind": "Status", "apiVersion": "v1", "status": "Success", "code": 201}),
        );
    }
    let namespace = pod["metadata"]["namespace"].as_str().unwrap_or("default");
    let labels = pod["metadata"]["labels"].clone();
    let prefix = format!("/apis/policy/v1/namespaces/{namespace}/poddisruptionbudgets/");
    let budgets: Vec<String> = state
        .objects
        .iter()
        .filter(|(k, v)| k.starts_with(&prefix) && selects(v.pointer("/spec/selector"), &labels))
        .map(|(k, _)| k.clone())
        .collect();
    let terminal = matches!(
        pod.pointer("/status/phase").and_then(Value::as_str),
        Some("Succeeded" | "Failed")
    );
    if !terminal {
        for key in &budgets {
            let pdb = &state.objects[key];
            let allowed = pdb
                .pointer("/status/disruptionsAllowed")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            if allowed <= 0 {
                let budget = pdb["metadata"]["name"].as_str().unwrap_or_default();
                let mut body = status_body(
                    429,
                    "TooManyRequests",
                    "Cannot evict pod as it would violate the pod's disruption budget.",
                );
                body["details"] = json!({"causes": [{"reason": "DisruptionBudget",
                    "message": format!("The disruption budget {budget} needs 1 healthy pods and has 1 currently")}]});
                return (429, body);
            }
        }
        for key in &budgets {
            let pdb = state.objects.get_mut(key).expect("budget");
            let allowed = pdb["status"]["disruptionsAllowed"].as_i64().unwrap_or(0);
            pdb["status"]["disruptionsAllowed"] = json!(allowed - 1);
        }
    }
    if let Some(obj) = state.objects.get_mut(pod_key) {
        obj["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
    }
    let linger = state.linger_gets;
    state.terminating.insert(pod_key.to_owned(), linger);
    (
        201,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    )
}

/// RFC 7386 merge of `patch` into `target`.
fn merge_json(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_json(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// A merge or strategic-merge `PATCH` of an existing object (maps merged, lists replaced).
fn merge_patch_object(state: &mut KubeState, key: &str, name: &str, body: &[u8]) -> (u16, Value) {
    let Ok(patch) = serde_json::from_slice::<Value>(body) else {
        return (
            400,
            status_body(400, "BadRequest", "error decoding patch: invalid JSON"),
        );
    };
    state.resource_version += 1;
    let rv = state.resource_version;
    let Some(obj) = state.objects.get_mut(key) else {
        let kind_path = key.rsplit_once('/').map(|(k, _)| k).unwrap_or(key);
        return not_found(kind_path, name);
    };
    merge_json(obj, &patch);
    obj["metadata"]["resourceVersion"] = json!(rv.to_string());
    (200, obj.clone())
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
    let manager = query.get("fieldManager").cloned().unwrap_or_default();
    if let Some(prev) = &previous
        && same_content(prev, &obj)
    {
        // As the real server: an apply that changes nothing writes nothing (same
        // resourceVersion), though a new manager would share ownership of the fields.
        if applied_by(prev).contains(&manager) {
            return (200, prev.clone());
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
    let obj_api_version = obj["apiVersion"].clone();
    let meta = obj["metadata"]
        .as_object_mut()
        .expect("metadata is an object");
    meta.insert(
        "resourceVersion".into(),
        json!(state.resource_version.to_string()),
    );
    meta.insert("generation".into(), json!(generation));
    // Forced applies take every field over: this manager is the only one recorded.
    meta.insert(
        "managedFields".into(),
        json!([{"manager": manager, "operation": "Apply",
            "apiVersion": obj_api_version, "fieldsType": "FieldsV1", "fieldsV1": {}}]),
    );
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

/// Metadata the server sets, not the applier.
const SERVER_SET_METADATA: [&str; 5] = [
    "resourceVersion",
    "generation",
    "uid",
    "managedFields",
    "creationTimestamp",
];

/// Whether an applied object says nothing new about the stored one (status aside).
fn same_content(stored: &Value, applied: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(o) = v.as_object_mut() {
            o.remove("status");
        }
        if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            for key in SERVER_SET_METADATA {
                meta.remove(key);
            }
        }
        v
    };
    strip(stored) == strip(applied)
}

/// The managers that applied a stored object.
fn applied_by(stored: &Value) -> Vec<String> {
    stored
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e["operation"] == "Apply")
                .filter_map(|e| e["manager"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `path` names a collection (`/api/v1/namespaces/ns/events`, `/apis/g/v/resource`).
fn is_collection(path: &str) -> bool {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    matches!(
        segs.as_slice(),
        ["api", "v1", _] | ["api", "v1", "namespaces", _, _] | ["apis", _, _, "namespaces", _, _]
    ) || matches!(segs.as_slice(), ["apis", _, _, r] if *r != "namespaces")
}

/// `POST` on a collection (e.g. an Event): stores the object under its `metadata.name`, or
/// `metadata.generateName` plus a counter; 409 `AlreadyExists` for a taken name.
fn create(state: &mut KubeState, collection: &str, body: &[u8]) -> (u16, Value) {
    let Ok(mut obj) = serde_json::from_slice::<Value>(body) else {
        return (
            400,
            status_body(400, "BadRequest", "error decoding the object: invalid JSON"),
        );
    };
    state.resource_version += 1;
    let rv = state.resource_version;
    let name = match (
        obj.pointer("/metadata/name").and_then(Value::as_str),
        obj.pointer("/metadata/generateName")
            .and_then(Value::as_str),
    ) {
        (Some(n), _) if !n.is_empty() => n.to_owned(),
        (_, Some(g)) if !g.is_empty() => format!("{g}{rv:05}"),
        _ => {
            return (
                422,
                status_body(
                    422,
                    "Invalid",
                    "metadata.name: Required value: name or generateName is required",
                ),
            );
        }
    };
    let key = format!("{collection}/{name}");
    if state.objects.contains_key(&key) {
        let resource = collection.rsplit('/').next().unwrap_or("");
        return (
            409,
            status_body(
                409,
                "AlreadyExists",
                &format!("{resource} \"{name}\" already exists"),
            ),
        );
    }
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("name".into(), json!(name));
        meta.insert("creationTimestamp".into(), json!(creation_timestamp_now()));
        meta.insert("resourceVersion".into(), json!(rv.to_string()));
        meta.insert(
            "uid".into(),
            json!(format!("00000000-0000-0000-0000-{rv:012}")),
        );
    }
    state.objects.insert(key, obj.clone());
    (201, obj)
}

impl KubeState {
    fn node_count(&self) -> i64 {
        let n = self
            .objects
            .keys()
            .filter(|k| k.starts_with("/api/v1/nodes/"))
            .count();
        i64::try_from(n).unwrap_or(i64::MAX)
    }
}

/// A DaemonSet's status: one pod per stored Node (at least one), all updated and available
/// when `ready`.
fn daemon_set_status(obj: &Value, ready: bool, nodes: i64) -> Value {
    let generation = obj
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let desired = nodes.max(1);
    let done = if ready { desired } else { 0 };
    json!({"observedGeneration": generation, "desiredNumberScheduled": desired,
        "currentNumberScheduled": desired, "updatedNumberScheduled": done,
        "numberReady": done, "numberAvailable": done, "numberMisscheduled": 0})
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

/// Now as the apiserver writes `metadata.creationTimestamp` (RFC 3339, whole seconds, UTC).
fn creation_timestamp_now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
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

    #[test]
    fn lists_filter_by_collection_namespace_and_field_selector() {
        let mut state = KubeState::default();
        for (path, node) in [
            ("/api/v1/namespaces/a/pods/p1", "n0"),
            ("/api/v1/namespaces/b/pods/p2", "n1"),
        ] {
            state.objects.insert(
                path.into(),
                json!({"kind": "Pod", "metadata": {"name": path.rsplit('/').next()}, "spec": {"nodeName": node}}),
            );
        }
        state
            .objects
            .insert("/api/v1/nodes/n0".into(), json!({"kind": "Node"}));
        let names = |v: Value| -> Vec<String> {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["metadata"]["name"].as_str().unwrap_or("").to_owned())
                .collect()
        };
        let q = |s: &str| -> BTreeMap<String, String> {
            url::form_urlencoded::parse(s.as_bytes())
                .into_owned()
                .collect()
        };
        let all = list(&state, "/api/v1/pods", &q("")).unwrap().1;
        assert_eq!(all["kind"], "PodList");
        assert_eq!(names(all), ["p1", "p2"]);
        assert_eq!(
            names(
                list(
                    &state,
                    "/api/v1/pods",
                    &q("fieldSelector=spec.nodeName%3Dn1")
                )
                .unwrap()
                .1
            ),
            ["p2"]
        );
        assert_eq!(
            names(list(&state, "/api/v1/namespaces/a/pods", &q("")).unwrap().1),
            ["p1"]
        );
        assert_eq!(
            list(&state, "/api/v1/nodes", &q("")).unwrap().1["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert!(list(&state, "/api/v1/namespaces/a/pods/p1", &q("")).is_none());

        // Pages of one: the first names where the next starts; the last names none.
        let first = list(&state, "/api/v1/pods", &q("limit=1")).unwrap().1;
        let token = first["metadata"]["continue"].as_str().unwrap().to_owned();
        assert_eq!(names(first), ["p1"]);
        let next = list(
            &state,
            "/api/v1/pods",
            &[
                ("limit".to_owned(), "1".to_owned()),
                ("continue".to_owned(), token),
            ]
            .into(),
        )
        .unwrap()
        .1;
        assert!(next["metadata"].get("continue").is_none(), "{next}");
        assert_eq!(names(next), ["p2"]);
        assert_eq!(
            list(&state, "/api/v1/pods", &q("limit=1&continue=garbage"))
                .unwrap()
                .0,
            400
        );
    }

    #[test]
    fn creates_take_a_name_or_generate_one_and_refuse_a_taken_one() {
        let mut state = KubeState::default();
        let events = "/api/v1/namespaces/default/events";
        assert!(is_collection(events) && !is_collection("/api/v1/namespaces/default"));
        let body = br#"{"kind": "Event", "metadata": {"generateName": "n0."}}"#;
        let (status, first) = create(&mut state, events, body);
        assert_eq!(status, 201);
        let name = first["metadata"]["name"].as_str().unwrap().to_owned();
        assert!(name.starts_with("n0."), "{name}");
        assert!(state.objects.contains_key(&format!("{events}/{name}")));
        let named = format!(r#"{{"kind": "Event", "metadata": {{"name": "{name}"}}}}"#);
        assert_eq!(create(&mut state, events, named.as_bytes()).0, 409);
        assert_eq!(create(&mut state, events, br#"{"metadata": {}}"#).0, 422);
    }

    #[test]
    fn selectors_and_merge_patches() {
        let labels = json!({"app": "web", "tier": "front"});
        assert!(selects(
            Some(&json!({"matchLabels": {"app": "web"}})),
            &labels
        ));
        assert!(!selects(
            Some(&json!({"matchLabels": {"app": "api"}})),
            &labels
        ));
        assert!(selects(
            Some(
                &json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}]})
            ),
            &labels
        ));
        assert!(!selects(None, &labels));

        let mut node = json!({"spec": {"providerID": "x", "taints": [1]}, "status": {}});
        merge_json(
            &mut node,
            &json!({"spec": {"unschedulable": true, "taints": null}}),
        );
        assert_eq!(
            node,
            json!({"spec": {"providerID": "x", "unschedulable": true}, "status": {}})
        );
    }
}
