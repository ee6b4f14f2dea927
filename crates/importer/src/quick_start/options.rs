//! What the user asked the quick start for, inputs complete.

use std::path::{Path, PathBuf};
use std::time::Duration;

use elastigroup::ApiGeneration;

use super::inputs::Inputs;

/// The seed script's capacity, applied before the user's `--set` (so those win).
pub const DEFAULT_SETS: [&str; 2] = ["capacity.maximum=3", "capacity.target=2"];

/// What the user asked for, inputs complete.
#[derive(Debug, Clone)]
pub struct QuickStartOptions {
    /// The environment's inputs (credentials, cluster name and place).
    pub inputs: Inputs,
    /// aks-engine's output directory (it creates it).
    pub output_dir: PathBuf,
    /// `--api-model`; `None` = the built-in model.
    pub api_model: Option<PathBuf>,
    /// The user's `--set` values (applied after [`DEFAULT_SETS`]).
    pub sets: Vec<String>,
    /// The Elastigroup API generation (`--elastigroup-api`).
    pub generation: ApiGeneration,
    /// `None` = `--skip-controller`.
    pub controller: Option<ControllerOptions>,
    /// `None` = `--skip-node-agent`.
    pub node_agent: Option<NodeAgentOptions>,
    /// Run the cutover once the Spot nodes are Ready (`--scale-source-to-zero`).
    pub scale_source_to_zero: bool,
    /// The cutover's wait for the Spot nodes (`--join-timeout`).
    pub join_timeout: Duration,
    /// The cutover's wait for evictions (`--drain-timeout`).
    pub drain_timeout: Duration,
    /// Spot API base URL.
    pub spot_base_url: String,
    /// Resource Manager URL (`--arm-url`); `None` = AZURE_RESOURCE_MANAGER_URL or public cloud.
    pub arm_url: Option<String>,
    /// How the pools' VM sizes are chosen (the live catalog unless `--sku-catalog`).
    pub sizes: crate::sizes::SizeFlags,
}

/// The controller's settings.
#[derive(Debug, Clone, Default)]
pub struct ControllerOptions {
    /// Rollout wait; zero = apply without waiting.
    pub timeout: Duration,
    /// Image repository (`--controller-image`); `None` = spot-controller's default.
    pub image: Option<String>,
    /// Image tag (`--controller-version`); `None` = spot-controller's default.
    pub version: Option<String>,
}

/// The node agent's settings.
#[derive(Debug, Clone, Default)]
pub struct NodeAgentOptions {
    /// This tool's image (`--node-agent-image` / SPOTINST_AKS_ENGINE_IMAGE); `None` = not
    /// installed, and the summary says what to pass.
    pub image: Option<String>,
    /// Rollout wait; zero = apply without waiting.
    pub timeout: Duration,
}

/// `./output/<dns prefix>`, the seed's layout.
pub fn default_output_dir(dns_prefix: &str) -> PathBuf {
    Path::new(".").join("output").join(dns_prefix)
}

/// [`DEFAULT_SETS`], then the user's.
pub(super) fn raw_sets(user: &[String]) -> Vec<String> {
    let mut raw: Vec<String> = DEFAULT_SETS.iter().map(|s| (*s).to_owned()).collect();
    raw.extend(user.iter().cloned());
    raw
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_sets_come_after_the_defaults() {
        let raw = raw_sets(&["capacity.target=1".into()]);
        let sets = elastigroup::parse_set_args(&raw).unwrap();
        let mut group = json!({"capacity": {"minimum": 0, "target": 5, "maximum": 5}});
        elastigroup::apply_set(&mut group, &sets).unwrap();
        assert_eq!(
            group["capacity"],
            json!({"minimum": 0, "target": 1, "maximum": 3})
        );
    }
}
