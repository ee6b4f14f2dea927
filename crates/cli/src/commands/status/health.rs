//! `status`'s health view: each group's capacity, and with a kubeconfig whether each VM is a
//! Ready node (the `cutover` crate's decision) and which nodes of the source scale set remain.
//! Without a kubeconfig, or when the directory's own one cannot reach the cluster, status says
//! so on stderr and shows Spot's view; a `--kubeconfig` given explicitly must work.

use std::path::PathBuf;
use std::time::Duration;

use aks_engine::OutputDir;
use anyhow::{Context, Result};
use cutover::{NodeHealth, NodeInfo, PoolHealth};
use group_sync::GroupRecord;
use importer::quick_start::duration::format_elapsed;
use serde_json::{Value, json};
use spot_api::{GroupStatus, SpotClient, SpotError};

use crate::cli::StatusArgs;

/// A group's capacity as Spot holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity {
    pub minimum: Option<u64>,
    pub target: Option<u64>,
    pub maximum: Option<u64>,
}

impl Capacity {
    fn of(group: &Value) -> Self {
        let n = |k: &str| {
            group
                .pointer(&format!("/capacity/{k}"))
                .and_then(Value::as_u64)
        };
        Capacity {
            minimum: n("minimum"),
            target: n("target"),
            maximum: n("maximum"),
        }
    }

    fn json(&self) -> Value {
        json!({"minimum": self.minimum, "target": self.target, "maximum": self.maximum})
    }
}

/// One pool's view: its capacity and its VMs' health.
#[derive(Debug, Clone)]
pub struct PoolView {
    pub capacity: Option<Capacity>,
    pub health: PoolHealth,
    /// The source scale set, when the output directory could say which it is.
    pub scale_set: Option<String>,
}

/// What status knows beyond Spot's VM list.
#[derive(Debug, Default)]
pub struct Health {
    /// The kubeconfig used (or tried).
    pub kubeconfig: Option<PathBuf>,
    /// Why the nodes are not shown, when they are not.
    pub note: Option<String>,
    /// Per result, in the same order; `None` where Spot's status failed.
    pub pools: Vec<Option<PoolView>>,
}

impl Health {
    /// Whether Kubernetes' nodes were seen (the join is shown).
    pub fn nodes_seen(&self) -> bool {
        self.note.is_none() && self.kubeconfig.is_some()
    }

    /// No VM is overdue.
    pub fn healthy(&self) -> bool {
        self.pools.iter().flatten().all(|p| p.health.healthy())
    }

    /// The `kubernetes` object of `--output json`.
    pub fn kubernetes_json(&self) -> Value {
        json!({
            "kubeconfig": self.kubeconfig,
            "nodesChecked": self.nodes_seen(),
            "note": self.note,
        })
    }

    /// One line per VM older than the grace that is not a Ready node.
    pub fn overdue_lines(&self, grace: Duration) -> Vec<String> {
        let mut out = Vec::new();
        for p in self.pools.iter().flatten() {
            for vm in p.health.vms.iter().filter(|v| v.overdue) {
                let age = vm
                    .age_seconds
                    .map(|a| format!("{} old", format_elapsed(Duration::from_secs(a))))
                    .unwrap_or_else(|| "of unknown age".into());
                out.push(format!(
                    "agent pool `{}`: VM {} is {} ({age}, --join-grace {})",
                    p.health.pool,
                    vm.vm,
                    describe(vm.health),
                    format_elapsed(grace)
                ));
            }
        }
        out
    }
}

fn describe(h: NodeHealth) -> &'static str {
    match h {
        NodeHealth::Ready => "a Ready node",
        NodeHealth::NotReady => "a NotReady node",
        NodeHealth::NotANode => "not a node",
        NodeHealth::Unknown => "not checked",
    }
}

impl PoolView {
    /// `; capacity target 2 (min 0, max 3), 2 Ready node(s)` after the group's header line.
    pub fn header_suffix(&self) -> String {
        let show = |v: Option<u64>| v.map_or_else(|| "-".to_owned(), |n| n.to_string());
        let ready = self
            .health
            .vms
            .iter()
            .filter(|v| v.health == NodeHealth::Ready)
            .count();
        let capacity = match self.capacity {
            Some(c) => format!(
                "; capacity target {} (min {}, max {})",
                show(c.target),
                show(c.minimum),
                show(c.maximum)
            ),
            None => String::new(),
        };
        format!("{capacity}; {ready} Ready node(s)")
    }

    /// The NODE and AGE cells of a VM.
    pub fn vm_cells(&self, vm: Option<&str>) -> [String; 2] {
        let Some(h) = vm.and_then(|name| self.health.vms.iter().find(|v| v.vm == name)) else {
            return ["-".into(), "-".into()];
        };
        let mut node = match h.health {
            NodeHealth::Ready => "Ready".to_owned(),
            NodeHealth::NotReady => "NotReady".to_owned(),
            NodeHealth::NotANode => "not a node".to_owned(),
            NodeHealth::Unknown => "-".to_owned(),
        };
        if let Some(n) = h.node.as_deref().filter(|n| !n.eq_ignore_ascii_case(&h.vm)) {
            node.push_str(&format!(" ({n})"));
        }
        if h.overdue {
            node.push_str(" (overdue)");
        }
        let age = h
            .age_seconds
            .map_or_else(|| "-".into(), |a| format_elapsed(Duration::from_secs(a)));
        [node, age]
    }

    /// What remains of the source scale set in Kubernetes.
    pub fn source_line(&self) -> Option<String> {
        let scale_set = self.scale_set.as_deref()?;
        let nodes = self.health.source_nodes.as_ref()?;
        if nodes.is_empty() {
            return Some(format!("source scale set {scale_set}: no nodes left"));
        }
        let list: Vec<String> = nodes
            .iter()
            .map(|n| {
                let mut s = n.name.clone();
                match (n.cordoned, n.ready) {
                    (true, true) => s.push_str(" (cordoned)"),
                    (true, false) => s.push_str(" (cordoned, NotReady)"),
                    (false, false) => s.push_str(" (NotReady)"),
                    (false, true) => {}
                }
                s
            })
            .collect();
        Some(format!(
            "source scale set {scale_set}: {} node(s) left: {}",
            nodes.len(),
            list.join(", ")
        ))
    }
}

/// `capacity` and `health` added to a group of `--output json`.
pub fn group_json(mut v: Value, view: &Option<PoolView>) -> Value {
    if let Some(p) = view {
        v["capacity"] = p.capacity.map_or(Value::Null, |c| c.json());
        v["scaleSet"] = json!(p.scale_set);
        v["health"] = serde_json::to_value(&p.health).unwrap_or(Value::Null);
    }
    v
}

/// The kubeconfig to use: `--kubeconfig` (explicit), else the directory's (implicit).
fn kubeconfig(args: &StatusArgs, dir: Option<&OutputDir>) -> Option<(PathBuf, bool)> {
    match &args.kubeconfig {
        Some(k) => Some((k.clone(), true)),
        None => dir
            .and_then(importer::cutover::default_kubeconfig)
            .map(|k| (k, false)),
    }
}

/// How long status waits for the cluster to list its nodes: a cluster that does not answer
/// must not hang a monitor's check.
const NODES_TIMEOUT: Duration = Duration::from_secs(30);

/// The nodes through `path`.
async fn nodes(path: &std::path::Path) -> Result<Vec<NodeInfo>> {
    let client = cutover::client_from_kubeconfig(path).await?;
    match tokio::time::timeout(NODES_TIMEOUT, cutover::kube_ops::list_nodes(&client)).await {
        Ok(nodes) => Ok(nodes?),
        Err(_) => anyhow::bail!(
            "listing the nodes: no answer within {}",
            format_elapsed(NODES_TIMEOUT)
        ),
    }
}

/// Reads capacities and nodes and decides each VM's health.
pub async fn look(
    args: &StatusArgs,
    spot: &SpotClient,
    results: &[(GroupRecord, Result<GroupStatus, SpotError>)],
) -> Result<Health> {
    let out = &args.state.output_directory;
    let dir = OutputDir::load(out)
        .map_err(|e| {
            tracing::info!(
                "{}: {}; source scale sets not shown",
                out.display(),
                importer::summary::error_chain(&e)
            )
        })
        .ok();
    let mut health = Health::default();
    let mut nodes_seen = None;
    match kubeconfig(args, dir.as_ref()) {
        None => {
            health.note = Some(format!(
                "no kubeconfig in {} (pass --kubeconfig): Spot's view only, whether the VMs are Ready nodes is not checked",
                out.display()
            ));
        }
        Some((path, explicit)) => {
            match nodes(&path).await {
                Ok(n) => nodes_seen = Some(n),
                Err(e) if explicit => {
                    return Err(e).with_context(|| format!("--kubeconfig {}", path.display()));
                }
                Err(e) => {
                    health.note = Some(format!(
                        "kubeconfig {}: {}; Spot's view only, whether the VMs are Ready nodes is not checked",
                        path.display(),
                        importer::summary::error_chain(e.as_ref())
                    ));
                }
            }
            health.kubeconfig = Some(path);
        }
    }
    if let Some(note) = &health.note {
        eprintln!("note: {note}");
    }
    // The scale sets: evaluated from the directory's template (no network).
    let pools = dir.as_ref().and_then(|d| {
        let records: Vec<GroupRecord> = results.iter().map(|(r, _)| r.clone()).collect();
        let rg =
            importer::scope::resource_group(None, std::env::var("AZURE_RESOURCE_GROUP").ok(), d)
                .ok()?;
        importer::cutover::imported_pools(
            d,
            &records,
            importer::scope::PLACEHOLDER_SUBSCRIPTION,
            &rg,
        )
        .map_err(|e| {
            tracing::info!(
                "{}; source scale sets not shown",
                importer::summary::error_chain(&e)
            )
        })
        .ok()
    });
    let now = chrono::Utc::now();
    for (i, (record, status)) in results.iter().enumerate() {
        let Ok(status) = status else {
            health.pools.push(None);
            continue;
        };
        let capacity = match spot.get_group(record.generation, &record.group_id).await {
            Ok(g) => Some(Capacity::of(&g.raw)),
            Err(e) => {
                tracing::warn!(
                    "agent pool `{}`: reading Spot Elastigroup {}: {}",
                    record.pool,
                    record.group_id,
                    importer::summary::error_chain(&e)
                );
                None
            }
        };
        let pool = pools.as_ref().and_then(|p| p.get(i));
        let scale_set = pool.map(|p| p.scale_set.clone());
        // Source nodes are matched by the scale set's full id (issue 18, H2).
        let scale_set_id = pool.map(cutover::CutoverPool::scale_set_id);
        let vms = spot_api::vms_of_status(record.generation, status);
        let mut pool_health = cutover::decide::health::pool_health(
            &record.pool,
            scale_set_id.as_deref().unwrap_or_default(),
            &vms,
            nodes_seen.as_deref(),
            now,
            args.join_grace,
        );
        if scale_set.is_none() {
            pool_health.source_nodes = None;
        }
        health.pools.push(Some(PoolView {
            capacity,
            health: pool_health,
            scale_set,
        }));
    }
    Ok(health)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cutover::{SourceNode, VmHealth};

    fn view() -> PoolView {
        PoolView {
            capacity: Some(Capacity {
                minimum: Some(0),
                target: Some(2),
                maximum: Some(3),
            }),
            health: PoolHealth {
                pool: "agentpool1".into(),
                vms: vec![
                    VmHealth {
                        vm: "vm-0".into(),
                        vm_size: None,
                        life_cycle: None,
                        power_state: None,
                        node: Some("vm-0".into()),
                        health: NodeHealth::Ready,
                        age_seconds: Some(125),
                        overdue: false,
                    },
                    VmHealth {
                        vm: "vm-1".into(),
                        vm_size: None,
                        life_cycle: None,
                        power_state: None,
                        node: None,
                        health: NodeHealth::NotANode,
                        age_seconds: Some(3600),
                        overdue: true,
                    },
                ],
                source_nodes: Some(vec![
                    SourceNode {
                        name: "n0".into(),
                        cordoned: true,
                        ready: true,
                    },
                    SourceNode {
                        name: "n1".into(),
                        cordoned: false,
                        ready: true,
                    },
                ]),
            },
            scale_set: Some("vmss".into()),
        }
    }

    #[test]
    fn pool_view_renders_capacity_nodes_ages_and_the_source() {
        let v = view();
        assert_eq!(
            v.header_suffix(),
            "; capacity target 2 (min 0, max 3); 1 Ready node(s)"
        );
        assert_eq!(v.vm_cells(Some("vm-0")), ["Ready", "2m05s"]);
        assert_eq!(v.vm_cells(Some("vm-1")), ["not a node (overdue)", "1h00m"]);
        assert_eq!(v.vm_cells(None), ["-", "-"]);
        assert_eq!(
            v.source_line().unwrap(),
            "source scale set vmss: 2 node(s) left: n0 (cordoned), n1"
        );
        let health = Health {
            kubeconfig: Some("k".into()),
            note: None,
            pools: vec![Some(v), None],
        };
        assert!(!health.healthy());
        assert_eq!(
            health.overdue_lines(Duration::from_secs(600)),
            ["agent pool `agentpool1`: VM vm-1 is not a node (1h00m old, --join-grace 10m00s)"]
        );
    }
}
