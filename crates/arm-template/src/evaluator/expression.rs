//! Expression evaluation: nodes, property and index access, function calls, the lazy functions
//! and lambdas.

use std::rc::Rc;

use super::{Evaluator, StringKind, classify};
use crate::ast::{Expression, ExpressionKind};
use crate::context::DeployTimePolicy;
use crate::error::{EvalError, EvalErrorKind, ParseError};
use crate::functions::{self, FnCtx, FnError, UnresolvedArgs};
use crate::parsed::Parsed;
use crate::parser::{parse_expression, strip_brackets};
use crate::scope::{LambdaFrame, Scope};
use crate::value::{Lambda, Unresolved, Value};

impl<'t> Evaluator<'t> {
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

    /// Evaluate one expression node (nesting bounded by [`MAX_EVAL_DEPTH`]).
    pub(crate) fn eval_expr(
        &self,
        src: &Rc<str>,
        e: &Expression,
        scope: &Scope<'_>,
    ) -> Result<Value, EvalError> {
        self.nested(e.text(src), scope, || self.eval_node(src, e, scope))
    }

    pub(super) fn eval_node(
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
    pub(super) fn propagate(
        &self,
        u: &Unresolved,
        text: &str,
        scope: &Scope<'_>,
    ) -> Result<Value, EvalError> {
        match self.policy {
            DeployTimePolicy::Fail => Err(self.deploy_time_error(u, scope)),
            DeployTimePolicy::Mark => Ok(Value::Unresolved(Rc::new(Unresolved {
                function: u.function.clone(),
                text: text.to_owned(),
            }))),
        }
    }

    pub(super) fn eval_call(
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
        let function_error = |message| function_failed(scope, def.name.to_owned(), message, text);
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

    /// `if(condition, whenTrue, whenFalse)`: only the taken branch is evaluated.
    pub(super) fn eval_if(
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
            other => Err(function_failed(
                scope,
                "if",
                format!("the condition must be a bool, not {}", other.type_name()),
                text,
            )),
        }
    }

    /// `and(…)` / `or(…)`: arguments are evaluated left to right and evaluation stops at the first
    /// one that decides the result (`false` for `and`, `true` for `or`), so guards such as
    /// `and(contains(x, 'p'), x.p)` work as they do in ARM.
    pub(super) fn eval_and_or(
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
                    return Err(function_failed(
                        scope,
                        function,
                        format!(
                            "argument {} must be a bool, not {}",
                            i + 1,
                            other.type_name()
                        ),
                        text,
                    ));
                }
            }
        }
        Ok(Value::Bool(!decisive))
    }

    /// `coalesce(…)`: the first non-null argument; later arguments are not evaluated.
    pub(super) fn eval_coalesce(
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
    pub(super) fn make_lambda(
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
                    return Err(function_failed(
                        scope,
                        "lambda",
                        format!(
                            "lambda parameter names must be strings, not {}",
                            other.type_name()
                        ),
                        text,
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
}

/// A deploy-time value read further: `reference(x)` + `.clientId`.
fn extend(u: &Unresolved, suffix: &str) -> Value {
    Value::Unresolved(Rc::new(Unresolved {
        function: u.function.clone(),
        text: format!("{}{suffix}", u.text),
    }))
}

/// The error of function `function` at the current path, for the expression `text`.
fn function_failed(
    scope: &Scope<'_>,
    function: impl Into<String>,
    message: String,
    text: &str,
) -> EvalError {
    scope.error(
        EvalErrorKind::Function {
            function: function.into(),
            message,
        },
        text.to_owned(),
    )
}
