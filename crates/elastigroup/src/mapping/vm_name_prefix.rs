//! VM names: `osProfile.computerNamePrefix` → v3 `launchSpecification.vmNamePrefix` when Spot
//! accepts it (possibly without aks-engine's `-vmss` suffix); v2 has no prefix.

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
                 characters, a forbidden character or a trailing '-'): Spot names the VMs"
            ),
        ));
    }
    p.map(str::to_owned)
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

/// The `vmNamePrefix` for a scale set's `computerNamePrefix`: itself when valid, else without
/// aks-engine's `-vmss` suffix when that makes it valid (`k8s-agentpool1-78258974-vmss`, 28
/// characters, becomes `k8s-agentpool1-78258974`, the prefix aks-engine gives availability-set
/// agent VMs), else none.
fn vm_name_prefix(computer_name_prefix: &str) -> Option<&str> {
    if valid_vm_name_prefix(computer_name_prefix) {
        return Some(computer_name_prefix);
    }
    computer_name_prefix
        .strip_suffix(AKS_ENGINE_VMSS_SUFFIX)
        .filter(|p| valid_vm_name_prefix(p))
}
