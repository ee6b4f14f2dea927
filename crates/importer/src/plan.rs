//! From an aks-engine output directory to the Elastigroup bodies an import sends: check the
//! requirements, evaluate each selected pool's scale set, map it, apply `--set`, validate.
//! No network, no writes: `--dry-run` prints exactly this plan, a real import sends it.

use aks_engine::{
    OutputDir, RequirementError, RequirementOverrides, ScaleSetError, ScaleSetEvaluator,
};
use arm_template::{Deferred, DeployTimePolicy, Resolver};
use elastigroup::{ApiGeneration, MappingError, PoolInput, SetAssignment, SetError};
use serde_json::Value;

use crate::sizes::{self, PoolSizes, SizeChoiceError, SizeOptions};

/// What to import and how.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// Pools to import; empty = every pool.
    pub pools: Vec<String>,
    /// The Elastigroup API generation the bodies are written for.
    pub generation: ApiGeneration,
    /// The `--set` assignments, applied to every group last.
    pub sets: Vec<SetAssignment>,
    /// Which cluster-wide requirements the user chose to skip.
    pub overrides: RequirementOverrides,
    /// The cluster's subscription, for the template's `subscription()`.
    pub subscription_id: String,
    /// The cluster's resource group, for the template's `resourceGroup()` and the groups.
    pub resource_group: String,
    /// How each pool's VM sizes are chosen, and from which catalog.
    pub sizes: SizeOptions,
}

/// One group the import would create.
#[derive(Debug, Clone)]
pub struct PlannedGroup {
    /// The agent pool.
    pub pool: String,
    /// The aks-engine scale set the group copies.
    pub scale_set: String,
    /// The group's name (after `--set`).
    pub name: String,
    /// `{"group": {...}}`, exactly what is sent.
    pub body: Value,
    /// Things the chosen API generation cannot express, unknown `--set` paths, ...
    pub warnings: Vec<String>,
    /// Values that need `reference()` and were left as markers.
    pub deferred: Vec<Deferred>,
    /// The VM sizes chosen and from what; `None` while a real import has yet to read the live
    /// catalog.
    pub sizes: Option<PoolSizes>,
}

/// Builds the plan. `resolver` answers `reference()` (Azure Resource Manager); without one,
/// such values become markers reported in [`PlannedGroup::deferred`].
pub fn plan(
    dir: &OutputDir,
    opts: &PlanOptions,
    resolver: Option<&dyn Resolver>,
) -> Result<Vec<PlannedGroup>, PlanError> {
    let pools = aks_engine::requirements::check(&dir.api_model, &opts.pools, opts.overrides)?;
    let dns_prefix = dir
        .api_model
        .dns_prefix()
        .ok_or(PlanError::NoDnsPrefix)?
        .to_string();
    let context = aks_engine::deployment_context(dir, &opts.subscription_id, &opts.resource_group);
    let evaluator = ScaleSetEvaluator::new(dir, context, DeployTimePolicy::Mark, resolver)?;

    elastigroup::check_set_values(opts.generation, &opts.sets)?;
    let mut planned = Vec::with_capacity(pools.len());
    for pool in pools {
        let scale_set = evaluator.evaluate(&pool)?;
        let input = PoolInput {
            pool_name: &pool,
            cluster_name: &dns_prefix,
            cluster_identifier: &dns_prefix,
            resource_group: &opts.resource_group,
            scale_set: &scale_set.resource,
            vm_sizes: None,
        };
        let map = |input: &PoolInput| {
            elastigroup::map_scale_set(input, opts.generation).map_err(|source| {
                PlanError::Mapping {
                    pool: pool.clone(),
                    scale_set: scale_set.name().to_owned(),
                    json_path: scale_set.json_path.to_string(),
                    source: Box::new(source),
                }
            })
        };
        let mut mapped = map(&input)?;
        // The sizes depend on what the mapping read (zones, disk tier, accelerated networking);
        // a pool whose choice is more than its source size is mapped again with them.
        let (chosen, mut pool_sizes) = sizes::for_pool(&opts.sizes, &mapped.node, opts.generation)
            .map_err(|source| PlanError::Sizes {
                pool: pool.clone(),
                source: Box::new(source),
            })?;
        if let Some(chosen) = &chosen {
            mapped = map(&PoolInput {
                vm_sizes: Some(chosen),
                ..input
            })?;
        }
        let mut body = mapped.body;
        let mut warnings: Vec<String> = mapped.warnings.iter().map(ToString::to_string).collect();
        {
            let group = body.get_mut("group").ok_or(PlanError::NoGroupObject)?;
            // Per-pool settings that are ours, not the scale set's (the pool's VM sizes, chosen
            // above), come before `--set`, so the user's `--set` always wins.
            elastigroup::apply_set(group, &opts.sets).map_err(|source| PlanError::PoolSet {
                pool: pool.clone(),
                source: Box::new(source),
            })?;
            if let Some(s) = &mut pool_sizes {
                s.note_final(group, opts.generation);
            }
            elastigroup::check_capacity(group).map_err(|source| PlanError::Capacity {
                pool: pool.clone(),
                source: Box::new(source),
            })?;
        }
        let report = elastigroup::schema::validate(opts.generation, &body);
        for unknown in &report.unknown_fields {
            warnings.push(match &unknown.nearest_known {
                Some(n) => format!(
                    "{} is not a field of the {} API (did you mean {n}?)",
                    unknown.path, opts.generation
                ),
                None => format!(
                    "{} is not a field of the {} API",
                    unknown.path, opts.generation
                ),
            });
        }
        if !report.errors.is_empty() {
            let list: Vec<String> = report
                .errors
                .iter()
                .map(|e| format!("  {}: {}", e.path, e.message))
                .collect();
            return Err(PlanError::Schema {
                pool: pool.clone(),
                generation: opts.generation,
                problems: list,
            });
        }
        let name = body
            .pointer("/group/name")
            .and_then(Value::as_str)
            .unwrap_or(&mapped.name)
            .to_string();
        planned.push(PlannedGroup {
            pool: pool.clone(),
            scale_set: scale_set.name().to_string(),
            name,
            body,
            warnings,
            deferred: scale_set.deferred,
            sizes: pool_sizes,
        });
    }
    check_unique_names(&planned)?;
    Ok(planned)
}

/// Refuses a plan in which pools share a group name (`--set name=X` on several pools): they
/// would share one group, or make several groups Spot tells apart only by id, and a re-run
/// could not find either by name.
pub fn check_unique_names(planned: &[PlannedGroup]) -> Result<(), PlanError> {
    let mut by_name: Vec<(&str, Vec<&str>)> = Vec::new();
    for g in planned {
        match by_name.iter_mut().find(|(name, _)| *name == g.name) {
            Some((_, pools)) => pools.push(&g.pool),
            None => by_name.push((&g.name, vec![&g.pool])),
        }
    }
    let clashes: Vec<String> = by_name
        .iter()
        .filter(|(_, pools)| pools.len() > 1)
        .map(|(name, pools)| {
            let pools: Vec<String> = pools.iter().map(|p| format!("`{p}`")).collect();
            format!(
                "agent pools {} would all get the Elastigroup name `{name}`",
                pools.join(", ")
            )
        })
        .collect();
    if !clashes.is_empty() {
        return Err(PlanError::SharedNames { clashes });
    }
    Ok(())
}

/// A plan that cannot be made: the cluster, a `--set`, or one pool's group is not importable.
/// Variants about one pool name it; the cause says what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The cluster does not meet Spot's requirements, or a `--pool` is unknown.
    #[error(transparent)]
    Requirements(#[from] RequirementError),
    /// The API model has no DNS prefix, which names the cluster.
    #[error(
        "apimodel.json: properties.masterProfile.dnsPrefix is missing (aks-engine always writes it)"
    )]
    NoDnsPrefix,
    /// A scale set could not be found or evaluated from the template.
    #[error(transparent)]
    ScaleSet(#[from] ScaleSetError),
    /// A `--set` value the API generation refuses.
    #[error(transparent)]
    SetValues(#[from] SetError),
    /// A scale set cannot be mapped to an Elastigroup.
    #[error("agent pool `{pool}`: mapping scale set {scale_set} (azuredeploy.json {json_path})")]
    Mapping {
        /// The agent pool.
        pool: String,
        /// The scale set's name.
        scale_set: String,
        /// Where the scale set is in `azuredeploy.json`.
        json_path: String,
        /// What cannot be mapped.
        #[source]
        source: Box<MappingError>,
    },
    /// No VM sizes can be chosen for a pool.
    #[error("agent pool `{pool}`: --spot-sizes")]
    Sizes {
        /// The agent pool.
        pool: String,
        /// Why no sizes can be chosen.
        #[source]
        source: Box<SizeChoiceError>,
    },
    /// The mapping produced a body without its `group` object (a bug).
    #[error("internal: mapped body has no `group` object")]
    NoGroupObject,
    /// `--set` cannot be applied to a pool's group.
    #[error("agent pool `{pool}`: --set")]
    PoolSet {
        /// The agent pool.
        pool: String,
        /// Which assignment failed and why.
        #[source]
        source: Box<SetError>,
    },
    /// The capacity after `--set` is inconsistent.
    #[error("agent pool `{pool}`")]
    Capacity {
        /// The agent pool.
        pool: String,
        /// What is inconsistent.
        #[source]
        source: Box<SetError>,
    },
    /// Each problem is `  <json path>: <what is wrong>`.
    #[error(
        "agent pool `{pool}`: the Elastigroup body does not match Spot's {generation} OpenAPI schema:\n{}",
        problems.join("\n")
    )]
    Schema {
        /// The agent pool.
        pool: String,
        /// The schema's API generation.
        generation: ApiGeneration,
        /// One line per problem.
        problems: Vec<String>,
    },
    /// Each clash names the pools and the name they would share.
    #[error(
        "{}: each pool needs a group of its own name; drop `name` from --set, or import one pool at a time with --pool",
        clashes.join("; ")
    )]
    SharedNames {
        /// One entry per shared name.
        clashes: Vec<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(pool: &str, name: &str) -> PlannedGroup {
        PlannedGroup {
            pool: pool.into(),
            scale_set: format!("k8s-{pool}-vmss"),
            name: name.into(),
            body: serde_json::json!({"group": {"name": name}}),
            warnings: vec![],
            deferred: vec![],
            sizes: None,
        }
    }

    #[test]
    fn pools_sharing_a_group_name_are_refused_with_the_pools_and_the_name() {
        let ok = [group("a", "demo-a"), group("b", "demo-b")];
        check_unique_names(&ok).unwrap();
        let shared = [group("a", "one"), group("b", "two"), group("c", "one")];
        let err = check_unique_names(&shared).unwrap_err().to_string();
        assert!(
            err.contains("agent pools `a`, `c` would all get the Elastigroup name `one`"),
            "{err}"
        );
        assert!(!err.contains("`b`"), "{err}");
    }
}
