//! Finding an agent pool's `Microsoft.Compute/virtualMachineScaleSets` resource in
//! `azuredeploy.json` and evaluating it to plain JSON.

use std::cell::OnceCell;

use arm_template::{Deferred, DeployTimePolicy, Deployment, DeploymentContext, Resolver};
use serde_json::Value;

use crate::{OutputDir, ScaleSetError};

const VMSS_TYPE: &str = "Microsoft.Compute/virtualMachineScaleSets";

/// One pool's scale set with every template expression evaluated.
#[derive(Debug, Clone)]
pub struct EvaluatedScaleSet {
    /// The agent pool name (`agentPoolProfiles[].name`).
    pub pool: String,
    /// Where the resource sits in azuredeploy.json, e.g. `resources[2]`.
    pub json_path: String,
    /// The evaluated resource (name, location, sku, tags, zones, identity, properties...).
    pub resource: Value,
    /// Values that need a deploy-time function (`reference()`), left as markers.
    pub deferred: Vec<Deferred>,
}

impl EvaluatedScaleSet {
    /// The scale set's evaluated name.
    pub fn name(&self) -> &str {
        self.resource
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

/// Evaluates the scale sets of one output directory under one deployment context.
pub struct ScaleSetEvaluator<'a> {
    dir: &'a OutputDir,
    deployment: Deployment<'a>,
    /// The template's scale sets, read once on the first [`ScaleSetEvaluator::find`] (finding
    /// each of many pools by evaluating every resource's type again was most of a lookup).
    scale_sets: OnceCell<Vec<Candidate>>,
}

/// A `virtualMachineScaleSets` resource, as [`ScaleSetEvaluator::find`] matches it.
struct Candidate {
    /// Index in `resources`.
    index: usize,
    /// `tags.poolName`, evaluated.
    pool_tag: Option<String>,
    /// The unevaluated `name`, without spaces.
    name: String,
}

impl<'a> ScaleSetEvaluator<'a> {
    /// `policy` decides what a `reference()` without a resolver does: fail, or leave a marker.
    pub fn new(
        dir: &'a OutputDir,
        context: DeploymentContext,
        policy: DeployTimePolicy,
        resolver: Option<&'a dyn Resolver>,
    ) -> Result<Self, ScaleSetError> {
        let mut deployment = Deployment::new(&dir.template, &dir.parameters, context)
            .map_err(|source| ScaleSetError::Template { source })?
            .with_deploy_time_policy(policy);
        if let Some(r) = resolver {
            deployment = deployment.with_resolver(r);
        }
        Ok(ScaleSetEvaluator {
            dir,
            deployment,
            scale_sets: OnceCell::new(),
        })
    }

    /// The template deployment, for evaluating anything else in the template.
    pub fn deployment(&self) -> &Deployment<'a> {
        &self.deployment
    }

    /// Index in `resources` of the pool's scale set: the VMSS whose `tags.poolName` is the pool,
    /// else the one named `[variables('<pool>VMNamePrefix')]` (Windows pools have other names).
    pub fn find(&self, pool: &str) -> Result<usize, ScaleSetError> {
        let candidates = self.scale_sets.get_or_init(|| self.scale_sets());
        if let Some(c) = candidates.iter().find(|c| {
            c.pool_tag
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(pool))
        }) {
            return Ok(c.index);
        }
        let expected = format!("[variables('{pool}VMNamePrefix')]");
        candidates
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(&expected))
            .map(|c| c.index)
            .ok_or_else(|| ScaleSetError::NotFound {
                pool: pool.to_string(),
            })
    }

    /// Every resource whose type evaluates to a scale set, in template order.
    fn scale_sets(&self) -> Vec<Candidate> {
        let resources = self.dir.template.resources_raw();
        let mut out = Vec::new();
        for (i, r) in resources.iter().enumerate() {
            let path = format!("resources[{i}]");
            let ty = self.eval_str(&path, r.get("type"));
            if !ty
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(VMSS_TYPE))
            {
                continue;
            }
            let pool_tag = self.eval_str(
                &format!("{path}.tags.poolName"),
                r.pointer("/tags/poolName"),
            );
            let name = r.get("name").and_then(Value::as_str).unwrap_or_default();
            out.push(Candidate {
                index: i,
                pool_tag,
                name: name.replace(' ', ""),
            });
        }
        out
    }

    /// Finds and evaluates the pool's scale set.
    pub fn evaluate(&self, pool: &str) -> Result<EvaluatedScaleSet, ScaleSetError> {
        let index = self.find(pool)?;
        let mut evaluated =
            self.deployment
                .evaluate_resource(index)
                .map_err(|e| ScaleSetError::Eval {
                    pool: pool.to_string(),
                    source: Box::new(e),
                })?;
        if evaluated.is_empty() {
            // `condition` evaluated to false: aks-engine never does this for agent pools.
            return Err(ScaleSetError::NotFound {
                pool: pool.to_string(),
            });
        }
        let first = evaluated.swap_remove(0);
        Ok(EvaluatedScaleSet {
            pool: pool.to_string(),
            json_path: first.json_path,
            resource: first.value,
            deferred: first.deferred,
        })
    }

    fn eval_str(&self, path: &str, v: Option<&Value>) -> Option<String> {
        let v = v?;
        match v.as_str() {
            Some(s) if !s.starts_with('[') => Some(s.to_string()),
            Some(_) => self
                .deployment
                .evaluate_value(path, v)
                .ok()
                .and_then(|e| e.value.as_str().map(str::to_string)),
            None => None,
        }
    }
}

/// The deployment context an aks-engine template is evaluated in: the subscription and resource
/// group it was (or will be) deployed to, in the cluster's region.
pub fn deployment_context(
    dir: &OutputDir,
    subscription_id: &str,
    resource_group: &str,
) -> DeploymentContext {
    let location = dir
        .api_model
        .location
        .clone()
        .filter(|l| !l.is_empty())
        .or_else(|| {
            let d = Deployment::new(&dir.template, &dir.parameters, DeploymentContext::default())
                .ok()?;
            d.parameter("location").ok()?.as_str().map(str::to_string)
        })
        .unwrap_or_else(|| "eastus".to_string());
    DeploymentContext {
        subscription_id: subscription_id.to_string(),
        resource_group: resource_group.to_string(),
        resource_group_location: location.to_ascii_lowercase().replace(' ', ""),
        deployment_name: "azuredeploy".to_string(),
        ..DeploymentContext::default()
    }
}
