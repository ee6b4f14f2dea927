//! [`Deployment`]: a template bound to parameter values and a [`DeploymentContext`], evaluated
//! on demand with memoised variables and a per-deployment cache of parsed expressions.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use serde_json::Value as Json;

use crate::context::{DeployTimePolicy, DeploymentContext, Resolver};
use crate::error::{EvalError, TemplateError};
use crate::json_path::JsonPath;
use crate::limits::Budget;
use crate::parameters::{ParameterValues, Supplied};
use crate::parsed::Parsed;
use crate::scope::{CopyFrame, Scope};
use crate::template::{ParameterDeclaration, ParameterType, Template};
use crate::value::Value;

/// The result of evaluating one template fragment.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluated {
    /// Where the fragment is in the template (e.g. `resources[2]`).
    pub json_path: String,
    /// The fully evaluated JSON.
    pub value: Json,
    /// Deploy-time values left as markers (only with [`DeployTimePolicy::Mark`]).
    pub deferred: Vec<Deferred>,
}

/// A deploy-time value that was left as a marker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deferred {
    /// Where the marked value is.
    pub json_path: String,
    /// The expression text standing for it.
    pub expression: String,
}

/// Parsed expressions by their full template string (parse failures are cached too).
pub(crate) type ParseCache = HashMap<Box<str>, Rc<Result<Parsed, crate::error::ParseError>>>;

/// Memoisation state of one parameter or variable.
#[derive(Clone, Debug)]
pub(crate) enum Slot {
    Empty,
    InProgress,
    Done(Value),
}

/// A template bound to parameters and a context, ready to evaluate.
pub struct Deployment<'t> {
    pub(crate) template: &'t Template,
    pub(crate) context: DeploymentContext,
    pub(crate) supplied: ParameterValues,
    pub(crate) resolver: Option<&'t dyn Resolver>,
    pub(crate) policy: DeployTimePolicy,
    pub(crate) now: DateTime<Utc>,
    pub(crate) guid_counter: Cell<u64>,
    pub(crate) parameter_slots: RefCell<Vec<Slot>>,
    pub(crate) variable_slots: RefCell<Vec<Slot>>,
    /// Names currently being evaluated, for cycle messages.
    pub(crate) resolving: RefCell<Vec<String>>,
    pub(crate) parse_cache: RefCell<ParseCache>,
    /// Work done so far, against the evaluation limits.
    pub(crate) budget: Budget,
}

impl std::fmt::Debug for Deployment<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deployment")
            .field("context", &self.context)
            .field("policy", &self.policy)
            .field("has_resolver", &self.resolver.is_some())
            .finish_non_exhaustive()
    }
}

impl<'t> Deployment<'t> {
    /// Bind `parameters` to `template`: every declared parameter is resolved (supplied value or
    /// `defaultValue`), type-checked and checked against its constraints.
    pub fn new(
        template: &'t Template,
        parameters: &ParameterValues,
        context: DeploymentContext,
    ) -> Result<Self, TemplateError> {
        let deployment = Deployment {
            template,
            context,
            supplied: parameters.clone(),
            resolver: None,
            policy: DeployTimePolicy::Fail,
            now: Utc::now(),
            guid_counter: Cell::new(0),
            parameter_slots: RefCell::new(vec![Slot::Empty; template.parameters.len()]),
            variable_slots: RefCell::new(vec![Slot::Empty; template.variables.len()]),
            resolving: RefCell::new(Vec::new()),
            parse_cache: RefCell::new(HashMap::new()),
            budget: Budget::default(),
        };
        for name in parameters.names() {
            if template.parameter(name).is_none() {
                return Err(TemplateError::UnknownParameter {
                    name: name.to_owned(),
                });
            }
        }
        for (index, declaration) in template.parameters.iter().enumerate() {
            deployment.bind_parameter(index, declaration)?;
        }
        Ok(deployment)
    }

    /// Answer deploy-time functions (`reference`, `list*`) through `resolver`.
    pub fn with_resolver(mut self, resolver: &'t dyn Resolver) -> Self {
        self.resolver = Some(resolver);
        self
    }

    /// Choose what happens to deploy-time functions nobody can answer (default: [`DeployTimePolicy::Fail`]).
    pub fn with_deploy_time_policy(mut self, policy: DeployTimePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Fix the clock `utcNow()` reads and reset the `newGuid()` sequence (for reproducible results).
    ///
    /// Parameter defaults already evaluated by [`Deployment::new`] keep their values.
    pub fn with_now(mut self, now: DateTime<Utc>) -> Self {
        self.now = now;
        self
    }

    /// The context this deployment evaluates against.
    pub fn context(&self) -> &DeploymentContext {
        &self.context
    }

    /// Evaluate one expression, with or without its surrounding `[` `]`.
    pub fn evaluate_expression(&self, text: &str) -> Result<Json, EvalError> {
        self.evaluate_expression_at("<expression>", text)
    }

    /// [`Deployment::evaluate_expression`], with `location` naming where the expression came from
    /// in errors (e.g. `the command line`).
    pub fn evaluate_expression_at(&self, location: &str, text: &str) -> Result<Json, EvalError> {
        let root = JsonPath::root(location);
        let scope = Scope::at(&root);
        let parsed = self.parse_cached(text);
        let value = self.eval_parsed(&parsed, text, &scope)?;
        self.finish(value, &scope)
    }

    /// The value of a parameter (case-insensitive name).
    pub fn parameter(&self, name: &str) -> Result<Json, EvalError> {
        let root = format!("parameters('{name}')");
        let path = JsonPath::root(&root);
        let scope = Scope::at(&path);
        let value = self.parameter_value(name, &root, &scope)?;
        self.finish(value, &scope)
    }

    /// The value of a variable (case-insensitive name).
    pub fn variable(&self, name: &str) -> Result<Json, EvalError> {
        let root = format!("variables('{name}')");
        let path = JsonPath::root(&root);
        let scope = Scope::at(&path);
        let value = self.variable_value(name, &root, &scope)?;
        self.finish(value, &scope)
    }

    /// Evaluate one template fragment found at `json_path`, recursing into arrays and objects
    /// (expression keys too, and property `copy` loops).
    pub fn evaluate_value(&self, json_path: &str, v: &Json) -> Result<Evaluated, EvalError> {
        self.evaluate_fragment(json_path, v, &[])
    }

    /// Evaluate resource `index`: copy loops expanded (so it may yield several), `condition` false → none.
    ///
    /// The `copy` and `condition` keys are consumed and do not appear in the results.
    pub fn evaluate_resource(&self, index: usize) -> Result<Vec<Evaluated>, EvalError> {
        let resources = self.template.resources_raw();
        let raw = resources.get(index).ok_or(EvalError::NoSuchResource {
            index,
            count: resources.len(),
        })?;
        let root = format!("resources[{index}]");
        self.evaluate_looped(&root, raw, true)
    }

    /// Evaluate every resource, in template order.
    pub fn resources(&self) -> Result<Vec<Evaluated>, EvalError> {
        let mut out = Vec::new();
        for index in 0..self.template.resources_raw().len() {
            out.extend(self.evaluate_resource(index)?);
        }
        Ok(out)
    }

    /// Evaluate the outputs (each output's `value`, or its `copy` array), skipping false `condition`s.
    pub fn outputs(&self) -> Result<serde_json::Map<String, Json>, EvalError> {
        Ok(self
            .outputs_evaluated()?
            .into_iter()
            .map(|(name, e)| (name, e.value))
            .collect())
    }

    /// Like [`Deployment::outputs`] but keeping each output's path and deferred values.
    pub fn outputs_evaluated(&self) -> Result<Vec<(String, Evaluated)>, EvalError> {
        let mut out = Vec::new();
        for (name, output) in &self.template.outputs {
            let root = format!("outputs.{name}");
            let path = JsonPath::root(&root);
            let scope = Scope::at(&path);
            if !self.condition_holds(output, &scope)? {
                continue;
            }
            if let Some(copy) = output.get("copy") {
                let count = self.copy_count(copy, &scope)?;
                let loop_name = copy
                    .get("name")
                    .and_then(Json::as_str)
                    .unwrap_or(name)
                    .to_owned();
                let input = copy.get("input").ok_or_else(|| EvalError::Invalid {
                    message: "an output copy needs an 'input'".into(),
                    json_path: format!("{root}.copy"),
                })?;
                let mut items = Vec::new();
                let mut deferred = Vec::new();
                for i in 0..count {
                    let frames = [CopyFrame {
                        name: loop_name.clone(),
                        index: i,
                        resource_level: true,
                    }];
                    let e =
                        self.evaluate_fragment(&format!("{root}.copy.input"), input, &frames)?;
                    items.push(e.value);
                    deferred.extend(e.deferred);
                }
                out.push((
                    name.clone(),
                    Evaluated {
                        json_path: root,
                        value: Json::Array(items),
                        deferred,
                    },
                ));
            } else {
                let value = output.get("value").unwrap_or(&Json::Null);
                out.push((
                    name.clone(),
                    self.evaluate_fragment(&format!("{root}.value"), value, &[])?,
                ));
            }
        }
        Ok(out)
    }

    fn evaluate_fragment(
        &self,
        json_path: &str,
        v: &Json,
        copies: &[CopyFrame],
    ) -> Result<Evaluated, EvalError> {
        let sink = RefCell::new(Vec::new());
        let path = JsonPath::root(json_path);
        let scope = Scope {
            path: &path,
            copies,
            lambda: None,
            in_parameter_default: false,
            sink: Some(&sink),
        };
        let value = self.eval_json_final(v, &scope)?;
        Ok(Evaluated {
            json_path: json_path.to_owned(),
            value,
            deferred: sink.into_inner(),
        })
    }

    /// A resource (or anything with `copy` object + `condition`), loop expanded.
    fn evaluate_looped(
        &self,
        root: &str,
        raw: &Json,
        strip: bool,
    ) -> Result<Vec<Evaluated>, EvalError> {
        let path = JsonPath::root(root);
        let scope = Scope::at(&path);
        let Json::Object(object) = raw else {
            return Ok(vec![self.evaluate_fragment(root, raw, &[])?]);
        };
        let body: Json = if strip {
            Json::Object(
                object
                    .iter()
                    .filter(|(k, _)| {
                        !k.eq_ignore_ascii_case("copy") && !k.eq_ignore_ascii_case("condition")
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        } else {
            raw.clone()
        };
        let mut out = Vec::new();
        match object.get("copy") {
            Some(copy) if copy.is_object() => {
                let count = self.copy_count(copy, &scope)?;
                let name = copy
                    .get("name")
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_owned();
                for i in 0..count {
                    let frames = [CopyFrame {
                        name: name.clone(),
                        index: i,
                        resource_level: true,
                    }];
                    let iteration = Scope {
                        copies: &frames,
                        ..scope
                    };
                    if self.condition_holds(raw, &iteration)? {
                        out.push(self.evaluate_fragment(root, &body, &frames)?);
                    }
                }
            }
            _ => {
                if self.condition_holds(raw, &scope)? {
                    out.push(self.evaluate_fragment(root, &body, &[])?);
                }
            }
        }
        Ok(out)
    }

    fn condition_holds(&self, raw: &Json, scope: &Scope<'_>) -> Result<bool, EvalError> {
        let Some(condition) = raw.get("condition") else {
            return Ok(true);
        };
        let path = scope.path.key("condition");
        let scope = scope.with_path(&path);
        match self.eval_json_value(condition, &scope)? {
            Value::Bool(b) => Ok(b),
            Value::Unresolved(u) => Err(EvalError::DeployTime {
                function: u.function.clone(),
                expression: u.text.clone(),
                json_path: scope.json_path(),
            }),
            other => Err(EvalError::Invalid {
                message: format!("a condition must be a bool, not {}", other.type_name()),
                json_path: scope.json_path(),
            }),
        }
    }

    /// Evaluate a `copy` object's `count`.
    pub(crate) fn copy_count(&self, copy: &Json, scope: &Scope<'_>) -> Result<i64, EvalError> {
        let copy_path = scope.path.key("copy");
        let count_path = copy_path.key("count");
        self.eval_count(copy.get("count"), &scope.with_path(&count_path))
    }

    /// Evaluate a copy loop's count (`scope` is at the count); ARM allows 0 to 800.
    pub(crate) fn eval_count(
        &self,
        count: Option<&Json>,
        scope: &Scope<'_>,
    ) -> Result<i64, EvalError> {
        let count = count.ok_or_else(|| EvalError::Invalid {
            message: "a copy loop needs a 'count'".into(),
            json_path: scope.json_path(),
        })?;
        match self.eval_json_value(count, scope)? {
            Value::Int(n) if (0..=800).contains(&n) => Ok(n),
            Value::Int(n) => Err(EvalError::Invalid {
                message: format!("a copy count must be between 0 and 800, not {n}"),
                json_path: scope.json_path(),
            }),
            Value::Unresolved(u) => Err(EvalError::DeployTime {
                function: u.function.clone(),
                expression: u.text.clone(),
                json_path: scope.json_path(),
            }),
            other => Err(EvalError::Invalid {
                message: format!("a copy count must be an int, not {}", other.type_name()),
                json_path: scope.json_path(),
            }),
        }
    }

    /// Turn an internal value into output JSON, applying the deploy-time policy.
    pub(crate) fn finish(&self, value: Value, scope: &Scope<'_>) -> Result<Json, EvalError> {
        let sink = RefCell::new(Vec::new());
        let scope = Scope {
            sink: Some(&sink),
            ..*scope
        };
        self.value_to_output(&value, &scope)
    }

    fn bind_parameter(
        &self,
        index: usize,
        declaration: &ParameterDeclaration,
    ) -> Result<(), TemplateError> {
        let key = declaration.name.to_lowercase();
        if let Some((
            _,
            Supplied::KeyVault {
                vault_id,
                secret_name,
            },
        )) = self.supplied.supplied(&key)
        {
            return Err(TemplateError::KeyVaultReference {
                name: declaration.name.clone(),
                secret_name: secret_name.clone(),
                vault_id: vault_id.clone(),
            });
        }
        if self.supplied.get(&key).is_none() && declaration.default_value.is_none() {
            return Err(TemplateError::MissingParameter {
                name: declaration.name.clone(),
            });
        }
        let root = format!("parameters.{}", declaration.name);
        let path = JsonPath::root(&root);
        let scope = Scope::at(&path);
        let value = self
            .parameter_by_index(index, &scope)
            .map_err(|e| TemplateError::Default {
                name: declaration.name.clone(),
                source: Box::new(e),
            })?;
        check_parameter(declaration, &value)
    }
}

/// Type and constraint checks; messages never include the value.
fn check_parameter(declaration: &ParameterDeclaration, value: &Value) -> Result<(), TemplateError> {
    let name = &declaration.name;
    let ok = matches!(
        (declaration.parameter_type, value),
        (_, Value::Unresolved(_))
            | (
                ParameterType::String | ParameterType::SecureString,
                Value::String(_)
            )
            | (ParameterType::Int, Value::Int(_))
            | (ParameterType::Bool, Value::Bool(_))
            | (
                ParameterType::Object | ParameterType::SecureObject,
                Value::Object(_)
            )
            | (ParameterType::Array, Value::Array(_))
    );
    if !ok {
        return Err(TemplateError::ParameterType {
            name: name.clone(),
            expected: declaration.parameter_type.as_str().into(),
            actual: value.type_name().into(),
        });
    }
    let constraint = |message: String| TemplateError::ParameterConstraint {
        name: name.clone(),
        message,
    };
    if let Some(allowed) = &declaration.allowed_values {
        let allowed: Vec<Value> = allowed.iter().map(Value::from_json).collect();
        let is_allowed = |v: &Value| allowed.iter().any(|a| a.deep_eq(v));
        let fine = match value {
            Value::Array(items) if declaration.parameter_type == ParameterType::Array => {
                items.iter().all(is_allowed)
            }
            other => is_allowed(other),
        };
        if !fine {
            return Err(constraint(format!(
                "the value is not one of the {} allowed values",
                allowed.len()
            )));
        }
    }
    let length = match value {
        Value::String(s) => Some(s.encode_utf16().count() as i64),
        Value::Array(a) => Some(a.len() as i64),
        _ => None,
    };
    if let Some(len) = length {
        if let Some(min) = declaration.min_length.filter(|&m| len < m) {
            return Err(constraint(format!(
                "its length {len} is less than minLength {min}"
            )));
        }
        if let Some(max) = declaration.max_length.filter(|&m| len > m) {
            return Err(constraint(format!(
                "its length {len} is more than maxLength {max}"
            )));
        }
    }
    if let Value::Int(i) = value {
        if declaration.min_value.is_some_and(|m| *i < m) {
            return Err(constraint(format!(
                "it is less than minValue {}",
                declaration.min_value.unwrap_or_default()
            )));
        }
        if declaration.max_value.is_some_and(|m| *i > m) {
            return Err(constraint(format!(
                "it is more than maxValue {}",
                declaration.max_value.unwrap_or_default()
            )));
        }
    }
    Ok(())
}

impl Deployment<'_> {
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
}
