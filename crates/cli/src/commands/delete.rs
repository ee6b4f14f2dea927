//! `spotinst-aks-engine delete`: delete the recorded groups (after confirmation) and forget them.

use std::io::Write;
use std::process::ExitCode;

use aks_engine::OutputDir;
use anyhow::{Context, Result, bail};
use group_sync::{DeleteOutcome, GroupRecord, StateFile};
use importer::{home, scope};
use serde_json::{Value, json};

use crate::cli::{DeleteArgs, OutputFormat};
use importer::error_chain;

pub fn run(args: DeleteArgs) -> Result<ExitCode> {
    let out = &args.state.output_directory;
    let state = super::access::recorded_state(out)?;
    let selected = select(&state, &args.pools)?;
    // Credentials first: never ask for a confirmation that cannot be acted on.
    let client = super::access::spot_access(&args.state.spot).client()?;
    let runtime = super::access::runtime()?;
    // Each group is deleted only when Spot shows it is this cluster's (H4): in the resource
    // group the import used, in the cluster's region, made from the pool's scale set.
    let dir = OutputDir::load(out).context(
        "delete checks each group against the cluster of its output directory, which cannot be read",
    )?;
    let homes = runtime.block_on(home::recorded_or_live(&state, &client))?;
    let resource_group = scope::home_resource_group(
        args.state.resource_group.given(),
        &homes.resource_groups,
        &dir,
    )?;
    let owners = home::expected_owners(&dir, &selected, &resource_group.value)?;
    // Held from here (the arguments are checked) to the last write; the records are read again.
    let lock = importer::lock::lock_output_dir(out)?;

    eprintln!("This deletes {} Spot Elastigroup(s):", selected.len());
    for r in &selected {
        eprintln!(
            "  {} (pool {}, {}, {} API)",
            r.group_id, r.pool, r.name, r.generation
        );
    }
    if !args.yes && !confirm()? {
        eprintln!("nothing deleted");
        return Ok(ExitCode::FAILURE);
    }

    let pools: Vec<String> = selected.iter().map(|r| r.pool.clone()).collect();
    let expected = |r: &GroupRecord| owners.get(&r.pool).cloned().unwrap_or_default();
    let report = runtime.block_on(group_sync::delete_locked(&client, &lock, &pools, &expected))?;

    let mut stdout = std::io::stdout().lock();
    let mut docs = Vec::new();
    for (pool, outcome) in &report.pools {
        let (line, doc) = describe(pool, outcome);
        match (&line, args.state.output) {
            (Ok(text), OutputFormat::Text) => writeln!(stdout, "{text}")?,
            (Err(text), _) => eprintln!("error: {text}"),
            _ => {}
        }
        docs.push(doc);
    }
    if args.state.output == OutputFormat::Json {
        let doc = json!({"groups": docs, "stateFile": state.path()});
        writeln!(stdout, "{}", serde_json::to_string_pretty(&doc)?)?;
    }
    stdout.flush()?;
    Ok(if report.all_succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The records of `pools` (every record when empty); an unknown pool is an error.
fn select(state: &StateFile, pools: &[String]) -> Result<Vec<GroupRecord>> {
    if pools.is_empty() {
        return Ok(state.records().to_vec());
    }
    let mut out = Vec::new();
    for pool in pools {
        match state.get(pool) {
            Some(r) if !out.contains(r) => out.push(r.clone()),
            Some(_) => {}
            None => {
                let known: Vec<&str> = state.records().iter().map(|r| r.pool.as_str()).collect();
                bail!(
                    "no Elastigroup recorded for pool `{pool}` in {} (recorded pools: {})",
                    state.path().display(),
                    known.join(", ")
                );
            }
        }
    }
    Ok(out)
}

/// Asks on the terminal; refuses when stdin is not one.
fn confirm() -> Result<bool> {
    super::confirm::confirm("Delete them?", "delete")
}

/// The text line (`Ok` for stdout, `Err` for stderr) and the JSON entry of one pool.
fn describe(pool: &str, outcome: &DeleteOutcome) -> (Result<String, String>, Value) {
    match outcome {
        DeleteOutcome::Deleted { group_id } => (
            Ok(format!("Spot Elastigroup {group_id} deleted (pool {pool})")),
            json!({"pool": pool, "groupId": group_id, "outcome": "deleted"}),
        ),
        DeleteOutcome::AlreadyGone { group_id } => (
            Ok(format!(
                "Spot Elastigroup {group_id} was already gone (pool {pool}); record removed"
            )),
            json!({"pool": pool, "groupId": group_id, "outcome": "already-gone"}),
        ),
        DeleteOutcome::NotRecorded => (
            Ok(format!("no Elastigroup recorded for pool {pool}")),
            json!({"pool": pool, "outcome": "not-recorded"}),
        ),
        DeleteOutcome::Failed { group_id, error } => {
            let error = error_chain(error);
            (
                Err(format!(
                    "agent pool `{pool}`: deleting Spot Elastigroup {group_id} failed (it is still recorded): {error}"
                )),
                json!({"pool": pool, "groupId": group_id, "outcome": "failed", "error": error}),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use elastigroup::ApiGeneration;

    fn state_with(pools: &[&str]) -> (tempfile::TempDir, StateFile) {
        let dir = tempfile::tempdir().unwrap();
        let mut state = StateFile::load(&StateFile::path_in(dir.path())).unwrap();
        for p in pools {
            state.upsert(GroupRecord {
                pool: (*p).into(),
                group_id: format!("sig-{p}"),
                generation: ApiGeneration::V3,
                name: format!("n-{p}"),
                created_at: "t".into(),
                updated_at: None,
                resource_group: None,
                subscription_id: None,
            });
        }
        (dir, state)
    }

    #[test]
    fn selection_defaults_to_every_record_and_rejects_unknown_pools() {
        let (_dir, state) = state_with(&["a", "b"]);
        assert_eq!(select(&state, &[]).unwrap().len(), 2);
        let one = select(&state, &["b".into(), "b".into()]).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].group_id, "sig-b");
        let err = select(&state, &["zz".into()]).unwrap_err().to_string();
        assert!(err.contains("pool `zz`") && err.contains("a, b"), "{err}");
    }

    #[test]
    fn outcomes_render_for_text_and_json() {
        let (line, doc) = describe(
            "a",
            &DeleteOutcome::Deleted {
                group_id: "sig-1".into(),
            },
        );
        assert_eq!(line.unwrap(), "Spot Elastigroup sig-1 deleted (pool a)");
        assert_eq!(doc["outcome"], "deleted");
        let (line, doc) = describe(
            "a",
            &DeleteOutcome::Failed {
                group_id: "sig-1".into(),
                error: group_sync::PoolError::Task("x".into()),
            },
        );
        assert!(line.unwrap_err().contains("still recorded"));
        assert_eq!(doc["error"], "the task of this pool failed: x");
    }
}
