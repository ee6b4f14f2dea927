//! `spotinst-aks-engine import`: plan, then (unless `--dry-run`) create the groups through the
//! Spot API and print one line per pool.

use std::io::Write;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aks_engine::{OutputDir, RequirementOverrides};
use anyhow::Result;
use group_sync::{StateFile, SyncMode};
use importer::azure_access::ArmConnection;
use importer::home;
use importer::import::{self, SyncOptions};
use importer::plan::{self, PlanOptions, PlannedGroup};
use importer::summary::ImportSummary;
use serde_json::Value;
use spot_api::SpotClient;

use super::{access, interrupt};
use crate::cli::{ImportArgs, OutputFormat};

pub fn run(args: ImportArgs) -> Result<ExitCode> {
    let dir = OutputDir::load(&args.cluster.output_directory)?;
    let code = run_planned(&args, &dir, &dir, None);
    // The process ends after this: freeing the parsed template piece by piece would only cost
    // time (a twentieth of a 50-pool dry run).
    std::mem::forget(dir);
    code
}

/// Plans `plan_dir` (the output directory `dir`, or `sync`'s regenerated templates) and runs the
/// import, recorded in `dir`'s state file, in the home `dir`'s records say (the same resolution
/// as every command on recorded groups). `sync`: its state file, the recorded pools it keeps,
/// its roll and its step 5, after the update.
pub(super) fn run_planned(
    args: &ImportArgs,
    dir: &OutputDir,
    plan_dir: &OutputDir,
    sync: Option<SyncRequest>,
) -> Result<ExitCode> {
    let (loaded, sync) = match sync {
        Some(SyncRequest { state, steps }) => (Some(state), Some(steps)),
        None => (None, None),
    };
    let recorded_only = sync.as_ref().map_or(&[][..], |s| &s.pools[..]);
    let sets = elastigroup::parse_set_args(&args.set)?;
    let diff = elastigroup::diff::DiffOptions::from_set_keys(
        sets.iter().map(|s| (s.key.as_str(), &s.value)),
    );
    // Only a plain dry run stays offline: an update's dry run reads the live groups.
    let offline = args.dry_run && !args.update;
    let state_path = StateFile::path_in(&dir.path);
    // A run that talks to Spot: the state file must be writable (unless nothing is written),
    // then the Spot client and the runtime (all checked before anything is planned or locked).
    let real = if offline {
        None
    } else {
        if !args.dry_run {
            StateFile::check_writable(&state_path)?;
        }
        let client = access::spot_access(&args.spot).client()?;
        Some((client, access::runtime()?))
    };
    let state = match loaded.map_or_else(|| StateFile::load(&state_path), Ok) {
        Ok(state) => state,
        // A dry run shows the plan whatever the state file holds.
        Err(e) if offline => {
            tracing::warn!(
                "{}; the dry run uses no recorded resource group",
                importer::error_chain(&e)
            );
            StateFile::empty(&state_path)
        }
        Err(e) => return Err(e.into()),
    };
    let homes = match &real {
        Some((client, runtime)) => runtime.block_on(home::recorded_or_live(&state, client))?,
        None => {
            let homes = home::recorded(&state);
            if homes.resource_groups.is_empty() && home::unrecorded(&state).next().is_some() {
                tracing::warn!(
                    "{} does not record the resource group its groups were imported into \
                     (written by an earlier version): the dry run does not ask Spot, a real \
                     import does and refuses another one",
                    state.path().display()
                );
            }
            homes
        }
    };
    let home = home::resolve(
        args.cluster.resource_group.given(),
        args.cluster.given_subscription(),
        &homes,
        dir,
        offline,
    )?;
    let options = PlanOptions {
        pools: args.pools.clone(),
        generation: args.elastigroup_api,
        sets,
        overrides: RequirementOverrides {
            allow_basic_load_balancer: args.allow_basic_load_balancer,
            allow_kubenet: args.allow_kubenet,
        },
        subscription_id: home.subscription_id,
        resource_group: home.resource_group.value,
        // A run that talks to Spot reads the live catalog once it knows Spot is reachable.
        sizes: args.sizes.flags().options(plan_dir, !offline)?,
    };
    tracing::info!(
        "importing {} into resource group {} ({} API)",
        plan_dir.path.display(),
        options.resource_group,
        options.generation
    );
    let mut planned = plan::plan(plan_dir, &options, None)?;
    if !recorded_only.is_empty() {
        planned.retain(|g| recorded_only.contains(&g.pool));
    }
    import::report_plan(&planned, offline);
    let Some((client, runtime)) = real else {
        print_sizes(&planned);
        print_dry_run(&planned, args.show_secrets)?;
        print_prices(plan_dir, &planned, &options.sizes.prices);
        // The process ends after this (see `run`).
        std::mem::forget(planned);
        return Ok(ExitCode::SUCCESS);
    };
    if args.update {
        return update(
            args,
            dir,
            plan_dir,
            &state,
            &options,
            planned,
            diff,
            sync.as_ref(),
            &client,
            &runtime,
        );
    }
    create(args, dir, &options, planned, &client, &runtime)
}

/// `import --update` and `sync`, one code path: each group's diff against its live group
/// (printed); with `--dry-run` that is all; else, after `--yes` or a terminal confirmation, the
/// groups that differ are updated (a group found equal again is not touched), new pools created.
/// `sync` then rolls the old VMs and cuts a revived scale set over again (step 5): both are
/// read and shown before the confirmation, which covers them.
#[allow(clippy::too_many_arguments)]
fn update(
    args: &ImportArgs,
    dir: &OutputDir,
    plan_dir: &OutputDir,
    state: &StateFile,
    options: &PlanOptions,
    planned: Vec<PlannedGroup>,
    diff: elastigroup::diff::DiffOptions,
    sync: Option<&SyncSteps>,
    client: &SpotClient,
    runtime: &tokio::runtime::Runtime,
) -> Result<ExitCode> {
    let roll = sync.and_then(|s| s.roll.as_ref());
    // The roll's kubeconfig must be usable before any group is updated: an update whose roll
    // cannot run leaves every VM booting the old configuration.
    if let Some(r) = roll {
        runtime.block_on(cutover::client_from_kubeconfig(&r.kubeconfig))?;
    }
    // A dry run changes nothing, so it takes no lock (it runs beside an import or sync that
    // holds it, and in a read-only directory): it compares with `state`, read once, and
    // writes nothing into the output directory.
    let lock = if args.dry_run {
        None
    } else {
        Some(importer::lock::lock_output_dir(&dir.path)?)
    };
    let state_access = || match &lock {
        Some(lock) => import::StateAccess::Locked(lock),
        None => import::StateAccess::ReadOnly(state),
    };
    let mut arm = ArmConnection::new(
        access::azure_access(&args.azure),
        options.subscription_id.clone(),
    );
    let cancel = group_sync::CancellationToken::new();
    runtime.spawn(interrupt::stop_on_signal(cancel.clone()));
    let mut compare = SyncOptions::new(SyncMode::Diff, args.concurrency);
    compare.cancel = cancel.clone();
    compare.diff = diff.clone();
    let compared = runtime.block_on(import::import(
        plan_dir,
        options,
        planned,
        client,
        &mut arm,
        state_access(),
        compare,
        &mut |_| {},
    ))?;
    let verbose = tracing::enabled!(tracing::Level::INFO);
    let state_file = StateFile::path_in(&dir.path);
    if args.output == OutputFormat::Text {
        print_diffs(&compared.report, verbose);
    }
    // Step 5's reads, before anything changes: the confirmation says what it will do.
    let revival = match sync {
        Some(s) => Some(super::sync_revive::Revival::find(
            dir,
            state.records(),
            &s.pools,
            &options.subscription_id,
            &options.resource_group,
            &s.revive,
            args.dry_run,
            &mut arm,
            runtime,
        )?),
        None => None,
    };
    if let Some(r) = &revival {
        r.print(args.dry_run, args.output);
    }
    let reviving = revival.as_ref().is_some_and(|r| !r.is_empty()) && !args.dry_run;
    let pending = compared.report.pools.iter().any(|p| match &p.outcome {
        group_sync::PoolOutcome::Differs { diff, .. } => diff.refused.is_empty(),
        group_sync::PoolOutcome::Failed {
            error: group_sync::PoolError::NoGroup { .. },
        } => true,
        _ => false,
    });
    let failed = compared.report.pools.iter().any(|p| match &p.outcome {
        group_sync::PoolOutcome::Failed {
            error: group_sync::PoolError::NoGroup { .. },
        } => false,
        group_sync::PoolOutcome::Failed { .. } => true,
        group_sync::PoolOutcome::Differs { diff, .. } => !diff.refused.is_empty(),
        _ => false,
    });
    // Rolls an earlier run left unfinished (a drain timeout, a kill) resume even when no
    // group differs now.
    let mut rolls: Vec<cutover::RollGroup> = Vec::new();
    if roll.is_some() && !args.dry_run {
        let state = cutover::RollState::load(&cutover::RollState::path_in(&dir.path))?;
        rolls = roll_groups(&compared.report, options.generation, |pool, id| {
            state.get(pool).is_some_and(|r| r.group_id == id)
        });
    }
    let step5 = |arm: &mut ArmConnection, ok: bool| -> Result<(Option<Value>, bool)> {
        let Some(revival) = &revival else {
            return Ok((None, ok));
        };
        let Some(steps) = sync else {
            return Ok((None, ok));
        };
        let (results, done) = if reviving && !cancel.is_cancelled() {
            revival.run(&steps.revive, args.output, client, arm, runtime, &cancel)?
        } else {
            (revival.not_run(args.dry_run), true)
        };
        Ok((Some(Value::Array(results)), ok && done))
    };
    // Rolls `rolls` (resumed ones, or the groups just updated): whether all finished, and
    // their results for the JSON document.
    let roll_pools = |roll: &RollRequest, rolls: &[cutover::RollGroup]| -> Result<(bool, Value)> {
        let (done, results) = run_rolls(
            roll,
            &dir.path,
            rolls,
            client,
            runtime,
            &cancel,
            args.output,
        )?;
        Ok((done, Value::Array(results)))
    };
    if args.dry_run || !pending || cancel.is_cancelled() {
        // A roll an earlier run left in flight cordons, drains and terminates VMs: asked too.
        let resuming = roll.is_some() && !rolls.is_empty();
        if resuming && !args.yes {
            for g in &rolls {
                eprintln!(
                    "agent pool `{}`: the replacement of the VMs started from the old configuration is unfinished ({}): it resumes",
                    g.pool,
                    cutover::RollState::path_in(&dir.path).display()
                );
            }
        }
        let (question, action) = match (resuming, reviving) {
            (true, true) => (
                "Resume replacing the old VMs (cordoned, drained, terminated) and cut the scale sets above 0 again over to Spot, as shown?",
                "resume replacing VMs and cut over",
            ),
            (true, false) => (
                "Resume replacing the old VMs (cordoned, drained, terminated), as shown?",
                "resume replacing VMs",
            ),
            _ => (
                "Cut the scale sets above 0 again over to Spot, as shown?",
                "cut over",
            ),
        };
        if (reviving || resuming)
            && !cancel.is_cancelled()
            && !args.yes
            && !super::confirm::confirm(question, action)?
        {
            eprintln!("nothing was changed");
            return Ok(ExitCode::FAILURE);
        }
        let mut ok = !failed;
        let summary = ImportSummary::new(&compared.report, state_file);
        let mut rolled = None;
        if let Some(roll) = roll
            && !rolls.is_empty()
            && !cancel.is_cancelled()
        {
            keep_asked_capacity(&dir.path, &rolls, asked_capacity(&options.sets))?;
            let (done, results) = roll_pools(roll, &rolls)?;
            ok &= done;
            rolled = Some(results);
        } else if tracing::enabled!(tracing::Level::WARN) {
            eprintln!("{}", summary.summary_line());
        }
        let (revived, ok) = step5(&mut arm, ok)?;
        if args.output == OutputFormat::Json {
            print_document(&summary, revived, rolled)?;
        }
        return Ok(exit_code(&cancel, ok));
    }
    // The roll replaces every VM the updated groups run now: the question says so.
    let mut question = "Update the Elastigroups that differ".to_owned();
    let mut action = "update Elastigroups".to_owned();
    if let Some(roll) = roll {
        let how = format!(
            "{} at a time: cordoned, drained, terminated",
            roll.batch.max(1)
        );
        question.push_str(&format!(
            ", then replace the VMs they run now by new ones ({how})"
        ));
        action.push_str(&format!(" and replace the VMs they run now ({how})"));
    }
    if reviving {
        question.push_str(" and cut the scale sets above 0 again over to Spot");
        action.push_str(" and cut over");
    }
    question.push_str(", as shown?");
    if !args.yes && !super::confirm::confirm(&question, &action)? {
        eprintln!("nothing was changed");
        return Ok(ExitCode::FAILURE);
    }
    let on_result: group_sync::ResultCallback = {
        let output = args.output;
        Arc::new(move |report: &group_sync::PoolReport| print_result(report, output))
    };
    // The VMs running now boot the old configuration: recorded before the update.
    if let Some(roll) = roll {
        let updating = roll_groups(&compared.report, options.generation, |_, _| false);
        let asked = asked_capacity(&options.sets);
        for g in &updating {
            runtime.block_on(cutover::record_roll_with(
                &dir.path, g, client, roll.batch, asked,
            ))?;
        }
        // A roll in flight whose group gets a new capacity alone ends at that capacity.
        keep_asked_capacity(&dir.path, &rolls, asked)?;
        for g in updating {
            if !rolls.contains(&g) {
                rolls.push(g);
            }
        }
    }
    let mut send = SyncOptions::new(SyncMode::Update, args.concurrency);
    send.cancel = cancel.clone();
    send.on_result = Some(on_result);
    send.diff = diff;
    let imported = runtime.block_on(import::import(
        plan_dir,
        options,
        compared.planned,
        client,
        &mut arm,
        state_access(),
        send,
        &mut |_| {},
    ))?;
    let summary = ImportSummary::new(&imported.report, state_file).with_plan(&imported.planned);
    // `sync --output json`: one document at the end, with step 5's results.
    let deferred = sync.is_some() && args.output == OutputFormat::Json;
    print_summary(
        &summary,
        if deferred {
            OutputFormat::Text
        } else {
            args.output
        },
    )?;
    let mut rolled = true;
    let mut roll_results = None;
    if let Some(roll) = roll
        && !cancel.is_cancelled()
    {
        // Only groups whose update went through (or had nothing to send) are rolled.
        let sent = roll_groups(&imported.report, options.generation, |_, _| true);
        rolls.retain(|g| sent.contains(g));
        let (done, results) = roll_pools(roll, &rolls)?;
        rolled = done;
        roll_results = Some(results);
    }
    let (revived, ok) = step5(&mut arm, summary.all_succeeded() && rolled)?;
    if deferred {
        print_document(&summary, revived, roll_results)?;
    }
    drop(lock);
    Ok(exit_code(&cancel, ok))
}

/// 130 when interrupted, else 0 when `ok`, else 1.
fn exit_code(cancel: &group_sync::CancellationToken, ok: bool) -> ExitCode {
    if cancel.is_cancelled() {
        ExitCode::from(interrupt::INTERRUPTED)
    } else if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The `--output json` document of an update: the summary, with `sync`'s `rolled` (step 4:
/// each rolled group's `{pool, groupId, replaced, error?}`) and `revived` (step 5).
fn print_document(
    summary: &ImportSummary,
    revived: Option<Value>,
    rolled: Option<Value>,
) -> Result<()> {
    let mut doc = serde_json::to_value(summary)?;
    if let Some(obj) = doc.as_object_mut() {
        if let Some(rolled) = rolled {
            obj.insert("rolled".into(), rolled);
        }
        if let Some(revived) = revived {
            obj.insert("revived".into(), revived);
        }
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", serde_json::to_string_pretty(&doc)?)?;
    stdout.flush()?;
    Ok(())
}

/// What `sync` adds to `import --update`: its state file (loaded once) and its steps.
pub(super) struct SyncRequest {
    /// `spot-elastigroups.json`, as `sync` loaded it.
    pub state: StateFile,
    /// The rest.
    pub steps: SyncSteps,
}

/// `sync`'s pools and the steps after the update.
pub(super) struct SyncSteps {
    /// The recorded pools it syncs.
    pub pools: Vec<String>,
    /// The roll of the VMs started from the old configuration (`None`: `--no-roll`, a dry run).
    pub roll: Option<RollRequest>,
    /// Step 5: the retired scale sets above 0 again.
    pub revive: super::sync_revive::ReviveRequest,
}

/// `sync`'s roll: where the cluster is, and how the old VMs are replaced.
pub(super) struct RollRequest {
    /// The cluster's kubeconfig.
    pub kubeconfig: std::path::PathBuf,
    /// Old VMs replaced at a time.
    pub batch: usize,
    /// Timeouts and drain flags.
    pub options: cutover::RollOptions,
}

/// The capacity `--set capacity.target=`/`capacity.maximum=` asks for: a roll keeps and ends
/// at it (compared with the live group, which a roll in flight has raised, it may not even
/// show as a difference).
fn asked_capacity(sets: &[elastigroup::SetAssignment]) -> cutover::RollCapacity {
    let value = |key: &str| {
        sets.iter()
            .rev()
            .find(|s| s.key == key)
            .and_then(|s| s.value.as_u64())
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
    };
    cutover::RollCapacity {
        target: value("capacity.target"),
        maximum: value("capacity.maximum"),
    }
}

/// The rolls in flight of `groups` keep and end at the capacity `--set` asks for.
fn keep_asked_capacity(
    output_dir: &std::path::Path,
    groups: &[cutover::RollGroup],
    asked: cutover::RollCapacity,
) -> Result<()> {
    if asked != cutover::RollCapacity::default() {
        for g in groups {
            cutover::set_roll_capacity(output_dir, g, asked)?;
        }
    }
    Ok(())
}

/// The groups of `report` to roll: those that differ in more than their capacity (about to be
/// updated: a new capacity alone boots the same configuration), were updated or are up to
/// date, when `pick(pool, group_id)` says so; Differs in more than the capacity always (their
/// roll is recorded).
fn roll_groups(
    report: &group_sync::SyncReport,
    generation: elastigroup::ApiGeneration,
    pick: impl Fn(&str, &str) -> bool,
) -> Vec<cutover::RollGroup> {
    report
        .pools
        .iter()
        .filter_map(|p| {
            let group_id = match &p.outcome {
                group_sync::PoolOutcome::Differs { group_id, diff }
                    if diff.refused.is_empty()
                        && (diff
                            .changes
                            .iter()
                            .any(|c| !c.path.starts_with("capacity."))
                            || pick(&p.pool, group_id)) =>
                {
                    group_id
                }
                group_sync::PoolOutcome::Updated { group_id, .. }
                | group_sync::PoolOutcome::Unchanged { group_id }
                    if pick(&p.pool, group_id) =>
                {
                    group_id
                }
                _ => return None,
            };
            Some(cutover::RollGroup {
                pool: p.pool.clone(),
                group_id: group_id.clone(),
                generation,
            })
        })
        .collect()
}

/// Runs (or resumes) the roll of each group, up to `--concurrency` pools at once:
/// whether all finished, and per group, in the order of `groups` whatever the order they
/// finished in, `{pool, groupId, replaced, error?}` (text output: a line on stdout per group
/// that replaced VMs; `--output json`: nothing on stdout, the document carries these). Progress
/// lines on stderr begin with their pool. A pool's failure stops only its roll.
fn run_rolls(
    roll: &RollRequest,
    output_dir: &std::path::Path,
    groups: &[cutover::RollGroup],
    client: &SpotClient,
    runtime: &tokio::runtime::Runtime,
    cancel: &group_sync::CancellationToken,
    output: OutputFormat,
) -> Result<(bool, Vec<Value>)> {
    let mut rolled = Vec::new();
    if groups.is_empty() {
        return Ok((true, rolled));
    }
    let kube = runtime.block_on(cutover::client_from_kubeconfig(&roll.kubeconfig))?;
    let progress_for = |pool: &str| -> Box<dyn cutover::Progress> {
        let pool = pool.to_owned();
        Box::new(move |e: &cutover::ProgressEvent| {
            if tracing::enabled!(tracing::Level::INFO) {
                eprintln!("{}", e.line_of(&pool));
            }
        })
    };
    let outcomes = runtime.block_on(cutover::run_rolls(
        output_dir,
        groups,
        client,
        &kube,
        &roll.options,
        &progress_for,
        cancel,
    ))?;
    let mut all = true;
    for (g, done) in groups.iter().zip(outcomes) {
        let mut result = serde_json::json!({"pool": g.pool, "groupId": g.group_id,
            "replaced": done.as_ref().map(|r| r.replaced.clone()).unwrap_or_default()});
        if let Err(e) = &done {
            result["error"] = Value::String(importer::error_chain(e));
        }
        rolled.push(result);
        match done {
            Ok(report) if report.replaced.is_empty() || output == OutputFormat::Json => {}
            Ok(report) => {
                let mut stdout = std::io::stdout().lock();
                let _ = writeln!(
                    stdout,
                    "agent pool `{}`: replaced {} VM(s) started from the old configuration: {}",
                    g.pool,
                    report.replaced.len(),
                    report.replaced.join(", ")
                );
            }
            Err(e) => {
                eprintln!("error: {}", importer::error_chain(&e));
                all = false;
            }
        }
    }
    Ok((all, rolled))
}

/// Each group's diff on stdout: its fields `path: old → new` (secrets `<changed>`), the fields
/// Spot cannot update with the reason; failures on stderr.
fn print_diffs(report: &group_sync::SyncReport, verbose: bool) {
    let mut stdout = std::io::stdout().lock();
    for p in &report.pools {
        let _ = match &p.outcome {
            group_sync::PoolOutcome::Unchanged { group_id } => writeln!(
                stdout,
                "agent pool `{}`: Spot Elastigroup {group_id} is up to date",
                p.pool
            ),
            group_sync::PoolOutcome::Differs { group_id, diff } => {
                let _ = writeln!(
                    stdout,
                    "agent pool `{}`: Spot Elastigroup {group_id} differs:",
                    p.pool
                );
                for c in &diff.changes {
                    let _ = writeln!(stdout, "  {}", c.line(verbose));
                }
                for r in &diff.refused {
                    let _ = writeln!(stdout, "  {}: refused: {}", r.path, r.reason);
                }
                Ok(())
            }
            group_sync::PoolOutcome::Failed {
                error: group_sync::PoolError::NoGroup { name },
            } => writeln!(
                stdout,
                "agent pool `{}`: no group yet; Elastigroup {name} would be created",
                p.pool
            ),
            group_sync::PoolOutcome::Failed { error } => {
                eprintln!(
                    "error: agent pool `{}`: {}",
                    p.pool,
                    importer::error_chain(error)
                );
                Ok(())
            }
            _ => Ok(()),
        };
    }
    let _ = stdout.flush();
}

/// The real import: the output directory's lock for the whole run (taken once the arguments,
/// the credentials and the plan are checked), the shared pipeline, each
/// result printed as it happens, Ctrl-C handled, the summary.
fn create(
    args: &ImportArgs,
    dir: &OutputDir,
    options: &PlanOptions,
    planned: Vec<PlannedGroup>,
    client: &SpotClient,
    runtime: &tokio::runtime::Runtime,
) -> Result<ExitCode> {
    let lock = importer::lock::lock_output_dir(&dir.path)?;
    let mut arm = ArmConnection::new(
        access::azure_access(&args.azure),
        options.subscription_id.clone(),
    );
    let bar: Arc<OnceLock<indicatif::ProgressBar>> = Arc::default();
    let on_result: group_sync::ResultCallback = {
        let bar = bar.clone();
        let output = args.output;
        Arc::new(move |report: &group_sync::PoolReport| {
            let print = || print_result(report, output);
            match bar.get() {
                Some(b) => b.suspend(print),
                None => print(),
            }
        })
    };
    let cancel = group_sync::CancellationToken::new();
    let mut sync = SyncOptions::new(SyncMode::Create, args.concurrency);
    sync.cancel = cancel.clone();
    sync.on_result = Some(on_result);
    sync.subscription_id = Some(options.subscription_id.clone());
    runtime.spawn(interrupt::stop_on_signal(cancel.clone()));
    let imported = runtime.block_on(import::import(
        dir,
        options,
        planned,
        client,
        &mut arm,
        import::StateAccess::Locked(&lock),
        sync,
        &mut |requests| {
            if let Some(s) = spinner(&format!("creating {} Elastigroup(s)", requests.len())) {
                let _ = bar.set(s);
            }
        },
    ));
    if let Some(s) = bar.get() {
        s.finish_and_clear();
    }
    let imported = imported?;
    print_sizes(&imported.planned);
    let summary = ImportSummary::new(&imported.report, StateFile::path_in(&dir.path))
        .with_plan(&imported.planned);
    print_summary(&summary, args.output)?;
    // What the move saves ends an import that made every group; a failed pool comes first.
    if summary.all_succeeded() {
        print_prices(dir, &imported.planned, &imported.prices);
    }
    drop(lock);
    Ok(if cancel.is_cancelled() {
        ExitCode::from(interrupt::INTERRUPTED)
    } else if summary.all_succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// One pool's result, as soon as it is known: a success line on stdout (text output), a failure
/// on stderr. With `--output json` the document at the end carries them.
fn print_result(report: &group_sync::PoolReport, output: OutputFormat) {
    let line = importer::summary::GroupResult::from_report(report);
    if let (OutputFormat::Text, Some(text)) = (output, line.success_line()) {
        let mut stdout = std::io::stdout().lock();
        // A closed stdout (`| head`) must not stop the run: the groups are created and recorded.
        let _ = writeln!(stdout, "{text}").and_then(|()| stdout.flush());
    }
    if matches!(
        report.outcome,
        group_sync::PoolOutcome::Failed {
            error: group_sync::PoolError::Interrupted
        }
    ) {
        eprintln!(
            "agent pool `{}`: not started (interrupted); a re-run creates its group",
            line.pool
        );
    } else if let Some(error) = &line.error {
        eprintln!(
            "error: agent pool `{}`: Elastigroup {} failed: {error}",
            line.pool, line.name
        );
    }
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

/// Per pool, on stderr: its sizes and the catalog they came from, warnings about them, and with
/// `-v` every size left out and why.
fn print_sizes(planned: &[PlannedGroup]) {
    let shown = tracing::enabled!(tracing::Level::WARN);
    let verbose = tracing::enabled!(tracing::Level::INFO);
    for g in planned {
        let Some(sizes) = &g.sizes else { continue };
        for w in &sizes.warnings {
            tracing::warn!("agent pool `{}`: {w}", g.pool);
        }
        if shown {
            for line in sizes.lines(&g.pool, verbose) {
                eprintln!("{line}");
            }
        }
    }
}

/// The end of the summary, on stderr: one line per pool with what its nodes cost on demand and
/// on Spot (when prices are known), then what is missing and how to get it.
fn print_prices(dir: &OutputDir, planned: &[PlannedGroup], data: &importer::prices::PriceData) {
    if !tracing::enabled!(tracing::Level::WARN) {
        return;
    }
    let Some(region) = importer::sizes::cluster_region(dir) else {
        return;
    };
    if let Some(estimate) = importer::prices::estimate(planned, data, &region) {
        for line in importer::prices::summary_lines(&estimate) {
            eprintln!("{line}");
        }
    }
    for note in data
        .stand_in_notes(&region)
        .into_iter()
        .chain(data.missing_notes(&dir.path, &region))
    {
        eprintln!("note: {note}");
    }
}

/// One JSON document on stdout (text: the lines were printed as they happened); the counts on
/// stderr.
fn print_summary(summary: &ImportSummary, output: OutputFormat) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    if output == OutputFormat::Json {
        writeln!(stdout, "{}", serde_json::to_string_pretty(summary)?)?;
    }
    stdout.flush()?;
    if tracing::enabled!(tracing::Level::WARN) || !summary.all_succeeded() {
        eprintln!("{}", summary.summary_line());
    }
    Ok(())
}

/// Exactly the request bodies, on stdout: one object for one pool, an array for several.
/// Secrets are redacted while serializing, and the text goes out in one write.
fn print_dry_run(planned: &[PlannedGroup], show_secrets: bool) -> Result<()> {
    let bodies: Vec<&Value> = planned.iter().map(|g| &g.body).collect();
    let mut out = match bodies.as_slice() {
        [one] => pretty(one, show_secrets)?,
        all => pretty_array(all, show_secrets)?,
    };
    out.push(b'\n');
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&out)?;
    stdout.flush()?;
    Ok(())
}

/// One body as pretty JSON, redacted unless `show_secrets`.
fn pretty(body: &Value, show_secrets: bool) -> serde_json::Result<Vec<u8>> {
    if show_secrets {
        serde_json::to_vec_pretty(body)
    } else {
        serde_json::to_vec_pretty(&elastigroup::Redacted(body))
    }
}

/// Bodies from which writing the array on two threads pays for the thread.
const PARALLEL_PRINT_MIN: usize = 8;

/// The bodies as `serde_json::to_vec_pretty` writes an array of them, many bodies written on two
/// threads: an element is its own pretty text indented one level (JSON text has no raw newline
/// inside a string).
fn pretty_array(bodies: &[&Value], show_secrets: bool) -> Result<Vec<u8>> {
    if bodies.is_empty() {
        return Ok(b"[]".to_vec());
    }
    // Each element as `,\n  <element, every line indented>`.
    let elements = |part: &[&Value]| -> serde_json::Result<Vec<u8>> {
        let mut out = Vec::new();
        for body in part {
            out.extend_from_slice(b",\n  ");
            let text = pretty(body, show_secrets)?;
            for (i, line) in text.split(|&b| b == b'\n').enumerate() {
                if i > 0 {
                    out.extend_from_slice(b"\n  ");
                }
                out.extend_from_slice(line);
            }
        }
        Ok(out)
    };
    let (first, second) = if bodies.len() >= PARALLEL_PRINT_MIN {
        let (a, b) = bodies.split_at(bodies.len() / 2);
        std::thread::scope(|s| {
            let b = s.spawn(|| elements(b));
            let a = elements(a);
            (
                a,
                b.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            )
        })
    } else {
        (elements(bodies), Ok(Vec::new()))
    };
    let (first, second) = (first?, second?);
    let mut out = Vec::with_capacity(first.len() + second.len() + 2);
    out.push(b'[');
    // Without the first element's comma.
    out.extend_from_slice(&first[1..]);
    out.extend_from_slice(&second);
    out.extend_from_slice(b"\n]");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_array_written_in_parts_is_the_array_serde_json_writes() {
        let body = |i: usize| {
            json!({"group": {"name": format!("g{i}"), "empty": {}, "none": [], "n": [i, 1.5, null],
                "compute": {"launchSpecification": {"customData": "c2VjcmV0\nline",
                    "login": {"password": "hunter2"}, "tags": [{"k": "a\"b"}]}}}})
        };
        for count in [0, 2, 3, PARALLEL_PRINT_MIN, 11] {
            let bodies: Vec<Value> = (0..count).map(body).collect();
            let refs: Vec<&Value> = bodies.iter().collect();
            let shown = pretty_array(&refs, true).unwrap();
            assert_eq!(
                String::from_utf8(shown).unwrap(),
                serde_json::to_string_pretty(&bodies).unwrap()
            );
            let redacted: Vec<Value> = bodies.iter().map(elastigroup::redact_secrets).collect();
            let hidden = String::from_utf8(pretty_array(&refs, false).unwrap()).unwrap();
            assert_eq!(hidden, serde_json::to_string_pretty(&redacted).unwrap());
            assert!(!hidden.contains("hunter2"));
        }
    }
}
