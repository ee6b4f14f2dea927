//! Waiting until the controller's Deployment has rolled out: the API server has observed the
//! latest generation and every desired replica is updated and available.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use kube::Client;
use kube::api::Api;

use crate::error::ControllerError;
use crate::manifests::{NAME, NAMESPACE};

/// The Deployment's rollout state after one poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutProgress {
    /// `spec.replicas`.
    pub desired: i32,
    /// `status.updatedReplicas`.
    pub updated: i32,
    /// `status.availableReplicas`.
    pub available: i32,
    /// `metadata.generation`.
    pub generation: Option<i64>,
    /// `status.observedGeneration`.
    pub observed_generation: Option<i64>,
    /// Time since the wait started.
    pub elapsed: Duration,
}

impl RolloutProgress {
    /// Whether the rollout is complete.
    pub fn is_complete(&self) -> bool {
        rolled_out(
            self.desired,
            self.updated,
            self.available,
            self.generation,
            self.observed_generation,
        )
    }

    fn describe(&self) -> String {
        format!(
            "{}/{} updated, {}/{} available, generation {} observed {}",
            self.updated,
            self.desired,
            self.available,
            self.desired,
            self.generation.map_or("-".into(), |g| g.to_string()),
            self.observed_generation
                .map_or("-".into(), |g| g.to_string()),
        )
    }
}

/// Whether a workload has rolled out: the API server has observed its latest `generation`
/// (when it has one) and `desired` pods are `updated` and `available`. For every workload kind
/// (the node agent's DaemonSet and Deployment too).
pub fn rolled_out(
    desired: i32,
    updated: i32,
    available: i32,
    generation: Option<i64>,
    observed_generation: Option<i64>,
) -> bool {
    let observed = match (generation, observed_generation) {
        (Some(g), Some(o)) => o >= g,
        (None, _) => true,
        (Some(_), None) => false,
    };
    observed && updated >= desired && available >= desired
}

/// How the wait went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutOutcome {
    /// The timeout was zero: not waited.
    Skipped,
    /// Rolled out.
    Complete(RolloutProgress),
}

fn progress_of(d: &Deployment, started: Instant) -> RolloutProgress {
    let status = d.status.clone().unwrap_or_default();
    RolloutProgress {
        desired: d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
        updated: status.updated_replicas.unwrap_or(0),
        available: status.available_replicas.unwrap_or(0),
        generation: d.metadata.generation,
        observed_generation: status.observed_generation,
        elapsed: started.elapsed(),
    }
}

/// Polls the controller's Deployment every `interval` until it has rolled out or `timeout`
/// passes (`Duration::ZERO` = don't wait), reporting each poll to `progress`.
pub async fn wait_for_rollout(
    client: &Client,
    timeout: Duration,
    interval: Duration,
    progress: &mut (dyn FnMut(&RolloutProgress) + Send),
) -> Result<RolloutOutcome, ControllerError> {
    if timeout.is_zero() {
        return Ok(RolloutOutcome::Skipped);
    }
    let name = format!("{NAMESPACE}/{NAME}");
    let api: Api<Deployment> = Api::namespaced(client.clone(), NAMESPACE);
    let started = Instant::now();
    let mut last = String::from("never read");
    loop {
        let remaining = timeout.saturating_sub(started.elapsed());
        if remaining.is_zero() {
            return Err(ControllerError::RolloutTimeout {
                name,
                timeout,
                last,
            });
        }
        // A hung request must not outlive the overall timeout.
        match tokio::time::timeout(remaining, api.get(NAME)).await {
            Err(_) => {
                return Err(ControllerError::RolloutTimeout {
                    name,
                    timeout,
                    last,
                });
            }
            Ok(Err(e)) => {
                return Err(ControllerError::Status {
                    name,
                    message: match e {
                        kube::Error::Api(s) => {
                            format!("{} (HTTP {}, {})", s.message, s.code, s.reason)
                        }
                        other => other.to_string(),
                    },
                });
            }
            Ok(Ok(d)) => {
                let p = progress_of(&d, started);
                progress(&p);
                if p.is_complete() {
                    return Ok(RolloutOutcome::Complete(p));
                }
                last = p.describe();
            }
        }
        let remaining = timeout.saturating_sub(started.elapsed());
        tokio::time::sleep(interval.min(remaining)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(
        updated: i32,
        available: i32,
        generation: Option<i64>,
        observed: Option<i64>,
    ) -> RolloutProgress {
        RolloutProgress {
            desired: 1,
            updated,
            available,
            generation,
            observed_generation: observed,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn complete_needs_observed_generation_and_replicas() {
        assert!(p(1, 1, Some(2), Some(2)).is_complete());
        assert!(!p(1, 1, Some(2), Some(1)).is_complete(), "old generation");
        assert!(!p(1, 0, Some(1), Some(1)).is_complete(), "not available");
        assert!(!p(0, 1, Some(1), Some(1)).is_complete(), "not updated");
        assert!(!p(1, 1, Some(1), None).is_complete());
    }
}
