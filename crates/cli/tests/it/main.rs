//! CLI integration tests: the real binary, run in temporary directories.

mod common;
mod dry_run_corpus;
mod dry_run_example;
mod import_errors;
mod template_command;
