//! `spotinst-aks-engine import`: plan, then (unless `--dry-run`) create the groups through the
//! Spot API and print one line per pool.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use aks_engine::{OutputDir, RequirementOverrides};
use anyhow::{Context, Result};
use group_sync::SyncMode;
use serde_json::Value;

use crate::cli::{AzureArgs, ImportArgs, OutputFormat, SpotArgs};
use spotinst_aks_engine::azure_access::AzureAccess;
use spotinst_aks_engine::import_plan::{self, PlanOptions, PlannedGroup};
use spotinst_aks_engine::import_run::{self, ImportSummary};
use spotinst_aks_engine::scope;
use spotinst_aks_engine::spot_access::SpotAccess;

pub fn run(args: ImportArgs) -> Result<ExitCode> {
    let sets = elastigroup::parse_set_args(&args.set)?;
    let dir = OutputDir::load(&args.cluster.output_directory)?;
    let subscription_id = scope::subscription(args.cluster.subscription.as_deref(), args.dry_run)?;
    let resource_group = scope::resource_group(
        args.cluster.resource_group.as_deref(),
        std::env::var("AZURE_RESOURCE_GROUP").ok(),
        &dir,
    )?;
    let options = PlanOptions {
        pools: args.pools.clone(),
        generation: args.elastigroup_api,
        sets,
        overrides: RequirementOverrides {
            allow_basic_load_balancer: args.allow_basic_load_balancer,
            allow_kubenet: args.allow_kubenet,
        },
        subscription_id,
        resource_group,
    };
    tracing::info!(
        "importing {} into resource group {} ({} API)",
        dir.path.display(),
        options.resource_group,
        options.generation
    );
    let planned = import_plan::plan(&dir, &options, None)?;
    for group in &planned {
        report_warnings(group, args.dry_run);
    }
    if args.dry_run {
        print_dry_run(&planned, args.show_secrets)?;
        return Ok(ExitCode::SUCCESS);
    }
    create(&args, &dir, &options, planned)
}

/// The real import: credentials, deploy-time values, then the Spot API.
fn create(
    args: &ImportArgs,
    dir: &OutputDir,
    options: &PlanOptions,
    mut planned: Vec<PlannedGroup>,
) -> Result<ExitCode> {
    let client = spot_access(&args.spot).client()?;
    let runtime = runtime()?;
    if import_run::needs_deploy_time_values(&planned) {
        let access = azure_access(&args.azure);
        // On this (non-async) thread: the resolver blocks on the runtime for each reference().
        planned = import_run::plan_with_arm(dir, options, &access, &runtime)?;
    }
    // Never send a marker: this refuses before any request if one is left.
    let requests = import_run::group_requests(&planned, options.generation)?;
    let mode = if args.update {
        SyncMode::Update
    } else {
        SyncMode::Create
    };
    tracing::info!(
        "creating {} Elastigroup(s), {} at a time",
        requests.len(),
        args.concurrency.max(1)
    );
    let spinner = spinner(&format!("creating {} Elastigroup(s)", requests.len()));
    let report = runtime.block_on(import_run::create_groups(
        &client,
        &dir.path,
        requests,
        mode,
        args.concurrency,
    ));
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    let report = report?;
    let summary = ImportSummary::new(&report, group_sync::StateFile::path_in(&dir.path));
    print_summary(&summary, args.output)?;
    Ok(if summary.all_succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A spinner with the elapsed time while the Spot API works, only when stderr is a terminal
/// (logs and pipes get the plain lines) and not with `-q`.
fn spinner(message: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() || !tracing::enabled!(tracing::Level::WARN) {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    Some(bar)
}

/// Successes on stdout (text) or one JSON document; failures and the counts on stderr.
fn print_summary(summary: &ImportSummary, output: OutputFormat) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match output {
        OutputFormat::Text => {
            for g in &summary.groups {
                if let Some(line) = g.success_line() {
                    writeln!(stdout, "{line}")?;
                }
            }
        }
        OutputFormat::Json => {
            writeln!(stdout, "{}", serde_json::to_string_pretty(summary)?)?;
        }
    }
    stdout.flush()?;
    for g in &summary.groups {
        if let Some(error) = &g.error {
            eprintln!(
                "error: agent pool `{}`: Elastigroup {} failed: {error}",
                g.pool, g.name
            );
        }
    }
    if tracing::enabled!(tracing::Level::WARN) || !summary.all_succeeded() {
        eprintln!("{}", summary.summary_line());
    }
    Ok(())
}

/// What the Spot flags ask for (credentials are resolved by [`SpotAccess::client`]).
pub(super) fn spot_access(args: &SpotArgs) -> SpotAccess {
    SpotAccess {
        token: args.token.clone().map(spot_api::SecretString::from),
        account: args.account.clone(),
        base_url: args.spot_api_url.clone(),
        timeout: Duration::from_secs(args.spot_timeout.max(1)),
    }
}

/// AZURE_* variables plus the flags.
fn azure_access(args: &AzureArgs) -> AzureAccess {
    let mut access = AzureAccess::from_env(&|k| std::env::var(k).ok());
    access.arm_url = args.arm_url.clone();
    access.use_msi = args.use_msi;
    access
}

/// A small multi-thread runtime for the Spot and ARM clients.
pub(super) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn report_warnings(group: &PlannedGroup, dry_run: bool) {
    for w in &group.warnings {
        tracing::warn!("agent pool `{}`: {w}", group.pool);
    }
    for d in &group.deferred {
        if !dry_run {
            tracing::info!(
                "agent pool `{}`: {} needs the deploy-time value {}",
                group.pool,
                d.json_path,
                d.expression
            );
            continue;
        }
        let then = "shown as a marker; a real import resolves it through Azure Resource Manager";
        tracing::warn!(
            "agent pool `{}`: {} needs the deploy-time value {} ({then})",
            group.pool,
            d.json_path,
            d.expression
        );
    }
}

/// Exactly the request bodies, on stdout: one object for one pool, an array for several.
fn print_dry_run(planned: &[PlannedGroup], show_secrets: bool) -> Result<()> {
    let bodies: Vec<Value> = planned
        .iter()
        .map(|g| {
            if show_secrets {
                g.body.clone()
            } else {
                elastigroup::redact_secrets(&g.body)
            }
        })
        .collect();
    let out = if bodies.len() == 1 {
        serde_json::to_string_pretty(&bodies[0])?
    } else {
        serde_json::to_string_pretty(&bodies)?
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{out}")?;
    stdout.flush()?;
    Ok(())
}
