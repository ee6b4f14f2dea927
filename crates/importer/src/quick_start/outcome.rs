//! The result of a finished quick start, as printed (text summary or `--output json`).

use std::path::PathBuf;

use serde::Serialize;

/// How a pool's group came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum GroupOrigin {
    /// Created by this run.
    Created,
    /// Created by an earlier run of this quick start (recorded in the state file).
    Recorded,
    /// A group of the same name already existed in Spot and was adopted.
    Adopted,
}

/// One pool's group.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupSummary {
    /// The agent pool.
    pub pool: String,
    /// The group's name.
    pub name: String,
    /// The group's Spot id (`sig-...`).
    pub group_id: String,
    /// Whether this run created it.
    pub origin: GroupOrigin,
    /// The aks-engine scale set the group copies.
    pub scale_set: String,
    /// The VM sizes the group was given, and from which catalog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sizes: Option<crate::sizes::PoolSizes>,
}

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
pub struct Outcome {
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
    /// One per imported pool.
    pub groups: Vec<GroupSummary>,
    /// The identifier the controller reports: the group's (v2 integration), else the DNS prefix.
    pub cluster_identifier: String,
    /// What happened to the Spot controller.
    pub controller: ControllerState,
    /// What happened to the node agent.
    pub node_agent: NodeAgentState,
    /// What happened to aks-engine's scale sets.
    pub source_scale_sets: SourceState,
}
