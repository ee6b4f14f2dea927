//! Typed errors of this crate. Each names the file, field or pool it is about and what was expected.

use std::path::PathBuf;

/// Reading an output directory failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The directory itself does not exist.
    #[error("output directory {} does not exist (pass the directory aks-engine wrote with -o/--output-directory)", path.display())]
    DirectoryMissing { path: PathBuf },
    /// The path exists but is not a directory.
    #[error("{} is not a directory (expected the directory aks-engine wrote)", path.display())]
    NotADirectory { path: PathBuf },
    /// Files aks-engine always writes are missing.
    #[error(
        "{} does not look like aks-engine output: missing {} (aks-engine generate/deploy writes apimodel.json, azuredeploy.json and azuredeploy.parameters.json)",
        path.display(),
        missing.join(", ")
    )]
    NotAksEngineOutput {
        path: PathBuf,
        missing: Vec<&'static str>,
    },
    /// A file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid JSON.
    #[error("{}:{line}:{column}: invalid JSON: {message}", path.display())]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A JSON file parsed but a field has the wrong shape.
    #[error("{}: field `{field}`: {expected}", path.display())]
    Field {
        path: PathBuf,
        field: String,
        expected: String,
    },
    /// A field has the wrong type or value, or a required field is missing: its JSON path, its
    /// position and what was expected, in JSON's words rather than Rust's.
    #[error("{}:{line}:{column}: {field}: {problem}", path.display())]
    WrongField {
        path: PathBuf,
        line: usize,
        column: usize,
        /// `properties.agentPoolProfiles[0].count`.
        field: String,
        /// `expected a non-negative integer, found "two"`.
        problem: String,
    },
    /// The ARM template or its parameters file was rejected by the template engine.
    #[error("{}", path.display())]
    Template {
        path: PathBuf,
        #[source]
        source: arm_template::TemplateError,
    },
}

/// A requirement of the seed is not met by the cluster's api model.
#[derive(Debug, thiserror::Error)]
pub enum RequirementError {
    /// A cluster-wide setting has the wrong value.
    #[error(
        "apimodel.json: {setting} is {actual}, but Spot needs {needed}: {why}{}",
        override_flag.map(|f| format!(" (pass {f} to import anyway)")).unwrap_or_default()
    )]
    Setting {
        setting: &'static str,
        actual: String,
        needed: &'static str,
        why: &'static str,
        /// The flag that imports anyway, when the command offers one.
        override_flag: Option<&'static str>,
    },
    /// A selected pool is not a scale set.
    #[error(
        "apimodel.json: agent pool `{pool}` has availabilityProfile {profile}; only VirtualMachineScaleSets pools can be imported (an availability-set pool has no scale set to copy)"
    )]
    NotAScaleSet { pool: String, profile: String },
    /// `--pool` named a pool that is not in the model.
    #[error("apimodel.json has no agent pool named `{pool}` (pools: {})", known.join(", "))]
    UnknownPool { pool: String, known: Vec<String> },
    /// The model has no agent pool at all.
    #[error(
        "apimodel.json: properties.agentPoolProfiles is empty: there is no agent pool to import"
    )]
    NoPools,
    /// More than one requirement is not met: all of them, so one run shows everything to fix.
    #[error(
        "apimodel.json does not meet {} of Spot's requirements:\n  - {}",
        .0.len(),
        .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  - ")
    )]
    Several(Vec<RequirementError>),
}

/// Finding or evaluating a pool's scale set failed.
#[derive(Debug, thiserror::Error)]
pub enum ScaleSetError {
    /// No VMSS resource in the template belongs to the pool.
    #[error(
        "azuredeploy.json has no Microsoft.Compute/virtualMachineScaleSets resource for agent pool `{pool}` (looked for tags.poolName = `{pool}` and name variables('{pool}VMNamePrefix'))"
    )]
    NotFound { pool: String },
    /// The template engine could not evaluate the resource.
    #[error("azuredeploy.json: evaluating the scale set of agent pool `{pool}`")]
    Eval {
        pool: String,
        #[source]
        source: Box<arm_template::EvalError>,
    },
    /// The template engine rejected the parameters (or the template's parameter declarations).
    #[error(
        "azuredeploy.json with azuredeploy.parameters.json: the parameters do not fit the template"
    )]
    Template {
        #[source]
        source: arm_template::TemplateError,
    },
}
