//! VM names: `osProfile.computerNamePrefix` → v3 `launchSpecification.vmNamePrefix` when Spot
//! accepts it, without aks-engine's `-vmss` suffix and without the cluster's 8-hex name suffix
//! (`k8s-agentpool1-78258974-vmss` → `k8s-agentpool1-spot`); v2 has no prefix.
//!
//! Why not the name suffix: `aks-engine upgrade` lists every standalone VM of the resource group
//! whose name contains the cluster's name suffix and parses it as an availability-set agent VM
//! (`K8sLinuxVMNameParts`), so a Spot VM named `k8s-agentpool1-78258974…` would be taken for one.

use super::MappingErrorKind;
use super::MappingWarning;
use super::json_cursor::Cursor;
use super::sourced::Sourced;

/// Characters the v3 API forbids in `vmNamePrefix` (besides whitespace and control characters).
const VM_NAME_PREFIX_FORBIDDEN: &str = "~!@#$%^&*()=+_[]{}|;:.'\",<>/?";

/// The longest `vmNamePrefix` the v3 API accepts.
const VM_NAME_PREFIX_MAX_CHARS: usize = 25;

/// The suffix aks-engine gives Linux scale set names (`k8s-<pool>-<suffix>-vmss`).
const AKS_ENGINE_VMSS_SUFFIX: &str = "-vmss";

/// What replaces the cluster's name suffix in the prefix (Spot's schema forbids a trailing `-`).
const SPOT_MARKER: &str = "spot";

/// Reads `computerNamePrefix`, if any.
pub(crate) fn extract(os_profile: &Cursor) -> Result<Option<Sourced<String>>, MappingErrorKind> {
    let c = os_profile.key("computerNamePrefix");
    Ok(c.str()?.map(|p| Sourced {
        value: p.to_owned(),
        path: c.path().to_owned(),
    }))
}

/// v3 `vmNamePrefix`, or `None` with a warning when no valid prefix can be made from it.
pub(crate) fn render_v3(prefix: &Sourced<String>, w: &mut Vec<MappingWarning>) -> Option<String> {
    let p = vm_name_prefix(&prefix.value);
    if p.is_none() {
        w.push(MappingWarning::new(
            &prefix.path,
            format!(
                "computerNamePrefix is not a valid Spot vmNamePrefix (more than {VM_NAME_PREFIX_MAX_CHARS} \
                 characters, a forbidden character, a trailing '-' or the cluster's name suffix): Spot \
                 names the VMs"
            ),
        ));
    }
    p
}

/// v2: the prefix is dropped, with a warning.
pub(crate) fn warn_v2(prefix: &Sourced<String>, w: &mut Vec<MappingWarning>) {
    w.push(MappingWarning::new(
        &prefix.path,
        "v2 has no VM name prefix: Spot names the VMs",
    ));
}

fn valid_vm_name_prefix(p: &str) -> bool {
    !p.is_empty()
        && p.chars().count() <= VM_NAME_PREFIX_MAX_CHARS
        && !p.ends_with('-')
        && !p
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || VM_NAME_PREFIX_FORBIDDEN.contains(c))
}

/// Whether `segment` looks like aks-engine's cluster name suffix (8 hex digits).
fn is_name_suffix(segment: &str) -> bool {
    segment.len() == 8 && segment.chars().all(|c| c.is_ascii_hexdigit())
}

/// The `vmNamePrefix` for a scale set's `computerNamePrefix`: without aks-engine's `-vmss`
/// suffix, the cluster's name suffix replaced by `spot` (`k8s-agentpool1-78258974-vmss` becomes
/// `k8s-agentpool1-spot`), when the result is valid for Spot; none when no valid prefix without
/// the name suffix can be made. A prefix without a name suffix (a Windows pool's `2328k8s01`) is
/// kept as it is when valid.
fn vm_name_prefix(computer_name_prefix: &str) -> Option<String> {
    let base = computer_name_prefix
        .strip_suffix(AKS_ENGINE_VMSS_SUFFIX)
        .unwrap_or(computer_name_prefix);
    let segments: Vec<&str> = base.split('-').collect();
    let candidate = if segments.iter().any(|s| is_name_suffix(s)) {
        let kept: Vec<&str> = segments
            .into_iter()
            .filter(|s| !is_name_suffix(s) && !s.is_empty())
            .collect();
        if kept.is_empty() {
            return None;
        }
        format!("{}-{SPOT_MARKER}", kept.join("-"))
    } else if valid_vm_name_prefix(computer_name_prefix) {
        computer_name_prefix.to_owned()
    } else {
        base.to_owned()
    };
    valid_vm_name_prefix(&candidate).then_some(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cluster_name_suffix_is_replaced_and_the_result_fits_spot() {
        for (from, to) in [
            ("k8s-agentpool1-78258974-vmss", Some("k8s-agentpool1-spot")),
            ("k8s-agentpool1-78258974", Some("k8s-agentpool1-spot")),
            (
                "k8s-pool12345678-31415926-vmss",
                Some("k8s-pool12345678-spot"),
            ),
            ("k8s-pool-ABCDEF01-vmss", Some("k8s-pool-spot")),
            ("2328k8s01", Some("2328k8s01")),
            ("k8s-pool-vmss", Some("k8s-pool-vmss")),
            // 9 hex digits is not a name suffix; 26 characters without `-vmss` is too long.
            ("k8s-abcdefghijklmnopq-vmss", Some("k8s-abcdefghijklmnopq")),
            ("k8s_pool-78258974-vmss", None),
            ("trailing-", None),
            ("78258974", None),
        ] {
            assert_eq!(vm_name_prefix(from).as_deref(), to, "{from}");
            if let Some(p) = to {
                assert!(valid_vm_name_prefix(p), "{p}");
                assert!(!p.split('-').any(is_name_suffix), "{p}");
            }
        }
    }
}
