//! A loopback server speaking enough Azure AD and Azure Resource Manager for the `azure-arm` tests:
//! the v2 token endpoint, tenant discovery's unauthenticated subscription GET, user-assigned
//! identities, virtual machines (GET), scale sets (GET, PATCH as a long-running operation),
//! resource groups, the paged Resource SKUs list, Resource Graph's paged Spot eviction rates,
//! request recording and scripted faults.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::response::Response;
use serde_json::{Value, json};

pub use crate::fault::Fault;
use crate::fault::{self, PathMatch};
use crate::loopback::{Call, json_response};
pub use crate::recorded::RecordedRequest;

mod resource_graph;
mod resource_skus;

/// How the scale-set PATCH reports its long-running operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LroStyle {
    /// 200 + `Azure-AsyncOperation`; the status URL answers `InProgress` N times, then `Succeeded`.
    AzureAsyncOperation,
    /// 202 + `Location`; the URL answers 202 N times, then 200.
    Location,
    /// 200 with `provisioningState: Succeeded` and no header.
    Synchronous,
    /// Like `AzureAsyncOperation`, but the operation ends `Failed` with this code and message.
    AsyncFails {
        /// Error code in the operation status.
        code: String,
        /// Error message in the operation status.
        message: String,
    },
}

/// What the unauthenticated `GET /subscriptions/{id}` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantChallenge {
    /// 401 with `WWW-Authenticate: Bearer authorization_uri="{server}/{tenant}", error=..`.
    Standard,
    /// 401 without `WWW-Authenticate`.
    MissingHeader,
    /// 401 with this `WWW-Authenticate` value.
    Header(String),
    /// This status (no header).
    Status(u16),
}

/// The server's identities and behaviour.
#[derive(Debug, Clone)]
pub struct ArmServerConfig {
    /// The one tenant the token endpoint knows.
    pub tenant_id: String,
    /// The service principal's client id.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// The subscription served.
    pub subscription_id: String,
    /// The bearer token issued and required.
    pub access_token: String,
    /// `expires_in` of issued tokens (seconds).
    pub expires_in: u64,
    /// How PATCHes of scale sets behave.
    pub lro: LroStyle,
    /// Polls that report "still running" before the operation ends.
    pub in_progress_polls: u32,
    /// `Retry-After` (seconds) on 202s and operation-status responses, if any.
    pub retry_after_secs: Option<u64>,
    /// Tenant discovery's answer.
    pub tenant_challenge: TenantChallenge,
}

impl Default for ArmServerConfig {
    fn default() -> Self {
        Self {
            tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            client_secret: "test-client-secret".into(),
            subscription_id: "00000000-1111-2222-3333-444444444444".into(),
            access_token: "test-arm-token".into(),
            expires_in: 3599,
            lro: LroStyle::AzureAsyncOperation,
            in_progress_polls: 2,
            retry_after_secs: None,
            tenant_challenge: TenantChallenge::Standard,
        }
    }
}

impl Fault {
    /// 429 with `Retry-After` and ARM's throttling error, for paths containing `path_contains`.
    pub fn throttle(path_contains: &str, retry_after: u64) -> Self {
        Fault::arm_error(
            path_contains,
            429,
            "TooManyRequests",
            "The request is being throttled.",
        )
        .retry_after(retry_after)
    }

    /// A 5xx with ARM's internal-error body, for paths containing `path_contains`.
    pub fn server_error(path_contains: &str, status: u16) -> Self {
        Fault::arm_error(
            path_contains,
            status,
            "InternalServerError",
            "Encountered internal server error.",
        )
    }

    /// Any status with an error `{code, message}`, for paths containing `path_contains`.
    pub fn arm_error(path_contains: &str, status: u16, code: &str, message: &str) -> Self {
        Fault::error(status, code, message, None).path_contains(path_contains)
    }
}

#[derive(Debug)]
struct Operation {
    remaining: u32,
    target: String,
    capacity: Value,
    failure: Option<(String, String)>,
}

#[derive(Debug, Default)]
struct ArmState {
    /// Lowercased resource path → resource JSON.
    resources: HashMap<String, Value>,
    operations: HashMap<String, Operation>,
    counter: u64,
    skus: resource_skus::SkuCatalog,
    graph: resource_graph::GraphRecords,
}

type Shared = crate::shared::Shared<ArmServerConfig, ArmState>;

/// A running ARM/AAD test server; stops when dropped.
pub struct ArmServer {
    shared: crate::shared::Running<ArmServerConfig, ArmState>,
}

impl ArmServer {
    /// Starts on `127.0.0.1:0`.
    pub async fn start(config: ArmServerConfig) -> Self {
        Self {
            shared: crate::shared::Running::start(config, ArmState::default(), handle).await,
        }
    }

    /// `http://127.0.0.1:PORT` (Resource Manager and authority host alike).
    pub fn url(&self) -> String {
        self.shared.url.clone()
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &ArmServerConfig {
        &self.shared.config
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    /// Requests whose path contains `fragment` (case-insensitive).
    pub fn requests_to(&self, fragment: &str) -> Vec<RecordedRequest> {
        self.shared
            .requests_matching(None, PathMatch::Contains(fragment.to_owned()))
    }

    /// Queues a fault; faults are used in the order queued.
    pub fn inject(&self, fault: Fault) {
        self.shared.inject(fault);
    }

    /// Adds a resource group.
    pub fn add_resource_group(&self, name: &str, location: &str) {
        let id = format!(
            "/subscriptions/{}/resourceGroups/{name}",
            self.shared.config.subscription_id
        );
        let rg = json!({"id": id, "name": name, "type": "Microsoft.Resources/resourceGroups", "location": location, "tags": {}, "properties": {"provisioningState": "Succeeded"}});
        self.state().resources.insert(id.to_ascii_lowercase(), rg);
    }

    /// Adds a user-assigned identity.
    pub fn add_identity(
        &self,
        resource_group: &str,
        name: &str,
        client_id: &str,
        principal_id: &str,
    ) {
        let c = &self.shared.config;
        let id = format!(
            "/subscriptions/{}/resourceGroups/{resource_group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}",
            c.subscription_id
        );
        let v = json!({"id": id, "name": name, "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "location": "eastus", "tags": {},
            "properties": {"tenantId": c.tenant_id, "principalId": principal_id, "clientId": client_id}});
        self.state().resources.insert(id.to_ascii_lowercase(), v);
    }

    /// Adds a scale set with `capacity` instances.
    pub fn add_scale_set(&self, resource_group: &str, name: &str, location: &str, capacity: i64) {
        let id = format!(
            "/subscriptions/{}/resourceGroups/{resource_group}/providers/Microsoft.Compute/virtualMachineScaleSets/{name}",
            self.shared.config.subscription_id
        );
        let v = json!({"id": id, "name": name, "type": "Microsoft.Compute/virtualMachineScaleSets", "location": location,
            "sku": {"name": "Standard_D2s_v3", "tier": "Standard", "capacity": capacity},
            "properties": {"provisioningState": "Succeeded", "uniqueId": "9a7c0e7e-0000-0000-0000-000000000000"}});
        self.state().resources.insert(id.to_ascii_lowercase(), v);
    }

    /// Adds a scale set as aks-engine tags it: `poolName` = `pool`, `resourceNameSuffix` =
    /// `name_suffix`.
    pub fn add_agent_pool_scale_set(
        &self,
        resource_group: &str,
        name: &str,
        location: &str,
        capacity: i64,
        pool: &str,
        name_suffix: &str,
    ) {
        self.add_scale_set(resource_group, name, location, capacity);
        self.set_scale_set_tags(
            resource_group,
            name,
            json!({"poolName": pool, "resourceNameSuffix": name_suffix, "orchestrator": "Kubernetes:1.16.4"}),
        );
    }

    /// Replaces a scale set's `tags`.
    pub fn set_scale_set_tags(&self, resource_group: &str, name: &str, tags: Value) {
        let id = format!(
            "/subscriptions/{}/resourceGroups/{resource_group}/providers/Microsoft.Compute/virtualMachineScaleSets/{name}",
            self.shared.config.subscription_id
        );
        if let Some(v) = self.state().resources.get_mut(&id.to_ascii_lowercase()) {
            v["tags"] = tags;
        }
    }

    /// Adds a standalone virtual machine (as Spot launches them).
    pub fn add_vm(&self, resource_group: &str, name: &str) {
        let id = format!(
            "/subscriptions/{}/resourceGroups/{resource_group}/providers/Microsoft.Compute/virtualMachines/{name}",
            self.shared.config.subscription_id
        );
        let v = json!({"id": id, "name": name, "type": "Microsoft.Compute/virtualMachines", "location": "eastus",
            "properties": {"provisioningState": "Succeeded", "vmId": "5c0d0e7e-0000-0000-0000-000000000000"}});
        self.state().resources.insert(id.to_ascii_lowercase(), v);
    }

    /// An ARM template deployment in `resource_group` (listed by
    /// `GET .../providers/Microsoft.Resources/deployments`), e.g. one an interrupted aks-engine
    /// left running.
    pub fn add_deployment(&self, resource_group: &str, name: &str, provisioning_state: &str) {
        let id = format!(
            "/subscriptions/{}/resourceGroups/{resource_group}/providers/Microsoft.Resources/deployments/{name}",
            self.shared.config.subscription_id
        );
        let v = json!({"id": id, "name": name, "type": "Microsoft.Resources/deployments",
            "properties": {"provisioningState": provisioning_state, "mode": "Incremental"}});
        self.state().resources.insert(id.to_ascii_lowercase(), v);
    }

    /// A scale set as stored now.
    pub fn scale_set(&self, resource_group: &str, name: &str) -> Option<Value> {
        self.resource(&format!(
            "/subscriptions/{}/resourceGroups/{resource_group}/providers/Microsoft.Compute/virtualMachineScaleSets/{name}",
            self.shared.config.subscription_id
        ))
    }

    /// A resource group as stored now.
    pub fn resource_group(&self, name: &str) -> Option<Value> {
        self.resource(&format!(
            "/subscriptions/{}/resourceGroups/{name}",
            self.shared.config.subscription_id
        ))
    }

    fn resource(&self, id: &str) -> Option<Value> {
        self.state()
            .resources
            .get(&id.to_ascii_lowercase())
            .cloned()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ArmState> {
        self.shared.state()
    }
}

fn arm_error(status: u16, code: &str, message: &str) -> (u16, Value) {
    (status, json!({"error": {"code": code, "message": message}}))
}

async fn handle(State(shared): State<Arc<Shared>>, call: Call) -> Response {
    let path = call.uri.path().to_owned();
    let query = call.uri.query().unwrap_or("").to_owned();
    shared.record(call.recorded());
    let n = {
        let mut state = shared.state();
        state.counter += 1;
        state.counter
    };
    let fault = shared.take_fault(call.method.as_str(), &path);
    let error = |status: u16, code: &str, message: &str, _field: Option<&str>| {
        let (status, body) = arm_error(status, code, message);
        json_response(status, body)
    };
    let mut resp = fault::answer(fault, call.kill.clone(), &error, || {
        let lower = path.to_ascii_lowercase();
        let mut extra: Vec<(&'static str, String)> = Vec::new();
        let (status, body) = route(
            &shared,
            &mut shared.state(),
            &call.method,
            &lower,
            &path,
            &query,
            &call.headers,
            &call.body,
            &mut extra,
        );
        let mut resp = json_response(status, body);
        for (k, v) in extra {
            resp.headers_mut()
                .insert(k, HeaderValue::from_str(&v).expect("header"));
        }
        resp
    })
    .await;
    let h = resp.headers_mut();
    h.insert(
        "x-ms-request-id",
        HeaderValue::from_str(&format!("req-{n:04}")).expect("header"),
    );
    h.insert(
        "x-ms-correlation-request-id",
        HeaderValue::from_str(&format!("corr-{n:04}")).expect("header"),
    );
    resp
}

#[allow(clippy::too_many_arguments)]
fn route(
    shared: &Shared,
    state: &mut ArmState,
    method: &Method,
    lower: &str,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
    extra: &mut Vec<(&'static str, String)>,
) -> (u16, Value) {
    let c = &shared.config;
    let segs: Vec<&str> = lower.split('/').filter(|s| !s.is_empty()).collect();

    // Azure AD v2 token endpoint.
    if method == Method::POST && segs.len() == 4 && segs[1..] == ["oauth2", "v2.0", "token"] {
        return token(c, segs[0], body);
    }

    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));

    // Tenant discovery: unauthenticated subscription GET.
    if segs.len() == 2 && segs[0] == "subscriptions" && bearer.is_none() {
        return match &c.tenant_challenge {
            TenantChallenge::Standard => {
                extra.push(("www-authenticate", format!(
                    "Bearer authorization_uri=\"{}/{}\", error=\"invalid_token\", error_description=\"The authentication failed because of missing 'Authorization' header.\"",
                    shared.url, c.tenant_id)));
                arm_error(
                    401,
                    "AuthenticationFailed",
                    "Authentication failed. The 'Authorization' header is missing.",
                )
            }
            TenantChallenge::MissingHeader => {
                arm_error(401, "AuthenticationFailed", "missing header")
            }
            TenantChallenge::Header(h) => {
                extra.push(("www-authenticate", h.clone()));
                arm_error(401, "AuthenticationFailed", "custom header")
            }
            TenantChallenge::Status(s) => arm_error(*s, "BadRequest", "scripted status"),
        };
    }

    if bearer != Some(c.access_token.as_str()) {
        return arm_error(
            401,
            "AuthenticationFailed",
            "Authentication failed. The access token is missing or invalid.",
        );
    }
    let has_api_version = url::form_urlencoded::parse(query.as_bytes())
        .any(|(k, v)| k == "api-version" && !v.is_empty());
    if !has_api_version {
        return arm_error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        );
    }
    // Resource Graph is a tenant-level provider path; the subscriptions are in the body.
    if method == Method::POST && segs == ["providers", "microsoft.resourcegraph", "resources"] {
        return resource_graph::query(c, &state.graph, body);
    }
    if segs.len() < 2
        || segs[0] != "subscriptions"
        || segs[1] != c.subscription_id.to_ascii_lowercase()
    {
        return arm_error(
            404,
            "SubscriptionNotFound",
            "The subscription could not be found.",
        );
    }
    match &segs[2..] {
        [] => (
            200,
            json!({"id": format!("/subscriptions/{}", c.subscription_id), "subscriptionId": c.subscription_id, "displayName": "test", "state": "Enabled"}),
        ),
        [
            "providers",
            "microsoft.compute",
            "locations",
            _,
            "operations",
            id,
        ] => operation_status(c, state, id, extra),
        [
            "providers",
            "microsoft.compute",
            "locations",
            _,
            "operationresults",
            id,
        ] => operation_result(c, state, id, extra),
        ["providers", "microsoft.compute", "skus"] if method == Method::GET => {
            resource_skus::list(&shared.url, c, &state.skus, query)
        }
        ["resourcegroups", _] => resource_group(state, method, lower, path, body),
        ["resourcegroups", rg, "providers", ..] => {
            if !state
                .resources
                .contains_key(&format!("/subscriptions/{}/resourcegroups/{rg}", segs[1]))
            {
                // Resources are checked before groups so tests need not add groups for them.
                if !state.resources.contains_key(lower) {
                    return arm_error(
                        404,
                        "ResourceGroupNotFound",
                        &format!("Resource group '{rg}' could not be found."),
                    );
                }
            }
            match (method.as_str(), &segs[5..]) {
                ("GET", ["microsoft.resources", "deployments"]) => {
                    let prefix = format!("{lower}/");
                    let mut value: Vec<Value> = state
                        .resources
                        .iter()
                        .filter(|(k, _)| k.starts_with(&prefix))
                        .map(|(_, v)| v.clone())
                        .collect();
                    value.sort_by_key(|v| v["name"].as_str().map(str::to_owned));
                    (200, json!({ "value": value }))
                }
                ("GET", _) => match state.resources.get(lower) {
                    Some(v) => (200, v.clone()),
                    None => arm_error(
                        404,
                        "ResourceNotFound",
                        &format!("The Resource '{}' was not found.", segs[4..].join("/")),
                    ),
                },
                ("PATCH", ["microsoft.compute", "virtualmachinescalesets", _]) => {
                    patch_scale_set(shared, state, lower, body, extra)
                }
                _ => arm_error(405, "MethodNotAllowed", "not supported by the test server"),
            }
        }
        _ => arm_error(404, "ResourceNotFound", "not served by the test server"),
    }
}

fn token(c: &ArmServerConfig, tenant: &str, body: &[u8]) -> (u16, Value) {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let aad = |status: u16, error: &str, desc: &str, code: u32| {
        (
            status,
            json!({"error": error, "error_description": desc, "error_codes": [code],
            "timestamp": "2026-11-26 10:00:00Z", "trace_id": "trace-1", "correlation_id": "corr-aad-1"}),
        )
    };
    if tenant != c.tenant_id.to_ascii_lowercase() {
        return aad(
            400,
            "invalid_request",
            &format!("AADSTS90002: Tenant '{tenant}' not found."),
            90002,
        );
    }
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return aad(
            400,
            "unsupported_grant_type",
            "AADSTS70003: The app requested an unsupported grant type.",
            70003,
        );
    }
    if !form.get("scope").is_some_and(|s| s.ends_with("/.default")) {
        return aad(
            400,
            "invalid_scope",
            "AADSTS1002012: The provided value for scope is not valid.",
            1002012,
        );
    }
    if form.get("client_id") != Some(&c.client_id) {
        return aad(
            400,
            "unauthorized_client",
            "AADSTS700016: Application not found in the directory.",
            700016,
        );
    }
    if form.get("client_secret") != Some(&c.client_secret) {
        return aad(
            401,
            "invalid_client",
            "AADSTS7000215: Invalid client secret provided.",
            7000215,
        );
    }
    (
        200,
        json!({"token_type": "Bearer", "expires_in": c.expires_in, "ext_expires_in": c.expires_in, "access_token": c.access_token}),
    )
}

fn resource_group(
    state: &mut ArmState,
    method: &Method,
    lower: &str,
    path: &str,
    body: &[u8],
) -> (u16, Value) {
    match method.as_str() {
        "GET" => match state.resources.get(lower) {
            Some(v) => (200, v.clone()),
            None => {
                let name = path.rsplit('/').next().unwrap_or("");
                arm_error(
                    404,
                    "ResourceGroupNotFound",
                    &format!("Resource group '{name}' could not be found."),
                )
            }
        },
        "PUT" => {
            let Ok(req) = serde_json::from_slice::<Value>(body) else {
                return arm_error(
                    400,
                    "InvalidRequestContent",
                    "The request content was invalid and could not be deserialized.",
                );
            };
            let Some(location) = req.get("location").and_then(Value::as_str) else {
                return arm_error(
                    400,
                    "LocationRequired",
                    "The location property is required for this definition.",
                );
            };
            let name = path.rsplit('/').next().unwrap_or("");
            let existed = state.resources.contains_key(lower);
            let rg = json!({"id": path, "name": name, "type": "Microsoft.Resources/resourceGroups", "location": location,
                "tags": req.get("tags").cloned().unwrap_or(json!({})), "properties": {"provisioningState": "Succeeded"}});
            state.resources.insert(lower.to_owned(), rg.clone());
            (if existed { 200 } else { 201 }, rg)
        }
        _ => arm_error(405, "MethodNotAllowed", "not supported by the test server"),
    }
}

fn patch_scale_set(
    shared: &Shared,
    state: &mut ArmState,
    lower: &str,
    body: &[u8],
    extra: &mut Vec<(&'static str, String)>,
) -> (u16, Value) {
    let c = &shared.config;
    let Some(current) = state.resources.get(lower).cloned() else {
        return arm_error(404, "ResourceNotFound", "The Resource was not found.");
    };
    let Ok(req) = serde_json::from_slice::<Value>(body) else {
        return arm_error(
            400,
            "InvalidRequestContent",
            "The request content was invalid and could not be deserialized.",
        );
    };
    let capacity = req.pointer("/sku/capacity").cloned().unwrap_or(Value::Null);
    if !capacity.is_i64() || capacity.as_i64().is_some_and(|n| n < 0) {
        return arm_error(
            400,
            "InvalidParameter",
            "sku.capacity must be a non-negative integer.",
        );
    }
    state.counter += 1;
    let op_id = format!("op-{}", state.counter);
    let location = current
        .get("location")
        .and_then(Value::as_str)
        .unwrap_or("eastus")
        .to_owned();
    let failure = match &c.lro {
        LroStyle::AsyncFails { code, message } => Some((code.clone(), message.clone())),
        _ => None,
    };
    let op = Operation {
        remaining: c.in_progress_polls,
        target: lower.to_owned(),
        capacity: capacity.clone(),
        failure,
    };
    let mut updating = current.clone();
    updating["properties"]["provisioningState"] = json!("Updating");
    let base = format!(
        "{}/subscriptions/{}/providers/Microsoft.Compute/locations/{location}",
        shared.url, c.subscription_id
    );
    match &c.lro {
        LroStyle::Synchronous => {
            let mut done = current;
            done["sku"]["capacity"] = capacity;
            state.resources.insert(lower.to_owned(), done.clone());
            (200, done)
        }
        LroStyle::AzureAsyncOperation | LroStyle::AsyncFails { .. } => {
            extra.push((
                "azure-asyncoperation",
                format!("{base}/operations/{op_id}?api-version=2019-07-01"),
            ));
            if let Some(r) = c.retry_after_secs {
                extra.push(("retry-after", r.to_string()));
            }
            state.operations.insert(op_id, op);
            (200, updating)
        }
        LroStyle::Location => {
            extra.push((
                "location",
                format!("{base}/operationResults/{op_id}?api-version=2019-07-01"),
            ));
            if let Some(r) = c.retry_after_secs {
                extra.push(("retry-after", r.to_string()));
            }
            state.operations.insert(op_id, op);
            (202, Value::Null)
        }
    }
}

/// Advances an operation by one poll; `Some(failure)` or `None` once finished.
fn advance(state: &mut ArmState, id: &str) -> Option<Result<Option<(String, String)>, ()>> {
    let op = state.operations.get_mut(id)?;
    if op.remaining > 0 {
        op.remaining -= 1;
        return Some(Err(()));
    }
    let failure = op.failure.clone();
    if failure.is_none() {
        let (target, capacity) = (op.target.clone(), op.capacity.clone());
        if let Some(r) = state.resources.get_mut(&target) {
            r["sku"]["capacity"] = capacity;
            r["properties"]["provisioningState"] = json!("Succeeded");
        }
    }
    Some(Ok(failure))
}

fn operation_status(
    c: &ArmServerConfig,
    state: &mut ArmState,
    id: &str,
    extra: &mut Vec<(&'static str, String)>,
) -> (u16, Value) {
    let start = "2026-11-26T10:00:00.0000000+00:00";
    match advance(state, id) {
        None => arm_error(404, "OperationNotFound", "The operation was not found."),
        Some(Err(())) => {
            if let Some(r) = c.retry_after_secs {
                extra.push(("retry-after", r.to_string()));
            }
            (
                200,
                json!({"startTime": start, "status": "InProgress", "name": id}),
            )
        }
        Some(Ok(None)) => (
            200,
            json!({"startTime": start, "endTime": start, "status": "Succeeded", "name": id}),
        ),
        Some(Ok(Some((code, message)))) => (
            200,
            json!({"startTime": start, "endTime": start, "status": "Failed", "name": id,
            "error": {"code": code, "message": message}}),
        ),
    }
}

fn operation_result(
    c: &ArmServerConfig,
    state: &mut ArmState,
    id: &str,
    extra: &mut Vec<(&'static str, String)>,
) -> (u16, Value) {
    match advance(state, id) {
        None => arm_error(404, "OperationNotFound", "The operation was not found."),
        Some(Err(())) => {
            if let Some(r) = c.retry_after_secs {
                extra.push(("retry-after", r.to_string()));
            }
            (202, Value::Null)
        }
        Some(Ok(None)) => (200, Value::Null),
        Some(Ok(Some((code, message)))) => arm_error(500, &code, &message),
    }
}
