//! Template JSON walking: literals, expression strings and keys, `copy` loops and conditions,
//! into internal values or output JSON (with the deploy-time policy).

use std::borrow::Cow;
use std::cell::RefCell;

use serde_json::Value as Json;

use super::Evaluator;
use crate::context::DeployTimePolicy;
use crate::error::{EvalError, EvalErrorKind};
use crate::evaluated::{Deferred, Evaluated};
use crate::json_path::JsonPath;
use crate::scope::{CopyFrame, Scope};
use crate::value::{Unresolved, Value, markers_in};

/// What limit errors name when the work is walking template JSON rather than an expression.
const TEMPLATE_JSON: &str = "template JSON";

/// How a template string is to be read.
pub(crate) enum StringKind<'s> {
    /// A plain literal.
    Literal(&'s str),
    /// An expression (`[...]`).
    Expression,
}

/// Classify a template string: `[...]` is an expression, `[[...]` a literal minus its first `[`.
pub(crate) fn classify(s: &str) -> StringKind<'_> {
    if s.len() >= 2 && s.starts_with('[') && s.ends_with(']') {
        if s.starts_with("[[") {
            StringKind::Literal(&s[1..])
        } else {
            StringKind::Expression
        }
    } else {
        StringKind::Literal(s)
    }
}

impl<'t> Evaluator<'t> {
    /// Every output (its `value`, or its `copy` array), skipping false `condition`s.
    pub(crate) fn outputs(&self) -> Result<Vec<(String, Evaluated)>, EvalError> {
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
                let input = copy.get("input").ok_or_else(|| {
                    EvalError::new(
                        EvalErrorKind::Invalid {
                            message: "an output copy needs an 'input'".into(),
                        },
                        format!("{root}.copy"),
                        None,
                    )
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

    pub(crate) fn evaluate_fragment(
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
    pub(crate) fn evaluate_looped(
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
        let is_meta =
            |k: &str| k.eq_ignore_ascii_case("copy") || k.eq_ignore_ascii_case("condition");
        // Copied only when there is something to strip (a scale set is large, and most
        // resources have neither key).
        let body: Cow<'_, Json> = if strip && object.keys().any(|k| is_meta(k)) {
            Cow::Owned(Json::Object(
                object
                    .iter()
                    .filter(|(k, _)| !is_meta(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ))
        } else {
            Cow::Borrowed(raw)
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

    pub(super) fn condition_holds(&self, raw: &Json, scope: &Scope<'_>) -> Result<bool, EvalError> {
        let Some(condition) = raw.get("condition") else {
            return Ok(true);
        };
        let path = scope.path.key("condition");
        let scope = scope.with_path(&path);
        match self.eval_json_value(condition, &scope)? {
            Value::Bool(b) => Ok(b),
            Value::Unresolved(u) => Err(scope.error(
                EvalErrorKind::DeployTime {
                    function: u.function.clone(),
                },
                u.text.clone(),
            )),
            other => Err(scope.invalid(format!(
                "a condition must be a bool, not {}",
                other.type_name()
            ))),
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
        let count = count.ok_or_else(|| scope.invalid("a copy loop needs a 'count'"))?;
        match self.eval_json_value(count, scope)? {
            Value::Int(n) if (0..=800).contains(&n) => Ok(n),
            Value::Int(n) => {
                Err(scope.invalid(format!("a copy count must be between 0 and 800, not {n}")))
            }
            Value::Unresolved(u) => Err(scope.error(
                EvalErrorKind::DeployTime {
                    function: u.function.clone(),
                },
                u.text.clone(),
            )),
            other => Err(scope.invalid(format!(
                "a copy count must be an int, not {}",
                other.type_name()
            ))),
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

    /// Walk template JSON into an internal value (used for variables, parameters, counts, conditions).
    pub(crate) fn eval_json_value(&self, v: &Json, scope: &Scope<'_>) -> Result<Value, EvalError> {
        self.walk::<AsValue>(v, scope)
    }

    /// Walk template JSON into final output JSON, applying the deploy-time policy.
    pub(crate) fn eval_json_final(&self, v: &Json, scope: &Scope<'_>) -> Result<Json, EvalError> {
        self.walk::<AsJson>(v, scope)
    }

    /// The one template JSON walker: literals, expression strings, expression keys and property
    /// `copy` loops, building whatever `B` builds.
    fn walk<B: Build>(&self, v: &Json, scope: &Scope<'_>) -> Result<B::Out, EvalError> {
        self.step(1, TEMPLATE_JSON, scope)?;
        match v {
            Json::Array(_) | Json::Object(_) => {
                self.nested(TEMPLATE_JSON, scope, || self.walk_node::<B>(v, scope))
            }
            _ => self.walk_node::<B>(v, scope),
        }
    }

    fn walk_node<B: Build>(&self, v: &Json, scope: &Scope<'_>) -> Result<B::Out, EvalError> {
        Ok(match v {
            Json::String(s) => match classify(s) {
                StringKind::Literal(text) => B::literal(text),
                StringKind::Expression => {
                    let value = self.eval_string(s, scope)?;
                    B::evaluated(self, value, scope)?
                }
            },
            Json::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let path = scope.path.index(i);
                    out.push(self.walk::<B>(item, &scope.with_path(&path))?);
                }
                B::array(out)
            }
            Json::Object(map) => {
                let mut out = Vec::with_capacity(map.len());
                for (key, item) in map {
                    let path = scope.path.key(key);
                    let child = scope.with_path(&path);
                    if let Some(loops) = property_copy(key, item) {
                        for (name, items) in
                            self.expand_property_copy(loops, &child, |j, s| self.walk::<B>(j, s))?
                        {
                            out.push((name, B::array(items)));
                        }
                        continue;
                    }
                    let key = self.eval_key(key, &child)?;
                    out.push((key, self.walk::<B>(item, &child)?));
                }
                B::object(out)
            }
            other => B::scalar(other),
        })
    }

    /// An object key: literal, or an expression that must yield a string.
    pub(super) fn eval_key(&self, key: &str, scope: &Scope<'_>) -> Result<String, EvalError> {
        match classify(key) {
            StringKind::Literal(text) => Ok(text.to_owned()),
            StringKind::Expression => match self.eval_string(key, scope)? {
                Value::String(s) => Ok(s.to_string()),
                Value::Unresolved(u) => match self.policy {
                    DeployTimePolicy::Fail => Err(self.deploy_time_error(&u, scope)),
                    DeployTimePolicy::Mark => {
                        self.record(scope, &u.text);
                        Ok(crate::value::marker(&u.text))
                    }
                },
                other => Err(scope.invalid(format!(
                    "an expression used as an object key must yield a string, not {}",
                    other.type_name()
                ))),
            },
        }
    }

    /// Expand `"copy": [{"name", "count", "input"}]` into named arrays.
    pub(super) fn expand_property_copy<T>(
        &self,
        loops: &[Json],
        scope: &Scope<'_>,
        mut eval: impl FnMut(&Json, &Scope<'_>) -> Result<T, EvalError>,
    ) -> Result<Vec<(String, Vec<T>)>, EvalError> {
        let mut out = Vec::with_capacity(loops.len());
        for (i, copy) in loops.iter().enumerate() {
            let path = scope.path.index(i);
            let copy_scope = scope.with_path(&path);
            let name = copy
                .get("name")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned();
            let input = copy.get("input").unwrap_or(&Json::Null);
            let count_path = path.key("count");
            let count = self.eval_count(copy.get("count"), &copy_scope.with_path(&count_path))?;
            let input_path = path.key("input");
            let mut items = Vec::with_capacity(count as usize);
            for index in 0..count {
                let mut frames: Vec<CopyFrame> = scope.copies.to_vec();
                frames.push(CopyFrame {
                    name: name.clone(),
                    index,
                    resource_level: false,
                });
                let iteration = Scope {
                    copies: &frames,
                    ..copy_scope.with_path(&input_path)
                };
                items.push(eval(input, &iteration)?);
            }
            out.push((name, items));
        }
        Ok(out)
    }

    /// Convert a value to output JSON: deploy-time values fail or become markers (recorded in the sink).
    pub(crate) fn value_to_output(
        &self,
        value: &Value,
        scope: &Scope<'_>,
    ) -> Result<Json, EvalError> {
        self.step(1, TEMPLATE_JSON, scope)?;
        match value {
            Value::Unresolved(u) => match self.policy {
                DeployTimePolicy::Fail => Err(self.deploy_time_error(u, scope)),
                DeployTimePolicy::Mark => {
                    self.record(scope, &u.text);
                    Ok(Json::String(crate::value::marker(&u.text)))
                }
            },
            Value::String(s) => {
                if self.policy == DeployTimePolicy::Mark
                    && s.contains(crate::DEPLOY_TIME_MARKER_OPEN)
                {
                    for expression in markers_in(s) {
                        self.record(scope, &expression);
                    }
                }
                self.budget
                    .bytes(s.len())
                    .map_err(|message| self.limit_error(message, TEMPLATE_JSON, scope))?;
                Ok(Json::String(s.to_string()))
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let path = scope.path.index(i);
                    out.push(self.value_to_output(item, &scope.with_path(&path))?);
                }
                Ok(Json::Array(out))
            }
            Value::Object(map) => {
                let mut out = serde_json::Map::with_capacity(map.len());
                for (k, item) in map.iter() {
                    let path = scope.path.key(k);
                    out.insert(
                        k.clone(),
                        self.value_to_output(item, &scope.with_path(&path))?,
                    );
                }
                Ok(Json::Object(out))
            }
            Value::Lambda(_) => {
                Err(scope.invalid("a lambda can only be passed to a lambda function"))
            }
            other => Ok(other.to_json_marked()),
        }
    }

    pub(super) fn record(&self, scope: &Scope<'_>, expression: &str) {
        if let Some(sink) = scope.sink {
            sink.borrow_mut().push(Deferred {
                json_path: scope.json_path(),
                expression: expression.to_owned(),
            });
        }
    }

    pub(crate) fn deploy_time_error(&self, u: &Unresolved, scope: &Scope<'_>) -> EvalError {
        scope.error(
            EvalErrorKind::DeployTime {
                function: u.function.clone(),
            },
            u.text.clone(),
        )
    }
}

/// What a template JSON walk builds.
trait Build {
    type Out;
    /// A literal string.
    fn literal(text: &str) -> Self::Out;
    /// The value of an expression string.
    fn evaluated(
        evaluator: &Evaluator<'_>,
        value: Value,
        scope: &Scope<'_>,
    ) -> Result<Self::Out, EvalError>;
    fn array(items: Vec<Self::Out>) -> Self::Out;
    /// Entries in template order; a later duplicate key replaces the earlier value in place.
    fn object(entries: Vec<(String, Self::Out)>) -> Self::Out;
    /// A number, bool or null.
    fn scalar(json: &Json) -> Self::Out;
}

/// Internal values, deploy-time values kept as they are (variables, parameters, counts, conditions).
struct AsValue;

impl Build for AsValue {
    type Out = Value;
    fn literal(text: &str) -> Value {
        Value::str(text)
    }
    fn evaluated(_: &Evaluator<'_>, value: Value, _: &Scope<'_>) -> Result<Value, EvalError> {
        Ok(value)
    }
    fn array(items: Vec<Value>) -> Value {
        Value::array(items)
    }
    fn object(entries: Vec<(String, Value)>) -> Value {
        Value::object(entries.into_iter().collect())
    }
    fn scalar(json: &Json) -> Value {
        Value::from_json(json)
    }
}

/// Final output JSON, with the deploy-time policy applied (resources, outputs, fragments).
struct AsJson;

impl Build for AsJson {
    type Out = Json;
    fn literal(text: &str) -> Json {
        Json::String(text.to_owned())
    }
    fn evaluated(
        evaluator: &Evaluator<'_>,
        value: Value,
        scope: &Scope<'_>,
    ) -> Result<Json, EvalError> {
        evaluator.value_to_output(&value, scope)
    }
    fn array(items: Vec<Json>) -> Json {
        Json::Array(items)
    }
    fn object(entries: Vec<(String, Json)>) -> Json {
        Json::Object(entries.into_iter().collect())
    }
    fn scalar(json: &Json) -> Json {
        json.clone()
    }
}

/// `"copy": [{"name", "count", "input"}, …]` inside an object (property iteration).
fn property_copy<'j>(key: &str, value: &'j Json) -> Option<&'j [Json]> {
    if !key.eq_ignore_ascii_case("copy") {
        return None;
    }
    let loops = value.as_array()?;
    loops
        .iter()
        .all(|l| l.get("name").is_some_and(Json::is_string) && l.get("input").is_some())
        .then_some(loops.as_slice())
}
