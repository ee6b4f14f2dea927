//! `spotinst-aks-engine create-simple`: the seed's quick start. Inputs from flags and the seed's
//! environment variables, the steps in `importer::quick_start`, the seed's success line on stdout and
//! a summary on stderr (or one JSON document with `--output json`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};

use importer::quick_start::inputs::GivenInputs;
use importer::quick_start::{
    self, ControllerOptions, ControllerState, NodeAgentOptions, NodeAgentState, QuickStartOptions,
    QuickStartReport, SourceState, steps,
};
use importer::summary::{GroupResult, Outcome};

use super::interrupt;
use super::quick_start_progress::StepLines;
use crate::cli::{CreateSimpleArgs, OutputFormat};
use crate::duration::parse_duration;

pub fn run(args: CreateSimpleArgs) -> Result<ExitCode> {
    let env = |k: &str| std::env::var(k).ok();
    let inputs = GivenInputs {
        spot_account: args.spot_account.clone(),
        spot_token: args.spot_token.clone(),
        subscription_id: args.subscription.clone(),
        client_id: args.client_id.clone(),
        client_secret: args.client_secret.clone(),
        dns_prefix: args.dns_prefix.clone(),
        location: args.location.clone(),
        resource_group: args.resource_group.clone(),
        tenant_id: args.tenant_id.clone(),
    }
    .resolve(&env)?;
    let timeout = parse_duration(&args.controller_timeout).context("--controller-timeout")?;
    let output_dir = args
        .output_directory
        .clone()
        .unwrap_or_else(|| quick_start::default_output_dir(&inputs.dns_prefix));
    let opts = QuickStartOptions {
        inputs,
        output_dir,
        api_model: args.api_model.clone(),
        sets: args.set.clone(),
        generation: args.elastigroup_api,
        controller: (!args.skip_controller).then(|| ControllerOptions {
            timeout,
            image: args.controller_image.clone(),
            version: args.controller_version.clone(),
        }),
        node_agent: (!args.skip_node_agent).then(|| NodeAgentOptions {
            image: args
                .node_agent_image
                .clone()
                .filter(|i| !i.trim().is_empty()),
            timeout,
        }),
        scale_source_to_zero: args.scale_source_to_zero,
        join_timeout: args.cutover.join_timeout,
        drain_timeout: args.cutover.drain_timeout,
        spot_base_url: args.spot_api_url.clone(),
        arm_url: args.azure.arm_url.clone(),
        sizes: args.sizes.flags(),
    };
    let prepared = quick_start::prepare(opts, &env)?;
    // `-q` sets the log filter to errors only; progress follows it.
    let quiet = !tracing::enabled!(tracing::Level::WARN);
    let mut progress = StepLines::for_stderr(quiet);
    let runtime = super::access::runtime()?;
    let cancel = group_sync::CancellationToken::new();
    runtime.spawn(interrupt::stop_on_signal(cancel.clone()));
    let outcome = runtime.block_on(quick_start::run(prepared, &mut progress, &cancel));
    progress.clear();
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) if cancel.is_cancelled() => return Ok(interrupt::interrupted(&e)),
        Err(e) => return Err(e.into()),
    };
    for g in &outcome.groups {
        for w in g.sizes.iter().flat_map(|s| &s.warnings) {
            tracing::warn!("agent pool `{}`: {w}", g.pool);
        }
    }
    match args.output {
        OutputFormat::Json => {
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{}", serde_json::to_string_pretty(&outcome)?)?;
        }
        OutputFormat::Text => {
            let mut stdout = std::io::stdout().lock();
            for g in &outcome.groups {
                if let Some(line) = success_line(g) {
                    writeln!(stdout, "{line}")?;
                }
            }
            stdout.flush()?;
            if !quiet {
                eprint!("{}", summary(&outcome));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The seed's success line for a pool's group: a group an earlier run of the quick start
/// created counts as created (the run resumes it); an adopted one says so.
fn success_line(g: &GroupResult) -> Option<String> {
    let id = g.group_id.as_deref()?;
    Some(match g.outcome {
        Outcome::Existing if g.adopted => format!(
            "Spot Elastigroup {id} already existed (named {}); adopted it",
            g.name
        ),
        Outcome::Created
        | Outcome::Existing
        | Outcome::Updated
        | Outcome::Unchanged
        | Outcome::Differs => {
            format!("Spot Elastigroup {id} successfully created")
        }
        Outcome::Failed => return None,
    })
}

/// The closing summary: where everything is and what to do next.
fn summary(o: &QuickStartReport) -> String {
    let mut s = String::new();
    let out = o.output_directory.display();
    s.push_str(&format!(
        "\nCluster `{}` is ready in resource group {} ({}).\n",
        o.dns_prefix, o.resource_group, o.location
    ));
    for g in &o.groups {
        s.push_str(&format!(
            "  Elastigroup {} ({}) runs agent pool {} (copied from scale set {})\n",
            g.group_id.as_deref().unwrap_or("-"),
            g.name,
            g.pool,
            g.scale_set.as_deref().unwrap_or("-")
        ));
        if let Some(sizes) = &g.sizes {
            for line in sizes.lines(&g.pool, false) {
                s.push_str(&format!("    {line}\n"));
            }
        }
    }
    s.push_str(&match o.controller {
        ControllerState::RolledOut => format!(
            "  Spot controller running in kube-system (cluster identifier {})\n",
            o.cluster_identifier
        ),
        ControllerState::Applied => format!(
            "  Spot controller applied in kube-system, rollout not awaited (cluster identifier {})\n",
            o.cluster_identifier
        ),
        ControllerState::AppliedEarlier => {
            "  Spot controller applied by an earlier run\n".to_string()
        }
        ControllerState::Skipped => format!(
            "  Spot controller not installed (--skip-controller): install it with cluster identifier {}\n",
            o.cluster_identifier
        ),
    });
    s.push_str(&match o.node_agent {
        NodeAgentState::RolledOut => format!(
            "  Node agent running in {} (drains Spot VMs on Azure's eviction notice, deletes the Nodes of VMs that are gone)\n",
            node_agent::install::NAMESPACE
        ),
        NodeAgentState::Applied => format!(
            "  Node agent applied in {}, rollout not awaited\n",
            node_agent::install::NAMESPACE
        ),
        NodeAgentState::AppliedEarlier => "  Node agent applied by an earlier run\n".to_string(),
        NodeAgentState::Skipped => "  Node agent not installed (--skip-node-agent)\n".to_string(),
        NodeAgentState::NoImage => format!(
            "  Node agent not installed: pass --node-agent-image IMAGE (or set SPOTINST_AKS_ENGINE_IMAGE) to a build of this tool's Dockerfile, or run `spotinst-aks-engine node-agent install -o {out} --image IMAGE`\n"
        ),
        NodeAgentState::NoPrefixes => format!(
            "  Node agent not installed: no group has a VM name prefix; run `spotinst-aks-engine node-agent install -o {out} --image IMAGE --name-prefix PREFIX`\n"
        ),
    });
    s.push_str(match o.source_scale_sets {
        SourceState::ScaledToZero | SourceState::ScaledEarlier => {
            "  The Spot nodes are Ready; the aks-engine nodes were drained and their scale set scaled to zero (spot-cutover.json)\n"
        }
        SourceState::Untouched => {
            "  The scale set aks-engine created still runs: `spotinst-aks-engine cutover` drains it and scales it to zero once the Spot nodes are Ready\n"
        }
    });
    s.push_str(&format!(
        "  Artifacts, SSH key and kubeconfig: {out} (groups recorded in {}, steps in {})\n",
        group_sync::STATE_FILE_NAME,
        steps::FILE_NAME
    ));
    s.push_str("Next steps:\n");
    s.push_str(&format!(
        "  kubectl --kubeconfig {} get nodes\n",
        o.kubeconfig.display()
    ));
    s.push_str(&format!("  spotinst-aks-engine status -o {out}\n"));
    s
}
