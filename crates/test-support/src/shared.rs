//! What a server shares between the test's handle and its request handler: its configuration,
//! its URL, its own state, and the traffic every server keeps (recorded requests, queued faults).

use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::handler::Handler;

use crate::fault::{Effect, Fault, FaultQueue, PathMatch};
use crate::loopback::{self, Served};
use crate::recorded::RecordedRequest;

/// One server's configuration `C` and state `S`.
pub(crate) struct Shared<C, S> {
    pub(crate) config: C,
    /// `http://127.0.0.1:PORT`.
    pub(crate) url: String,
    state: Mutex<S>,
    traffic: Mutex<Traffic>,
}

#[derive(Default)]
struct Traffic {
    requests: Vec<RecordedRequest>,
    faults: FaultQueue,
}

/// A poisoned lock (a test panicked while holding it) still gives its data to the next caller.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A server being served: its [`Shared`] part; it stops accepting when this is dropped.
pub(crate) struct Running<C, S> {
    shared: Arc<Shared<C, S>>,
    _served: Served,
}

impl<C, S> Running<C, S>
where
    C: Send + Sync + 'static,
    S: Send + 'static,
{
    /// Serves `handler` (which answers every path) on loopback in the current runtime.
    pub(crate) async fn start<H, T>(config: C, state: S, handler: H) -> Self
    where
        H: Handler<T, Arc<Shared<C, S>>>,
        T: 'static,
    {
        let mut slot = None;
        let served = loopback::serve(|url| {
            let shared = Arc::new(Shared {
                config,
                url: url.to_owned(),
                state: Mutex::new(state),
                traffic: Mutex::default(),
            });
            slot = Some(shared.clone());
            Router::new().fallback(handler).with_state(shared)
        })
        .await;
        Running {
            shared: slot.expect("router built"),
            _served: served,
        }
    }

    pub(crate) fn shared(&self) -> Arc<Shared<C, S>> {
        self.shared.clone()
    }
}

impl<C, S> Deref for Running<C, S> {
    type Target = Shared<C, S>;

    fn deref(&self) -> &Shared<C, S> {
        &self.shared
    }
}

impl<C, S> Shared<C, S> {
    /// The server's own state.
    pub(crate) fn state(&self) -> MutexGuard<'_, S> {
        lock(&self.state)
    }

    pub(crate) fn record(&self, request: RecordedRequest) {
        lock(&self.traffic).requests.push(request);
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.traffic).requests.clone()
    }

    /// Requests with `method` (any when `None`) to a path `path` matches.
    pub(crate) fn requests_matching(
        &self,
        method: Option<&str>,
        path: PathMatch,
    ) -> Vec<RecordedRequest> {
        lock(&self.traffic)
            .requests
            .iter()
            .filter(|r| r.matches(method, &path))
            .cloned()
            .collect()
    }

    pub(crate) fn inject(&self, fault: Fault) {
        lock(&self.traffic).faults.push(fault);
    }

    pub(crate) fn pending_faults(&self) -> usize {
        lock(&self.traffic).faults.len()
    }

    /// The effect of the first queued fault that hits this request, counting the hit.
    pub(crate) fn take_fault(&self, method: &str, path: &str) -> Option<Effect> {
        lock(&self.traffic).faults.take(method, path)
    }
}
