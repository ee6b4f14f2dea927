//! Step 3 of the quick start: the Spot Kubernetes controller, applied with server-side apply
//! through aks-engine's kubeconfig, then its rollout awaited.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aks_engine::OutputDir;
use spot_controller::{ControllerSettings, RolloutOutcome};

use super::QuickStartError;
use super::options::{ControllerOptions, QuickStartOptions};
use super::outcome::ControllerState;
use super::progress::Progress;

/// aks-engine's kubeconfig (the one every command chooses); when there is none, the path
/// aks-engine would have written (for the error that names it).
pub(super) fn kubeconfig_path(dir: &OutputDir) -> PathBuf {
    match crate::kubeconfig::choose(None, dir) {
        Ok(chosen) => chosen.path,
        Err(_) => crate::kubeconfig::expected_path(dir),
    }
}

/// Time between rollout polls: often enough for short timeouts, not chatty for long ones.
fn rollout_poll_interval(timeout: Duration) -> Duration {
    (timeout / 30).clamp(Duration::from_millis(250), Duration::from_secs(5))
}

pub(super) async fn install_controller(
    opts: &QuickStartOptions,
    c: &ControllerOptions,
    kubeconfig: &Path,
    cluster_identifier: &str,
    progress: &mut dyn Progress,
) -> Result<ControllerState, QuickStartError> {
    if !kubeconfig.is_file() {
        return Err(QuickStartError::KubeconfigMissing {
            path: kubeconfig.to_owned(),
        });
    }
    let mut settings = ControllerSettings::new(
        opts.inputs.spot_token.clone(),
        opts.inputs.spot_account.clone(),
        cluster_identifier,
    );
    if opts.spot_base_url.trim_end_matches('/') != spot_api::DEFAULT_BASE_URL {
        settings.base_url = Some(opts.spot_base_url.clone());
    }
    if let Some(i) = &c.image {
        settings.image = i.clone();
    }
    if let Some(v) = &c.version {
        settings.version = v.clone();
    }
    let manifests = spot_controller::manifests(&settings);
    let client = spot_controller::client_from_kubeconfig(kubeconfig).await?;
    spot_controller::apply_all(&client, &manifests, &mut |a| {
        progress.status(format!("applied {} {}", a.kind, a.name));
    })
    .await?;
    let outcome = spot_controller::wait_for_rollout(
        &client,
        c.timeout,
        rollout_poll_interval(c.timeout),
        &mut |p| {
            progress.status(format!(
                "waiting for the rollout: {}/{} available",
                p.available, p.desired
            ));
        },
    )
    .await?;
    Ok(match outcome {
        RolloutOutcome::Skipped => ControllerState::Applied,
        RolloutOutcome::Complete(_) => ControllerState::RolledOut,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollout_polls_scale_with_the_timeout() {
        assert_eq!(
            rollout_poll_interval(Duration::from_secs(1)),
            Duration::from_millis(250)
        );
        assert_eq!(
            rollout_poll_interval(Duration::from_secs(60)),
            Duration::from_secs(2)
        );
        assert_eq!(
            rollout_poll_interval(Duration::from_secs(3600)),
            Duration::from_secs(5)
        );
    }
}
