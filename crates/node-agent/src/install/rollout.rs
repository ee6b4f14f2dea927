//! Waiting until both workloads have rolled out: the API server has observed their latest
//! generation and every desired pod is updated and available.

use std::fmt;
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment};
use kube::Client;
use kube::api::Api;

use super::InstallError;
use super::manifests::{DAEMON_SET_NAME, DEPLOYMENT_NAME, NAMESPACE};

/// One workload's rollout after a poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutState {
    /// `DaemonSet` or `Deployment`.
    pub kind: &'static str,
    /// Pods wanted (`desiredNumberScheduled` / `spec.replicas`).
    pub desired: i32,
    /// Pods of the latest template.
    pub updated: i32,
    /// Pods available.
    pub available: i32,
    /// `metadata.generation`.
    pub generation: Option<i64>,
    /// `status.observedGeneration`.
    pub observed_generation: Option<i64>,
}

impl RolloutState {
    /// Whether it has rolled out.
    pub fn is_complete(&self) -> bool {
        spot_controller::rollout::rolled_out(
            self.desired,
            self.updated,
            self.available,
            self.generation,
            self.observed_generation,
        )
    }

    fn of_daemon_set(d: &DaemonSet) -> Self {
        let s = d.status.clone().unwrap_or_default();
        Self {
            kind: "DaemonSet",
            desired: s.desired_number_scheduled,
            updated: s.updated_number_scheduled.unwrap_or(0),
            available: s.number_available.unwrap_or(0),
            generation: d.metadata.generation,
            observed_generation: s.observed_generation,
        }
    }

    fn of_deployment(d: &Deployment) -> Self {
        let s = d.status.clone().unwrap_or_default();
        Self {
            kind: "Deployment",
            desired: d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
            updated: s.updated_replicas.unwrap_or(0),
            available: s.available_replicas.unwrap_or(0),
            generation: d.metadata.generation,
            observed_generation: s.observed_generation,
        }
    }
}

impl fmt::Display for RolloutState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}/{} updated, {}/{} available",
            self.kind, self.updated, self.desired, self.available, self.desired
        )
    }
}

fn status_error(kind: &'static str, name: &str, e: kube::Error) -> InstallError {
    InstallError::Status {
        kind,
        name: format!("{NAMESPACE}/{name}"),
        message: match e {
            kube::Error::Api(s) => format!("{} (HTTP {})", s.message, s.code),
            other => other.to_string(),
        },
    }
}

/// Polls both workloads every `interval` until both rolled out or `timeout` passes;
/// `Duration::ZERO` does not wait (`Ok(false)`); `Ok(true)` once rolled out.
pub async fn wait_for_rollout(
    client: &Client,
    timeout: Duration,
    interval: Duration,
    progress: &mut (dyn FnMut(&[RolloutState]) + Send),
) -> Result<bool, InstallError> {
    if timeout.is_zero() {
        return Ok(false);
    }
    let daemon_sets: Api<DaemonSet> = Api::namespaced(client.clone(), NAMESPACE);
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), NAMESPACE);
    let started = Instant::now();
    let mut last = String::from("never read");
    loop {
        let remaining = timeout.saturating_sub(started.elapsed());
        let read = async {
            let ds = daemon_sets
                .get(DAEMON_SET_NAME)
                .await
                .map_err(|e| status_error("DaemonSet", DAEMON_SET_NAME, e))?;
            let dep = deployments
                .get(DEPLOYMENT_NAME)
                .await
                .map_err(|e| status_error("Deployment", DEPLOYMENT_NAME, e))?;
            Ok::<_, InstallError>([
                RolloutState::of_daemon_set(&ds),
                RolloutState::of_deployment(&dep),
            ])
        };
        match tokio::time::timeout(remaining, read).await {
            Err(_) => return Err(InstallError::RolloutTimeout { timeout, last }),
            Ok(Err(e)) => return Err(e),
            Ok(Ok(states)) => {
                progress(&states);
                if states.iter().all(RolloutState::is_complete) {
                    return Ok(true);
                }
                last = states
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
            }
        }
        let remaining = timeout.saturating_sub(started.elapsed());
        if remaining.is_zero() {
            return Err(InstallError::RolloutTimeout { timeout, last });
        }
        tokio::time::sleep(interval.min(remaining)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(
        desired: i32,
        updated: i32,
        available: i32,
        g: Option<i64>,
        o: Option<i64>,
    ) -> RolloutState {
        RolloutState {
            kind: "DaemonSet",
            desired,
            updated,
            available,
            generation: g,
            observed_generation: o,
        }
    }

    #[test]
    fn complete_needs_the_generation_and_every_pod() {
        assert!(s(3, 3, 3, Some(2), Some(2)).is_complete());
        assert!(!s(3, 3, 3, Some(2), Some(1)).is_complete());
        assert!(!s(3, 2, 3, Some(1), Some(1)).is_complete());
        assert!(!s(3, 3, 2, Some(1), Some(1)).is_complete());
        assert!(!s(1, 1, 1, Some(1), None).is_complete());
        assert!(s(0, 0, 0, None, None).is_complete());
        assert_eq!(
            s(3, 1, 0, None, None).to_string(),
            "DaemonSet: 1/3 updated, 0/3 available"
        );
    }
}
