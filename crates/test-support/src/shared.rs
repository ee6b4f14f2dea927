//! What a server shares between the test's handle and its request handler: its configuration,
//! its URL, its own state, and the traffic every server keeps (recorded requests, queued faults).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;

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

impl<C, S> Shared<C, S> {
    /// Serves `router(shared)` on loopback in the current runtime.
    pub(crate) async fn serve(
        config: C,
        state: S,
        router: impl FnOnce(Arc<Self>) -> Router,
    ) -> (Arc<Self>, Served) {
        let mut slot = None;
        let served = loopback::serve(|url| {
            let shared = Arc::new(Shared {
                config,
                url: url.to_owned(),
                state: Mutex::new(state),
                traffic: Mutex::default(),
            });
            slot = Some(shared.clone());
            router(shared)
        })
        .await;
        (slot.expect("router built"), served)
    }

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
