//! Serving an axum router on `127.0.0.1:0`, one connection per task, with a handle that lets a
//! handler close its own connection (for the "dropped connection" faults).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::FromRequest;
use axum::http::{HeaderMap, Method, Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::sync::Notify;

use crate::recorded::RecordedRequest;
use tower_service::Service;

/// Closes the connection a request came on; in every request's extensions.
#[derive(Clone)]
pub(crate) struct ConnKill(Arc<Notify>);

impl ConnKill {
    pub(crate) fn close(&self) {
        self.0.notify_one();
    }
}

/// One request as a server's handler takes it.
pub(crate) struct Call {
    pub(crate) method: Method,
    pub(crate) uri: Uri,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// Closes the connection the request came on.
    pub(crate) kill: Option<ConnKill>,
}

impl Call {
    /// The request as the servers record it.
    pub(crate) fn recorded(&self) -> RecordedRequest {
        RecordedRequest::new(&self.method, &self.uri, &self.headers, &self.body)
    }
}

impl<S: Send + Sync> FromRequest<S> for Call {
    type Rejection = Response;

    async fn from_request(req: Request<Body>, _state: &S) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|_| StatusCode::BAD_REQUEST.into_response())?;
        Ok(Call {
            kill: parts.extensions.get::<ConnKill>().cloned(),
            method: parts.method,
            uri: parts.uri,
            headers: parts.headers,
            body,
        })
    }
}

/// A served router; the server stops accepting when this is dropped.
pub(crate) struct Served {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds a free loopback port, builds the router knowing its own URL (handlers that write
/// `Location` headers or token audiences need it), and serves it in the current runtime until
/// [`Served`] is dropped.
pub(crate) async fn serve(app: impl FnOnce(&str) -> Router) -> Served {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("local addr"));
    let router = app(&url);
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(connection(stream, router.clone()));
        }
    });
    Served { task }
}

/// Serves one HTTP/1 connection until it ends or a handler closes it.
async fn connection(stream: tokio::net::TcpStream, router: Router) {
    let kill = Arc::new(Notify::new());
    let conn_kill = ConnKill(kill.clone());
    let service = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(conn_kill.clone());
        router.clone().call(req)
    });
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {}
    }
}

/// `body` as JSON with `status`; no body for `null`.
pub(crate) fn json_response(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).expect("status");
    if body.is_null() {
        status.into_response()
    } else {
        (status, axum::Json(body)).into_response()
    }
}
