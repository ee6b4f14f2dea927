//! `node-agent gc`: one per cluster. Every interval it judges each Node
//! ([`crate::decide::garbage`]); for a candidate it GETs the VM from ARM and deletes the Node
//! only when ARM answers `404 ResourceNotFound`, recording an Event. Any other answer leaves
//! the Node and is logged.

use std::time::Duration;

use azure_arm::{ArmClient, ArmError, Method};
use chrono::Utc;
use cutover::KubeError;
use kube::Client;
use tracing::{debug, info, warn};

use crate::decide::garbage::{GcScope, KeepReason, NodeView, Verdict, arm_says_gone, judge};
use crate::kube_ops::{self, NodeEvent};
use crate::metrics::Metrics;

/// The Event reason recorded when a Node is deleted.
pub const VM_GONE_REASON: &str = "SpotVMGone";

/// The `Microsoft.Compute/virtualMachines` API version of the GET.
pub const VIRTUAL_MACHINES_API_VERSION: &str = "2019-07-01";

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Nodes deleted (their VM is gone).
    pub deleted: Vec<String>,
    /// Candidates whose VM still exists.
    pub vm_present: Vec<String>,
    /// Candidates ARM gave no clear answer for (throttling, errors, auth): left.
    pub arm_failed: Vec<String>,
    /// Nodes not candidates, and why.
    pub kept: Vec<(String, KeepReason)>,
}

/// One pass over the Nodes. Fails only when the Nodes cannot be listed.
pub async fn gc_pass(
    kube: &Client,
    arm: &ArmClient,
    scope: &GcScope,
    metrics: &Metrics,
) -> Result<GcReport, KubeError> {
    let nodes = kube_ops::list_node_views(kube).await.inspect_err(|_| {
        metrics.api_error("kubernetes");
    })?;
    let now = Utc::now();
    let mut report = GcReport::default();
    for node in nodes {
        match judge(&node, scope, now) {
            Verdict::Keep(reason) => {
                debug!("node {}: kept ({reason})", node.name);
                report.kept.push((node.name, reason));
            }
            Verdict::AskArm { vm_name } => {
                look_at(kube, arm, scope, metrics, &node, &vm_name, &mut report).await;
            }
        }
    }
    Ok(report)
}

async fn look_at(
    kube: &Client,
    arm: &ArmClient,
    scope: &GcScope,
    metrics: &Metrics,
    node: &NodeView,
    vm_name: &str,
    report: &mut GcReport,
) {
    let name = node.name.clone();
    let answer = match arm.url_for_segments(
        &[
            "subscriptions",
            &scope.subscription_id,
            "resourceGroups",
            &scope.resource_group,
            "providers",
            "Microsoft.Compute",
            "virtualMachines",
            vm_name,
        ],
        VIRTUAL_MACHINES_API_VERSION,
    ) {
        Ok(url) => arm.send(Method::GET, url, None).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match answer {
        Ok(()) => {
            info!("node {name} is not Ready but VM {vm_name} still exists: left");
            report.vm_present.push(name);
        }
        Err(ArmError::Api(r)) if arm_says_gone(r.status, &r.error.code) => {
            match kube_ops::delete_node_if(kube, &name, node.uid.as_deref()).await {
                // Gone already (deleted by someone else meanwhile): nothing to record.
                Ok(false) => {}
                Ok(true) => {
                    metrics.node_deleted();
                    warn!(
                        "deleted node {name}: VM {vm_name} no longer exists in resource group {} (ARM: 404 ResourceNotFound)",
                        scope.resource_group
                    );
                    let event = NodeEvent {
                        node: name.clone(),
                        node_uid: node.uid.clone(),
                        type_: "Normal",
                        reason: VM_GONE_REASON,
                        message: format!(
                            "VM {vm_name} no longer exists in resource group {} (ARM answered 404 ResourceNotFound); deleted the Node",
                            scope.resource_group
                        ),
                    };
                    if let Err(e) = kube_ops::record_event(kube, &event).await {
                        metrics.api_error("kubernetes");
                        warn!("{e}");
                    }
                    report.deleted.push(name);
                }
                Err(e) => {
                    metrics.api_error("kubernetes");
                    warn!("{e}");
                }
            }
        }
        Err(e) => {
            metrics.api_error("arm");
            warn!("node {name}: looking up VM {vm_name} gave no proof it is gone, left: {e}");
            report.arm_failed.push(name);
        }
    }
}

/// Runs passes every `interval` until the task is dropped (errors logged and counted); with
/// `once`, one pass whose result is returned.
pub async fn run_gc(
    kube: &Client,
    arm: &ArmClient,
    scope: &GcScope,
    interval: Duration,
    once: bool,
    metrics: &Metrics,
) -> Result<GcReport, KubeError> {
    info!(
        "collecting the Nodes of gone VMs in {}/{} with prefixes {} (not Ready for over {:?})",
        scope.subscription_id,
        scope.resource_group,
        scope.name_prefixes.join(", "),
        scope.grace
    );
    loop {
        let pass = gc_pass(kube, arm, scope, metrics).await;
        if once {
            return pass;
        }
        if let Err(e) = pass {
            warn!("{e}");
        }
        tokio::time::sleep(interval).await;
    }
}
