//! Which pods a preempted node evicts: the cutover's decision ([`cutover::decide::pods`]) with
//! both of its consents given. DaemonSet and mirror pods stay (their node owns them); bare pods
//! and pods with emptyDir volumes are evicted too, since the VM and its disks are going away
//! whatever happens.

use cutover::{DrainFlags, PodAction, PodInfo};

/// Everything `kubectl drain --force --delete-emptydir-data` would accept.
pub const PREEMPT_FLAGS: DrainFlags = DrainFlags {
    force: true,
    delete_emptydir_data: true,
};

/// Whether a preempted node evicts `pod`.
pub fn evicts(pod: &PodInfo) -> bool {
    matches!(
        cutover::decide::pods::classify(pod, PREEMPT_FLAGS),
        PodAction::Evict { .. }
    )
}

/// The pods of `pods` to evict, in the order given.
pub fn to_evict(pods: &[PodInfo]) -> Vec<&PodInfo> {
    pods.iter().filter(|p| evicts(p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, controller: Option<&str>) -> PodInfo {
        PodInfo {
            namespace: "shop".into(),
            name: name.into(),
            controller_kind: controller.map(str::to_owned),
            phase: Some("Running".into()),
            ..Default::default()
        }
    }

    #[test]
    fn daemonset_and_mirror_pods_stay_everything_else_goes() {
        let pods = vec![
            pod("web", Some("ReplicaSet")),
            pod("ds", Some("DaemonSet")),
            PodInfo {
                mirror: true,
                ..pod("static", None)
            },
            pod("bare", None),
            PodInfo {
                empty_dir: true,
                ..pod("cache", Some("StatefulSet"))
            },
            PodInfo {
                empty_dir: true,
                ..pod("bare-cache", None)
            },
            PodInfo {
                phase: Some("Succeeded".into()),
                ..pod("done", Some("Job"))
            },
        ];
        let names: Vec<&str> = to_evict(&pods).iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["web", "bare", "cache", "bare-cache", "done"]);
    }
}
