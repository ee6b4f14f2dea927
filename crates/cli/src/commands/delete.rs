//! `spotinst-aks-engine delete`.

use std::process::ExitCode;

use crate::cli::DeleteArgs;

pub fn run(_args: DeleteArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`delete` is not implemented yet")
}
