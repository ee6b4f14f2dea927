//! `sync` step 5: a scale set the cutover retired that `aks-engine upgrade` brought back above 0
//! (it re-deploys every agent scale set with the apimodel's count) is cut over again: its nodes
//! cordoned and drained, the scale set scaled to 0, by the `cutover` command's check and run
//! ([`super::cutover::Run`]), for those pools only. Pools whose cutover never ran are left alone.

use std::io::Write;
use std::path::PathBuf;

use aks_engine::OutputDir;
use anyhow::{Context, Result};
use cutover::{CutoverOptions, CutoverPool, CutoverState, RevivedScaleSet, ScaleSetChecks, Step};
use importer::azure_access::ArmConnection;
use serde_json::{Value, json};

use super::cutover::{Ran, Run, plan_line, report_text, revived_line};
use crate::cli::OutputFormat;

/// What step 5 needs from `sync`'s flags.
pub(super) struct ReviveRequest {
    /// `--kubeconfig` (else the output directory's), resolved only when a scale set is revived.
    pub kubeconfig: Option<PathBuf>,
    /// The cutover's timeouts, drain flags and eviction concurrency (`sync`'s flags);
    /// `pools` is set to the revived ones.
    pub options: CutoverOptions,
}

/// The retired pools' scale sets, read before anything changes: the revived ones are listed
/// before the confirmation and cut over after the update and the roll.
pub(super) struct Revival {
    /// The output directory (its `spot-cutover.json`).
    out: PathBuf,
    /// The selected pools whose cutover finished.
    pools: Vec<CutoverPool>,
    /// Their scale sets as read (each once, by its full id, checked to be the pool's).
    checks: ScaleSetChecks,
    /// The cluster's kubeconfig (a real run with a revived scale set).
    kubeconfig: Option<PathBuf>,
}

/// One revived scale set's result: in `--output json`'s `revived`, `{pool, scaleSet,
/// scaleSetId, capacity, outcome, report?, error?}`; `outcome` is `wouldCutOver` (dry run),
/// `cutOver`, `failed`, `interrupted` or `notRun` (not reached: interrupted before).
fn result(
    found: &RevivedScaleSet,
    outcome: &str,
    report: Option<&cutover::CutoverReport>,
    error: Option<&str>,
) -> Value {
    let mut v = json!({
        "pool": found.pool,
        "scaleSet": found.scale_set,
        "scaleSetId": found.scale_set_id,
        "capacity": found.capacity,
        "outcome": outcome,
    });
    if let Some(report) = report {
        v["report"] = json!(report);
    }
    if let Some(error) = error {
        v["error"] = json!(error);
    }
    v
}

impl Revival {
    /// Reads the scale set of each of `selected` (recorded pools) whose cutover finished, by its
    /// full id, in `subscription` (the import's home; `resource_group` only for a record
    /// without its own). No pool cut over: nothing is read, no Azure access needed; else
    /// missing Azure credentials are an error, never a skipped check.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn find(
        dir: &OutputDir,
        records: &[group_sync::GroupRecord],
        selected: &[String],
        subscription: &str,
        resource_group: &str,
        request: &ReviveRequest,
        dry_run: bool,
        arm: &mut ArmConnection,
        runtime: &tokio::runtime::Runtime,
    ) -> Result<Self> {
        let state = CutoverState::load(&CutoverState::path_in(&dir.path))?;
        // Only records the cutover retired: a pool not cut over is not even evaluated.
        let records: Vec<group_sync::GroupRecord> = records
            .iter()
            .filter(|r| selected.contains(&r.pool))
            .filter(|r| state.pool(&r.pool).is_some_and(|c| c.done(Step::Retire)))
            .cloned()
            .collect();
        let mut revival = Revival {
            out: dir.path.clone(),
            pools: Vec::new(),
            checks: ScaleSetChecks::default(),
            kubeconfig: None,
        };
        if records.is_empty() {
            return Ok(revival);
        }
        let pools = importer::cutover::imported_pools(dir, &records, subscription, resource_group)?;
        revival.pools = pools
            .into_iter()
            .filter(|p| cutover::verify::is_retired(&state, p))
            .collect();
        if revival.pools.is_empty() {
            return Ok(revival);
        }
        let names: Vec<&str> = revival.pools.iter().map(|p| p.pool.as_str()).collect();
        let retired: Vec<&CutoverPool> = revival.pools.iter().collect();
        let read = runtime.block_on(importer::cutover::check(&dir.path, &retired, arm));
        revival.checks = read.map_err(|e| {
            // Only a failed read is about access; a scale set found not this cluster's says so.
            let access = matches!(
                e,
                importer::cutover::CutoverRunError::Arm(_)
                    | importer::cutover::CutoverRunError::Cutover(
                        cutover::CutoverError::ReadScaleSet { .. }
                    )
            );
            let why = format!(
                "{} records the cutover of {} as finished: its scale set is read to see whether `aks-engine upgrade` brought it back above 0{}",
                CutoverState::path_in(&dir.path).display(),
                names.join(", "),
                if access {
                    ", with Azure credentials as for `cutover` (AZURE_*, --arm-url, --use-msi)"
                } else {
                    ""
                }
            );
            anyhow::Error::new(e).context(why)
        })?;
        if !dry_run && !revival.checks.revived.is_empty() {
            revival.kubeconfig = Some(
                importer::kubeconfig::choose(request.kubeconfig.as_deref(), dir)
                    .context("a retired scale set is above 0 again: its nodes are drained through the cluster")?
                    .path,
            );
        }
        Ok(revival)
    }

    /// Whether a scale set is to be cut over again.
    pub(super) fn is_empty(&self) -> bool {
        self.checks.revived.is_empty()
    }

    /// What step 5 will do: on stderr before the confirmation, or on stdout in a dry run
    /// (text output).
    pub(super) fn print(&self, dry_run: bool, output: OutputFormat) {
        for r in &self.checks.revived {
            let Some(p) = self.pools.iter().find(|p| p.pool == r.pool) else {
                continue;
            };
            if dry_run {
                if output == OutputFormat::Text {
                    let mut stdout = std::io::stdout().lock();
                    let _ = writeln!(
                        stdout,
                        "{}: its scale set {} is at {} again (aks-engine upgrade re-deployed it): a sync without --dry-run cuts it over again:\n  {}",
                        r.pool,
                        r.scale_set,
                        r.capacity,
                        plan_line(p)
                    );
                    let _ = stdout.flush();
                }
            } else {
                eprintln!("{}\n  {}", revived_line(r), plan_line(p));
            }
        }
    }

    /// `--output json`'s `revived` without running anything: `wouldCutOver` in a dry run, else
    /// `notRun`.
    pub(super) fn not_run(&self, dry_run: bool) -> Vec<Value> {
        let outcome = if dry_run { "wouldCutOver" } else { "notRun" };
        self.checks
            .revived
            .iter()
            .map(|r| result(r, outcome, None, None))
            .collect()
    }

    /// Cuts the revived pools over again (join, cordon, drain, retire: the cutover's own run,
    /// recorded in `spot-cutover.json`), until `cancel` fires. The report on stdout (text), an
    /// error on stderr; the results and whether the cutover finished.
    pub(super) fn run(
        &self,
        request: &ReviveRequest,
        output: OutputFormat,
        spot: &spot_api::SpotClient,
        arm: &mut ArmConnection,
        runtime: &tokio::runtime::Runtime,
        cancel: &group_sync::CancellationToken,
    ) -> Result<(Vec<Value>, bool)> {
        let Some(kubeconfig) = &self.kubeconfig else {
            return Ok((self.not_run(false), true));
        };
        let options = CutoverOptions {
            pools: self.checks.revived.iter().map(|r| r.pool.clone()).collect(),
            ..request.options.clone()
        };
        let run = Run {
            out: &self.out,
            pools: &self.pools,
            checks: &self.checks,
            kubeconfig,
            options: &options,
            output,
        };
        let results = |outcome, report: Option<&cutover::CutoverReport>, error: Option<&str>| {
            self.checks
                .revived
                .iter()
                .map(|r| result(r, outcome, report, error))
                .collect()
        };
        match run.execute(runtime, spot, arm, cancel) {
            Ok(Ran::Done(report)) => {
                if output == OutputFormat::Text {
                    let mut stdout = std::io::stdout().lock();
                    write!(stdout, "{}", report_text(&report))?;
                    stdout.flush()?;
                }
                Ok((results("cutOver", Some(&report), None), true))
            }
            // The exit code is the interrupted one (the caller sees `cancel`).
            Ok(Ran::Interrupted(_)) => Ok((results("interrupted", None, None), false)),
            Err(e) => {
                let error = importer::error_chain(e.as_ref());
                eprintln!("error: {error}");
                Ok((results("failed", None, Some(&error)), false))
            }
        }
    }
}
