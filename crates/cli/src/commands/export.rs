//! `spotinst-aks-engine export terraform`: GET every recorded v3 group from Spot and write it as
//! Terraform (the mapping is `terraform-export`'s; this reads, fetches and writes files).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use elastigroup::ApiGeneration;
use group_sync::GroupRecord;
use spot_api::{Group, SpotClient, SpotError};

use crate::cli::{ExportCommand, ExportTerraformArgs};
use importer::error_chain;

/// The HCL file's name in the output directory when `--file` is not given.
pub const DEFAULT_FILE_NAME: &str = "spot-elastigroups.tf";

pub fn run(cmd: ExportCommand) -> Result<ExitCode> {
    match cmd {
        ExportCommand::Terraform(args) => terraform(args),
    }
}

fn terraform(args: ExportTerraformArgs) -> Result<ExitCode> {
    let dir = &args.output_directory;
    let file = args
        .file
        .clone()
        .unwrap_or_else(|| dir.join(DEFAULT_FILE_NAME));
    check_destinations(&file, args.tfvars.as_deref())?;
    let state = super::access::recorded_state(dir)?;
    let (v3, v2): (Vec<&GroupRecord>, Vec<&GroupRecord>) = state
        .records()
        .iter()
        .partition(|r| r.generation == ApiGeneration::V3);
    for r in &v2 {
        eprintln!(
            "warning: agent pool `{}`: Spot Elastigroup {} ({}) is a v2 (Low-Priority) group; the spotinst \
             Terraform provider has no resource for Azure v2 groups since 2024: skipped",
            r.pool, r.group_id, r.name
        );
    }
    if v3.is_empty() {
        eprintln!(
            "error: nothing exported: no v3 Elastigroup is recorded in {}",
            state.path().display()
        );
        return Ok(ExitCode::FAILURE);
    }

    let client = super::access::spot_access(&args.spot).client()?;
    let runtime = super::access::runtime()?;
    let fetched = runtime.block_on(fetch(&client, &v3));
    let mut failed = false;
    let mut live = Vec::with_capacity(fetched.len());
    for (record, result) in &fetched {
        match result {
            Ok(group) => live.push(terraform_export::LiveGroup {
                pool: &record.pool,
                group_id: &record.group_id,
                group: &group.raw,
            }),
            Err(e) => {
                failed = true;
                eprintln!(
                    "error: agent pool `{}`: reading Spot Elastigroup {}: {}",
                    record.pool,
                    record.group_id,
                    error_chain(e)
                );
            }
        }
    }
    if failed {
        eprintln!("error: nothing exported (every recorded v3 group must be readable)");
        return Ok(ExitCode::FAILURE);
    }
    let export = terraform_export::export(&live)?;

    if let Some(tfvars) = &args.tfvars {
        group_sync::write_atomic(tfvars, export.tfvars.as_bytes())
            .with_context(|| format!("writing {}", tfvars.display()))?;
    }
    if is_stdout(&file) {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(export.tf.as_bytes())?;
        stdout.flush()?;
    } else {
        group_sync::write_atomic(&file, export.tf.as_bytes())
            .with_context(|| format!("writing {}", file.display()))?;
    }

    let secrets: usize = export.groups.iter().map(|g| g.secrets.len()).sum();
    for g in &export.groups {
        if !g.left_out.is_empty() {
            eprintln!(
                "note: agent pool `{}`: {} field(s) of {} left out (the provider cannot express them; listed in the file)",
                g.pool,
                g.left_out.len(),
                g.group_id
            );
        }
    }
    let target = if is_stdout(&file) {
        "stdout".to_owned()
    } else {
        file.display().to_string()
    };
    let values = match &args.tfvars {
        Some(t) => format!("their values are in {} (never commit it)", t.display()),
        None => "set them, e.g. with --tfvars FILE".to_owned(),
    };
    eprintln!(
        "exported {} Spot Elastigroup(s) to {target}; {secrets} sensitive variable(s): {values}",
        export.groups.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The tfvars file is never stdout, and never the HCL file itself.
fn check_destinations(file: &Path, tfvars: Option<&Path>) -> Result<()> {
    let Some(tfvars) = tfvars else {
        return Ok(());
    };
    if is_stdout(tfvars) {
        bail!("--tfvars takes a file path, not `-`: secret values are not printed");
    }
    if absolute(tfvars) == absolute(file) {
        bail!(
            "--tfvars {} is the HCL file itself: give the secrets their own file",
            tfvars.display()
        );
    }
    Ok(())
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_owned())
}

/// Every group, concurrently; results in state-file order.
async fn fetch<'a>(
    client: &SpotClient,
    records: &[&'a GroupRecord],
) -> Vec<(&'a GroupRecord, Result<Group, SpotError>)> {
    let mut tasks = tokio::task::JoinSet::new();
    for (index, record) in records.iter().enumerate() {
        let client = client.clone();
        let id = record.group_id.clone();
        tasks.spawn(async move { (index, client.get_group(ApiGeneration::V3, &id).await) });
    }
    let mut results: Vec<(usize, Result<Group, SpotError>)> = Vec::with_capacity(records.len());
    while let Some(joined) = tasks.join_next().await {
        if let Ok(entry) = joined {
            results.push(entry);
        }
    }
    results.sort_by_key(|(index, _)| *index);
    results
        .into_iter()
        .map(|(index, result)| (records[index], result))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tfvars_is_neither_stdout_nor_the_hcl_file() {
        let tf = Path::new("out/spot-elastigroups.tf");
        assert!(check_destinations(tf, None).is_ok());
        assert!(check_destinations(tf, Some(Path::new("secrets.tfvars"))).is_ok());
        let err = check_destinations(tf, Some(Path::new("-"))).unwrap_err();
        assert!(err.to_string().contains("not `-`"), "{err}");
        let err =
            check_destinations(tf, Some(Path::new("out/./spot-elastigroups.tf"))).unwrap_err();
        assert!(err.to_string().contains("HCL file itself"), "{err}");
    }
}
