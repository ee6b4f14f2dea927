//! Why a quick start stopped, step by step. Each variant says what the quick start was doing
//! (the file, the input, the step); its source, when there is one, says what went wrong. A failure
//! after the cluster exists says that a re-run resumes (see [`super::steps`]).

use std::path::{Path, PathBuf};
use std::process::ExitStatus;

use aks_engine::{LoadError, RequirementError};
use azure_arm::ArmError;
use elastigroup::SetError;
use group_sync::{LockError, PoolError, StateError};
use spot_controller::ControllerError;

use super::steps;
use crate::azure_access::ArmConnectError;
use crate::cutover::{CutoverRunError, ImportedPoolsError};
use crate::import::ImportError;
use crate::lock::OutputDirLockError;
use crate::plan::PlanError;
use crate::scope::ScopeError;
use crate::sizes::SkuCatalogError;
use crate::spot_access::SpotAccessError;

/// How to get aks-engine, for the errors that cannot find it.
const HOW_TO_GET: &str = "download aks-engine v0.46.3 from https://github.com/Azure/aks-engine/releases/tag/v0.46.3 and put it on PATH or point AKS_ENGINE_BIN at it";

/// Where to pick up after a failed step.
fn resume_hint(out: &Path) -> String {
    format!(
        "finished steps are recorded in {}: run the same command again to continue from the failed step",
        out.join(steps::FILE_NAME).display()
    )
}

/// A quick start that could not start or stopped at a step.
#[derive(Debug, thiserror::Error)]
pub enum QuickStartError {
    // The inputs.
    /// Each line names the variable, its flag and what it is.
    #[error(
        "create-simple needs {} more input{}:\n{}",
        missing.len(),
        if missing.len() == 1 { "" } else { "s" },
        missing.join("\n")
    )]
    MissingInputs { missing: Vec<String> },
    #[error(
        "AKS_DNS_PREFIX `{dns_prefix}` is not a valid DNS prefix: 3-45 characters, lower-case letters, digits and '-', starting with a letter and not ending with '-'"
    )]
    InvalidDnsPrefix { dns_prefix: String },
    #[error("AZURE_SUBSCRIPTION_ID")]
    Subscription(#[source] ScopeError),
    #[error("--set")]
    Set(#[source] SetError),
    /// `--sku-catalog` cannot be read.
    #[error(transparent)]
    Catalog(#[from] SkuCatalogError),

    // The step record and the output directory.
    #[error("{} is not a quick-start record; move it away to start over", path.display())]
    NotAStepsRecord {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create {}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} exists and is not a directory", path.display())]
    NotADirectory { path: PathBuf },
    #[error(
        "{} already exists and was not made by create-simple (no {} there), so aks-engine would overwrite it: choose another -o/--output-directory, or move it away (to import a cluster aks-engine already made, run `spotinst-aks-engine import -o {}`)",
        out.display(),
        steps::FILE_NAME,
        out.display()
    )]
    NotMadeByQuickStart { out: PathBuf },
    /// Another quick start on the same output directory holds its lock.
    #[error(transparent)]
    Locked(#[from] LockError),
    #[error(
        "another run changed {} while this one was starting; run the command again",
        path.display()
    )]
    ChangedMeanwhile { path: PathBuf },
    /// The directory's groups cannot be locked.
    #[error(transparent)]
    OutputDirLock(#[from] OutputDirLockError),
    /// The deployed output directory cannot be read.
    #[error(transparent)]
    OutputDir(#[from] LoadError),
    #[error(
        "{} holds the cluster `{found}`, not `{expected}`: pass the same AKS_DNS_PREFIX as the run that deployed it, or another -o",
        out.display()
    )]
    OtherCluster {
        out: PathBuf,
        found: String,
        expected: String,
    },

    // The API model.
    #[error("cannot read --api-model {}", path.display())]
    ReadApiModel {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("not an aks-engine API model")]
    NotAnApiModel(#[source] LoadError),
    #[error("{origin} does not meet Spot's requirements")]
    Requirements {
        /// The `--api-model` path, or "the built-in API model".
        origin: String,
        #[source]
        source: RequirementError,
    },
    #[error(
        "the API model sets masterProfile.dnsPrefix `{in_model}` but AKS_DNS_PREFIX is `{given}`: remove it from the model or use the same prefix"
    )]
    DnsPrefixInModel { in_model: String, given: String },
    #[error("the API model")]
    ApiModelJson(#[source] serde_json::Error),
    #[error("the interrupted deployment's API model")]
    InterruptedModel(#[source] LoadError),
    #[error(
        "{} holds an interrupted deployment of the cluster `{found}`, not `{expected}`: pass the same AKS_DNS_PREFIX as the run that started it, or another -o",
        out.display()
    )]
    InterruptedOtherCluster {
        out: PathBuf,
        found: String,
        expected: String,
    },

    // Step 1: aks-engine.
    #[error("AKS_ENGINE_BIN is {}, which is not a file; {HOW_TO_GET}", path.display())]
    AksEngineBinNotAFile { path: PathBuf },
    #[error("aks-engine was not found on PATH (or in AKS_ENGINE_BIN); {HOW_TO_GET}")]
    AksEngineNotFound,
    #[error("cannot start {}", binary.display())]
    StartAksEngine {
        binary: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("waiting for aks-engine")]
    WaitAksEngine(#[source] std::io::Error),
    #[error(
        "aks-engine deploy failed ({status}); its last lines:\n  {}",
        last_lines.join("\n  ")
    )]
    AksEngineFailed {
        status: ExitStatus,
        last_lines: Vec<String>,
    },
    #[error("cannot create a temporary file for the API model")]
    CreateModelFile(#[source] std::io::Error),
    #[error("cannot write the API model to a temporary file")]
    WriteModelFile(#[source] std::io::Error),
    #[error("aks-engine reported success but wrote no apimodel.json in {}", out.display())]
    NoApiModelWritten { out: PathBuf },
    #[error("checking for the interrupted deployment in Azure Resource Manager")]
    CheckInterruptedDeployment(#[source] ArmConnectError),
    /// A Resource Manager request could not be made or its answer read.
    #[error(transparent)]
    Arm(#[from] ArmError),
    #[error("listing the deployments of resource group {resource_group}")]
    ListDeployments {
        resource_group: String,
        #[source]
        source: ArmError,
    },
    #[error(
        "the ARM deployment {name} in resource group {resource_group} is still {state}: the interrupted aks-engine's deployment goes on in Azure; wait for it to end (`az deployment group wait -g {resource_group} -n {name} --created`), then run the same command again"
    )]
    DeploymentRunning {
        name: String,
        resource_group: String,
        state: String,
    },

    // Step 2: the groups.
    /// The cluster cannot be imported as it is.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The import after planning failed; a re-run resumes.
    #[error("{}", resume_hint(out))]
    ImportStep {
        out: PathBuf,
        #[source]
        source: Box<QuickStartError>,
    },
    #[error(transparent)]
    Import(#[from] ImportError),
    /// Ctrl-C during the import: each line is one pool's report.
    #[error(
        "interrupted while importing into Spot (created groups are recorded in {}):\n{}",
        group_sync::STATE_FILE_NAME,
        pools.join("\n")
    )]
    InterruptedImport { pools: Vec<String> },
    /// Ctrl-C between steps: what is done stays recorded.
    #[error("interrupted before {next}; {}", resume_hint(out))]
    InterruptedBefore { next: String, out: PathBuf },
    /// Each line is one failed pool's report.
    #[error("importing into Spot failed:\n{}", failures.join("\n"))]
    PoolsFailed { failures: Vec<String> },
    #[error("{pool}")]
    PoolFailed {
        pool: String,
        #[source]
        source: Box<PoolError>,
    },

    // Step 3: the controller.
    #[error(
        "installing the Spot controller (the Elastigroups exist and are recorded; {})",
        resume_hint(out)
    )]
    ControllerStep {
        out: PathBuf,
        #[source]
        source: Box<QuickStartError>,
    },
    #[error(
        "aks-engine's kubeconfig {} is missing (is AZURE_LOCATION the cluster's location?)",
        path.display()
    )]
    KubeconfigMissing { path: PathBuf },
    #[error(transparent)]
    SpotController(#[from] ControllerError),

    // Step 4: the cutover.
    #[error("cutting over to the Spot nodes ({})", resume_hint(out))]
    CutoverStep {
        out: PathBuf,
        #[source]
        source: Box<QuickStartError>,
    },
    #[error(
        "aks-engine's kubeconfig {} is missing: the cutover must see the Spot nodes join before it retires the scale set",
        path.display()
    )]
    CutoverKubeconfigMissing { path: PathBuf },
    /// The import's state file cannot be read.
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    ImportedPools(#[from] ImportedPoolsError),
    #[error(transparent)]
    Spot(#[from] SpotAccessError),
    #[error(transparent)]
    Cutover(#[from] CutoverRunError),
}
