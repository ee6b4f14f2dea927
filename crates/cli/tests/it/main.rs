//! CLI integration tests: the real binary, run in temporary directories.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod clean_env;
mod common;
#[cfg(unix)]
mod create_simple;
mod credentials;
#[cfg(unix)]
mod cutover_command;
#[cfg(unix)]
mod cutover_safety;
#[cfg(unix)]
mod cutover_world;
mod docs_paths;
mod dry_run_corpus;
mod dry_run_example;
mod export_terraform;
mod help_output;
#[cfg(unix)]
mod home;
mod import_create;
mod import_errors;
mod lock_files;
mod messages;
#[cfg(unix)]
mod node_agent;
mod prices;
mod safety;
mod set_values;
#[cfg(unix)]
mod shell_completions;
mod status_delete;
mod status_drift;
#[cfg(unix)]
mod status_health;
#[cfg(unix)]
mod sync_command;
mod sync_pools;
#[cfg(unix)]
mod sync_revive;
mod template_command;
mod template_limits;
mod troubleshooting;
mod vm_sizes;
