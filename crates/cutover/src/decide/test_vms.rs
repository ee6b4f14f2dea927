//! The Spot group VMs the decisions' unit tests match against Nodes: one place, so the matcher's
//! tests and the join's tests build them alike.

use spot_api::GroupVm;

/// When the test instances were created.
pub(crate) const CREATED: &str = "2026-12-06T10:00:00.000Z";

/// A group VM named `name` (a v3 VM name or a v2 instance id), created at [`CREATED`], with
/// `ip` as its private address if any.
pub(crate) fn group_vm(name: &str, ip: Option<&str>) -> GroupVm {
    GroupVm {
        name: name.into(),
        vm_size: None,
        life_cycle: None,
        power_state: None,
        created_at: Some(CREATED.into()),
        private_ip: ip.map(str::to_owned),
    }
}
