//! A local Spot API on loopback: the Elastigroup-for-Azure routes of both generations
//! (`/azure/compute/group` v3, `/compute/azure/group` v2) with the real envelope and error
//! shapes, scriptable faults, request recording and body validation.
//!
//! The server runs on its own thread and runtime, so sync and async tests alike can use it; it
//! stops when the [`SpotServer`] is dropped. A body that fails validation is answered with a 400
//! *and* kept: dropping the server with unexamined validation failures panics, so a test whose
//! client sends an invalid body fails loudly even if the client tolerated the 400.
//!
//! The check against Spot's OpenAPI create schema is given by the test ([`SchemaCheck`], usually
//! `elastigroup::schema::validate_request`), so this helper does not depend on the crate it tests.
//! A server started without one rejects every create/update body, saying how to give one.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Response, StatusCode};
use axum::response::IntoResponse;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

pub use crate::fault::Fault;
use crate::fault::{self, PathMatch};
use crate::loopback::Call;
pub use crate::recorded::RecordedRequest;

/// Validates a create/update body: `(generation "v3"|"v2", whole body {"group": {...}})`.
pub type Validator = Arc<dyn Fn(&str, &Value) -> Result<(), String> + Send + Sync>;

/// Checks a whole create/update body against the generation's (`"v3"`|`"v2"`) Spot OpenAPI create
/// schema: the violations, none when it conforms.
pub type SchemaCheck = fn(&str, &Value) -> Vec<String>;

/// The default bearer token the server accepts.
pub const TEST_TOKEN: &str = "test-token";
/// The default account the server requires as `accountId`.
pub const TEST_ACCOUNT: &str = "act-12345678";

/// How the server behaves.
#[derive(Clone)]
pub struct SpotServerOptions {
    /// The bearer token accepted.
    pub token: String,
    /// The `accountId` required on every call; `None` = not checked.
    pub account: Option<String>,
    /// Delay before every answer (e.g. 200 ms for the benchmark).
    pub response_delay: Duration,
    /// Checks create/update bodies. The default rejects them all until a schema check is given
    /// ([`SpotServerOptions::with_schema_check`]).
    pub validator: Validator,
}

impl Default for SpotServerOptions {
    fn default() -> Self {
        Self {
            token: TEST_TOKEN.to_owned(),
            account: Some(TEST_ACCOUNT.to_owned()),
            response_delay: Duration::ZERO,
            validator: missing_schema_check(),
        }
    }
}

impl SpotServerOptions {
    /// These options, validating bodies with [`schema_validator`]`(check)`.
    pub fn with_schema_check(self, check: SchemaCheck) -> Self {
        Self {
            validator: schema_validator(check),
            ..self
        }
    }
}

/// The envelope shape, then `check` (the Spot OpenAPI create schema of the generation).
pub fn schema_validator(check: SchemaCheck) -> Validator {
    Arc::new(move |generation, body| {
        envelope_shape(body)?;
        let errors = check(generation, body);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "the body does not match the {generation} create schema: {}",
                errors.join("; ")
            ))
        }
    })
}

/// The default: a test that sends bodies must say how to check them against the schema, so that
/// forgetting to does not silently check less.
fn missing_schema_check() -> Validator {
    Arc::new(|_generation, _body| {
        Err("this local Spot API has no OpenAPI schema check: start it with \
             `SpotServer::start_with_schema_check(elastigroup::schema::validate_request)` \
             (or `SpotServerOptions::with_schema_check`, or `start_envelope_only` for minimal bodies)"
            .to_owned())
    })
}

/// Checks only the envelope shape: `{"group": {...}}` with a string `name` when one is given.
/// For tests whose bodies are deliberately minimal.
pub fn envelope_validator() -> Validator {
    Arc::new(|_generation, body| envelope_shape(body))
}

/// `{"group": {...}}` with a string `name` when one is given.
fn envelope_shape(body: &Value) -> Result<(), String> {
    let group = body
        .get("group")
        .and_then(Value::as_object)
        .ok_or("the body must be an object {\"group\": {...}}")?;
    match group.get("name") {
        None | Some(Value::String(_)) => Ok(()),
        Some(other) => Err(format!("group.name must be a string, got {other}")),
    }
}

/// A create/update body the validator rejected.
#[derive(Debug, Clone)]
pub struct ValidationFailure {
    /// `"v3"` or `"v2"`.
    pub generation: String,
    /// The request's HTTP method.
    pub method: String,
    /// The request's path.
    pub path: String,
    /// Why the validator rejected it.
    pub reason: String,
    /// The body as sent (`null` when there was none).
    pub body: Value,
}

/// A group held by the server.
#[derive(Debug, Clone)]
pub struct StoredGroup {
    /// `"v3"` or `"v2"`.
    pub generation: String,
    /// The group as the API returns it (with `id`, `createdAt`, `updatedAt`).
    pub group: Value,
}

impl StoredGroup {
    /// The group's id (`sig-...`); empty when it has none.
    pub fn id(&self) -> &str {
        self.group["id"].as_str().unwrap_or_default()
    }
    /// The group's name; empty when it has none.
    pub fn name(&self) -> &str {
        self.group["name"].as_str().unwrap_or_default()
    }
}

#[derive(Default)]
struct Inner {
    groups: Vec<StoredGroup>,
    validation_failures: Vec<ValidationFailure>,
    response_delay: Duration,
    /// VMs a group's status reports instead of the synthesized ones, by group id.
    status_vms: HashMap<String, Vec<Value>>,
    /// The VMs each group runs, by group id: started up to `capacity.target` when a status is
    /// read (as Spot does), removed only by scaling down or `detachVms` (v3) /
    /// `detachInstances` (v2).
    running_vms: HashMap<String, Vec<Value>>,
    /// v3: the number in the next VM's name, by group id (`vm-<id>-<n>`, never reused).
    next_vm: HashMap<String, u64>,
    /// v2: the number in the next instance's private IP, across groups (one subnet: an IP is
    /// never given to two instances).
    next_v2_ip: u64,
    /// v2: private IPs freed by removed VMs that the next instances get, first in first out
    /// (Azure gives a freed address again).
    reused_v2_ips: Vec<String>,
    /// How many status reads a detached VM is still listed for (terminating), as real Spot
    /// may do; 0: gone at once.
    detached_listed_for: usize,
    /// Detached VMs still listed, by group id: the item and the status reads left.
    leaving: HashMap<String, Vec<(Value, usize)>>,
}

type App = crate::shared::Shared<SpotServerOptions, Inner>;

/// A running local Spot API.
pub struct SpotServer {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    app: Arc<App>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SpotServer {
    /// Starts a server on `127.0.0.1:0` in its own thread.
    pub fn start(options: SpotServerOptions) -> SpotServer {
        let (tx, rx) = oneshot::channel::<()>();
        let (app_tx, app_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("spot-server".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("spot server runtime");
                rt.block_on(async move {
                    let inner = Inner {
                        response_delay: options.response_delay,
                        ..Inner::default()
                    };
                    let running = crate::shared::Running::start(options, inner, handle).await;
                    let _ = app_tx.send(running.shared());
                    let _ = rx.await;
                });
            })
            .expect("spawn spot server thread");
        let app = app_rx.recv().expect("spot server started");
        SpotServer {
            base_url: app.url.clone(),
            app,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// Starts a server with default options: create/update bodies are rejected until a schema
    /// check is given, so use it only for tests that send none.
    pub fn start_default() -> SpotServer {
        Self::start(SpotServerOptions::default())
    }

    /// Starts a server with default options that checks bodies against the Spot OpenAPI create
    /// schema with `check` (e.g. `elastigroup::schema::validate_request`).
    pub fn start_with_schema_check(check: SchemaCheck) -> SpotServer {
        Self::start(SpotServerOptions::default().with_schema_check(check))
    }

    /// Starts a server that checks only the `{"group": {...}}` envelope of bodies, for client
    /// tests whose bodies are deliberately minimal (not full Elastigroups).
    pub fn start_envelope_only() -> SpotServer {
        Self::start(SpotServerOptions {
            validator: envelope_validator(),
            ..SpotServerOptions::default()
        })
    }

    /// Queues `fault` for the next call(s) matching `method` (`"*"` = any) and `path` (exact, or
    /// a prefix ending in `*`), which replace the fault's own. Faults are used in the order queued.
    pub fn inject(&self, method: &str, path: &str, fault: Fault) {
        self.inject_fault(fault.on_method(method).on_path(PathMatch::pattern(path)));
    }

    /// Queues `fault` with its own method and path.
    pub fn inject_fault(&self, fault: Fault) {
        self.app.inject(fault);
    }

    /// Faults not used yet.
    pub fn pending_faults(&self) -> usize {
        self.app.pending_faults()
    }

    /// Changes the delay before every answer.
    pub fn set_response_delay(&self, delay: Duration) {
        self.app.state().response_delay = delay;
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.app.requests()
    }

    /// Requests with this method whose path starts with `path_prefix`.
    pub fn requests_matching(&self, method: &str, path_prefix: &str) -> Vec<RecordedRequest> {
        self.app
            .requests_matching(Some(method), PathMatch::Prefix(path_prefix.to_owned()))
    }

    /// The names sent to detach from group `id` of `generation`, in the order sent: `"v3"`, the
    /// VM names of its detachVms bodies; `"v2"`, the instance ids of its detachInstances bodies.
    pub fn detached_names(&self, generation: &str, id: &str) -> Vec<String> {
        let (path, field) = match generation {
            "v2" => (
                format!("/compute/azure/group/{id}/detachInstances"),
                "instancesToDetach",
            ),
            _ => (
                format!("/azure/compute/group/{id}/detachVms"),
                "vmsToDetach",
            ),
        };
        self.requests_matching("PUT", &path)
            .into_iter()
            .flat_map(|r| r.json()[field].as_array().cloned().unwrap_or_default())
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    }

    /// Every group held now.
    pub fn groups(&self) -> Vec<StoredGroup> {
        self.app.state().groups.clone()
    }

    /// Groups named `name` (any generation).
    pub fn groups_named(&self, name: &str) -> Vec<StoredGroup> {
        self.groups()
            .into_iter()
            .filter(|g| g.name() == name)
            .collect()
    }

    /// Adds a group directly (e.g. one created by an earlier, forgotten run). Returns its id.
    pub fn insert_group(&self, generation: &str, group: Value) -> String {
        let mut inner = self.app.state();
        let stored = new_group(generation, group);
        let id = stored.id().to_owned();
        inner.groups.push(stored);
        id
    }

    /// Makes the status of group `id` report exactly these VMs (v3: the `vms[]` entries, with
    /// `vmName`; v2: the items, with `instanceId`) instead of `capacity.target` synthesized ones.
    pub fn set_group_vms(&self, id: &str, vms: Vec<Value>) {
        self.app.state().status_vms.insert(id.to_owned(), vms);
    }

    /// The names of the VMs group `id` runs now (v3 `vmName`, v2 `instanceId`), oldest first.
    pub fn running_vm_names(&self, id: &str) -> Vec<String> {
        self.running_vms(id)
            .iter()
            .filter_map(|v| {
                v.get("vmName")
                    .or_else(|| v.get("instanceId"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .collect()
    }

    /// Ends VM `name` of group `id` as an eviction does: gone from the group, the target kept
    /// (the next status read starts its replacement). Whether it ran.
    pub fn evict_vm(&self, id: &str, name: &str) -> bool {
        let mut inner = self.app.state();
        let Some(running) = inner.running_vms.get_mut(id) else {
            return false;
        };
        let before = running.len();
        running.retain(|v| v["vmName"] != name && v["instanceId"] != name);
        before != running.len()
    }

    /// From now on, a detached VM (v3 `detachVms`, v2 `detachInstances`) stays in its group's
    /// status for `reads` more status reads, as it is, while it terminates (its target is
    /// lowered at once). A detach naming it meanwhile is accepted and lowers the target again,
    /// as nothing tells Spot it is the same request.
    pub fn keep_detached_listed(&self, reads: usize) {
        self.app.state().detached_listed_for = reads;
    }

    /// The next v2 instance started gets private IP `ip` (one freed by a removed VM).
    pub fn reuse_v2_private_ip(&self, ip: &str) {
        self.app.state().reused_v2_ips.push(ip.to_owned());
    }

    /// The VMs group `id` runs now as its status reports them, oldest first.
    pub fn running_vms(&self, id: &str) -> Vec<Value> {
        self.app
            .state()
            .running_vms
            .get(id)
            .cloned()
            .unwrap_or_default()
    }

    /// Takes the validation failures seen so far (so dropping the server no longer panics).
    pub fn take_validation_failures(&self) -> Vec<ValidationFailure> {
        std::mem::take(&mut self.app.state().validation_failures)
    }
}

impl Drop for SpotServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let failures = std::mem::take(&mut self.app.state().validation_failures);
        if !failures.is_empty() && !std::thread::panicking() {
            panic!(
                "the local Spot API rejected {} request bod(y/ies) that the test did not examine: {:#?}",
                failures.len(),
                failures
            );
        }
    }
}

fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn new_group(generation: &str, group: Value) -> StoredGroup {
    let mut group = match group {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let id = format!("sig-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let ts = now();
    let mut ordered = Map::new();
    ordered.insert("id".into(), Value::String(id));
    group.remove("id");
    ordered.extend(group);
    ordered.insert("createdAt".into(), Value::String(ts.clone()));
    ordered.insert("updatedAt".into(), Value::String(ts));
    StoredGroup {
        generation: generation.to_owned(),
        group: Value::Object(ordered),
    }
}

/// Objects merge key by key; anything else replaces.
fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                merge(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (t, p) => *t = p.clone(),
    }
}

struct Ctx {
    request_id: String,
    method: String,
    url: String,
}

impl Ctx {
    fn envelope(&self, status: StatusCode, response: Value) -> Response<Body> {
        let mut response_obj = Map::new();
        response_obj.insert(
            "status".into(),
            json!({"code": status.as_u16(), "message": status.canonical_reason().unwrap_or("")}),
        );
        if let Value::Object(extra) = response {
            response_obj.extend(extra);
        }
        let body = json!({
            "request": {"id": self.request_id, "url": self.url, "method": self.method, "timestamp": now()},
            "response": response_obj,
        });
        let mut resp = (status, axum::Json(body)).into_response();
        if let Ok(v) = self.request_id.parse() {
            resp.headers_mut().insert("x-request-id", v);
        }
        resp
    }

    fn items(&self, kind: &str, items: Vec<Value>) -> Response<Body> {
        let count = items.len();
        self.envelope(
            StatusCode::OK,
            json!({"kind": kind, "items": items, "count": count}),
        )
    }

    fn error(&self, status: u16, code: &str, message: &str, field: Option<&str>) -> Response<Body> {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut err = json!({"code": code, "message": message});
        if let Some(f) = field {
            err["field"] = Value::String(f.to_owned());
        }
        self.envelope(status, json!({"errors": [err]}))
    }
}

async fn handle(State(app): State<Arc<App>>, call: Call) -> Response<Body> {
    let path = call.uri.path().to_owned();
    let query: Vec<(String, String)> = call
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let body_json = if call.body.is_empty() {
        None
    } else {
        Some(
            serde_json::from_slice::<Value>(&call.body).unwrap_or_else(|_| {
                Value::String(String::from_utf8_lossy(&call.body).into_owned())
            }),
        )
    };
    let ctx = Ctx {
        request_id: uuid::Uuid::new_v4().to_string(),
        method: call.method.to_string(),
        url: path.clone(),
    };
    let mut recorded = call.recorded();
    // The recorder keeps no credentials.
    recorded.headers.remove("authorization");
    app.record(recorded);
    let fault = app.take_fault(call.method.as_str(), &path);
    let delay = app.state().response_delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let error = |status: u16, code: &str, message: &str, field: Option<&str>| {
        ctx.error(status, code, message, field)
    };
    fault::answer(fault, call.kill.clone(), &error, || {
        route(
            &app,
            &ctx,
            &call.method,
            &path,
            &query,
            &call.headers,
            body_json,
        )
    })
    .await
}

fn route(
    app: &App,
    ctx: &Ctx,
    method: &Method,
    path: &str,
    query: &[(String, String)],
    headers: &HeaderMap,
    body: Option<Value>,
) -> Response<Body> {
    let expected = format!("Bearer {}", app.config.token);
    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        None => return ctx.error(401, "UNAUTHORIZED", "Missing Authorization header", None),
        Some(v) if v != expected => {
            return ctx.error(401, "UNAUTHORIZED", "Invalid or expired token", None);
        }
        Some(_) => {}
    }
    let param = |k: &str| query.iter().find(|(q, _)| q == k).map(|(_, v)| v.as_str());
    if let Some(account) = &app.config.account {
        match param("accountId") {
            None => {
                return ctx.error(
                    400,
                    "ACCOUNT_ID_MISSING",
                    "accountId query parameter is required",
                    Some("accountId"),
                );
            }
            Some(a) if a != account => {
                return ctx.error(
                    403,
                    "FORBIDDEN",
                    &format!("account {a} is not accessible with this token"),
                    Some("accountId"),
                );
            }
            Some(_) => {}
        }
    }

    let (generation, rest) = if let Some(rest) = path.strip_prefix("/azure/compute/group") {
        ("v3", rest)
    } else if let Some(rest) = path.strip_prefix("/compute/azure/group") {
        ("v2", rest)
    } else {
        return ctx.error(404, "NOT_FOUND", &format!("no route {method} {path}"), None);
    };
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let kind = "spotinst:azure:compute:group";
    let mut inner = app.state();
    let find = |inner: &Inner, id: &str| {
        inner
            .groups
            .iter()
            .position(|g| g.generation == generation && g.id() == id)
    };
    let missing = |id: &str| {
        ctx.error(
            400,
            "GROUP_DOESNT_EXIST",
            &format!("Group {id} does not exist"),
            Some("groupId"),
        )
    };
    // A create/update body, validated (a failure is kept for the test) and without `group.id`
    // (`on` says where the id goes instead).
    let check_body = |inner: &mut Inner, body: &Option<Value>, on: &str| {
        let body = body.clone().unwrap_or(Value::Null);
        if let Err(reason) = (app.config.validator)(generation, &body) {
            inner.validation_failures.push(ValidationFailure {
                generation: generation.to_owned(),
                method: method.to_string(),
                path: path.to_owned(),
                reason: reason.clone(),
                body,
            });
            return Err(Box::new(ctx.error(
                400,
                "VALIDATION_ERROR",
                &reason,
                Some("group"),
            )));
        }
        if body["group"].get("id").is_some() {
            let message = format!("group.id must not be sent on {on}");
            return Err(Box::new(ctx.error(
                400,
                "VALIDATION_ERROR",
                &message,
                Some("group.id"),
            )));
        }
        Ok(body)
    };

    match (method.as_str(), segments.as_slice()) {
        ("POST", []) => {
            let body = match check_body(&mut inner, &body, "create") {
                Ok(b) => b,
                Err(response) => return *response,
            };
            let stored = new_group(generation, body["group"].clone());
            let group = stored.group.clone();
            inner.groups.push(stored);
            ctx.items(kind, vec![group])
        }
        ("GET", []) => {
            let name = param("name");
            let region = param("region");
            let items = inner
                .groups
                .iter()
                .filter(|g| g.generation == generation)
                .filter(|g| generation == "v2" || name.is_none_or(|n| g.name() == n))
                .filter(|g| generation == "v2" || region.is_none_or(|r| g.group["region"] == r))
                .map(|g| g.group.clone())
                .collect();
            ctx.items(kind, items)
        }
        ("GET", [id]) => match find(&inner, id) {
            Some(i) => ctx.items(kind, vec![inner.groups[i].group.clone()]),
            None => missing(id),
        },
        ("PUT", [id]) => {
            let Some(i) = find(&inner, id) else {
                return missing(id);
            };
            let body = match check_body(&mut inner, &body, "update (it goes in the path)") {
                Ok(b) => b,
                Err(response) => return *response,
            };
            let stored = &mut inner.groups[i].group;
            merge(stored, &body["group"]);
            stored["updatedAt"] = Value::String(now());
            ctx.items(kind, vec![stored.clone()])
        }
        ("DELETE", [id]) => match find(&inner, id) {
            Some(i) => {
                inner.groups.remove(i);
                ctx.envelope(StatusCode::OK, json!({}))
            }
            None => missing(id),
        },
        ("GET", [id, "status"]) => {
            let Some(i) = find(&inner, id) else {
                return missing(id);
            };
            let group = &inner.groups[i].group;
            let target = group["capacity"]["target"].as_u64().unwrap_or(0);
            let size = group["compute"]["vmSizes"]
                .as_object()
                .and_then(|m| m.values().find_map(|v| v.get(0)?.as_str()))
                .unwrap_or("standard_d2_v2")
                .to_owned();
            let region = group["region"].as_str().unwrap_or("eastus").to_owned();
            let scripted = inner.status_vms.get(*id).cloned();
            if let Some(vms) = scripted {
                let items = if generation == "v3" {
                    vec![json!({"status": "ready", "vms": vms})]
                } else {
                    vms
                };
                ctx.items("spotinst:azure:compute:group:status", items)
            } else if generation == "v3" {
                let mut vms = reconcile_vms(&mut inner, id, target, &region, &size);
                vms.extend(still_listed(&mut inner, id));
                ctx.items(
                    "spotinst:azure:compute:group:status",
                    vec![json!({"status": "ready", "vms": vms})],
                )
            } else {
                let mut vms = reconcile_instances(&mut inner, id, target, &region, &size);
                vms.extend(still_listed(&mut inner, id));
                ctx.items("spotinst:azure:compute:group:status", vms)
            }
        }
        ("PUT", [id, "detachInstances"]) if generation == "v2" => {
            let Some(i) = find(&inner, id) else {
                return missing(id);
            };
            let body = body.unwrap_or(Value::Null);
            let request = (generation, method, path);
            let (ids, named) =
                match detach_targets(&mut inner, ctx, request, id, &body, &DETACH_INSTANCES) {
                    Ok(targets) => targets,
                    Err(answer) => return *answer,
                };
            let mut detached_od = Vec::new();
            let mut detached_low_priority = Vec::new();
            for v in &named {
                let id = v["instanceId"].clone();
                if v["lifeCycle"] == "regular" {
                    detached_od.push(id);
                } else {
                    detached_low_priority.push(id);
                }
            }
            detach_listed(&mut inner, id, "instanceId", &ids);
            if body["shouldDecrementTargetCapacity"] == true {
                lower_target(&mut inner.groups[i].group, ids.len());
            }
            ctx.items(
                "spotinst:azure:compute:group:detachInstances",
                vec![json!({"detachedOd": detached_od, "detachedLowPriority": detached_low_priority})],
            )
        }
        ("PUT", [id, "detachVms"]) if generation == "v3" => {
            let Some(i) = find(&inner, id) else {
                return missing(id);
            };
            let body = body.unwrap_or(Value::Null);
            let request = (generation, method, path);
            let (names, named) =
                match detach_targets(&mut inner, ctx, request, id, &body, &DETACH_VMS) {
                    Ok(targets) => targets,
                    Err(answer) => return *answer,
                };
            let detached: Vec<Value> = named
                .into_iter()
                .map(|mut v| {
                    v["powerState"] = json!("detached");
                    v
                })
                .collect();
            detach_listed(&mut inner, id, "vmName", &names);
            if body["shouldDecrementTargetCapacity"] == true {
                lower_target(&mut inner.groups[i].group, names.len());
            }
            ctx.items(
                "spotinst:azure:compute:group:detachVms",
                vec![json!({"detachedVms": detached, "newVms": []})],
            )
        }
        _ => ctx.error(404, "NOT_FOUND", &format!("no route {method} {path}"), None),
    }
}

/// The answer a request gets instead of its effect (boxed: a response is large).
type ErrorAnswer = Box<Response<Body>>;

/// How a generation's detach call names its VMs: v2 `detachInstances` by instance id, v3
/// `detachVms` by VM name.
struct DetachCall {
    /// Reads the names out of the request body (the validator's reason when it rejects it).
    parse: fn(&Value) -> Result<Vec<String>, String>,
    /// The request field that holds them.
    field: &'static str,
    /// The status item key they match.
    key: &'static str,
    /// The error code and noun of a name the group does not list.
    unknown_code: &'static str,
    noun: &'static str,
}

const DETACH_INSTANCES: DetachCall = DetachCall {
    parse: detach_instances_request,
    field: "instancesToDetach",
    key: "instanceId",
    unknown_code: "INSTANCE_DOESNT_EXIST",
    noun: "Instance",
};

const DETACH_VMS: DetachCall = DetachCall {
    parse: detach_request,
    field: "vmsToDetach",
    key: "vmName",
    unknown_code: "VM_DOESNT_EXIST",
    noun: "VM",
};

/// The names a detach request of group `id` gives and the listed VMs they name; the error
/// answer when the validator rejects the request (recorded as a [`ValidationFailure`]) or it
/// names a VM the group does not list. `request` is the call's generation, method and path.
fn detach_targets(
    inner: &mut Inner,
    ctx: &Ctx,
    (generation, method, path): (&str, &Method, &str),
    id: &str,
    body: &Value,
    call: &DetachCall,
) -> Result<(Vec<String>, Vec<Value>), ErrorAnswer> {
    let names = match (call.parse)(body) {
        Ok(names) => names,
        Err(reason) => {
            inner.validation_failures.push(ValidationFailure {
                generation: generation.to_owned(),
                method: method.to_string(),
                path: path.to_owned(),
                reason: reason.clone(),
                body: body.clone(),
            });
            return Err(Box::new(ctx.error(
                400,
                "VALIDATION_ERROR",
                &reason,
                Some(call.field),
            )));
        }
    };
    let listed = listed_vms(inner, id);
    if let Some(unknown) = names
        .iter()
        .find(|n| !listed.iter().any(|v| v[call.key] == n.as_str()))
    {
        return Err(Box::new(ctx.error(
            400,
            call.unknown_code,
            &format!("{} {unknown} is not in group {id}", call.noun),
            Some(call.field),
        )));
    }
    let named = listed
        .into_iter()
        .filter(|v| names.iter().any(|n| v[call.key] == n.as_str()))
        .collect();
    Ok((names, named))
}

/// v3: the VMs group `id` runs after starting VMs up to `target` (or removing the newest above
/// it, as a scale-down does), oldest first.
fn reconcile_vms(inner: &mut Inner, id: &str, target: u64, region: &str, size: &str) -> Vec<Value> {
    let next = inner.next_vm.entry(id.to_owned()).or_insert(0);
    let running = inner.running_vms.entry(id.to_owned()).or_default();
    while (running.len() as u64) < target {
        let n = *next;
        *next += 1;
        running.push(json!({"vmName": format!("vm-{id}-{n}"), "region": region, "vmSize": size,
            "lifeCycle": "spot", "os": "Linux", "privateIp": format!("10.240.{}.{}", n / 250, n % 250 + 4),
            "provisioningState": "succeeded", "powerState": "running", "createdAt": now()}));
    }
    running.truncate(usize::try_from(target).unwrap_or(usize::MAX));
    running.clone()
}

/// The VMs group `id`'s status lists without a read: running ones, then detached ones still
/// listed.
fn listed_vms(inner: &mut Inner, id: &str) -> Vec<Value> {
    let mut vms = inner.running_vms.entry(id.to_owned()).or_default().clone();
    vms.extend(
        inner
            .leaving
            .get(id)
            .into_iter()
            .flatten()
            .map(|(v, _)| v.clone()),
    );
    vms
}

/// Takes the VMs whose `key` is one of `names` out of group `id`: gone at once, or listed for
/// a few more status reads ([`SpotServer::keep_detached_listed`]).
fn detach_listed(inner: &mut Inner, id: &str, key: &str, names: &[String]) {
    let reads = inner.detached_listed_for;
    let named = |v: &Value| names.iter().any(|n| v[key] == n.as_str());
    let running = inner.running_vms.entry(id.to_owned()).or_default();
    let gone: Vec<Value> = running.iter().filter(|v| named(v)).cloned().collect();
    running.retain(|v| !named(v));
    if reads > 0 {
        inner
            .leaving
            .entry(id.to_owned())
            .or_default()
            .extend(gone.into_iter().map(|v| (v, reads)));
    }
}

/// The detached VMs of group `id` this status read still lists (each read counts down).
fn still_listed(inner: &mut Inner, id: &str) -> Vec<Value> {
    let Some(leaving) = inner.leaving.get_mut(id) else {
        return Vec::new();
    };
    let listed = leaving.iter().map(|(v, _)| v.clone()).collect();
    for (_, left) in leaving.iter_mut() {
        *left -= 1;
    }
    leaving.retain(|(_, left)| *left > 0);
    listed
}

/// Lowers a group's target by `by` (its minimum with it when needed), as a detach that
/// decrements the target capacity does.
fn lower_target(group: &mut Value, by: usize) {
    let capacity = &mut group["capacity"];
    let target = capacity["target"].as_u64().unwrap_or(0);
    let lowered = target.saturating_sub(by as u64);
    capacity["target"] = json!(lowered);
    if capacity["minimum"].as_u64().is_some_and(|m| m > lowered) {
        capacity["minimum"] = json!(lowered);
    }
}

/// v2: the instances group `id` runs after starting instances up to `target` (or removing the
/// newest above it), oldest first, as the status items of the openapi's `scaleSetVms` status
/// schema: a UUID `instanceId` (as its example) and a private IP unique across groups.
fn reconcile_instances(
    inner: &mut Inner,
    id: &str,
    target: u64,
    region: &str,
    size: &str,
) -> Vec<Value> {
    let running = inner.running_vms.entry(id.to_owned()).or_default();
    while (running.len() as u64) < target {
        let ip = if inner.reused_v2_ips.is_empty() {
            let n = inner.next_v2_ip;
            inner.next_v2_ip += 1;
            v2_private_ip(n)
        } else {
            inner.reused_v2_ips.remove(0)
        };
        running.push(
            json!({"instanceId": uuid::Uuid::new_v4().to_string(), "region": region,
            "vmSize": size, "lifeCycle": "low-priority", "privateIp": ip,
            "state": "running", "createdAt": now()}),
        );
    }
    running.truncate(usize::try_from(target).unwrap_or(usize::MAX));
    running.clone()
}

/// The private IP of the `n`th v2 instance the server starts (`10.240.128.4` on).
pub fn v2_private_ip(n: u64) -> String {
    format!("10.240.{}.{}", 128 + n / 250, n % 250 + 4)
}

/// The v2 `detachInstances` request schema (`elastigroupAzureDetachInstances` in
/// `scaleSetVms/paths/group-detach.yaml`), as JSON; `shouldTerminateInstances` added from Spot's
/// v2 SDK (`DetachGroupInput`). The test `v2_detach_schema_is_the_published_one` compares it
/// with the shared spec file.
pub const V2_DETACH_REQUEST_SCHEMA: &str = r#"{
  "type": "object",
  "properties": {
    "instancesToDetach": {"type": "array", "items": {"type": "string"}},
    "shouldDecrementTargetCapacity": {"type": "boolean"},
    "drainingTimeout": {"type": "integer"},
    "shouldTerminateInstances": {"type": "boolean"}
  }
}"#;

/// The instance ids of a `detachInstances` body, checked against
/// [`V2_DETACH_REQUEST_SCHEMA`] (each property's type, no other property) and non-empty
/// (a detach of nothing is a client bug).
fn detach_instances_request(body: &Value) -> Result<Vec<String>, String> {
    let schema: Value =
        serde_json::from_str(V2_DETACH_REQUEST_SCHEMA).map_err(|e| format!("schema: {e}"))?;
    let obj = body
        .as_object()
        .ok_or("the detachInstances body must be an object")?;
    for (key, value) in obj {
        let Some(property) = schema["properties"].get(key) else {
            return Err(format!("unknown field {key} in the detachInstances body"));
        };
        let fits = match property["type"].as_str() {
            Some("array") => value
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_string)),
            Some("boolean") => value.is_boolean(),
            Some("integer") => value.is_u64() || value.is_i64(),
            _ => false,
        };
        if !fits {
            return Err(format!(
                "{key} must be {} per the v2 detachInstances schema, got {value}",
                property["type"]
            ));
        }
    }
    let ids: Vec<String> = obj
        .get("instancesToDetach")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if ids.is_empty() {
        return Err("instancesToDetach names no instance".to_owned());
    }
    Ok(ids)
}

/// The VM names of a `detachVms` body, checked against the request schema Spot publishes
/// (`elastigroupAzureSpotVmsDetachVms`: `vmsToDetach` (strings), `shouldTerminateVms` and
/// `shouldDecrementTargetCapacity` (booleans) required; `shouldDeregisterVmFromLb` (boolean)
/// and `drainingTimeout` optional; nothing else).
fn detach_request(body: &Value) -> Result<Vec<String>, String> {
    let obj = body
        .as_object()
        .ok_or("the detachVms body must be an object")?;
    for key in obj.keys() {
        if ![
            "vmsToDetach",
            "shouldTerminateVms",
            "shouldDecrementTargetCapacity",
            "shouldDeregisterVmFromLb",
            "drainingTimeout",
        ]
        .contains(&key.as_str())
        {
            return Err(format!("unknown field {key} in the detachVms body"));
        }
    }
    for key in [
        "shouldTerminateVms",
        "shouldDecrementTargetCapacity",
        "shouldDeregisterVmFromLb",
    ] {
        if obj.get(key).is_some_and(|v| !v.is_boolean()) {
            return Err(format!("{key} must be a boolean"));
        }
    }
    for key in ["shouldTerminateVms", "shouldDecrementTargetCapacity"] {
        if !obj.contains_key(key) {
            return Err(format!("missing required property {key}"));
        }
    }
    let names = obj
        .get("vmsToDetach")
        .and_then(Value::as_array)
        .ok_or("missing required property vmsToDetach (an array of VM names)")?;
    names
        .iter()
        .map(|n| {
            n.as_str()
                .map(str::to_owned)
                .ok_or_else(|| "vmsToDetach must hold strings".to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema the stand-in checks `detachInstances` bodies with is the published one: the
    /// same properties and types, plus only `shouldTerminateInstances` (Spot's v2 SDK).
    #[test]
    fn v2_detach_schema_is_the_published_one() {
        let Some(dir) = test_fixtures::spot_openapi_dir("v2_detach_schema_is_the_published_one")
        else {
            return;
        };
        let text = std::fs::read_to_string(
            dir.join("api/services/elastigroup/azure/scaleSetVms/paths/group-detach.yaml"),
        )
        .unwrap();
        let doc: Value = serde_saphyr::from_str(&text).unwrap();
        let published = doc
            .pointer("/put/requestBody/content/application~1json/schema")
            .unwrap();
        let ours: Value = serde_json::from_str(V2_DETACH_REQUEST_SCHEMA).unwrap();
        assert_eq!(published["type"], "object");
        assert_eq!(published.get("required"), None);
        let mut extra: Vec<&String> = ours["properties"].as_object().unwrap().keys().collect();
        for (key, property) in published["properties"].as_object().unwrap() {
            assert_eq!(ours["properties"][key]["type"], property["type"], "{key}");
            if let Some(items) = property.get("items") {
                assert_eq!(
                    ours["properties"][key]["items"]["type"], items["type"],
                    "{key}"
                );
            }
            extra.retain(|k| *k != key);
        }
        assert_eq!(extra, ["shouldTerminateInstances"]);
    }

    #[test]
    fn detach_instances_bodies_are_checked() {
        let ok = json!({"instancesToDetach": ["a"], "shouldDecrementTargetCapacity": true,
            "shouldTerminateInstances": true, "drainingTimeout": 0});
        assert_eq!(detach_instances_request(&ok).unwrap(), ["a"]);
        for bad in [
            json!({"instancesToDetach": []}),
            json!({"instancesToDetach": ["a"], "shouldTerminateVms": true}),
            json!({"instancesToDetach": ["a"], "shouldDecrementTargetCapacity": "yes"}),
            json!({"instancesToDetach": [1]}),
            json!(["a"]),
        ] {
            assert!(detach_instances_request(&bad).is_err(), "{bad}");
        }
    }
}
