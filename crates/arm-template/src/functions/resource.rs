//! Resource functions (learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-resource):
//! resource-id builders evaluate statically; `reference`, `list*`, `providers`, `pickZones`…
//! go through the caller's [`Resolver`](crate::Resolver) or become deploy-time values.

use std::rc::Rc;

use super::{Family, FnCtx, FnResult, FunctionDef, def, string_arg};
use crate::error::EvalErrorKind;
use crate::value::{Unresolved, Value};

pub(crate) fn functions() -> Vec<FunctionDef> {
    use Family::Resource as R;
    vec![
        def("extensionResourceId", R, 3, None, extension_resource_id),
        def(
            "managementGroupResourceId",
            R,
            2,
            None,
            management_group_resource_id,
        ),
        def("pickZones", R, 3, Some(5), deploy_time_only),
        def("providers", R, 1, Some(2), deploy_time_only),
        def("reference", R, 1, Some(3), reference),
        def("references", R, 1, Some(2), deploy_time_only),
        def("resourceId", R, 2, None, resource_id),
        def(
            "subscriptionResourceId",
            R,
            2,
            None,
            subscription_resource_id,
        ),
        def("tenantResourceId", R, 2, None, tenant_resource_id),
    ]
}

/// A deploy-time placeholder for this call.
pub(crate) fn unresolved(ctx: &FnCtx) -> Value {
    Value::Unresolved(Rc::new(Unresolved {
        function: ctx.name.to_owned(),
        text: ctx.text.to_owned(),
    }))
}

fn deploy_time_only(ctx: &FnCtx, _: Vec<Value>) -> FnResult {
    Ok(unresolved(ctx))
}

fn resolver_error(ctx: &FnCtx, message: String) -> super::FnError {
    ctx.scope
        .error(
            EvalErrorKind::Resolver {
                function: ctx.name.to_owned(),
                message,
            },
            ctx.text.to_owned(),
        )
        .into()
}

/// Expand `Namespace/type/name` (as `reference` accepts) to a full id in the deployment's resource group.
fn full_resource_id(ctx: &FnCtx, id: &str) -> String {
    if id.starts_with('/') {
        return id.to_owned();
    }
    let segments: Vec<&str> = id.split('/').collect();
    if segments.len() >= 3 && segments.len() % 2 == 1 {
        let namespace = segments[0];
        let rest = &segments[1..];
        let types: Vec<&str> = rest.iter().step_by(2).copied().collect();
        let names: Vec<&str> = rest.iter().skip(1).step_by(2).copied().collect();
        let mut out = format!(
            "{}/providers/{namespace}",
            ctx.evaluator.context().resource_group_id()
        );
        for (t, n) in types.iter().zip(names.iter()) {
            out.push_str(&format!("/{t}/{n}"));
        }
        out
    } else {
        id.to_owned()
    }
}

/// `reference(resourceNameOrId, [apiVersion], ['Full'])`.
fn reference(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    let Some(resolver) = ctx.evaluator.resolver() else {
        return Ok(unresolved(ctx));
    };
    let id = full_resource_id(ctx, string_arg(&args, 0)?);
    let api_version = match args.get(1) {
        Some(_) => Some(string_arg(&args, 1)?),
        None => None,
    };
    let full = match args.get(2) {
        Some(_) => string_arg(&args, 2)?.eq_ignore_ascii_case("full"),
        None => false,
    };
    let value = resolver
        .reference(&id, api_version, full)
        .map_err(|m| resolver_error(ctx, m))?;
    Ok(Value::from_json(&value))
}

/// `listKeys(resourceId, apiVersion, [body])` and every other `list*`.
pub(crate) fn list(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    let Some(resolver) = ctx.evaluator.resolver() else {
        return Ok(unresolved(ctx));
    };
    let id = full_resource_id(ctx, string_arg(&args, 0)?);
    let api_version = string_arg(&args, 1)?;
    let body = args.get(2).map(Value::to_json_marked);
    let value = resolver
        .list(ctx.name, &id, api_version, body.as_ref())
        .map_err(|m| resolver_error(ctx, m))?;
    Ok(Value::from_json(&value))
}

/// Split `Namespace/type/child` and pair each type segment with a name (names may contain `/`).
fn provider_path(args: &[Value], type_index: usize) -> Result<String, super::FnError> {
    let resource_type = string_arg(args, type_index)?;
    // ARM tolerates stray slashes around the type (aks-engine writes `…/userAssignedIdentities/`).
    let mut type_segments = resource_type.trim_matches('/').split('/');
    let namespace = type_segments.next().unwrap_or_default();
    let types: Vec<&str> = type_segments.collect();
    if namespace.is_empty() || types.is_empty() || types.iter().any(|t| t.is_empty()) {
        return Err(format!(
            "'{resource_type}' is not a fully qualified resource type (Namespace/type)"
        )
        .into());
    }
    let names: Vec<&str> = (type_index + 1..args.len())
        .map(|i| string_arg(args, i))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flat_map(|n| n.split('/'))
        .collect();
    if names.len() != types.len() {
        return Err(format!(
            "the resource type '{resource_type}' needs {} name segment(s) but {} were given",
            types.len(),
            names.len()
        )
        .into());
    }
    let mut out = format!("/providers/{namespace}");
    for (t, n) in types.iter().zip(names.iter()) {
        out.push_str(&format!("/{t}/{n}"));
    }
    Ok(out)
}

/// Index of the first argument that looks like a resource type (contains `/`), within the first `limit`.
fn type_index(args: &[Value], limit: usize) -> Result<usize, super::FnError> {
    (0..args.len().min(limit + 1))
        .find(|&i| args[i].as_str().is_some_and(|s| s.contains('/')))
        .ok_or_else(|| {
            "no fully qualified resource type (Namespace/type) among the arguments".into()
        })
}

/// `resourceId([subscriptionId], [resourceGroupName], resourceType, name1, …)`.
fn resource_id(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    let t = type_index(&args, 2)?;
    let c = ctx.evaluator.context();
    let (subscription, group) = match t {
        0 => (c.subscription_id.clone(), c.resource_group.clone()),
        1 => (c.subscription_id.clone(), string_arg(&args, 0)?.to_owned()),
        _ => (
            string_arg(&args, 0)?.to_owned(),
            string_arg(&args, 1)?.to_owned(),
        ),
    };
    let path = provider_path(&args, t)?;
    Ok(Value::str(format!(
        "/subscriptions/{subscription}/resourceGroups/{group}{path}"
    )))
}

/// `subscriptionResourceId([subscriptionId], resourceType, name1, …)`.
fn subscription_resource_id(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    let t = type_index(&args, 1)?;
    let subscription = match t {
        0 => ctx.evaluator.context().subscription_id.clone(),
        _ => string_arg(&args, 0)?.to_owned(),
    };
    Ok(Value::str(format!(
        "/subscriptions/{subscription}{}",
        provider_path(&args, t)?
    )))
}

/// `tenantResourceId(resourceType, name1, …)`.
fn tenant_resource_id(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::str(provider_path(&args, 0)?))
}

/// `extensionResourceId(baseResourceId, resourceType, name1, …)`.
fn extension_resource_id(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let base = string_arg(&args, 0)?.trim_end_matches('/');
    Ok(Value::str(format!("{base}{}", provider_path(&args, 1)?)))
}

/// `managementGroupResourceId([managementGroupId], resourceType, name1, …)`.
fn management_group_resource_id(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let t = type_index(&args, 1)?;
    if t == 0 {
        return Err("this is a resource-group deployment: pass the management group id as the first argument".into());
    }
    let group = string_arg(&args, 0)?;
    Ok(Value::str(format!(
        "/providers/Microsoft.Management/managementGroups/{group}{}",
        provider_path(&args, t)?
    )))
}
