//! Step 4 of the quick start (with `--scale-source-to-zero`): the same cutover as
//! `spotinst-aks-engine cutover` ([`crate::cutover`]), with `--join-timeout` and `--drain-timeout`: wait until the
//! Spot nodes are Ready, cordon and drain the nodes of the scale set aks-engine made, then scale
//! that scale set to zero. Its own record (`spot-cutover.json`) lets a re-run resume mid-way.

use std::path::Path;

use aks_engine::OutputDir;
use cutover::{CutoverOptions, CutoverReport};

use super::QuickStartError;
use super::options::QuickStartOptions;
use super::progress::{Progress, ProgressEvent};
use crate::azure_access::ArmConnection;
use crate::spot_access::{self, SpotAccess};

/// Cuts every imported pool over to its Spot group.
pub(super) async fn cut_over(
    dir: &OutputDir,
    opts: &QuickStartOptions,
    subscription_id: &str,
    kubeconfig: &Path,
    arm: &mut ArmConnection,
    progress: &mut dyn Progress,
    cancel: &group_sync::CancellationToken,
) -> Result<CutoverReport, QuickStartError> {
    if !kubeconfig.is_file() {
        return Err(QuickStartError::CutoverKubeconfigMissing {
            path: kubeconfig.to_owned(),
        });
    }
    let state = group_sync::StateFile::load(&group_sync::StateFile::path_in(&dir.path))?;
    let pools = crate::cutover::imported_pools(
        dir,
        state.records(),
        subscription_id,
        &opts.inputs.resource_group,
    )?;
    let spot = SpotAccess {
        token: Some(opts.inputs.spot_token.clone()),
        account: Some(opts.inputs.spot_account.clone()),
        base_url: opts.spot_base_url.clone(),
        timeout: spot_access::DEFAULT_TIMEOUT,
    }
    .client()?;
    let mut sink = |e: &cutover::ProgressEvent| progress.report(&ProgressEvent::Cutover(e.clone()));
    Ok(crate::cutover::run(
        &dir.path,
        &pools,
        &cutover::ScaleSetChecks::default(),
        kubeconfig,
        &spot,
        arm,
        &CutoverOptions {
            join_timeout: opts.join_timeout,
            drain_timeout: opts.drain_timeout,
            ..CutoverOptions::default()
        },
        &mut sink,
        cancel,
    )
    .await?)
}
