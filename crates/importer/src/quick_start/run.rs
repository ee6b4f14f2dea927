//! The quick start's steps in order: deploy the cluster with aks-engine, import its pools into
//! Spot, install the Spot controller, optionally cut over (drain the source scale set's nodes once
//! the Spot nodes are Ready, then scale it to zero).
//!
//! Everything that can be checked is checked in [`super::prepare()`], before anything starts.
//! Each finished step is recorded (see [`super::steps`]), so a re-run after a failure continues
//! at the failed step: a recorded deployment is never repeated and group-sync's state file
//! prevents a second group.

use aks_engine::OutputDir;
use std::path::Path;

use group_sync::CancellationToken;

use super::QuickStartError;
use super::cut_over::cut_over;
use super::deploy_cluster::{LeftDeployment, deploy_cluster, left_deployment};
use super::import_pools::{cluster_identifier, import_groups};
use super::install_controller::{install_controller, kubeconfig_path};
use super::outcome::{ControllerState, NodeAgentState, QuickStartReport, SourceState};
use super::prepare::Prepared;
use super::progress::{Progress, ProgressEvent};
use super::steps::StepsFile;
use crate::azure_access::{ArmConnection, AzureAccess};

/// Stops before the next step once `cancel` fired (Ctrl-C): what is done stays recorded.
fn check_interrupted(
    cancel: &CancellationToken,
    out: &Path,
    next: &str,
) -> Result<(), QuickStartError> {
    if cancel.is_cancelled() {
        return Err(QuickStartError::InterruptedBefore {
            next: next.to_owned(),
            out: out.to_owned(),
        });
    }
    Ok(())
}

/// Runs the steps, reporting each to `progress`. Needs a multi-thread runtime (the import pipeline
/// resolves deploy-time values with `block_in_place`). Once `cancel` fires, the import starts
/// no new group create (those in flight finish and are recorded) and no further step starts.
pub async fn run(
    prepared: Prepared,
    progress: &mut dyn Progress,
    cancel: &CancellationToken,
) -> Result<QuickStartReport, QuickStartError> {
    progress.report(&ProgressEvent::Steps(prepared.step_count()));
    let Prepared {
        opts,
        subscription_id,
        sets,
        deploy,
        recorded,
        lock: _quick_start_lock,
    } = prepared;
    let inputs = &opts.inputs;
    let out = opts.output_dir.clone();
    let mut arm = ArmConnection::new(
        AzureAccess {
            arm_url: opts.arm_url.clone(),
            tenant_id: inputs.tenant_id.clone(),
            client_id: Some(inputs.client_id.clone()),
            client_secret: Some(inputs.client_secret.clone()),
            use_msi: false,
        },
        subscription_id.clone(),
    );

    // Step 1: the cluster.
    let cluster_title = "Deploying the cluster with aks-engine";
    let deployed_now = match deploy {
        None => {
            progress.skip(cluster_title, "deployed by an earlier run");
            false
        }
        Some(plan) if plan.resumes => {
            match left_deployment(&mut arm, &inputs.resource_group).await? {
                LeftDeployment::Succeeded(name) => {
                    progress.skip(
                        cluster_title,
                        &format!("the interrupted deployment {name} finished in Azure"),
                    );
                    false
                }
                LeftDeployment::None => {
                    deploy_cluster(&opts, &plan, progress, cluster_title).await?;
                    true
                }
            }
        }
        Some(plan) => {
            deploy_cluster(&opts, &plan, progress, cluster_title).await?;
            true
        }
    };
    let mut steps = StepsFile::load(&out)?;
    if steps.steps.cluster_deployed.is_none() {
        steps.finish(|s| &mut s.cluster_deployed)?;
    }
    // The directory exists now: its groups' lock, held to the end like `import`'s.
    let state_lock = crate::lock::lock_output_dir(&out)?;

    // Step 2: the groups.
    check_interrupted(cancel, &out, "importing the pools")?;
    progress.start("Importing the agent pools into Spot");
    let dir = OutputDir::load(&out)?;
    if let Some(p) = dir
        .api_model
        .dns_prefix()
        .filter(|p| *p != inputs.dns_prefix)
    {
        return Err(QuickStartError::OtherCluster {
            out,
            found: p.to_owned(),
            expected: inputs.dns_prefix.clone(),
        });
    }
    let kubeconfig = kubeconfig_path(&dir);
    let (planned, groups) = import_groups(
        &dir,
        &opts,
        &subscription_id,
        sets,
        &mut arm,
        &state_lock,
        progress,
        cancel,
    )
    .await?;
    if steps.steps.groups_imported.is_none() {
        steps.finish(|s| &mut s.groups_imported)?;
    }
    progress.finish(&match groups.len() {
        1 => format!(
            "Elastigroup {}",
            groups[0].group_id.as_deref().unwrap_or_default()
        ),
        n => format!("{n} Elastigroups"),
    });
    let cluster_identifier = cluster_identifier(&planned, &inputs.dns_prefix);

    // Step 3: the controller.
    check_interrupted(cancel, &out, "installing the Spot controller")?;
    let controller_title = "Installing the Spot controller";
    let controller = match &opts.controller {
        None => ControllerState::Skipped,
        Some(_) if recorded.controller_applied.is_some() => {
            progress.skip(controller_title, "applied by an earlier run");
            ControllerState::AppliedEarlier
        }
        Some(c) => {
            progress.start(controller_title);
            let state = install_controller(&opts, c, &kubeconfig, &cluster_identifier, progress)
                .await
                .map_err(|source| QuickStartError::ControllerStep {
                    out: out.clone(),
                    source: Box::new(source),
                })?;
            steps.finish(|s| &mut s.controller_applied)?;
            progress.finish(match state {
                ControllerState::RolledOut => "rolled out",
                _ => "applied (rollout not awaited)",
            });
            state
        }
    };

    // Step 3b: the node agent (Spot eviction notices, dead nodes).
    let agent_title = "Installing the node agent";
    let node_agent = match &opts.node_agent {
        None => NodeAgentState::Skipped,
        Some(n) if n.image.is_none() => NodeAgentState::NoImage,
        Some(_) if recorded.node_agent_applied.is_some() => {
            progress.skip(agent_title, "applied by an earlier run");
            NodeAgentState::AppliedEarlier
        }
        Some(n) => {
            check_interrupted(cancel, &out, "installing the node agent")?;
            let prefixes: Vec<String> = crate::node_agent::planned_prefixes(&planned)
                .into_iter()
                .filter_map(|p| p.prefix)
                .collect();
            match node_agent::install::InstallSettings::new(n.image.as_deref(), &prefixes) {
                Err(_) => {
                    progress.skip(agent_title, "no group has a VM name prefix");
                    NodeAgentState::NoPrefixes
                }
                Ok(settings) => {
                    progress.start(agent_title);
                    let step_error = |source| QuickStartError::NodeAgentStep {
                        out: out.clone(),
                        source: Box::new(source),
                    };
                    let rolled_out = crate::node_agent::install_node_agent(
                        &kubeconfig,
                        &settings,
                        n.timeout,
                        &mut |line| progress.status(line.to_owned()),
                    )
                    .await
                    .map_err(step_error)?;
                    steps.finish(|s| &mut s.node_agent_applied)?;
                    progress.finish(if rolled_out {
                        "rolled out"
                    } else {
                        "applied (rollout not awaited)"
                    });
                    if rolled_out {
                        NodeAgentState::RolledOut
                    } else {
                        NodeAgentState::Applied
                    }
                }
            }
        }
    };

    // Step 4: the cutover (join, cordon, drain, retire the source scale sets).
    let scale_title = "Cutting over: Spot nodes Ready, aks-engine nodes drained, scale set to zero";
    let source = if !opts.scale_source_to_zero {
        SourceState::Untouched
    } else if recorded.source_scaled_to_zero.is_some() {
        progress.skip(scale_title, "done by an earlier run");
        SourceState::ScaledEarlier
    } else {
        check_interrupted(cancel, &out, "the cutover")?;
        progress.start(scale_title);
        let report = cut_over(
            &dir,
            &opts,
            &subscription_id,
            &kubeconfig,
            &mut arm,
            progress,
            cancel,
        )
        .await
        .map_err(|source| QuickStartError::CutoverStep {
            out: out.clone(),
            source: Box::new(source),
        })?;
        steps.finish(|s| &mut s.source_scaled_to_zero)?;
        progress.finish(&format!(
            "{} node(s) cordoned and drained, {} pod(s) evicted, scale set at 0 instances",
            report.cordoned.len(),
            report.evicted.len()
        ));
        SourceState::ScaledToZero
    };

    Ok(QuickStartReport {
        dns_prefix: inputs.dns_prefix.clone(),
        resource_group: inputs.resource_group.clone(),
        location: inputs.location.clone(),
        output_directory: out,
        kubeconfig,
        cluster_deployed_now: deployed_now,
        groups,
        cluster_identifier,
        controller,
        node_agent,
        source_scale_sets: source,
    })
}
