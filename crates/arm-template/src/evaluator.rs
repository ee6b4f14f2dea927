//! The evaluator: the state of one deployment's evaluation (memoised parameters and variables,
//! parsed-expression cache, work budget), template JSON walking (literals, expression strings,
//! expression keys, resource/output/property `copy` loops, conditions) and expression evaluation
//! (calls, property and index access, deploy-time values).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use serde_json::Value as Json;

use crate::ast::{Expression, ExpressionKind};
use crate::context::{DeployTimePolicy, DeploymentContext, Resolver};
use crate::error::{EvalError, EvalErrorKind, ParseError};
use crate::evaluated::{Deferred, Evaluated};
use crate::functions::{self, FnCtx, FnError, UnresolvedArgs};
use crate::json_path::JsonPath;
use crate::limits::{Budget, MAX_EVAL_DEPTH, MAX_REFERENCE_DEPTH};
use crate::parameters::ParameterValues;
use crate::parsed::Parsed;
use crate::parser::{parse_expression, strip_brackets};
use crate::scope::{CopyFrame, LambdaFrame, Scope};
use crate::template::Template;
use crate::value::{Lambda, Unresolved, Value, markers_in};

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

/// Parsed expressions by their full template string (parse failures are cached too).
pub(crate) type ParseCache = HashMap<Box<str>, Rc<Result<Parsed, crate::error::ParseError>>>;

/// Memoisation state of one parameter or variable.
#[derive(Clone, Debug)]
pub(crate) enum Slot {
    Empty,
    InProgress,
    Done(Value),
}

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
    /// Parse `text` (with or without brackets) through the per-deployment cache.
    pub(crate) fn parse_cached(&self, text: &str) -> Rc<Result<Parsed, ParseError>> {
        if let Some(hit) = self.parse_cache.borrow().get(text) {
            return Rc::clone(hit);
        }
        let parsed = Rc::new(parse_expression(text).map(|expression| Parsed {
            source: Rc::from(strip_brackets(text).0),
            expression,
        }));
        self.parse_cache
            .borrow_mut()
            .insert(Box::from(text), Rc::clone(&parsed));
        parsed
    }

    /// Evaluate a parse result, turning a parse failure into an [`EvalErrorKind::Parse`].
    pub(crate) fn eval_parsed(
        &self,
        parsed: &Result<Parsed, ParseError>,
        text: &str,
        scope: &Scope<'_>,
    ) -> Result<Value, EvalError> {
        match parsed {
            Ok(p) => self.eval_expr(&p.source, &p.expression, scope),
            Err(e) => Err(scope.error(
                EvalErrorKind::Parse {
                    column: e.column,
                    message: e.message.clone(),
                },
                strip_brackets(text).0.to_owned(),
            )),
        }
    }

    /// Evaluate a template string (literal, `[[` escape or expression) to a value.
    pub(crate) fn eval_string(&self, s: &str, scope: &Scope<'_>) -> Result<Value, EvalError> {
        match classify(s) {
            StringKind::Literal(text) => Ok(Value::str(text)),
            StringKind::Expression => {
                let parsed = self.parse_cached(s);
                self.eval_parsed(&parsed, s, scope)
            }
        }
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
    fn eval_key(&self, key: &str, scope: &Scope<'_>) -> Result<String, EvalError> {
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
    fn expand_property_copy<T>(
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

    fn record(&self, scope: &Scope<'_>, expression: &str) {
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

    /// Evaluate one expression node (nesting bounded by [`MAX_EVAL_DEPTH`]).
    pub(crate) fn eval_expr(
        &self,
        src: &Rc<str>,
        e: &Expression,
        scope: &Scope<'_>,
    ) -> Result<Value, EvalError> {
        self.nested(e.text(src), scope, || self.eval_node(src, e, scope))
    }

    /// Run `f` one level deeper, failing past [`MAX_EVAL_DEPTH`] levels of expressions and
    /// template JSON (through variables, parameter defaults and lambdas), so that no template can
    /// overflow the stack.
    fn nested<T>(
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

    fn eval_node(
        &self,
        src: &Rc<str>,
        e: &Expression,
        scope: &Scope<'_>,
    ) -> Result<Value, EvalError> {
        self.step(1, e.text(src), scope)?;
        match &e.kind {
            ExpressionKind::String(s) => Ok(Value::str(s.as_str())),
            ExpressionKind::Integer(i) => Ok(Value::Int(*i)),
            ExpressionKind::Bool(b) => Ok(Value::Bool(*b)),
            ExpressionKind::Null => Ok(Value::Null),
            ExpressionKind::Property { target, name } => {
                let value = self.eval_expr(src, target, scope)?;
                match value {
                    Value::Object(o) => Value::property(&o, name).cloned().ok_or_else(|| {
                        scope.error(
                            EvalErrorKind::Access {
                                message: format!("the object has no property '{name}'"),
                            },
                            e.text(src).to_owned(),
                        )
                    }),
                    Value::Unresolved(u) => Ok(extend(&u, &src[target.span.end..e.span.end])),
                    other => Err(scope.error(
                        EvalErrorKind::Access {
                            message: format!(
                                "cannot read property '{name}' of a {}",
                                other.type_name()
                            ),
                        },
                        e.text(src).to_owned(),
                    )),
                }
            }
            ExpressionKind::Index { target, index } => {
                let value = self.eval_expr(src, target, scope)?;
                let key = self.eval_expr(src, index, scope)?;
                let access_error = |message: String| {
                    scope.error(EvalErrorKind::Access { message }, e.text(src).to_owned())
                };
                match (value, key) {
                    (Value::Unresolved(u), key) if !key.is_unresolved() => {
                        Ok(extend(&u, &src[target.span.end..e.span.end]))
                    }
                    (_, Value::Unresolved(u)) | (Value::Unresolved(u), _) => {
                        self.propagate(&u, e.text(src), scope)
                    }
                    (Value::Array(a), Value::Int(i)) => usize::try_from(i)
                        .ok()
                        .and_then(|i| a.get(i).cloned())
                        .ok_or_else(|| {
                            access_error(format!(
                                "index {i} is out of range for an array of length {}",
                                a.len()
                            ))
                        }),
                    (Value::Object(o), Value::String(k)) => Value::property(&o, &k)
                        .cloned()
                        .ok_or_else(|| access_error(format!("the object has no property '{k}'"))),
                    (target, key) => Err(access_error(format!(
                        "cannot index a {} with a {}",
                        target.type_name(),
                        key.type_name()
                    ))),
                }
            }
            ExpressionKind::Call {
                name,
                name_lower,
                args,
            } => self.eval_call(src, e, name, name_lower, args, scope),
        }
    }

    /// A deploy-time value reached a place that needs its content: fail or mark the whole expression.
    fn propagate(&self, u: &Unresolved, text: &str, scope: &Scope<'_>) -> Result<Value, EvalError> {
        match self.policy {
            DeployTimePolicy::Fail => Err(self.deploy_time_error(u, scope)),
            DeployTimePolicy::Mark => Ok(Value::Unresolved(Rc::new(Unresolved {
                function: u.function.clone(),
                text: text.to_owned(),
            }))),
        }
    }

    fn eval_call(
        &self,
        src: &Rc<str>,
        e: &Expression,
        name: &str,
        name_lower: &str,
        args: &[Expression],
        scope: &Scope<'_>,
    ) -> Result<Value, EvalError> {
        let text = e.text(src);
        let def = match functions::lookup(name_lower) {
            Some(def) => def,
            None if name_lower.starts_with("list") => functions::list_function(),
            None => {
                return Err(scope.error(
                    EvalErrorKind::UnknownFunction {
                        function: name.to_owned(),
                    },
                    text.to_owned(),
                ));
            }
        };
        if args.len() < def.min || def.max.is_some_and(|max| args.len() > max) {
            let expected = match def.max {
                Some(max) if max == def.min => def.min.to_string(),
                Some(max) => format!("{} to {max}", def.min),
                None => format!("at least {}", def.min),
            };
            return Err(scope.error(
                EvalErrorKind::ArgumentCount {
                    function: def.name.to_owned(),
                    expected,
                    actual: args.len(),
                },
                text.to_owned(),
            ));
        }
        match name_lower {
            "if" => return self.eval_if(src, text, args, scope),
            "and" => return self.eval_and_or(src, text, args, scope, false),
            "or" => return self.eval_and_or(src, text, args, scope, true),
            "coalesce" => return self.eval_coalesce(src, text, args, scope),
            "lambda" => return self.make_lambda(src, text, args, scope),
            _ => {}
        }
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            values.push(self.eval_expr(src, arg, scope)?);
        }
        if let Some(u) = values.iter().find_map(|v| match v {
            Value::Unresolved(u) => Some(Rc::clone(u)),
            _ => None,
        }) {
            match (self.policy, def.unresolved) {
                (DeployTimePolicy::Fail, _) => return Err(self.deploy_time_error(&u, scope)),
                (DeployTimePolicy::Mark, UnresolvedArgs::Propagate) => {
                    return self.propagate(&u, text, scope);
                }
                (DeployTimePolicy::Mark, UnresolvedArgs::Embed) => {
                    for v in &mut values {
                        if let Value::Unresolved(u) = v {
                            *v = Value::str(crate::value::marker(&u.text));
                        }
                    }
                }
            }
        }
        let ctx = FnCtx {
            evaluator: self,
            scope,
            name,
            text,
        };
        let function_error = |message| {
            scope.error(
                EvalErrorKind::Function {
                    function: def.name.to_owned(),
                    message,
                },
                text.to_owned(),
            )
        };
        let value = (def.implementation)(&ctx, values).map_err(|error| match error {
            FnError::Message(message) => function_error(message),
            FnError::Eval(e) => *e,
        })?;
        // `parameters`/`variables`/`lambdaVariables` return values measured when they were made.
        if !matches!(name_lower, "parameters" | "variables" | "lambdavariables") {
            self.budget.admit(&value).map_err(function_error)?;
        }
        Ok(value)
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

    /// `if(condition, whenTrue, whenFalse)`: only the taken branch is evaluated.
    fn eval_if(
        &self,
        src: &Rc<str>,
        text: &str,
        args: &[Expression],
        scope: &Scope<'_>,
    ) -> Result<Value, EvalError> {
        match self.eval_expr(src, &args[0], scope)? {
            Value::Bool(true) => self.eval_expr(src, &args[1], scope),
            Value::Bool(false) => self.eval_expr(src, &args[2], scope),
            Value::Unresolved(u) => self.propagate(&u, text, scope),
            other => Err(scope.error(
                EvalErrorKind::Function {
                    function: "if".into(),
                    message: format!("the condition must be a bool, not {}", other.type_name()),
                },
                text.to_owned(),
            )),
        }
    }

    /// `and(…)` / `or(…)`: arguments are evaluated left to right and evaluation stops at the first
    /// one that decides the result (`false` for `and`, `true` for `or`), so guards such as
    /// `and(contains(x, 'p'), x.p)` work as they do in ARM.
    fn eval_and_or(
        &self,
        src: &Rc<str>,
        text: &str,
        args: &[Expression],
        scope: &Scope<'_>,
        decisive: bool,
    ) -> Result<Value, EvalError> {
        let function = if decisive { "or" } else { "and" };
        for (i, arg) in args.iter().enumerate() {
            match self.eval_expr(src, arg, scope)? {
                Value::Bool(b) if b == decisive => return Ok(Value::Bool(decisive)),
                Value::Bool(_) => {}
                Value::Unresolved(u) => return self.propagate(&u, text, scope),
                other => {
                    return Err(scope.error(
                        EvalErrorKind::Function {
                            function: function.into(),
                            message: format!(
                                "argument {} must be a bool, not {}",
                                i + 1,
                                other.type_name()
                            ),
                        },
                        text.to_owned(),
                    ));
                }
            }
        }
        Ok(Value::Bool(!decisive))
    }

    /// `coalesce(…)`: the first non-null argument; later arguments are not evaluated.
    fn eval_coalesce(
        &self,
        src: &Rc<str>,
        text: &str,
        args: &[Expression],
        scope: &Scope<'_>,
    ) -> Result<Value, EvalError> {
        for arg in args {
            match self.eval_expr(src, arg, scope)? {
                Value::Null => {}
                Value::Unresolved(u) => return self.propagate(&u, text, scope),
                other => return Ok(other),
            }
        }
        Ok(Value::Null)
    }

    /// `lambda('a', 'b', body)`: parameter names are evaluated, the body is kept unevaluated.
    fn make_lambda(
        &self,
        src: &Rc<str>,
        text: &str,
        args: &[Expression],
        scope: &Scope<'_>,
    ) -> Result<Value, EvalError> {
        let (body, names) = args.split_last().expect("arity checked");
        let mut params = Vec::with_capacity(names.len());
        for arg in names {
            match self.eval_expr(src, arg, scope)? {
                Value::String(s) => params.push(s.to_string()),
                other => {
                    return Err(scope.error(
                        EvalErrorKind::Function {
                            function: "lambda".into(),
                            message: format!(
                                "lambda parameter names must be strings, not {}",
                                other.type_name()
                            ),
                        },
                        text.to_owned(),
                    ));
                }
            }
        }
        Ok(Value::Lambda(Rc::new(Lambda {
            params,
            body: body.clone(),
            source: Rc::clone(src),
        })))
    }

    /// Call a lambda with positional arguments (extra arguments beyond its parameters are ignored).
    pub(crate) fn invoke_lambda(
        &self,
        lambda: &Lambda,
        args: &[Value],
        scope: &Scope<'_>,
    ) -> Result<Value, EvalError> {
        if lambda.params.len() > args.len() {
            return Err(scope.invalid(format!(
                "the lambda declares {} parameter(s) but is called with {}",
                lambda.params.len(),
                args.len()
            )));
        }
        let frame = LambdaFrame {
            names: &lambda.params,
            values: &args[..lambda.params.len()],
            parent: scope.lambda,
        };
        let inner = Scope {
            lambda: Some(&frame),
            ..*scope
        };
        self.eval_expr(&lambda.source, &lambda.body, &inner)
    }

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

    fn memoised(
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

/// A deploy-time value read further: `reference(x)` + `.clientId`.
fn extend(u: &Unresolved, suffix: &str) -> Value {
    Value::Unresolved(Rc::new(Unresolved {
        function: u.function.clone(),
        text: format!("{}{suffix}", u.text),
    }))
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
