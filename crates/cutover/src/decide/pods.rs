//! Which pods a drain evicts, as `kubectl drain` decides: DaemonSet pods and mirror pods are
//! left alone (their node's kubelet or controller owns them); pods no controller would recreate
//! and pods whose emptyDir data would be lost are refused unless the caller accepted that
//! (`force`, `delete_emptydir_data`); pods that already terminated are simply evicted.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// The annotation the kubelet puts on mirror pods of static pods.
pub const MIRROR_ANNOTATION: &str = "kubernetes.io/config.mirror";

/// The parts of a Pod the drain reads.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodInfo {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.uid` (a recreated pod of the same name has another).
    pub uid: Option<String>,
    /// `spec.nodeName`.
    pub node: Option<String>,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// Kind of the owner reference with `controller: true` (`ReplicaSet`, `DaemonSet`, ...).
    pub controller_kind: Option<String>,
    /// Carries [`MIRROR_ANNOTATION`].
    pub mirror: bool,
    /// Has an `emptyDir` volume.
    pub empty_dir: bool,
    /// `status.phase`.
    pub phase: Option<String>,
    /// `metadata.deletionTimestamp` is set: it is being deleted already.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub terminating: bool,
}

impl PodInfo {
    /// `namespace/name`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// `Succeeded` or `Failed`: nothing runs any more.
    pub fn terminated(&self) -> bool {
        matches!(self.phase.as_deref(), Some("Succeeded" | "Failed"))
    }
}

/// What the caller accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DrainFlags {
    /// Evict pods no controller manages (they are not recreated).
    pub force: bool,
    /// Evict pods with emptyDir volumes (their data is lost).
    pub delete_emptydir_data: bool,
}

/// Why a pod stays where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum LeaveReason {
    /// Managed by a DaemonSet, which ignores cordons and would recreate it.
    DaemonSet,
    /// A static pod's mirror; only the kubelet can remove it.
    Mirror,
}

/// Why a pod may not be evicted without the caller's consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RefuseReason {
    /// No controller: it would not be recreated (`--force`).
    NoController,
    /// Has emptyDir volumes whose data would be lost (`--delete-emptydir-data`).
    EmptyDir,
}

impl RefuseReason {
    /// The flag that accepts it.
    pub fn flag(self) -> &'static str {
        match self {
            RefuseReason::NoController => "--force",
            RefuseReason::EmptyDir => "--delete-emptydir-data",
        }
    }
}

impl fmt::Display for RefuseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefuseReason::NoController => "not managed by a controller",
            RefuseReason::EmptyDir => "uses emptyDir volumes",
        })
    }
}

/// What the drain does with a pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "action")]
pub enum PodAction {
    /// Evict it; `accepted` lists the refusals the flags overrode.
    Evict {
        /// Overridden refusals (the pod is lost / its emptyDir data is lost).
        accepted: Vec<RefuseReason>,
    },
    /// Leave it running.
    Leave {
        /// Why.
        reason: LeaveReason,
    },
    /// Refuse to drain the node.
    Refuse {
        /// Every reason that applies.
        reasons: Vec<RefuseReason>,
    },
}

/// Decides one pod.
pub fn classify(pod: &PodInfo, flags: DrainFlags) -> PodAction {
    if pod.mirror {
        return PodAction::Leave {
            reason: LeaveReason::Mirror,
        };
    }
    if pod.controller_kind.as_deref() == Some("DaemonSet") {
        return PodAction::Leave {
            reason: LeaveReason::DaemonSet,
        };
    }
    if pod.terminated() {
        return PodAction::Evict {
            accepted: Vec::new(),
        };
    }
    let mut issues = Vec::new();
    if pod.controller_kind.is_none() {
        issues.push(RefuseReason::NoController);
    }
    if pod.empty_dir {
        issues.push(RefuseReason::EmptyDir);
    }
    let refused: Vec<RefuseReason> = issues
        .iter()
        .copied()
        .filter(|r| match r {
            RefuseReason::NoController => !flags.force,
            RefuseReason::EmptyDir => !flags.delete_emptydir_data,
        })
        .collect();
    if refused.is_empty() {
        PodAction::Evict { accepted: issues }
    } else {
        PodAction::Refuse { reasons: refused }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(controller: Option<&str>) -> PodInfo {
        PodInfo {
            namespace: "default".into(),
            name: "p".into(),
            controller_kind: controller.map(str::to_owned),
            phase: Some("Running".into()),
            ..Default::default()
        }
    }

    const NONE: DrainFlags = DrainFlags {
        force: false,
        delete_emptydir_data: false,
    };
    const ALL: DrainFlags = DrainFlags {
        force: true,
        delete_emptydir_data: true,
    };

    fn evict(accepted: &[RefuseReason]) -> PodAction {
        PodAction::Evict {
            accepted: accepted.to_vec(),
        }
    }

    #[test]
    fn replicated_pods_are_evicted() {
        for kind in ["ReplicaSet", "StatefulSet", "Job", "ReplicationController"] {
            assert_eq!(classify(&pod(Some(kind)), NONE), evict(&[]), "{kind}");
        }
    }

    #[test]
    fn daemonset_and_mirror_pods_are_left_even_with_every_flag() {
        for flags in [NONE, ALL] {
            assert_eq!(
                classify(&pod(Some("DaemonSet")), flags),
                PodAction::Leave {
                    reason: LeaveReason::DaemonSet
                }
            );
            let mirror = PodInfo {
                mirror: true,
                ..pod(None)
            };
            assert_eq!(
                classify(&mirror, flags),
                PodAction::Leave {
                    reason: LeaveReason::Mirror
                }
            );
        }
    }

    #[test]
    fn bare_pods_need_force() {
        assert_eq!(
            classify(&pod(None), NONE),
            PodAction::Refuse {
                reasons: vec![RefuseReason::NoController]
            }
        );
        let forced = DrainFlags {
            force: true,
            ..NONE
        };
        assert_eq!(
            classify(&pod(None), forced),
            evict(&[RefuseReason::NoController])
        );
    }

    #[test]
    fn emptydir_pods_need_delete_emptydir_data() {
        let p = PodInfo {
            empty_dir: true,
            ..pod(Some("ReplicaSet"))
        };
        assert_eq!(
            classify(&p, NONE),
            PodAction::Refuse {
                reasons: vec![RefuseReason::EmptyDir]
            }
        );
        let ok = DrainFlags {
            delete_emptydir_data: true,
            ..NONE
        };
        assert_eq!(classify(&p, ok), evict(&[RefuseReason::EmptyDir]));
    }

    #[test]
    fn a_bare_emptydir_pod_lists_what_is_still_missing() {
        let p = PodInfo {
            empty_dir: true,
            ..pod(None)
        };
        assert_eq!(
            classify(&p, NONE),
            PodAction::Refuse {
                reasons: vec![RefuseReason::NoController, RefuseReason::EmptyDir]
            }
        );
        let forced = DrainFlags {
            force: true,
            ..NONE
        };
        assert_eq!(
            classify(&p, forced),
            PodAction::Refuse {
                reasons: vec![RefuseReason::EmptyDir]
            }
        );
        assert_eq!(
            classify(&p, ALL),
            evict(&[RefuseReason::NoController, RefuseReason::EmptyDir])
        );
    }

    #[test]
    fn terminated_pods_are_evicted_without_flags() {
        for phase in ["Succeeded", "Failed"] {
            let p = PodInfo {
                empty_dir: true,
                phase: Some(phase.into()),
                ..pod(None)
            };
            assert_eq!(classify(&p, NONE), evict(&[]), "{phase}");
        }
        let pending = PodInfo {
            phase: Some("Pending".into()),
            ..pod(None)
        };
        assert!(matches!(classify(&pending, NONE), PodAction::Refuse { .. }));
    }

    #[test]
    fn refusals_name_their_flag() {
        assert_eq!(RefuseReason::NoController.flag(), "--force");
        assert_eq!(RefuseReason::EmptyDir.flag(), "--delete-emptydir-data");
        assert_eq!(RefuseReason::EmptyDir.to_string(), "uses emptyDir volumes");
    }
}
