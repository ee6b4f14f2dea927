//! `spotinst-aks-engine template eval|resources`: the template engine as the importer runs it.

use std::io::Write;
use std::process::ExitCode;

use aks_engine::OutputDir;
use anyhow::Result;
use arm_template::{DeployTimePolicy, Deployment, DeploymentContext, ParameterValues, Template};
use serde_json::Value;

use crate::cli::{OutputFormat, TemplateCommand, TemplateEvalArgs, TemplateResourcesArgs};
use importer::scope;

pub fn run(cmd: TemplateCommand) -> Result<ExitCode> {
    match cmd {
        TemplateCommand::Eval(args) => eval(args),
        TemplateCommand::Resources(args) => resources(args),
    }
}

fn eval(args: TemplateEvalArgs) -> Result<ExitCode> {
    let value = evaluate(&args).map_err(|e| {
        let column = match e
            .downcast_ref::<arm_template::EvalError>()
            .map(|e| e.kind())
        {
            Some(arm_template::EvalErrorKind::Parse { column, .. }) => Some(*column),
            _ => None,
        };
        match column {
            // Point at the column under the text as given, as a compiler would.
            Some(c) => anyhow::anyhow!(
                "{e}\n  {}\n  {}^",
                args.expression,
                " ".repeat(c.saturating_sub(1))
            ),
            None => e,
        }
    })?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    Ok(ExitCode::SUCCESS)
}

fn evaluate(args: &TemplateEvalArgs) -> Result<Value> {
    let value = match &args.output_directory {
        Some(path) => {
            let dir = OutputDir::load(path)?;
            let ctx = context(
                &dir,
                args.subscription.as_deref(),
                args.resource_group.as_deref(),
            )?;
            let d = Deployment::new(&dir.template, &dir.parameters, ctx)?;
            d.evaluate_expression_at("the command line", &args.expression)?
        }
        None => {
            let template = Template::from_json(serde_json::json!({
                "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0",
                "resources": []
            }))?;
            let mut ctx = DeploymentContext::default();
            if let Some(s) = args.subscription.as_deref() {
                ctx.subscription_id = scope::subscription(Some(s), true)?;
            }
            if let Some(r) = args.resource_group.as_deref() {
                ctx.resource_group = r.to_string();
            }
            let d = Deployment::new(&template, &ParameterValues::new(), ctx)?;
            d.evaluate_expression_at("the command line", &args.expression)?
        }
    };
    Ok(value)
}

/// Lists every resource as the importer evaluates it: copy loops expanded (one row per copy,
/// numbered by `copy` in the order they are produced), `condition: false` resources left out, deploy-time values marked. A
/// resource that fails to evaluate gets a row with an `error` field, and the command fails.
fn resources(args: TemplateResourcesArgs) -> Result<ExitCode> {
    let dir = OutputDir::load(&args.cluster.output_directory)?;
    let ctx = context(
        &dir,
        args.cluster.subscription.as_deref(),
        args.cluster.resource_group.resource_group.as_deref(),
    )?;
    let d = Deployment::new(&dir.template, &dir.parameters, ctx)?
        .with_deploy_time_policy(DeployTimePolicy::Mark);
    let rows = resource_rows(&d, dir.template.resources_raw());
    let failed = rows.iter().filter(|r| r.get("error").is_some()).count();
    let mut out = std::io::stdout().lock();
    match args.output {
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?,
        OutputFormat::Text => {
            for r in &rows {
                let s = |k: &str| match &r[k] {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                let index = match r.get("copy") {
                    Some(c) => format!("{}[{c}]", r["index"]),
                    None => r["index"].to_string(),
                };
                match r.get("error") {
                    Some(_) => {
                        writeln!(out, "{index:>6}  {:<55} error: {}", s("type"), s("error"))?
                    }
                    None => writeln!(out, "{index:>6}  {:<55} {}", s("type"), s("name"))?,
                }
            }
        }
    }
    if failed > 0 {
        anyhow::bail!(
            "{failed} of {} template resource(s) failed to evaluate (see their `error` field)",
            dir.template.resources_raw().len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// One row per evaluated resource (copies expanded), or per resource that failed.
fn resource_rows(d: &Deployment<'_>, raw: &[Value]) -> Vec<Value> {
    let mut rows = Vec::new();
    for (index, resource) in raw.iter().enumerate() {
        let looped = resource.get("copy").is_some_and(Value::is_object);
        match d.evaluate_resource(index) {
            Ok(copies) => {
                for (copy, e) in copies.into_iter().enumerate() {
                    let mut row = serde_json::json!({
                        "index": index,
                        "type": e.value.get("type").cloned().unwrap_or(Value::Null),
                        "name": e.value.get("name").cloned().unwrap_or(Value::Null),
                    });
                    if looped {
                        row["copy"] = copy.into();
                    }
                    rows.push(row);
                }
            }
            Err(e) => {
                // The type as written when it is a literal, so the row says what failed.
                let written_type = resource
                    .get("type")
                    .and_then(Value::as_str)
                    .filter(|t| !arm_template::is_expression(t));
                rows.push(serde_json::json!({
                    "index": index,
                    "type": written_type,
                    "name": Value::Null,
                    "error": e.to_string(),
                }));
            }
        }
    }
    rows
}

fn context(
    dir: &OutputDir,
    subscription: Option<&str>,
    resource_group: Option<&str>,
) -> Result<DeploymentContext> {
    let sub = scope::subscription(subscription, true)?;
    // `-r` already holds AZURE_RESOURCE_GROUP (clap reads it).
    let rg = scope::resource_group(resource_group, None, dir)?;
    Ok(aks_engine::deployment_context(dir, &sub, &rg))
}
