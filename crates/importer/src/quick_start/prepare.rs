//! Everything the quick start can check before it starts: subscription id, `--set` values, the
//! step record, aks-engine's binary and the API model (when the cluster is still to deploy).

use std::path::{Path, PathBuf};

use elastigroup::SetAssignment;
use group_sync::StateLock;

use super::QuickStartError;
use super::aks_engine_deploy;
use super::model;
use super::options::{QuickStartOptions, raw_sets};
use super::steps::{self, Steps, StepsFile};
use crate::scope;

/// The checked plan of a run.
#[derive(Debug)]
pub struct Prepared {
    pub(super) opts: QuickStartOptions,
    pub(super) subscription_id: String,
    pub(super) sets: Vec<SetAssignment>,
    /// `None` when an earlier run recorded the deployment.
    pub(super) deploy: Option<DeployPlan>,
    pub(super) recorded: Steps,
    /// Held from the first look at the output directory to the end of the run.
    pub(super) lock: StateLock,
}

/// How step 1 runs aks-engine.
#[derive(Debug)]
pub(super) struct DeployPlan {
    pub(super) binary: PathBuf,
    pub(super) model_text: String,
    pub(super) force_overwrite: bool,
    /// `model_text` is the output directory's own apimodel.json, left by an interrupted
    /// deployment: it holds the cluster's certificates, SSH key and DNS prefix, so aks-engine
    /// regenerates nothing (and gets no `--dns-prefix`, which it refuses beside a model's own).
    pub(super) resumes: bool,
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

    /// Whether aks-engine will deploy the output directory's own apimodel.json again.
    pub fn resumes_deployment(&self) -> bool {
        self.deploy.as_ref().is_some_and(|d| d.resumes)
    }

    /// The steps of this run, in order.
    pub fn step_count(&self) -> usize {
        2 + usize::from(self.opts.controller.is_some())
            + usize::from(
                self.opts
                    .node_agent
                    .as_ref()
                    .is_some_and(|n| n.image.is_some()),
            )
            + usize::from(self.opts.scale_source_to_zero)
    }
}

/// Checks everything that can be checked before starting: subscription id, `--set` values,
/// the step record, aks-engine's binary and the API model (when the cluster is still to deploy).
pub fn prepare(
    opts: QuickStartOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Prepared, QuickStartError> {
    let subscription_id = scope::subscription(Some(&opts.inputs.subscription_id), false)
        .map_err(QuickStartError::Subscription)?;
    let sets = elastigroup::parse_set_args(&raw_sets(&opts.sets)).map_err(QuickStartError::Set)?;
    // Files the user named must be readable before a cluster is deployed.
    if let Some(file) = &opts.sizes.catalog_file {
        crate::sizes::read_file(file).map_err(crate::sizes::SizeDataError::from)?;
    }
    if let Some(file) = &opts.sizes.prices.price_catalog {
        crate::prices::read_prices_file(file).map_err(crate::sizes::SizeDataError::from)?;
    }
    if let Some(file) = &opts.sizes.prices.eviction_rates {
        crate::prices::read_rates_file(file).map_err(crate::sizes::SizeDataError::from)?;
    }

    let out = &opts.output_dir;
    if out.exists() && !out.is_dir() {
        return Err(QuickStartError::NotADirectory { path: out.clone() });
    }
    let recorded = StepsFile::load(out)?.steps;
    let deploy = if recorded.cluster_deployed.is_some() {
        if opts.api_model.is_some() {
            tracing::warn!(
                "the cluster in {} is already deployed (recorded in {}); --api-model is not used",
                out.display(),
                steps::FILE_NAME
            );
        }
        None
    } else if let Some(model_text) = interrupted_model(out, &recorded, &opts.inputs.dns_prefix)? {
        if opts.api_model.is_some() {
            tracing::warn!(
                "{} holds an interrupted deployment; it is resumed from its own apimodel.json and --api-model is not used",
                out.display()
            );
        }
        Some(DeployPlan {
            binary: aks_engine_deploy::find_binary(env)?,
            model_text,
            force_overwrite: true,
            resumes: true,
        })
    } else {
        let binary = aks_engine_deploy::find_binary(env)?;
        let (text, parsed) = model::load(opts.api_model.as_deref())?;
        let model_text = model::for_dns_prefix(&text, &parsed, &opts.inputs.dns_prefix)?;
        Some(DeployPlan {
            binary,
            model_text,
            force_overwrite: may_overwrite(out, &recorded)?,
            resumes: false,
        })
    };
    // Everything checked, nothing created yet: now the run's lock, and the record read again
    // under it (a run that finished meanwhile must not be repeated on what it saw before).
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| QuickStartError::CreateDir {
            path: parent.to_owned(),
            source,
        })?;
    }
    let lock = crate::lock::lock_quick_start(out)?;
    if StepsFile::load(out)?.steps != recorded {
        return Err(QuickStartError::ChangedMeanwhile {
            path: out.join(steps::FILE_NAME),
        });
    }
    Ok(Prepared {
        opts,
        subscription_id,
        sets,
        deploy,
        recorded,
        lock,
    })
}

/// The apimodel.json an interrupted deployment of this quick start left in `out`, if any. It
/// holds the certificates aks-engine generated (and the cluster's ARM deployment may already
/// use): deploying it again keeps them, where the built-in model would make new ones.
fn interrupted_model(
    out: &Path,
    recorded: &Steps,
    dns_prefix: &str,
) -> Result<Option<String>, QuickStartError> {
    let path = out.join("apimodel.json");
    if recorded.cluster_deploy_started.is_none() || !path.is_file() {
        return Ok(None);
    }
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(source) => return Err(QuickStartError::Read { path, source }),
    };
    let parsed = aks_engine::parse_api_model(&path, text.as_bytes())
        .map_err(QuickStartError::InterruptedModel)?;
    match parsed.dns_prefix() {
        Some(p) if p == dns_prefix => Ok(Some(text)),
        other => Err(QuickStartError::InterruptedOtherCluster {
            out: out.to_owned(),
            found: other.unwrap_or("").to_owned(),
            expected: dns_prefix.to_owned(),
        }),
    }
}

/// Whether aks-engine may be told to overwrite `out`: only when it does not exist (nothing to
/// overwrite), is empty, or holds what an earlier create-simple run's aks-engine left. Anything
/// else is the user's, and is never overwritten.
fn may_overwrite(out: &Path, recorded: &Steps) -> Result<bool, QuickStartError> {
    if !out.exists() {
        return Ok(false);
    }
    let empty = std::fs::read_dir(out)
        .map_err(|source| QuickStartError::Read {
            path: out.to_owned(),
            source,
        })?
        .next()
        .is_none();
    if empty || recorded.cluster_deploy_started.is_some() {
        return Ok(true);
    }
    Err(QuickStartError::NotMadeByQuickStart {
        out: out.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quick_start::options::ControllerOptions;
    use elastigroup::ApiGeneration;

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
            inputs: crate::quick_start::inputs::GivenInputs::default()
                .resolve(&env)
                .unwrap(),
            output_dir: out,
            api_model: None,
            sets: vec![],
            generation: ApiGeneration::V3,
            controller: Some(ControllerOptions::default()),
            node_agent: None,
            scale_source_to_zero: true,
            join_timeout: std::time::Duration::from_secs(60),
            drain_timeout: std::time::Duration::from_secs(60),
            spot_base_url: spot_api::DEFAULT_BASE_URL.into(),
            arm_url: None,
            sizes: Default::default(),
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
        let err = prepare(options(out.clone()), &env).unwrap_err().to_string();
        assert!(err.contains("in use by another run"), "{err}");
        drop(fresh);

        std::fs::create_dir_all(&out).unwrap();
        let empty = prepare(options(out.clone()), &env).unwrap();
        assert!(empty.deploys_cluster() && empty.overwrites_output_dir());
        drop(empty);

        std::fs::write(out.join("apimodel.json"), "{}").unwrap();
        let err = prepare(options(out.clone()), &env).unwrap_err().to_string();
        assert!(err.contains("was not made by create-simple"), "{err}");

        StepsFile::load(&out)
            .unwrap()
            .finish(|s| &mut s.cluster_deploy_started)
            .unwrap();
        // aks-engine failed before writing its artifacts: nothing to keep, the chosen model.
        std::fs::remove_file(out.join("apimodel.json")).unwrap();
        let left_over = prepare(options(out.clone()), &env).unwrap();
        assert!(left_over.deploys_cluster() && left_over.overwrites_output_dir());
        assert!(!left_over.resumes_deployment());
        drop(left_over);

        // It wrote them: the directory's own model (its certificates), never the built-in one.
        let demo = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo-cluster/apimodel.json"),
        )
        .unwrap();
        std::fs::write(out.join("apimodel.json"), demo.replace("spotdemo", "demo")).unwrap();
        let resumes = prepare(options(out.clone()), &env).unwrap();
        assert!(resumes.resumes_deployment() && resumes.overwrites_output_dir());
        assert_eq!(
            resumes.deploy.as_ref().unwrap().model_text,
            demo.replace("spotdemo", "demo")
        );
        drop(resumes);
        std::fs::write(out.join("apimodel.json"), &demo).unwrap();
        let err = prepare(options(out.clone()), &env).unwrap_err().to_string();
        assert!(err.contains("`spotdemo`, not `demo`"), "{err}");

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
        let err = crate::error_chain(&prepare(o, &|_| None).unwrap_err());
        assert!(err.starts_with("--set"), "{err}");
    }
}
