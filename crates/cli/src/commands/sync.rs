//! `spotinst-aks-engine sync`: after `aks-engine upgrade`, the groups computed again from the
//! model (templates generated again when they are stale), compared with the live groups, and
//! those that differ updated: `import --update`'s code path, for the recorded pools only.

use std::process::ExitCode;

use aks_engine::OutputDir;
use anyhow::{Context, Result, bail};
use importer::regenerate;

use crate::cli::{ImportArgs, SyncArgs};

pub fn run(args: SyncArgs) -> Result<ExitCode> {
    let dir = OutputDir::load(&args.cluster.output_directory)?;
    let state = group_sync::StateFile::load(&group_sync::StateFile::path_in(&dir.path))?;
    let recorded: Vec<String> = state
        .records()
        .iter()
        .map(|r| r.pool.clone())
        .filter(|p| args.pools.is_empty() || args.pools.contains(p))
        .collect();
    if recorded.is_empty() {
        bail!(
            "no imported pool to sync in {} (run `import` first{})",
            group_sync::StateFile::path_in(&dir.path).display(),
            if args.pools.is_empty() {
                ""
            } else {
                ", or name a recorded pool with --pool"
            }
        );
    }
    let generation = recorded_generation(&state, &recorded, args.elastigroup_api)?;
    // Kept alive until the groups are sent: the generated templates live in it.
    let generated = match regenerate::staleness(&regenerate::facts(&dir)) {
        None => None,
        Some(why) => {
            let binary =
                importer::quick_start::aks_engine_deploy::find_binary(&|k| std::env::var(k).ok())
                    .context(format!("{why}: the templates must be generated again"))?;
            eprintln!(
                "{why}: generating the templates with `{} generate` (the output directory is left as it is)",
                binary.display()
            );
            Some(regenerate::generate(&binary, &dir.path)?)
        }
    };
    let plan_dir = generated.as_ref().map_or(&dir, |g| &g.dir);
    let import_args = ImportArgs {
        cluster: args.cluster.clone(),
        dry_run: args.dry_run,
        set: args.set.clone(),
        pools: args.pools.clone(),
        elastigroup_api: generation,
        show_secrets: false,
        output: args.output,
        allow_basic_load_balancer: true,
        allow_kubenet: true,
        update: true,
        yes: args.yes,
        concurrency: args.concurrency,
        sizes: args.sizes.clone(),
        spot: args.spot.clone(),
        azure: args.azure.clone(),
    };
    // The roll needs the cluster: its kubeconfig is found before anything changes.
    let roll = if args.no_roll || args.dry_run {
        None
    } else {
        Some(super::import::RollRequest {
            kubeconfig: importer::kubeconfig::choose(args.kubeconfig.as_deref(), &dir)?.path,
            batch: args.batch as usize,
            options: cutover::RollOptions {
                join_timeout: args.timeouts.join_timeout,
                drain_timeout: args.timeouts.drain_timeout,
                drain_flags: cutover::DrainFlags {
                    force: args.force,
                    delete_emptydir_data: args.delete_emptydir_data,
                },
                detach_timeout: args.detach_timeout,
                poll_interval: args.poll_interval,
                eviction_retry_interval: args.poll_interval,
                concurrency: args.eviction_concurrency as usize,
                pools_at_once: args.concurrency,
            },
        })
    };
    // Step 5 (also with --no-roll): a retired scale set above 0 again is cut over again with
    // the roll's timeouts and drain flags; its kubeconfig is found only when one is.
    let revive = super::sync_revive::ReviveRequest {
        kubeconfig: args.kubeconfig.clone(),
        options: cutover::CutoverOptions {
            join_timeout: args.timeouts.join_timeout,
            drain_timeout: args.timeouts.drain_timeout,
            force: args.force,
            delete_emptydir_data: args.delete_emptydir_data,
            pools: Vec::new(),
            join_poll_interval: args.poll_interval,
            eviction_retry_interval: args.poll_interval,
            concurrency: args.eviction_concurrency as usize,
            stop_after: None,
        },
    };
    let request = super::import::SyncRequest {
        state,
        steps: super::import::SyncSteps {
            pools: recorded,
            roll,
            revive,
        },
    };
    let code = super::import::run_planned(&import_args, &dir, plan_dir, Some(request));
    drop(generated);
    code
}

/// The API generation of the pools to sync: the one their groups were recorded with, so each
/// group's body is computed in its own generation. A `--elastigroup-api` naming another, or
/// pools of both generations in one run (`--pool` picks them apart), are refused.
fn recorded_generation(
    state: &group_sync::StateFile,
    pools: &[String],
    given: Option<elastigroup::ApiGeneration>,
) -> Result<elastigroup::ApiGeneration> {
    let mut found: Option<elastigroup::ApiGeneration> = None;
    for record in state.records().iter().filter(|r| pools.contains(&r.pool)) {
        match found {
            Some(g) if g != record.generation => bail!(
                "{} records groups of both API generations ({g} and {}): sync them apart with --pool",
                state.path().display(),
                record.generation
            ),
            _ => found = Some(record.generation),
        }
    }
    let recorded = found.unwrap_or(elastigroup::ApiGeneration::V3);
    if let Some(given) = given
        && given != recorded
    {
        bail!(
            "--elastigroup-api {given}: the groups in {} were imported with the {recorded} API; drop the flag",
            state.path().display()
        );
    }
    Ok(recorded)
}
