//! `spotinst-aks-engine node-agent preempt|gc|install`: the in-cluster agent (the `node-agent`
//! crate) and its installer (through `importer::node_agent`). The agents log to stderr and run
//! until SIGTERM or Ctrl-C.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use node_agent::azure_json::{GcAzureFlags, read_cloud_config, resolve};
use node_agent::decide::garbage::GcScope;
use node_agent::install::InstallSettings;
use node_agent::{Imds, Metrics, PreemptConfig};
use tracing::{info, warn};

use crate::cli::{GcArgs, NodeAgentCommand, NodeAgentInstallArgs, PreemptArgs};

pub fn run(command: NodeAgentCommand) -> Result<ExitCode> {
    match command {
        NodeAgentCommand::Preempt(args) => preempt(args),
        NodeAgentCommand::Gc(args) => gc(args),
        NodeAgentCommand::Install(args) => install(args),
    }
}

/// SIGTERM (what the kubelet sends) or Ctrl-C.
async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn start_metrics(addr: std::net::SocketAddr) -> Result<Arc<Metrics>> {
    let metrics = Arc::new(Metrics::new());
    let bound = node_agent::serve_metrics(metrics.clone(), addr).await?;
    info!("Prometheus metrics on http://{bound}/metrics");
    Ok(metrics)
}

fn preempt(args: PreemptArgs) -> Result<ExitCode> {
    if args.node_name.trim().is_empty() {
        return Err(anyhow!(
            "--node-name: empty (the DaemonSet passes spec.nodeName)"
        ));
    }
    let runtime = super::access::runtime()?;
    runtime.block_on(async {
        let imds = Imds::new(&args.imds_url, Duration::from_secs(5)).context("--imds-url")?;
        let kube = node_agent::kube_client(args.runtime.kubeconfig.as_deref()).await?;
        let metrics = start_metrics(args.runtime.metrics_addr).await?;
        let config = PreemptConfig {
            poll_interval: args.poll_interval.max(Duration::from_millis(10)),
            ..PreemptConfig::new(args.node_name.trim())
        };
        tokio::select! {
            () = node_agent::run_preempt(&imds, &kube, &config, &metrics) => {}
            () = shutdown() => info!("stopping"),
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn gc(args: GcArgs) -> Result<ExitCode> {
    let file = read_cloud_config(&args.azure_json)?;
    let env = |k: &str| std::env::var(k).ok();
    let azure = resolve(
        file.as_ref().map(|c| (args.azure_json.as_path(), c)),
        &env,
        &GcAzureFlags {
            subscription: args.subscription.clone(),
            resource_group: args.resource_group.clone(),
            use_msi: args.azure.use_msi,
        },
    )?;
    // The same checks as install's: an empty prefix would match every VM.
    let prefixes = node_agent::install::manifests::checked_prefixes(&args.name_prefixes)?;
    let scope = GcScope {
        subscription_id: azure.subscription_id.clone(),
        resource_group: azure.resource_group.clone(),
        name_prefixes: prefixes,
        grace: args.grace,
    };
    let config = azure_arm::ArmConfig::from_env(args.azure.arm_url.as_deref())?;
    let tokens = azure_arm::token_source(&azure.auth).map_err(Box::new)?;
    let arm = azure_arm::ArmClient::new(config, tokens, &azure.subscription_id)?;
    let runtime = super::access::runtime()?;
    runtime.block_on(async {
        let kube = node_agent::kube_client(args.runtime.kubeconfig.as_deref()).await?;
        if args.once {
            let metrics = Metrics::new();
            let report =
                node_agent::run_gc(&kube, &arm, &scope, args.interval, true, &metrics).await?;
            let mut stdout = std::io::stdout().lock();
            for n in &report.deleted {
                writeln!(stdout, "deleted node {n}: its VM no longer exists")?;
            }
            for n in &report.vm_present {
                writeln!(stdout, "left node {n}: not Ready, but its VM exists")?;
            }
            for n in &report.arm_failed {
                writeln!(
                    stdout,
                    "left node {n}: ARM gave no proof its VM is gone (see the log)"
                )?;
            }
            writeln!(
                stdout,
                "{} node(s) deleted, {} left, {} not candidates",
                report.deleted.len(),
                report.vm_present.len() + report.arm_failed.len(),
                report.kept.len()
            )?;
            stdout.flush()?;
            return Ok(ExitCode::SUCCESS);
        }
        let metrics = start_metrics(args.runtime.metrics_addr).await?;
        tokio::select! {
            result = node_agent::run_gc(&kube, &arm, &scope, args.interval, false, &metrics) => {
                result?;
            }
            () = shutdown() => info!("stopping"),
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn install(args: NodeAgentInstallArgs) -> Result<ExitCode> {
    let runtime = super::access::runtime()?;
    // The cluster first: nothing is asked of Spot for an install that cannot reach it.
    let kubeconfig = match (&args.kubeconfig, &args.output_directory) {
        _ if args.dry_run => None,
        (Some(k), _) => Some(importer::kubeconfig::given(k)?.path),
        (None, Some(out)) => {
            let dir = aks_engine::OutputDir::load(out)?;
            Some(importer::kubeconfig::choose(None, &dir)?.path)
        }
        (None, None) => None,
    };
    let mut prefixes = Vec::new();
    if let Some(out) = &args.output_directory {
        let state = group_sync::StateFile::load(&group_sync::StateFile::path_in(out))?;
        if !state.records().is_empty() {
            let spot = super::access::spot_access(&args.spot).client()?;
            let found = runtime.block_on(importer::node_agent::recorded_prefixes(&state, &spot))?;
            for g in found {
                match g.prefix {
                    Some(p) => prefixes.push(p),
                    None => warn!(
                        "group {} (agent pool `{}`) has no vmNamePrefix (Spot names its VMs): pass --name-prefix for them",
                        g.group_id.unwrap_or_default(),
                        g.pool
                    ),
                }
            }
        }
    }
    prefixes.extend(args.name_prefixes.iter().cloned());
    let settings = InstallSettings::new(args.image.as_deref(), &prefixes)?;
    let manifests = node_agent::install::manifests(&settings);
    if args.dry_run {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(manifests.to_yaml()?.as_bytes())?;
        stdout.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let kubeconfig = kubeconfig
        .ok_or_else(|| anyhow!("no kubeconfig: pass --kubeconfig FILE or -o DIR (aks-engine's)"))?;
    let quiet = !tracing::enabled!(tracing::Level::WARN);
    let rolled_out = runtime.block_on(importer::node_agent::install_node_agent(
        &kubeconfig,
        &settings,
        args.wait,
        &mut |line| {
            if !quiet {
                eprintln!("{line}");
            }
        },
    ))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "node agent {} in namespace {} (VM name prefixes: {})",
        if rolled_out {
            "rolled out"
        } else {
            "applied, rollout not awaited,"
        },
        node_agent::install::NAMESPACE,
        settings.name_prefixes.join(", ")
    )?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}
