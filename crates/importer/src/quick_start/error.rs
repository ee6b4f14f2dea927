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
use crate::sizes::SizeDataError;
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
    MissingInputs {
        /// One line per missing input.
        missing: Vec<String>,
    },
    /// AKS_DNS_PREFIX cannot be a DNS prefix (and so the cluster's name).
    #[error(
        "AKS_DNS_PREFIX `{dns_prefix}` is not a valid DNS prefix: 3-45 characters, lower-case letters, digits and '-', starting with a letter and not ending with '-'"
    )]
    InvalidDnsPrefix {
        /// The prefix as given.
        dns_prefix: String,
    },
    /// AZURE_SUBSCRIPTION_ID is not a subscription id.
    #[error("AZURE_SUBSCRIPTION_ID")]
    Subscription(#[source] ScopeError),
    /// A `--set` argument cannot be parsed.
    #[error("--set")]
    Set(#[source] SetError),
    /// `--sku-catalog`, `--price-catalog` or `--eviction-rates` cannot be read.
    #[error(transparent)]
    Catalog(#[from] SizeDataError),

    // The step record and the output directory.
    /// The step record exists but is not one.
    #[error("{} is not a quick-start record; move it away to start over", path.display())]
    NotAStepsRecord {
        /// The step record.
        path: PathBuf,
        /// Why it does not parse.
        #[source]
        source: serde_json::Error,
    },
    /// A file or directory of the quick start cannot be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// The step record cannot be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The step record.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// The output directory's parent cannot be created.
    #[error("cannot create {}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// The output directory's path is taken by something else.
    #[error("{} exists and is not a directory", path.display())]
    NotADirectory {
        /// The output directory.
        path: PathBuf,
    },
    /// The output directory has files but no step record, so aks-engine would overwrite them.
    #[error(
        "{} already exists and was not made by create-simple (no {} there), so aks-engine would overwrite it: choose another -o/--output-directory, or move it away (to import a cluster aks-engine already made, run `spotinst-aks-engine import -o {}`)",
        out.display(),
        steps::FILE_NAME,
        out.display()
    )]
    NotMadeByQuickStart {
        /// The output directory.
        out: PathBuf,
    },
    /// Another quick start on the same output directory holds its lock.
    #[error(transparent)]
    Locked(#[from] LockError),
    /// The step record changed between reading it and taking the lock.
    #[error(
        "another run changed {} while this one was starting; run the command again",
        path.display()
    )]
    ChangedMeanwhile {
        /// The step record.
        path: PathBuf,
    },
    /// The directory's groups cannot be locked.
    #[error(transparent)]
    OutputDirLock(#[from] OutputDirLockError),
    /// The deployed output directory cannot be read.
    #[error(transparent)]
    OutputDir(#[from] LoadError),
    /// The output directory holds a deployed cluster of another DNS prefix.
    #[error(
        "{} holds the cluster `{found}`, not `{expected}`: pass the same AKS_DNS_PREFIX as the run that deployed it, or another -o",
        out.display()
    )]
    OtherCluster {
        /// The output directory.
        out: PathBuf,
        /// The DNS prefix of the cluster there.
        found: String,
        /// AKS_DNS_PREFIX.
        expected: String,
    },

    // The API model.
    /// `--api-model` cannot be read.
    #[error("cannot read --api-model {}", path.display())]
    ReadApiModel {
        /// The `--api-model` path.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// `--api-model` is not an aks-engine API model.
    #[error("not an aks-engine API model")]
    NotAnApiModel(#[source] LoadError),
    /// The API model describes a cluster Spot cannot run.
    #[error("{origin} does not meet Spot's requirements")]
    Requirements {
        /// The `--api-model` path, or "the built-in API model".
        origin: String,
        /// What is missing or wrong.
        #[source]
        source: RequirementError,
    },
    /// The API model names another DNS prefix than AKS_DNS_PREFIX.
    #[error(
        "the API model sets masterProfile.dnsPrefix `{in_model}` but AKS_DNS_PREFIX is `{given}`: remove it from the model or use the same prefix"
    )]
    DnsPrefixInModel {
        /// The model's `masterProfile.dnsPrefix`.
        in_model: String,
        /// AKS_DNS_PREFIX.
        given: String,
    },
    /// The API model cannot be parsed or written back as JSON.
    #[error("the API model")]
    ApiModelJson(#[source] serde_json::Error),
    /// The API model an interrupted aks-engine run left behind cannot be read.
    #[error("the interrupted deployment's API model")]
    InterruptedModel(#[source] LoadError),
    /// The output directory holds an interrupted deployment of another DNS prefix.
    #[error(
        "{} holds an interrupted deployment of the cluster `{found}`, not `{expected}`: pass the same AKS_DNS_PREFIX as the run that started it, or another -o",
        out.display()
    )]
    InterruptedOtherCluster {
        /// The output directory.
        out: PathBuf,
        /// The DNS prefix of the interrupted deployment.
        found: String,
        /// AKS_DNS_PREFIX.
        expected: String,
    },

    // Step 1: aks-engine.
    /// AKS_ENGINE_BIN names something that is not a file.
    #[error("AKS_ENGINE_BIN is {}, which is not a file; {HOW_TO_GET}", path.display())]
    AksEngineBinNotAFile {
        /// AKS_ENGINE_BIN.
        path: PathBuf,
    },
    /// No aks-engine binary was found.
    #[error("aks-engine was not found on PATH (or in AKS_ENGINE_BIN); {HOW_TO_GET}")]
    AksEngineNotFound,
    /// The aks-engine process cannot be started.
    #[error("cannot start {}", binary.display())]
    StartAksEngine {
        /// The aks-engine binary.
        binary: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// Waiting for the aks-engine process to end failed.
    #[error("waiting for aks-engine")]
    WaitAksEngine(#[source] std::io::Error),
    /// `aks-engine deploy` exited unsuccessfully.
    #[error(
        "aks-engine deploy failed ({status}); its last lines:\n  {}",
        last_lines.join("\n  ")
    )]
    AksEngineFailed {
        /// How it exited.
        status: ExitStatus,
        /// The last lines of its output, oldest first.
        last_lines: Vec<String>,
    },
    /// The temporary file aks-engine reads the API model from cannot be created.
    #[error("cannot create a temporary file for the API model")]
    CreateModelFile(#[source] std::io::Error),
    /// The API model cannot be written to its temporary file.
    #[error("cannot write the API model to a temporary file")]
    WriteModelFile(#[source] std::io::Error),
    /// aks-engine exited successfully without writing its `apimodel.json`.
    #[error("aks-engine reported success but wrote no apimodel.json in {}", out.display())]
    NoApiModelWritten {
        /// The output directory.
        out: PathBuf,
    },
    /// No Resource Manager client could be made to look for an interrupted deployment.
    #[error("checking for the interrupted deployment in Azure Resource Manager")]
    CheckInterruptedDeployment(#[source] ArmConnectError),
    /// A Resource Manager request could not be made or its answer read.
    #[error(transparent)]
    Arm(#[from] ArmError),
    /// The resource group's deployments cannot be listed.
    #[error("listing the deployments of resource group {resource_group}")]
    ListDeployments {
        /// The cluster's resource group.
        resource_group: String,
        /// The failed request.
        #[source]
        source: ArmError,
    },
    /// An interrupted aks-engine run's ARM deployment has not finished yet.
    #[error(
        "the ARM deployment {name} in resource group {resource_group} is still {state}: the interrupted aks-engine's deployment goes on in Azure; wait for it to end (`az deployment group wait -g {resource_group} -n {name} --created`), then run the same command again"
    )]
    DeploymentRunning {
        /// The deployment's name.
        name: String,
        /// The cluster's resource group.
        resource_group: String,
        /// Its provisioning state (e.g. `Running`).
        state: String,
    },

    // Step 2: the groups.
    /// The cluster cannot be imported as it is.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The import after planning failed; a re-run resumes.
    #[error("{}", resume_hint(out))]
    ImportStep {
        /// The output directory.
        out: PathBuf,
        /// What failed.
        #[source]
        source: Box<QuickStartError>,
    },
    /// The import pipeline failed.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// Ctrl-C during the import: each line is one pool's report.
    #[error(
        "interrupted while importing into Spot (created groups are recorded in {}):\n{}",
        group_sync::STATE_FILE_NAME,
        pools.join("\n")
    )]
    InterruptedImport {
        /// One report line per pool.
        pools: Vec<String>,
    },
    /// Ctrl-C between steps: what is done stays recorded.
    #[error("interrupted before {next}; {}", resume_hint(out))]
    InterruptedBefore {
        /// The step that did not start.
        next: String,
        /// The output directory.
        out: PathBuf,
    },
    /// Each line is one failed pool's report.
    #[error("importing into Spot failed:\n{}", failures.join("\n"))]
    PoolsFailed {
        /// One report line per failed pool.
        failures: Vec<String>,
    },
    /// One pool's group could not be made or found.
    #[error("{pool}")]
    PoolFailed {
        /// The agent pool.
        pool: String,
        /// Why it failed.
        #[source]
        source: Box<PoolError>,
    },

    // Step 3: the controller.
    /// Installing the Spot controller failed; a re-run resumes.
    #[error(
        "installing the Spot controller (the Elastigroups exist and are recorded; {})",
        resume_hint(out)
    )]
    ControllerStep {
        /// The output directory.
        out: PathBuf,
        /// What failed.
        #[source]
        source: Box<QuickStartError>,
    },
    /// aks-engine's kubeconfig for the location is missing, so the controller cannot be installed.
    #[error(
        "aks-engine's kubeconfig {} is missing (is AZURE_LOCATION the cluster's location?)",
        path.display()
    )]
    KubeconfigMissing {
        /// The expected kubeconfig.
        path: PathBuf,
    },
    /// The Spot controller could not be installed.
    #[error(transparent)]
    SpotController(#[from] ControllerError),

    // Step 3b: the node agent.
    /// Installing the node agent failed; a re-run resumes.
    #[error(
        "installing the node agent (the Spot controller is installed; {})",
        resume_hint(out)
    )]
    NodeAgentStep {
        /// The output directory.
        out: PathBuf,
        /// What failed.
        #[source]
        source: Box<crate::node_agent::NodeAgentInstallError>,
    },

    // Step 4: the cutover.
    /// The cutover failed; a re-run resumes.
    #[error("cutting over to the Spot nodes ({})", resume_hint(out))]
    CutoverStep {
        /// The output directory.
        out: PathBuf,
        /// What failed.
        #[source]
        source: Box<QuickStartError>,
    },
    /// aks-engine's kubeconfig is missing, so the cutover cannot watch the Spot nodes join.
    #[error(
        "aks-engine's kubeconfig {} is missing: the cutover must see the Spot nodes join before it retires the scale set",
        path.display()
    )]
    CutoverKubeconfigMissing {
        /// The expected kubeconfig.
        path: PathBuf,
    },
    /// The import's state file cannot be read.
    #[error(transparent)]
    State(#[from] StateError),
    /// The imported pools' scale sets cannot be found for the cutover.
    #[error(transparent)]
    ImportedPools(#[from] ImportedPoolsError),
    /// No Spot client could be made.
    #[error(transparent)]
    Spot(#[from] SpotAccessError),
    /// The cutover of a pool failed.
    #[error(transparent)]
    Cutover(#[from] CutoverRunError),
}
