//! What `status` returns: per recorded group, Spot's view (status, capacity, VMs) joined with
//! Kubernetes' (each VM's node, the source scale set's nodes left) and a health that is unknown,
//! never healthy, where a check could not be made. Serializable as `status --output json`.

use std::path::PathBuf;

use cutover::{Health, KubeError, KubeconfigError, NodeHealth, SourceNode};
use elastigroup::ApiGeneration;
use group_sync::PoolError;
use serde::{Serialize, Serializer};
use spot_api::SpotError;

use crate::kubeconfig::KubeconfigChoiceError;
use crate::status::drift::{Drift, DriftUnchecked};

/// The status of an output directory's groups.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusView {
    /// The state file the groups are recorded in.
    pub state_file: PathBuf,
    /// Every pool's health together: unhealthy when one is, else unknown when one is.
    pub health: Health,
    /// `--join-grace`, in seconds.
    pub join_grace_seconds: u64,
    /// How the nodes were checked, or why not.
    pub kubernetes: KubernetesView,
    /// One per recorded group, in the state file's order.
    pub groups: Vec<GroupView>,
}

impl StatusView {
    /// The VMs older than the grace period that are not Ready nodes, with their pools.
    pub fn overdue(&self) -> impl Iterator<Item = (&GroupView, &VmView)> {
        self.groups
            .iter()
            .flat_map(|g| g.vms.iter().filter(|v| v.overdue).map(move |v| (g, v)))
    }
}

/// Kubernetes' side of the status.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KubernetesView {
    /// The kubeconfig used (or tried).
    pub kubeconfig: Option<PathBuf>,
    /// Whether the nodes were listed.
    pub nodes_checked: bool,
    /// Why they were not.
    pub error: Option<NodesError>,
}

/// One recorded group.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupView {
    /// The agent pool.
    pub pool: String,
    /// The Spot Elastigroup's id.
    pub group_id: String,
    /// Its name.
    pub name: String,
    /// Its API generation.
    pub generation: ApiGeneration,
    /// Healthy, unhealthy, or unknown (a check could not be made: see `errors` and
    /// `kubernetes.error`).
    pub health: Health,
    /// Spot's group status (v3 `ready`, ...; v2 has none).
    pub status: Option<String>,
    /// The group's capacity, when Spot could be asked.
    pub capacity: Option<Capacity>,
    /// The source scale set, when the output directory could say which it is.
    pub scale_set: Option<String>,
    /// The group's VMs as Spot lists them, each with its node.
    pub vms: Vec<VmView>,
    /// The source scale set's nodes still registered; `None` when not checked.
    pub source_nodes: Option<Vec<SourceNode>>,
    /// The reads of this group that failed.
    pub errors: Vec<GroupError>,
    /// How the pool has drifted from what the tool made of it (each makes it unhealthy).
    pub drift: Vec<Drift>,
    /// Drift checks that could not be made (each leaves the health unknown at best).
    pub drift_unchecked: Vec<DriftUnchecked>,
}

impl GroupView {
    /// How many of its VMs are Ready nodes.
    pub fn ready_nodes(&self) -> usize {
        self.vms
            .iter()
            .filter(|v| v.node_health == NodeHealth::Ready)
            .count()
    }

    /// Its VMs whose node cannot be told.
    pub fn unmatched(&self) -> impl Iterator<Item = &VmView> {
        self.vms.iter().filter(|v| v.unmatched.is_some())
    }
}

/// A group's capacity as Spot holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capacity {
    /// `capacity.minimum`.
    pub minimum: Option<u64>,
    /// `capacity.target`.
    pub target: Option<u64>,
    /// `capacity.maximum`.
    pub maximum: Option<u64>,
}

impl Capacity {
    /// From a group as the API returns it.
    pub fn of(group: &serde_json::Value) -> Self {
        let n = |k: &str| {
            group
                .pointer(&format!("/capacity/{k}"))
                .and_then(serde_json::Value::as_u64)
        };
        Capacity {
            minimum: n("minimum"),
            target: n("target"),
            maximum: n("maximum"),
        }
    }
}

/// One VM: Spot's fields, then its node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VmView {
    /// `vmName` (v3) or `instanceId` (v2).
    pub vm_name: Option<String>,
    /// `vmSize`.
    pub vm_size: Option<String>,
    /// `spot` / `od` / `low-priority` / `regular`.
    pub life_cycle: Option<String>,
    /// `privateIp`.
    pub private_ip: Option<String>,
    /// `powerState` (v3) or `state` (v2).
    pub power_state: Option<String>,
    /// The node this VM is, if any.
    pub node: Option<String>,
    /// Ready, NotReady, not a node, or unknown (the nodes not checked, or `unmatched`).
    pub node_health: NodeHealth,
    /// Age in whole seconds, when Spot gave a creation time.
    pub age_seconds: Option<u64>,
    /// Not a Ready node although older than the grace period.
    pub overdue: bool,
    /// Why its node cannot be told although the nodes were checked (v2: no private IP, or one
    /// several Nodes list): the pool's health is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unmatched: Option<String>,
}

/// Why the nodes could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum NodesError {
    /// No kubeconfig to use.
    #[error(transparent)]
    NoKubeconfig(#[from] KubeconfigChoiceError),
    /// The output directory cannot be read, so its kubeconfig is not known.
    #[error("no --kubeconfig, and the output directory cannot be read")]
    NoOutputDirectory(#[source] aks_engine::LoadError),
    /// No client can be made from the kubeconfig.
    #[error(transparent)]
    Client(#[from] KubeconfigError),
    /// The API server refused or could not be reached.
    #[error("kubeconfig {}", kubeconfig.display())]
    List {
        /// The kubeconfig used.
        kubeconfig: PathBuf,
        /// The server's answer or the connection's failure.
        #[source]
        source: KubeError,
    },
    /// The API server did not answer in time.
    #[error("kubeconfig {}: listing the nodes: no answer within {seconds}s", kubeconfig.display())]
    Timeout {
        /// The kubeconfig used.
        kubeconfig: PathBuf,
        /// How long status waited.
        seconds: u64,
    },
}

/// A read of one group that failed.
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    /// Its status (the VMs) could not be read.
    #[error("status of Spot Elastigroup {group_id}")]
    Status {
        /// The group.
        group_id: String,
        /// Spot's answer, or the task's failure.
        #[source]
        source: PoolError,
    },
    /// The group itself (its capacity) could not be read.
    #[error("reading Spot Elastigroup {group_id}")]
    Group {
        /// The group.
        group_id: String,
        /// Spot's answer.
        #[source]
        source: SpotError,
    },
}

/// An error in JSON: its message with its causes, as the binary prints it.
fn as_chain<S: Serializer>(err: &dyn std::error::Error, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::error_chain(err))
}

impl Serialize for NodesError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        as_chain(self, s)
    }
}

impl Serialize for GroupError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        as_chain(self, s)
    }
}
