//! `status` as one operation: the groups recorded for an output directory, what Spot says of
//! each (status, capacity, VMs), and, through the chosen kubeconfig, whether each VM is a Ready
//! node and which nodes of the source scale set remain. It prints nothing: it returns a
//! [`StatusView`] that the binary renders (a table, or JSON).
//!
//! Health is decided by the `cutover` crate's pure [`cutover::pool_health`]; a group Spot could
//! not be asked about, or nodes that could not be listed, leave it unknown, never healthy.

pub mod drift;
pub mod view;

use std::path::{Path, PathBuf};
use std::time::Duration;

use aks_engine::OutputDir;
use chrono::{DateTime, Utc};
use cutover::{Health, NodeHealth, NodeInfo, PoolHealth};
use group_sync::GroupRecord;
use spot_api::{GroupStatus, SpotClient};

use crate::azure_access::{ArmConnection, AzureAccess};
use crate::kubeconfig::{self, KubeconfigChoiceError};
use crate::recorded::{RecordedError, recorded_state};
use crate::scope;
pub use drift::{Drift, DriftKind, DriftUnchecked};
pub use view::{Capacity, GroupError, GroupView, KubernetesView, NodesError, StatusView, VmView};

/// How long status waits for the cluster to list its nodes by default: a cluster that does
/// not answer must not hang a monitor's check.
pub const DEFAULT_NODES_TIMEOUT: Duration = Duration::from_secs(30);

/// What to check, beyond the output directory.
#[derive(Debug, Clone)]
pub struct StatusOptions {
    /// `--kubeconfig`; `None`: the output directory's.
    pub kubeconfig: Option<PathBuf>,
    /// The resource group of the source scale sets; `None`: the directory's default (its DNS
    /// prefix).
    pub resource_group: Option<String>,
    /// The subscription of the source scale sets; `None`: a placeholder.
    pub subscription_id: Option<String>,
    /// How long a VM may take to become a Ready node.
    pub join_grace: Duration,
    /// How long to wait for the nodes.
    pub nodes_timeout: Duration,
    /// Azure access, to read a cut-over pool's scale set; `None`: not offered (that check is
    /// unknown).
    pub azure: Option<AzureAccess>,
}

impl Default for StatusOptions {
    fn default() -> Self {
        Self {
            kubeconfig: None,
            resource_group: None,
            subscription_id: None,
            join_grace: cutover::DEFAULT_JOIN_GRACE,
            nodes_timeout: DEFAULT_NODES_TIMEOUT,
            azure: None,
        }
    }
}

/// Status could not look at all (what it could not check is in the view instead).
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// No groups to look at.
    #[error(transparent)]
    Recorded(#[from] RecordedError),
    /// `--kubeconfig` names no file.
    #[error(transparent)]
    Kubeconfig(KubeconfigChoiceError),
}

/// The status of the groups recorded in `output_dir`, now.
pub async fn status(
    output_dir: &Path,
    spot: &SpotClient,
    options: &StatusOptions,
) -> Result<StatusView, StatusError> {
    let state = recorded_state(output_dir)?;
    let records = state.records();
    let dir = OutputDir::load(output_dir);
    // The subscription the import recorded when no other is given: the scale sets' full ids.
    let subscription = options
        .subscription_id
        .clone()
        .or_else(|| records.iter().find_map(|r| r.subscription_id.clone()));
    let version = match &dir {
        Ok(d) => d
            .api_model
            .properties
            .orchestrator_profile
            .as_ref()
            .and_then(|o| o.orchestrator_version.clone())
            .ok_or_else(|| "apimodel.json has no orchestratorVersion".to_owned()),
        Err(_) => Err("the output directory cannot be read".to_owned()),
    };
    let scale_sets = match &dir {
        Ok(d) => scale_sets(d, records, options, subscription.as_deref()),
        Err(e) => {
            tracing::info!("{}; source scale sets not shown", crate::error_chain(e));
            None
        }
    };
    // An explicit --kubeconfig that is no file is bad input; a directory without one is a
    // check that cannot be made.
    let kubeconfig = match (options.kubeconfig.as_deref(), dir) {
        (Some(flag), _) => Ok(kubeconfig::given(flag)
            .map_err(StatusError::Kubeconfig)?
            .path),
        (None, Ok(d)) => kubeconfig::choose(None, &d)
            .map(|c| c.path)
            .map_err(NodesError::from),
        (None, Err(e)) => Err(NodesError::NoOutputDirectory(e)),
    };
    let (statuses, (nodes, kubernetes)) = tokio::join!(
        group_sync::status(spot, &state),
        nodes(kubeconfig, options.nodes_timeout)
    );
    let now = Utc::now();
    let cutovers = cutover::CutoverState::load(&cutover::CutoverState::path_in(output_dir))
        .map_err(|e| crate::error_chain(&e));
    let mut arm = Arm {
        connection: options
            .azure
            .clone()
            .zip(subscription.clone())
            .map(|(access, sub)| ArmConnection::new(access, sub)),
        failed: None,
    };
    let mut groups = Vec::with_capacity(records.len());
    for (i, (record, status)) in statuses.into_iter().enumerate() {
        let source = scale_sets.as_ref().and_then(|s| s.get(i));
        let scale_set = source.map(|p| p.scale_set.clone());
        // Source nodes are matched by the scale set's full id (issue 18, H2).
        let scale_set_id = source.map(cutover::CutoverPool::scale_set_id);
        let capacity = match &status {
            Ok(_) => Some(
                spot.get_group(record.generation, &record.group_id)
                    .await
                    .map(|g| Capacity::of(&g.raw))
                    .map_err(|source| GroupError::Group {
                        group_id: record.group_id.clone(),
                        source,
                    }),
            ),
            Err(_) => None,
        };
        let status = status.map_err(|source| GroupError::Status {
            group_id: record.group_id.clone(),
            source,
        });
        let revived = revived(&record, source, &cutovers, &mut arm).await;
        let reads = GroupReads {
            status,
            capacity,
            scale_set,
            scale_set_id,
            revived,
        };
        let checks = Checks {
            nodes: nodes.as_deref(),
            version: version.as_deref().map_err(String::as_str),
            now,
            grace: options.join_grace,
        };
        groups.push(group_view(record, reads, &checks));
    }
    Ok(StatusView {
        state_file: state.path().to_owned(),
        health: Health::overall(groups.iter().map(|g| g.health)),
        join_grace_seconds: options.join_grace.as_secs(),
        kubernetes,
        groups,
    })
}

/// The nodes through `kubeconfig` (or why there are none), and how they were checked.
async fn nodes(
    kubeconfig: Result<PathBuf, NodesError>,
    timeout: Duration,
) -> (Option<Vec<NodeInfo>>, KubernetesView) {
    let unchecked = |kubeconfig: Option<PathBuf>, error: NodesError| {
        let view = KubernetesView {
            kubeconfig,
            nodes_checked: false,
            error: Some(error),
        };
        (None, view)
    };
    let path = match kubeconfig {
        Ok(p) => p,
        Err(e) => return unchecked(None, e),
    };
    let client = match cutover::client_from_kubeconfig(&path).await {
        Ok(c) => c,
        Err(e) => return unchecked(Some(path), e.into()),
    };
    match tokio::time::timeout(timeout, cutover::kube_ops::list_nodes(&client)).await {
        Ok(Ok(nodes)) => {
            let view = KubernetesView {
                kubeconfig: Some(path),
                nodes_checked: true,
                error: None,
            };
            (Some(nodes), view)
        }
        Ok(Err(source)) => {
            let error = NodesError::List {
                kubeconfig: path.clone(),
                source,
            };
            unchecked(Some(path), error)
        }
        Err(_) => {
            let error = NodesError::Timeout {
                kubeconfig: path.clone(),
                seconds: timeout.as_secs(),
            };
            unchecked(Some(path), error)
        }
    }
}

/// Each record's source scale set, evaluated from the directory's template (no network);
/// `None` (with a note at `-v`) when the template cannot say.
fn scale_sets(
    dir: &OutputDir,
    records: &[GroupRecord],
    options: &StatusOptions,
    subscription: Option<&str>,
) -> Option<Vec<cutover::CutoverPool>> {
    let resource_group = match &options.resource_group {
        Some(rg) => rg.clone(),
        None => scope::resource_group(None, None, dir).ok()?,
    };
    let subscription = subscription.unwrap_or(scope::PLACEHOLDER_SUBSCRIPTION);
    match crate::cutover::imported_pools(dir, records, subscription, &resource_group) {
        Ok(pools) => Some(pools),
        Err(e) => {
            tracing::info!("{}; source scale sets not shown", crate::error_chain(&e));
            None
        }
    }
}

/// What Spot and the template said of one group.
struct GroupReads {
    status: Result<GroupStatus, GroupError>,
    /// `None` when not asked (its status failed already).
    capacity: Option<Result<Capacity, GroupError>>,
    scale_set: Option<String>,
    /// Its full ARM id (what source nodes are matched by).
    scale_set_id: Option<String>,
    /// A cut-over pool's scale set above 0 again.
    revived: Revived,
}

/// The check of a cut-over pool's scale set.
#[derive(Debug)]
enum Revived {
    /// The pool is not cut over: nothing to check.
    NotNeeded,
    /// Read through ARM: the drift, if any.
    Checked(Option<Drift>),
    /// Could not be read: why.
    Unknown(String),
}

/// The ARM connection status makes on first need, and why it could not, once.
struct Arm {
    connection: Option<ArmConnection>,
    failed: Option<String>,
}

/// Whether `record`'s pool was cut over (retired in `spot-cutover.json`) and, if so, whether
/// its scale set, read by its full id, is above 0 again.
async fn revived(
    record: &GroupRecord,
    source: Option<&cutover::CutoverPool>,
    cutovers: &Result<cutover::CutoverState, String>,
    arm: &mut Arm,
) -> Revived {
    let cutovers = match cutovers {
        Ok(c) => c,
        Err(e) => return Revived::Unknown(format!("the cutover record cannot be read: {e}")),
    };
    let Some(done) = cutovers
        .pool(&record.pool)
        .filter(|c| c.retired_at.is_some() && c.group_id == record.group_id)
    else {
        return Revived::NotNeeded;
    };
    let Some(pool) = source.filter(|p| done.is_for(p)) else {
        return Revived::Unknown(format!(
            "the cutover retired scale set {}, which the output directory no longer names as this pool's",
            done.scale_set
        ));
    };
    if let Some(why) = &arm.failed {
        return Revived::Unknown(why.clone());
    }
    let Some(connection) = arm.connection.as_mut() else {
        let why = "no Azure credentials or no recorded subscription to read the retired scale set with (AZURE_* as for cutover)".to_owned();
        return Revived::Unknown(why);
    };
    let client = match connection.client().await {
        Ok(c) => c,
        Err(e) => {
            let why = crate::error_chain(&e);
            arm.failed = Some(why.clone());
            return Revived::Unknown(why);
        }
    };
    let id = pool.scale_set_id();
    match client.get_scale_set_by_id(&id).await {
        Ok(found) => Revived::Checked(drift::revived_scale_set(
            &id,
            found.sku.capacity.unwrap_or(0),
        )),
        Err(azure_arm::ArmError::Api(e)) if e.status == 404 => Revived::Checked(None),
        Err(e) => Revived::Unknown(format!(
            "reading scale set {id}: {}",
            crate::error_chain(&e)
        )),
    }
}

/// What every group is checked against.
struct Checks<'a> {
    /// The nodes (`None`: not checked).
    nodes: Option<&'a [NodeInfo]>,
    /// The cluster's Kubernetes version, or why it is not known.
    version: Result<&'a str, &'a str>,
    now: DateTime<Utc>,
    grace: Duration,
}

/// One group's view: Spot's reads joined with the nodes (`None`: not checked).
fn group_view(record: GroupRecord, reads: GroupReads, checks: &Checks<'_>) -> GroupView {
    let (nodes, now, grace) = (checks.nodes, checks.now, checks.grace);
    let mut errors = Vec::new();
    let mut found = Vec::new();
    let mut unchecked = Vec::new();
    match reads.revived {
        Revived::NotNeeded => {}
        Revived::Checked(d) => found.extend(d),
        Revived::Unknown(reason) => unchecked.push(DriftUnchecked {
            kind: DriftKind::ScaleSetRevived,
            reason,
        }),
    }
    let (capacity, capacity_read) = match reads.capacity {
        Some(Ok(c)) => (Some(c), true),
        Some(Err(e)) => {
            errors.push(e);
            (None, false)
        }
        None => (None, false),
    };
    let (status, vms, pool, health) = match reads.status {
        Ok(status) => {
            let group_vms = spot_api::vms_of_status(record.generation, &status);
            let mut pool = cutover::pool_health(
                &record.pool,
                reads.scale_set_id.as_deref().unwrap_or_default(),
                record.generation,
                &group_vms,
                nodes,
                now,
                grace,
            );
            if reads.scale_set.is_none() {
                pool.source_nodes = None;
            }
            let health = if capacity_read {
                pool.health()
            } else {
                // Spot could not be asked everything: at best unknown.
                Health::overall([pool.health(), Health::Unknown])
            };
            match (checks.version, nodes) {
                (Ok(version), Some(nodes)) => {
                    found.extend(drift::kubelet_drift(
                        version,
                        record.generation,
                        &group_vms,
                        nodes,
                    ));
                }
                (Err(why), Some(_)) => unchecked.push(DriftUnchecked {
                    kind: DriftKind::KubeletVersion,
                    reason: why.to_owned(),
                }),
                // The nodes not checked: the health is unknown already, the reason given.
                (_, None) => {}
            }
            found.extend(drift::vms_before_update(
                record.updated_at.as_deref(),
                &group_vms,
            ));
            let vms = vm_views(&status, &pool);
            (status.status, vms, Some(pool), health)
        }
        Err(e) => {
            errors.push(e);
            (None, Vec::new(), None, Health::Unknown)
        }
    };
    // Drift makes the pool unhealthy; a drift check not made leaves it unknown at best.
    let health = Health::overall([
        health,
        if found.is_empty() {
            Health::Healthy
        } else {
            Health::Unhealthy
        },
        if unchecked.is_empty() {
            Health::Healthy
        } else {
            Health::Unknown
        },
    ]);
    GroupView {
        pool: record.pool,
        group_id: record.group_id,
        name: record.name,
        generation: record.generation,
        health,
        status,
        capacity,
        scale_set: reads.scale_set,
        vms,
        source_nodes: pool.and_then(|p| p.source_nodes),
        errors,
        drift: found,
        drift_unchecked: unchecked,
    }
}

/// Spot's VMs (every one, named or not) with their node health.
fn vm_views(status: &GroupStatus, pool: &PoolHealth) -> Vec<VmView> {
    status
        .vms
        .iter()
        .map(|vm| {
            let health = vm
                .name
                .as_deref()
                .and_then(|name| pool.vms.iter().find(|h| h.vm == name));
            VmView {
                vm_name: vm.name.clone(),
                vm_size: vm.vm_size.clone(),
                life_cycle: vm.life_cycle.clone(),
                private_ip: vm.private_ip.clone(),
                power_state: vm.state.clone(),
                node: health.and_then(|h| h.node.clone()),
                node_health: health.map_or(NodeHealth::Unknown, |h| h.health),
                age_seconds: health.and_then(|h| h.age_seconds),
                overdue: health.is_some_and(|h| h.overdue),
                unmatched: health.and_then(|h| h.unmatched.clone()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use elastigroup::ApiGeneration;
    use group_sync::PoolError;
    use serde_json::json;
    use spot_api::SpotError;

    fn record() -> GroupRecord {
        GroupRecord {
            pool: "agentpool1".into(),
            group_id: "sig-1".into(),
            generation: ApiGeneration::V3,
            name: "demo-agentpool1".into(),
            created_at: "t".into(),
            updated_at: None,
            resource_group: None,
            subscription_id: None,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-06T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    /// One VM `vm-0` created long ago, and a nameless one being created.
    fn status() -> GroupStatus {
        GroupStatus::from_v3_items(vec![json!({"status": "ready", "vms": [
            {"vmName": "vm-0", "lifeCycle": "spot", "privateIp": "10.0.0.4",
             "createdAt": "2026-12-06T10:00:00Z"},
            {"powerState": "creating"}
        ]})])
    }

    fn reads(capacity: Option<Result<Capacity, GroupError>>) -> GroupReads {
        GroupReads {
            status: Ok(status()),
            capacity,
            scale_set: Some("vmss".into()),
            scale_set_id: Some(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/vmss"
                    .into(),
            ),
            revived: Revived::NotNeeded,
        }
    }

    fn checks(nodes: Option<&[NodeInfo]>) -> Checks<'_> {
        Checks {
            nodes,
            version: Ok("1.16.4"),
            now: now(),
            grace: GRACE,
        }
    }

    fn capacity() -> Option<Result<Capacity, GroupError>> {
        Some(Ok(Capacity {
            minimum: Some(0),
            target: Some(1),
            maximum: Some(1),
        }))
    }

    fn refused() -> Option<Result<Capacity, GroupError>> {
        Some(Err(GroupError::Group {
            group_id: "sig-1".into(),
            source: SpotError::InvalidBody("no group in the answer".into()),
        }))
    }

    const GRACE: Duration = Duration::from_secs(600);

    #[test]
    fn a_pool_is_healthy_only_when_every_check_was_made_and_passed() {
        let ready = [NodeInfo::new("vm-0", None, true)];
        let g = group_view(record(), reads(capacity()), &checks(Some(&ready)));
        assert_eq!(g.health, Health::Healthy);
        assert_eq!(g.vms.len(), 2, "the nameless VM is shown too");
        assert_eq!(g.vms[0].node_health, NodeHealth::Ready);
        assert_eq!(g.vms[0].private_ip.as_deref(), Some("10.0.0.4"));
        assert_eq!(g.ready_nodes(), 1);
        assert_eq!(g.source_nodes.as_deref(), Some(&[][..]));

        // The nodes not checked: unknown.
        let g = group_view(record(), reads(capacity()), &checks(None));
        assert_eq!(g.health, Health::Unknown);
        assert_eq!(g.source_nodes, None);

        // The group itself could not be read: unknown, the error kept.
        let g = group_view(record(), reads(refused()), &checks(Some(&ready)));
        assert_eq!(g.health, Health::Unknown);
        assert_eq!(g.errors.len(), 1);
        assert_eq!(g.capacity, None);

        // An overdue VM is unhealthy even when something else is unknown.
        let g = group_view(record(), reads(refused()), &checks(Some(&[])));
        assert_eq!(g.health, Health::Unhealthy);
        assert!(g.vms[0].overdue);
    }

    #[test]
    fn drift_is_unhealthy_and_a_drift_check_not_made_is_unknown() {
        let mut ready = NodeInfo::new("vm-0", None, true);
        ready.kubelet_version = Some("v1.16.4".into());
        let with = |revived| GroupReads {
            revived,
            ..reads(capacity())
        };
        let nodes = [ready.clone()];
        let g = group_view(record(), with(Revived::NotNeeded), &checks(Some(&nodes)));
        assert_eq!(g.health, Health::Healthy);

        let revived = drift::revived_scale_set("/id", 1);
        let g = group_view(
            record(),
            with(Revived::Checked(revived)),
            &checks(Some(&nodes)),
        );
        assert_eq!(g.health, Health::Unhealthy);
        assert_eq!(g.drift[0].kind, DriftKind::ScaleSetRevived);

        let unknown = Revived::Unknown("no Azure credentials".into());
        let g = group_view(record(), with(unknown), &checks(Some(&nodes)));
        assert_eq!(g.health, Health::Unknown);
        assert_eq!(g.drift_unchecked[0].reason, "no Azure credentials");

        // Another kubelet: unhealthy; the version unknown: unknown.
        ready.kubelet_version = Some("v1.15.0".into());
        let nodes = [ready];
        let g = group_view(record(), with(Revived::NotNeeded), &checks(Some(&nodes)));
        assert_eq!(g.health, Health::Unhealthy);
        assert_eq!(g.drift[0].kind, DriftKind::KubeletVersion);
        let mut c = checks(Some(&nodes));
        c.version = Err("apimodel.json has no orchestratorVersion");
        let g = group_view(record(), with(Revived::NotNeeded), &c);
        assert_eq!(g.health, Health::Unknown);
        assert_eq!(g.drift_unchecked[0].kind, DriftKind::KubeletVersion);

        // VMs started before the record's last update.
        let mut updated = record();
        updated.updated_at = Some("2026-12-06T11:00:00Z".into());
        let fine = [NodeInfo::new("vm-0", None, true)];
        let g = group_view(updated, with(Revived::NotNeeded), &checks(Some(&fine)));
        assert_eq!(g.health, Health::Unhealthy);
        assert!(g.drift.iter().any(|d| d.kind == DriftKind::VmBeforeUpdate));
    }

    #[test]
    fn a_group_whose_status_failed_is_unknown_with_its_error() {
        let reads = GroupReads {
            status: Err(GroupError::Status {
                group_id: "sig-1".into(),
                source: PoolError::Task("task 7 panicked".into()),
            }),
            capacity: None,
            scale_set: None,
            scale_set_id: None,
            revived: Revived::NotNeeded,
        };
        let g = group_view(record(), reads, &checks(Some(&[])));
        assert_eq!(g.health, Health::Unknown);
        assert!(g.vms.is_empty());
        let json = serde_json::to_value(&g).unwrap();
        assert_eq!(json["health"], "unknown");
        assert_eq!(
            json["errors"][0],
            "status of Spot Elastigroup sig-1: the task of this pool failed: task 7 panicked"
        );
    }
}
