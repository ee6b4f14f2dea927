//! The quick start's steps in order: deploy the cluster with aks-engine, import its pools into
//! Spot, install the Spot controller, optionally scale the source scale set to zero.
//!
//! Everything that can be checked is checked in [`prepare`], before anything starts. Each
//! finished step is recorded (see [`super::steps`]), so a re-run after a failure continues at the
//! failed step: a recorded deployment is never repeated and group-sync's state file prevents a
//! second group.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use aks_engine::{OutputDir, RequirementOverrides};
use anyhow::{Context, Result, bail};
use azure_arm::{ArmClient, ArmResolver};
use elastigroup::{ApiGeneration, SetAssignment};
use group_sync::{GroupRequest, PoolOutcome, StateFile, SyncMode};
use serde::Serialize;
use serde_json::Value;
use spot_api::{ClientConfig, Credentials, SpotClient};
use spot_controller::{ControllerSettings, RolloutOutcome};

use super::aks_engine_deploy::{self, DeployRequest};
use super::inputs::Inputs;
use super::model;
use super::progress::Progress;
use super::steps::{Steps, StepsFile};
use crate::azure_access::AzureAccess;
use crate::import_plan::{self, PlanOptions, PlannedGroup};
use crate::scope;

/// The seed script's capacity, applied before the user's `--set` (so those win).
pub const DEFAULT_SETS: [&str; 2] = ["capacity.maximum=3", "capacity.target=2"];

/// How many pools are imported at once.
const IMPORT_CONCURRENCY: usize = 4;

/// What the user asked for, inputs complete.
#[derive(Debug, Clone)]
pub struct QuickStartOptions {
    pub inputs: Inputs,
    /// aks-engine's output directory (it creates it).
    pub output_dir: PathBuf,
    /// `--api-model`; `None` = the built-in model.
    pub api_model: Option<PathBuf>,
    /// The user's `--set` values (applied after [`DEFAULT_SETS`]).
    pub sets: Vec<String>,
    pub generation: ApiGeneration,
    /// `None` = `--skip-controller`.
    pub controller: Option<ControllerOptions>,
    pub scale_source_to_zero: bool,
    /// Spot API base URL.
    pub spot_base_url: String,
    /// Resource Manager URL (`--arm-url`); `None` = AZURE_RESOURCE_MANAGER_URL or public cloud.
    pub arm_url: Option<String>,
}

/// The controller's settings.
#[derive(Debug, Clone, Default)]
pub struct ControllerOptions {
    /// Rollout wait; zero = apply without waiting.
    pub timeout: Duration,
    pub image: Option<String>,
    pub version: Option<String>,
}

/// `./output/<dns prefix>`, the seed's layout.
pub fn default_output_dir(dns_prefix: &str) -> PathBuf {
    Path::new(".").join("output").join(dns_prefix)
}

/// The checked plan of a run.
#[derive(Debug)]
pub struct Prepared {
    opts: QuickStartOptions,
    subscription_id: String,
    sets: Vec<SetAssignment>,
    /// `None` when an earlier run recorded the deployment.
    deploy: Option<DeployPlan>,
    recorded: Steps,
}

#[derive(Debug)]
struct DeployPlan {
    binary: PathBuf,
    model_text: String,
    force_overwrite: bool,
}

impl Prepared {
    /// Whether step 1 will run aks-engine.
    pub fn deploys_cluster(&self) -> bool {
        self.deploy.is_some()
    }

    /// Whether aks-engine will be told to overwrite a directory an unfinished run left.
    pub fn overwrites_output_dir(&self) -> bool {
        self.deploy.as_ref().is_some_and(|d| d.force_overwrite)
    }

    /// The steps of this run, in order.
    pub fn step_count(&self) -> usize {
        2 + usize::from(self.opts.controller.is_some())
            + usize::from(self.opts.scale_source_to_zero)
    }
}

/// Checks everything that can be checked before starting: subscription id, `--set` values,
/// the step record, aks-engine's binary and the API model (when the cluster is still to deploy).
pub fn prepare(opts: QuickStartOptions, env: &dyn Fn(&str) -> Option<String>) -> Result<Prepared> {
    let subscription_id = scope::subscription(Some(&opts.inputs.subscription_id), false)
        .context("AZURE_SUBSCRIPTION_ID")?;
    let mut raw_sets: Vec<String> = DEFAULT_SETS.iter().map(|s| (*s).to_owned()).collect();
    raw_sets.extend(opts.sets.iter().cloned());
    let sets = elastigroup::parse_set_args(&raw_sets).context("--set")?;

    let out = &opts.output_dir;
    if out.exists() && !out.is_dir() {
        bail!("{} exists and is not a directory", out.display());
    }
    let recorded = StepsFile::load(out)?.steps;
    let deploy = if recorded.cluster_deployed.is_some() {
        if opts.api_model.is_some() {
            tracing::warn!(
                "the cluster in {} is already deployed (recorded in {}); --api-model is not used",
                out.display(),
                super::steps::FILE_NAME
            );
        }
        None
    } else {
        let binary = aks_engine_deploy::find_binary(env)?;
        let (text, parsed) = model::load(opts.api_model.as_deref())?;
        let model_text = model::for_dns_prefix(&text, &parsed, &opts.inputs.dns_prefix)?;
        Some(DeployPlan {
            binary,
            model_text,
            force_overwrite: may_overwrite(out, &recorded)?,
        })
    };
    Ok(Prepared {
        opts,
        subscription_id,
        sets,
        deploy,
        recorded,
    })
}

/// Whether aks-engine may be told to overwrite `out`: only when it does not exist (nothing to
/// overwrite), is empty, or holds what an earlier create-simple run's aks-engine left. Anything
/// else is the user's, and is never overwritten.
fn may_overwrite(out: &Path, recorded: &Steps) -> Result<bool> {
    if !out.exists() {
        return Ok(false);
    }
    let empty = std::fs::read_dir(out)
        .with_context(|| format!("cannot read {}", out.display()))?
        .next()
        .is_none();
    if empty || recorded.cluster_deploy_started.is_some() {
        return Ok(true);
    }
    bail!(
        "{} already exists and was not made by create-simple (no {} there), so aks-engine would overwrite it: choose another -o/--output-directory, or move it away (to import a cluster aks-engine already made, run `spotinst-aks-engine import -o {}`)",
        out.display(),
        super::steps::FILE_NAME,
        out.display()
    )
}

/// How a pool's group came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum GroupOrigin {
    /// Created by this run.
    Created,
    /// Created by an earlier run of this quick start (recorded in the state file).
    Recorded,
    /// A group of the same name already existed in Spot and was adopted.
    Adopted,
}

/// One pool's group.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupSummary {
    pub pool: String,
    pub name: String,
    pub group_id: String,
    pub origin: GroupOrigin,
    /// The aks-engine scale set the group copies.
    pub scale_set: String,
}

/// What happened to the controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ControllerState {
    /// Applied and rolled out.
    RolledOut,
    /// Applied; the rollout was not waited for (`--controller-timeout 0`).
    Applied,
    /// Applied by an earlier run.
    AppliedEarlier,
    /// `--skip-controller`.
    Skipped,
}

/// What happened to the scale sets aks-engine created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SourceState {
    ScaledToZero,
    ScaledEarlier,
    /// Left running (no `--scale-source-to-zero`).
    Untouched,
}

/// The result of a finished quick start.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub dns_prefix: String,
    pub resource_group: String,
    pub location: String,
    pub output_directory: PathBuf,
    pub kubeconfig: PathBuf,
    /// aks-engine ran in this run (not skipped as recorded).
    pub cluster_deployed_now: bool,
    pub groups: Vec<GroupSummary>,
    pub cluster_identifier: String,
    pub controller: ControllerState,
    pub source_scale_sets: SourceState,
}

/// An ARM client made on first use (tenant discovery costs a round trip).
struct Azure {
    access: AzureAccess,
    subscription_id: String,
    client: Option<Arc<ArmClient>>,
}

impl Azure {
    async fn client(&mut self) -> Result<Arc<ArmClient>> {
        if let Some(c) = &self.client {
            return Ok(c.clone());
        }
        let c = self
            .access
            .client(&self.subscription_id)
            .await
            .context("connecting to Azure Resource Manager")?;
        self.client = Some(c.clone());
        Ok(c)
    }
}

/// Where to pick up after a failed step.
fn resume_hint(out: &Path) -> String {
    format!(
        "finished steps are recorded in {}: run the same command again to continue from the failed step",
        out.join(super::steps::FILE_NAME).display()
    )
}

/// Runs the steps, reporting to `progress`.
pub async fn run(prepared: Prepared, progress: &mut Progress) -> Result<Outcome> {
    progress.set_total(prepared.step_count());
    let Prepared {
        opts,
        subscription_id,
        sets,
        deploy,
        recorded,
    } = prepared;
    let inputs = &opts.inputs;
    let out = opts.output_dir.clone();
    let mut azure = Azure {
        access: AzureAccess {
            arm_url: opts.arm_url.clone(),
            tenant_id: inputs.tenant_id.clone(),
            client_id: Some(inputs.client_id.clone()),
            client_secret: Some(inputs.client_secret.clone()),
            use_msi: false,
        },
        subscription_id: subscription_id.clone(),
        client: None,
    };

    // Step 1: the cluster.
    let cluster_title = "Deploying the cluster with aks-engine";
    let deployed_now = deploy.is_some();
    match deploy {
        None => progress.skip(cluster_title, "deployed by an earlier run"),
        Some(plan) => deploy_cluster(&opts, &plan, progress, cluster_title).await?,
    }
    let mut steps = StepsFile::load(&out)?;
    if steps.steps.cluster_deployed.is_none() {
        steps.finish(|s| &mut s.cluster_deployed)?;
    }

    // Step 2: the groups.
    progress.start("Importing the agent pools into Spot");
    let dir = OutputDir::load(&out)?;
    if let Some(p) = dir
        .api_model
        .dns_prefix()
        .filter(|p| *p != inputs.dns_prefix)
    {
        bail!(
            "{} holds the cluster `{p}`, not `{}`: pass the same AKS_DNS_PREFIX as the run that deployed it, or another -o",
            out.display(),
            inputs.dns_prefix
        );
    }
    let kubeconfig = kubeconfig_path(&dir, &inputs.location);
    let planned = plan_groups(dir, &opts, &subscription_id, sets, &mut azure).await?;
    let groups = import_groups(&opts, &planned, progress)
        .await
        .with_context(|| resume_hint(&out))?;
    if steps.steps.groups_imported.is_none() {
        steps.finish(|s| &mut s.groups_imported)?;
    }
    progress.finish(&match groups.len() {
        1 => format!("Elastigroup {}", groups[0].group_id),
        n => format!("{n} Elastigroups"),
    });
    let cluster_identifier = cluster_identifier(&planned, &inputs.dns_prefix);

    // Step 3: the controller.
    let controller_title = "Installing the Spot controller";
    let controller = match &opts.controller {
        None => ControllerState::Skipped,
        Some(_) if recorded.controller_applied.is_some() => {
            progress.skip(controller_title, "applied by an earlier run");
            ControllerState::AppliedEarlier
        }
        Some(c) => {
            progress.start(controller_title);
            let state = install_controller(&opts, c, &kubeconfig, &cluster_identifier, progress)
                .await
                .with_context(|| {
                    format!(
                        "installing the Spot controller (the Elastigroups exist and are recorded; {})",
                        resume_hint(&out)
                    )
                })?;
            steps.finish(|s| &mut s.controller_applied)?;
            progress.finish(match state {
                ControllerState::RolledOut => "rolled out",
                _ => "applied (rollout not awaited)",
            });
            state
        }
    };

    // Step 4: the source scale sets.
    let scale_title = "Scaling the aks-engine scale set to zero";
    let source = if !opts.scale_source_to_zero {
        SourceState::Untouched
    } else if recorded.source_scaled_to_zero.is_some() {
        progress.skip(scale_title, "scaled by an earlier run");
        SourceState::ScaledEarlier
    } else {
        progress.start(scale_title);
        scale_to_zero(&mut azure, &inputs.resource_group, &planned, progress)
            .await
            .with_context(|| {
                format!(
                    "scaling the source scale set to zero ({})",
                    resume_hint(&out)
                )
            })?;
        steps.finish(|s| &mut s.source_scaled_to_zero)?;
        progress.finish("0 instances");
        SourceState::ScaledToZero
    };
    progress.clear();

    Ok(Outcome {
        dns_prefix: inputs.dns_prefix.clone(),
        resource_group: inputs.resource_group.clone(),
        location: inputs.location.clone(),
        output_directory: out,
        kubeconfig,
        cluster_deployed_now: deployed_now,
        groups,
        cluster_identifier,
        controller,
        source_scale_sets: source,
    })
}

async fn deploy_cluster(
    opts: &QuickStartOptions,
    plan: &DeployPlan,
    progress: &mut Progress,
    title: &str,
) -> Result<()> {
    let out = &opts.output_dir;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    // The model goes to a temporary file: aks-engine must create the output directory itself.
    let mut model_file = tempfile::Builder::new()
        .prefix("spot-quickstart-apimodel-")
        .suffix(".json")
        .tempfile()
        .context("cannot create a temporary file for the API model")?;
    std::io::Write::write_all(&mut model_file, plan.model_text.as_bytes())
        .context("cannot write the API model to a temporary file")?;
    progress.start(title);
    if plan.force_overwrite {
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

/// aks-engine's kubeconfig for the location, else whichever one the directory has.
fn kubeconfig_path(dir: &OutputDir, location: &str) -> PathBuf {
    let expected = spot_controller::aks_engine_kubeconfig_path(&dir.path, location);
    if expected.is_file() {
        return expected;
    }
    dir.kubeconfig.clone().unwrap_or(expected)
}

/// The import plan; values only ARM knows (`reference()`) are resolved through it when present.
async fn plan_groups(
    dir: OutputDir,
    opts: &QuickStartOptions,
    subscription_id: &str,
    sets: Vec<SetAssignment>,
    azure: &mut Azure,
) -> Result<Vec<PlannedGroup>> {
    let options = PlanOptions {
        pools: Vec::new(),
        generation: opts.generation,
        sets,
        overrides: RequirementOverrides::default(),
        subscription_id: subscription_id.to_owned(),
        resource_group: opts.inputs.resource_group.clone(),
    };
    let planned = import_plan::plan(&dir, &options, None)?;
    let planned = if planned.iter().any(|g| !g.deferred.is_empty()) {
        let resolver = ArmResolver::new(
            azure.client().await?,
            options.resource_group.clone(),
            tokio::runtime::Handle::current(),
        );
        // The resolver blocks on the runtime: plan on a blocking thread.
        tokio::task::spawn_blocking(move || import_plan::plan(&dir, &options, Some(&resolver)))
            .await
            .context("the planning task failed")??
    } else {
        planned
    };
    for g in &planned {
        for w in &g.warnings {
            tracing::warn!("agent pool `{}`: {w}", g.pool);
        }
        if let Some(d) = g.deferred.first() {
            bail!(
                "agent pool `{}`: {} needs the deploy-time value {}, which Azure Resource Manager did not provide",
                g.pool,
                d.json_path,
                d.expression
            );
        }
    }
    Ok(planned)
}

async fn import_groups(
    opts: &QuickStartOptions,
    planned: &[PlannedGroup],
    progress: &mut Progress,
) -> Result<Vec<GroupSummary>> {
    let credentials = Credentials::new(
        opts.inputs.spot_token.clone(),
        Some(opts.inputs.spot_account.clone()),
    );
    let config = ClientConfig {
        base_url: opts.spot_base_url.clone(),
        ..ClientConfig::default()
    };
    let client = SpotClient::new(config, credentials)?;
    let requests: Vec<GroupRequest> = planned
        .iter()
        .map(|g| GroupRequest {
            pool: g.pool.clone(),
            name: g.name.clone(),
            generation: opts.generation,
            body: g.body.clone(),
        })
        .collect();
    let pools: Vec<&str> = planned.iter().map(|g| g.pool.as_str()).collect();
    progress.status(&format!("creating groups for {}", pools.join(", ")));
    let state_path = StateFile::path_in(&opts.output_dir);
    let report = group_sync::sync_groups(
        &client,
        &state_path,
        requests,
        SyncMode::Create,
        IMPORT_CONCURRENCY,
    )
    .await?;
    if !report.all_succeeded() {
        let lines: Vec<String> = report.failures().map(|p| format!("  {p}")).collect();
        bail!("importing into Spot failed:\n{}", lines.join("\n"));
    }
    let mut groups = Vec::with_capacity(planned.len());
    for (p, g) in report.pools.iter().zip(planned) {
        let (group_id, origin) = match &p.outcome {
            PoolOutcome::Created { group_id, .. } => (group_id, GroupOrigin::Created),
            PoolOutcome::Existing {
                group_id,
                adopted: false,
            } => (group_id, GroupOrigin::Recorded),
            PoolOutcome::Existing {
                group_id,
                adopted: true,
            } => (group_id, GroupOrigin::Adopted),
            PoolOutcome::Updated { group_id } => (group_id, GroupOrigin::Recorded),
            PoolOutcome::Failed { error } => bail!("{}: {error}", p.pool),
        };
        groups.push(GroupSummary {
            pool: p.pool.clone(),
            name: p.name.clone(),
            group_id: group_id.clone(),
            origin,
            scale_set: g.scale_set.clone(),
        });
    }
    Ok(groups)
}

/// The identifier the controller must report: the group's (v2 integration), else the DNS prefix.
pub fn cluster_identifier(planned: &[PlannedGroup], dns_prefix: &str) -> String {
    planned
        .iter()
        .find_map(|g| {
            g.body
                .pointer("/group/thirdPartiesIntegration/kubernetes/clusterIdentifier")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        })
        .unwrap_or(dns_prefix)
        .to_owned()
}

/// Time between rollout polls: often enough for short timeouts, not chatty for long ones.
fn rollout_poll_interval(timeout: Duration) -> Duration {
    (timeout / 30).clamp(Duration::from_millis(250), Duration::from_secs(5))
}

async fn install_controller(
    opts: &QuickStartOptions,
    c: &ControllerOptions,
    kubeconfig: &Path,
    cluster_identifier: &str,
    progress: &mut Progress,
) -> Result<ControllerState> {
    if !kubeconfig.is_file() {
        bail!(
            "aks-engine's kubeconfig {} is missing (is AZURE_LOCATION the cluster's location?)",
            kubeconfig.display()
        );
    }
    let mut settings = ControllerSettings::new(
        opts.inputs.spot_token.clone(),
        opts.inputs.spot_account.clone(),
        cluster_identifier,
    );
    if opts.spot_base_url.trim_end_matches('/') != spot_api::DEFAULT_BASE_URL {
        settings.base_url = Some(opts.spot_base_url.clone());
    }
    if let Some(i) = &c.image {
        settings.image = i.clone();
    }
    if let Some(v) = &c.version {
        settings.version = v.clone();
    }
    let manifests = spot_controller::manifests(&settings);
    let client = spot_controller::client_from_kubeconfig(kubeconfig).await?;
    spot_controller::apply_all(&client, &manifests, &mut |a| {
        progress.status(&format!("applied {} {}", a.kind, a.name));
    })
    .await?;
    let outcome = spot_controller::wait_for_rollout(
        &client,
        c.timeout,
        rollout_poll_interval(c.timeout),
        &mut |p| {
            progress.status(&format!(
                "waiting for the rollout: {}/{} available",
                p.available, p.desired
            ));
        },
    )
    .await?;
    Ok(match outcome {
        RolloutOutcome::Skipped => ControllerState::Applied,
        RolloutOutcome::Complete(_) => ControllerState::RolledOut,
    })
}

async fn scale_to_zero(
    azure: &mut Azure,
    resource_group: &str,
    planned: &[PlannedGroup],
    progress: &mut Progress,
) -> Result<()> {
    let arm = azure.client().await?;
    let mut names: Vec<&str> = planned.iter().map(|g| g.scale_set.as_str()).collect();
    names.dedup();
    for name in names {
        progress.status(&format!("PATCH {name} to capacity 0"));
        arm.scale_scale_set(resource_group, name, 0, &mut |p| {
            progress.status(&format!("{name}: {} (poll {})", p.status, p.polls));
        })
        .await
        .with_context(|| format!("scaling {resource_group}/{name} to 0"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn planned(body: Value) -> PlannedGroup {
        PlannedGroup {
            pool: "agentpool1".into(),
            scale_set: "k8s-agentpool1-1-vmss".into(),
            name: "g".into(),
            body,
            warnings: vec![],
            deferred: vec![],
        }
    }

    #[test]
    fn cluster_identifier_follows_the_group_else_the_dns_prefix() {
        let v2 = planned(
            json!({"group": {"thirdPartiesIntegration": {"kubernetes": {"clusterIdentifier": "ci-1"}}}}),
        );
        assert_eq!(cluster_identifier(&[v2], "demo"), "ci-1");
        let v3 = planned(json!({"group": {"name": "g"}}));
        assert_eq!(cluster_identifier(&[v3], "demo"), "demo");
    }

    #[test]
    fn user_sets_come_after_the_defaults() {
        let mut raw: Vec<String> = DEFAULT_SETS.iter().map(|s| s.to_string()).collect();
        raw.push("capacity.target=1".into());
        let sets = elastigroup::parse_set_args(&raw).unwrap();
        let mut group = json!({"capacity": {"minimum": 0, "target": 5, "maximum": 5}});
        elastigroup::apply_set(&mut group, &sets).unwrap();
        assert_eq!(
            group["capacity"],
            json!({"minimum": 0, "target": 1, "maximum": 3})
        );
    }

    fn options(out: PathBuf) -> QuickStartOptions {
        let env = |k: &str| {
            let v = match k {
                "SPOTINST_ACCOUNT" => "act-12345678",
                "SPOTINST_TOKEN" => "tok",
                "AZURE_SUBSCRIPTION_ID" => "6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d",
                "AKS_DNS_PREFIX" => "demo",
                "AZURE_LOCATION" => "eastus",
                "AZURE_CLIENT_SECRET" => "s3cret",
                "AZURE_CLIENT_ID" => "cid",
                _ => return None,
            };
            Some(v.to_string())
        };
        QuickStartOptions {
            inputs: super::super::inputs::GivenInputs::default()
                .resolve(&env)
                .unwrap(),
            output_dir: out,
            api_model: None,
            sets: vec![],
            generation: ApiGeneration::V3,
            controller: Some(ControllerOptions::default()),
            scale_source_to_zero: true,
            spot_base_url: spot_api::DEFAULT_BASE_URL.into(),
            arm_url: None,
        }
    }

    #[test]
    fn prepare_decides_deploy_overwrite_or_resume() {
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("aks-engine");
        std::fs::write(&bin, "").unwrap();
        let bin_s = bin.to_string_lossy().into_owned();
        let env = move |k: &str| (k == "AKS_ENGINE_BIN").then(|| bin_s.clone());
        let out = tmp.path().join("output/demo");

        let fresh = prepare(options(out.clone()), &env).unwrap();
        assert!(fresh.deploys_cluster() && !fresh.overwrites_output_dir());
        assert_eq!(fresh.step_count(), 4);

        std::fs::create_dir_all(&out).unwrap();
        let empty = prepare(options(out.clone()), &env).unwrap();
        assert!(empty.deploys_cluster() && empty.overwrites_output_dir());

        std::fs::write(out.join("apimodel.json"), "{}").unwrap();
        let err = prepare(options(out.clone()), &env).unwrap_err().to_string();
        assert!(err.contains("was not made by create-simple"), "{err}");

        StepsFile::load(&out)
            .unwrap()
            .finish(|s| &mut s.cluster_deploy_started)
            .unwrap();
        let left_over = prepare(options(out.clone()), &env).unwrap();
        assert!(left_over.deploys_cluster() && left_over.overwrites_output_dir());

        StepsFile::load(&out)
            .unwrap()
            .finish(|s| &mut s.cluster_deployed)
            .unwrap();
        // Recorded: no aks-engine needed at all.
        let resumed = prepare(options(out.clone()), &|_| None).unwrap();
        assert!(!resumed.deploys_cluster());
    }

    #[test]
    fn prepare_refuses_a_bad_set_before_anything_runs() {
        let tmp = tempfile::tempdir().unwrap();
        let mut o = options(tmp.path().join("o"));
        o.sets = vec!["no-equals-sign".into()];
        let err = format!("{:#}", prepare(o, &|_| None).unwrap_err());
        assert!(err.starts_with("--set"), "{err}");
    }

    #[test]
    fn rollout_polls_scale_with_the_timeout() {
        assert_eq!(
            rollout_poll_interval(Duration::from_secs(1)),
            Duration::from_millis(250)
        );
        assert_eq!(
            rollout_poll_interval(Duration::from_secs(60)),
            Duration::from_secs(2)
        );
        assert_eq!(
            rollout_poll_interval(Duration::from_secs(3600)),
            Duration::from_secs(5)
        );
    }
}
