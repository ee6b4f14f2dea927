//! Prometheus counters of both agents, served as text on `--metrics-addr` (`/metrics`).

use std::net::SocketAddr;
use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

/// Default `--metrics-addr`.
pub const DEFAULT_METRICS_ADDR: &str = ":9464";

/// Labels of a scheduled event seen.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EventLabels {
    /// `Preempt`, `Terminate`, `Reboot`, ...
    pub event_type: String,
    /// `true` when it names this VM.
    pub this_vm: String,
}

/// Labels of a finished drain.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// `complete` or `deadline`.
    pub outcome: String,
}

/// Labels of a failed API call.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ApiLabels {
    /// `imds`, `kubernetes` or `arm`.
    pub api: String,
}

/// The counters.
pub struct Metrics {
    registry: Registry,
    events_seen: Family<EventLabels, Counter>,
    drains_started: Counter,
    drains_finished: Family<OutcomeLabels, Counter>,
    evictions_refused: Counter,
    nodes_deleted: Counter,
    api_errors: Family<ApiLabels, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every counter at zero, registered under `spot_node_agent_`.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("spot_node_agent");
        let events_seen = Family::<EventLabels, Counter>::default();
        let drains_started = Counter::default();
        let drains_finished = Family::<OutcomeLabels, Counter>::default();
        let evictions_refused = Counter::default();
        let nodes_deleted = Counter::default();
        let api_errors = Family::<ApiLabels, Counter>::default();
        registry.register(
            "scheduled_events",
            "Scheduled events seen (each EventId once)",
            events_seen.clone(),
        );
        registry.register(
            "drains_started",
            "Drains started on a Preempt or Terminate event of this VM",
            drains_started.clone(),
        );
        registry.register(
            "drains_finished",
            "Drains finished: every pod evicted (complete) or the event's NotBefore reached (deadline)",
            drains_finished.clone(),
        );
        registry.register(
            "evictions_refused",
            "Evictions refused by a PodDisruptionBudget (HTTP 429)",
            evictions_refused.clone(),
        );
        registry.register(
            "nodes_deleted",
            "Node objects deleted because ARM reports their VM gone",
            nodes_deleted.clone(),
        );
        registry.register(
            "api_errors",
            "Failed calls to the metadata service, the Kubernetes API or ARM",
            api_errors.clone(),
        );
        Self {
            registry,
            events_seen,
            drains_started,
            drains_finished,
            evictions_refused,
            nodes_deleted,
            api_errors,
        }
    }

    /// A scheduled event seen for the first time.
    pub fn event_seen(&self, event_type: &str, this_vm: bool) {
        self.events_seen
            .get_or_create(&EventLabels {
                event_type: event_type.to_owned(),
                this_vm: this_vm.to_string(),
            })
            .inc();
    }

    /// A drain started.
    pub fn drain_started(&self) {
        self.drains_started.inc();
    }

    /// A drain finished (`complete` or `deadline`).
    pub fn drain_finished(&self, outcome: &str) {
        self.drains_finished
            .get_or_create(&OutcomeLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// An eviction refused by a budget.
    pub fn eviction_refused(&self) {
        self.evictions_refused.inc();
    }

    /// A Node deleted.
    pub fn node_deleted(&self) {
        self.nodes_deleted.inc();
    }

    /// A failed call to `api` (`imds`, `kubernetes`, `arm`).
    pub fn api_error(&self, api: &str) {
        self.api_errors
            .get_or_create(&ApiLabels {
                api: api.to_owned(),
            })
            .inc();
    }

    /// The OpenMetrics text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// `--metrics-addr`: `:PORT` (every interface) or `HOST:PORT`.
pub fn parse_listen_addr(s: &str) -> Result<SocketAddr, String> {
    let full = match s.strip_prefix(':') {
        Some(port) => format!("0.0.0.0:{port}"),
        None => s.to_owned(),
    };
    full.parse()
        .map_err(|_| format!("{s:?} is not HOST:PORT or :PORT (e.g. :9464)"))
}

/// Binding the metrics address failed.
#[derive(Debug, thiserror::Error)]
#[error("serving metrics on {addr}")]
pub struct MetricsBindError {
    /// The address.
    pub addr: SocketAddr,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// Binds `addr` and serves `GET /metrics` in the background; the address actually bound.
pub async fn serve_metrics(
    metrics: Arc<Metrics>,
    addr: SocketAddr,
) -> Result<SocketAddr, MetricsBindError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| MetricsBindError { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| MetricsBindError { addr, source })?;
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let metrics = metrics.clone();
            async move {
                (
                    [(
                        "content-type",
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )],
                    metrics.render(),
                )
            }
        }),
    );
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::warn!("metrics server stopped: {e}");
        }
    });
    Ok(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses() {
        assert_eq!(
            parse_listen_addr(":9464").unwrap(),
            "0.0.0.0:9464".parse().unwrap()
        );
        assert_eq!(
            parse_listen_addr("127.0.0.1:1").unwrap(),
            "127.0.0.1:1".parse().unwrap()
        );
        assert!(parse_listen_addr("9464").is_err());
        assert!(parse_listen_addr(":x").is_err());
    }

    #[test]
    fn counters_render_with_their_labels() {
        let m = Metrics::new();
        m.event_seen("Preempt", true);
        m.event_seen("Preempt", true);
        m.api_error("imds");
        m.drain_finished("deadline");
        let text = m.render();
        assert!(
            text.contains(
                r#"spot_node_agent_scheduled_events_total{event_type="Preempt",this_vm="true"} 2"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"spot_node_agent_api_errors_total{api="imds"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"spot_node_agent_drains_finished_total{outcome="deadline"} 1"#),
            "{text}"
        );
        assert!(
            text.contains("spot_node_agent_evictions_refused_total 0"),
            "{text}"
        );
    }
}
