//! The evaluator: the state of one deployment's evaluation (memoised parameters and variables,
//! parsed-expression cache, work budget), behind [`Deployment`](crate::Deployment).
//!
//! - `walk`: template JSON (literals, expression strings and keys, resource/output/property
//!   `copy` loops, conditions) into values or output JSON, with the deploy-time policy;
//! - `expression`: expression nodes, function calls, the lazy `if`/`and`/`or`/`coalesce`, lambdas;
//! - `memo`: parameters and variables, evaluated once, with cycle and depth checks.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use chrono::{DateTime, Utc};

use crate::context::{DeployTimePolicy, DeploymentContext, Resolver};
use crate::error::{EvalError, EvalErrorKind};
use crate::limits::{Budget, MAX_EVAL_DEPTH};
use crate::parameters::ParameterValues;
use crate::parsed::Parsed;
use crate::scope::Scope;
use crate::template::Template;

mod expression;
mod memo;
mod walk;

use memo::Slot;
pub(crate) use walk::{StringKind, classify};

/// Parsed expressions by their full template string (parse failures are cached too).
pub(crate) type ParseCache = HashMap<Box<str>, Rc<Result<Parsed, crate::error::ParseError>>>;

/// The evaluator: a template bound to parameter values and a context, with the memoised
/// parameters and variables, the parsed-expression cache and the work budget.
/// [`Deployment`](crate::Deployment) is its public face; template functions reach it through [`FnCtx`](crate::functions::FnCtx).
pub(crate) struct Evaluator<'t> {
    template: &'t Template,
    context: DeploymentContext,
    supplied: ParameterValues,
    resolver: Option<&'t dyn Resolver>,
    policy: DeployTimePolicy,
    now: DateTime<Utc>,
    guid_counter: Cell<u64>,
    parameter_slots: RefCell<Vec<Slot>>,
    variable_slots: RefCell<Vec<Slot>>,
    /// Names currently being evaluated, for cycle messages.
    resolving: RefCell<Vec<String>>,
    parse_cache: RefCell<ParseCache>,
    /// Work done so far, against the evaluation limits.
    budget: Budget,
    /// How many expression evaluations are in progress inside one another.
    depth: Cell<usize>,
}

impl<'t> Evaluator<'t> {
    /// An evaluator with nothing evaluated yet, failing on deploy-time values.
    pub(crate) fn new(
        template: &'t Template,
        supplied: ParameterValues,
        context: DeploymentContext,
    ) -> Self {
        Evaluator {
            template,
            context,
            supplied,
            resolver: None,
            policy: DeployTimePolicy::Fail,
            now: Utc::now(),
            guid_counter: Cell::new(0),
            parameter_slots: RefCell::new(vec![Slot::Empty; template.parameters.len()]),
            variable_slots: RefCell::new(vec![Slot::Empty; template.variables.len()]),
            resolving: RefCell::new(Vec::new()),
            parse_cache: RefCell::new(HashMap::new()),
            budget: Budget::default(),
            depth: Cell::new(0),
        }
    }

    pub(crate) fn with_resolver(mut self, resolver: &'t dyn Resolver) -> Self {
        self.resolver = Some(resolver);
        self
    }

    pub(crate) fn with_policy(mut self, policy: DeployTimePolicy) -> Self {
        self.policy = policy;
        self
    }

    pub(crate) fn with_now(mut self, now: DateTime<Utc>) -> Self {
        self.now = now;
        self
    }

    pub(crate) fn template(&self) -> &'t Template {
        self.template
    }

    pub(crate) fn policy(&self) -> DeployTimePolicy {
        self.policy
    }

    pub(crate) fn context(&self) -> &DeploymentContext {
        &self.context
    }

    pub(crate) fn supplied(&self) -> &ParameterValues {
        &self.supplied
    }

    /// The caller's resolver for `reference`/`list*`, if any.
    pub(crate) fn resolver(&self) -> Option<&'t dyn Resolver> {
        self.resolver
    }

    /// The clock `utcNow()` reads.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The work done so far, for functions whose cost is not one step (set operations).
    pub(crate) fn budget(&self) -> &Budget {
        &self.budget
    }

    /// The next `newGuid()` value: deterministic per deployment name and call order.
    pub(crate) fn next_guid(&self) -> String {
        let n = self.guid_counter.get();
        self.guid_counter.set(n + 1);
        let namespace = uuid::Uuid::from_u128(0x6ba7b811_9dad_11d1_80b4_00c04fd430c8);
        let seed = format!(
            "{}/{}/{n}",
            self.context.deployment_name,
            self.now.timestamp()
        );
        let mut bytes = *uuid::Uuid::new_v5(&namespace, seed.as_bytes()).as_bytes();
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        uuid::Uuid::from_bytes(bytes).hyphenated().to_string()
    }

    /// Count `n` evaluation steps against the budget.
    pub(crate) fn step(
        &self,
        n: u64,
        expression: &str,
        scope: &Scope<'_>,
    ) -> Result<(), EvalError> {
        self.budget
            .steps(n)
            .map_err(|message| self.limit_error(message, expression, scope))
    }

    pub(crate) fn limit_error(
        &self,
        message: String,
        expression: &str,
        scope: &Scope<'_>,
    ) -> EvalError {
        scope.error(EvalErrorKind::Limit { message }, expression.to_owned())
    }

    /// Run `f` one level deeper, failing past [`MAX_EVAL_DEPTH`] levels of expressions and
    /// template JSON (through variables, parameter defaults and lambdas), so that no template can
    /// overflow the stack.
    pub(super) fn nested<T>(
        &self,
        expression: &str,
        scope: &Scope<'_>,
        f: impl FnOnce() -> Result<T, EvalError>,
    ) -> Result<T, EvalError> {
        let depth = self.depth.get();
        if depth >= MAX_EVAL_DEPTH {
            return Err(self.limit_error(
                format!("the evaluation is nested more than {MAX_EVAL_DEPTH} levels deep"),
                expression,
                scope,
            ));
        }
        self.depth.set(depth + 1);
        let result = f();
        self.depth.set(depth);
        result
    }
}
