//! `spotinst-aks-engine template eval|resources`: the template engine as the importer runs it.

use std::io::Write;
use std::process::ExitCode;

use aks_engine::OutputDir;
use anyhow::Result;
use arm_template::{Deployment, DeploymentContext, ParameterValues, Template};
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
        let column = match e.downcast_ref::<arm_template::EvalError>() {
            Some(arm_template::EvalError::Parse { column, .. }) => Some(*column),
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

fn resources(args: TemplateResourcesArgs) -> Result<ExitCode> {
    let dir = OutputDir::load(&args.cluster.output_directory)?;
    let ctx = context(
        &dir,
        args.cluster.subscription.as_deref(),
        args.cluster.resource_group.as_deref(),
    )?;
    let d = Deployment::new(&dir.template, &dir.parameters, ctx)?;
    let mut rows = Vec::new();
    for (i, raw) in dir.template.resources_raw().iter().enumerate() {
        let path = format!("resources[{i}]");
        let field = |name: &str| -> Value {
            match raw.get(name) {
                Some(v) => match d.evaluate_value(&format!("{path}.{name}"), v) {
                    Ok(e) => e.value,
                    Err(e) => Value::String(format!("<error: {e}>")),
                },
                None => Value::Null,
            }
        };
        rows.push(serde_json::json!({ "index": i, "type": field("type"), "name": field("name") }));
    }
    let mut out = std::io::stdout().lock();
    match args.output {
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?,
        OutputFormat::Text => {
            for r in &rows {
                let s = |k: &str| match &r[k] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                writeln!(out, "{:>3}  {:<55} {}", r["index"], s("type"), s("name"))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn context(
    dir: &OutputDir,
    subscription: Option<&str>,
    resource_group: Option<&str>,
) -> Result<DeploymentContext> {
    let sub = scope::subscription(subscription, true)?;
    let rg = scope::resource_group(
        resource_group,
        std::env::var("AZURE_RESOURCE_GROUP").ok(),
        dir,
    )?;
    Ok(aks_engine::deployment_context(dir, &sub, &rg))
}
