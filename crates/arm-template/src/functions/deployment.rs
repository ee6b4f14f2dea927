//! Deployment functions (learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-deployment).

use super::{Family, FnCtx, FnError, FnResult, FunctionDef, def, string_arg};
use crate::error::EvalErrorKind;
use crate::value::Value;

pub(crate) fn functions() -> Vec<FunctionDef> {
    use Family::Deployment as D;
    vec![
        def("deployer", D, 0, Some(0), deployer),
        def("deployment", D, 0, Some(0), deployment),
        def("environment", D, 0, Some(0), environment),
        def(
            "lambdaVariables",
            Family::Lambda,
            1,
            Some(1),
            lambda_variables,
        ),
        def("parameters", D, 1, Some(1), parameters),
        def("variables", D, 1, Some(1), variables),
    ]
}

/// `utcNow`/`newGuid` are only legal in a parameter's `defaultValue`.
pub(crate) fn require_parameter_default(ctx: &FnCtx) -> Result<(), FnError> {
    if ctx.scope.in_parameter_default {
        Ok(())
    } else {
        Err(ctx
            .scope
            .error(
                EvalErrorKind::NotAllowedHere {
                    function: ctx.name.to_owned(),
                    reason: "it can only be used in the defaultValue of a parameter".into(),
                },
                ctx.text.to_owned(),
            )
            .into())
    }
}

fn parameters(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(ctx
        .evaluator
        .parameter_value(string_arg(&args, 0)?, ctx.text, ctx.scope)?)
}

fn variables(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(ctx
        .evaluator
        .variable_value(string_arg(&args, 0)?, ctx.text, ctx.scope)?)
}

fn lambda_variables(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    let name = string_arg(&args, 0)?;
    ctx.scope
        .lambda_variable(name)
        .cloned()
        .ok_or_else(|| format!("there is no lambda variable named '{name}'").into())
}

/// The object for a local template deployed to a resource group.
fn deployment(ctx: &FnCtx, _: Vec<Value>) -> FnResult {
    let d = ctx.evaluator;
    let template = serde_json::json!({
        "$schema": d.template().schema(),
        "contentVersion": d.template().content_version(),
    });
    Ok(Value::from_json(&serde_json::json!({
        "name": d.context().deployment_name,
        "properties": {
            "template": template,
            "templateHash": "",
            "parameters": {},
            "mode": "Incremental",
            "provisioningState": "Accepted",
        },
        "location": "",
    })))
}

fn environment(ctx: &FnCtx, _: Vec<Value>) -> FnResult {
    Ok(Value::from_json(
        &ctx.evaluator.context().environment.to_json(),
    ))
}

/// The deploying principal is only known at deploy time.
fn deployer(ctx: &FnCtx, _: Vec<Value>) -> FnResult {
    Ok(super::resource::unresolved(ctx))
}
