//! Serving an axum router on `127.0.0.1:0` inside the caller's tokio runtime.

use std::net::SocketAddr;

use axum::Router;

/// A served router; the server stops when this is dropped.
pub(crate) struct Served {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds a free loopback port, builds the router knowing its own URL (handlers that write
/// `Location` headers or token audiences need it), and serves it until [`Served`] is dropped.
pub(crate) async fn serve(app: impl FnOnce(&str) -> Router, what: &'static str) -> Served {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let url = format!("http://{addr}");
    let app = app(&url);
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
    });
    Served { url, task }
}
