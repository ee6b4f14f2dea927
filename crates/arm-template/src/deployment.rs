//! [`Deployment`]: the public face of a template bound to parameter values and a
//! [`DeploymentContext`]: binding and checking parameters, and entry points that evaluate
//! expressions, variables, resources and outputs through the crate's `Evaluator`.

use chrono::{DateTime, Utc};
use serde_json::Value as Json;

use crate::context::{DeployTimePolicy, DeploymentContext, Resolver};
use crate::error::{EvalError, EvalErrorKind, TemplateError};
use crate::evaluated::Evaluated;
use crate::evaluator::Evaluator;
use crate::json_path::JsonPath;
use crate::parameters::{ParameterValues, Supplied};
use crate::scope::Scope;
use crate::template::{ParameterDeclaration, ParameterType, Template};
use crate::value::Value;

/// A template bound to parameters and a context, ready to evaluate.
pub struct Deployment<'t> {
    evaluator: Evaluator<'t>,
}

impl std::fmt::Debug for Deployment<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deployment")
            .field("context", self.evaluator.context())
            .field("policy", &self.evaluator.policy())
            .field("has_resolver", &self.evaluator.resolver().is_some())
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
            evaluator: Evaluator::new(template, parameters.clone(), context),
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
        self.evaluator = self.evaluator.with_resolver(resolver);
        self
    }

    /// Choose what happens to deploy-time functions nobody can answer (default: [`DeployTimePolicy::Fail`]).
    pub fn with_deploy_time_policy(mut self, policy: DeployTimePolicy) -> Self {
        self.evaluator = self.evaluator.with_policy(policy);
        self
    }

    /// Fix the clock `utcNow()` reads and reset the `newGuid()` sequence (for reproducible results).
    ///
    /// Parameter defaults already evaluated by [`Deployment::new`] keep their values.
    pub fn with_now(mut self, now: DateTime<Utc>) -> Self {
        self.evaluator = self.evaluator.with_now(now);
        self
    }

    /// The context this deployment evaluates against.
    pub fn context(&self) -> &DeploymentContext {
        self.evaluator.context()
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
        let parsed = self.evaluator.parse_cached(text);
        let value = self.evaluator.eval_parsed(&parsed, text, &scope)?;
        self.evaluator.finish(value, &scope)
    }

    /// The value of a parameter (case-insensitive name).
    pub fn parameter(&self, name: &str) -> Result<Json, EvalError> {
        let root = format!("parameters('{name}')");
        let path = JsonPath::root(&root);
        let scope = Scope::at(&path);
        let value = self.evaluator.parameter_value(name, &root, &scope)?;
        self.evaluator.finish(value, &scope)
    }

    /// The value of a variable (case-insensitive name).
    pub fn variable(&self, name: &str) -> Result<Json, EvalError> {
        let root = format!("variables('{name}')");
        let path = JsonPath::root(&root);
        let scope = Scope::at(&path);
        let value = self.evaluator.variable_value(name, &root, &scope)?;
        self.evaluator.finish(value, &scope)
    }

    /// Evaluate one template fragment found at `json_path`, recursing into arrays and objects
    /// (expression keys too, and property `copy` loops).
    pub fn evaluate_value(&self, json_path: &str, v: &Json) -> Result<Evaluated, EvalError> {
        self.evaluator.evaluate_fragment(json_path, v, &[])
    }

    /// Evaluate resource `index`: copy loops expanded (so it may yield several), `condition` false → none.
    ///
    /// The `copy` and `condition` keys are consumed and do not appear in the results.
    pub fn evaluate_resource(&self, index: usize) -> Result<Vec<Evaluated>, EvalError> {
        let resources = self.evaluator.template().resources_raw();
        let raw = resources.get(index).ok_or(EvalError::new(
            EvalErrorKind::NoSuchResource {
                index,
                count: resources.len(),
            },
            String::new(),
            None,
        ))?;
        let root = format!("resources[{index}]");
        self.evaluator.evaluate_looped(&root, raw, true)
    }

    /// Evaluate every resource, in template order.
    pub fn resources(&self) -> Result<Vec<Evaluated>, EvalError> {
        let mut out = Vec::new();
        for index in 0..self.evaluator.template().resources_raw().len() {
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
        self.evaluator.outputs()
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
        )) = self.evaluator.supplied().supplied(&key)
        {
            return Err(TemplateError::KeyVaultReference {
                name: declaration.name.clone(),
                secret_name: secret_name.clone(),
                vault_id: vault_id.clone(),
            });
        }
        if self.evaluator.supplied().get(&key).is_none() && declaration.default_value.is_none() {
            return Err(TemplateError::MissingParameter {
                name: declaration.name.clone(),
            });
        }
        let root = format!("parameters.{}", declaration.name);
        let path = JsonPath::root(&root);
        let scope = Scope::at(&path);
        let value = self
            .evaluator
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
