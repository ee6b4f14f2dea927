//! Typed errors of this crate. Each names the file, field or pool it is about and what was expected.

use std::path::PathBuf;

/// Reading an output directory failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The directory itself does not exist.
    #[error("output directory {} does not exist (pass the directory aks-engine wrote with -o/--output-directory)", path.display())]
    DirectoryMissing {
        /// The directory that was given.
        path: PathBuf,
    },
    /// The path exists but is not a directory.
    #[error("{} is not a directory (expected the directory aks-engine wrote)", path.display())]
    NotADirectory {
        /// The path that was given.
        path: PathBuf,
    },
    /// Files aks-engine always writes are missing.
    #[error(
        "{} does not look like aks-engine output: missing {} (aks-engine generate/deploy writes apimodel.json, azuredeploy.json and azuredeploy.parameters.json)",
        path.display(),
        missing.join(", ")
    )]
    NotAksEngineOutput {
        /// The directory that was given.
        path: PathBuf,
        /// The names of the missing files.
        missing: Vec<&'static str>,
    },
    /// A file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file that could not be read.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid JSON.
    #[error("{}:{line}:{column}: invalid JSON: {message}", path.display())]
    Json {
        /// The file, inside the output directory.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// serde_json's description of the syntax error.
        message: String,
    },
    /// A JSON file parsed but a field has the wrong shape.
    #[error("{}: field `{field}`: {expected}", path.display())]
    Field {
        /// The file, inside the output directory.
        path: PathBuf,
        /// The field's JSON path.
        field: String,
        /// What the field should have been.
        expected: String,
    },
    /// A field has the wrong type or value, or a required field is missing: its JSON path, its
    /// position and what was expected, in JSON's words rather than Rust's.
    #[error("{}:{line}:{column}: {field}: {problem}", path.display())]
    WrongField {
        /// The file, inside the output directory.
        path: PathBuf,
        /// 1-based line of the field.
        line: usize,
        /// 1-based column of the field.
        column: usize,
        /// `properties.agentPoolProfiles[0].count`.
        field: String,
        /// `expected a non-negative integer, found "two"`.
        problem: String,
    },
    /// The ARM template or its parameters file was rejected by the template engine.
    #[error("{}", path.display())]
    Template {
        /// `azuredeploy.json` or `azuredeploy.parameters.json`.
        path: PathBuf,
        /// Why the engine rejected it.
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
        /// The setting's path in the api model, such as `orchestratorProfile.kubernetesConfig.networkPlugin`.
        setting: &'static str,
        /// The cluster's value.
        actual: String,
        /// The value Spot needs.
        needed: &'static str,
        /// Why Spot needs it.
        why: &'static str,
        /// The flag that imports anyway, when the command offers one.
        override_flag: Option<&'static str>,
    },
    /// A selected pool is not a scale set.
    #[error(
        "apimodel.json: agent pool `{pool}` has availabilityProfile {profile}; only VirtualMachineScaleSets pools can be imported (an availability-set pool has no scale set to copy)"
    )]
    NotAScaleSet {
        /// The pool's name.
        pool: String,
        /// Its `availabilityProfile`.
        profile: String,
    },
    /// `--pool` named a pool that is not in the model.
    #[error("apimodel.json has no agent pool named `{pool}` (pools: {})", known.join(", "))]
    UnknownPool {
        /// The name that was asked for.
        pool: String,
        /// The pools the model has.
        known: Vec<String>,
    },
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
    NotFound {
        /// The pool's name.
        pool: String,
    },
    /// The template engine could not evaluate the resource.
    #[error("azuredeploy.json: evaluating the scale set of agent pool `{pool}`")]
    Eval {
        /// The pool's name.
        pool: String,
        /// The engine's error, with the expression that failed.
        #[source]
        source: Box<arm_template::EvalError>,
    },
    /// The template engine rejected the parameters (or the template's parameter declarations).
    #[error(
        "azuredeploy.json with azuredeploy.parameters.json: the parameters do not fit the template"
    )]
    Template {
        /// The engine's error.
        #[source]
        source: arm_template::TemplateError,
    },
}
