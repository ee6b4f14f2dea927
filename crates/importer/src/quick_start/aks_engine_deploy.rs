//! Step 1 of the quick start: `aks-engine deploy`, as a child process whose output is streamed.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use secrecy::ExposeSecret;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::QuickStartError;
use super::inputs::Inputs;

/// Where aks-engine is: `$AKS_ENGINE_BIN`, else `aks-engine` on PATH.
pub fn find_binary(env: &dyn Fn(&str) -> Option<String>) -> Result<PathBuf, QuickStartError> {
    if let Some(p) = env("AKS_ENGINE_BIN").filter(|s| !s.is_empty()) {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Ok(p);
        }
        return Err(QuickStartError::AksEngineBinNotAFile { path: p });
    }
    let path = env("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join("aks-engine");
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(QuickStartError::AksEngineNotFound)
}

/// What to deploy.
#[derive(Debug)]
pub struct DeployRequest<'a> {
    /// The aks-engine binary.
    pub binary: &'a Path,
    /// The API model file passed as `--api-model`.
    pub api_model: &'a Path,
    /// aks-engine's output directory.
    pub output_dir: &'a Path,
    /// Credentials, subscription, resource group, location and DNS prefix for its flags.
    pub inputs: &'a Inputs,
    /// Pass `--force-overwrite` (re-running after a failed deployment left the directory).
    pub force_overwrite: bool,
    /// Pass `--dns-prefix`: not for a model that sets its own (aks-engine refuses both).
    pub dns_prefix_flag: bool,
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
    if req.dns_prefix_flag {
        flag("--dns-prefix", &i.dns_prefix);
    }
    flag("--resource-group", &i.resource_group);
    flag("--location", &i.location);
    flag("--output-directory", &req.output_dir.to_string_lossy());
    flag("--subscription-id", &i.subscription_id);
    flag("--auth-method", "client_secret");
    flag("--client-id", &i.client_id);
    flag("--client-secret", i.client_secret.expose_secret());
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
pub async fn run(
    req: &DeployRequest<'_>,
    mut on_line: impl FnMut(&str),
) -> Result<(), QuickStartError> {
    let mut child = tokio::process::Command::new(req.binary)
        .args(args(req))
        // aks-engine needs no Spot credentials.
        .env_remove("SPOTINST_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| QuickStartError::StartAksEngine {
            binary: req.binary.to_owned(),
            source,
        })?;
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
    let secret = req.inputs.client_secret.expose_secret();
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
    let status = child.wait().await.map_err(QuickStartError::WaitAksEngine)?;
    if !status.success() {
        return Err(QuickStartError::AksEngineFailed {
            status,
            last_lines: tail.into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn inputs() -> Inputs {
        Inputs {
            spot_account: "act-1".into(),
            spot_token: SecretString::from("spot-tok-9"),
            subscription_id: "6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d".into(),
            client_id: "cid".into(),
            client_secret: SecretString::from("sp-secret-7"),
            dns_prefix: "demo".into(),
            location: "eastus".into(),
            resource_group: "rg1".into(),
            tenant_id: None,
        }
    }

    fn as_strings(a: Vec<OsString>) -> Vec<String> {
        a.into_iter().map(|s| s.into_string().unwrap()).collect()
    }

    #[test]
    fn command_line_has_every_flag_and_the_secret_only_there() {
        let i = inputs();
        let req = DeployRequest {
            binary: Path::new("/bin/aks-engine"),
            api_model: Path::new("/tmp/m.json"),
            output_dir: Path::new("output/demo"),
            inputs: &i,
            force_overwrite: false,
            dns_prefix_flag: true,
            sets: &[],
        };
        let a = as_strings(args(&req));
        assert_eq!(
            a,
            [
                "deploy",
                "--api-model",
                "/tmp/m.json",
                "--dns-prefix",
                "demo",
                "--resource-group",
                "rg1",
                "--location",
                "eastus",
                "--output-directory",
                "output/demo",
                "--subscription-id",
                "6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d",
                "--auth-method",
                "client_secret",
                "--client-id",
                "cid",
                "--client-secret",
                "sp-secret-7",
            ]
        );
        assert!(!a.iter().any(|s| s.contains("spot-tok-9")));
        let shown = format!("{req:?}");
        assert!(
            !shown.contains("sp-secret-7") && !shown.contains("spot-tok-9"),
            "{shown}"
        );
    }

    #[test]
    fn force_overwrite_and_sets_are_appended() {
        let i = inputs();
        let sets = ["orchestratorProfile.orchestratorRelease=1.17".to_string()];
        let req = DeployRequest {
            binary: Path::new("aks-engine"),
            api_model: Path::new("m.json"),
            output_dir: Path::new("o"),
            inputs: &i,
            force_overwrite: true,
            dns_prefix_flag: false,
            sets: &sets,
        };
        let a = as_strings(args(&req));
        assert!(!a.iter().any(|s| s == "--dns-prefix"), "{a:?}");
        let tail = &a[a.len() - 3..];
        assert_eq!(
            tail,
            [
                "--set",
                "orchestratorProfile.orchestratorRelease=1.17",
                "--force-overwrite"
            ]
        );
    }

    #[test]
    fn binary_from_aks_engine_bin_or_path_else_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("aks-engine");
        std::fs::write(&bin, "#!/bin/sh\n").unwrap();
        let path = dir.path().to_string_lossy().into_owned();
        let on_path = find_binary(&|k| (k == "PATH").then(|| path.clone())).unwrap();
        assert_eq!(on_path, bin);
        let explicit = bin.to_string_lossy().into_owned();
        let chosen = find_binary(&|k| (k == "AKS_ENGINE_BIN").then(|| explicit.clone())).unwrap();
        assert_eq!(chosen, bin);
        let err = find_binary(&|_| None).unwrap_err().to_string();
        assert!(
            err.contains("not found") && err.contains("v0.46.3"),
            "{err}"
        );
        let err = find_binary(&|k| (k == "AKS_ENGINE_BIN").then(|| "/nonexistent/x".to_string()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("AKS_ENGINE_BIN") && err.contains("v0.46.3"),
            "{err}"
        );
    }
}
