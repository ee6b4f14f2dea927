//! `spotinst-aks-engine status`: the groups recorded for an output directory and their VMs, and
//! (with a kubeconfig) whether each VM is a Ready node; the health view is in [`health`].

mod health;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use group_sync::{GroupRecord, StateFile};
use serde_json::{Value, json};
use spot_api::{GroupStatus, SpotError, VmStatus};

use crate::cli::{OutputFormat, StatusArgs};
use importer::summary::error_chain;

pub fn run(args: StatusArgs) -> Result<ExitCode> {
    let state = recorded_state(&args.state.output_directory)?;
    let client = super::import::spot_access(&args.state.spot).client()?;
    let runtime = importer::import::runtime()?;
    let results = runtime.block_on(group_sync::status(&client, &state));
    let health = runtime.block_on(health::look(&args, &client, &results))?;
    let mut stdout = std::io::stdout().lock();
    match args.state.output {
        OutputFormat::Text => write!(stdout, "{}", table_with(&results, Some(&health)))?,
        OutputFormat::Json => {
            let doc = json!({
                "stateFile": state.path(),
                "groups": results
                    .iter()
                    .zip(&health.pools)
                    .map(|((r, s), h)| health::group_json(group_json(r, s), h))
                    .collect::<Vec<_>>(),
                "kubernetes": health.kubernetes_json(),
                "joinGraceSeconds": args.join_grace.as_secs(),
                "healthy": health.healthy(),
            });
            writeln!(stdout, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
    }
    stdout.flush()?;
    let mut failed = false;
    for (record, result) in &results {
        if let Err(e) = result {
            failed = true;
            eprintln!(
                "error: agent pool `{}`: status of Spot Elastigroup {}: {}",
                record.pool,
                record.group_id,
                error_chain(e)
            );
        }
    }
    for line in health.overdue_lines(args.join_grace) {
        eprintln!("error: {line}");
    }
    Ok(if failed || !health.healthy() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The state file of `dir`, refusing when it records nothing (shared with `delete`).
pub(super) fn recorded_state(dir: &Path) -> Result<StateFile> {
    let state = StateFile::load(&StateFile::path_in(dir))?;
    if state.records().is_empty() {
        bail!(
            "no Elastigroups recorded in {} (run import first)",
            dir.display()
        );
    }
    Ok(state)
}

fn vm_json(vm: &VmStatus) -> Value {
    json!({
        "vmName": vm.name,
        "vmSize": vm.vm_size,
        "lifeCycle": vm.life_cycle,
        "privateIp": vm.private_ip,
        "powerState": vm.state,
    })
}

/// One group in `--output json`: the record, then the status or the error.
fn group_json(record: &GroupRecord, status: &Result<GroupStatus, SpotError>) -> Value {
    let mut v = json!({
        "pool": record.pool,
        "groupId": record.group_id,
        "name": record.name,
        "generation": record.generation,
    });
    match status {
        Ok(s) => {
            v["status"] = json!(s.status);
            v["vms"] = Value::Array(s.vms.iter().map(vm_json).collect());
        }
        Err(e) => v["error"] = Value::String(error_chain(e)),
    }
    v
}

/// Rows as aligned columns, two spaces apart, each line prefixed with `indent`.
fn columns(rows: &[Vec<String>], indent: &str) -> String {
    let widths: Vec<usize> = (0..rows.first().map_or(0, Vec::len))
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(indent);
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The text form of Spot's view: a header line per group, then its VMs.
#[cfg(test)]
fn table(results: &[(GroupRecord, Result<GroupStatus, SpotError>)]) -> String {
    table_with(results, None)
}

/// The text form: a header line per group, then its VMs; with Kubernetes' view, the header
/// gains the capacity and the Ready count, each VM its node and age, and the source scale set's
/// remaining nodes follow.
fn table_with(
    results: &[(GroupRecord, Result<GroupStatus, SpotError>)],
    health: Option<&health::Health>,
) -> String {
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let joined = health.filter(|h| h.nodes_seen());
    let mut out = String::new();
    for (i, (record, status)) in results.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let pool = joined.and_then(|h| h.pools.get(i)).and_then(Option::as_ref);
        let head = format!(
            "{}: Spot Elastigroup {} ({}, {})",
            record.pool, record.group_id, record.name, record.generation
        );
        match status {
            Err(_) => out.push_str(&format!("{head}: status unavailable (see error)\n")),
            Ok(s) => {
                out.push_str(&format!(
                    "{head}: {}, {} VM(s){}\n",
                    s.status.as_deref().unwrap_or("-"),
                    s.vms.len(),
                    pool.map(health::PoolView::header_suffix)
                        .unwrap_or_default()
                ));
                if !s.vms.is_empty() {
                    let mut titles = vec!["VM", "SIZE", "LIFECYCLE", "PRIVATE IP", "STATE"];
                    if pool.is_some() {
                        titles.extend(["NODE", "AGE"]);
                    }
                    let mut rows = vec![titles.into_iter().map(String::from).collect()];
                    for vm in &s.vms {
                        let mut row = vec![
                            dash(&vm.name),
                            dash(&vm.vm_size),
                            dash(&vm.life_cycle),
                            dash(&vm.private_ip),
                            dash(&vm.state),
                        ];
                        if let Some(p) = pool {
                            row.extend(p.vm_cells(vm.name.as_deref()));
                        }
                        rows.push(row);
                    }
                    out.push_str(&columns(&rows, "  "));
                }
                if let Some(line) = pool.and_then(health::PoolView::source_line) {
                    out.push_str(&format!("  {line}\n"));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use elastigroup::ApiGeneration;

    fn record() -> GroupRecord {
        GroupRecord {
            pool: "agentpool1".into(),
            group_id: "sig-1".into(),
            generation: ApiGeneration::V3,
            name: "demo-agentpool1".into(),
            created_at: "t".into(),
            updated_at: None,
            resource_group: None,
            subscription_id: None,
        }
    }

    #[test]
    fn table_aligns_vm_columns_under_the_group_line() {
        let status = GroupStatus::from_v3_items(vec![json!({"status": "ready", "vms": [
            {"vmName": "vm-a", "vmSize": "standard_d2_v2", "lifeCycle": "spot", "privateIp": "10.0.0.4", "powerState": "running"},
            {"vmName": "vm-long-name", "vmSize": "standard_d4_v2", "lifeCycle": "od"}
        ]})]);
        let text = table(&[(record(), Ok(status))]);
        assert_eq!(
            text,
            "agentpool1: Spot Elastigroup sig-1 (demo-agentpool1, v3): ready, 2 VM(s)\n\
             \x20 VM            SIZE            LIFECYCLE  PRIVATE IP  STATE\n\
             \x20 vm-a          standard_d2_v2  spot       10.0.0.4    running\n\
             \x20 vm-long-name  standard_d4_v2  od         -           -\n"
        );
    }

    #[test]
    fn json_uses_one_vm_shape_for_both_generations() {
        let status = GroupStatus::from_v2_items(vec![
            json!({"instanceId": "i-1", "lifeCycle": "low-priority", "state": "running"}),
        ]);
        let mut r = record();
        r.generation = ApiGeneration::V2;
        let v = group_json(&r, &Ok(status));
        assert_eq!(v["generation"], "v2");
        assert_eq!(v["vms"][0]["vmName"], "i-1");
        assert_eq!(v["vms"][0]["powerState"], "running");
        assert_eq!(v["status"], Value::Null);
    }
}
