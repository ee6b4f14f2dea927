//! The real `kubectl` on `PATH`, run against a local server: the drain benchmark times
//! `kubectl drain` of the same nodes beside ours, and a test checks that the Kubernetes
//! stand-in answers everything `kubectl drain` asks.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// `kubectl` on `PATH`, if any.
pub fn find() -> Option<PathBuf> {
    on_path("kubectl")
}

/// The file `program` in the first `PATH` directory that has it (also finds `etcd` for
/// [`crate::real_kube`]).
pub(crate) fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Runs `kubectl drain NODE... --ignore-daemonsets --timeout=..` with `kubeconfig` (which
/// drains the nodes one after another, each node's pods evicted at once), with a fresh
/// discovery cache, at log level `verbosity` (`-v=6` shows each request).
///
/// # Panics
/// When `kubectl` cannot be started or the temporary cache directory cannot be made.
pub fn drain(
    kubectl: &Path,
    kubeconfig: &Path,
    nodes: &[String],
    timeout: Duration,
    verbosity: u8,
) -> Output {
    let cache = tempfile::Builder::new()
        .prefix("kubectl-cache-")
        .tempdir()
        .expect("creating a temporary directory");
    Command::new(kubectl)
        .arg("drain")
        .args(nodes)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--cache-dir")
        .arg(cache.path())
        .arg("--ignore-daemonsets")
        .arg(format!("--timeout={}s", timeout.as_secs().max(1)))
        .arg(format!("-v={verbosity}"))
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", kubectl.display()))
}
