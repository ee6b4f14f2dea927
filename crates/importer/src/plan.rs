//! From an aks-engine output directory to the Elastigroup bodies an import sends: check the
//! requirements, evaluate each selected pool's scale set, map it, apply `--set`, validate.
//! No network, no writes: `--dry-run` prints exactly this plan, a real import sends it.

use aks_engine::{
    OutputDir, RequirementError, RequirementOverrides, ScaleSetError, ScaleSetEvaluator,
};
use arm_template::{Deferred, DeployTimePolicy, Resolver};
use elastigroup::{ApiGeneration, MappingError, PoolInput, SetAssignment, SetError};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

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
///
/// Without a resolver, many pools are planned on several threads, each with its own evaluator
/// (pools are independent); the groups, and the first error in pool order, are the same as one
/// pool after another.
pub fn plan(
    dir: &OutputDir,
    opts: &PlanOptions,
    resolver: Option<&dyn Resolver>,
) -> Result<Vec<PlannedGroup>, PlanError> {
    let threads = available_threads();
    plan_on(dir, opts, resolver, threads)
}

/// [`plan`] with at most `threads` threads.
fn plan_on(
    dir: &OutputDir,
    opts: &PlanOptions,
    resolver: Option<&dyn Resolver>,
    threads: usize,
) -> Result<Vec<PlannedGroup>, PlanError> {
    let pools = aks_engine::requirements::check(&dir.api_model, &opts.pools, opts.overrides)?;
    let dns_prefix = dir
        .api_model
        .dns_prefix()
        .ok_or(PlanError::NoDnsPrefix)?
        .to_string();
    let context = aks_engine::deployment_context(dir, &opts.subscription_id, &opts.resource_group);
    let evaluator = ScaleSetEvaluator::new(dir, context.clone(), DeployTimePolicy::Mark, resolver)?;

    elastigroup::check_set_values(opts.generation, &opts.sets)?;
    let plan_one = |evaluator: &ScaleSetEvaluator, pool: &String| {
        plan_pool(evaluator, pool, &dns_prefix, opts)
    };
    let workers = if resolver.is_none() && !uses_clock_or_guid(&dir.template) {
        workers(pools.len(), threads)
    } else {
        1
    };
    let planned = if workers <= 1 {
        pools
            .iter()
            .map(|p| plan_one(&evaluator, p))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        in_parallel(&pools, workers, &evaluator, plan_one, || {
            ScaleSetEvaluator::new(dir, context.clone(), DeployTimePolicy::Mark, None)
        })?
    };
    check_unique_names(&planned)?;
    Ok(planned)
}

/// `plan_one` over `pools` on `workers` threads (this one with `evaluator`, the others with one
/// from `new_evaluator` each), in pool order. Threads take the next pool until none is left or
/// one fails; pools are taken in order, so every pool before a failed one is planned too and
/// the first error in pool order is the one returned.
fn in_parallel<'d>(
    pools: &[String],
    workers: usize,
    evaluator: &ScaleSetEvaluator<'d>,
    plan_one: impl Fn(&ScaleSetEvaluator<'d>, &String) -> Result<PlannedGroup, PlanError> + Sync,
    new_evaluator: impl Fn() -> Result<ScaleSetEvaluator<'d>, ScaleSetError> + Sync,
) -> Result<Vec<PlannedGroup>, PlanError> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let work = |evaluator: &ScaleSetEvaluator<'d>| {
        let mut done = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(pool) = pools.get(i) else { break };
            let result = plan_one(evaluator, pool);
            if result.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            done.push((i, result));
        }
        done
    };
    let mut done = std::thread::scope(|s| {
        let others: Vec<_> = (1..workers)
            .map(|_| s.spawn(|| new_evaluator().map(|e| work(&e))))
            .collect();
        let mut done = work(evaluator);
        for handle in others {
            let part = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            // Building an evaluator that was already built once does not fail; if it did, the
            // pools it would have taken were taken by the other threads.
            done.extend(part.into_iter().flatten());
        }
        done
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Pools per thread below which a thread costs more (its own evaluator binds the parameters and
/// evaluates the variables again) than it saves.
const MIN_POOLS_PER_WORKER: usize = 4;

/// How many threads plan `pools` pools, at most `threads`.
fn workers(pools: usize, threads: usize) -> usize {
    threads.min(pools / MIN_POOLS_PER_WORKER).max(1)
}

/// The cores this process may use.
fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Whether a parameter default calls `utcNow()` or `newGuid()` (the only places ARM allows
/// them): each evaluator binds parameters itself, so such values could differ between threads.
fn uses_clock_or_guid(template: &arm_template::Template) -> bool {
    fn mentions(v: &Value) -> bool {
        match v {
            Value::String(s) => {
                let s = s.to_ascii_lowercase();
                s.contains("utcnow") || s.contains("newguid")
            }
            Value::Array(a) => a.iter().any(mentions),
            Value::Object(m) => m.values().any(mentions),
            _ => false,
        }
    }
    template
        .parameters()
        .iter()
        .filter_map(|p| p.default_value.as_ref())
        .any(mentions)
}

/// Evaluates, maps, sizes, applies `--set` to and validates one pool's group.
fn plan_pool(
    evaluator: &ScaleSetEvaluator,
    pool: &String,
    dns_prefix: &str,
    opts: &PlanOptions,
) -> Result<PlannedGroup, PlanError> {
    let scale_set = evaluator.evaluate(pool)?;
    let input = PoolInput {
        pool_name: pool,
        cluster_name: dns_prefix,
        cluster_identifier: dns_prefix,
        resource_group: &opts.resource_group,
        scale_set: &scale_set.resource,
        vm_sizes: None,
    };
    let map = |input: &PoolInput| {
        elastigroup::map_scale_set(input, opts.generation).map_err(|source| PlanError::Mapping {
            pool: pool.clone(),
            scale_set: scale_set.name().to_owned(),
            json_path: scale_set.json_path.to_string(),
            source: Box::new(source),
        })
    };
    let mut mapped = map(&input)?;
    // The sizes depend on what the mapping read (zones, disk tier, accelerated networking);
    // a pool whose choice is more than its source size is mapped again with them.
    let os = vm_prices::Os::from_group_os(
        mapped
            .body
            .pointer("/group/compute/os")
            .and_then(Value::as_str)
            .unwrap_or("Linux"),
    );
    let (chosen, mut pool_sizes) = sizes::for_pool(&opts.sizes, &mapped.node, opts.generation, os)
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
            s.fit_preferred(group);
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
    Ok(PlannedGroup {
        pool: pool.clone(),
        scale_set: scale_set.name().to_string(),
        name,
        body,
        warnings,
        deferred: scale_set.deferred,
        sizes: pool_sizes,
    })
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

    fn pools_50() -> Option<(OutputDir, PlanOptions)> {
        let case =
            test_fixtures::shared_path("importer plan on threads", "fixtures/aks-engine/pools-50")?;
        let dir = OutputDir::load(&case).unwrap();
        let opts = PlanOptions {
            pools: Vec::new(),
            generation: ApiGeneration::V3,
            sets: Vec::new(),
            overrides: RequirementOverrides::default(),
            subscription_id: "00000000-0000-0000-0000-000000000000".into(),
            resource_group: "rg".into(),
            sizes: SizeOptions::default(),
        };
        Some((dir, opts))
    }

    fn summary(planned: &[PlannedGroup]) -> Vec<(String, String, String, Value, Vec<String>)> {
        planned
            .iter()
            .map(|g| {
                (
                    g.pool.clone(),
                    g.scale_set.clone(),
                    g.name.clone(),
                    g.body.clone(),
                    g.warnings.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn pools_planned_on_threads_are_the_pools_planned_one_after_another() {
        let Some((dir, opts)) = pools_50() else {
            return;
        };
        assert_eq!(workers(50, 3), 3);
        let one = plan_on(&dir, &opts, None, 1).unwrap();
        let three = plan_on(&dir, &opts, None, 3).unwrap();
        assert_eq!(one.len(), 50);
        assert_eq!(one[0].pool, "pool01");
        assert_eq!(summary(&one), summary(&three));
    }

    #[test]
    fn on_threads_the_first_failing_pool_in_order_is_reported() {
        let Some((dir, mut opts)) = pools_50() else {
            return;
        };
        // A minimum above the target fails every pool, after evaluating and mapping it.
        opts.sets = elastigroup::parse_set_args(&["capacity.minimum=1000".to_owned()]).unwrap();
        let one = plan_on(&dir, &opts, None, 1).unwrap_err();
        let three = plan_on(&dir, &opts, None, 3).unwrap_err();
        assert!(
            format!("{one:#}").contains("agent pool `pool01`"),
            "{one:#}"
        );
        assert_eq!(format!("{one:#}"), format!("{three:#}"));
    }

    #[test]
    fn few_pools_or_one_core_stay_on_one_thread() {
        assert_eq!(workers(3, 2), 1);
        assert_eq!(workers(50, 1), 1);
        assert_eq!(workers(8, 2), 2);
        assert_eq!(workers(0, 4), 1);
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
