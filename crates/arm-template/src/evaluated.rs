//! What evaluating a template fragment yields: its JSON and the deploy-time values left in it.

use serde_json::Value as Json;

/// The result of evaluating one template fragment.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluated {
    /// Where the fragment is in the template (e.g. `resources[2]`).
    pub json_path: String,
    /// The fully evaluated JSON.
    pub value: Json,
    /// Deploy-time values left as markers (only with [`DeployTimePolicy::Mark`](crate::DeployTimePolicy::Mark)).
    pub deferred: Vec<Deferred>,
}

/// A deploy-time value that was left as a marker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deferred {
    /// Where the marked value is.
    pub json_path: String,
    /// The expression text standing for it.
    pub expression: String,
}
