//! Small typed views of groups and group status, keeping the raw JSON beside them.

use crate::error::SpotError;
use serde_json::Value;

/// The error code of Spot's own "this group does not exist" answer.
pub const GROUP_DOESNT_EXIST: &str = "GROUP_DOESNT_EXIST";

/// Spot itself said the group does not exist: a Spot envelope whose `response.errors` holds
/// `GROUP_DOESNT_EXIST`. A bare 404 is not enough: a wrong base URL or a proxy answers 404 for
/// groups that are still running.
pub fn group_doesnt_exist(err: &SpotError) -> bool {
    err.codes().contains(&GROUP_DOESNT_EXIST)
}

/// An Elastigroup as returned by the API.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The group's id, such as `sig-1a2b3c4d`.
    pub id: String,
    /// The group's name; empty when the item has none.
    pub name: String,
    /// `createdAt`, when the API returned it.
    pub created_at: Option<String>,
    /// The whole item as returned.
    pub raw: Value,
}

impl Group {
    /// Reads a group item; `None` when it has no string `id`.
    pub fn from_item(item: Value) -> Option<Self> {
        let id = item.get("id")?.as_str()?.to_owned();
        let name = item
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let created_at = item
            .get("createdAt")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Some(Self {
            id,
            name,
            created_at,
            raw: item,
        })
    }
}

/// The result of a create.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedGroup {
    /// The group as the API returned it.
    pub group: Group,
    /// The create's response was lost (timeout, dropped connection, 5xx) and the group was found
    /// afterwards by listing groups of that name.
    pub recovered: bool,
}

/// One VM of a group's status.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VmStatus {
    /// `vmName` (v3) or `instanceId` (v2).
    pub name: Option<String>,
    /// `vmSize`, such as `Standard_D2s_v3`.
    pub vm_size: Option<String>,
    /// `spot`, `od`, `low-priority`, `regular`.
    pub life_cycle: Option<String>,
    /// `powerState` (v3) or `state` (v2).
    pub state: Option<String>,
    /// `privateIp`, when the VM has one yet.
    pub private_ip: Option<String>,
}

/// A group's status in one shape for both generations.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupStatus {
    /// The group status (v3 `status`: ready, deploying, ...); v2 has none.
    pub status: Option<String>,
    /// The group's VMs, in the API's order.
    pub vms: Vec<VmStatus>,
    /// The items as returned.
    pub raw: Vec<Value>,
}

fn text(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match v.get(*k)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    })
}

fn vm(v: &Value) -> VmStatus {
    VmStatus {
        name: text(v, &["vmName", "instanceId"]),
        vm_size: text(v, &["vmSize"]),
        life_cycle: text(v, &["lifeCycle"]),
        state: text(v, &["powerState", "state"]),
        private_ip: text(v, &["privateIp"]),
    }
}

impl GroupStatus {
    /// v3: `items[0] = {status, vms[..]}`.
    pub fn from_v3_items(items: Vec<Value>) -> Self {
        let first = items.first().cloned().unwrap_or(Value::Null);
        let vms = first
            .get("vms")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(vm).collect())
            .unwrap_or_default();
        Self {
            status: text(&first, &["status"]),
            vms,
            raw: items,
        }
    }

    /// v2: every item is one VM.
    pub fn from_v2_items(items: Vec<Value>) -> Self {
        Self {
            status: None,
            vms: items.iter().map(vm).collect(),
            raw: items,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn group_needs_an_id() {
        assert!(Group::from_item(json!({"name": "x"})).is_none());
        let g = Group::from_item(json!({"id": "sig-1", "name": "x", "createdAt": "t"})).unwrap();
        assert_eq!((g.id.as_str(), g.name.as_str()), ("sig-1", "x"));
        assert_eq!(g.created_at.as_deref(), Some("t"));
    }

    #[test]
    fn status_shapes_of_both_generations() {
        let v3 = GroupStatus::from_v3_items(vec![json!({"status": "ready", "vms": [
            {"vmName": "vm-1", "vmSize": "standard_d2_v2", "lifeCycle": "spot", "powerState": "running", "privateIp": 3232235521u64}
        ]})]);
        assert_eq!(v3.status.as_deref(), Some("ready"));
        assert_eq!(v3.vms[0].name.as_deref(), Some("vm-1"));
        assert_eq!(v3.vms[0].private_ip.as_deref(), Some("3232235521"));

        let v2 = GroupStatus::from_v2_items(vec![
            json!({"instanceId": "i-1", "lifeCycle": "low-priority", "state": "running", "privateIp": "10.0.0.8"}),
            json!({"instanceId": "i-2", "lifeCycle": "regular", "state": "creating"}),
        ]);
        assert_eq!(v2.status, None);
        assert_eq!(v2.vms.len(), 2);
        assert_eq!(v2.vms[1].state.as_deref(), Some("creating"));
    }
}
