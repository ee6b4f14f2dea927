//! `spotinst-aks-engine`: the binary. Parses flags, runs one command, renders errors once.

mod cli;
mod commands;
mod logging;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: the import's work is mostly building and dropping JSON trees; the system allocator
/// was a third of an `import --dry-run`'s instructions.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    logging::init(cli.verbose, cli.quiet);
    match commands::run(cli.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", render(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, one per line, without repeating a cause its parent already shows.
fn render(err: &anyhow::Error) -> String {
    let mut out = err.to_string();
    for cause in err.chain().skip(1) {
        let c = cause.to_string();
        if !out.contains(&c) {
            out.push_str("\n  caused by: ");
            out.push_str(&c);
        }
    }
    out
}
