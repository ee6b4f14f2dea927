//! A group's VMs as the cutover and `status` need them: the name Azure gives the VM (v3
//! `vms[].vmName`, v2 `instanceId`), its size, life cycle, power state, creation time and
//! private IP.

use serde_json::Value;

use crate::client::SpotClient;
use crate::error::SpotError;
use crate::group::GroupStatus;
use elastigroup::ApiGeneration;

/// One VM of a group, from the group's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupVm {
    /// `vmName` (v3: what a Node's name or providerID ends with) or `instanceId` (v2: Spot's
    /// id of the instance, what `detachInstances` takes).
    pub name: String,
    /// `vmSize`.
    pub vm_size: Option<String>,
    /// `spot` / `od` (v3), `low-priority` / `regular` (v2).
    pub life_cycle: Option<String>,
    /// `powerState` (v3) or `state` (v2).
    pub power_state: Option<String>,
    /// `createdAt` as returned (RFC 3339).
    pub created_at: Option<String>,
    /// `privateIp`, once the VM has one: how a v2 instance is found among the Nodes.
    pub private_ip: Option<String>,
}

fn text(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match v.get(*k)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::String(_) | Value::Null => None,
        other => Some(other.to_string()),
    })
}

fn vm_of(item: &Value) -> Option<GroupVm> {
    Some(GroupVm {
        name: text(item, &["vmName", "instanceId"])?,
        vm_size: text(item, &["vmSize"]),
        life_cycle: text(item, &["lifeCycle"]),
        power_state: text(item, &["powerState", "state"]),
        created_at: text(item, &["createdAt"]),
        private_ip: text(item, &["privateIp"]),
    })
}

/// The named VMs of a status response (items as returned for `generation`); VMs without a
/// name (still being created) are left out.
pub fn vms_of_status(generation: ApiGeneration, status: &GroupStatus) -> Vec<GroupVm> {
    match generation {
        ApiGeneration::V3 => status
            .raw
            .iter()
            .flat_map(|item| {
                item.get("vms")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|vm| vm_of(&vm))
            .collect(),
        ApiGeneration::V2 => status.raw.iter().filter_map(vm_of).collect(),
    }
}

/// A group's `capacity.target`, from the group as the API returns it.
pub fn capacity_target(group: &Value) -> Option<u32> {
    group
        .pointer("/capacity/target")
        .and_then(Value::as_u64)
        .and_then(|t| u32::try_from(t).ok())
}

impl SpotClient {
    /// The VMs of group `id` (`GET .../group/{id}/status`).
    pub async fn group_vms(
        &self,
        generation: ApiGeneration,
        id: &str,
    ) -> Result<Vec<GroupVm>, SpotError> {
        let status = self.group_status(generation, id).await?;
        Ok(vms_of_status(generation, &status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn v3_vms_come_from_vms_array_and_need_a_name() {
        let status = GroupStatus::from_v3_items(vec![json!({"status": "ready", "vms": [
            {"vmName": "vm-a", "vmSize": "standard_d2_v2", "lifeCycle": "spot", "powerState": "running",
             "createdAt": "2026-01-01T00:00:00.000Z"},
            {"vmName": "", "powerState": "creating"},
            {"vmSize": "standard_d2_v2"}
        ]})]);
        let vms = vms_of_status(ApiGeneration::V3, &status);
        assert_eq!(
            vms,
            vec![GroupVm {
                name: "vm-a".into(),
                vm_size: Some("standard_d2_v2".into()),
                life_cycle: Some("spot".into()),
                power_state: Some("running".into()),
                created_at: Some("2026-01-01T00:00:00.000Z".into()),
                private_ip: None,
            }]
        );
    }

    #[test]
    fn v2_vms_are_the_items_named_by_instance_id() {
        let status = GroupStatus::from_v2_items(vec![
            json!({"instanceId": "ec54", "lifeCycle": "low-priority", "state": "running", "privateIp": "10.240.0.4"}),
            json!({"lifeCycle": "regular"}),
        ]);
        let vms = vms_of_status(ApiGeneration::V2, &status);
        assert_eq!(vms.len(), 1);
        assert_eq!(vms[0].name, "ec54");
        assert_eq!(vms[0].power_state.as_deref(), Some("running"));
        assert_eq!(vms[0].private_ip.as_deref(), Some("10.240.0.4"));
    }

    #[test]
    fn capacity_target_reads_the_group() {
        assert_eq!(
            capacity_target(&json!({"capacity": {"target": 2, "maximum": 3}})),
            Some(2)
        );
        assert_eq!(capacity_target(&json!({"capacity": {}})), None);
        assert_eq!(capacity_target(&json!({"capacity": {"target": -1}})), None);
    }
}
