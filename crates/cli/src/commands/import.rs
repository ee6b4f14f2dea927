//! `spotinst-aks-engine import`.

use std::io::Write;
use std::process::ExitCode;

use aks_engine::{OutputDir, RequirementOverrides};
use anyhow::{Result, bail};
use elastigroup::ApiGeneration;
use serde_json::Value;

use crate::cli::{ApiGenerationArg, ImportArgs};
use spotinst_aks_engine::import_plan::{self, PlanOptions, PlannedGroup};
use spotinst_aks_engine::scope;

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
        generation: generation(args.elastigroup_api),
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
    bail!("creating groups is not available in this build yet: use --dry-run")
}

pub fn generation(arg: ApiGenerationArg) -> ApiGeneration {
    match arg {
        ApiGenerationArg::V3 => ApiGeneration::V3,
        ApiGenerationArg::V2 => ApiGeneration::V2,
    }
}

fn report_warnings(group: &PlannedGroup, dry_run: bool) {
    for w in &group.warnings {
        tracing::warn!("agent pool `{}`: {w}", group.pool);
    }
    for d in &group.deferred {
        let then = if dry_run {
            "shown as a marker; a real import resolves it through Azure Resource Manager"
        } else {
            "it must be resolved through Azure Resource Manager"
        };
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
