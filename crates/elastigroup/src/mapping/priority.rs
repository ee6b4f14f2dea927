//! The scale set's own spot settings (`priority`, `evictionPolicy`, `billingProfile.maxPrice`):
//! not mapped, since the group's strategy decides which VMs are spot; only reported.

use super::json_cursor::Cursor;
use super::{MappingErrorKind, MappingWarning};

/// Reports a non-Regular priority and a max price in the virtual machine profile `vmp`.
pub(crate) fn check(vmp: &Cursor, w: &mut Vec<MappingWarning>) -> Result<(), MappingErrorKind> {
    if let Some(p) = vmp.key("priority").str()?
        && !p.eq_ignore_ascii_case("Regular")
    {
        let eviction = vmp.key("evictionPolicy").str()?.unwrap_or("unset");
        w.push(MappingWarning::new(
            vmp.key("priority").path(),
            format!(
                "the scale set already uses {p} VMs (eviction policy {eviction}); mapped normally: the group's \
                 strategy decides which VMs are spot and Spot handles evictions"
            ),
        ));
    }
    let price = vmp.keys("billingProfile.maxPrice");
    if price.exists() {
        w.push(MappingWarning::new(
            price.path(),
            "a spot max price cannot be expressed: Spot buys at market price and falls back to on-demand",
        ));
    }
    Ok(())
}
