//! Command-line flags (clap definitions only; no behaviour here).

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use elastigroup::ApiGeneration;
use importer::scope::{Origin, Sourced};

/// Turn an aks-engine cluster's worker pools into Spot Elastigroups.
#[derive(Debug, Parser)]
#[command(name = "spotinst-aks-engine", version, about, long_about = None, propagate_version = true, after_help = examples::TOP_LEVEL)]
pub struct Cli {
    /// More output on stderr: -v shows each step, -vv HTTP calls too.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import an aks-engine output directory: create one Elastigroup per scale-set agent pool.
    #[command(after_help = examples::IMPORT)]
    Import(ImportArgs),
    /// What the import's pools cost on demand and on Spot (list prices), and the sizes chosen.
    Estimate(EstimateArgs),
    /// Show the recorded Elastigroups, their VMs and whether they are Ready nodes.
    #[command(after_help = examples::STATUS)]
    Status(StatusArgs),
    /// Delete the Elastigroups recorded for an output directory.
    #[command(after_help = examples::DELETE)]
    Delete(DeleteArgs),
    /// Wait for the Spot nodes, drain the aks-engine nodes, scale their scale set to 0.
    #[command(after_help = examples::CUTOVER)]
    Cutover(CutoverArgs),
    /// Day 2: bring the imported groups in step with the cluster after `aks-engine upgrade`.
    ///
    /// Regenerates the templates when the model is newer, prints each group's diff, updates the
    /// groups that differ, rolls their VMs started from the old configuration, and cuts a
    /// retired scale set the upgrade brought back above 0 over again.
    Sync(SyncArgs),
    /// Quick start: deploy a cluster with aks-engine, import it, launch the Spot controller.
    #[command(after_help = examples::CREATE_SIMPLE)]
    CreateSimple(Box<CreateSimpleArgs>),
    /// Inspect an ARM template the way the importer evaluates it.
    #[command(subcommand, after_help = examples::TEMPLATE)]
    Template(TemplateCommand),
    /// Hand the recorded groups to other tools (Terraform).
    #[command(subcommand, after_help = examples::EXPORT_TERRAFORM)]
    Export(ExportCommand),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = examples::COMPLETIONS)]
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout.
    #[command(after_help = examples::MAN)]
    Man(ManArgs),
    /// The in-cluster node agent: drain Spot VMs on Azure's eviction notice, delete dead Nodes.
    #[command(subcommand, after_help = examples::NODE_AGENT)]
    NodeAgent(NodeAgentCommand),
}

#[derive(Debug, Subcommand)]
pub enum NodeAgentCommand {
    /// Drain this node when Azure schedules its eviction (what the DaemonSet runs).
    #[command(after_help = examples::NODE_AGENT_PREEMPT)]
    Preempt(PreemptArgs),
    /// Delete the Nodes of Spot VMs that no longer exist (what the Deployment runs).
    #[command(after_help = examples::NODE_AGENT_GC)]
    Gc(GcArgs),
    /// Install both into the cluster with server-side apply.
    #[command(after_help = examples::NODE_AGENT)]
    Install(NodeAgentInstallArgs),
}

/// Where the agents run from and what they serve.
#[derive(Debug, Clone, Args)]
pub struct AgentRuntimeArgs {
    /// Kubeconfig to use outside a cluster [default: the pod's in-cluster configuration].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Where to serve Prometheus metrics (/metrics).
    #[arg(long, default_value = node_agent::metrics::DEFAULT_METRICS_ADDR, value_name = "ADDR", value_parser = listen_addr)]
    pub metrics_addr: std::net::SocketAddr,
}

fn listen_addr(s: &str) -> Result<std::net::SocketAddr, String> {
    node_agent::parse_listen_addr(s)
}

#[derive(Debug, Clone, Args)]
pub struct PreemptArgs {
    /// This node's name (the DaemonSet passes the downward API's spec.nodeName).
    #[arg(long, env = "NODE_NAME", value_name = "NAME")]
    pub node_name: String,
    /// The Instance Metadata Service.
    #[arg(long, default_value = node_agent::DEFAULT_IMDS_URL, value_name = "URL")]
    pub imds_url: String,
    /// Between two reads of the scheduled events.
    #[arg(long, default_value = "1s", value_parser = duration_arg, value_name = "DURATION", hide = true)]
    pub poll_interval: Duration,
    #[command(flatten)]
    pub runtime: AgentRuntimeArgs,
}

#[derive(Debug, Clone, Args)]
pub struct GcArgs {
    /// VM name prefix of a Spot group (its vmNamePrefix; repeatable): only such VMs' Nodes are deleted.
    #[arg(long = "name-prefix", value_name = "PREFIX", required = true)]
    pub name_prefixes: Vec<String>,
    /// Between two passes.
    #[arg(long, default_value = "1m", value_parser = duration_arg, value_name = "DURATION")]
    pub interval: Duration,
    /// How long a Node must have been not Ready.
    #[arg(long, default_value = "5m", value_parser = duration_arg, value_name = "DURATION")]
    pub grace: Duration,
    /// One pass, print what it did, exit.
    #[arg(long)]
    pub once: bool,
    /// The Azure cloud-provider file aks-engine writes on masters (credentials, subscription, resource group).
    #[arg(long, default_value = node_agent::azure_json::AZURE_JSON_PATH, value_name = "FILE")]
    pub azure_json: PathBuf,
    /// The cluster's subscription [default: azure.json, else $AZURE_SUBSCRIPTION_ID].
    #[arg(short = 's', long, value_name = "ID")]
    pub subscription: Option<String>,
    /// The cluster's resource group [default: azure.json, else $AZURE_RESOURCE_GROUP].
    #[arg(short = 'r', long, value_name = "NAME")]
    pub resource_group: Option<String>,
    #[command(flatten)]
    pub azure: AzureArgs,
    #[command(flatten)]
    pub runtime: AgentRuntimeArgs,
}

#[derive(Debug, Clone, Args)]
pub struct NodeAgentInstallArgs {
    /// aks-engine output directory: its recorded groups' VM name prefixes and its kubeconfig.
    #[arg(short = 'o', long = "output-directory", value_name = "DIR")]
    pub output_directory: Option<PathBuf>,
    /// A VM name prefix for the collector (repeatable), besides the recorded groups'.
    #[arg(long = "name-prefix", value_name = "PREFIX")]
    pub name_prefixes: Vec<String>,
    /// This tool's image, built from its Dockerfile and pushed where the cluster can pull it.
    #[arg(long, env = "SPOTINST_AKS_ENGINE_IMAGE", value_name = "IMAGE")]
    pub image: Option<String>,
    /// Print the manifests (YAML) and apply nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Kubeconfig of the cluster [default: the output directory's kubeconfig/kubeconfig.<location>.json].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// How long to wait for the rollout (0s: do not wait).
    #[arg(long, default_value = "2m", value_parser = duration_arg, value_name = "DURATION")]
    pub wait: Duration,
    #[command(flatten)]
    pub spot: SpotArgs,
}

/// The example at the end of each command's help.
mod examples {
    pub(super) const TOP_LEVEL: &str = "\
Examples:
  spotinst-aks-engine import -o _output/mycluster -s $AZURE_SUBSCRIPTION_ID --dry-run
  spotinst-aks-engine import -o _output/mycluster -s $AZURE_SUBSCRIPTION_ID
  spotinst-aks-engine cutover -o _output/mycluster -s $AZURE_SUBSCRIPTION_ID";
    pub(super) const IMPORT: &str = "\
Examples:
  spotinst-aks-engine import -o _output/mycluster -s $AZURE_SUBSCRIPTION_ID --dry-run
  spotinst-aks-engine import -o _output/mycluster -s $AZURE_SUBSCRIPTION_ID --set capacity.maximum=3";
    pub(super) const STATUS: &str = "\
Exit status: 0 healthy; 1 unhealthy (a VM older than --join-grace is not a Ready node, or
drift: Spot nodes on another Kubernetes version, VMs older than the group's last update, a
cut-over pool's scale set above 0 again); 3 could not check (Spot or the cluster could not be asked, or status could not run: the error
lines say why).

Example:
  spotinst-aks-engine status -o _output/mycluster";
    pub(super) const DELETE: &str = "\
Example:
  spotinst-aks-engine delete -o _output/mycluster --pool agentpool1 --yes";
    pub(super) const CUTOVER: &str = "\
Examples:
  spotinst-aks-engine cutover -o _output/mycluster -s $AZURE_SUBSCRIPTION_ID --dry-run
  spotinst-aks-engine cutover -o _output/mycluster -s $AZURE_SUBSCRIPTION_ID --yes";
    pub(super) const CREATE_SIMPLE: &str = "\
Example:
  spotinst-aks-engine create-simple --dns-prefix mycluster --location eastus --scale-source-to-zero";
    pub(super) const TEMPLATE: &str = "\
Example:
  spotinst-aks-engine template resources -o _output/mycluster -s $AZURE_SUBSCRIPTION_ID";
    pub(super) const TEMPLATE_EVAL: &str = "\
Example:
  spotinst-aks-engine template eval -o _output/mycluster \"variables('agentpool1VMNamePrefix')\"";
    pub(super) const TEMPLATE_RESOURCES: &str = "\
Example:
  spotinst-aks-engine template resources -o _output/mycluster --output json";
    pub(super) const EXPORT_TERRAFORM: &str = "\
Example:
  spotinst-aks-engine export terraform -o _output/mycluster --tfvars secrets.auto.tfvars";
    pub(super) const NODE_AGENT: &str = "\
Example:
  spotinst-aks-engine node-agent install -o _output/mycluster --image myregistry.azurecr.io/spotinst-aks-engine:0.1.0";
    pub(super) const NODE_AGENT_PREEMPT: &str = "\
Example (outside a cluster; the DaemonSet passes --node-name from spec.nodeName):
  spotinst-aks-engine -v node-agent preempt --node-name k8s-spotpool1-0001 --kubeconfig kubeconfig.json";
    pub(super) const NODE_AGENT_GC: &str = "\
Example:
  spotinst-aks-engine -v node-agent gc --once --name-prefix spotpool1- --kubeconfig kubeconfig.json -s $AZURE_SUBSCRIPTION_ID -r mycluster";
    pub(super) const COMPLETIONS: &str = "\
Examples:
  source <(spotinst-aks-engine completions bash)
  spotinst-aks-engine completions fish > ~/.config/fish/completions/spotinst-aks-engine.fish";
    pub(super) const MAN: &str = "\
Examples:
  spotinst-aks-engine man > /usr/local/share/man/man1/spotinst-aks-engine.1
  spotinst-aks-engine man --dir /usr/local/share/man/man1";
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write the recorded v3 groups, as Spot holds them, as Terraform (spotinst_elastigroup_azure_v3 and import blocks).
    #[command(after_help = examples::EXPORT_TERRAFORM)]
    Terraform(ExportTerraformArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ExportTerraformArgs {
    #[command(flatten)]
    pub output_directory: OutputDirArg,
    /// Where to write the HCL (`-` = stdout) [default: <DIR>/spot-elastigroups.tf].
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Also write the secret values (customData, protected settings, passwords) to this tfvars file, mode 0600; never commit it.
    #[arg(long, value_name = "PATH")]
    pub tfvars: Option<PathBuf>,
    #[command(flatten)]
    pub spot: SpotArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ManArgs {
    /// Write every page (this one and one per subcommand, spotinst-aks-engine-<command>.1) into DIR instead.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// How results are printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

/// `--elastigroup-api`: `v3` or `v2`, parsed into [`ApiGeneration`] (which knows nothing of clap).
fn api_generation_parser() -> impl TypedValueParser<Value = ApiGeneration> {
    PossibleValuesParser::new([
        PossibleValue::new("v3").help(r#"The current "Spot VMs" API (/azure/compute/group)"#),
        PossibleValue::new("v2").help(
            "The legacy Low-Priority API (/compute/azure/group) with the Kubernetes integration",
        ),
    ])
    .try_map(|s| s.parse::<ApiGeneration>())
}

/// `-o`, declared once for every command that reads an aks-engine output directory.
#[derive(Debug, Clone, Args)]
pub struct OutputDirArg {
    /// aks-engine output directory: its templates, and the groups recorded in spot-elastigroups.json.
    #[arg(
        short = 'o',
        long = "output-directory",
        default_value = "./output",
        value_name = "DIR"
    )]
    pub output_directory: PathBuf,
}

impl std::ops::Deref for OutputDirArg {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.output_directory
    }
}

/// `-r`, for every command that acts on an output directory's groups.
#[derive(Debug, Clone, Args)]
pub struct ResourceGroupArg {
    /// Azure resource group of the cluster [default: the one the import recorded, else the cluster's DNS prefix; another one is refused once groups are recorded].
    #[arg(
        short = 'r',
        long = "resource-group",
        env = importer::scope::RESOURCE_GROUP_ENV,
        value_name = "NAME"
    )]
    pub resource_group: Option<String>,
    /// The value came from the variable, not the flag (set by [`Cli::parse_noting_sources`]).
    #[arg(skip)]
    pub from_env: bool,
}

impl ResourceGroupArg {
    /// The value, with where it came from.
    pub fn given(&self) -> Option<Sourced> {
        given_with_origin(
            self.resource_group.as_deref(),
            self.from_env,
            importer::scope::RESOURCE_GROUP_ENV,
            importer::scope::RESOURCE_GROUP_FLAG,
        )
    }
}

/// A flag's value, with `env` as its origin if it came from that variable, else `flag`.
fn given_with_origin(
    value: Option<&str>,
    from_env: bool,
    env: &'static str,
    flag: &'static str,
) -> Option<Sourced> {
    let origin = if from_env {
        Origin::Env(env)
    } else {
        Origin::Flag(flag)
    };
    value.map(|v| Sourced::new(v, origin))
}

/// Where the aks-engine artifacts are and which Azure scope they belong to.
#[derive(Debug, Clone, Args)]
pub struct ClusterArgs {
    #[command(flatten)]
    pub output_directory: OutputDirArg,
    #[command(flatten)]
    pub resource_group: ResourceGroupArg,
    /// Azure subscription of the cluster [default: the one the import recorded; another one is refused once groups are recorded].
    #[arg(
        short = 's',
        long = "subscription",
        env = importer::scope::SUBSCRIPTION_ENV,
        value_name = "ID"
    )]
    pub subscription: Option<String>,
    /// The subscription came from the variable, not the flag.
    #[arg(skip)]
    pub subscription_from_env: bool,
}

impl ClusterArgs {
    /// `-s`, with where it came from.
    pub fn given_subscription(&self) -> Option<Sourced> {
        given_with_origin(
            self.subscription.as_deref(),
            self.subscription_from_env,
            importer::scope::SUBSCRIPTION_ENV,
            importer::scope::SUBSCRIPTION_FLAG,
        )
    }
}

impl Cli {
    /// Parses the process's arguments like `Cli::parse`, and notes which of `-r` and `-s`
    /// came from their environment variable, so a refusal can say where a value came from.
    pub fn parse_noting_sources() -> Cli {
        let matches = Cli::command().get_matches();
        let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        let mut m = &matches;
        while let Some((_, sub)) = m.subcommand() {
            m = sub;
        }
        let from_env = |id: &str| {
            m.ids().any(|i| i.as_str() == id)
                && m.value_source(id) == Some(clap::parser::ValueSource::EnvVariable)
        };
        let (rg, sub) = (from_env("resource_group"), from_env("subscription"));
        let cluster = match &mut cli.command {
            Command::Import(a) => Some(&mut a.cluster),
            Command::Estimate(a) => Some(&mut a.cluster),
            Command::Cutover(a) => Some(&mut a.cluster),
            Command::Sync(a) => Some(&mut a.cluster),
            Command::Template(TemplateCommand::Resources(a)) => Some(&mut a.cluster),
            Command::Status(a) => {
                a.state.resource_group.from_env = rg;
                None
            }
            Command::Delete(a) => {
                a.state.resource_group.from_env = rg;
                None
            }
            Command::Template(TemplateCommand::Eval(_))
            | Command::CreateSimple(_)
            | Command::Export(_)
            | Command::Completions(_)
            | Command::Man(_)
            | Command::NodeAgent(_) => None,
        };
        if let Some(c) = cluster {
            c.resource_group.from_env = rg;
            c.subscription_from_env = sub;
        }
        cli
    }
}

/// Spot API access.
#[derive(Debug, Clone, Args)]
pub struct SpotArgs {
    /// Spot API token [default: $SPOTINST_TOKEN, then ~/.spotinst/credentials].
    #[arg(long, value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Spot account id (act-...) [default: $SPOTINST_ACCOUNT, then ~/.spotinst/credentials].
    #[arg(long, value_name = "ACCOUNT")]
    pub account: Option<String>,
    /// Spot API base URL.
    #[arg(
        long,
        env = "SPOTINST_BASE_URL",
        default_value = spot_api::DEFAULT_BASE_URL,
        value_name = "URL"
    )]
    pub spot_api_url: String,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = importer::spot_access::DEFAULT_TIMEOUT.as_secs(), value_name = "SECONDS")]
    pub spot_timeout: u64,
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Dump Elastigroup Config and exit.
    #[arg(long)]
    pub dry_run: bool,
    /// Set extra Elastigroup configuration properties (key=value, dotted paths, repeatable; k1=v1,k2=v2 too).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Import only this agent pool (repeatable) [default: every scale-set pool].
    #[arg(long = "pool", value_name = "NAME")]
    pub pools: Vec<String>,
    /// Elastigroup API generation.
    #[arg(long = "elastigroup-api", value_parser = api_generation_parser(), default_value_t = ApiGeneration::V3)]
    pub elastigroup_api: ApiGeneration,
    /// Print customData, protectedSettings and passwords instead of redaction markers.
    #[arg(long)]
    pub show_secrets: bool,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Import even when orchestratorProfile.kubernetesConfig.loadBalancerSku is not Standard.
    #[arg(long)]
    pub allow_basic_load_balancer: bool,
    /// Import even when orchestratorProfile.kubernetesConfig.networkPlugin is not azure.
    #[arg(long)]
    pub allow_kubenet: bool,
    /// Send the new configuration to groups that already exist and differ (shows the diff first).
    #[arg(long)]
    pub update: bool,
    /// With --update: update without asking.
    #[arg(short = 'y', long, requires = "update")]
    pub yes: bool,
    /// How many groups to create at once.
    #[arg(long, default_value_t = importer::import::DEFAULT_CONCURRENCY, value_name = "N")]
    pub concurrency: usize,
    #[command(flatten)]
    pub sizes: SizeArgs,
    #[command(flatten)]
    pub spot: SpotArgs,
    #[command(flatten)]
    pub azure: AzureArgs,
}

/// How each pool's VM sizes are chosen (see docs/vm-sizes.md).
#[derive(Debug, Clone, Args)]
pub struct SizeArgs {
    /// Resource SKUs catalog to choose sizes from: the API's {"value": [...]} or what `az vm list-skus -l REGION -o json` prints [default: a real import reads it from Azure and saves <output-dir>/resource-skus-<region>.json; a dry run reads that file].
    #[arg(long, value_name = "FILE")]
    pub sku_catalog: Option<PathBuf>,
    /// Spot sizes: auto (the source size, then up to 9 compatible ones), source (the source size alone), or a comma list checked against the catalog.
    #[arg(long, value_name = "auto|source|LIST", default_value = "auto", value_parser = importer::sizes::parse_mode)]
    pub spot_sizes: importer::sizes::Mode,
    /// Compatible sizes have at most FACTOR times the source size's vCPUs and memory; FACTOR is 1 to 8 (wider, the pool's nodes could grow to any size).
    #[arg(long, value_name = "FACTOR", default_value = "2", value_parser = importer::sizes::parse_size_window)]
    pub size_window: f64,
    /// VM prices: the Retail Prices API's {"Items": [...]} page or an array of its rows [default: <output-dir>/prices-<region>.json saved by a real import, else (real import, estimate) the live API].
    #[arg(long, value_name = "FILE")]
    pub price_catalog: Option<PathBuf>,
    /// Spot eviction rates: the Resource Graph answer {"data": [...]} or its data array [default: <output-dir>/spot-eviction-rates-<region>.json saved by a real import, else (real import, estimate) Resource Graph].
    #[arg(long, value_name = "FILE")]
    pub eviction_rates: Option<PathBuf>,
}

impl SizeArgs {
    pub fn flags(&self) -> importer::sizes::SizeFlags {
        importer::sizes::SizeFlags {
            mode: self.spot_sizes.clone(),
            size_window: self.size_window,
            catalog_file: self.sku_catalog.clone(),
            prices: importer::prices::PriceFlags {
                price_catalog: self.price_catalog.clone(),
                eviction_rates: self.eviction_rates.clone(),
            },
        }
    }
}

/// `estimate`: the flags of `import` that decide the groups.
#[derive(Debug, Clone, Args)]
pub struct EstimateArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Set extra Elastigroup configuration properties, as for import (capacity.target is the node count).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Estimate only this agent pool (repeatable) [default: every scale-set pool].
    #[arg(long = "pool", value_name = "NAME")]
    pub pools: Vec<String>,
    /// Elastigroup API generation.
    #[arg(long = "elastigroup-api", value_parser = api_generation_parser(), default_value_t = ApiGeneration::V3)]
    pub elastigroup_api: ApiGeneration,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// As for import: estimate even when the load balancer SKU is not Standard.
    #[arg(long)]
    pub allow_basic_load_balancer: bool,
    /// As for import: estimate even when the network plugin is not azure.
    #[arg(long)]
    pub allow_kubenet: bool,
    #[command(flatten)]
    pub sizes: SizeArgs,
    #[command(flatten)]
    pub azure: AzureArgs,
}

/// Azure Resource Manager access (client id, secret and tenant come from AZURE_CLIENT_ID,
/// AZURE_CLIENT_SECRET and AZURE_TENANT_ID; without a secret the Azure CLI login is used).
#[derive(Debug, Clone, Args)]
pub struct AzureArgs {
    /// Azure Resource Manager URL.
    #[arg(long, env = "AZURE_RESOURCE_MANAGER_URL", value_name = "URL")]
    pub arm_url: Option<String>,
    /// Authenticate to Azure with this machine's managed identity.
    #[arg(long)]
    pub use_msi: bool,
}

#[derive(Debug, Clone, Args)]
pub struct StateArgs {
    #[command(flatten)]
    pub output_directory: OutputDirArg,
    #[command(flatten)]
    pub resource_group: ResourceGroupArg,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub spot: SpotArgs,
}

#[derive(Debug, Clone, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Print the field-level diff of each group and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Set extra Elastigroup configuration properties, as `import` (capacity.* is compared only when set here).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Sync only this pool (repeatable) [default: every recorded pool].
    #[arg(long = "pool", value_name = "NAME")]
    pub pools: Vec<String>,
    /// Elastigroup API generation [default: the one the groups were imported with; another is refused].
    #[arg(long = "elastigroup-api", value_parser = api_generation_parser())]
    pub elastigroup_api: Option<ApiGeneration>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Update without asking.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// How many groups to compare and update at once, and how many pools' rolls run at once (1:
    /// one pool after another).
    #[arg(long, default_value_t = importer::import::DEFAULT_CONCURRENCY, value_name = "N")]
    pub concurrency: usize,
    /// Leave the VMs started from the old configuration running (a retired scale set back above 0
    /// is still cut over again).
    #[arg(long)]
    pub no_roll: bool,
    /// Old VMs replaced at a time by the roll (the target is raised by as many first).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..), value_name = "N")]
    pub batch: u32,
    /// Kubeconfig of the cluster, for the roll and for the cutover of a retired scale set back above 0 [default: the output directory's kubeconfig/kubeconfig.<location>.json].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    #[command(flatten)]
    pub timeouts: CutoverTimeoutArgs,
    /// How long Spot may keep listing the VMs the roll detached (terminating) before it stops; the detach is never sent twice.
    #[arg(long, default_value = "15m", value_parser = duration_arg, value_name = "DURATION")]
    pub detach_timeout: Duration,
    /// Between two looks at the nodes, and two eviction rounds, during the roll and the cutover of a retired scale set back above 0.
    #[arg(long, default_value = "5s", value_parser = duration_arg, value_name = "DURATION", hide = true)]
    pub poll_interval: Duration,
    /// How many evictions the roll (and a cutover) sends at once, across the nodes drained, per
    /// pool's drain (1 = one at a time; `--concurrency` is the groups', and the pools rolled at
    /// once).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..), value_name = "N")]
    pub eviction_concurrency: u32,
    /// Also evict pods that no controller manages (they are gone for good).
    #[arg(long)]
    pub force: bool,
    /// Also evict pods with emptyDir volumes (their data is lost).
    #[arg(long)]
    pub delete_emptydir_data: bool,
    #[command(flatten)]
    pub sizes: SizeArgs,
    #[command(flatten)]
    pub spot: SpotArgs,
    #[command(flatten)]
    pub azure: AzureArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub state: StateArgs,
    /// Delete without asking.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Delete only this pool's group (repeatable) [default: every recorded group].
    #[arg(long = "pool", value_name = "NAME")]
    pub pools: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Print the value of one ARM expression as JSON.
    #[command(after_help = examples::TEMPLATE_EVAL)]
    Eval(TemplateEvalArgs),
    /// List the template's resources with their evaluated type and name.
    #[command(after_help = examples::TEMPLATE_RESOURCES)]
    Resources(TemplateResourcesArgs),
}

#[derive(Debug, Clone, Args)]
pub struct TemplateEvalArgs {
    /// aks-engine output directory whose azuredeploy.json and parameters to evaluate against
    /// [default: none: only functions that need no template].
    #[arg(short = 'o', long = "output-directory", value_name = "DIR")]
    pub output_directory: Option<PathBuf>,
    /// Resource group name for resourceGroup().
    #[arg(
        short = 'r',
        long = "resource-group",
        env = importer::scope::RESOURCE_GROUP_ENV,
        value_name = "NAME"
    )]
    pub resource_group: Option<String>,
    /// Subscription id for subscription().
    #[arg(
        short = 's',
        long = "subscription",
        env = "AZURE_SUBSCRIPTION_ID",
        value_name = "ID"
    )]
    pub subscription: Option<String>,
    /// The expression, with or without the surrounding [ ].
    #[arg(value_name = "EXPRESSION", allow_hyphen_values = true)]
    pub expression: String,
}

#[derive(Debug, Clone, Args)]
pub struct TemplateResourcesArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct CreateSimpleArgs {
    /// Spot account id [env: SPOTINST_ACCOUNT].
    #[arg(long, value_name = "ACCOUNT")]
    pub spot_account: Option<String>,
    /// Spot API token [env: SPOTINST_TOKEN].
    #[arg(long, value_name = "TOKEN")]
    pub spot_token: Option<String>,
    /// Azure subscription id [env: AZURE_SUBSCRIPTION_ID].
    #[arg(short = 's', long, value_name = "ID")]
    pub subscription: Option<String>,
    /// Service principal (application) id [env: AZURE_CLIENT_ID].
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// Service principal secret [env: AZURE_CLIENT_SECRET].
    #[arg(long, value_name = "SECRET")]
    pub client_secret: Option<String>,
    /// Azure AD tenant [env: AZURE_TENANT_ID; default: discovered from the subscription].
    #[arg(long, value_name = "ID")]
    pub tenant_id: Option<String>,
    /// Cluster DNS prefix, unique in the subscription [env: AKS_DNS_PREFIX].
    #[arg(long, value_name = "PREFIX")]
    pub dns_prefix: Option<String>,
    /// Azure region [env: AZURE_LOCATION].
    #[arg(long, value_name = "REGION")]
    pub location: Option<String>,
    /// Resource group [env: AZURE_RESOURCE_GROUP; default: the DNS prefix].
    #[arg(short = 'r', long, value_name = "NAME")]
    pub resource_group: Option<String>,
    /// Where aks-engine writes the cluster's artifacts [default: ./output/<dns prefix>].
    #[arg(short = 'o', long = "output-directory", value_name = "DIR")]
    pub output_directory: Option<PathBuf>,
    /// Your own aks-engine API model instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub api_model: Option<PathBuf>,
    /// Elastigroup properties (as `import --set`; default capacity.maximum=3, capacity.target=2).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Elastigroup API generation.
    #[arg(long = "elastigroup-api", value_parser = api_generation_parser(), default_value_t = ApiGeneration::V3)]
    pub elastigroup_api: ApiGeneration,
    /// How long to wait for the controller's rollout (e.g. 90s, 5m; 0 = apply without waiting).
    #[arg(long, default_value = "5m", value_name = "DURATION")]
    pub controller_timeout: String,
    /// Do not install the Spot Kubernetes controller.
    #[arg(long)]
    pub skip_controller: bool,
    /// Controller image (repository).
    #[arg(long, value_name = "IMAGE")]
    pub controller_image: Option<String>,
    /// Controller image tag.
    #[arg(long, value_name = "VERSION")]
    pub controller_version: Option<String>,
    /// Do not install the node agent (Spot eviction drains, dead-node cleanup).
    #[arg(long)]
    pub skip_node_agent: bool,
    /// This tool's image for the node agent (built from its Dockerfile).
    #[arg(long, env = "SPOTINST_AKS_ENGINE_IMAGE", value_name = "IMAGE")]
    pub node_agent_image: Option<String>,
    /// Once the Spot nodes are Ready, drain the aks-engine nodes and scale their scale set to zero (as `cutover`).
    #[arg(long)]
    pub scale_source_to_zero: bool,
    #[command(flatten)]
    pub cutover: CutoverTimeoutArgs,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Spot API base URL.
    #[arg(
        long,
        env = "SPOTINST_BASE_URL",
        default_value = spot_api::DEFAULT_BASE_URL,
        value_name = "URL"
    )]
    pub spot_api_url: String,
    #[command(flatten)]
    pub sizes: SizeArgs,
    #[command(flatten)]
    pub azure: AzureArgs,
}

/// A duration flag: `90s`, `15m`, `1.5m`, `1h`, `1m30s`.
fn duration_arg(s: &str) -> Result<Duration, crate::duration::DurationError> {
    crate::duration::parse_duration(s)
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub state: StateArgs,
    /// Kubeconfig to check the VMs against [default: the output directory's kubeconfig/kubeconfig.<location>.json].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// How long a VM may take to become a Ready node; an older one that is not makes the exit code 1.
    #[arg(long, default_value = "10m", value_parser = duration_arg, value_name = "DURATION")]
    pub join_grace: Duration,
    /// Azure access (AZURE_* as for `cutover`), to check that a cut-over pool's scale set is still at 0.
    #[command(flatten)]
    pub azure: AzureArgs,
}

/// The cutover's waits, shared by `cutover` and `create-simple --scale-source-to-zero`.
#[derive(Debug, Clone, Args)]
pub struct CutoverTimeoutArgs {
    /// How long to wait for the Spot nodes to be Ready before giving up (nothing is changed then).
    #[arg(long, default_value = "15m", value_parser = duration_arg, value_name = "DURATION")]
    pub join_timeout: Duration,
    /// How long evictions may be refused by disruption budgets before giving up (the nodes are uncordoned then).
    #[arg(long, default_value = "10m", value_parser = duration_arg, value_name = "DURATION")]
    pub drain_timeout: Duration,
}

#[derive(Debug, Clone, Args)]
#[command(mut_arg("resource_group", |a| a.help(
    "Resource group of the cluster's scale sets, the one the import used; each scale set is checked to be this cluster's before anything changes [default: the one the import recorded; another one is refused]"
)))]
pub struct CutoverArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Kubeconfig of the cluster [default: the output directory's kubeconfig/kubeconfig.<location>.json].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Cut over only this pool (repeatable) [default: every imported pool].
    #[arg(long = "pool", value_name = "NAME")]
    pub pools: Vec<String>,
    #[command(flatten)]
    pub timeouts: CutoverTimeoutArgs,
    /// Between two looks at the nodes while joining, and two eviction rounds while draining.
    #[arg(long, default_value = "5s", value_parser = duration_arg, value_name = "DURATION", hide = true)]
    pub poll_interval: Duration,
    /// How many evictions to send at once, across all the nodes drained (1 = one at a time).
    #[arg(long, visible_alias = "eviction-concurrency", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..), value_name = "N")]
    pub concurrency: u32,
    /// Also evict pods that no controller manages (they are gone for good).
    #[arg(long)]
    pub force: bool,
    /// Also evict pods with emptyDir volumes (their data is lost).
    #[arg(long)]
    pub delete_emptydir_data: bool,
    /// Print what the cutover would do now, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Cut over without asking.
    #[arg(short = 'y', long)]
    pub yes: bool,
    #[command(flatten)]
    pub spot: SpotArgs,
    #[command(flatten)]
    pub azure: AzureArgs,
}
