//! `spotinst-aks-engine`: the binary. Parses flags, runs one command, renders errors once.

#![allow(
    unreachable_pub,
    reason = "a binary exports nothing: `pub` marks what its modules share"
)]

mod cli;
mod commands;
mod duration;
mod logging;

use std::process::ExitCode;

/// mimalloc: the import's work is mostly building and dropping JSON trees; the system allocator
/// was a third of an `import --dry-run`'s instructions.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse_noting_sources();
    logging::init(cli.verbose, cli.quiet);
    match commands::run(cli.command) {
        Ok(code) => code,
        // The reader went away (`... | head`): like Unix tools (and ripgrep), stop quietly and
        // successfully; what was asked for has been read.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", importer::error_chain(err.as_ref()));
            ExitCode::FAILURE
        }
    }
}

/// Whether any cause of `err` is a write to a closed pipe.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
