//! Scope functions (learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-scope),
//! answered from the [`DeploymentContext`](crate::DeploymentContext).

use super::{Family, FnCtx, FnResult, FunctionDef, def};
use crate::value::Value;

pub(crate) fn functions() -> Vec<FunctionDef> {
    use Family::Scope as S;
    vec![
        def("managementGroup", S, 0, Some(1), management_group),
        def("resourceGroup", S, 0, Some(0), resource_group),
        def("subscription", S, 0, Some(0), subscription),
        def("tenant", S, 0, Some(0), tenant),
    ]
}

fn resource_group(ctx: &FnCtx, _: Vec<Value>) -> FnResult {
    Ok(Value::from_json(
        &ctx.evaluator.context().resource_group_object(),
    ))
}

fn subscription(ctx: &FnCtx, _: Vec<Value>) -> FnResult {
    Ok(Value::from_json(
        &ctx.evaluator.context().subscription_object(),
    ))
}

fn tenant(ctx: &FnCtx, _: Vec<Value>) -> FnResult {
    Ok(Value::from_json(&ctx.evaluator.context().tenant_object()))
}

fn management_group(_: &FnCtx, _: Vec<Value>) -> FnResult {
    Err("managementGroup() is only available in management-group deployments; this is a resource-group deployment".into())
}
