//! `spotinst-aks-engine status`.

use std::process::ExitCode;

use crate::cli::StateArgs;

pub fn run(_args: StateArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`status` is not implemented yet")
}
