//! Which Nodes are dead Spot VMs. On the Kubernetes versions aks-engine deploys, the Azure cloud
//! provider in `vmss` mode never removes the Node of a standalone VM that is gone, and Spot's VMs
//! are standalone VMs. A Node is a candidate when it has not been Ready for longer than the
//! grace, its `spec.providerID` is a standalone VM of this subscription and resource group
//! (never a scale-set instance), and that VM's name starts with one of the groups' prefixes.
//! Whether the VM is really gone is for ARM to say ([`arm_says_gone`]).

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// The parts of a Node the collector reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeView {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.uid` (the delete is conditional on it).
    pub uid: Option<String>,
    /// `spec.providerID`.
    pub provider_id: Option<String>,
    /// Its `Ready` condition.
    pub readiness: Readiness,
}

/// A Node's `Ready` condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// `Ready` is `True`.
    Ready,
    /// `Ready` is `False` or `Unknown` (or missing) since this time, when known.
    NotReadySince(Option<DateTime<Utc>>),
}

/// Which nodes the collector may look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GcScope {
    /// The cluster's subscription.
    pub subscription_id: String,
    /// The cluster's resource group (where Spot launches the VMs).
    pub resource_group: String,
    /// VM name prefixes of the Spot groups (`vmNamePrefix`); never empty strings.
    pub name_prefixes: Vec<String>,
    /// How long a node must have been not Ready.
    pub grace: Duration,
}

impl GcScope {
    /// `azure:///subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/virtualMachines/`.
    pub fn vm_id_prefix(&self) -> String {
        format!(
            "azure:///subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/virtualMachines/",
            self.subscription_id, self.resource_group
        )
    }

    /// The standalone VM of this scope that `provider_id` names, if any (the full prefix
    /// compared case-insensitively; the name must be one path segment).
    pub fn standalone_vm<'a>(&self, provider_id: &'a str) -> Option<&'a str> {
        let prefix = self.vm_id_prefix();
        let head = provider_id.get(..prefix.len())?;
        if !head.eq_ignore_ascii_case(&prefix) {
            return None;
        }
        let name = &provider_id[prefix.len()..];
        (!name.is_empty() && !name.contains('/')).then_some(name)
    }

    /// Whether `vm_name` starts with one of the prefixes (case-insensitively).
    pub fn has_prefix(&self, vm_name: &str) -> bool {
        let lower = vm_name.to_ascii_lowercase();
        self.name_prefixes
            .iter()
            .any(|p| !p.is_empty() && lower.starts_with(&p.to_ascii_lowercase()))
    }
}

/// Why a node is left alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepReason {
    /// It is Ready.
    Ready,
    /// Not Ready for less than the grace (or since an unknown time).
    TooRecent,
    /// No `spec.providerID`.
    NoProviderId,
    /// A scale-set instance, another resource group or subscription, or not a VM at all.
    NotOurStandaloneVm,
    /// The VM name has none of the prefixes.
    ForeignName,
}

impl fmt::Display for KeepReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeepReason::Ready => "Ready",
            KeepReason::TooRecent => "not Ready for less than the grace period",
            KeepReason::NoProviderId => "no spec.providerID",
            KeepReason::NotOurStandaloneVm => {
                "not a standalone VM of this subscription and resource group"
            }
            KeepReason::ForeignName => "its VM name has none of the group prefixes",
        })
    }
}

/// What the collector does with a node before asking ARM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Ask ARM whether this VM still exists.
    AskArm {
        /// The VM's name (from the providerID).
        vm_name: String,
    },
    /// Leave it.
    Keep(KeepReason),
}

/// Judges one node at `now`.
pub fn judge(node: &NodeView, scope: &GcScope, now: DateTime<Utc>) -> Verdict {
    let since = match node.readiness {
        Readiness::Ready => return Verdict::Keep(KeepReason::Ready),
        Readiness::NotReadySince(since) => since,
    };
    let Some(provider_id) = node.provider_id.as_deref().filter(|p| !p.is_empty()) else {
        return Verdict::Keep(KeepReason::NoProviderId);
    };
    let Some(vm_name) = scope.standalone_vm(provider_id) else {
        return Verdict::Keep(KeepReason::NotOurStandaloneVm);
    };
    if !scope.has_prefix(vm_name) {
        return Verdict::Keep(KeepReason::ForeignName);
    }
    let grace = chrono::TimeDelta::from_std(scope.grace).unwrap_or(chrono::TimeDelta::MAX);
    match since {
        Some(t) if now.signed_duration_since(t) > grace => Verdict::AskArm {
            vm_name: vm_name.to_owned(),
        },
        _ => Verdict::Keep(KeepReason::TooRecent),
    }
}

/// Whether ARM's answer to `GET` of the VM proves it gone: only `404` with code
/// `ResourceNotFound`. A missing resource group, throttling, errors, auth failures prove nothing.
pub fn arm_says_gone(status: u16, code: &str) -> bool {
    status == 404 && code == "ResourceNotFound"
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "00000000-1111-2222-3333-444444444444";

    fn scope() -> GcScope {
        GcScope {
            subscription_id: SUB.into(),
            resource_group: "spot-rg".into(),
            name_prefixes: vec!["spotpool1-".into(), "k8s-other".into()],
            grace: Duration::from_secs(300),
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-12-07T21:00:00Z".parse().unwrap()
    }

    fn vm_id(rg: &str, name: &str) -> String {
        format!(
            "azure:///subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}"
        )
    }

    fn node(provider_id: Option<&str>, readiness: Readiness) -> NodeView {
        NodeView {
            name: "spotpool1-abc".into(),
            uid: Some("u".into()),
            provider_id: provider_id.map(str::to_owned),
            readiness,
        }
    }

    fn not_ready_for(secs: i64) -> Readiness {
        Readiness::NotReadySince(Some(now() - chrono::TimeDelta::seconds(secs)))
    }

    fn ask(name: &str) -> Verdict {
        Verdict::AskArm {
            vm_name: name.into(),
        }
    }

    #[test]
    fn a_long_dead_spot_vm_node_is_a_candidate() {
        let id = vm_id("spot-rg", "spotpool1-abc");
        assert_eq!(
            judge(&node(Some(&id), not_ready_for(301)), &scope(), now()),
            ask("spotpool1-abc")
        );
    }

    #[test]
    fn the_scope_prefix_compares_case_insensitively_and_the_name_keeps_its_case() {
        let id = format!(
            "AZURE:///SUBSCRIPTIONS/{SUB}/resourcegroups/SPOT-RG/providers/microsoft.compute/VIRTUALMACHINES/SpotPool1-XYZ"
        );
        assert_eq!(
            judge(&node(Some(&id), not_ready_for(3600)), &scope(), now()),
            ask("SpotPool1-XYZ")
        );
    }

    #[test]
    fn ready_nodes_are_never_candidates() {
        let id = vm_id("spot-rg", "spotpool1-abc");
        assert_eq!(
            judge(&node(Some(&id), Readiness::Ready), &scope(), now()),
            Verdict::Keep(KeepReason::Ready)
        );
    }

    #[test]
    fn too_recent_or_unknown_since_is_kept() {
        let id = vm_id("spot-rg", "spotpool1-abc");
        for r in [
            not_ready_for(300),
            not_ready_for(10),
            not_ready_for(-60),
            Readiness::NotReadySince(None),
        ] {
            assert_eq!(
                judge(&node(Some(&id), r), &scope(), now()),
                Verdict::Keep(KeepReason::TooRecent),
                "{r:?}"
            );
        }
    }

    #[test]
    fn scale_set_instances_and_other_scopes_are_never_candidates() {
        let vmss = format!(
            "azure:///subscriptions/{SUB}/resourceGroups/spot-rg/providers/Microsoft.Compute/virtualMachineScaleSets/spotpool1-vmss/virtualMachines/0"
        );
        let other_rg = vm_id("other-rg", "spotpool1-abc");
        let other_sub = "azure:///subscriptions/99999999-1111-2222-3333-444444444444/resourceGroups/spot-rg/providers/Microsoft.Compute/virtualMachines/spotpool1-abc".to_owned();
        let nested = vm_id("spot-rg", "spotpool1-abc/extensions/x");
        let empty = vm_id("spot-rg", "");
        let prefix_rg = vm_id("spot-rg2", "spotpool1-abc");
        for id in [
            vmss,
            other_rg,
            other_sub,
            nested,
            empty,
            prefix_rg,
            "aws:///i-1".into(),
        ] {
            assert_eq!(
                judge(&node(Some(&id), not_ready_for(3600)), &scope(), now()),
                Verdict::Keep(KeepReason::NotOurStandaloneVm),
                "{id}"
            );
        }
        for id in [None, Some("")] {
            assert_eq!(
                judge(&node(id, not_ready_for(3600)), &scope(), now()),
                Verdict::Keep(KeepReason::NoProviderId)
            );
        }
    }

    #[test]
    fn names_without_a_prefix_are_kept() {
        let id = vm_id("spot-rg", "master-0");
        assert_eq!(
            judge(&node(Some(&id), not_ready_for(3600)), &scope(), now()),
            Verdict::Keep(KeepReason::ForeignName)
        );
        let none = GcScope {
            name_prefixes: vec![String::new()],
            ..scope()
        };
        let id = vm_id("spot-rg", "spotpool1-abc");
        assert_eq!(
            judge(&node(Some(&id), not_ready_for(3600)), &none, now()),
            Verdict::Keep(KeepReason::ForeignName),
            "an empty prefix matches nothing"
        );
        assert!(scope().has_prefix("K8S-OTHER-1"));
    }

    #[test]
    fn only_resource_not_found_proves_a_vm_gone() {
        assert!(arm_says_gone(404, "ResourceNotFound"));
        assert!(!arm_says_gone(404, "ResourceGroupNotFound"));
        assert!(!arm_says_gone(404, "NotFound"));
        assert!(!arm_says_gone(200, ""));
        for s in [401, 403, 429, 500, 503] {
            assert!(!arm_says_gone(s, "ResourceNotFound"), "{s}");
        }
    }
}
