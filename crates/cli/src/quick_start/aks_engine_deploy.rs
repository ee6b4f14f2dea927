//! Step 1 of the quick start: `aks-engine deploy`, as a child process whose output is streamed.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncBufReadExt, BufReader};

use super::inputs::Inputs;

/// Where aks-engine is: `$AKS_ENGINE_BIN`, else `aks-engine` on PATH.
pub fn find_binary(env: &dyn Fn(&str) -> Option<String>) -> Result<PathBuf> {
    if let Some(p) = env("AKS_ENGINE_BIN").filter(|s| !s.is_empty()) {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Ok(p);
        }
        bail!(
            "AKS_ENGINE_BIN is {}, which is not a file; {HOW_TO_GET}",
            p.display()
        );
    }
    let path = env("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join("aks-engine");
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    bail!("aks-engine was not found on PATH (or in AKS_ENGINE_BIN); {HOW_TO_GET}")
}

const HOW_TO_GET: &str = "download aks-engine v0.46.3 from https://github.com/Azure/aks-engine/releases/tag/v0.46.3 and put it on PATH or point AKS_ENGINE_BIN at it";

/// What to deploy.
#[derive(Debug)]
pub struct DeployRequest<'a> {
    pub binary: &'a Path,
    pub api_model: &'a Path,
    pub output_dir: &'a Path,
    pub inputs: &'a Inputs,
    /// Pass `--force-overwrite` (re-running after a failed deployment left the directory).
    pub force_overwrite: bool,
    /// Extra `--set` values for aks-engine's model.
    pub sets: &'a [String],
}

/// The command line, client secret included (it only ever goes to the child process).
pub fn args(req: &DeployRequest<'_>) -> Vec<OsString> {
    let i = req.inputs;
    let mut a: Vec<OsString> = vec!["deploy".into()];
    let mut flag = |k: &str, v: &str| {
        a.push(k.into());
        a.push(v.into());
    };
    flag("--api-model", &req.api_model.to_string_lossy());
    flag("--dns-prefix", &i.dns_prefix);
    flag("--resource-group", &i.resource_group);
    flag("--location", &i.location);
    flag("--output-directory", &req.output_dir.to_string_lossy());
    flag("--subscription-id", &i.subscription_id);
    flag("--auth-method", "client_secret");
    flag("--client-id", &i.client_id);
    flag("--client-secret", i.client_secret.expose());
    for s in req.sets {
        flag("--set", s);
    }
    if req.force_overwrite {
        a.push("--force-overwrite".into());
    }
    a
}

/// Runs aks-engine, passing each output line (secrets masked) to `on_line`. Fails with the exit
/// status and the last lines it printed.
pub async fn run(req: &DeployRequest<'_>, mut on_line: impl FnMut(&str)) -> Result<()> {
    let mut child = tokio::process::Command::new(req.binary)
        .args(args(req))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", req.binary.display()))?;
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    for reader in [
        Box::new(stdout) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
        Box::new(stderr),
    ] {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(reader).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);
    let secret = req.inputs.client_secret.expose();
    let mut tail: std::collections::VecDeque<String> = Default::default();
    while let Some(line) = rx.recv().await {
        let line = if secret.is_empty() {
            line
        } else {
            line.replace(secret, "<redacted>")
        };
        on_line(&line);
        if tail.len() == 5 {
            tail.pop_front();
        }
        tail.push_back(line);
    }
    let status = child.wait().await.context("waiting for aks-engine")?;
    if !status.success() {
        bail!(
            "aks-engine deploy failed ({status}); its last lines:\n  {}",
            tail.into_iter().collect::<Vec<_>>().join("\n  ")
        );
    }
    Ok(())
}
