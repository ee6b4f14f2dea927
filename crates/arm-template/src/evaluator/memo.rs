//! Parameters and variables: each evaluated once on first use, with cycle and depth checks.

use serde_json::Value as Json;

use super::Evaluator;
use crate::error::{EvalError, EvalErrorKind};
use crate::json_path::JsonPath;
use crate::limits::MAX_REFERENCE_DEPTH;
use crate::scope::{CopyFrame, Scope};
use crate::value::Value;

/// Memoisation state of one parameter or variable.
#[derive(Clone, Debug)]
pub(crate) enum Slot {
    Empty,
    InProgress,
    Done(Value),
}

impl<'t> Evaluator<'t> {
    /// `parameters(name)`.
    pub(crate) fn parameter_value(
        &self,
        name: &str,
        text: &str,
        scope: &Scope<'_>,
    ) -> Result<Value, EvalError> {
        let Some(&index) = self.template.parameter_index.get(&name.to_lowercase()) else {
            return Err(scope.error(
                EvalErrorKind::UnknownParameter {
                    name: name.to_owned(),
                },
                text.to_owned(),
            ));
        };
        self.parameter_by_index(index, scope)
    }

    pub(crate) fn parameter_by_index(
        &self,
        index: usize,
        scope: &Scope<'_>,
    ) -> Result<Value, EvalError> {
        let declaration = &self.template.parameters[index];
        self.memoised(
            &self.parameter_slots,
            index,
            "parameter",
            &declaration.name,
            scope,
            || {
                if let Some(v) = self.supplied.get(&declaration.name) {
                    return Ok(Value::from_json(v));
                }
                let default = declaration.default_value.as_ref().unwrap_or(&Json::Null);
                let root = format!("parameters.{}.defaultValue", declaration.name);
                let path = JsonPath::root(&root);
                let inner = Scope {
                    path: &path,
                    copies: &[],
                    lambda: None,
                    in_parameter_default: true,
                    sink: None,
                };
                self.eval_json_value(default, &inner)
            },
        )
    }

    /// `variables(name)`.
    pub(crate) fn variable_value(
        &self,
        name: &str,
        text: &str,
        scope: &Scope<'_>,
    ) -> Result<Value, EvalError> {
        let Some(&index) = self.template.variable_index.get(&name.to_lowercase()) else {
            return Err(scope.error(
                EvalErrorKind::UnknownVariable {
                    name: name.to_owned(),
                },
                text.to_owned(),
            ));
        };
        let declaration = &self.template.variables[index];
        self.memoised(
            &self.variable_slots,
            index,
            "variable",
            &declaration.name,
            scope,
            || {
                let path = JsonPath::root(&declaration.json_path);
                let inner = Scope::at(&path);
                match &declaration.body {
                    crate::template::VariableBody::Value(v) => self.eval_json_value(v, &inner),
                    crate::template::VariableBody::Copy { count, input } => {
                        let count_path = path.key("count");
                        let n = self.eval_count(Some(count), &inner.with_path(&count_path))?;
                        let input_path = path.key("input");
                        let mut items = Vec::with_capacity(n as usize);
                        for i in 0..n {
                            let frames = [CopyFrame {
                                name: declaration.name.clone(),
                                index: i,
                                resource_level: true,
                            }];
                            let iteration = Scope {
                                copies: &frames,
                                ..inner.with_path(&input_path)
                            };
                            items.push(self.eval_json_value(input, &iteration)?);
                        }
                        Ok(Value::array(items))
                    }
                }
            },
        )
    }

    pub(super) fn memoised(
        &self,
        slots: &std::cell::RefCell<Vec<Slot>>,
        index: usize,
        kind: &'static str,
        name: &str,
        scope: &Scope<'_>,
        compute: impl FnOnce() -> Result<Value, EvalError>,
    ) -> Result<Value, EvalError> {
        match &slots.borrow()[index] {
            Slot::Done(v) => return Ok(v.clone()),
            Slot::InProgress => {
                let resolving = self.resolving.borrow();
                let start = resolving
                    .iter()
                    .rposition(|n| n.eq_ignore_ascii_case(name))
                    .unwrap_or(0);
                let mut cycle: Vec<String> = resolving[start..].to_vec();
                cycle.push(name.to_owned());
                return Err(EvalError::new(
                    EvalErrorKind::Cycle { kind, cycle },
                    scope.json_path(),
                    None,
                ));
            }
            Slot::Empty => {}
        }
        let what = format!("{kind}s('{name}')");
        if self.resolving.borrow().len() >= MAX_REFERENCE_DEPTH {
            return Err(self.limit_error(
                format!(
                    "variables and parameters refer to each other more than {MAX_REFERENCE_DEPTH} levels deep"
                ),
                &what,
                scope,
            ));
        }
        slots.borrow_mut()[index] = Slot::InProgress;
        self.resolving.borrow_mut().push(name.to_owned());
        let result = compute().and_then(|value| {
            self.budget
                .admit(&value)
                .map_err(|message| self.limit_error(message, &what, scope))?;
            Ok(value)
        });
        self.resolving.borrow_mut().pop();
        slots.borrow_mut()[index] = match &result {
            Ok(v) => Slot::Done(v.clone()),
            Err(_) => Slot::Empty,
        };
        result
    }
}
