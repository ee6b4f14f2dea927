//! The exported file: the `terraform` block, then per group its sensitive variables, its
//! resource and its `import` block; and the tfvars file holding the variables' values.

use hcl::{Block, Body, Structure};
use serde_json::Value;

use crate::comments::{Above, comment_line, render};
use crate::error::ExportError;
use crate::expr::{keyword, map_of_string, object, string, string_map, traversal};
use crate::names::Names;
use crate::resource::{RESOURCE_TYPE, map_group};
use crate::secret::{Secret, SecretValue};

/// The provider's registry address.
pub const PROVIDER_SOURCE: &str = "spotinst/spotinst";

/// One v3 group to export: its pool (from the state file), its id and what Spot returned for it.
#[derive(Debug, Clone, Copy)]
pub struct LiveGroup<'a> {
    /// The agent pool the group was imported for.
    pub pool: &'a str,
    /// `sig-...`.
    pub group_id: &'a str,
    /// The group as Spot's GET returned it.
    pub group: &'a Value,
}

/// What was written for one group.
#[derive(Debug, Clone)]
pub struct ExportedGroup {
    /// The agent pool.
    pub pool: String,
    /// `sig-...`.
    pub group_id: String,
    /// The resource's address, `spotinst_elastigroup_azure_v3.<label>`.
    pub address: String,
    /// The sensitive variables it needs (values only in [`Export::tfvars`]).
    pub secrets: Vec<Secret>,
    /// Required arguments Spot did not return, written with the provider's default.
    pub defaulted: Vec<String>,
    /// Fields of the group the file does not hold (listed in a comment above the resource).
    pub left_out: Vec<String>,
}

/// The generated files.
#[derive(Debug, Clone)]
pub struct Export {
    /// The `.tf` file: no secret values in it.
    pub tf: String,
    /// The tfvars file: the secret values (HCL `name = value` lines).
    pub tfvars: String,
    /// Per group, in the order given.
    pub groups: Vec<ExportedGroup>,
}

const HEADER: [&str; 8] = [
    "Spot Elastigroups of an aks-engine cluster, written by `spotinst-aks-engine export terraform`",
    "from what Spot returned for each group recorded in spot-elastigroups.json.",
    "Needs Terraform >= 1.5 (import blocks) and the spotinst/spotinst provider; its credentials",
    "come from SPOTINST_TOKEN and SPOTINST_ACCOUNT (or your own provider \"spotinst\" block).",
    "No secret is in this file: each is a sensitive variable without default. Their values:",
    "`spotinst-aks-engine export terraform --tfvars FILE` (never commit that file).",
    "`terraform plan` should show each group to be imported with no change; see",
    "docs/terraform.md for what the provider cannot express.",
];

const TFVARS_HEADER: [&str; 3] = [
    "Secret values of the sensitive variables in the exported .tf file (`export terraform --tfvars`).",
    "NEVER commit this file: it holds the kubelet's client key (customData) and bootstrap secrets.",
    "Pass it with `terraform plan -var-file=FILE` (a *.auto.tfvars name is loaded automatically).",
];

/// Builds both files from the live groups (pure: no I/O).
pub fn export(groups: &[LiveGroup<'_>]) -> Result<Export, ExportError> {
    let mut names = Names::default();
    let mut structures: Vec<Structure> = Vec::new();
    let mut comments: Vec<Above> = Vec::new();
    let mut exported = Vec::with_capacity(groups.len());

    comments.push(Above {
        index: 0,
        lines: HEADER.iter().map(|s| (*s).to_owned()).collect(),
    });
    structures.push(Structure::Block(terraform_block()));

    for live in groups {
        let label = names.unique(live.pool);
        let mapped =
            map_group(&label, live.group, &mut names).map_err(|source| ExportError::Group {
                pool: live.pool.to_owned(),
                group_id: live.group_id.to_owned(),
                source,
            })?;
        for secret in &mapped.secrets {
            comments.push(Above {
                index: structures.len(),
                lines: variable_comment(secret),
            });
            structures.push(Structure::Block(variable_block(secret)));
        }
        comments.push(Above {
            index: structures.len(),
            lines: resource_comment(live, &mapped.defaulted, &mapped.left_out),
        });
        structures.push(Structure::Block(mapped.block));
        structures.push(Structure::Block(import_block(&label, live.group_id)));
        exported.push(ExportedGroup {
            pool: live.pool.to_owned(),
            group_id: live.group_id.to_owned(),
            address: format!("{RESOURCE_TYPE}.{label}"),
            secrets: mapped.secrets,
            defaulted: mapped.defaulted,
            left_out: mapped.left_out,
        });
    }

    let tf = render(&Body::from(structures), &comments)?;
    let tfvars = tfvars(&exported)?;
    Ok(Export {
        tf,
        tfvars,
        groups: exported,
    })
}

/// `terraform { required_providers { spotinst = { source = "spotinst/spotinst" } } }`.
fn terraform_block() -> Block {
    Block::builder("terraform")
        .add_block(
            Block::builder("required_providers")
                .add_attribute((
                    "spotinst",
                    object(vec![("source", string(PROVIDER_SOURCE))]),
                ))
                .build(),
        )
        .build()
}

fn variable_block(secret: &Secret) -> Block {
    let ty = match secret.value {
        SecretValue::Text(_) => keyword("string"),
        SecretValue::Map(_) => map_of_string(),
    };
    Block::builder("variable")
        .add_label(secret.variable.as_str())
        .add_attribute(("type", ty))
        .add_attribute(("sensitive", true))
        .add_attribute((
            "description",
            string(&format!("Secret from the group's {}", secret.source)),
        ))
        .build()
}

fn variable_comment(secret: &Secret) -> Vec<String> {
    let what = match secret.value {
        SecretValue::Text(_) if secret.source.ends_with("Data") => "base64, sent to Spot as it is",
        SecretValue::Text(_) => "a string",
        SecretValue::Map(_) => "a map of strings",
    };
    vec![
        format!("{} ({what}).", secret.source),
        "Value: the file `export terraform --tfvars FILE` writes, or the same path in the output of"
            .to_owned(),
        "`spotinst-aks-engine import --dry-run --show-secrets`.".to_owned(),
    ]
}

fn resource_comment(
    live: &LiveGroup<'_>,
    defaulted: &[String],
    left_out: &[String],
) -> Vec<String> {
    let mut lines = vec![format!(
        "Agent pool {}: Spot Elastigroup {}.",
        live.pool, live.group_id
    )];
    if !defaulted.is_empty() {
        lines.push(
            "Not returned by Spot but required by the provider, written with its default:"
                .to_owned(),
        );
        lines.extend(defaulted.iter().map(|p| format!("  {p}")));
    }
    if !left_out.is_empty() {
        lines.push(
            "Left out: fields of the group that spotinst_elastigroup_azure_v3 cannot express"
                .to_owned(),
        );
        lines.push(
            "(see docs/terraform.md); Spot keeps them, Terraform does not manage them:".to_owned(),
        );
        lines.extend(left_out.iter().map(|p| format!("  {p}")));
    }
    lines
}

/// `import { to = spotinst_elastigroup_azure_v3.<label>  id = "sig-..." }`.
fn import_block(label: &str, group_id: &str) -> Block {
    Block::builder("import")
        .add_attribute(("to", traversal(RESOURCE_TYPE, label)))
        .add_attribute(("id", string(group_id)))
        .build()
}

fn tfvars(groups: &[ExportedGroup]) -> Result<String, ExportError> {
    let mut structures = Vec::new();
    for secret in groups.iter().flat_map(|g| &g.secrets) {
        let value = match &secret.value {
            SecretValue::Text(text) => string(text),
            SecretValue::Map(pairs) => string_map(pairs),
        };
        structures.push(Structure::Attribute(hcl::Attribute::new(
            secret.variable.as_str(),
            value,
        )));
    }
    let comments = [Above {
        index: 0,
        lines: TFVARS_HEADER.iter().map(|s| (*s).to_owned()).collect(),
    }];
    if structures.is_empty() {
        // Nothing to set: the header alone.
        return render(&Body::default(), &[]).map(|empty| {
            let lines: Vec<String> = TFVARS_HEADER.iter().map(|l| comment_line(l)).collect();
            format!("{}\n{empty}", lines.join("\n"))
        });
    }
    render(&Body::from(structures), &comments)
}
