//! `spotinst-aks-engine cutover`: wait until the Spot nodes are Ready, drain the aks-engine
//! nodes, scale their scale set to zero (the `cutover` crate, through `importer::cutover`).
//! Progress on stderr as it happens, the report on stdout at the end.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use aks_engine::OutputDir;
use anyhow::Result;
use cutover::{CutoverOptions, CutoverPool, CutoverReport, ProgressEvent};
use importer::azure_access::ArmConnection;
use importer::{home, scope};
use serde_json::json;

use super::{access, interrupt};
use crate::cli::{CutoverArgs, OutputFormat};

pub fn run(args: CutoverArgs) -> Result<ExitCode> {
    let out = &args.cluster.output_directory;
    let dir = OutputDir::load(out)?;
    let state = access::recorded_state(out)?;
    // The scale sets' names, to check --pool before anything is contacted; their resource group
    // is settled below, from what the import recorded.
    let mut pools = importer::cutover::imported_pools(
        &dir,
        state.records(),
        scope::PLACEHOLDER_SUBSCRIPTION,
        "",
    )?;
    let kubeconfig = importer::kubeconfig::choose(args.kubeconfig.as_deref(), &dir)?.path;
    let options = CutoverOptions {
        join_timeout: args.timeouts.join_timeout,
        drain_timeout: args.timeouts.drain_timeout,
        force: args.force,
        delete_emptydir_data: args.delete_emptydir_data,
        pools: args.pools.clone(),
        join_poll_interval: args.poll_interval,
        eviction_retry_interval: args.poll_interval,
        concurrency: args.concurrency as usize,
        stop_after: None,
    };
    // An unknown --pool is refused before anything is contacted.
    cutover::input::select_pools(&pools, &options)?;
    let spot = access::spot_access(&args.spot).client()?;
    let runtime = access::runtime()?;
    // The resource group and subscription the import used (H1: never the DNS prefix's when
    // the import was told another one); a flag or variable naming others is refused.
    let homes = runtime.block_on(home::recorded_or_live(&state, &spot))?;
    let home = home::resolve(
        args.cluster.resource_group.given(),
        args.cluster.given_subscription(),
        &homes,
        &dir,
        args.dry_run,
    )?;
    let subscription = home.subscription_id;
    // Now with the real scope: each scale set's full id (subscription, resource group, name).
    pools = importer::cutover::imported_pools(
        &dir,
        state.records(),
        &subscription,
        &home.resource_group.value,
    )?;
    let selected = cutover::input::select_pools(&pools, &options)?;

    if args.dry_run {
        let plan = runtime.block_on(async {
            let kube = cutover::client_from_kubeconfig(&kubeconfig).await?;
            anyhow::Ok(cutover::plan_cutover(out, &pools, &kube, &spot, &options).await?)
        })?;
        let mut stdout = std::io::stdout().lock();
        match args.output {
            OutputFormat::Text => write!(stdout, "{plan}")?,
            OutputFormat::Json => writeln!(stdout, "{}", serde_json::to_string_pretty(&plan)?)?,
        }
        stdout.flush()?;
        return Ok(ExitCode::SUCCESS);
    }

    // Held for the whole run: no import, delete or other cutover on this directory meanwhile.
    let _lock = group_sync::StateLock::acquire(out)?;
    let mut arm = ArmConnection::new(access::azure_access(&args.azure), subscription);
    // Azure first: a token, and each scale set read by its full id and checked to be the one the
    // import read. Never ask for a confirmation that cannot be acted on, nor drain for nothing.
    let checks = runtime.block_on(importer::cutover::check(out, &selected, &mut arm))?;
    eprintln!(
        "This cuts over {} pool(s) through {}:",
        selected.len(),
        kubeconfig.display()
    );
    for p in &selected {
        if let Some(r) = checks.revived.iter().find(|r| r.pool == p.pool) {
            eprintln!("  {}", revived_line(r));
        }
        eprintln!("  {}", plan_line(p));
    }
    if !args.yes && !super::confirm::confirm("Cut over?", "cut over")? {
        eprintln!("nothing changed");
        return Ok(ExitCode::FAILURE);
    }

    let cancel = group_sync::CancellationToken::new();
    runtime.spawn(interrupt::stop_on_signal_saying(
        cancel.clone(),
        &interrupt::CUTOVER_MESSAGES,
    ));
    let run = Run {
        out,
        pools: &pools,
        checks: &checks,
        kubeconfig: &kubeconfig,
        options: &options,
        output: args.output,
    };
    let report = match run.execute(&runtime, &spot, &mut arm, &cancel)? {
        Ran::Done(report) => report,
        Ran::Interrupted(code) => return Ok(code),
    };
    let mut stdout = std::io::stdout().lock();
    match args.output {
        OutputFormat::Text => write!(stdout, "{}", report_text(&report))?,
        OutputFormat::Json => {
            let doc = json!({
                "report": report,
                "stateFile": cutover::CutoverState::path_in(out),
            });
            writeln!(stdout, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
    }
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// What the confirmation lists for a pool: what its cutover will do.
pub(super) fn plan_line(p: &CutoverPool) -> String {
    format!(
        "{}: once Spot group {} has its nodes Ready, cordon and drain the nodes of scale set {}/{}, then scale it to 0",
        p.pool, p.group_id, p.resource_group, p.scale_set
    )
}

/// Why a pool whose cutover finished is cut over again.
pub(super) fn revived_line(r: &cutover::RevivedScaleSet) -> String {
    format!(
        "{}: its scale set {} is at {} again (aks-engine upgrade re-deployed it): cutting it over again",
        r.pool, r.scale_set, r.capacity
    )
}

/// A cutover checked in Azure (its scale sets read by [`importer::cutover::check`]) and
/// confirmed: what `cutover` and `sync`'s step 5 (a retired scale set above 0 again) both run.
pub(super) struct Run<'a> {
    /// The output directory (its `spot-cutover.json`).
    pub out: &'a Path,
    /// The imported pools (`options.pools` selects among them).
    pub pools: &'a [CutoverPool],
    /// What the check read: not read again.
    pub checks: &'a cutover::ScaleSetChecks,
    /// The cluster's kubeconfig.
    pub kubeconfig: &'a Path,
    /// Timeouts, drain flags, pools.
    pub options: &'a CutoverOptions,
    /// The report of an interrupted run goes to stdout as text only (`--output json` keeps
    /// stdout for its document).
    pub output: OutputFormat,
}

/// How a [`Run`] ended, when not by an error.
pub(super) enum Ran {
    /// Every step done: what was done.
    Done(CutoverReport),
    /// Stopped by Ctrl-C: the report and the error were printed; the exit code.
    Interrupted(ExitCode),
}

impl Run<'_> {
    /// Runs (or resumes) the cutover until `cancel` fires (the caller watches for signals):
    /// progress on stderr as it happens (a join poll that changed nothing not again; nothing
    /// with `-q`); on an interruption what was done on stdout (text) and the error on stderr.
    pub(super) fn execute(
        &self,
        runtime: &tokio::runtime::Runtime,
        spot: &spot_api::SpotClient,
        arm: &mut ArmConnection,
        cancel: &group_sync::CancellationToken,
    ) -> Result<Ran> {
        let quiet = !tracing::enabled!(tracing::Level::WARN);
        let mut lines = ProgressLines::default();
        let mut sink = |e: &ProgressEvent| {
            if let Some(line) = lines.line(e)
                && !quiet
            {
                eprintln!("{line}");
            }
        };
        let result = runtime.block_on(importer::cutover::run(
            self.out,
            self.pools,
            self.checks,
            self.kubeconfig,
            spot,
            arm,
            self.options,
            &mut sink,
            cancel,
        ));
        match result {
            Ok(report) => Ok(Ran::Done(report)),
            Err(importer::cutover::CutoverRunError::Cutover(
                e @ cutover::CutoverError::Interrupted { .. },
            )) => {
                if let cutover::CutoverError::Interrupted { report, .. } = &e
                    && self.output == OutputFormat::Text
                {
                    let mut stdout = std::io::stdout().lock();
                    write!(stdout, "{}", report_text(report))?;
                    stdout.flush()?;
                }
                Ok(Ran::Interrupted(interrupt::interrupted(&e)))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Progress lines without repeats: a join poll that changed nothing is not printed again.
#[derive(Default)]
struct ProgressLines {
    last_join: std::collections::BTreeMap<String, String>,
}

impl ProgressLines {
    fn line(&mut self, event: &ProgressEvent) -> Option<String> {
        let line = event.to_string();
        if let ProgressEvent::Join(j) = event {
            if self.last_join.get(&j.pool) == Some(&line) {
                return None;
            }
            self.last_join.insert(j.pool.clone(), line.clone());
        }
        Some(line)
    }
}

/// The report as text: one line per kind of change.
pub(super) fn report_text(r: &CutoverReport) -> String {
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_owned()
        } else {
            v.join(", ")
        }
    };
    let mut s = format!("Cut over {}\n", r.pools.join(", "));
    if !r.skipped.is_empty() {
        let steps: Vec<String> = r.skipped.iter().map(ToString::to_string).collect();
        s.push_str(&format!("  done by an earlier run: {}\n", steps.join(", ")));
    }
    for j in &r.joins {
        s.push_str(&format!("  joined: {j}\n"));
    }
    s.push_str(&format!("  cordoned: {}\n", list(&r.cordoned)));
    s.push_str(&format!("  evicted: {}\n", list(&r.evicted)));
    s.push_str(&format!("  left running: {}\n", list(&r.left)));
    s.push_str(&format!("  scaled to 0: {}\n", list(&r.scaled_to_zero)));
    s.push_str(&format!("  deleted nodes: {}\n", list(&r.deleted_nodes)));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use cutover::{PoolJoin, Step};

    #[test]
    fn join_lines_are_printed_only_when_they_change() {
        let join = |ready: bool| {
            ProgressEvent::Join(PoolJoin {
                pool: "agentpool1".into(),
                target: 1,
                vms: vec![cutover::VmJoin {
                    vm: "vm-0".into(),
                    node: Some("vm-0".into()),
                    ready,
                    unmatched: None,
                }],
            })
        };
        let mut lines = ProgressLines::default();
        assert_eq!(
            lines.line(&join(false)).as_deref(),
            Some("agentpool1: 0/1 Spot nodes Ready")
        );
        assert_eq!(lines.line(&join(false)), None);
        assert_eq!(
            lines.line(&join(true)).as_deref(),
            Some("agentpool1: 1/1 Spot nodes Ready")
        );
        assert_eq!(
            lines.line(&ProgressEvent::Cordoned("n0".into())).as_deref(),
            Some("cordoned n0")
        );
    }

    #[test]
    fn report_text_lists_each_change() {
        let r = CutoverReport {
            pools: vec!["agentpool1".into()],
            skipped: vec![Step::Join],
            cordoned: vec!["n0".into(), "n1".into()],
            evicted: vec!["shop/web-1".into()],
            scaled_to_zero: vec!["rg/vmss".into()],
            ..Default::default()
        };
        assert_eq!(
            report_text(&r),
            "Cut over agentpool1\n  done by an earlier run: join\n  cordoned: n0, n1\n  evicted: shop/web-1\n  left running: none\n  scaled to 0: rg/vmss\n  deleted nodes: none\n"
        );
    }
}
