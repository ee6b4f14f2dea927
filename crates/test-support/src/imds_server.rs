//! A loopback stand-in for the Azure Instance Metadata Service, enough for the node agent: the
//! scheduled events document (`GET /metadata/scheduledevents?api-version=..`), their approval
//! (`POST`, recorded and honoured by removing the events approved), and the VM's name as text
//! (`GET /metadata/instance/compute/name?api-version=..&format=text`). Like the real service it
//! refuses requests without the `Metadata: true` header or an `api-version` (400, JSON
//! `{"error": ..}`); faults are injected per call, as for the other servers.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub use crate::fault::Fault;
use crate::fault::{self, PathMatch};
use crate::loopback::{Call, json_response};
pub use crate::recorded::RecordedRequest;

/// The scheduled events path.
pub const SCHEDULED_EVENTS_PATH: &str = "/metadata/scheduledevents";
/// The VM name path.
pub const VM_NAME_PATH: &str = "/metadata/instance/compute/name";

/// The VM this metadata service belongs to.
#[derive(Debug, Clone)]
pub struct ImdsServerConfig {
    /// `compute.name`.
    pub vm_name: String,
}

impl Default for ImdsServerConfig {
    fn default() -> Self {
        Self {
            vm_name: "spotpool1-0001".into(),
        }
    }
}

#[derive(Debug, Default)]
struct ImdsState {
    incarnation: i64,
    events: Vec<Value>,
}

type Shared = crate::shared::Shared<ImdsServerConfig, ImdsState>;

/// A running metadata service; stops when dropped.
pub struct ImdsServer {
    shared: crate::shared::Running<ImdsServerConfig, ImdsState>,
}

impl ImdsServer {
    /// Starts on `127.0.0.1:0` with no events.
    pub async fn start(config: ImdsServerConfig) -> Self {
        let state = ImdsState {
            incarnation: 1,
            events: Vec::new(),
        };
        Self {
            shared: crate::shared::Running::start(config, state, handle).await,
        }
    }

    /// `http://127.0.0.1:PORT` (in place of `http://169.254.169.254`).
    pub fn url(&self) -> String {
        self.shared.url.clone()
    }

    /// Schedules an event (as Azure lists them); the document's incarnation changes.
    pub fn add_event(
        &self,
        event_id: &str,
        event_type: &str,
        resources: &[&str],
        not_before: &str,
    ) {
        let mut state = self.shared.state();
        state.incarnation += 1;
        state.events.push(json!({
            "EventId": event_id, "EventType": event_type, "ResourceType": "VirtualMachine",
            "Resources": resources, "EventStatus": "Scheduled", "NotBefore": not_before,
            "Description": "", "EventSource": "Platform", "DurationInSeconds": -1,
        }));
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    /// Requests with this method (any when `None`) whose path contains `fragment`.
    pub fn requests_matching(&self, method: Option<&str>, fragment: &str) -> Vec<RecordedRequest> {
        self.shared
            .requests_matching(method, PathMatch::Contains(fragment.to_owned()))
    }

    /// Queues a fault; faults are used in the order queued.
    pub fn inject(&self, fault: Fault) {
        self.shared.inject(fault);
    }
}

fn imds_error(status: u16, message: &str) -> Response {
    json_response(status, json!({"error": message}))
}

async fn handle(State(shared): State<Arc<Shared>>, call: Call) -> Response {
    let path = call.uri.path().trim_end_matches('/').to_owned();
    let query: BTreeMap<String, String> =
        url::form_urlencoded::parse(call.uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    shared.record(call.recorded());
    if call.headers.get("metadata").and_then(|v| v.to_str().ok()) != Some("true") {
        return imds_error(400, "Bad request. Required metadata header not specified");
    }
    if query.get("api-version").is_none_or(|v| v.is_empty()) {
        return imds_error(
            400,
            "Bad request. api-version was not specified in the request",
        );
    }
    let fault = shared.take_fault(call.method.as_str(), &path);
    let error =
        |status: u16, _code: &str, message: &str, _field: Option<&str>| imds_error(status, message);
    fault::answer(fault, call.kill.clone(), &error, || {
        respond(&shared, &call.method, &path, &query, &call.body)
    })
    .await
}

fn respond(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: &BTreeMap<String, String>,
    body: &[u8],
) -> Response {
    match (method.as_str(), path) {
        ("GET", SCHEDULED_EVENTS_PATH) => {
            let state = shared.state();
            json_response(
                200,
                json!({"DocumentIncarnation": state.incarnation, "Events": state.events}),
            )
        }
        ("POST", SCHEDULED_EVENTS_PATH) => {
            let Ok(req) = serde_json::from_slice::<Value>(body) else {
                return imds_error(400, "Bad request. The body is not JSON");
            };
            let approved: Vec<String> = req["StartRequests"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|r| r["EventId"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let mut state = shared.state();
            state.incarnation += 1;
            state
                .events
                .retain(|e| !approved.iter().any(|id| e["EventId"] == json!(id)));
            json_response(200, Value::Null)
        }
        ("GET", VM_NAME_PATH) if query.get("format").map(String::as_str) == Some("text") => {
            shared.config.vm_name.clone().into_response()
        }
        ("GET", VM_NAME_PATH) => json_response(200, json!(shared.config.vm_name)),
        _ => imds_error(404, "Not found"),
    }
}
