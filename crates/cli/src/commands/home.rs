//! The resource group check of commands that only read: `status` refuses a `-r` or
//! `AZURE_RESOURCE_GROUP` that names another resource group than the one the import recorded,
//! as every command that acts on recorded groups does (`importer::home`).

use anyhow::Result;
use group_sync::StateFile;
use importer::{home, scope};

use crate::cli::StateArgs;

/// Refuses a given resource group that differs from the recorded one (nothing recorded, or no
/// readable state file: nothing to compare; the command itself says what is wrong).
pub(super) fn refuse_another_home(args: &StateArgs) -> Result<()> {
    let Ok(state) = StateFile::load(&StateFile::path_in(&args.output_directory)) else {
        return Ok(());
    };
    let recorded = home::recorded(&state);
    scope::choose(
        "the resource group",
        args.resource_group.given(),
        &recorded.resource_groups,
        None,
    )?;
    Ok(())
}
