//! The in-cluster node agent, built into the same binary and image as the rest of the tool.
//!
//! - **preempt** (a DaemonSet, one per node): polls the Instance Metadata Service's scheduled
//!   events every second; on a `Preempt`/`Terminate` event naming this VM it cordons the node,
//!   evicts its pods with the Eviction API (budgets retried until the event's `NotBefore`) and
//!   records a `SpotPreempted` Event on the Node. It never approves the event.
//! - **gc** (a Deployment on a master): deletes the Node objects of Spot VMs that ARM reports
//!   gone (`404 ResourceNotFound`), which the cloud provider of aks-engine's Kubernetes versions
//!   never does for standalone VMs.
//! - **install**: the manifests for both, applied with server-side apply.
//!
//! The decisions are pure functions in [`decide`]; [`imds`], [`kube_ops`] and ARM (through
//! `azure-arm`) are the edges; [`metrics`] serves Prometheus counters.

pub mod azure_json;
pub mod decide;
pub mod gc;
pub mod imds;
pub mod install;
pub mod kube_client;
pub mod kube_ops;
pub mod metrics;
pub mod preempt;

pub use gc::{GcReport, gc_pass, run_gc};
pub use imds::{DEFAULT_IMDS_URL, Imds, ImdsError};
pub use kube_client::kube_client;
pub use metrics::{Metrics, parse_listen_addr, serve_metrics};
pub use preempt::{DrainOutcome, DrainReport, PreemptConfig, drain_node, run_preempt};
