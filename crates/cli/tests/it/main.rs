//! CLI integration tests: the real binary, run in temporary directories.

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
mod dry_run_corpus;
mod dry_run_example;
mod help_output;
mod import_create;
mod import_errors;
mod messages;
mod safety;
mod set_values;
mod status_delete;
#[cfg(unix)]
mod status_health;
mod template_command;
mod template_limits;
mod vm_sizes;
