//! The result of a finished quick start, as printed (text summary or `--output json`).

use std::path::PathBuf;

use serde::Serialize;

use crate::summary::GroupResult;

/// What happened to the controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ControllerState {
    /// Applied and rolled out.
    RolledOut,
    /// Applied; the rollout was not waited for (`--controller-timeout 0`).
    Applied,
    /// Applied by an earlier run.
    AppliedEarlier,
    /// `--skip-controller`.
    Skipped,
}

/// What happened to the node agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NodeAgentState {
    /// Applied and rolled out.
    RolledOut,
    /// Applied; the rollout was not waited for.
    Applied,
    /// Applied by an earlier run.
    AppliedEarlier,
    /// `--skip-node-agent`.
    Skipped,
    /// Not installed: no image was given (`--node-agent-image`).
    NoImage,
    /// Not installed: no group has a VM name prefix (v2 groups).
    NoPrefixes,
}

/// What happened to the scale sets aks-engine created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SourceState {
    /// Drained and scaled to zero by this run's cutover.
    ScaledToZero,
    /// Scaled to zero by an earlier run.
    ScaledEarlier,
    /// Left running (no `--scale-source-to-zero`).
    Untouched,
}

/// The result of a finished quick start.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuickStartReport {
    /// The cluster's DNS prefix (its name).
    pub dns_prefix: String,
    /// The cluster's resource group.
    pub resource_group: String,
    /// The cluster's Azure region.
    pub location: String,
    /// aks-engine's output directory.
    pub output_directory: PathBuf,
    /// aks-engine's kubeconfig for the cluster's location.
    pub kubeconfig: PathBuf,
    /// aks-engine ran in this run (not skipped as recorded).
    pub cluster_deployed_now: bool,
    /// One per imported pool, as `import` reports it.
    pub groups: Vec<GroupResult>,
    /// The identifier the controller reports: the group's (v2 integration), else the DNS prefix.
    pub cluster_identifier: String,
    /// What happened to the Spot controller.
    pub controller: ControllerState,
    /// What happened to the node agent.
    pub node_agent: NodeAgentState,
    /// What happened to aks-engine's scale sets.
    pub source_scale_sets: SourceState,
}
