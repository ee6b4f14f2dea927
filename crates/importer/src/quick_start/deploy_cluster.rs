//! Step 1 of the quick start: deploy the cluster with aks-engine into the output directory,
//! recording that aks-engine ran there (so a re-run may overwrite what it left).

use serde_json::Value;

use super::QuickStartError;
use super::aks_engine_deploy::{self, DeployRequest};
use super::options::QuickStartOptions;
use super::prepare::DeployPlan;
use super::progress::{Progress, ProgressEvent};
use super::steps::StepsFile;
use crate::azure_access::ArmConnection;

pub(super) async fn deploy_cluster(
    opts: &QuickStartOptions,
    plan: &DeployPlan,
    progress: &mut dyn Progress,
    title: &str,
) -> Result<(), QuickStartError> {
    let out = &opts.output_dir;
    // The model goes to a temporary file: aks-engine must create the output directory itself,
    // and a resumed model must survive aks-engine rewriting the directory it came from.
    let mut model_file = tempfile::Builder::new()
        .prefix("spot-quickstart-apimodel-")
        .suffix(".json")
        .tempfile()
        .map_err(QuickStartError::CreateModelFile)?;
    std::io::Write::write_all(&mut model_file, plan.model_text.as_bytes())
        .map_err(QuickStartError::WriteModelFile)?;
    progress.start(title);
    if plan.resumes {
        progress.report(&ProgressEvent::Note(format!(
            "resuming the interrupted deployment in {} from its own apimodel.json (its certificates and SSH key are kept); aks-engine rewrites the directory from it",
            out.display()
        )));
    } else if plan.force_overwrite {
        progress.report(&ProgressEvent::Note(format!(
            "{} exists but no finished deployment is recorded there; running aks-engine again with --force-overwrite",
            out.display()
        )));
    }
    let req = DeployRequest {
        binary: &plan.binary,
        api_model: model_file.path(),
        output_dir: out,
        inputs: &opts.inputs,
        force_overwrite: plan.force_overwrite,
        dns_prefix_flag: !plan.resumes,
        sets: &[],
    };
    let result = aks_engine_deploy::run(&req, |line| {
        progress.report(&ProgressEvent::AksEngine(line.to_owned()));
    })
    .await;
    // Whatever aks-engine left in the directory is now ours: a re-run may overwrite it.
    if out.is_dir() {
        StepsFile::load(out)?.finish(|s| &mut s.cluster_deploy_started)?;
    }
    result?;
    if !out.join("apimodel.json").is_file() {
        return Err(QuickStartError::NoApiModelWritten { out: out.clone() });
    }
    progress.finish("deployed");
    Ok(())
}

/// What Azure says about the deployments of the resource group an interrupted aks-engine left.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum LeftDeployment {
    /// None running, none finished: deploy again.
    None,
    /// aks-engine's deployment finished after this tool stopped: the cluster is there.
    Succeeded(String),
}

/// Before a resumed deployment: a deployment still running in the resource group (aks-engine
/// was stopped, Azure was not) is waited for by the user, never overlapped; one that succeeded
/// means the cluster exists and aks-engine must not run again.
pub(super) async fn left_deployment(
    arm: &mut ArmConnection,
    resource_group: &str,
) -> Result<LeftDeployment, QuickStartError> {
    let client = arm
        .client()
        .await
        .map_err(QuickStartError::CheckInterruptedDeployment)?;
    let url = client.url_for_segments(
        &[
            "subscriptions",
            client.subscription_id(),
            "resourcegroups",
            resource_group,
            "providers",
            "Microsoft.Resources",
            "deployments",
        ],
        "2018-05-01",
    )?;
    let listed = match client.send(azure_arm::Method::GET, url, None).await {
        Ok(response) => response.json()?,
        Err(e) if e.status() == Some(404) => return Ok(LeftDeployment::None),
        Err(source) => {
            return Err(QuickStartError::ListDeployments {
                resource_group: resource_group.to_owned(),
                source,
            });
        }
    };
    let deployments = listed
        .get("value")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut succeeded = None;
    for d in &deployments {
        let name = d.get("name").and_then(Value::as_str).unwrap_or_default();
        let state = d
            .pointer("/properties/provisioningState")
            .and_then(Value::as_str)
            .unwrap_or_default();
        // aks-engine names its deployments `<resource group>-<random>`.
        if !name.starts_with(&format!("{resource_group}-")) {
            continue;
        }
        match state {
            "Succeeded" => succeeded = Some(name.to_owned()),
            "Failed" | "Canceled" => {}
            running => {
                return Err(QuickStartError::DeploymentRunning {
                    name: name.to_owned(),
                    resource_group: resource_group.to_owned(),
                    state: running.to_owned(),
                });
            }
        }
    }
    Ok(succeeded.map_or(LeftDeployment::None, LeftDeployment::Succeeded))
}
