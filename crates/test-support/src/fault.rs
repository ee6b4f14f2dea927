//! Scripted faults, one description for the three servers: which requests a fault hits and
//! what it does to them. Each server draws an error answer in its own protocol's error shape
//! (Spot's envelope, ARM's `{"error": ..}`, a Kubernetes `Status`), so one fault reads the same
//! whichever server it is injected into.

use std::collections::VecDeque;
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::loopback::ConnKill;
pub use crate::path_match::PathMatch;

/// Draws an error `(status, code, message, field)` in a server's own shape.
pub(crate) type ErrorShape<'a> = dyn Fn(u16, &str, &str, Option<&str>) -> Response + Sync + 'a;

/// A fault for the next request(s) that match it.
#[derive(Debug, Clone)]
pub struct Fault {
    /// Only this method (`None` = any).
    pub method: Option<String>,
    /// Only these paths.
    pub path: PathMatch,
    /// How many matching requests it hits before it is used up (at least 1).
    pub times: u32,
    /// What it does to them.
    pub effect: Effect,
}

/// What a fault does to a request it hits.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Nothing: the request is answered normally (lets a queued fault hit a later request).
    Pass,
    /// Answer this without doing the work.
    Answer(Reply),
    /// Close the connection without doing the work or answering.
    Drop,
    /// Do the work, then answer only after this delay (past the client's timeout).
    Slow(Duration),
    /// Do the work (e.g. create the group), then close the connection without answering.
    LoseResponse,
    /// Do the work, then answer this anyway.
    ProcessThen(Reply),
}

/// An answer a fault gives.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// `Retry-After` in seconds, if any.
    pub retry_after: Option<u64>,
    /// The body.
    pub body: ReplyBody,
}

/// The body of a fault's answer.
#[derive(Debug, Clone)]
pub enum ReplyBody {
    /// An error in the server's own shape. `field` is only shown by Spot, which has one.
    Error {
        /// Spot `code`, ARM `error.code`, Kubernetes `reason`.
        code: String,
        /// The error message.
        message: String,
        /// The field the error is about.
        field: Option<String>,
    },
    /// A raw, non-JSON body (served as `text/html`).
    Raw(String),
}

impl Reply {
    /// The server's error for `status`: the status number as the code, its reason as message.
    fn status(status: u16) -> Self {
        let reason = StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        Reply {
            status,
            retry_after: None,
            body: ReplyBody::Error {
                code: status.to_string(),
                message: reason.to_owned(),
                field: None,
            },
        }
    }

    /// This answer, drawing an error with `error(status, code, message, field)`.
    fn render(&self, error: &ErrorShape<'_>) -> Response {
        let mut response = match &self.body {
            ReplyBody::Error {
                code,
                message,
                field,
            } => error(self.status, code, message, field.as_deref()),
            ReplyBody::Raw(body) => {
                let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_GATEWAY);
                (status, [("content-type", "text/html")], body.clone()).into_response()
            }
        };
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from(secs));
        }
        response
    }
}

impl Fault {
    /// A fault with this effect on the next request to any path.
    pub fn new(effect: Effect) -> Self {
        Fault {
            method: None,
            path: PathMatch::Any,
            times: 1,
            effect,
        }
    }

    /// Lets the request through (so a fault queued after it hits a later one).
    pub fn pass() -> Self {
        Self::new(Effect::Pass)
    }

    /// The server's error for a bare status (e.g. 500, 503), without `Retry-After`.
    pub fn status(status: u16) -> Self {
        Self::new(Effect::Answer(Reply::status(status)))
    }

    /// 429 with `Retry-After: secs`.
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        Self::status(429).retry_after(retry_after_secs)
    }

    /// An error in the server's shape; `field` is shown by Spot only.
    pub fn error(status: u16, code: &str, message: &str, field: Option<&str>) -> Self {
        Self::new(Effect::Answer(Reply {
            status,
            retry_after: None,
            body: ReplyBody::Error {
                code: code.to_owned(),
                message: message.to_owned(),
                field: field.map(str::to_owned),
            },
        }))
    }

    /// This status with a raw (non-JSON) body.
    pub fn raw(status: u16, body: &str) -> Self {
        Self::new(Effect::Answer(Reply {
            status,
            retry_after: None,
            body: ReplyBody::Raw(body.to_owned()),
        }))
    }

    /// Closes the connection without doing anything or answering.
    pub fn drop_connection() -> Self {
        Self::new(Effect::Drop)
    }

    /// Does the work, then answers only after `delay`.
    pub fn slow(delay: Duration) -> Self {
        Self::new(Effect::Slow(delay))
    }

    /// Does the work, then closes the connection without answering.
    pub fn lose_response() -> Self {
        Self::new(Effect::LoseResponse)
    }

    /// Does the work, then answers the server's error for `status` anyway.
    pub fn process_then_status(status: u16) -> Self {
        Self::new(Effect::ProcessThen(Reply::status(status)))
    }

    /// Only requests with this method (`"*"` = any).
    pub fn on_method(self, method: &str) -> Self {
        Fault {
            method: (method != "*").then(|| method.to_owned()),
            ..self
        }
    }

    /// Only these paths.
    pub fn on_path(self, path: PathMatch) -> Self {
        Fault { path, ..self }
    }

    /// Only paths containing `fragment` (ignoring ASCII case).
    pub fn path_contains(self, fragment: &str) -> Self {
        self.on_path(PathMatch::Contains(fragment.to_owned()))
    }

    /// Hits this many matching requests instead of one.
    pub fn times(self, times: u32) -> Self {
        Fault {
            times: times.max(1),
            ..self
        }
    }

    /// Adds `Retry-After: secs` to the fault's answer (if it answers).
    pub fn retry_after(mut self, secs: u64) -> Self {
        if let Effect::Answer(reply) | Effect::ProcessThen(reply) = &mut self.effect {
            reply.retry_after = Some(secs);
        }
        self
    }

    fn hits(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path.matches(path)
    }
}

/// Queued faults: each hits the first requests that match it, in the order queued.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue(VecDeque<Fault>);

impl FaultQueue {
    pub(crate) fn push(&mut self, fault: Fault) {
        self.0.push_back(fault);
    }

    /// Faults not used up yet.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// The effect of the first fault that hits this request, counting the hit.
    pub(crate) fn take(&mut self, method: &str, path: &str) -> Option<Effect> {
        let i = self.0.iter().position(|f| f.hits(method, path))?;
        let fault = &mut self.0[i];
        fault.times = fault.times.saturating_sub(1);
        let effect = fault.effect.clone();
        if fault.times == 0 {
            self.0.remove(i);
        }
        Some(effect)
    }
}

/// Answers one request under `effect`. `work` is what the server does normally (it runs unless
/// the fault answers or drops first); `error` draws an error in the server's shape; `kill`
/// closes the request's connection.
pub(crate) async fn answer(
    effect: Option<Effect>,
    kill: Option<ConnKill>,
    error: &ErrorShape<'_>,
    work: impl FnOnce() -> Response,
) -> Response {
    match &effect {
        Some(Effect::Answer(reply)) => return reply.render(error),
        Some(Effect::Drop) => return drop_connection(kill).await,
        _ => {}
    }
    let response = work();
    match effect {
        Some(Effect::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            response
        }
        Some(Effect::LoseResponse) => drop_connection(kill).await,
        Some(Effect::ProcessThen(reply)) => reply.render(error),
        _ => response,
    }
}

/// Closes the connection and never answers.
async fn drop_connection(kill: Option<ConnKill>) -> Response {
    if let Some(kill) = kill {
        kill.close();
    }
    std::future::pending().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_hit_matching_requests_in_order_until_used_up() {
        let mut queue = FaultQueue::default();
        queue.push(
            Fault::status(503)
                .on_method("POST")
                .on_path(PathMatch::pattern("/groups"))
                .times(2),
        );
        queue.push(Fault::drop_connection().path_contains("/GROUPS/"));
        assert!(queue.take("GET", "/groups").is_none(), "other method");
        assert!(queue.take("POST", "/groups-x").is_none(), "not exact");
        for _ in 0..2 {
            let effect = queue.take("post", "/groups");
            assert!(
                matches!(effect, Some(Effect::Answer(Reply { status: 503, .. }))),
                "{effect:?}"
            );
        }
        assert!(queue.take("POST", "/groups").is_none(), "used up");
        assert_eq!(queue.len(), 1);
        let effect = queue.take("DELETE", "/groups/sig-1");
        assert!(matches!(effect, Some(Effect::Drop)), "{effect:?}");
        assert_eq!(queue.len(), 0);
    }

    #[test]
    fn spot_patterns_are_exact_or_a_prefix_and_star_is_any_method() {
        assert!(PathMatch::pattern("/a*").matches("/a/b"));
        assert!(!PathMatch::pattern("/a").matches("/a/b"));
        assert_eq!(Fault::pass().on_method("*").method, None);
        assert_eq!(
            Fault::pass().on_method("PUT").method.as_deref(),
            Some("PUT")
        );
    }

    #[test]
    fn a_bare_status_is_the_servers_error_with_retry_after() {
        let Effect::Answer(reply) = Fault::too_many_requests(7).effect else {
            panic!("an answer");
        };
        let response = reply.render(&|status, code, message, field| {
            let status = StatusCode::from_u16(status).expect("status");
            (status, format!("{code}|{message}|{field:?}")).into_response()
        });
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "7");
        let ReplyBody::Error { code, message, .. } = &reply.body else {
            panic!("an error body");
        };
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("429", "Too Many Requests")
        );
        let raw = Reply {
            status: 404,
            retry_after: None,
            body: ReplyBody::Raw("<html/>".into()),
        }
        .render(&|_, _, _, _| unreachable!("a raw body is not drawn by the server"));
        assert_eq!(raw.status(), 404);
        assert_eq!(raw.headers()["content-type"], "text/html");
    }
}
