//! The drain of a set of cordoned nodes with `policy/v1` evictions, as `kubectl drain` decides
//! which pods go: budgets retried until the timeout, DaemonSet and mirror pods left, one more
//! look once all are gone. Shared by the cutover (the scale set's nodes) and `sync`'s roll (a
//! batch of old Spot VMs' nodes).

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use group_sync::CancellationToken;

use crate::decide::budgets::{BudgetHold, holds};
use crate::decide::drain_plan::{RefusedPod, drain_plan};
use crate::decide::drain_progress::{DrainDecision, DrainProgress, PodDrainState};
use crate::decide::nodes::NodeInfo;
use crate::decide::pods::{DrainFlags, PodAction, PodInfo};
use crate::error::KubeError;
use crate::events::{Progress, ProgressEvent};
use crate::kube_ops::{self, Eviction};
use crate::read::pods_on;

/// Why a drain stopped (the caller undoes its cordons).
#[derive(Debug)]
pub enum DrainStop {
    /// Pods that must not be evicted (without `--force`/`--delete-emptydir-data`).
    Refused(Vec<RefusedPod>),
    /// The timeout passed: the budgets holding pods, and the other pods still there.
    TimedOut {
        /// Budgets that refused evictions.
        budgets: Vec<BudgetHold>,
        /// Pods left for another reason (`namespace/name`).
        others: Vec<String>,
    },
    /// A Kubernetes call failed.
    Kube(KubeError),
    /// `cancel` fired.
    Interrupted,
}

impl From<KubeError> for DrainStop {
    fn from(e: KubeError) -> Self {
        DrainStop::Kube(e)
    }
}

/// What one pod's turn in a round found.
enum Turn {
    /// `cancel` fired before its turn began.
    Interrupted,
    /// The eviction's answer and, when it was accepted, whether the pod was gone at once.
    Evicted(Result<Eviction, KubeError>, Option<Result<bool, KubeError>>),
    /// Whether a pod evicted in an earlier round is gone.
    Looked(Result<bool, KubeError>),
}

/// Records one pod's turn in the tracker, the evicted pods and the progress.
fn record(
    tracker: &mut DrainProgress,
    key: String,
    turn: Turn,
    progress: &mut dyn Progress,
    evicted: &mut Vec<String>,
) -> Result<(), DrainStop> {
    let gone = match turn {
        Turn::Interrupted => return Err(DrainStop::Interrupted),
        Turn::Looked(gone) => gone?,
        Turn::Evicted(answer, look) => match answer? {
            Eviction::Accepted => {
                tracker.set(&key, PodDrainState::Evicting);
                evicted.push(key.clone());
                progress.report(&ProgressEvent::Evicting(key.clone()));
                look.unwrap_or(Ok(false))?
            }
            Eviction::Gone => true,
            Eviction::Refused(message) => {
                if tracker.refusal(&key) != Some(message.as_str()) {
                    progress.report(&ProgressEvent::EvictionBlocked {
                        pod: key.clone(),
                        message: message.clone(),
                    });
                }
                tracker.set(&key, PodDrainState::Pending(Some(message)));
                false
            }
        },
    };
    if gone {
        tracker.set(&key, PodDrainState::Gone);
        progress.report(&ProgressEvent::PodGone(key));
    }
    Ok(())
}

/// How a drain runs.
pub struct Drainer<'a> {
    /// The cluster.
    pub kube: &'a kube::Client,
    /// Which pods may go.
    pub flags: DrainFlags,
    /// How long budgets are retried.
    pub timeout: Duration,
    /// Pause between rounds of evictions.
    pub retry_interval: Duration,
    /// Stops the drain (no new eviction starts).
    pub cancel: &'a CancellationToken,
    /// How many pods are evicted (each eviction followed by a look at the pod) or looked at
    /// at once, across all the nodes drained, and how many nodes' pods are listed at once
    /// ([`DEFAULT_CONCURRENCY`]; 1 = one request at a time).
    pub concurrency: usize,
}

/// Evictions in flight at once by default (`--concurrency`).
pub const DEFAULT_CONCURRENCY: usize = 16;

impl Drainer<'_> {
    /// Sleeps `interval` (within `timeout` of `started`); `false` when `cancel` fired.
    async fn pause(&self, interval: Duration, started: Instant) -> bool {
        let remaining = self.timeout.saturating_sub(started.elapsed());
        tokio::select! {
            () = tokio::time::sleep(interval.min(remaining)) => true,
            () = self.cancel.cancelled() => false,
        }
    }

    /// Evicts `pod` unless `cancel` fired (`None`); no answer within the drain's timeout of
    /// `started` is a refusal.
    async fn evict(&self, pod: &PodInfo, started: Instant) -> Option<Result<Eviction, KubeError>> {
        if self.cancel.is_cancelled() {
            return None;
        }
        // A client that retries 429s itself must not carry the drain past its deadline.
        let remaining = self
            .timeout
            .saturating_sub(started.elapsed())
            .max(Duration::from_millis(1));
        Some(
            match tokio::time::timeout(remaining, kube_ops::evict(self.kube, pod)).await {
                Ok(answer) => answer,
                Err(_) => Ok(Eviction::Refused(
                    "no answer before the drain timeout".into(),
                )),
            },
        )
    }

    /// One pod's turn in a round, unless `cancel` fired: its eviction (`evict`) and, once
    /// accepted, a look at once at whether it is gone, as `kubectl drain` does per pod; or only
    /// the look, for a pod evicted in an earlier round.
    async fn turn(&self, pod: &PodInfo, evict: bool, started: Instant) -> Turn {
        if self.cancel.is_cancelled() {
            return Turn::Interrupted;
        }
        if !evict {
            return Turn::Looked(kube_ops::pod_gone(self.kube, pod).await);
        }
        let Some(answer) = self.evict(pod, started).await else {
            return Turn::Interrupted;
        };
        let look = match answer {
            Ok(Eviction::Accepted) => Some(kube_ops::pod_gone(self.kube, pod).await),
            _ => None,
        };
        Turn::Evicted(answer, look)
    }

    /// Drains `source` (already cordoned); the evicted pods are added to `evicted`, those
    /// left (DaemonSet, mirror) to `left`.
    pub async fn drain(
        &self,
        source: &[NodeInfo],
        progress: &mut dyn Progress,
        evicted: &mut Vec<String>,
        left: &mut Vec<String>,
    ) -> Result<(), DrainStop> {
        let kube = self.kube;
        let started = Instant::now();
        let timeout = self.timeout;
        let mut tracker = DrainProgress::default();
        let mut pods: BTreeMap<String, PodInfo> = BTreeMap::new();
        self.collect_pods(source, &mut tracker, &mut pods, left)
            .await?;
        loop {
            // Evictions still to be accepted first, then the looks at pods evicted in earlier
            // rounds: one stream, `concurrency` pods at a time, answered in this order.
            let turns: Vec<(String, bool)> = tracker
                .pending()
                .into_iter()
                .map(|k| (k.to_owned(), true))
                .chain(
                    tracker
                        .evicting()
                        .into_iter()
                        .map(|k| (k.to_owned(), false)),
                )
                .collect();
            let known = &pods;
            let answers: Vec<(String, Turn)> = stream::iter(turns)
                .map(|(key, evict)| async move {
                    let turn = self.turn(&known[&key], evict, started).await;
                    (key, turn)
                })
                .buffered(self.concurrency.max(1))
                .collect()
                .await;
            for (key, turn) in answers {
                record(&mut tracker, key, turn, progress, evicted)?;
            }
            match tracker.decide(started.elapsed(), timeout) {
                DrainDecision::Done => {
                    // One more look: nothing new may have landed on the cordoned nodes.
                    if !self
                        .collect_pods(source, &mut tracker, &mut pods, left)
                        .await?
                    {
                        return Ok(());
                    }
                }
                DrainDecision::TimedOut => {
                    let budgets = kube_ops::list_budgets(kube).await?;
                    let waiting: Vec<PodInfo> =
                        tracker.pending().iter().map(|k| pods[*k].clone()).collect();
                    let (budgets, mut others) = holds(&budgets, &waiting);
                    others.extend(tracker.evicting().iter().map(|k| (*k).to_owned()));
                    return Err(DrainStop::TimedOut { budgets, others });
                }
                DrainDecision::Continue => {
                    if !self.pause(self.retry_interval, started).await {
                        return Err(DrainStop::Interrupted);
                    }
                }
            }
        }
    }

    /// Lists the pods of `source`, refuses if any must not be evicted, and tracks the new
    /// evictable ones; whether any was new.
    async fn collect_pods(
        &self,
        source: &[NodeInfo],
        tracker: &mut DrainProgress,
        pods: &mut BTreeMap<String, PodInfo>,
        left: &mut Vec<String>,
    ) -> Result<bool, DrainStop> {
        let listed = pods_on(self.kube, source, self.concurrency).await?;
        let plan = drain_plan(source, &listed, &[], self.flags);
        let refused = plan.refused();
        if !refused.is_empty() {
            return Err(DrainStop::Refused(refused));
        }
        let mut listed: HashMap<String, PodInfo> =
            listed.into_iter().map(|p| (p.key(), p)).collect();
        let mut new = false;
        for node in &plan.nodes {
            for planned in &node.pods {
                match planned.action {
                    PodAction::Evict { .. } if !tracker.tracks(&planned.pod) => {
                        let info = listed.remove(&planned.pod).unwrap_or_default();
                        pods.insert(planned.pod.clone(), info);
                        tracker.track(&planned.pod);
                        new = true;
                    }
                    PodAction::Leave { .. } if !left.contains(&planned.pod) => {
                        left.push(planned.pod.clone());
                    }
                    _ => {}
                }
            }
        }
        Ok(new)
    }
}
