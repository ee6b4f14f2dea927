//! `spotinst-aks-engine import`: plan, then (unless `--dry-run`) create the groups through the
//! Spot API and print one line per pool.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use aks_engine::{OutputDir, RequirementOverrides};
use anyhow::Result;
use group_sync::SyncMode;
use importer::azure_access::{ArmConnection, AzureAccess};
use importer::import::{self, SyncOptions};
use importer::plan::{self, PlanOptions, PlannedGroup};
use importer::scope;
use importer::spot_access::SpotAccess;
use importer::summary::ImportSummary;
use serde_json::Value;

use crate::cli::{AzureArgs, ImportArgs, OutputFormat, SpotArgs};

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
    let planned = plan::plan(&dir, &options, None)?;
    import::report_plan(&planned, args.dry_run);
    if args.dry_run {
        print_dry_run(&planned, args.show_secrets)?;
        return Ok(ExitCode::SUCCESS);
    }
    create(&args, &dir, &options, planned)
}

/// The real import: the shared pipeline, a spinner while it works, the summary.
fn create(
    args: &ImportArgs,
    dir: &OutputDir,
    options: &PlanOptions,
    planned: Vec<PlannedGroup>,
) -> Result<ExitCode> {
    let spot = spot_access(&args.spot);
    let mut arm = ArmConnection::new(azure_access(&args.azure), options.subscription_id.clone());
    let sync = SyncOptions {
        mode: if args.update {
            SyncMode::Update
        } else {
            SyncMode::Create
        },
        concurrency: args.concurrency,
    };
    let runtime = import::runtime()?;
    let mut progress = None;
    let imported = runtime.block_on(import::import(
        dir,
        options,
        planned,
        &spot,
        &mut arm,
        sync,
        &mut |requests| {
            progress = spinner(&format!("creating {} Elastigroup(s)", requests.len()));
        },
    ));
    if let Some(s) = progress {
        s.finish_and_clear();
    }
    let imported = imported?;
    let summary = ImportSummary::new(&imported.report, group_sync::StateFile::path_in(&dir.path));
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
pub(super) fn azure_access(args: &AzureArgs) -> AzureAccess {
    let mut access = AzureAccess::from_env(&|k| std::env::var(k).ok());
    access.arm_url = args.arm_url.clone();
    access.use_msi = args.use_msi;
    access
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
