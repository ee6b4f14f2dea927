//! Step 1 of the quick start: deploy the cluster with aks-engine into the output directory,
//! recording that aks-engine ran there (so a re-run may overwrite what it left).

use anyhow::{Context, Result, bail};

use super::aks_engine_deploy::{self, DeployRequest};
use super::options::QuickStartOptions;
use super::prepare::DeployPlan;
use super::progress::Progress;
use super::steps::StepsFile;

pub(super) async fn deploy_cluster(
    opts: &QuickStartOptions,
    plan: &DeployPlan,
    progress: &mut Progress,
    title: &str,
) -> Result<()> {
    let out = &opts.output_dir;
    // The model goes to a temporary file: aks-engine must create the output directory itself,
    // and a resumed model must survive aks-engine rewriting the directory it came from.
    let mut model_file = tempfile::Builder::new()
        .prefix("spot-quickstart-apimodel-")
        .suffix(".json")
        .tempfile()
        .context("cannot create a temporary file for the API model")?;
    std::io::Write::write_all(&mut model_file, plan.model_text.as_bytes())
        .context("cannot write the API model to a temporary file")?;
    progress.start(title);
    if plan.resumes {
        progress.line(&format!(
            "note: resuming the interrupted deployment in {} from its own apimodel.json (its certificates and SSH key are kept); aks-engine rewrites the directory from it",
            out.display()
        ));
    } else if plan.force_overwrite {
        progress.line(&format!(
            "note: {} exists but no finished deployment is recorded there; running aks-engine again with --force-overwrite",
            out.display()
        ));
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
    let result =
        aks_engine_deploy::run(&req, |line| progress.line(&format!("aks-engine | {line}"))).await;
    // Whatever aks-engine left in the directory is now ours: a re-run may overwrite it.
    if out.is_dir() {
        StepsFile::load(out)?.finish(|s| &mut s.cluster_deploy_started)?;
    }
    result?;
    if !out.join("apimodel.json").is_file() {
        bail!(
            "aks-engine reported success but wrote no apimodel.json in {}",
            out.display()
        );
    }
    progress.finish("deployed");
    Ok(())
}
