//! `spotinst-aks-engine create-simple`.

use std::process::ExitCode;

use crate::cli::CreateSimpleArgs;

pub fn run(_args: CreateSimpleArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`create-simple` is not implemented yet")
}
