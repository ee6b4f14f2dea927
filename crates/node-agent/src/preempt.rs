//! `node-agent preempt`: one per node. Polls the scheduled events; on a `Preempt` or
//! `Terminate` event naming this VM (once per `EventId`) it records a `SpotPreempted` Event on
//! the Node, cordons it and evicts its pods, every eviction in flight at once, budgets retried
//! until the event's `NotBefore`. It never approves the event, never acts on another VM's, and
//! keeps going through metadata-service and API-server errors.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use kube::Client;
use tracing::{info, warn};

use crate::decide::events::{EventTracker, ScheduledEvent};
use crate::decide::pods::to_evict;
use crate::imds::Imds;
use crate::kube_ops::{self, EvictAnswer, NodeEvent};
use crate::metrics::Metrics;

/// The least time an eviction round gets, even past the deadline (one try is always made).
const MIN_ROUND: Duration = Duration::from_secs(2);

/// The Event reason recorded on a preempted node.
pub const PREEMPTED_REASON: &str = "SpotPreempted";

/// How the preempt agent runs.
#[derive(Debug, Clone)]
pub struct PreemptConfig {
    /// This node's name (the downward API's `spec.nodeName`).
    pub node_name: String,
    /// Between two reads of the scheduled events (1 s).
    pub poll_interval: Duration,
    /// Between two eviction rounds while budgets refuse (1 s).
    pub eviction_retry_interval: Duration,
}

impl PreemptConfig {
    /// The defaults for `node_name`.
    pub fn new(node_name: impl Into<String>) -> Self {
        Self {
            node_name: node_name.into(),
            poll_interval: Duration::from_secs(1),
            eviction_retry_interval: Duration::from_secs(1),
        }
    }
}

/// How a drain ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrainOutcome {
    /// Cordoned and every pod to evict accepted or gone.
    Complete,
    /// The event's `NotBefore` came first.
    Deadline,
}

impl DrainOutcome {
    /// `complete` / `deadline` (the metrics label).
    pub fn label(self) -> &'static str {
        match self {
            DrainOutcome::Complete => "complete",
            DrainOutcome::Deadline => "deadline",
        }
    }
}

/// What one drain did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrainReport {
    /// How it ended.
    pub outcome: DrainOutcome,
    /// The node was cordoned (by this drain or before).
    pub cordoned: bool,
    /// Pods whose eviction was accepted (`namespace/name`).
    pub evicted: Vec<String>,
    /// Pods still refused (budget or error) when the deadline came.
    pub refused: Vec<String>,
}

/// Runs the preempt agent until the task is dropped: finds this VM's name (retrying while the
/// metadata service fails), then polls the scheduled events.
pub async fn run_preempt(imds: &Imds, kube: &Client, config: &PreemptConfig, metrics: &Metrics) {
    let vm_name = loop {
        match imds.vm_name().await {
            Ok(name) => break name,
            Err(e) => {
                metrics.api_error("imds");
                warn!("reading this VM's name from the metadata service (retrying): {e}");
                tokio::time::sleep(config.poll_interval).await;
            }
        }
    };
    info!(
        "watching the scheduled events of VM {vm_name} for node {}",
        config.node_name
    );
    let mut tracker = EventTracker::default();
    let mut failing = false;
    loop {
        match imds.scheduled_events().await {
            Ok(doc) => {
                if failing {
                    info!("the metadata service answers again");
                    failing = false;
                }
                let seen_at = Utc::now();
                let observed = tracker.observe(&doc, &vm_name);
                for ev in &observed.new {
                    let mine = ev.names_vm(&vm_name);
                    metrics.event_seen(&ev.event_type, mine);
                    if !ev.is_actionable_for(&vm_name) {
                        info!(
                            "scheduled event {} ({}) for {} is not an eviction of this VM: ignored",
                            ev.event_id,
                            ev.event_type,
                            ev.resources.join(", ")
                        );
                    }
                }
                for ev in observed.to_drain {
                    let deadline = ev.deadline(seen_at);
                    drain_node(kube, config, ev, deadline, metrics).await;
                }
            }
            Err(e) => {
                metrics.api_error("imds");
                if !failing {
                    warn!("reading the scheduled events (retrying every poll): {e}");
                }
                failing = true;
            }
        }
        tokio::time::sleep(config.poll_interval).await;
    }
}

/// The last refusal logged per pod: a pod refused the same way every second is logged once.
#[derive(Default)]
struct Refusals(std::collections::BTreeMap<String, String>);

impl Refusals {
    fn note(&mut self, report: &mut DrainReport, key: String, message: String, deadline: &str) {
        report.refused.push(key.clone());
        if self.0.get(&key) != Some(&message) {
            warn!("eviction of pod {key} refused, retrying until {deadline}: {message}");
            self.0.insert(key, message);
        }
    }
}

fn until(deadline: DateTime<Utc>) -> Duration {
    (deadline - Utc::now()).to_std().unwrap_or(Duration::ZERO)
}

/// Drains `config.node_name` for `event` until every pod to evict is accepted or `deadline`.
/// Errors are logged, counted and retried, never returned: the VM is going away regardless.
pub async fn drain_node(
    kube: &Client,
    config: &PreemptConfig,
    event: &ScheduledEvent,
    deadline: DateTime<Utc>,
    metrics: &Metrics,
) -> DrainReport {
    let node = config.node_name.as_str();
    metrics.drain_started();
    let deadline_text = deadline.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    warn!(
        "scheduled event {} ({}) evicts this VM not before {deadline_text}: cordoning and draining node {node}",
        event.event_id, event.event_type
    );
    let note = NodeEvent {
        node: node.to_owned(),
        node_uid: None,
        type_: "Warning",
        reason: PREEMPTED_REASON,
        message: format!(
            "Azure scheduled event {} ({}) evicts this VM not before {deadline_text}; cordoning the node and evicting its pods",
            event.event_id, event.event_type
        ),
    };
    if let Err(e) = kube_ops::record_event(kube, &note).await {
        metrics.api_error("kubernetes");
        warn!("{e}");
    }
    let mut report = DrainReport {
        outcome: DrainOutcome::Deadline,
        cordoned: false,
        evicted: Vec::new(),
        refused: Vec::new(),
    };
    // (namespace/name, uid) of pods whose eviction was accepted: not asked again.
    let mut accepted: BTreeSet<(String, Option<String>)> = BTreeSet::new();
    let mut refusals = Refusals::default();
    loop {
        if !report.cordoned {
            match cutover::kube_ops::set_unschedulable(kube, node, true).await {
                Ok(()) => {
                    report.cordoned = true;
                    info!("cordoned node {node}");
                }
                Err(e) => {
                    metrics.api_error("kubernetes");
                    warn!("{e}");
                }
            }
        }
        let mut pending_left = true;
        match cutover::kube_ops::pods_on_node(kube, node).await {
            Err(e) => {
                metrics.api_error("kubernetes");
                warn!("{e}");
            }
            Ok(pods) => {
                let pending: Vec<_> = to_evict(&pods)
                    .into_iter()
                    .filter(|p| !accepted.contains(&(p.key(), p.uid.clone())))
                    .collect();
                // Every eviction in flight at once; none may hold the drain past the deadline.
                let all =
                    futures::future::join_all(pending.iter().map(|p| kube_ops::evict(kube, p)));
                let answers = match tokio::time::timeout(until(deadline).max(MIN_ROUND), all).await
                {
                    Ok(answers) => answers,
                    Err(_) => pending
                        .iter()
                        .map(|_| EvictAnswer::Failed("no answer before the deadline".into()))
                        .collect(),
                };
                report.refused.clear();
                for (pod, answer) in pending.iter().zip(answers) {
                    let key = pod.key();
                    match answer {
                        EvictAnswer::Accepted => {
                            info!("evicting pod {key}");
                            report.evicted.push(key.clone());
                            accepted.insert((key, pod.uid.clone()));
                        }
                        EvictAnswer::Gone => {
                            accepted.insert((key, pod.uid.clone()));
                        }
                        EvictAnswer::Budget(message) => {
                            metrics.eviction_refused();
                            refusals.note(&mut report, key, message, &deadline_text);
                        }
                        EvictAnswer::Failed(message) => {
                            metrics.api_error("kubernetes");
                            refusals.note(&mut report, key, message, &deadline_text);
                        }
                    }
                }
                pending_left = !report.refused.is_empty();
            }
        }
        if report.cordoned && !pending_left {
            report.outcome = DrainOutcome::Complete;
            break;
        }
        let left = until(deadline);
        if left.is_zero() {
            break;
        }
        tokio::time::sleep(config.eviction_retry_interval.min(left)).await;
    }
    metrics.drain_finished(report.outcome.label());
    match report.outcome {
        DrainOutcome::Complete => info!(
            "node {node} drained for event {}: {} pod(s) evicted",
            event.event_id,
            report.evicted.len()
        ),
        DrainOutcome::Deadline => warn!(
            "event {} reached its NotBefore {deadline_text}; pods still refused on node {node}: {}",
            event.event_id,
            report.refused.join(", ")
        ),
    }
    report
}
